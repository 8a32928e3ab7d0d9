//! Rebuilding a factorized image at chosen ranks and measuring the result: the one code path
//! behind every reconstruction svdimg writes (compress, grid tiles, layers' partial sums).

use std::time::Instant;

use faer::Mat;
use image::DynamicImage;
use serde::Serialize;

use crate::parallel;
use crate::progress::{Progress, Stage};
use crate::stages::factorize::Factorized;
use crate::stages::metrics;
use crate::stages::planes;
use crate::stages::reconstruct::reconstruct;

/// Rebuilds every plane of `fz` at `ranks` (one rank per plane) and merges the planes into an
/// image (clamped, rounded, alpha put back). This is the one code path behind every reconstruction
/// svdimg writes, so `layers` partial sums equal `compress -k` outputs pixel for pixel. Advances
/// [`Stage::Reconstruct`] by one per plane; the caller begins and ends the stage.
///
/// # Panics
/// When `ranks` does not hold one rank per plane, or a rank exceeds the triplets held.
#[must_use]
#[track_caller]
pub fn reconstruct_at_ranks(
    fz: &Factorized,
    ranks: &[usize],
    progress: &dyn Progress,
) -> (Vec<Mat<f32>>, DynamicImage) {
    assert_eq!(ranks.len(), fz.factors.len(), "one rank per plane");
    let indices: Vec<usize> = (0..fz.factors.len()).collect();
    let recon: Vec<Mat<f32>> = parallel::map(&indices, |&p| {
        let r = reconstruct(&fz.factors[p], ranks[p], parallel::par(parallel::threads()));
        progress.advance(Stage::Reconstruct, 1);
        r
    });
    let image = planes::merge(&recon, &fz.planes.layout, fz.planes.alpha.as_deref());
    (recon, image)
}

/// A factorized image rebuilt at chosen ranks, and measured: what `compress` reports for one
/// rank choice, and what `grid` reports for each of its tiles.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The reconstruction, in the input's bit depth (greyscale for `luma`).
    pub image: DynamicImage,
    /// One entry per plane: rank, energy kept, predicted and measured error, storage.
    pub channels: Vec<ChannelReport>,
    /// MSE, PSNR and SSIM against the reference.
    pub quality: metrics::Quality,
    /// Milliseconds spent reconstructing.
    pub reconstruct_ms: f64,
    /// Milliseconds spent measuring.
    pub metrics_ms: f64,
}

/// Rebuilds `fz` at `ranks` (one per plane, at most the triplets each plane holds) and measures
/// the result against `reference` (from [`planes::reference`]). Every plane is rebuilt in fixed
/// blocks of rows (see [`crate::stages::reconstruct::partial_sum`]), planes and blocks in parallel, so
/// the same factors and ranks always give the same pixels.
///
/// # Panics
/// When `ranks` does not have one entry per plane, or a rank exceeds the triplets held.
#[must_use]
#[track_caller]
pub fn rebuild(
    fz: &Factorized,
    ranks: &[usize],
    reference: &DynamicImage,
    progress: &dyn Progress,
) -> Rebuilt {
    assert_eq!(ranks.len(), fz.factors.len(), "one rank per plane");
    let t = Instant::now();
    progress.begin(Stage::Reconstruct, fz.factors.len() as u64);
    let (recon, image) = reconstruct_at_ranks(fz, ranks, progress);
    progress.end(Stage::Reconstruct);
    let reconstruct_ms = ms(t);
    let (channels, quality, metrics_ms) =
        measure_planes(fz, ranks, reference, recon, &image, progress);
    Rebuilt {
        image,
        channels,
        quality,
        reconstruct_ms,
        metrics_ms,
    }
}

/// Measures reconstructed planes (`recon`, before rounding) and the output `image` made from
/// them against `reference`: per-plane report entries, image quality, and the time it took.
pub(crate) fn measure_planes(
    fz: &Factorized,
    ranks: &[usize],
    reference: &DynamicImage,
    recon: Vec<Mat<f32>>,
    image: &DynamicImage,
    progress: &dyn Progress,
) -> (Vec<ChannelReport>, metrics::Quality, f64) {
    let layout = &fz.planes.layout;
    let indices: Vec<usize> = (0..fz.factors.len()).collect();
    let t = Instant::now();
    progress.begin(Stage::Metrics, 1);
    let measured = parallel::map(&indices, |&p| {
        metrics::frobenius_distance(fz.planes.planes[p].as_ref(), recon[p].as_ref())
    });
    drop(recon);
    let quality = metrics::quality(reference, image, layout.compared_channels(), layout.peak());
    progress.end(Stage::Metrics);
    let metrics_ms = ms(t);
    let channels = channel_reports(fz, ranks, &measured);
    (channels, quality, metrics_ms)
}

/// The report entries of every plane of `fz` rebuilt at `ranks`, with the measured errors
/// ‖A_p − A_p,k‖_F.
pub(crate) fn channel_reports(
    fz: &Factorized,
    ranks: &[usize],
    measured: &[f64],
) -> Vec<ChannelReport> {
    let layout = &fz.planes.layout;
    let (rows, cols) = (layout.height, layout.width);
    (0..fz.factors.len())
        .map(|p| {
            let (f, k, e) = (&fz.factors[p], ranks[p], fz.energies[p]);
            let kept = metrics::energy_kept(&f.s, k, e, f.complete);
            ChannelReport {
                name: layout.names[p].to_string(),
                rows,
                cols,
                rank: k,
                max_rank: rows.min(cols),
                singular_values: f.s[..k].to_vec(),
                energy_total: e,
                energy_kept: kept,
                energy_discarded_db: (kept < 1.0).then(|| 10.0 * (1.0 - kept).log10()),
                predicted_error: metrics::predicted_error(&f.s, k, e, f.complete),
                measured_error: measured[p],
                stored_values: metrics::stored_values(k, rows, cols),
            }
        })
        .collect()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// One compressed plane.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelReport {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: String,
    /// Matrix rows (image height).
    pub rows: usize,
    /// Matrix columns (image width).
    pub cols: usize,
    /// Rank kept.
    pub rank: usize,
    /// min(rows, cols).
    pub max_rank: usize,
    /// The kept singular values, on the [0, 1] sample scale.
    pub singular_values: Vec<f64>,
    /// ‖A‖_F² on the [0, 1] scale.
    pub energy_total: f64,
    /// Σ_{i≤k} σᵢ² / E (1 for an all-zero plane).
    pub energy_kept: f64,
    /// 10·log10 of the discarded energy fraction; `None` when nothing is discarded.
    pub energy_discarded_db: Option<f64>,
    /// Eckart–Young: sqrt(Σ_{i>k} σᵢ²).
    pub predicted_error: f64,
    /// ‖A − A_k‖_F measured before clamping and rounding.
    pub measured_error: f64,
    /// k·(rows + cols + 1).
    pub stored_values: u64,
}
