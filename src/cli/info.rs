//! `svdimg info`: what a .svdz file holds.

use std::fmt::Write as _;

use svdimg::container::{info_file, FileInfo};
use svdimg::AlphaHandling;

use super::args::InfoArgs;
use super::run::{self, EmitFlags};
use super::Exit;

/// Prints the description of one .svdz file.
pub fn run(args: &InfoArgs) -> Exit {
    let flags = EmitFlags {
        json: args.json,
        quiet: true,
        report: None,
        overwrite: svdimg::Overwrite::Never,
    };
    let limits = super::convert::limits(args.max_pixels);
    run::run_and_emit(
        &args.input,
        &flags,
        |_| info_file(&args.input, &limits),
        |_| &[],
        info_text,
    )
}

/// The description as text.
pub fn info_text(i: &FileInfo) -> String {
    let mut s = String::new();
    let h = &i.header;
    let _ = writeln!(s, "{}", h.input.as_deref().unwrap_or("-"));
    let _ = writeln!(
        s,
        "  .svdz version {}, {}×{} {}, {}-bit{}",
        i.version,
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        match h.alpha {
            AlphaHandling::Kept => ", alpha kept losslessly",
            AlphaHandling::Compressed => ", alpha compressed as a plane",
            AlphaHandling::None => "",
        }
    );
    let _ = writeln!(
        s,
        "  {} bytes, {:.3} bits per pixel; raw f32 factors would take {} bytes ({:.1}×); τ {:.3e}",
        i.file_bytes,
        i.bits_per_pixel,
        i.raw_f32_bytes,
        i.raw_f32_bytes as f64 / i.file_bytes as f64,
        i.tolerance
    );
    let _ = writeln!(
        s,
        "  {:<8} {:>6} {:>10} {:>10} {:>10} {:>14} {:>9} {:>9}",
        "section", "rank", "bytes", "raw bytes", "mean bits", "bits u,v 1st", "σ₁", "σ_k"
    );
    let _ = writeln!(s, "  {:<8} {:>6} {:>10}", "header", "", i.header_bytes);
    for p in &i.planes {
        let bits = p.bits_first_last.map_or_else(
            || "-".to_string(),
            |b| format!("{},{}→{},{}", b[0], b[1], b[2], b[3]),
        );
        let _ = writeln!(
            s,
            "  {:<8} {:>6} {:>10} {:>10} {:>10.2} {:>14} {:>9.4} {:>9.4}",
            p.name,
            p.rank,
            p.bytes,
            p.raw_bytes,
            p.mean_bits,
            bits,
            p.singular_values.first().copied().unwrap_or(0.0),
            p.singular_values.last().copied().unwrap_or(0.0)
        );
    }
    if let Some(a) = i.alpha_bytes {
        let _ = writeln!(s, "  {:<8} {:>6} {:>10}", "alpha", "", a);
    }
    s
}
