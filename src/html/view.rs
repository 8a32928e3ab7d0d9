//! The live view: the size the page redraws at, the area-weighted downscaling that takes the
//! image and its factors there, and the exact full-size PSNR of every rank for pages whose view
//! is not the image itself.
//!
//! Downscaling by area averaging is linear and separable: the view of an image A is
//! `D_r · A · D_cᵀ`, so the view of a rank-k approximation is `(D_r U) Σ (D_c V)ᵀ`. The page can
//! therefore embed downscaled factors and still show exactly the downscaled approximation
//! (before clamping and rounding).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat};
use image::DynamicImage;

use crate::resample::Resample;
use crate::stages::factorize::Factors;
use crate::stages::planes::{self, Layout};

/// Default largest number of pixels the page redraws live: one megapixel (1024 × 1024).
pub const DEFAULT_VIEW_PIXELS: usize = 1 << 20;

/// The view's size for an image of `height × width` with at most `max_pixels` pixels: the image's
/// own size when it fits, otherwise both sides shrunk by one factor.
#[must_use]
pub fn view_size(height: usize, width: usize, max_pixels: usize) -> (usize, usize) {
    let pixels = height * width;
    if pixels <= max_pixels.max(1) {
        return (height, width);
    }
    let f = (pixels as f64 / max_pixels.max(1) as f64).sqrt();
    let h = ((height as f64 / f).floor() as usize).clamp(1, height);
    let w = ((width as f64 / f).floor() as usize).clamp(1, width);
    (h, w)
}

/// The `i`-th left and right singular vectors of `f`, downscaled to the view.
#[must_use]
pub fn view_vectors(
    f: &Factors,
    i: usize,
    rows: &Resample,
    cols: &Resample,
) -> (Vec<f64>, Vec<f64>) {
    let u = rows.apply(|r| f64::from(f.u[(r, i)]));
    let v = cols.apply(|c| f64::from(f.v[(c, i)]));
    (u, v)
}

/// The colour channels of the reference image (what PSNR compares against) as 8-bit samples of
/// the view, interleaved (1 or 3 per pixel).
#[must_use]
pub fn view_original(
    reference: &DynamicImage,
    layout: &Layout,
    rows: &Resample,
    cols: &Resample,
) -> Vec<u8> {
    let samples = planes::samples_u16(reference);
    let stride = usize::from(reference.color().channel_count());
    let colour = colour_channels(layout);
    let (w, vh, vw) = (layout.width, rows.len(), cols.len());
    let peak = layout.peak();
    let mut out = vec![0u8; vh * vw * colour];
    // Rows first (into f64 per channel), then columns.
    let mut tmp = vec![0.0f64; vh * w];
    for ch in 0..colour {
        for (r, wr) in rows.weights.iter().enumerate() {
            for j in 0..w {
                tmp[r * w + j] = wr
                    .iter()
                    .map(|&(i, a)| a * f64::from(samples[(i * w + j) * stride + ch]))
                    .sum();
            }
        }
        for r in 0..vh {
            for (c, wc) in cols.weights.iter().enumerate() {
                let x: f64 = wc.iter().map(|&(j, a)| a * tmp[r * w + j]).sum();
                out[(r * vw + c) * colour + ch] =
                    (x / peak * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// 1 for greyscale (luma) pages, 3 for colour.
#[must_use]
pub fn colour_channels(layout: &Layout) -> usize {
    if layout.color == planes::ColorMode::Luma {
        1
    } else {
        3
    }
}

/// The exact full-size PSNR (DESIGN.md §2: after clamping and rounding to the bit depth, against
/// the reference) at every rank 1..=`max_rank`, built by adding one rank-one term at a time to a
/// running f32 sum per plane. `None` where the reconstruction equals the reference.
#[must_use]
pub fn psnr_by_rank(
    factors: &[Factors],
    layout: &Layout,
    alpha: Option<&[u16]>,
    reference: &DynamicImage,
    max_rank: usize,
) -> Vec<Option<f64>> {
    let (m, n) = (layout.height, layout.width);
    let reference = planes::samples_u16(reference);
    let stride = layout.output_channels();
    let compared = layout.compared_channels();
    let mut sums: Vec<Mat<f32>> = factors.iter().map(|_| Mat::zeros(m, n)).collect();
    let mut out = Vec::with_capacity(max_rank);
    let par = crate::parallel::par(crate::parallel::threads());
    for k in 0..max_rank {
        for (f, sum) in factors.iter().zip(sums.iter_mut()) {
            let u = Mat::<f32>::from_fn(m, 1, |i, _| f.u[(i, k)]);
            let vt = Mat::<f32>::from_fn(1, n, |_, j| f.s[k] as f32 * f.v[(j, k)]);
            matmul(
                sum.as_mut(),
                Accum::Add,
                u.as_ref(),
                vt.as_ref(),
                1.0f32,
                par,
            );
        }
        let merged = planes::samples_u16(&planes::merge(&sums, layout, alpha));
        let mut sq = 0.0f64;
        for p in 0..m * n {
            for ch in 0..compared {
                let d = f64::from(merged[p * stride + ch]) - f64::from(reference[p * stride + ch]);
                sq += d * d;
            }
        }
        let mse = sq / (m * n * compared) as f64;
        out.push(crate::stages::metrics::psnr(mse, layout.peak()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_size_keeps_small_images_and_shrinks_large_ones() {
        assert_eq!(view_size(400, 600, DEFAULT_VIEW_PIXELS), (400, 600));
        let (h, w) = view_size(3000, 4000, DEFAULT_VIEW_PIXELS);
        assert!(h * w <= DEFAULT_VIEW_PIXELS && h * w > DEFAULT_VIEW_PIXELS * 9 / 10);
        assert_eq!((h as f64 / w as f64 * 100.0).round(), 75.0);
    }
}
