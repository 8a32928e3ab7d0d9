//! Compressing an image to a version-2 `.svdz` file: encode at a quality or within a byte budget,
//! decode what was written, and measure it against the input as DESIGN.md §2 defines the
//! numbers.

use std::path::Path;
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use super::info::{report_header, BlockInfo, BlockPlaneInfo};
use super::search::{encode_image, BlockOptions};
use super::BlockFile;
use crate::error::Result;
use crate::progress::{ms, timed, Progress, Stage};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, write_bytes, Overwrite};
use crate::stages::metrics;

/// What compressing to a version-2 file reports (JSON schema `svdimg.compress.svdz/2`).
#[derive(Debug, Clone, Serialize)]
pub struct BlockReport {
    /// `"svdimg.compress.svdz/2"`.
    pub schema: &'static str,
    /// The input and the image.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The file written.
    pub output: Option<String>,
    /// Format version, 2.
    pub version: u8,
    /// What was asked for: "quality 60", "size 60000 bytes", "0.5 bits per pixel".
    pub target: String,
    /// The quality the file was encoded at (the budget search's result, or as asked).
    pub quality: f64,
    /// The byte budget, if one was given.
    pub budget_bytes: Option<u64>,
    /// Bytes of the whole file.
    pub file_bytes: usize,
    /// file_bytes · 8 / (width · height).
    pub bits_per_pixel: f64,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Bytes of the lossless alpha section, when there is one.
    pub alpha_bytes: Option<usize>,
    /// One entry per plane: block side, steps, terms, bytes.
    pub planes: Vec<BlockPlaneInfo>,
    /// Mean squared error of the decoded image (colour channels, on the bit depth's scale).
    pub mse: f64,
    /// PSNR in dB; `None` when the decoded image equals the input.
    pub psnr: Option<f64>,
    /// Mean SSIM over the colour channels; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds: decode (the input), factorize (the block SVDs and the budget search's
    /// trials), encode (the final file), reconstruct (decoding the file), metrics.
    pub timings_ms: Timings,
}

/// An image compressed to a version-2 file in memory.
#[derive(Debug, Clone)]
pub struct BlockCompressed {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// What a decoder reconstructs from it.
    pub image: DynamicImage,
    /// Everything measured.
    pub report: BlockReport,
}

/// Compresses a decoded image.
pub fn compress_image_to_blocks(
    img: &DynamicImage,
    opts: &BlockOptions,
    progress: &dyn Progress,
) -> Result<BlockCompressed> {
    let mut timings = Timings::default();
    progress.begin(Stage::Factorize, 1);
    let t = Instant::now();
    let encoded = encode_image(img, opts);
    timings.factorize = Some(ms(t));
    progress.end(Stage::Factorize);
    let encoded = encoded?;
    progress.begin(Stage::Reconstruct, 1);
    let (parsed, reconstruct_ms) = timed(|| {
        let limits = DecodeLimits {
            max_pixels: u64::MAX,
        };
        BlockFile::parse(&encoded.bytes, &limits).map(|p| {
            let image = p.file.reconstruct();
            (p, image)
        })
    });
    progress.end(Stage::Reconstruct);
    let (parsed, image) = parsed?;
    timings.reconstruct = Some(reconstruct_ms);
    progress.begin(Stage::Metrics, 1);
    let t = Instant::now();
    let channels = if img.color().has_color() { 3 } else { 1 };
    let peak = if parsed.file.bit_depth == 16 {
        65535.0
    } else {
        255.0
    };
    let q = metrics::quality(img, &image, channels, peak);
    timings.metrics = Some(ms(t));
    progress.end(Stage::Metrics);
    let info = BlockInfo::new(&parsed, encoded.bytes.len(), None);
    let budget_bytes = opts.target.budget_bytes(img.width(), img.height());
    let mut warnings = Vec::new();
    if encoded.over_budget {
        warnings.push(format!(
            "even the smallest file ({} bytes) exceeds the budget of {} bytes",
            encoded.bytes.len(),
            budget_bytes.unwrap_or(0)
        ));
    }
    let report = BlockReport {
        schema: "svdimg.compress.svdz/2",
        header: report_header(&parsed.file, None),
        output: None,
        version: super::VERSION,
        target: opts.target.describe(),
        quality: encoded.quality,
        budget_bytes,
        file_bytes: info.file_bytes,
        bits_per_pixel: info.bits_per_pixel,
        header_bytes: info.header_bytes,
        alpha_bytes: info.alpha_bytes,
        planes: info.planes,
        mse: q.mse,
        psnr: q.psnr,
        ssim: q.ssim,
        warnings,
        timings_ms: timings,
    };
    Ok(BlockCompressed {
        bytes: encoded.bytes,
        image,
        report,
    })
}

/// Decodes `input`, compresses it to a version-2 `.svdz` file and writes `output` atomically.
pub fn compress_file_to_blocks(
    input: &Path,
    output: &Path,
    opts: &BlockOptions,
    limits: &DecodeLimits,
    overwrite: Overwrite,
    progress: &dyn Progress,
) -> Result<BlockReport> {
    check_output(Some(input), output, overwrite)?;
    let (decoded, decode_ms) = decode_stage(input, limits, progress)?;
    let BlockCompressed {
        bytes, mut report, ..
    } = compress_image_to_blocks(&decoded.image, opts, progress)?;
    progress.begin(Stage::Encode, 1);
    let (written, write_ms) = timed(|| write_bytes(output, overwrite, &bytes));
    progress.end(Stage::Encode);
    written?;
    report.timings_ms.decode = Some(decode_ms);
    report.timings_ms.encode = Some(write_ms);
    report.header.input = Some(input.display().to_string());
    report.output = Some(output.display().to_string());
    let mut warnings = decoded.warnings;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}
