//! Rate–distortion: `.svdz` against production JPEG and WebP and raw f32 factors, measured on real
//! encoded bytes.
//!
//! For each colour mode (rgb, ycbcr) and each rank, the `.svdz` file is encoded at the default
//! tolerance and decoded, and the same factors unquantized give the "raw f32" row (4 bytes per
//! stored value, no container). Each `.svdz` size is matched by libjpeg-turbo's JPEG and libwebp's
//! lossy WebP ([`super::reference_codecs`], Pillow's settings) at the highest quality whose file
//! is not larger. At each requested bits-per-pixel point the budget mode (`--bpp`) meets them head
//! to head. Quality is measured on the 8-bit image (16-bit inputs are reduced first, alpha is
//! dropped) as DESIGN.md §2 defines PSNR and SSIM, on the files decoded by the image crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use super::budget::Budget;
use super::quant;
use super::reference_codecs::{self as codecs, JPEG_QUALITIES, WEBP_QUALITIES};
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

/// The factors of a version-1 row stored as raw f32.
#[derive(Debug, Clone, Serialize)]
pub struct RawFactors {
    /// Bytes: 4 · Σ k·(rows + cols + 1).
    pub bytes: u64,
    /// PSNR of the factors unquantized (`None`: identical to the input).
    pub psnr: Option<f64>,
    /// bytes / svdz_bytes.
    pub over_svdz: f64,
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct RdRow {
    /// "rank" (version 1 at a fixed rank and the default tolerance), "bpp" (version 1's budget
    /// mode) or "blocks" (version 2, the block codec, at a budget).
    pub mode: &'static str,
    /// "rgb", "ycbcr" or "luma" (version 2: "ycbcr" at 4:2:0, or "luma").
    pub color: &'static str,
    /// Version 1: the rank of every plane; version 2: the terms of every plane.
    pub ranks: Vec<usize>,
    /// Bytes of the `.svdz` file.
    pub svdz_bytes: usize,
    /// Its bits per pixel.
    pub svdz_bpp: f64,
    /// PSNR of its decoded pixels (`None`: identical to the input).
    pub svdz_psnr: Option<f64>,
    /// SSIM of its decoded pixels.
    pub svdz_ssim: Option<f64>,
    /// Version 1: the same factors as raw f32 (`None` for version-2 rows).
    pub raw_f32: Option<RawFactors>,
    /// libjpeg-turbo's JPEG matched to the `.svdz` size (`None`: it cannot hold the image).
    pub jpeg: Option<CodecMatch>,
    /// libwebp's lossy WebP matched to the `.svdz` size (`None`: it cannot hold the image).
    pub webp: Option<CodecMatch>,
}

/// A reference codec's file at the highest quality whose size is not larger than the `.svdz`
/// file's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodecMatch {
    /// The quality (`None`: even the lowest quality is larger).
    pub quality: Option<u8>,
    /// Bytes of that file (of the lowest quality's when none fits).
    pub bytes: usize,
    /// Its bits per pixel.
    pub bpp: f64,
    /// Its PSNR (`None`: identical to the input).
    pub psnr: Option<f64>,
    /// Its SSIM.
    pub ssim: Option<f64>,
}

/// A point of a reference codec's own curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    /// Quality (JPEG 1–100, WebP 0–100).
    pub quality: u8,
    /// Bytes.
    pub bytes: usize,
    /// Bits per pixel.
    pub bpp: f64,
    /// PSNR.
    pub psnr: Option<f64>,
}

/// The reference encoders and their settings.
#[derive(Debug, Clone, Serialize)]
pub struct Encoders {
    /// The JPEG encoder.
    pub jpeg: String,
    /// The WebP encoder.
    pub webp: String,
}

