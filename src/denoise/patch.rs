//! Patch-group denoising: the default method of `svdimg denoise`.
//!
//! Every `step` pixels a reference patch gathers the `group` patches most like it (squared
//! distance on the guide channel, luma, within `search_radius` pixels: `matching.rs`). The
//! signal of such a group lives in a few large singular values and white noise spreads thinly
//! over all of them. Two stages, as in BM3D:
//!
//! 1. `wnnm.rs`: each group is shrunk by weighted singular value thresholding; the
//!    overlapping estimates are averaged into a pilot. More passes of it (`iterations`, with
//!    iterative regularization `y ← x̂ + δ(y − x̂)` and the noise left re-estimated per group)
//!    are available; with the second stage on they measured no gain for 2–3× the time.
//! 2. `wiener.rs`: groups matched again on the pilot are filtered in the pilot group's
//!    own SVD basis with empirical Wiener gains.
//!
//! Work is split into rows of reference patches; each row aggregates into a band of its own and
//! the bands are added in row order, so the result is the same with any number of threads.

use super::matching::{match_row, positions, RowGroups};
use super::params::Band;
pub use super::params::PatchParams;
use super::Image;
use crate::parallel;

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
    // The estimate so far; the noisy image itself until the first pass has run (not a copy).
    let mut current: Option<Image> = None;
    let mut matches: Vec<RowGroups> = Vec::new();
    let mut run = PatchRun {
        groups: rows.len() * cols.len(),
        grid: (rows.len(), cols.len()),
        ranks: Vec::new(),
    };
    let sigma2 = (sigma * sigma) as f32;
    for pass in 0..p.iterations.max(1) {
        if let Some(cur) = current.as_mut() {
            // y_{t} = x̂ + δ (y − x̂)
            let delta = p.feedback as f32;
            for (cur, y) in cur.channels.iter_mut().zip(&noisy.channels) {
                for (c, &y) in cur.iter_mut().zip(y) {
                    *c += delta * (y - *c);
                }
            }
        } else {
            let guide = &noisy.channels[0];
            matches = parallel::map(&rows, |&r0| match_row(guide, w, h, &p, r0, &cols));
        }
        let residual = (pass > 0).then_some(sigma2);
        let estimate = current.as_ref().unwrap_or(noisy);
        let (image, ranks) = aggregate(w, h, channels, rows.len(), |ri| {
            let band = super::wnnm::filter_row(
                noisy,
                estimate,
                &matches[ri],
                rows[ri],
                &p,
                residual,
                sigma,
            );
            tick();
            band
        });
        current = Some(image);
        run.ranks = ranks;
    }
    let mut current = current.expect("at least one pass runs");
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
        let matches: Vec<RowGroups> =
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
