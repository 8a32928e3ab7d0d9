//! Patch-group denoising: the default method of `svdimg denoise`.
//!
//! Every `step` pixels a reference patch gathers the `group` patches most like it (squared
//! distance on the guide channel, luma, within `search_radius` pixels: [`super::matching`]). The
//! signal of such a group lives in a few large singular values and white noise spreads thinly
//! over all of them. Two stages, as in BM3D:
//!
//! 1. [`super::wnnm`]: each group is shrunk by weighted singular value thresholding; the
//!    overlapping estimates are averaged into a pilot. More passes of it (`iterations`, with
//!    iterative regularization `y ← x̂ + δ(y − x̂)` and the noise left re-estimated per group)
//!    are available; with the second stage on they measured no gain for 2–3× the time.
//! 2. [`super::wiener`]: groups matched again on the pilot are filtered in the pilot group's
//!    own SVD basis with empirical Wiener gains.
//!
//! Work is split into rows of reference patches; each row aggregates into a band of its own and
//! the bands are added in row order, so the result is the same with any number of threads.

use super::matching::{match_row, positions};
use super::Image;
use crate::parallel;

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
}

impl PatchParams {
    /// The defaults for noise σ (0–255 scale), tuned on two of the samples (astronaut, camera;
    /// 256×256 crops, σ 15, 25, 50) against BM3D.
    #[must_use]
    pub fn for_sigma(sigma: f64) -> PatchParams {
        let high = sigma > 40.0;
        PatchParams {
            patch: if high { 8 } else { 7 },
            search_radius: 16,
            group: if high { 80 } else { 60 },
            step: 3,
            iterations: 1,
            // 1.0 up to σ 30, 0.9 from σ 45 (more of the pilot kept where noise hides detail).
            threshold: 1.0 - 0.1 * ((sigma - 30.0) / 15.0).clamp(0.0, 1.0),
            feedback: 0.2,
            residual_factor: 0.3,
            second_stage: true,
            // The group mean carries noise σ/√K into every patch of a smooth region: larger
            // groups at higher σ (40 patches at σ 15, 120 from σ 50; measured on a smooth photo
            // of the moon at σ 50: 30.8 dB with 40, 33.2 dB with 120).
            second_group: (2.3 * sigma + 5.0).round().clamp(40.0, 120.0) as usize,
            second_step: 4,
            second_floor: 0.05,
        }
    }
}

/// What the patch method did, for the report and the rank map.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatchRun {
    /// Reference patches of the first stage.
    pub groups: usize,
    /// Reference rows and columns of the first stage (the rank map's shape).
    pub grid: (usize, usize),
    /// Terms kept by each group of the first stage (last pass, largest over the channels),
    /// row-major over `grid`.
    pub ranks: Vec<u16>,
}

/// One row of reference patches: its groups, and where their estimates add up.
pub(crate) struct Band {
    /// First image row the band covers.
    pub top: usize,
    /// Rows covered.
    pub rows: usize,
    /// Σ weight · estimate, per channel, `rows × width`.
    pub values: Vec<Vec<f32>>,
    /// Σ weight, per channel, `rows × width`.
    pub weights: Vec<Vec<f32>>,
    /// Terms kept by each reference patch of the row.
    pub ranks: Vec<u16>,
}

