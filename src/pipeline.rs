//! The pipeline, orchestration only: decode → planes → factorize → select rank → reconstruct →
//! metrics → encode. Each stage lives in its own module.

use std::path::{Path, PathBuf};
use std::time::Instant;

use faer::Mat;
use image::DynamicImage;

use crate::decode::{decode_file, Decoded};
use crate::encode::{check_output, write_image, OutputFormat};
use crate::error::Result;
use crate::factorize::{factorize_image_for, Factorized};
use crate::metrics;
use crate::naming::{render_name, OutputTarget, DEFAULT_NAME};
use crate::options::CompressOptions;
use crate::parallel;
use crate::planes;
use crate::progress::{Progress, Stage};
use crate::rank::{RankChoice, RankSelect};
use crate::rebuild::measure_planes;
pub use crate::rebuild::{rebuild, reconstruct_at_ranks, Rebuilt};
use crate::report::{ChannelReport, CompressReport, Timings};

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
    opts.rank.validate()?;
    let mut timings = Timings::default();
    let t = Instant::now();
    let mut fz = factorize_image_for(img, &opts.factorize, &opts.rank, progress)?;
    let choice = fz.select(&opts.rank)?;
    for (f, &k) in fz.factors.iter_mut().zip(&choice.ranks) {
        f.truncate(k);
    }
    timings.factorize = ms(t);
    let (image, report) = finish(img, &fz, &choice, opts, &mut timings, progress);
    Ok(Compressed { image, report })
}

/// Reconstructs at the chosen ranks, measures, and builds the report.
fn finish(
    img: &DynamicImage,
    fz: &Factorized,
    choice: &RankChoice,
    opts: &CompressOptions,
    timings: &mut Timings,
    progress: &dyn Progress,
) -> (DynamicImage, CompressReport) {
    let t = Instant::now();
    let reference = planes::reference(img, &fz.planes);
    let reference_ms = ms(t);
    let Rebuilt {
        image,
        channels,
        quality,
        reconstruct_ms,
        metrics_ms,
    } = rebuild(fz, &choice.ranks, &reference, progress);
    drop(reference);
    timings.reconstruct = reconstruct_ms;
    timings.metrics = reference_ms + metrics_ms;
    let report = build_report(fz, choice, opts, timings, channels, &quality);
    (image, report)
}

/// Measures a reconstruction (`recon`, the planes before rounding, and `image`, the output) of
/// `fz` at `choice` against the input, and builds the report (for outputs that are not rebuilt
/// by [`rebuild`], such as the pixels a `.svdz` file decodes to).
#[allow(clippy::too_many_arguments)]
pub(crate) fn measure(
    img: &DynamicImage,
    fz: &Factorized,
    choice: &RankChoice,
    opts: &CompressOptions,
    timings: &mut Timings,
    progress: &dyn Progress,
    recon: Vec<Mat<f32>>,
    image: &DynamicImage,
) -> CompressReport {
    let t = Instant::now();
    let reference = planes::reference(img, &fz.planes);
    let reference_ms = ms(t);
    let (channels, quality, metrics_ms) =
        measure_planes(fz, &choice.ranks, &reference, recon, image, progress);
    timings.metrics = reference_ms + metrics_ms;
    build_report(fz, choice, opts, timings, channels, &quality)
}

/// The compress report from measured channels and quality.
fn build_report(
    fz: &Factorized,
    choice: &RankChoice,
    opts: &CompressOptions,
    timings: &Timings,
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
    if stored * 4 > samples {
        warnings.push(format!(
            "storing these factors as f32 takes {} bytes, more than the {} bytes of the raw 8-bit \
             samples: this rank does not compress",
            stored * 4,
            samples
        ));
    }
    CompressReport {
        schema: "svdimg.compress/1",
        input: None,
        output: None,
        width: cols,
        height: rows,
        color: layout.color.name(),
        bit_depth: layout.bit_depth,
        alpha: layout.alpha_name(),
        method: fz.method().name(),
        method_reason: fz.method_reason.clone(),
        precision: opts.factorize.precision.name(),
        threads: parallel::threads(),
        rank_request: describe(&opts.rank),
        rank_clamped: choice.clamped,
        channels,
        samples,
        stored_values: stored,
        storage_ratio: (stored > 0).then(|| samples as f64 / stored as f64),
        mse: quality.mse,
        psnr: quality.psnr,
        ssim: quality.ssim,
        warnings,
        timings_ms: *timings,
    }
}

