//! `svdimg layers`: the rank-one layers and partial sums on a sheet, and the build-up GIF.

use std::fmt::Write as _;
use svdimg::layers::{layers_file, LayersReport};

use super::args::LayersArgs;
use super::{output, run, Exit};

/// Runs `layers` on one input.
pub fn run(args: &LayersArgs) -> Exit {
    let opts = super::convert::layers_options(args);
    run::run_and_emit(
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