/// Denoises `noisy` (0–255 scale per channel; channel 0 is the guide for matching) whose noise
/// has standard deviation `sigma` in every channel. `tick` is called once per row of reference
/// patches and pass.
pub(crate) fn denoise(
    noisy: &Image,
    sigma: f64,
    p: &PatchParams,
    tick: &(dyn Fn() + Sync),
) -> (Image, PatchRun) {
    let (w, h) = (noisy.width, noisy.height);
    let mut p = *p;
    p.patch = p.patch.min(w).min(h).max(1);
    let ps = p.patch;
    let rows = positions(h - ps, p.step);
    let cols = positions(w - ps, p.step);
    let channels = noisy.channels.len();
    let mut current = noisy.clone();
    let mut matches: Vec<Vec<Vec<u32>>> = Vec::new();
    let mut run = PatchRun {
        groups: rows.len() * cols.len(),
        grid: (rows.len(), cols.len()),
        ranks: Vec::new(),
    };
    let sigma2 = (sigma * sigma) as f32;
    for pass in 0..p.iterations.max(1) {
        if pass > 0 {
            // y_{t} = x̂ + δ (y − x̂)
            let delta = p.feedback as f32;
            for (cur, y) in current.channels.iter_mut().zip(&noisy.channels) {
                for (c, &y) in cur.iter_mut().zip(y) {
                    *c += delta * (y - *c);
                }
            }
        } else {
            let guide = &current.channels[0];
            matches = parallel::map(&rows, |&r0| match_row(guide, w, h, &p, r0, &cols));
        }
        let residual = (pass > 0).then_some(sigma2);
        let (image, ranks) = aggregate(w, h, channels, rows.len(), |ri| {
            let band = super::wnnm::filter_row(
                noisy,
                &current,
                &matches[ri],
                rows[ri],
                &p,
                residual,
                sigma,
            );
            tick();
            band
        });
        current = image;
        run.ranks = ranks;
    }
    if p.second_stage {
        // The first stage's matches are done with: free them before the second stage's.
        drop(std::mem::take(&mut matches));
        let pilot = current;
        let second = PatchParams {
            group: p.second_group,
            step: p.second_step,
            ..p
        };
        let rows = positions(h - ps, second.step);
        let cols = positions(w - ps, second.step);
        let guide = &pilot.channels[0];
        let matches: Vec<Vec<Vec<u32>>> =
            parallel::map(&rows, |&r0| match_row(guide, w, h, &second, r0, &cols));
        let (image, _) = aggregate(w, h, channels, rows.len(), |ri| {
            let band =
                super::wiener::wiener_row(noisy, &pilot, &matches[ri], rows[ri], &second, sigma);
            tick();
            band
        });
        current = image;
    }
    (current, run)
}

/// Progress units of [`denoise`] for an image of `height` rows: rows of reference patches over
/// all passes.
pub(crate) fn progress_units(height: usize, width: usize, p: &PatchParams) -> usize {
    let ps = p.patch.min(width).min(height).max(1);
    let rows = |step: usize| positions(height - ps, step).len();
    rows(p.step) * p.iterations.max(1)
        + if p.second_stage {
            rows(p.second_step)
        } else {
            0
        }
}

/// Runs `row` on every row of reference patches (in waves, side by side) and adds the bands up
/// in row order: the weighted mean of all estimates, and the ranks row by row.
fn aggregate(
    w: usize,
    h: usize,
    channels: usize,
    rows: usize,
    row: impl Fn(usize) -> Band + Sync + Send,
) -> (Image, Vec<u16>) {
    let mut acc = vec![vec![0.0f32; w * h]; channels];
    let mut weight = vec![vec![0.0f32; w * h]; channels];
    let mut ranks = Vec::new();
    let row_ids: Vec<usize> = (0..rows).collect();
    // Rows in waves (bounded memory); bands are added in row order whatever the wave.
    let wave = (4 * parallel::threads()).max(8);
    for chunk in row_ids.chunks(wave) {
        let bands: Vec<Band> = parallel::map(chunk, |&ri| row(ri));
        for band in bands {
            let range = band.top * w..(band.top + band.rows) * w;
            for (a, v) in acc.iter_mut().zip(&band.values) {
                for (a, v) in a[range.clone()].iter_mut().zip(v) {
                    *a += v;
                }
            }
            for (a, v) in weight.iter_mut().zip(&band.weights) {
                for (a, v) in a[range.clone()].iter_mut().zip(v) {
                    *a += v;
                }
            }
            ranks.extend_from_slice(&band.ranks);
        }
    }
    for (a, wt) in acc.iter_mut().zip(&weight) {
        for (a, wt) in a.iter_mut().zip(wt) {
            // Every pixel lies in some reference patch, so its weight is positive.
            *a /= wt;
        }
    }
    (
        Image {
            width: w,
            height: h,
            channels: acc,
        },
        ranks,
    )
}
