//! `svdimg rd`: the rate–distortion table of .svdz against JPEG, WebP and raw f32 factors, as
//! text, JSON, CSV and an SVG plot.

use std::fmt::Write as _;

use svdimg::container::rd::{rd_file, CodecMatch, RdTable};

use super::args::RdArgs;
use super::{run, Exit};

/// Runs the comparison on one image.
pub fn run(args: &RdArgs) -> Exit {
    let opts = super::convert::rd_options(args);
    run::run_and_emit(
        &args.input,
        &super::convert::emit_flags(&args.common),
        |progress| rd_file(&args.input, &opts, progress),
        |r| &r.warnings,
        table_text,
    )
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "inf".into(), |v| format!("{v:.digits$}"))
}

fn ranks(r: &[usize]) -> String {
    if r.iter().all(|&k| k == r[0]) {
        r[0].to_string()
    } else {
        r.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A reference codec's columns: quality, bytes, PSNR, SSIM.
fn codec(m: &Option<CodecMatch>) -> String {
    match m {
        None => format!("{:>6} {:>8} {:>6} {:>6}", "-", "-", "", ""),
        Some(m) => format!(
            "{:>6} {:>8} {:>6} {:>6}",
            m.quality.map_or_else(|| "-".into(), |q| q.to_string()),
            m.bytes,
            opt(m.psnr, 2),
            opt(m.ssim, 4)
        ),
    }
}

/// The table as text.
pub fn table_text(t: &RdTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}×{}): .svdz against raw f32 factors, JPEG and WebP (quality matched to the .svdz size)",
        t.header.input.as_deref().unwrap_or("-"),
        t.header.width,
        t.header.height
    );
    let _ = writeln!(s, "  JPEG: {}", t.encoders.jpeg);
    let _ = writeln!(s, "  WebP: {}", t.encoders.webp);
    let _ = writeln!(
        s,
        "  {:<6} {:<6} {:>11} {:>8} {:>6} {:>7} {:>6} | {:>8} {:>6} {:>6} | {:>6} {:>8} {:>6} {:>6} | {:>6} {:>8} {:>6} {:>6}",
        "mode", "color", "rank", "bytes", "bpp", "PSNR", "SSIM", "raw f32", "PSNR", "ratio",
        "JPEG q", "bytes", "PSNR", "SSIM", "WebP q", "bytes", "PSNR", "SSIM"
    );
    for r in &t.rows {
        let _ = writeln!(
            s,
            "  {:<6} {:<6} {:>11} {:>8} {:>6.3} {:>7} {:>6} | {} | {} | {}",
            r.mode,
            r.color,
            ranks(&r.ranks),
            r.svdz_bytes,
            r.svdz_bpp,
            opt(r.svdz_psnr, 2),
            opt(r.svdz_ssim, 4),
            r.raw_f32.as_ref().map_or_else(
                || format!("{:>8} {:>6} {:>6}", "-", "-", "-"),
                |f| format!("{:>8} {:>6} {:>5.1}×", f.bytes, opt(f.psnr, 2), f.over_svdz)
            ),
            codec(&r.jpeg),
            codec(&r.webp)
        );
    }
    s
}
