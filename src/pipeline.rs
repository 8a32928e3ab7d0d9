//! The compress command, orchestration only: decode → planes → factorize → select rank →
//! reconstruct → metrics → encode. Each stage lives in its own module.

use std::path::Path;
use std::time::Instant;

use image::DynamicImage;

use crate::error::Result;
use crate::naming::{check_target, resolve_target, OutputTarget};
use crate::options::CompressOptions;
use crate::parallel;
use crate::progress::{ms, timed, Progress, Stage};
use crate::report::{ChannelReport, CompressReport, ReportHeader, Timings};
use crate::stages::decode::{decode_bytes, decode_stage, Decoded};
use crate::stages::encode::{check_output, encode_to, write_bytes, write_image, OutputFormat};
use crate::stages::factorize::{factorize_image_for, Factorized};
use crate::stages::metrics;
use crate::stages::planes;
use crate::stages::rank::RankChoice;
use crate::stages::rebuild::{measure_image, rebuild_unmeasured};

/// The result of compressing one image in memory.
#[derive(Debug, Clone)]
pub struct Compressed {
    /// The reconstruction, in the input's bit depth (greyscale for `luma`).
    pub image: DynamicImage,
    /// Everything measured; `input`, `output` and the decode/encode timings are left for the caller.
    pub report: CompressReport,
}

