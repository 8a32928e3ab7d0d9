//! Rebuilding a factorized image at chosen ranks and measuring the result: the one code path
//! behind every reconstruction svdimg writes (compress, grid tiles, layers' partial sums).

use std::sync::Mutex;
use std::time::Instant;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use image::DynamicImage;
use serde::Serialize;

use crate::parallel;
use crate::progress::{Progress, Stage};
use crate::stages::factorize::Factorized;
use crate::stages::metrics;
use crate::stages::planes;

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
) -> DynamicImage {
    reconstruct_and_measure(fz, ranks, progress).0
}

/// [`reconstruct_at_ranks`], also measuring ‖A_p − A_p,k‖_F of every plane (before clamping and
/// rounding). The planes are rebuilt in bands of [`planes::TILE`] rows: every band's rank-k
/// product (faer's sequential kernel, so the pixels do not depend on the threads) is compared with
/// the input's rows and merged into the output while it is in cache, and no plane is ever held
/// whole in f32 — one pass over memory instead of three, and 4 bytes per sample less at the peak.
#[track_caller]
pub(crate) fn reconstruct_and_measure(
    fz: &Factorized,
    ranks: &[usize],
    progress: &dyn Progress,
) -> (DynamicImage, Vec<f64>) {
    assert_eq!(ranks.len(), fz.factors.len(), "one rank per plane");
    let source = Rebuilding::new(fz, ranks);
    let image = planes::merge_bands(&source, &fz.planes.layout, fz.planes.alpha.as_deref());
    progress.advance(Stage::Reconstruct, fz.factors.len() as u64);
    (image, source.errors())
}

/// The bands of a reconstruction at chosen ranks, rebuilt as [`planes::merge_bands`] asks for
/// them, each measured against the input's rows.
struct Rebuilding<'a> {
    /// `U_k·diag(σ_k)` of every plane (rows × k).
    us: Vec<Mat<f32>>,
    /// `V_k` of every plane (cols × k).
    v: Vec<faer::MatRef<'a, f32>>,
    /// The planes that were factorized.
    originals: &'a [Mat<f32>],
    /// Σ (a − a_k)² of every plane, per band (first row, sums), in whatever order bands ran.
    squared: Mutex<Vec<(usize, Vec<f64>)>>,
}

impl<'a> Rebuilding<'a> {
    fn new(fz: &'a Factorized, ranks: &[usize]) -> Self {
        let us = fz
            .factors
            .iter()
            .zip(ranks)
            .map(|(f, &k)| {
                assert!(
                    k <= f.rank(),
                    "asked for rank {k} of factors holding {}",
                    f.rank()
                );
                Mat::<f32>::from_fn(f.u.nrows(), k, |i, j| f.u[(i, j)] * f.s[j] as f32)
            })
            .collect();
        let v = fz
            .factors
            .iter()
            .zip(ranks)
            .map(|(f, &k)| f.v.get(.., 0..k))
            .collect();
        Rebuilding {
            us,
            v,
            originals: &fz.planes.planes,
            squared: Mutex::new(Vec::new()),
        }
    }

    /// ‖A_p − A_p,k‖_F of every plane: the bands' sums added in the order of their rows, so the
    /// result does not depend on the threads.
    fn errors(self) -> Vec<f64> {
        let mut bands = self.squared.into_inner().unwrap_or_else(|e| e.into_inner());
        bands.sort_by_key(|(row, _)| *row);
        let mut total = vec![0.0f64; self.us.len()];
        for (_, sums) in bands {
            for (t, s) in total.iter_mut().zip(sums) {
                *t = metrics::add_band(*t, s);
            }
        }
        total.into_iter().map(f64::sqrt).collect()
    }
}

impl planes::BandSource for Rebuilding<'_> {
    type Band = Vec<Mat<f32>>;

    fn band(&self, rows: std::ops::Range<usize>) -> Vec<Mat<f32>> {
        let n = self.originals.first().map_or(0, |p| p.ncols());
        let planes: Vec<Mat<f32>> = self
            .us
            .iter()
            .zip(&self.v)
            .map(|(us, v)| {
                let mut out = Mat::<f32>::zeros(rows.len(), n);
                if us.ncols() > 0 {
                    matmul(
                        out.as_mut(),
                        Accum::Replace,
                        us.get(rows.clone(), ..),
                        v.transpose(),
                        1.0f32,
                        Par::Seq,
                    );
                }
                out
            })
            .collect();
        parallel::clear_upper();
        let sums = planes
            .iter()
            .zip(self.originals)
            .map(|(band, a)| {
                let a = a.get(rows.clone(), ..);
                metrics::band_squared_distance(a, band.as_ref())
            })
            .collect();
        self.squared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rows.start, sums));
        planes
    }

    fn column<'b>(
        &'b self,
        band: &'b Vec<Mat<f32>>,
        p: usize,
        j: usize,
        _: &std::ops::Range<usize>,
    ) -> &'b [f32] {
        band[p].col_as_slice(j)
    }
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
    let (image, channels, reconstruct_ms) = rebuild_unmeasured(fz, ranks, progress);
    let (quality, metrics_ms) = measure_image(fz, reference, &image, progress);
    Rebuilt {
        image,
        channels,
        quality,
        reconstruct_ms,
        metrics_ms,
    }
}

/// [`rebuild`] without the image metrics: the image, the per-plane report entries (with the
/// measured errors) and the milliseconds it took, as [`Stage::Reconstruct`].
#[track_caller]
pub(crate) fn rebuild_unmeasured(
    fz: &Factorized,
    ranks: &[usize],
    progress: &dyn Progress,
) -> (DynamicImage, Vec<ChannelReport>, f64) {
    let t = Instant::now();
    progress.begin(Stage::Reconstruct, fz.factors.len() as u64);
    let (image, measured) = reconstruct_and_measure(fz, ranks, progress);
    progress.end(Stage::Reconstruct);
    let channels = channel_reports(fz, ranks, &measured);
    (image, channels, ms(t))
}

/// MSE, PSNR and SSIM of `image` (a reconstruction of `fz`) against `reference`, and the
/// milliseconds they took, as [`Stage::Metrics`].
pub(crate) fn measure_image(
    fz: &Factorized,
    reference: &DynamicImage,
    image: &DynamicImage,
    progress: &dyn Progress,
) -> (metrics::Quality, f64) {
    let t = Instant::now();
    progress.begin(Stage::Metrics, 1);
    let layout = &fz.planes.layout;
    let quality = metrics::quality(reference, image, layout.compared_channels(), layout.peak());
    progress.end(Stage::Metrics);
    (quality, ms(t))
}

/// Measures reconstructed planes (`recon`, before rounding) and the output `image` made from
/// them against `reference`: per-plane report entries, image quality, and the time it took.
#[cfg(feature = "svdz")]
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
