//! `svdimg layers`: the rank-one layers and partial sums on a sheet, and the build-up GIF.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use svdimg::layers::{layers_file, LayersReport};

use super::{output, CommonArgs, Exit};

/// `svdimg layers`.
#[derive(Debug, Args)]
pub struct LayersArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The sheet: the first layers σᵢuᵢvᵢᵀ over the partial sums A₁…A_count. Its extension picks
    /// the format (.png recommended).
    #[arg(short, long, value_name = "OUT", required_unless_present = "gif")]
    pub output: Option<PathBuf>,
    /// Layers (and partial sums) on the sheet.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub count: u16,
    /// Each tile is fitted into a square of this many pixels (enlarged by whole factors when
    /// the image is small, so pixels stay exact).
    #[arg(long, value_name = "PX", default_value_t = 192,
          value_parser = clap::value_parser!(u32).range(32..=1024))]
    pub tile: u32,
    /// How signed layers are shown: `luma` (one blue–white–red map per layer) or `channels`
    /// (the colour layer, each channel as 0.5 + x / (2·max |x|)).
    #[arg(long, value_enum, value_name = "VIEW", default_value_t = LayerViewArg::Luma)]
    pub layer_view: LayerViewArg,
    /// Also (or instead) write an animation of the image building up from rank 1 (a looping GIF).
    #[arg(long, value_name = "GIF")]
    pub gif: Option<PathBuf>,
    /// Frames in the animation (ranks spaced geometrically from 1).
    #[arg(long, value_name = "N", default_value_t = 30, requires = "gif",
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub frames: u16,
    /// Rank of the last frame (default: full rank, min(width, height)).
    #[arg(long, value_name = "R", requires = "gif",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rank: Option<u32>,
    /// Each frame's picture is fitted into a square of this many pixels.
    #[arg(long, value_name = "PX", default_value_t = 480, requires = "gif",
          value_parser = clap::value_parser!(u32).range(32..=4096))]
    pub gif_size: u32,
    /// Milliseconds each frame shows (the last one four times as long).
    #[arg(long, value_name = "MS", default_value_t = 250, requires = "gif",
          value_parser = clap::value_parser!(u32).range(10..=60_000))]
    pub frame_ms: u32,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `--layer-view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayerViewArg {
    /// One signed field per layer (mean of R, G, B; Y for ycbcr), blue < 0 < red.
    Luma,
    /// The signed colour layer, every channel as 0.5 + x / (2·max |x|).
    Channels,
}

/// Runs `layers` on one input.
pub fn run(args: &LayersArgs) -> Exit {
    let opts = super::convert::layers_options(args);
    output::run_and_emit(
        &args.input,
        &super::convert::emit_flags(&args.common),
        |progress| layers_file(&args.input, &opts, progress),
        |r| &r.warnings,
        layers_text,
    )
}

fn db(x: Option<f64>) -> String {
    x.map_or_else(|| "inf".to_string(), |v| format!("{v:.2}"))
}

/// The report as text: one line per layer, then what was written.
fn layers_text(r: &LayersReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let names: Vec<&str> = r.channels.iter().map(|c| c.name).collect();
    let _ = writeln!(
        s,
        "{}: {}×{} {}, {}-bit, {}",
        h.input.as_deref().unwrap_or("-"),
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        h.svd.as_ref().map_or_else(String::new, |x| format!(
            "{} SVD ({})",
            x.method.name(),
            x.method_reason
        ))
    );
    let sigma_head = format!("σᵢ ({})", names.join(" "));
    let _ = writeln!(
        s,
        "  {:>3}  {:<28} {:>9} {:>11} {:>11} {:>7}",
        "i", sigma_head, "share", "cumulative", "PSNR(A_i)", "SSIM"
    );
    for e in &r.layers {
        let sigmas: Vec<String> = e
            .singular_values
            .iter()
            .map(|v| format!("{v:.4}"))
            .collect();
        let _ = writeln!(
            s,
            "  {:>3}  {:<28} {:>8.4}% {:>10.4}% {:>8} dB {:>7}",
            e.index,
            sigmas.join(" "),
            e.energy_share * 100.0,
            e.energy_cumulative * 100.0,
            db(e.psnr),
            e.ssim.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
        );
    }
    if let Some(sh) = &r.sheet {
        let _ = writeln!(
            s,
            "  sheet: {} ({}×{}, tiles {}×{}, layers shown as {})",
            sh.output,
            sh.width,
            sh.height,
            sh.tile_width,
            sh.tile_height,
            sh.layer_view.name()
        );
    }
    if let Some(a) = &r.animation {
        let first = a.frames.first();
        let last = a.frames.last();
        let _ = writeln!(
            s,
            "  animation: {} ({} frames of {}×{}, ranks {}…{}, PSNR {} → {} dB, {} ms a frame)",
            a.output,
            a.frames.len(),
            a.width,
            a.height,
            first.map_or(0, |f| f.rank),
            a.max_rank,
            db(first.and_then(|f| f.psnr)),
            db(last.and_then(|f| f.psnr)),
            a.frame_ms
        );
    }
    s.push_str(&output::timings_line(&r.timings_ms));
    s
}
