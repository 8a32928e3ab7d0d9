//! Compressing to `.svdz`: factorize, choose ranks (or fit a byte budget), quantize, encode, and
//! measure the pixels a decoder will produce from the file.

use std::path::Path;
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use super::budget::{self, Budget};
use super::quant;
use super::Container;
use crate::error::Result;
use crate::options::CompressOptions;
use crate::pipeline::measure;
use crate::progress::{ms, timed, Progress, Stage};
use crate::report::{CompressReport, Timings};
use crate::stages::decode::decode_stage;
use crate::stages::encode::check_output;
use crate::stages::factorize::factorize_image;

/// What the `.svdz` file is made of, beside the usual compress report.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerReport {
    /// Bytes of the whole file.
    pub file_bytes: usize,
    /// file_bytes · 8 / (width · height).
    pub bits_per_pixel: f64,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Bytes of each plane section (framing included).
    pub plane_bytes: Vec<usize>,
    /// Bytes of the lossless alpha section, when there is one.
    pub alpha_bytes: Option<usize>,
    /// The quantization tolerance τ used.
    pub tolerance: f64,
    /// Mean bit width of the stored vectors (before entropy coding).
    pub mean_bits: f64,
    /// Bytes the same factors take as raw f32 (4 · stored values).
    pub raw_f32_bytes: u64,
    /// The byte budget asked for, if any.
    pub budget_bytes: Option<u64>,
}

/// The compress report of a `.svdz` output: the usual fields, measured on the pixels the file
/// decodes to, plus a `container` object.
#[derive(Debug, Clone, Serialize)]
pub struct SvdzReport {
    /// The usual compress report.
    #[serde(flatten)]
    pub base: CompressReport,
    /// Sizes and quantization.
    pub container: ContainerReport,
}

/// An image compressed to `.svdz` in memory.
#[derive(Debug, Clone)]
pub struct SvdzCompressed {
    /// The file's contents.
    pub container: Container,
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// What a decoder reconstructs from the file.
    pub image: DynamicImage,
    /// Everything measured.
    pub report: SvdzReport,
}

/// Everything that decides what compressing to `.svdz` does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SvdzOptions {
    /// The rank, the factorization, limits and overwriting, as for image outputs.
    ///
    /// Default: `CompressOptions::default()`.
    pub compress: CompressOptions,
    /// The quantization tolerance τ; `None`: chosen from the truncation error
    /// (`quant::default_tolerance`).
    ///
    /// Default: `None`.
    pub tolerance: Option<f64>,
    /// A byte budget; when given, it chooses the ranks and `compress.rank` is ignored.
    ///
    /// Default: `None`.
    pub budget: Option<Budget>,
}

