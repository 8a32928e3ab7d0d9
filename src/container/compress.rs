//! Compressing to `.svdz`: factorize, choose ranks (or fit a byte budget), quantize, encode, and
//! measure the pixels a decoder will produce from the file.

use std::path::Path;
use std::time::Instant;

use faer::Mat;
use image::DynamicImage;
use serde::Serialize;

use super::budget::{self, Budget};
use super::quant;
use super::{render, Container};
use crate::decode::decode_file;
use crate::encode::check_output;
use crate::error::Result;
use crate::factorize::factorize_image;
use crate::options::CompressOptions;
use crate::pipeline::measure;
use crate::planes;
use crate::progress::{Progress, Stage};
use crate::report::{CompressReport, Timings};

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
    /// What a decoder renders from the file.
    pub image: DynamicImage,
    /// Everything measured.
    pub report: SvdzReport,
}

/// Compresses a decoded image to `.svdz`. The ranks come from `opts.rank` unless a `budget`
/// is given; the tolerance is `tolerance` or, when `None`, [`quant::default_tolerance`].
pub fn compress_image(
    img: &DynamicImage,
    opts: &CompressOptions,
    tolerance: Option<f64>,
    budget: Option<Budget>,
    progress: &dyn Progress,
) -> Result<SvdzCompressed> {
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
            opts.rank.validate()?;
            opts.rank.fixed_rank(h, w).unwrap_or(usize::MAX)
        }
    };
    let fz = factorize_image(img, &opts.factorize, keep, progress)?;
    timings.factorize = ms(t);
    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    let (choice, container, bytes) = match budget {
        Some(b) => budget::fit(img, &fz, b, tolerance)?,
        None => {
            let choice = fz.select(&opts.rank)?;
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
    let encode_ms = ms(t);
    let t = Instant::now();
    let layout = &fz.planes.layout;
    let recon: Vec<Mat<f32>> = container
        .planes
        .iter()
        .map(|p| render::render_plane(p, p.rank(), layout.height, layout.width))
        .collect();
    let image = planes::merge(&recon, layout, fz.planes.alpha.as_deref());
    timings.reconstruct = ms(t);
    let mut base = measure(
        img,
        &fz,
        &choice,
        opts,
        &mut timings,
        progress,
        recon,
        &image,
    );
    base.timings_ms.encode = encode_ms;
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
    let limits = crate::decode::DecodeLimits {
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
    let pixels = (base.width * base.height) as f64;
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
pub fn compress_file(
    input: &Path,
    output: &Path,
    opts: &CompressOptions,
    tolerance: Option<f64>,
    budget: Option<Budget>,
    progress: &dyn Progress,
) -> Result<SvdzReport> {
    check_output(Some(input), output, opts.overwrite)?;
    let t = Instant::now();
    progress.begin(Stage::Decode, 1);
    let decoded = decode_file(input, &opts.limits)?;
    progress.end(Stage::Decode);
    let decode_ms = ms(t);
    let SvdzCompressed {
        bytes, mut report, ..
    } = compress_image(&decoded.image, opts, tolerance, budget, progress)?;
    let t = Instant::now();
    super::write_file(&bytes, output, opts.overwrite)?;
    let base = &mut report.base;
    base.timings_ms.decode = decode_ms;
    base.timings_ms.encode += ms(t);
    base.input = Some(input.display().to_string());
    base.output = Some(output.display().to_string());
    let mut warnings = decoded.warnings;
    // The f32 warning of the image path does not apply: the file is what is stored.
    warnings.extend(
        base.warnings
            .drain(..)
            .filter(|w| !w.starts_with("storing these factors as f32")),
    );
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

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
