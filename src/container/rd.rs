//! Rate–distortion: `.svdz` against JPEG and raw f32 factors, measured on real encoded bytes.
//!
//! For each colour mode (rgb, ycbcr) and each rank, the `.svdz` file is encoded at the default
//! tolerance and decoded, and the same factors unquantized give the "raw f32" row (4 bytes per
//! stored value, no container). Each `.svdz` size is matched by the image crate's JPEG encoder at
//! the highest quality whose file is not larger. At each requested bits-per-pixel point the
//! budget mode (`--bpp`) meets JPEG head to head. Quality is measured on the 8-bit image (16-bit
//! inputs are reduced first, alpha is dropped) as DESIGN.md §2 defines PSNR and SSIM.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use super::budget::Budget;
use super::quant;
use crate::error::{Error, Result};
use crate::plot::{rate_plot_svg, RateCurve};
use crate::progress::{ms, timed, NoProgress, Progress};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, write_bytes, Overwrite};
use crate::stages::factorize::{factorize_image, FactorizeOptions};
use crate::stages::metrics;
use crate::stages::planes::{AlphaHandling, AlphaMode, ColorMode};
use crate::stages::rank::RankSelect;
use crate::stages::rebuild::reconstruct_at_ranks;

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

/// The whole comparison (JSON schema `svdimg.rd/2`).
#[derive(Debug, Clone, Serialize)]
pub struct RdTable {
    /// `"svdimg.rd/2"`.
    pub schema: &'static str,
    /// The input and the image as compared: 8-bit grey or RGB, alpha dropped.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// Rows by colour mode, then rank; then the bits-per-pixel rows.
    pub rows: Vec<RdRow>,
    /// JPEG at qualities 5, 10, …, 100 (for the plot).
    pub jpeg_curve: Vec<JpegPoint>,
    /// The CSV written, if any.
    pub csv: Option<String>,
    /// The plot written, if any.
    pub plot: Option<String>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds: decode, factorize (the whole comparison), encode (CSV and plot).
    pub timings_ms: Timings,
}

/// Everything that decides what `rd` does.
#[derive(Debug, Clone, PartialEq)]
pub struct RdOptions {
    /// Method and precision of the SVD (colour modes are those of the comparison, alpha is
    /// dropped).
    ///
    /// Default: `FactorizeOptions::default()`.
    pub factorize: FactorizeOptions,
    /// Ranks to encode.
    ///
    /// Default: 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192.
    pub ranks: Vec<usize>,
    /// Bits per pixel at which the budget mode meets JPEG head to head.
    ///
    /// Default: 0.5, 1, 2.
    pub at_bpp: Vec<f64>,
    /// Where the table goes as CSV.
    ///
    /// Default: `None`, no CSV.
    pub csv: Option<PathBuf>,
    /// Where the plot goes (SVG).
    ///
    /// Default: `None`, no plot.
    pub plot: Option<PathBuf>,
    /// Size limits for decoding.
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether existing outputs are replaced (the input never is).
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
}

impl Default for RdOptions {
    fn default() -> Self {
        RdOptions {
            factorize: FactorizeOptions::default(),
            ranks: vec![1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192],
            at_bpp: vec![0.5, 1.0, 2.0],
            csv: None,
            plot: None,
            limits: DecodeLimits::default(),
            overwrite: Overwrite::Never,
        }
    }
}

