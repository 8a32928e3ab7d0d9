//! The pipeline, orchestration only: decode → planes → factorize → select rank → reconstruct →
//! metrics → encode. Each stage lives in its own module.

use std::path::{Path, PathBuf};
use std::time::Instant;

use faer::Mat;
use image::DynamicImage;

use crate::decode::{decode_file, Decoded};
use crate::encode::{check_output, write_image, OutputFormat};
use crate::error::Result;
use crate::factorize::{
    choose, factorize_planes_each, factorize_planes_then, grow, Factors, Method, Plan, Precision,
    RandomizedParams,
};
use crate::metrics;
use crate::options::{CompressOptions, Schedule};
use crate::parallel;
use crate::planes::{self, Planes};
use crate::progress::{Progress, Stage};
use crate::rank::{RankChoice, RankSelect};
use crate::rebuild::measure_planes;
pub use crate::rebuild::{rebuild, reconstruct_at_ranks, Rebuilt};
use crate::report::{ChannelReport, CompressReport, Timings};

/// An image split into planes and factorized: what every later stage (compress, grid, layers)
/// starts from.
#[derive(Debug, Clone)]
pub struct Factorized {
    /// The planes that were factorized.
    pub planes: Planes,
    /// One factorization per plane.
    pub factors: Vec<Factors>,
    /// ‖A_p‖_F² of every plane.
    pub energies: Vec<f64>,
    /// Why the method that ran was chosen.
    pub method_reason: String,
}

impl Factorized {
    /// The name of the SVD method that ran ("exact" for an image without planes).
    #[must_use]
    pub fn method_name(&self) -> &'static str {
        self.factors
            .first()
            .map_or(Method::Exact, |f| f.method)
            .name()
    }

    /// Singular values of every plane.
    #[must_use]
    pub fn spectra(&self) -> Vec<&[f64]> {
        self.factors.iter().map(|f| f.s.as_slice()).collect()
    }

    /// Chooses ranks with `select`.
    pub fn select(&self, select: &RankSelect) -> Result<RankChoice> {
        let l = &self.planes.layout;
        select.select(&self.spectra(), &self.energies, l.height, l.width)
    }
}

/// Splits `img` into planes and factorizes them, computing at most `keep` triplets per plane
/// (`usize::MAX`: all).
///
/// With a truncated method (`partial`, `randomized`, or `auto` choosing one) only `keep`
/// triplets are computed: every [`Factors`] then has `complete == false` and `s` holds exactly
/// those `keep` leading singular values. `method_reason` says which method ran and why.
pub fn factorize_image(
    img: &DynamicImage,
    opts: &CompressOptions,
    keep: usize,
    progress: &dyn Progress,
) -> Result<Factorized> {
    factorize_image_then(img, opts, keep, progress, 0, |_, _, _, _| ()).map(|(fz, _)| fz)
}

/// [`factorize_image`], running `follow(planes, p, j, factors)` for every plane `p` and every
/// `j < follow_ups` as soon as that plane's factors are ready (see
/// [`crate::factorize::factorize_planes_then`]). Returns the follow-ups' results per plane.
pub fn factorize_image_then<R: Send>(
    img: &DynamicImage,
    opts: &CompressOptions,
    keep: usize,
    progress: &dyn Progress,
    follow_ups: usize,
    follow: impl Fn(&Planes, usize, usize, &Factors) -> R + Sync,
) -> Result<(Factorized, Vec<Vec<R>>)> {
    let planes = planes::split(img, opts.color, opts.alpha);
    let (rows, cols) = (planes.layout.height, planes.layout.width);
    let choice = choose(opts.method, rows, cols, keep, &opts.randomized);
    // The bar counts planes and their follow-ups together.
    let units = planes.planes.len() * (1 + follow_ups);
    progress.begin(Stage::Factorize, units as u64);
    let refs: Vec<&Mat<f32>> = planes.planes.iter().collect();
    let keeps = vec![keep; refs.len()];
    let (factors, followed) = factorize_planes_then(
        &refs,
        &keeps,
        &plan(opts),
        progress,
        follow_ups,
        |p, j, f| {
            let r = follow(&planes, p, j, f);
            progress.advance(Stage::Factorize, 1);
            r
        },
    )?;
    progress.end(Stage::Factorize);
    let method_reason = with_fallbacks(choice.reason, choice.method, &factors, &planes);
    let energies = energies(&planes);
    Ok((
        Factorized {
            planes,
            factors,
            energies,
            method_reason,
        },
        followed,
    ))
}

