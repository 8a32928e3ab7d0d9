//! Rate–distortion: `.svdz` against JPEG and raw f32 factors, measured on real encoded bytes.
//!
//! For each colour mode (rgb, ycbcr) and each rank, the `.svdz` file is encoded at the default
//! tolerance and decoded, and the same factors unquantized give the "raw f32" row (4 bytes per
//! stored value, no container). Each `.svdz` size is matched by the image crate's JPEG encoder at
//! the highest quality whose file is not larger. At each requested bits-per-pixel point the
//! budget mode (`--bpp`) meets JPEG head to head. Quality is measured on the 8-bit image (16-bit
//! inputs are reduced first, alpha is dropped) as DESIGN.md §2 defines PSNR and SSIM.

use faer::Mat;
use image::DynamicImage;
use serde::Serialize;

use super::budget::Budget;
use super::quant;
use crate::error::Result;
use crate::factorize::{factorize_image, FactorizeOptions};
use crate::metrics;
use crate::planes::{self, AlphaMode, ColorMode};
use crate::progress::NoProgress;
use crate::rank::RankSelect;
use crate::reconstruct::reconstruct;

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct RdRow {
    /// "rank" (a fixed rank at the default tolerance) or "bpp" (the budget mode).
    pub mode: &'static str,
    /// "rgb" or "ycbcr".
    pub color: &'static str,
    /// The rank of every plane.
    pub ranks: Vec<usize>,
    /// Bytes of the `.svdz` file.
    pub svdz_bytes: usize,
    /// Its bits per pixel.
    pub svdz_bpp: f64,
    /// PSNR of its decoded pixels (`None`: identical to the input).
    pub svdz_psnr: Option<f64>,
    /// SSIM of its decoded pixels.
    pub svdz_ssim: Option<f64>,
    /// Bytes of the same factors as raw f32: 4 · Σ k·(rows + cols + 1).
    pub raw_f32_bytes: u64,
    /// PSNR of the same factors unquantized.
    pub raw_f32_psnr: Option<f64>,
    /// raw_f32_bytes / svdz_bytes.
    pub raw_over_svdz: f64,
    /// JPEG quality matched to the `.svdz` size (`None`: even quality 1 is larger).
    pub jpeg_quality: Option<u8>,
    /// Bytes of that JPEG (quality 1 when none fits).
    pub jpeg_bytes: usize,
    /// Its bits per pixel.
    pub jpeg_bpp: f64,
    /// Its PSNR.
    pub jpeg_psnr: Option<f64>,
    /// Its SSIM.
    pub jpeg_ssim: Option<f64>,
}

