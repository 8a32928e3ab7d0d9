//! `rd`'s table: its rows and the reference codecs' points, as JSON, CSV and the plot's curves.

use std::fmt::Write as _;

use serde::Serialize;

use crate::plot::RateCurve;
use crate::report::{ReportHeader, Timings};

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

/// A `.svdz` series of the plot: its name, its colour, the rows' mode and colour, and whether
/// it plots the raw f32 factors instead of the file.
type Series = (&'static str, (u8, u8, u8), &'static str, &'static str, bool);

/// The curves of the table's plot: .svdz rgb and ycbcr (or luma), the budget mode, raw f32
/// factors, and the curves of JPEG and WebP.
pub(super) fn curves(t: &RdTable) -> Vec<RateCurve> {
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
    const SERIES: [Series; 9] = [
        (".svdz rgb, -k", (200, 30, 30), "rank", "rgb", false),
        (".svdz ycbcr, -k", (30, 90, 200), "rank", "ycbcr", false),
        (".svdz luma, -k", (200, 30, 30), "rank", "luma", false),
        (".svdz ycbcr, --bpp", (120, 40, 170), "bpp", "ycbcr", false),
        (".svdz luma, --bpp", (120, 40, 170), "bpp", "luma", false),
        (".svdz v2 (blocks)", (0, 0, 0), "blocks", "ycbcr", false),
        (
            ".svdz v2 (blocks), luma",
            (0, 0, 0),
            "blocks",
            "luma",
            false,
        ),
        (
            "raw f32 factors (rgb)",
            (150, 150, 150),
            "rank",
            "rgb",
            true,
        ),
        ("raw f32 factors", (150, 150, 150), "rank", "luma", true),
    ];
    let mut out: Vec<RateCurve> = SERIES
        .iter()
        .map(|&(name, color, mode, space, raw)| curve(name, color, pick(mode, space, raw)))
        .collect();
    out.push(codec_curve(
        "JPEG (libjpeg-turbo)",
        (20, 140, 60),
        &t.jpeg_curve,
    ));
    out.push(codec_curve("WebP (libwebp)", (230, 130, 0), &t.webp_curve));
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