/// Decodes `input`, runs the comparison, and writes the CSV and the plot when asked for. Every
/// output is checked before anything is computed; an error about an output names it
/// ([`crate::Error::file`]).
pub fn rd_file(input: &Path, opts: &RdOptions, progress: &dyn Progress) -> Result<RdTable> {
    for out in [&opts.csv, &opts.plot].into_iter().flatten() {
        check_output(Some(input), out, opts.overwrite).map_err(Error::about(out))?;
    }
    if opts.ranks.is_empty() || opts.ranks.contains(&0) {
        return Err(Error::Parameter("the ranks must be at least 1".into()));
    }
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let (table, factorize_ms) =
        timed(|| rate_distortion(&decoded.image, &opts.ranks, &opts.at_bpp, &opts.factorize));
    let mut table = table?;
    table.header.input = Some(input.display().to_string());
    table.warnings = decoded.warnings;
    let t = Instant::now();
    if let Some(path) = &opts.csv {
        let csv = table_csv(&table);
        write_bytes(path, opts.overwrite, csv.as_bytes()).map_err(Error::about(path))?;
        table.csv = Some(path.display().to_string());
    }
    if let Some(path) = &opts.plot {
        let title = input
            .file_name()
            .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let svg = rate_plot_svg(&title, &curves(&table));
        write_bytes(path, opts.overwrite, svg.as_bytes()).map_err(Error::about(path))?;
        table.plot = Some(path.display().to_string());
    }
    table.timings_ms = Timings {
        decode: Some(decode_ms),
        factorize: Some(factorize_ms),
        encode: Some(ms(t)),
        ..Timings::default()
    };
    Ok(table)
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
        (
            q,
            crate::stages::encode::jpeg_bytes(&img, q).unwrap_or_default(),
        )
    });
    let jpeg_at = |bytes: usize| -> Result<(Option<u8>, usize, metrics::Quality)> {
        let fit = jpegs
            .iter()
            .filter(|(_, b)| !b.is_empty() && b.len() <= bytes)
            .max_by_key(|(q, _)| *q);
        let (q, b) = fit.map_or((None, &jpegs[0].1), |(q, b)| (Some(*q), b));
        let decoded = crate::stages::decode::decode_bytes(b, &Default::default())?.image;
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
            let svdz = measure(&c.reconstruct());
            let raw_q = measure(&reconstruct_at_ranks(&fz, &k, &NoProgress));
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
        let decoded = crate::stages::decode::decode_bytes(b, &Default::default())?.image;
        jpeg_curve.push(JpegPoint {
            quality: *q,
            bytes: b.len(),
            bpp: b.len() as f64 * 8.0 / pixels,
            psnr: measure(&decoded).psnr,
        });
    }
    let grey = channels == 1;
    Ok(RdTable {
        schema: "svdimg.rd/2",
        header: ReportHeader {
            input: None,
            width: w,
            height: h,
            color: if grey {
                ColorMode::Luma
            } else {
                ColorMode::Rgb
            },
            bit_depth: 8,
            alpha: AlphaHandling::None,
            svd: None,
        },
        rows,
        jpeg_curve,
        csv: None,
        plot: None,
        warnings: Vec::new(),
        timings_ms: Timings::default(),
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

/// The table as CSV (one header line; empty cells for "identical" PSNR or missing values).
pub fn table_csv(t: &RdTable) -> String {
    let mut s = String::from(
        "mode,color,ranks,svdz_bytes,svdz_bpp,svdz_psnr,svdz_ssim,raw_f32_bytes,raw_f32_psnr,\
         raw_over_svdz,jpeg_quality,jpeg_bytes,jpeg_bpp,jpeg_psnr,jpeg_ssim\n",
    );
    let o = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &t.rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.4},{},{},{},{},{:.3},{},{},{:.4},{},{}",
            r.mode,
            r.color,
            r.ranks
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join("/"),
            r.svdz_bytes,
            r.svdz_bpp,
            o(r.svdz_psnr),
            o(r.svdz_ssim),
            r.raw_f32_bytes,
            o(r.raw_f32_psnr),
            r.raw_over_svdz,
            r.jpeg_quality.map_or_else(String::new, |q| q.to_string()),
            r.jpeg_bytes,
            r.jpeg_bpp,
            o(r.jpeg_psnr),
            o(r.jpeg_ssim)
        );
    }
    s
}

/// A curve of the plot.
fn curve(name: &'static str, color: (u8, u8, u8), points: Vec<(f64, f64)>) -> RateCurve {
    RateCurve {
        name,
        color,
        points,
    }
}

/// The curves of the table's plot: .svdz rgb and ycbcr (or luma), the budget mode, raw f32
/// factors, and JPEG's own curve.
fn curves(t: &RdTable) -> Vec<RateCurve> {
    let pick = |mode: &str, color: &str, raw: bool| -> Vec<(f64, f64)> {
        let mut v: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.mode == mode && r.color == color)
            .filter_map(|r| {
                if raw {
                    let bpp =
                        r.raw_f32_bytes as f64 * 8.0 / (t.header.width * t.header.height) as f64;
                    r.raw_f32_psnr.map(|p| (bpp, p))
                } else {
                    r.svdz_psnr.map(|p| (r.svdz_bpp, p))
                }
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    let mut out = vec![
        curve(".svdz rgb, -k", (200, 30, 30), pick("rank", "rgb", false)),
        curve(
            ".svdz ycbcr, -k",
            (30, 90, 200),
            pick("rank", "ycbcr", false),
        ),
        curve(".svdz luma, -k", (200, 30, 30), pick("rank", "luma", false)),
        curve(
            ".svdz ycbcr, --bpp",
            (120, 40, 170),
            pick("bpp", "ycbcr", false),
        ),
        curve(
            ".svdz luma, --bpp",
            (120, 40, 170),
            pick("bpp", "luma", false),
        ),
        curve(
            "raw f32 factors (rgb)",
            (150, 150, 150),
            pick("rank", "rgb", true),
        ),
        curve(
            "raw f32 factors",
            (150, 150, 150),
            pick("rank", "luma", true),
        ),
        curve(
            "JPEG (image crate)",
            (20, 140, 60),
            t.jpeg_curve
                .iter()
                .filter_map(|p| p.psnr.map(|y| (p.bpp, y)))
                .collect(),
        ),
    ];
    out.retain(|s| !s.points.is_empty());
    out
}