/// A JPEG point of the encoder's own curve.
#[derive(Debug, Clone, Serialize)]
pub struct JpegPoint {
    /// Quality 1–100.
    pub quality: u8,
    /// Bytes.
    pub bytes: usize,
    /// Bits per pixel.
    pub bpp: f64,
    /// PSNR.
    pub psnr: Option<f64>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct RdTable {
    /// `"svdimg.rd/1"`.
    pub schema: &'static str,
    /// The input, when it came from a file.
    pub input: Option<String>,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Rows by colour mode, then rank; then the bits-per-pixel rows.
    pub rows: Vec<RdRow>,
    /// JPEG at qualities 5, 10, …, 100 (for the plot).
    pub jpeg_curve: Vec<JpegPoint>,
}

/// Runs the comparison on `img` at `ranks` and at the bits-per-pixel points `at_bpp`.
/// `opts` supplies the method and precision; its colour mode and rank are ignored.
pub fn rate_distortion(
    img: &DynamicImage,
    ranks: &[usize],
    at_bpp: &[f64],
    opts: &FactorizeOptions,
) -> Result<RdTable> {
    let img = eight_bit(img);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let pixels = (w * h) as f64;
    let peak = 255.0;
    let channels = if img.color().channel_count() >= 3 {
        3
    } else {
        1
    };
    let measure = |out: &DynamicImage| metrics::quality(&img, out, channels, peak);
    let jpegs: Vec<(u8, Vec<u8>)> = crate::parallel::map(&(1..=100u8).collect::<Vec<_>>(), |&q| {
        (q, crate::encode::jpeg_bytes(&img, q).unwrap_or_default())
    });
    let jpeg_at = |bytes: usize| -> Result<(Option<u8>, usize, metrics::Quality)> {
        let fit = jpegs
            .iter()
            .filter(|(_, b)| !b.is_empty() && b.len() <= bytes)
            .max_by_key(|(q, _)| *q);
        let (q, b) = fit.map_or((None, &jpegs[0].1), |(q, b)| (Some(*q), b));
        let decoded = crate::decode::decode_bytes(b, &Default::default())?.image;
        Ok((q, b.len(), measure(&decoded)))
    };
    let colors: &[ColorMode] = if channels == 3 {
        &[ColorMode::Rgb, ColorMode::YCbCr]
    } else {
        &[ColorMode::Luma]
    };
    let mut rows = Vec::new();
    let mut budget_rows = Vec::new();
    for &color in colors {
        let o = FactorizeOptions {
            color,
            alpha: AlphaMode::Keep,
            ..opts.clone()
        };
        let fz = factorize_image(&img, &o, usize::MAX, &NoProgress)?;
        let layout = &fz.planes.layout;
        let mut points: Vec<(&'static str, Vec<usize>, super::Container, Vec<u8>)> = Vec::new();
        for &k in ranks {
            let choice = fz.select(&RankSelect::Rank(k.max(1)))?;
            let tau = quant::default_tolerance(
                &fz.spectra(),
                &fz.energies,
                &choice.ranks,
                quant::DEFAULT_NOISE_SHARE,
            );
            let c = super::Container::from_factors(&fz, &choice.ranks, tau)?;
            let bytes = c.encode()?;
            points.push(("rank", choice.ranks, c, bytes));
        }
        for &bpp in at_bpp {
            let (choice, c, bytes) =
                super::budget::fit(&img, &fz, Budget::BitsPerPixel(bpp), None)?;
            points.push(("bpp", choice.ranks, c, bytes));
        }
        for (mode, k, c, bytes) in points {
            let svdz = measure(&c.render());
            let raw: Vec<Mat<f32>> = fz
                .factors
                .iter()
                .zip(&k)
                .map(|(f, &k)| reconstruct(f, k, crate::parallel::par(1)))
                .collect();
            let raw_q = measure(&planes::merge(&raw, layout, None));
            let raw_bytes: u64 = k.iter().map(|&k| 4 * metrics::stored_values(k, h, w)).sum();
            let (jq, jb, jpeg) = jpeg_at(bytes.len())?;
            let row = RdRow {
                mode,
                color: color.name(),
                ranks: k,
                svdz_bytes: bytes.len(),
                svdz_bpp: bytes.len() as f64 * 8.0 / pixels,
                svdz_psnr: svdz.psnr,
                svdz_ssim: svdz.ssim,
                raw_f32_bytes: raw_bytes,
                raw_f32_psnr: raw_q.psnr,
                raw_over_svdz: raw_bytes as f64 / bytes.len() as f64,
                jpeg_quality: jq,
                jpeg_bytes: jb,
                jpeg_bpp: jb as f64 * 8.0 / pixels,
                jpeg_psnr: jpeg.psnr,
                jpeg_ssim: jpeg.ssim,
            };
            if mode == "rank" {
                rows.push(row);
            } else {
                budget_rows.push(row);
            }
        }
    }
    rows.extend(budget_rows);
    let mut jpeg_curve = Vec::new();
    for (q, b) in jpegs.iter().filter(|(q, _)| q % 5 == 0) {
        let decoded = crate::decode::decode_bytes(b, &Default::default())?.image;
        jpeg_curve.push(JpegPoint {
            quality: *q,
            bytes: b.len(),
            bpp: b.len() as f64 * 8.0 / pixels,
            psnr: measure(&decoded).psnr,
        });
    }
    Ok(RdTable {
        schema: "svdimg.rd/1",
        input: None,
        width: w,
        height: h,
        rows,
        jpeg_curve,
    })
}

/// The image as 8-bit grey or RGB without alpha (what JPEG can hold).
fn eight_bit(img: &DynamicImage) -> DynamicImage {
    if img.color().channel_count() <= 2 {
        DynamicImage::ImageLuma8(img.to_luma8())
    } else {
        DynamicImage::ImageRgb8(img.to_rgb8())
    }
}
