//! `svdimg grid`: one factorization, a labelled sheet of tiles at many ranks, their numbers as
//! CSV/JSON, and a plot of quality against rank and storage.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use svdimg::grid::{grid_file, GridReport};

use super::{output, parse_rank, CommonArgs, Exit, RankValue};

/// `svdimg grid`.
#[derive(Debug, Args)]
pub struct GridArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Ranks to show: numbers and percentages of min(width, height), comma-separated
    /// (1,5,10,20,50,100 or 5%,10%), or "auto" (energy milestones 50…99.9 % and percent steps).
    #[arg(long, value_name = "LIST", default_value = "auto", allow_hyphen_values = true,
          value_parser = parse_rank_list)]
    pub ranks: RankListArg,
    /// The sheet; its extension picks the format (.png .jpg .webp .bmp .tiff .gif).
    /// Default: <stem>.grid.png beside the input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Tiles per row (default: chosen for a sheet about 16:10 wide).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub cols: Option<u16>,
    /// Width of each tile in pixels (default: the image's width, kept within 160–320).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub tile_width: Option<u32>,
    /// Also write the numbers of every rank as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also plot PSNR and SSIM against rank and storage ratio (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `--ranks` as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum RankListArg {
    /// `auto`
    Auto,
    /// `1,5,10%`
    List(Vec<RankValue>),
}

/// Parses `auto` or a comma-separated list of ranks and percentages.
pub fn parse_rank_list(s: &str) -> Result<RankListArg, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(RankListArg::Auto);
    }
    if t.is_empty() {
        return Err("the rank list is empty (try 1,5,10,50 or auto)".into());
    }
    t.split(',')
        .map(|item| {
            if item.trim().is_empty() {
                Err(format!("'{s}' has an empty item (try 1,5,10,50)"))
            } else {
                parse_rank(item)
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(RankListArg::List)
}

/// Runs `grid`.
pub fn run(args: &GridArgs) -> Exit {
    let opts = super::convert::grid_options(args);
    output::run_and_emit(
        &args.input,
        &super::convert::emit_flags(&args.common),
        |progress| grid_file(&args.input, &opts, progress),
        |r| &r.warnings,
        grid_text,
    )
}

/// The grid report as text.
pub fn grid_text(r: &GridReport) -> String {
    let mut s = String::new();
    let l = &r.layout;
    let h = &r.header;
    let _ = writeln!(
        s,
        "{} -> {}",
        h.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-")
    );
    let (method, reason) = h.svd.as_ref().map_or(("exact", ""), |x| {
        (x.method.name(), x.method_reason.as_str())
    });
    let _ = writeln!(
        s,
        "  {}×{} {}, {}-bit, {} SVD once ({}); sheet {}×{}: {} column{} of {} px tiles",
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        method,
        reason,
        l.width,
        l.height,
        l.columns,
        if l.columns == 1 { "" } else { "s" },
        l.tile_width
    );
    let _ = writeln!(
        s,
        "  {:>6} {:>10} {:>8} {:>10} {:>9} {:>10}  why",
        "rank", "PSNR dB", "SSIM", "energy", "ratio", "stored"
    );
    for k in &r.ranks {
        let _ = writeln!(
            s,
            "  {:>6} {:>10} {:>8} {:>9.4}% {:>9} {:>10}  {}",
            k.rank,
            k.psnr.map_or_else(|| "inf".into(), |v| format!("{v:.2}")),
            k.ssim.map_or_else(|| "n/a".into(), |v| format!("{v:.4}")),
            k.energy_kept * 100.0,
            k.storage_ratio
                .map_or_else(|| "n/a".into(), |v| format!("{v:.2}×")),
            k.stored_values,
            k.reason
        );
    }
    for (what, path) in [("csv", &r.csv), ("plot", &r.plot)] {
        if let Some(p) = path {
            let _ = writeln!(s, "  {what}: {p}");
        }
    }
    s.push_str(&output::timings_line(&r.timings_ms));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_lists_parse_or_say_why_not() {
        assert_eq!(parse_rank_list("auto"), Ok(RankListArg::Auto));
        assert_eq!(
            parse_rank_list("1, 5,10%"),
            Ok(RankListArg::List(vec![
                RankValue::Count(1),
                RankValue::Count(5),
                RankValue::Percent(10.0)
            ]))
        );
        for bad in ["", " ", "0", "-3", "abc", "1,,5", "5,", "150%"] {
            assert!(parse_rank_list(bad).is_err(), "{bad:?}");
        }
    }
}
