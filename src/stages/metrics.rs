//! Metrics: energy, Eckart–Young error, storage, MSE, PSNR and SSIM, as DESIGN.md §2 defines them.
//! Pure functions; nothing here allocates more than one plane at a time per channel.

use faer::MatRef;
use image::DynamicImage;

use crate::stages::planes::{canonical, samples, Samples};
use crate::stages::ssim::{ssim_channel, Channel, ReferenceMean};

/// ‖A‖_F², summed in f64: the total energy, known without any SVD.
#[must_use]
pub fn energy(a: MatRef<'_, f32>) -> f64 {
    (0..a.ncols())
        .map(|j| sum_squares(a.col(j).iter().map(|&x| f64::from(x))))
        .sum()
}

/// ‖A − B‖_F, summed in f64.
#[must_use]
#[track_caller]
pub fn frobenius_distance(a: MatRef<'_, f32>, b: MatRef<'_, f32>) -> f64 {
    squared_distance(a, b).sqrt()
}

/// Rows per band of [`squared_distance`]: the bands that `rebuild` reconstructs and measures one
/// at a time, so that its sums are these sums.
pub(crate) const BAND_ROWS: usize = crate::stages::planes::TILE;

/// ‖A − B‖_F², summed in f64: within each band of [`BAND_ROWS`] rows column by column, then the
/// bands' sums in order from the top — the same number whether the matrices are measured whole
/// or band by band ([`add_band`]).
#[must_use]
#[track_caller]
pub(crate) fn squared_distance(a: MatRef<'_, f32>, b: MatRef<'_, f32>) -> f64 {
    assert_eq!(a.shape(), b.shape(), "matrices of one shape");
    let mut total = 0.0;
    for r0 in (0..a.nrows()).step_by(BAND_ROWS) {
        let rows = r0..(r0 + BAND_ROWS).min(a.nrows());
        total = add_band(
            total,
            band_squared_distance(a.get(rows.clone(), ..), b.get(rows, ..)),
        );
    }
    total
}

/// The running total of [`squared_distance`] after one more band.
#[inline]
pub(crate) fn add_band(total: f64, band: f64) -> f64 {
    total + band
}

/// Σ (a − b)² over one band (at most [`BAND_ROWS`] rows), column by column.
pub(crate) fn band_squared_distance(a: MatRef<'_, f32>, b: MatRef<'_, f32>) -> f64 {
    (0..a.ncols())
        .map(|j| {
            let (x, y) = (a.col(j), b.col(j));
            match (x.try_as_col_major(), y.try_as_col_major()) {
                (Some(x), Some(y)) => sum_squared_differences(x.as_slice(), y.as_slice()),
                _ => {
                    let pairs = x.iter().zip(y.iter());
                    sum_squares(pairs.map(|(&x, &y)| f64::from(x) - f64::from(y)))
                }
            }
        })
        .sum()
}

/// [`sum_squares`] of `x − y` for contiguous columns: the same four partial sums (sample i in
/// sum i mod 4), so the same number, from a loop over whole groups of four that the compiler
/// vectorises.
fn sum_squared_differences(x: &[f32], y: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { sum_squared_differences_avx2(x, y) };
    }
    sum_squared_differences_any(x, y)
}

/// [`sum_squared_differences_any`] compiled with AVX2 (the same operations in the same order:
/// the four partial sums become the lanes of one vector).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sum_squared_differences_avx2(x: &[f32], y: &[f32]) -> f64 {
    sum_squared_differences_any(x, y)
}

