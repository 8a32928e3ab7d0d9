//! `svdimg grid`: one factorization, a labelled sheet of tiles at many ranks, their numbers as
//! CSV/JSON, and a plot of quality against rank and storage.

use std::fmt::Write as _;
use svdimg::grid::{grid_file, GridReport};

use super::args::GridArgs;
use super::{output, run, Exit};

/// Runs `grid`.
pub fn run(args: &GridArgs) -> Exit {
    let opts = super::convert::grid_options(args);
    run::run_and_emit(
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