/// The whole comparison (JSON schema `svdimg.rd/3`).
#[derive(Debug, Clone, Serialize)]
pub struct RdTable {
    /// `"svdimg.rd/3"`.
    pub schema: &'static str,
    /// The input and the image as compared: 8-bit grey or RGB, alpha dropped.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The reference encoders and their settings.
    pub encoders: Encoders,
    /// Rows by colour mode, then rank; then the bits-per-pixel rows.
    pub rows: Vec<RdRow>,
    /// JPEG at qualities 5, 10, …, 100 (for the plot).
    pub jpeg_curve: Vec<CurvePoint>,
    /// WebP at qualities 0, 5, …, 100 (for the plot).
    pub webp_curve: Vec<CurvePoint>,
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
    /// Bits per pixel at which the budget mode meets JPEG and WebP head to head.
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
    let mut warnings = decoded.warnings;
    warnings.append(&mut table.warnings);
    table.warnings = warnings;
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
    let channels = if img.color().channel_count() >= 3 {
        3
    } else {
        1
    };
    let measure = |out: &DynamicImage| metrics::quality(&img, out, channels, 255.0);
    let mut warnings = Vec::new();
    let mut jpeg = Sweep::new(&img, "JPEG", JPEG_QUALITIES, codecs::jpeg, &mut warnings);
    let mut webp = Sweep::new(&img, "WebP", WEBP_QUALITIES, codecs::webp, &mut warnings);
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
            let row = RdRow {
                mode,
                color: color.name(),
                ranks: k,
                svdz_bytes: bytes.len(),
                svdz_bpp: bytes.len() as f64 * 8.0 / pixels,
                svdz_psnr: svdz.psnr,
                svdz_ssim: svdz.ssim,
                raw_f32: Some(RawFactors {
                    bytes: raw_bytes,
                    psnr: raw_q.psnr,
                    over_svdz: raw_bytes as f64 / bytes.len() as f64,
                }),
                jpeg: jpeg.matched(bytes.len(), &measure)?,
                webp: webp.matched(bytes.len(), &measure)?,
            };
            if mode == "rank" {
                rows.push(row);
            } else {
                budget_rows.push(row);
            }
        }
    }
    rows.extend(budget_rows);
    for &bpp in at_bpp {
        let enc = super::blocks::encode_image(
            &img,
            &super::blocks::BlockOptions {
                target: super::blocks::Target::BitsPerPixel(bpp),
                ..super::blocks::BlockOptions::default()
            },
        )?;
        let q = measure(&enc.file.reconstruct());
        let n = enc.bytes.len();
        rows.push(RdRow {
            mode: "blocks",
            color: if channels == 3 { "ycbcr" } else { "luma" },
            ranks: enc.file.terms(),
            svdz_bytes: n,
            svdz_bpp: n as f64 * 8.0 / pixels,
            svdz_psnr: q.psnr,
            svdz_ssim: q.ssim,
            raw_f32: None,
            jpeg: jpeg.matched(n, &measure)?,
            webp: webp.matched(n, &measure)?,
        });
    }
    let grey = channels == 1;
    Ok(RdTable {
        schema: "svdimg.rd/3",
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
        encoders: Encoders {
            jpeg: codecs::JPEG_ENCODER.into(),
            webp: codecs::webp_encoder(),
        },
        rows,
        jpeg_curve: jpeg.curve(&measure)?,
        webp_curve: webp.curve(&measure)?,
        csv: None,
        plot: None,
        warnings,
        timings_ms: Timings::default(),
    })
}

/// One reference codec's files of `img` at every quality, and the quality of those measured.
struct Sweep<'a> {
    img: &'a DynamicImage,
    /// (quality, file) by increasing quality; empty when the codec cannot hold the image.
    files: Vec<(u8, Vec<u8>)>,
    measured: BTreeMap<u8, metrics::Quality>,
}

impl<'a> Sweep<'a> {
    /// Encodes `img` at every quality of `qualities` (in parallel); a codec that cannot hold the
    /// image leaves its columns empty and says why in `warnings`.
    fn new(
        img: &'a DynamicImage,
        name: &str,
        qualities: std::ops::RangeInclusive<u8>,
        encode: fn(&DynamicImage, u8) -> Result<Vec<u8>>,
        warnings: &mut Vec<String>,
    ) -> Self {
        let qualities: Vec<u8> = qualities.collect();
        let files: Result<Vec<(u8, Vec<u8>)>> =
            crate::parallel::map(&qualities, |&q| encode(img, q).map(|b| (q, b)))
                .into_iter()
                .collect();
        let files = files.unwrap_or_else(|e| {
            warnings.push(format!("no {name} columns: {e}"));
            Vec::new()
        });
        Sweep {
            img,
            files,
            measured: BTreeMap::new(),
        }
    }

    /// PSNR and SSIM of the file at `quality`, decoded by the image crate into the image's colour
    /// type.
    fn quality(
        &mut self,
        quality: u8,
        file: usize,
        measure: &dyn Fn(&DynamicImage) -> metrics::Quality,
    ) -> Result<metrics::Quality> {
        if let Some(q) = self.measured.get(&quality) {
            return Ok(*q);
        }
        let decoded =
            crate::stages::decode::decode_bytes(&self.files[file].1, &Default::default())?.image;
        let decoded = if self.img.color().has_color() {
            DynamicImage::ImageRgb8(decoded.to_rgb8())
        } else {
            DynamicImage::ImageLuma8(decoded.to_luma8())
        };
        let q = measure(&decoded);
        self.measured.insert(quality, q);
        Ok(q)
    }