/// Compresses a decoded image: factorize, select ranks, reconstruct, measure.
pub fn compress_image(
    img: &DynamicImage,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<Compressed> {
    let rebuilt = reconstruct_image(img, opts, progress)?;
    let (quality, metrics_ms) = measure_quality(img, &rebuilt, progress);
    let (image, report) = rebuilt.into_report(opts, &quality, metrics_ms);
    Ok(Compressed { image, report })
}

/// An image factorized, its ranks chosen and rebuilt, each plane's error measured: everything
/// of `compress` but the image metrics.
struct Reconstructed {
    fz: Factorized,
    choice: RankChoice,
    image: DynamicImage,
    channels: Vec<ChannelReport>,
    timings: Timings,
}

impl Reconstructed {
    /// The image and the report, with the image metrics and the time they took.
    fn into_report(
        self,
        opts: &CompressOptions,
        quality: &metrics::Quality,
        metrics_ms: f64,
    ) -> (DynamicImage, CompressReport) {
        let mut timings = self.timings;
        timings.metrics = Some(metrics_ms);
        let mut report = build_report(
            &self.fz,
            &self.choice,
            opts,
            timings,
            self.channels,
            quality,
        );
        report.warnings.extend(raw_storage_warning(&report));
        (self.image, report)
    }
}

/// Factorizes `img`, selects ranks and rebuilds it (measuring every plane's error on the way).
fn reconstruct_image(
    img: &DynamicImage,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<Reconstructed> {
    opts.rank.validate()?;
    let mut timings = Timings::default();
    let t = Instant::now();
    let mut fz = factorize_image_for(img, &opts.factorize, &opts.rank, progress)?;
    let choice = fz.select(&opts.rank)?;
    for (f, &k) in fz.factors.iter_mut().zip(&choice.ranks) {
        f.truncate(k);
    }
    timings.factorize = Some(ms(t));
    let (image, channels, reconstruct_ms) = rebuild_unmeasured(&fz, &choice.ranks, progress);
    timings.reconstruct = Some(reconstruct_ms);
    Ok(Reconstructed {
        fz,
        choice,
        image,
        channels,
        timings,
    })
}

/// MSE, PSNR and SSIM of a reconstruction against the input, and the milliseconds they took.
fn measure_quality(
    img: &DynamicImage,
    rebuilt: &Reconstructed,
    progress: &dyn Progress,
) -> (metrics::Quality, f64) {
    let reference = planes::reference(img, &rebuilt.fz.planes);
    measure_image(&rebuilt.fz, &reference, &rebuilt.image, progress)
}

/// Measures a reconstruction (`recon`, the planes before rounding, and `image`, the output) of
/// `fz` at `choice` against the input, and builds the report (for outputs that are not rebuilt
/// by [`rebuild`], such as the pixels a `.svdz` file decodes to).
#[allow(clippy::too_many_arguments)]
#[cfg(feature = "svdz")]
pub(crate) fn measure(
    img: &DynamicImage,
    fz: &Factorized,
    choice: &RankChoice,
    opts: &CompressOptions,
    mut timings: Timings,
    progress: &dyn Progress,
    recon: Vec<faer::Mat<f32>>,
    image: &DynamicImage,
) -> CompressReport {
    let (reference, reference_ms) = timed(|| planes::reference(img, &fz.planes));
    let (channels, quality, metrics_ms) = crate::stages::rebuild::measure_planes(
        fz,
        &choice.ranks,
        &reference,
        recon,
        image,
        progress,
    );
    timings.metrics = Some(reference_ms + metrics_ms);
    build_report(fz, choice, opts, timings, channels, &quality)
}

/// The compress report from measured channels and quality.
fn build_report(
    fz: &Factorized,
    choice: &RankChoice,
    opts: &CompressOptions,
    timings: Timings,
    channels: Vec<ChannelReport>,
    quality: &metrics::Quality,
) -> CompressReport {
    let layout = &fz.planes.layout;
    let (rows, cols) = (layout.height, layout.width);
    let samples = (rows * cols * channels.len()) as u64;
    let stored: u64 = channels.iter().map(|c| c.stored_values).sum();
    let mut warnings = Vec::new();
    if choice.clamped {
        warnings.push(format!(
            "the requested rank is larger than this image allows; clamped to {}",
            rows.min(cols)
        ));
    }
    CompressReport {
        schema: "svdimg.compress/1",
        header: ReportHeader::of_factorized(fz, opts.factorize.precision),
        output: None,
        rank_request: opts.rank.describe(),
        rank_clamped: choice.clamped,
        channels,
        samples,
        stored_values: stored,
        storage_ratio: (stored > 0).then(|| samples as f64 / stored as f64),
        mse: quality.mse,
        psnr: quality.psnr,
        ssim: quality.ssim,
        warnings,
        timings_ms: timings,
    }
}

/// The warning for an image output whose factors, stored as raw f32, would take more bytes
/// than the 8-bit samples (not said of `.svdz` files, which quantize them).
fn raw_storage_warning(report: &CompressReport) -> Option<String> {
    let (stored, samples) = (report.stored_values, report.samples);
    (stored * 4 > samples).then(|| {
        format!(
            "storing these factors as f32 takes {} bytes, more than the {} bytes of the raw 8-bit \
             samples: this rank does not compress",
            stored * 4,
            samples
        )
    })
}

/// Decodes `input`, compresses it, and writes the reconstruction to `target`. Nothing is
/// written when anything fails.
pub fn compress_file(
    input: &Path,
    target: &OutputTarget,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<CompressReport> {
    check_target(target, input, opts.overwrite)?;
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let rebuilt = reconstruct_image(&decoded.image, opts, progress)?;
    // The output's name needs only the ranks and the header: it is written while the metrics
    // are measured (the encoder runs on one thread, the metrics on the others).
    let placeholder = metrics::Quality {
        mse: 0.0,
        psnr: None,
        ssim: None,
    };
    let named = build_report(
        &rebuilt.fz,
        &rebuilt.choice,
        opts,
        Timings::default(),
        rebuilt.channels.clone(),
        &placeholder,
    );
    let out = resolve_target(target, input, &named, opts.overwrite)?;
    drop(named);
    let ((written, encode_ms), (quality, metrics_ms)) = parallel::join(
        || {
            timed(|| {
                progress.begin(Stage::Encode, 1);
                let w = write_image(&rebuilt.image, &out, opts.overwrite);
                progress.end(Stage::Encode);
                w
            })
        },
        || measure_quality(&decoded.image, &rebuilt, progress),
    );
    let (_, mut report) = rebuilt.into_report(opts, &quality, metrics_ms);
    report.timings_ms.decode = Some(decode_ms);
    finish_report(&mut report, decoded.warnings, written?, encode_ms);
    report.header.input = Some(input.display().to_string());
    report.output = Some(out.display().to_string());
    Ok(report)
}

/// Compresses an image held in memory (standard input, say) and returns the report with the
/// encoded output in `format` (for standard output). `name` stands for the input in the report.
pub fn compress_bytes(
    bytes: &[u8],
    name: &str,
    format: OutputFormat,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<(CompressReport, Vec<u8>)> {
    progress.begin(Stage::Decode, 1);
    let (decoded, decode_ms) = timed(|| decode_bytes(bytes, &opts.limits));
    progress.end(Stage::Decode);
    let (image, mut report, warnings) = compress_decoded(decoded?, decode_ms, opts, progress)?;
    let mut out = std::io::Cursor::new(Vec::new());
    let (written, encode_ms) = timed(|| {
        progress.begin(Stage::Encode, 1);
        let w = encode_to(&image, format, &mut out);
        progress.end(Stage::Encode);
        w
    });
    finish_report(&mut report, warnings, written?, encode_ms);
    report.header.input = Some(name.to_string());
    report.output = Some("-".to_string());
    Ok((report, out.into_inner()))
}

/// Compresses an image held in memory (standard input, say) and writes the output to `output`
/// (its extension picks the format) atomically. `name` stands for the input in the report.
pub fn compress_bytes_to_file(
    bytes: &[u8],
    name: &str,
    output: &Path,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<CompressReport> {
    check_output(None, output, opts.overwrite)?;
    let format = OutputFormat::from_path(output)?;
    let (mut report, encoded) = compress_bytes(bytes, name, format, opts, progress)?;
    let (written, write_ms) = timed(|| write_bytes(output, opts.overwrite, &encoded));
    written?;
    Timings::add(&mut report.timings_ms.encode, write_ms);
    report.output = Some(output.display().to_string());
    Ok(report)
}

/// Compresses a decoded image; returns the decoder's warnings beside the output and report.
fn compress_decoded(
    decoded: Decoded,
    decode_ms: f64,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<(DynamicImage, CompressReport, Vec<String>)> {
    let Compressed { image, mut report } = compress_image(&decoded.image, opts, progress)?;
    report.timings_ms.decode = Some(decode_ms);
    Ok((image, report, decoded.warnings))
}

/// Fills in the encode time and puts the warnings in order: the decoder's, the encoder's, the
/// report's own.
fn finish_report(
    report: &mut CompressReport,
    mut warnings: Vec<String>,
    encoder_warnings: Vec<String>,
    encode_ms: f64,
) {
    report.timings_ms.encode = Some(encode_ms);
    warnings.extend(encoder_warnings);
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
}
