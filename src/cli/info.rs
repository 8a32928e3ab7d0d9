//! `svdimg info`: what a .svdz file holds.

use std::fmt::Write as _;

use svdimg::container::blocks::BlockInfo;
use svdimg::container::{info_file, info_with_rank_map, FileInfo, SvdzFileOptions, SvdzInfo};
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
    let file_opts = SvdzFileOptions {
        limits,
        overwrite: super::convert::overwrite(args.force),
    };
    run::run_and_emit(
        &args.input,
        &flags,
        |_| match &args.rank_map {
            Some(map) => info_with_rank_map(&args.input, map, &file_opts),
            None => info_file(&args.input, &limits),
        },
        |_| &[],
        info_text,
    )
}

/// The description as text.
pub fn info_text(i: &SvdzInfo) -> String {
    match i {
        SvdzInfo::Global(g) => global_text(g),
        SvdzInfo::Blocks(b) => blocks_text(b),
    }
}

fn first_line(s: &mut String, h: &svdimg::ReportHeader, version: u8) {
    let _ = writeln!(s, "{}", h.input.as_deref().unwrap_or("-"));
    let _ = writeln!(
        s,
        "  .svdz version {}, {}×{} {}, {}-bit{}",
        version,
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
}

/// A version-2 file as text: sections, blocks, terms, and the rank map.
pub fn blocks_text(i: &BlockInfo) -> String {
    let mut s = String::new();
    first_line(&mut s, &i.header, i.version);
    let _ = writeln!(
        s,
        "  {} bytes, {:.3} bits per pixel; blocks of rank-one SVD terms",
        i.file_bytes, i.bits_per_pixel
    );
    let _ = writeln!(
        s,
        "  {:<8} {:>9} {:>6} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10} {:>7}",
        "section",
        "size",
        "block",
        "blocks",
        "step",
        "terms",
        "mean rank",
        "max rank",
        "bytes",
        "bpp"
    );
    let _ = writeln!(
        s,
        "  {:<8} {:>9} {:>6} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10}",
        "header", "", "", "", "", "", "", "", i.header_bytes
    );
    for p in &i.planes {
        let _ = writeln!(
            s,
            "  {:<8} {:>9} {:>6} {:>8} {:>8.3} {:>8} {:>9.2} {:>9} {:>10} {:>7.3}",
            p.name,
            format!("{}×{}", p.width, p.height),
            format!("{}×{}", p.block, p.block),
            p.blocks,
            p.step,
            p.terms,
            p.mean_rank,
            p.max_rank,
            p.bytes,
            p.bits_per_pixel
        );
    }
    if let Some(a) = i.alpha_bytes {
        let _ = writeln!(s, "  {:<8} {:>81}", "alpha", a);
    }
    if let Some(p) = i.planes.first() {
        let _ = writeln!(
            s,
            "  terms per block of {} ('.' none, 1–9, '+' ten or more):",
            p.name
        );
        for row in &i.rank_map {
            let _ = writeln!(s, "    {row}");
        }
    }
    s
}

/// A version-1 file as text.
fn global_text(i: &FileInfo) -> String {
    let mut s = String::new();
    first_line(&mut s, &i.header, i.version);
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