#[inline(always)]
fn sum_squared_differences_any(x: &[f32], y: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xs.remainder(), ys.remainder());
    for (x, y) in xs.zip(ys) {
        for l in 0..4 {
            let d = f64::from(x[l]) - f64::from(y[l]);
            acc[l] += d * d;
        }
    }
    for (l, (&x, &y)) in xr.iter().zip(yr).enumerate() {
        let d = f64::from(x) - f64::from(y);
        acc[l] += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Σ x², in four interleaved partial sums (independent additions, so the loop is not held up
/// by one long chain of dependent ones).
fn sum_squares(values: impl Iterator<Item = f64>) -> f64 {
    let mut acc = [0.0f64; 4];
    for (i, x) in values.enumerate() {
        acc[i % 4] += x * x;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Σ_{i≤k} σᵢ².
#[must_use]
pub(crate) fn kept_energy(s: &[f64], k: usize) -> f64 {
    s.iter().take(k).map(|x| x * x).sum()
}

/// Fraction of the energy kept at rank k, Σ_{i≤k} σᵢ² / E; an all-zero plane keeps 100 % at
/// every k.
///
/// With the whole spectrum (`complete`) it is computed as 1 − Σ_{i>k} σᵢ² / E, which is exact to
/// the last digit when little is discarded (a rank-1 image keeps 100 % at rank 1, not
/// 99.99999 %) and agrees with the Eckart–Young error: predicted² = E · (1 − kept).
#[must_use]
pub fn energy_kept(s: &[f64], k: usize, total: f64, complete: bool) -> f64 {
    if total <= 0.0 {
        return 1.0;
    }
    let kept = if complete {
        1.0 - s.iter().skip(k).map(|x| x * x).sum::<f64>() / total
    } else {
        kept_energy(s, k) / total
    };
    kept.clamp(0.0, 1.0)
}

/// Eckart–Young: ‖A − A_k‖_F = sqrt(Σ_{i>k} σᵢ²).
///
/// With the whole spectrum (`complete`) the tail is summed directly, which stays accurate when
/// little is discarded; otherwise it is sqrt(E − Σ_{i≤k} σᵢ²) with E = ‖A‖_F² = `total`.
#[must_use]
pub fn predicted_error(s: &[f64], k: usize, total: f64, complete: bool) -> f64 {
    if complete {
        s.iter().skip(k).map(|x| x * x).sum::<f64>().sqrt()
    } else {
        (total - kept_energy(s, k)).max(0.0).sqrt()
    }
}

/// Values stored for a rank-k factorization of an m×n plane: k·(m + n + 1).
#[must_use]
pub fn stored_values(k: usize, rows: usize, cols: usize) -> u64 {
    (k as u64) * (rows as u64 + cols as u64 + 1)
}

/// MSE, PSNR and SSIM of an output image against its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Mean squared error on the bit depth's scale.
    pub mse: f64,
    /// 10·log10(peak² / MSE); `None` for identical images.
    pub psnr: Option<f64>,
    /// Mean SSIM over the compared channels; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
}

/// PSNR in dB for an MSE at a peak value; `None` when the MSE is zero.
#[must_use]
pub fn psnr(mse: f64, peak: f64) -> Option<f64> {
    (mse > 0.0).then(|| 10.0 * (peak * peak / mse).log10())
}

/// Compares the first `channels` channels of two images of one layout (8- or 16-bit samples,
/// after rounding). `peak` is the bit depth's maximum.
#[must_use]
#[track_caller]
pub fn quality(
    reference: &DynamicImage,
    output: &DynamicImage,
    channels: usize,
    peak: f64,
) -> Quality {
    let (a, b) = (canonical(reference), canonical(output));
    assert_eq!(
        a.dimensions_and_color(),
        b.dimensions_and_color(),
        "images of one layout"
    );
    let (sa, sb) = (samples(&a), samples(&b));
    let stride = usize::from(a.color().channel_count());
    let (w, h) = (a.width() as usize, a.height() as usize);
    let channel_list: Vec<usize> = (0..channels).collect();
    let results = crate::parallel::map(&channel_list, |&ch| {
        channel_quality(&sa, (stride, ch), None, &sb, (stride, ch), (w, h), peak)
    });
    combine_channels(&results, w * h, peak)
}

/// What [`quality`] measures of one channel: Σ (a − b)² over its samples, and its mean SSIM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ChannelQuality {
    /// Σ (a − b)², on the samples' own scale.
    pub squared_error: f64,
    /// Mean SSIM (None below 11 pixels on a side).
    pub ssim: Option<f64>,
}

/// Squared error and SSIM between channel `a_at.1` of `a` (`a_at.0` samples per pixel) and
/// channel `b_at.1` of `b`, images of `size` (width, height) pixels. Either may be a plane of
/// its own (`(1, 0)`): the result is the same as for the channel in its image. `a_mean`, when
/// given, is the [`ReferenceMean`] of channel `a` on the scale `1 / peak` (same result, sooner).
#[must_use]
#[track_caller]
pub(crate) fn channel_quality(
    a: &Samples<'_>,
    a_at: (usize, usize),
    a_mean: Option<&ReferenceMean>,
    b: &Samples<'_>,
    b_at: (usize, usize),
    (w, h): (usize, usize),
    peak: f64,
) -> ChannelQuality {
    let scale = (1.0 / peak) as f32;
    fn at<T>(samples: &[T], (stride, ch): (usize, usize)) -> Channel<'_, T> {
        Channel {
            samples,
            stride,
            ch,
        }
    }
    match (a, b) {
        (Samples::U8(a), Samples::U8(b)) => {
            let (a, b) = (at(a, a_at), at(b, b_at));
            ChannelQuality {
                squared_error: squared_error_u8(a, b),
                ssim: ssim_channel(a, b, a_mean, scale, w, h),
            }
        }
        (Samples::U16(a), Samples::U16(b)) => {
            let (a, b) = (at(a, a_at), at(b, b_at));
            ChannelQuality {
                squared_error: squared_error(a, b),
                ssim: ssim_channel(a, b, a_mean, scale, w, h),
            }
        }
        _ => panic!("channels of one sample type"),
    }
}

/// MSE, PSNR and SSIM of an image from its channels' measures (`pixels` per channel).
#[must_use]
pub(crate) fn combine_channels(results: &[ChannelQuality], pixels: usize, peak: f64) -> Quality {
    let channels = results.len();
    let mse = results.iter().map(|r| r.squared_error).sum::<f64>() / (pixels * channels) as f64;
    let ssim = results
        .iter()
        .map(|r| r.ssim)
        .sum::<Option<f64>>()
        .map(|s| s / channels as f64);
    Quality {
        mse,
        psnr: psnr(mse, peak),
        ssim,
    }
}

/// The samples of one channel, in order.
fn channel_samples<'a, T: Copy>(c: &Channel<'a, T>) -> impl Iterator<Item = T> + 'a {
    c.samples[c.ch.min(c.samples.len())..]
        .iter()
        .step_by(c.stride)
        .copied()
}