    /// The file at the highest quality whose size is at most `bytes` (the lowest quality's, with
    /// `quality: None`, when none fits).
    fn matched(
        &mut self,
        bytes: usize,
        measure: &dyn Fn(&DynamicImage) -> metrics::Quality,
    ) -> Result<Option<CodecMatch>> {
        if self.files.is_empty() {
            return Ok(None);
        }
        let fit = (0..self.files.len())
            .filter(|&i| self.files[i].1.len() <= bytes)
            .max_by_key(|&i| self.files[i].0);
        let i = fit.unwrap_or(0);
        let (quality, size) = (self.files[i].0, self.files[i].1.len());
        let q = self.quality(quality, i, measure)?;
        let pixels = f64::from(self.img.width()) * f64::from(self.img.height());
        Ok(Some(CodecMatch {
            quality: fit.map(|_| quality),
            bytes: size,
            bpp: size as f64 * 8.0 / pixels,
            psnr: q.psnr,
            ssim: q.ssim,
        }))
    }

    /// The codec's own curve: the qualities that are multiples of 5.
    fn curve(
        &mut self,
        measure: &dyn Fn(&DynamicImage) -> metrics::Quality,
    ) -> Result<Vec<CurvePoint>> {
        let pixels = f64::from(self.img.width()) * f64::from(self.img.height());
        let mut out = Vec::new();
        for i in 0..self.files.len() {
            let (quality, size) = (self.files[i].0, self.files[i].1.len());
            if quality % 5 == 0 {
                out.push(CurvePoint {
                    quality,
                    bytes: size,
                    bpp: size as f64 * 8.0 / pixels,
                    psnr: self.quality(quality, i, measure)?.psnr,
                });
            }
        }
        Ok(out)
    }
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
         raw_over_svdz,jpeg_quality,jpeg_bytes,jpeg_bpp,jpeg_psnr,jpeg_ssim,\
         webp_quality,webp_bytes,webp_bpp,webp_psnr,webp_ssim\n",
    );
    let o = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    let codec = |m: &Option<CodecMatch>| match m {
        None => ",,,,".to_string(),
        Some(m) => format!(
            "{},{},{:.4},{},{}",
            m.quality.map_or_else(String::new, |q| q.to_string()),
            m.bytes,
            m.bpp,
            o(m.psnr),
            o(m.ssim)
        ),
    };
    for r in &t.rows {
        let (raw_bytes, raw_psnr, raw_ratio) = r.raw_f32.as_ref().map_or_else(
            || (String::new(), String::new(), String::new()),
            |f| {
                (
                    f.bytes.to_string(),
                    o(f.psnr),
                    format!("{:.3}", f.over_svdz),
                )
            },
        );
        let _ = writeln!(
            s,
            "{},{},{},{},{:.4},{},{},{},{},{},{},{}",
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
            raw_bytes,
            raw_psnr,
            raw_ratio,
            codec(&r.jpeg),
            codec(&r.webp)
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
/// factors, and the curves of JPEG and WebP.
fn curves(t: &RdTable) -> Vec<RateCurve> {
    let pick = |mode: &str, color: &str, raw: bool| -> Vec<(f64, f64)> {
        let mut v: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.mode == mode && r.color == color)
            .filter_map(|r| {
                if raw {
                    let f = r.raw_f32.as_ref()?;
                    let bpp = f.bytes as f64 * 8.0 / (t.header.width * t.header.height) as f64;
                    f.psnr.map(|p| (bpp, p))
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
            ".svdz v2 (blocks)",
            (0, 0, 0),
            pick("blocks", "ycbcr", false),
        ),
        curve(
            ".svdz v2 (blocks), luma",
            (0, 0, 0),
            pick("blocks", "luma", false),
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
        codec_curve("JPEG (libjpeg-turbo)", (20, 140, 60), &t.jpeg_curve),
        codec_curve("WebP (libwebp)", (230, 130, 0), &t.webp_curve),
    ];
    out.retain(|s| !s.points.is_empty());
    out
}

/// A reference codec's curve.
fn codec_curve(name: &'static str, color: (u8, u8, u8), points: &[CurvePoint]) -> RateCurve {
    let mut v: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.psnr.map(|y| (p.bpp, y)))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    curve(name, color, v)
}