/// "rank 50", "10% of the smaller side", "energy 0.99", …
#[must_use]
pub fn describe(select: &RankSelect) -> String {
    match select {
        RankSelect::Rank(k) => format!("rank {k}"),
        RankSelect::Percent(p) => format!("rank {p}% of the smaller side"),
        RankSelect::Energy(f) => format!("energy {f}"),
        RankSelect::Psnr(db) => format!("psnr {db} dB"),
        RankSelect::Ratio(r) => format!("ratio {r}"),
    }
}

/// Decodes `input`, compresses it, and writes the reconstruction to `target`. Nothing is
/// written when anything fails.
pub fn compress_file(
    input: &Path,
    target: &OutputTarget,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<CompressReport> {
    match target {
        OutputTarget::File(out) => {
            OutputFormat::from_path(out)?;
            check_output(Some(input), out, opts.overwrite)?;
        }
        OutputTarget::Dir(dir) | OutputTarget::Named { dir: Some(dir), .. } if !dir.is_dir() => {
            return Err(crate::Error::Parameter(format!(
                "output folder {} does not exist",
                dir.display()
            )));
        }
        _ => {}
    }
    let (out_image, mut report, mut warnings) = decode_then_compress(
        || {
            let mut d = decode_file(input, &opts.limits)?;
            if d.format == "gif" && crate::decode::gif_is_animated(input, &opts.limits) {
                d.warnings
                    .push("animated GIF: only the first frame is used".into());
            }
            Ok(d)
        },
        opts,
        progress,
    )?;
    let named = |dir: Option<&Path>, template: &str, ext: &str| -> Result<PathBuf> {
        let name = render_name(template, input, &report, ext)?;
        let p = match dir {
            Some(d) => d.join(name),
            None => input.with_file_name(name),
        };
        OutputFormat::from_path(&p)?;
        check_output(Some(input), &p, opts.overwrite)?;
        Ok(p)
    };
    let out_path = match target {
        OutputTarget::File(p) => p.clone(),
        OutputTarget::Dir(dir) => named(Some(dir), DEFAULT_NAME, "png")?,
        OutputTarget::BesideInput => named(None, DEFAULT_NAME, "png")?,
        OutputTarget::Named { dir, template, ext } => named(dir.as_deref(), template, ext)?,
    };
    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    warnings.extend(write_image(&out_image, &out_path, opts.overwrite)?);
    progress.end(Stage::Encode);
    report.timings_ms.encode = ms(t);
    report.input = Some(input.display().to_string());
    report.output = Some(out_path.display().to_string());
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// Decode (timed, as a stage) then compress; returns the output image, the report with its
/// decode time filled in, and the decoder's warnings.
fn decode_then_compress(
    decode: impl FnOnce() -> Result<Decoded>,
    opts: &CompressOptions,
    progress: &dyn Progress,
) -> Result<(DynamicImage, CompressReport, Vec<String>)> {
    let t = Instant::now();
    progress.begin(Stage::Decode, 1);
    let Decoded {
        image, warnings, ..
    } = decode()?;
    progress.end(Stage::Decode);
    let decode_ms = ms(t);
    let Compressed {
        image: out_image,
        mut report,
    } = compress_image(&image, opts, progress)?;
    report.timings_ms.decode = decode_ms;
    Ok((out_image, report, warnings))
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
    let (out_image, mut report, mut warnings) = decode_then_compress(
        || crate::decode::decode_bytes(bytes, &opts.limits),
        opts,
        progress,
    )?;
    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    let mut out = std::io::Cursor::new(Vec::new());
    warnings.extend(crate::encode::encode_to(&out_image, format, &mut out)?);
    progress.end(Stage::Encode);
    report.timings_ms.encode = ms(t);
    report.input = Some(name.to_string());
    report.output = Some("-".to_string());
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok((report, out.into_inner()))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