/// Compresses a decoded image to `.svdz`.
pub fn compress_image_to_svdz(
    img: &DynamicImage,
    opts: &SvdzOptions,
    progress: &dyn Progress,
) -> Result<SvdzCompressed> {
    let (tolerance, budget, rank) = (opts.tolerance, opts.budget, &opts.compress.rank);
    if let Some(t) = tolerance {
        quant::check_tolerance(t)?;
    }
    let mut timings = Timings::default();
    let t = Instant::now();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let keep = match budget {
        Some(b) => {
            b.validate()?;
            b.max_useful_rank(w, h)
        }
        None => {
            rank.validate()?;
            rank.fixed_rank(h, w).unwrap_or(usize::MAX)
        }
    };
    let fz = factorize_image(img, &opts.compress.factorize, keep, progress)?;
    timings.factorize = Some(ms(t));
    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    let (choice, container, bytes) = match budget {
        Some(b) => budget::fit(img, &fz, b, tolerance)?,
        None => {
            let choice = fz.select(rank)?;
            let tau = tolerance.unwrap_or_else(|| {
                quant::default_tolerance(
                    &fz.spectra(),
                    &fz.energies,
                    &choice.ranks,
                    quant::DEFAULT_NOISE_SHARE,
                )
            });
            let container = Container::from_factors(&fz, &choice.ranks, tau)?;
            let bytes = container.encode()?;
            (choice, container, bytes)
        }
    };
    progress.end(Stage::Encode);
    timings.encode = Some(ms(t));
    let ((recon, image), reconstruct_ms) = timed(|| container.reconstruct_planes());
    timings.reconstruct = Some(reconstruct_ms);
    let mut base = measure(
        img,
        &fz,
        &choice,
        &opts.compress,
        timings,
        progress,
        recon,
        &image,
    );
    if let Some(b) = budget {
        base.rank_request = b.describe();
    }
    let container_report = describe_file(&container, &bytes, &base, budget.map(|b| b.bytes(w, h)));
    Ok(SvdzCompressed {
        container,
        bytes,
        image,
        report: SvdzReport {
            base,
            container: container_report,
        },
    })
}
fn describe_file(
    c: &Container,
    bytes: &[u8],
    base: &CompressReport,
    budget_bytes: Option<u64>,
) -> ContainerReport {
    let limits = crate::stages::decode::DecodeLimits {
        max_pixels: u64::MAX,
    };
    // The bytes were just encoded, so they parse; fall back to zeros if that ever failed.
    let parsed = Container::parse(bytes, &limits).ok();
    let (mut bits, mut count) = (0u64, 0u64);
    for p in &c.planes {
        for t in &p.terms {
            bits += u64::from(t.u.bits) * t.u.values.len() as u64;
            bits += u64::from(t.v.bits) * t.v.values.len() as u64;
            count += (t.u.values.len() + t.v.values.len()) as u64;
        }
    }
    let pixels = (base.header.width * base.header.height) as f64;
    ContainerReport {
        file_bytes: bytes.len(),
        bits_per_pixel: bytes.len() as f64 * 8.0 / pixels,
        header_bytes: parsed.as_ref().map_or(0, |p| p.header_bytes),
        plane_bytes: parsed
            .as_ref()
            .map_or_else(Vec::new, |p| p.planes.iter().map(|s| s.total()).collect()),
        alpha_bytes: parsed.as_ref().and_then(|p| p.alpha.map(|s| s.total())),
        tolerance: f64::from(c.header.tolerance),
        mean_bits: if count > 0 {
            bits as f64 / count as f64
        } else {
            0.0
        },
        raw_f32_bytes: base.stored_values * 4,
        budget_bytes,
    }
}

/// Decodes `input`, compresses it to `.svdz`, and writes `output` atomically.
pub fn compress_file_to_svdz(
    input: &Path,
    output: &Path,
    opts: &SvdzOptions,
    progress: &dyn Progress,
) -> Result<SvdzReport> {
    let overwrite = opts.compress.overwrite;
    check_output(Some(input), output, overwrite)?;
    let (decoded, decode_ms) = decode_stage(input, &opts.compress.limits, progress)?;
    let SvdzCompressed {
        bytes, mut report, ..
    } = compress_image_to_svdz(&decoded.image, opts, progress)?;
    let (written, write_ms) =
        timed(|| crate::stages::encode::write_bytes(output, overwrite, &bytes));
    written?;
    let base = &mut report.base;
    base.timings_ms.decode = Some(decode_ms);
    base.timings_ms.encode = Some(base.timings_ms.encode.unwrap_or(0.0) + write_ms);
    base.header.input = Some(input.display().to_string());
    base.output = Some(output.display().to_string());
    let mut warnings = decoded.warnings;
    warnings.append(&mut base.warnings);
    if let Some(b) = report.container.budget_bytes {
        if report.container.file_bytes as u64 > b {
            warnings.push(format!(
                "even the smallest file ({} bytes) exceeds the budget of {b} bytes",
                report.container.file_bytes
            ));
        }
    }
    base.warnings = warnings;
    Ok(report)
}
