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
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;

use super::budget::Budget;
use super::quant;
use super::rd_table::curves;
pub use super::rd_table::{
    table_csv, CodecMatch, CurvePoint, Encoders, RawFactors, RdRow, RdTable,
};
use super::reference_codecs::{self as codecs, JPEG_QUALITIES, WEBP_QUALITIES};
use crate::error::{Error, Result};
use crate::plot::rate_plot_svg;
use crate::progress::{ms, timed, NoProgress, Progress};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, write_bytes, Overwrite};
use crate::stages::factorize::{factorize_image, FactorizeOptions};
use crate::stages::metrics;
use crate::stages::planes::{AlphaHandling, AlphaMode, ColorMode};
use crate::stages::rank::RankSelect;
use crate::stages::rebuild::reconstruct_at_ranks;

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