/// Splits `img` into planes and factorizes them as far as `select` needs: everything for the
/// exact method; for a truncated method, a number of triplets per plane grown until the ranks
/// `select` picks are those the whole spectrum would give (see [`crate::factorize::grow`]).
pub fn factorize_for(
    img: &DynamicImage,
    opts: &CompressOptions,
    select: &RankSelect,
    progress: &dyn Progress,
) -> Result<Factorized> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if let Some(k) = select.fixed_rank(h, w) {
        return factorize_image(img, opts, k, progress);
    }
    let planes = planes::split(img, opts.color, opts.alpha);
    let energies = energies(&planes);
    progress.begin(Stage::Factorize, planes.planes.len() as u64);
    let grown = grow(&planes.planes, &energies, select, &plan(opts), progress)?;
    progress.end(Stage::Factorize);
    let (rows, cols) = (planes.layout.height, planes.layout.width);
    let first = grown.rounds.first().and_then(|r| r.first()).copied();
    let choice = choose(
        opts.method,
        rows,
        cols,
        first.unwrap_or(0),
        &opts.randomized,
    );
    let mut reason = choice.reason;
    if choice.method != Method::Exact {
        let steps: Vec<String> = grown
            .rounds
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.dedup();
                r.iter()
                    .map(|&k| {
                        if k == usize::MAX {
                            "all".into()
                        } else {
                            k.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        reason.push_str(&format!(
            "; rank found adaptively, triplets computed per round: {}",
            steps.join(" → ")
        ));
    }
    let method_reason = with_fallbacks(reason, choice.method, &grown.factors, &planes);
    Ok(Factorized {
        planes,
        factors: grown.factors,
        energies,
        method_reason,
    })
}

/// The factorization plan of `opts`.
fn plan(opts: &CompressOptions) -> Plan<'_> {
    Plan {
        method: opts.method,
        precision: opts.precision,
        params: &opts.randomized,
        schedule: opts.schedule,
    }
}

/// E = ‖A‖_F² of every plane, summed in f64 from the samples: exact, and known without any SVD.
fn energies(planes: &Planes) -> Vec<f64> {
    parallel::map(&planes.planes, |p| metrics::energy(p.as_ref()))
}

/// `reason`, plus a note for every plane where a method other than `expected` ran.
fn with_fallbacks(
    mut reason: String,
    expected: Method,
    factors: &[Factors],
    planes: &Planes,
) -> String {
    for (f, name) in factors.iter().zip(&planes.layout.names) {
        if f.method != expected {
            reason.push_str(&format!("; plane {name}: {} ran", f.method.name()));
            if expected == Method::Partial {
                reason.push_str(" (the partial SVD did not converge)");
            }
        }
    }
    reason
}

/// Factorizes every plane, keeping `keep` triplets, sharing the threads as `schedule` says
/// (with the randomized method's default tuning).
pub fn factorize_planes(
    planes: &[Mat<f32>],
    method: Method,
    precision: Precision,
    keep: usize,
    schedule: Schedule,
    progress: &dyn Progress,
) -> Result<Vec<Factors>> {
    let refs: Vec<&Mat<f32>> = planes.iter().collect();
    let params = RandomizedParams::default();
    let plan = Plan {
        method,
        precision,
        params: &params,
        schedule,
    };
    factorize_planes_each(&refs, &vec![keep; refs.len()], &plan, progress)
}

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
    let mut fz = factorize_for(img, opts, &opts.rank, progress)?;
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
        method: fz.method_name(),
        method_reason: fz.method_reason.clone(),
        precision: opts.precision.name(),
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

/// The rank part of output names: `50`, or `10-12-9` when planes got different ranks.
#[must_use]
pub fn rank_tag(ranks: &[usize]) -> String {
    if ranks.windows(2).all(|w| w[0] == w[1]) {
        ranks.first().copied().unwrap_or(0).to_string()
    } else {
        ranks
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// Where `compress_file` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// This file; its extension picks the format.
    File(PathBuf),
    /// `<stem>.k<rank>.png` in this folder.
    Dir(PathBuf),
    /// `<stem>.k<rank>.png` beside the input.
    BesideInput,
    /// A name made from a template (see [`crate::batch::NAME_PLACEHOLDERS`]) once the ranks are
    /// known, in `dir` or beside the input; `{ext}` is `ext`.
    Named {
        /// The folder; `None`: beside the input.
        dir: Option<PathBuf>,
        /// The template, e.g. `{stem}.k{rank}.{ext}`.
        template: String,
        /// What `{ext}` stands for, e.g. `png`.
        ext: String,
    },
}

/// The default output name template.
pub const DEFAULT_NAME: &str = "{stem}.k{rank}.{ext}";

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
        let name = crate::batch::render_name(template, input, &report, ext)?;
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
