//! `svdimg denoise`: remove noise by low rank (patch groups, or one global SVD to compare), with
//! seeded noise for teaching and PSNR/SSIM against a reference.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use svdimg::denoise::{
    denoise_file, DenoiseMethod, DenoiseOptions, DenoiseReport, DenoiseSettings,
};
use svdimg::DecodeLimits;

use super::parse::parse_non_negative;
use super::run::{run_and_emit, EmitFlags};
use super::{output, Exit};

/// `svdimg denoise`.
#[derive(Debug, Args)]
pub struct DenoiseArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The denoised image; its extension picks the format (.png .jpg .webp .bmp .tiff .gif).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// The noise's standard deviation on the 0–255 scale, whatever the bit depth (25 means
    /// 25·257 in 16-bit units). Default: estimated from the image (the report says how much).
    #[arg(long, value_name = "S", value_parser = parse_non_negative)]
    pub sigma: Option<f64>,
    /// patch: groups of similar patches, weighted singular value thresholding (best);
    /// global: one SVD per channel with the Gavish–Donoho threshold (fast, and much worse).
    #[arg(long, value_enum, default_value_t = DenoiseMethodArg::Patch)]
    pub method: DenoiseMethodArg,
    /// Add seeded Gaussian noise of this σ (0–255 scale) to the input first, then denoise and
    /// report PSNR/SSIM of the noisy and the denoised image against the input.
    #[arg(long, value_name = "S", value_parser = parse_non_negative, conflicts_with = "reference")]
    pub add_noise: Option<f64>,
    /// Seed of --add-noise (the same seed gives the same noise).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "add_noise")]
    pub seed: u64,
    /// The clean image, to report PSNR/SSIM of the noisy input and the result against.
    #[arg(long, value_name = "CLEAN")]
    pub reference: Option<PathBuf>,
    /// Also write a sheet: clean | noisy | global | patch tiles with their PSNR/SSIM, and the
    /// rank kept by each patch group as a heat map.
    #[arg(long, value_name = "FILE")]
    pub sheet: Option<PathBuf>,
    /// Patch method: passes of the first stage (grouping and weighted thresholding; default 1:
    /// more measured no better once the second stage runs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=20),
          help_heading = "Patch method")]
    pub iterations: Option<u16>,
    /// Patch method: pixels between reference patches of the first stage (default 3; larger is
    /// faster).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=32),
          help_heading = "Patch method")]
    pub step: Option<u16>,
    /// Patch method: patches per group of the first stage (default 60; 80 above σ 40).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..=1024),
          help_heading = "Patch method")]
    pub group: Option<u16>,
    /// Patch method: patch side in pixels (default 7; 8 above σ 40).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..=32),
          help_heading = "Patch method")]
    pub patch: Option<u16>,
    /// Patch method: 2 (default) adds the second stage, Wiener filtering of groups matched
    /// again on the first stage's result, in that result's own SVD basis; 1 stops after the
    /// first (weighted singular value thresholding alone).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=2),
          help_heading = "Patch method")]
    pub stages: Option<u8>,
    /// Print the report as JSON on stdout (nothing else goes to stdout).
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// No progress bar and no warnings on stderr (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: all cores); the output does not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Replace existing output files (the input is never replaced).
    #[arg(long, short)]
    pub force: bool,
    /// Refuse images with more pixels than this (checked from the header, before decoding).
    #[arg(long, value_name = "PIXELS", default_value_t = DecodeLimits::default().max_pixels,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pixels: u64,
}

/// `--method` of `denoise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DenoiseMethodArg {
    /// Groups of similar patches (default).
    Patch,
    /// One SVD per channel, Gavish–Donoho threshold.
    Global,
}

/// The library's options for these arguments.
#[must_use]
pub fn denoise_options(args: &DenoiseArgs) -> DenoiseOptions {
    let method = match args.method {
        DenoiseMethodArg::Patch => DenoiseMethod::Patch,
        DenoiseMethodArg::Global => DenoiseMethod::Global,
    };
    let tuned = [
        args.iterations,
        args.step,
        args.group,
        args.patch,
        args.stages.map(u16::from),
    ];
    // Without σ the defaults depend on the estimate: only fix them when something was given.
    let patch = tuned.iter().any(Option::is_some).then(|| {
        let sigma = args.sigma.or(args.add_noise).unwrap_or(25.0);
        let mut p = svdimg::denoise::PatchParams::for_sigma(sigma);
        let set = |v: Option<u16>, field: &mut usize| {
            if let Some(v) = v {
                *field = usize::from(v);
            }
        };
        set(args.iterations, &mut p.iterations);
        set(args.step, &mut p.step);
        set(args.group, &mut p.group);
        set(args.patch, &mut p.patch);
        if let Some(n) = args.stages {
            p.second_stage = n == 2;
        }
        p
    });
    DenoiseOptions {
        settings: DenoiseSettings {
            method,
            sigma: args.sigma,
            patch,
        },
        add_noise: args.add_noise,
        seed: args.seed,
        reference: args.reference.clone(),
        sheet: args.sheet.clone(),
        limits: super::convert::limits(args.max_pixels),
        overwrite: super::convert::overwrite(args.force),
    }
}

/// Runs `denoise`.
pub fn run(args: &DenoiseArgs) -> Exit {
    let opts = denoise_options(args);
    super::compress::install_interrupt_handler();
    let flags = EmitFlags {
        json: args.json,
        quiet: args.quiet,
        report: args.report.as_deref(),
        overwrite: opts.overwrite,
    };
    run_and_emit(
        &args.input,
        &flags,
        |progress| denoise_file(&args.input, &args.output, &opts, progress),
        |r| &r.warnings,
        denoise_text,
    )
}

/// The report as text.
#[must_use]
pub fn denoise_text(r: &DenoiseReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let _ = writeln!(
        s,
        "{} -> {}\n  {}×{} {}, {}-bit; method {}",
        h.input.as_deref().unwrap_or("-"),
        r.output,
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        r.method.name()
    );
    if let Some(n) = &r.noise_added {
        let _ = writeln!(s, "  added noise: σ {} (seed {})", n.sigma, n.seed);
    }
    let _ = writeln!(
        s,
        "  σ {:.2} ({}; estimated from the input: {:.2})",
        r.sigma, r.sigma_source, r.sigma_estimated
    );
    if let (Some(p), Some(g)) = (&r.patch, &r.groups) {
        let _ = writeln!(
            s,
            "  {} groups of {} patches {}×{}, step {}, {} passes; terms kept per group: mean {:.2}, \
             max {}, none in {:.0} %",
            g.groups,
            p.group,
            p.patch,
            p.patch,
            p.step,
            p.iterations,
            g.mean,
            g.max,
            100.0 * g.zero_fraction
        );
    }
    if let Some(k) = &r.global_ranks {
        let _ = writeln!(s, "  ranks kept per channel: {k:?}");
    }
    if let (Some(n), Some(d)) = (&r.noisy, &r.denoised) {
        let db = |p: Option<f64>| p.map_or("∞".into(), |p| format!("{p:.2}"));
        let ss = |p: Option<f64>| p.map_or("–".into(), |p| format!("{p:.4}"));
        let _ = writeln!(
            s,
            "  against {}: noisy {} dB, SSIM {}; denoised {} dB, SSIM {}",
            r.reference.as_deref().unwrap_or("-"),
            db(n.psnr),
            ss(n.ssim),
            db(d.psnr),
            ss(d.ssim)
        );
    }
    if let Some(sheet) = &r.sheet {
        let _ = writeln!(s, "  sheet: {sheet}");
    }
    s + &output::timings_line(&r.timings_ms)
}
