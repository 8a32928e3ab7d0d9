//! The command line of `svdimg denoise` (kept apart from `args.rs`, which would pass 600 lines).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use svdimg::DecodeLimits;

use super::parse::parse_non_negative;

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
    /// patch: groups of similar patches, weighted singular value thresholding, then Wiener
    /// filtering in each group's own SVD basis (best); global: one SVD per channel with the
    /// Gavish–Donoho threshold (fast, and much worse).
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
    /// Patch method: pixels between reference patches of the first stage (default 4; larger is
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
    /// Groups of similar patches, two stages (default).
    Patch,
    /// One SVD per channel, Gavish–Donoho threshold.
    Global,
}
