//! The patch method's parameters, and what both stages share: the band a row of reference
//! patches aggregates into, gathering a group and removing its mean.

use super::lanczos;
use super::Image;

/// The parameters of the patch method.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PatchParams {
    /// Patch side in pixels.
    pub patch: usize,
    /// Search window radius: candidates lie within this many pixels of the reference, both ways.
    pub search_radius: usize,
    /// Patches per group (the reference included), first stage.
    pub group: usize,
    /// Distance between reference patches in pixels, first stage.
    pub step: usize,
    /// Passes of the first stage.
    pub iterations: usize,
    /// Threshold scale `t` relative to the edge of the noise spectrum, first stage.
    pub threshold: f64,
    /// Iterative regularization between first-stage passes: the fraction of the residual fed
    /// back.
    pub feedback: f64,
    /// Noise left after a first-stage pass, relative to the drop in variance (WNNM's λ).
    pub residual_factor: f64,
    /// Whether the second stage (Wiener filtering in the pilot's basis) runs.
    pub second_stage: bool,
    /// Patches per group, second stage.
    pub second_group: usize,
    /// Distance between reference patches, second stage.
    pub second_step: usize,
    /// Pilot directions with squared singular value below `floor·K·σ²` are dropped.
    pub second_floor: f64,
    /// Second stage: the group mean's cosine coefficients are kept with the Wiener gain
    /// `p² / (p² + mean_noise·σ²/K)` from the pilot's mean (0: the mean is kept as it is).
    pub mean_noise: f64,
}

impl PatchParams {
    /// The defaults for noise σ (0–255 scale), tuned against BM3D on two of the samples
    /// (astronaut, camera) and, since the group mean is filtered, scikit-image's moon (smooth):
    /// 256×256 crops, σ 15, 25, 50.
    #[must_use]
    pub fn for_sigma(sigma: f64) -> PatchParams {
        let high = sigma > 40.0;
        PatchParams {
            patch: if high { 8 } else { 7 },
            search_radius: 16,
            group: if high { 80 } else { 60 },
            // 3 measured 0.01–0.03 dB better on the tuning crops for 20 % more time.
            step: 4,
            iterations: 1,
            // 1.0 up to σ 30, 0.9 from σ 45 (more of the pilot kept where noise hides detail).
            threshold: 1.0 - 0.1 * ((sigma - 30.0) / 15.0).clamp(0.0, 1.0),
            feedback: 0.2,
            residual_factor: 0.3,
            second_stage: true,
            // 32 patches, as BM3D's second step. (Groups grew with σ, to 120 at σ 50, while the
            // group mean was kept as it was: its noise σ/√K spread over smooth regions. With the
            // mean filtered, 32 measured +0.03 dB over that on the tuning crops, +0.1 to +0.25 dB
            // on the photos at σ 50, and the stage runs in half the time.)
            second_group: 32,
            second_step: 4,
            second_floor: 0.05,
            // Half the mean's noise variance: gentler than the textbook gain, measured better
            // on edges (camera) and as good on the smooth moon (+0.4 to +0.8 dB there).
            mean_noise: 0.5,
        }
    }
}

/// One row of reference patches: where their groups' estimates add up.
pub(crate) struct Band {
    /// First image row the band covers.
    pub top: usize,
    /// Rows covered.
    pub rows: usize,
    /// Image width.
    width: usize,
    /// Σ weight · estimate, per channel, `rows × width`.
    pub values: Vec<Vec<f32>>,
    /// Σ weight, per channel, `rows × width`.
    pub weights: Vec<Vec<f32>>,
    /// Terms kept by each reference patch of the row.
    pub ranks: Vec<u16>,
}

impl Band {
    /// The empty band of the reference row `r0` of `img`: every row a patch of its groups can
    /// touch (the search window's reach below and above, plus a patch).
    pub fn for_row(img: &Image, r0: usize, p: &PatchParams, groups: usize) -> Band {
        let (w, h) = (img.width, img.height);
        let top = r0.saturating_sub(p.search_radius);
        let rows = (r0 + p.search_radius + p.patch).min(h) - top;
        Band {
            top,
            rows,
            width: w,
            values: vec![vec![0.0f32; rows * w]; img.channels.len()],
            weights: vec![vec![0.0f32; rows * w]; img.channels.len()],
            ranks: Vec::with_capacity(groups),
        }
    }

    /// Adds `weight ·` the `ps × ps` patch `x` (row-major) of channel `ch` at image index `at`.
    pub fn add(&mut self, ch: usize, at: usize, ps: usize, x: &[f32], weight: f32) {
        let w = self.width;
        let (r, col) = (at / w - self.top, at % w);
        for (i, src) in x.chunks_exact(ps).enumerate() {
            let o = (r + i) * w + col;
            for (dv, xv) in self.values[ch][o..o + ps].iter_mut().zip(src) {
                *dv += weight * xv;
            }
            for wv in &mut self.weights[ch][o..o + ps] {
                *wv += weight;
            }
        }
    }
}

/// The group's patches of one `plane` (top-left corners `group`, side `ps`) as the columns of
/// `y` (column-major, `ps²` rows).
pub(crate) fn gather(plane: &[f32], width: usize, ps: usize, group: &[u32], y: &mut Vec<f32>) {
    y.clear();
    for &at in group {
        let at = at as usize;
        for i in 0..ps {
            y.extend_from_slice(&plane[at + i * width..at + i * width + ps]);
        }
    }
}

/// Removes the mean column from the `d`-row matrix `y` and returns it in `mean`.
pub(crate) fn remove_mean(y: &mut [f32], d: usize, mean: &mut Vec<f32>) {
    let k = (y.len() / d.max(1)).max(1);
    mean.clear();
    mean.resize(d, 0.0);
    for col in y.chunks_exact(d) {
        lanczos::axpy(1.0, col, mean);
    }
    let inv = 1.0 / k as f32;
    mean.iter_mut().for_each(|m| *m *= inv);
    for col in y.chunks_exact_mut(d) {
        lanczos::axpy(-1.0, mean, col);
    }
}