/// Σ (a − b)² over two channels of 16-bit samples, summed in f64.
fn squared_error<T: Copy + Into<f32>>(a: Channel<'_, T>, b: Channel<'_, T>) -> f64 {
    let mut sq = 0.0f64;
    for (x, y) in channel_samples(&a).zip(channel_samples(&b)) {
        let (x, y): (f32, f32) = (x.into(), y.into());
        let d = f64::from(x) - f64::from(y);
        sq += d * d;
    }
    sq
}

/// Σ (a − b)² over two channels of 8-bit samples, summed as integers: the same number as the
/// f64 sum (every partial sum is an integer below 2⁵³ for any image under 10¹¹ pixels), in a
/// fraction of the time.
fn squared_error_u8(a: Channel<'_, u8>, b: Channel<'_, u8>) -> f64 {
    fn sum(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> u64 {
        a.zip(b)
            .map(|(x, y)| {
                let d = u32::from(x.abs_diff(y));
                u64::from(d * d)
            })
            .sum()
    }
    let total = match (a.stride, b.stride) {
        // Planes of their own: plain slices, which the compiler vectorises.
        (1, 1) => sum(a.samples.iter().copied(), b.samples.iter().copied()),
        _ => sum(channel_samples(&a), channel_samples(&b)),
    };
    total as f64
}

trait Layout {
    fn dimensions_and_color(&self) -> (u32, u32, image::ColorType);
}

impl Layout for DynamicImage {
    fn dimensions_and_color(&self) -> (u32, u32, image::ColorType) {
        (self.width(), self.height(), self.color())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_differences_sum_as_the_general_loop_does() {
        for n in [0usize, 1, 3, 4, 5, 17, 400, 403] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 / 97.0).collect();
            let y: Vec<f32> = (0..n).map(|i| ((i * 53) % 89) as f32 / 83.0).collect();
            let pairs = x.iter().zip(&y).map(|(&a, &b)| f64::from(a) - f64::from(b));
            let general = sum_squares(pairs);
            let fast = sum_squared_differences(&x, &y);
            assert_eq!(fast.to_bits(), general.to_bits(), "{n}");
        }
    }
}
