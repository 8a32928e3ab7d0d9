//! `svdimg rd`: the rate–distortion table of .svdz against JPEG and raw f32 factors, as text,
//! JSON, CSV and an SVG plot.

use std::fmt::Write as _;

use svdimg::container::rd::{rd_file, RdTable};

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

/// The table as text.
pub fn table_text(t: &RdTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}×{}): .svdz against raw f32 factors and JPEG (quality matched to the .svdz size)",
        t.header.input.as_deref().unwrap_or("-"),
        t.header.width,
        t.header.height
    );
    let _ = writeln!(
        s,
        "  {:<5} {:<6} {:>11} {:>8} {:>6} {:>7} {:>6} | {:>8} {:>6} {:>6} | {:>3} {:>8} {:>6} {:>6} {:>6}",
        "mode", "color", "rank", "bytes", "bpp", "PSNR", "SSIM", "raw f32", "PSNR", "ratio",
        "q", "bytes", "bpp", "PSNR", "SSIM"
    );
    for r in &t.rows {
        let _ = writeln!(
            s,
            "  {:<5} {:<6} {:>11} {:>8} {:>6.3} {:>7} {:>6} | {:>8} {:>6} {:>5.1}× | {:>3} {:>8} {:>6.3} {:>6} {:>6}",
            r.mode,
            r.color,
            ranks(&r.ranks),
            r.svdz_bytes,
            r.svdz_bpp,
            opt(r.svdz_psnr, 2),
            opt(r.svdz_ssim, 4),
            r.raw_f32_bytes,
            opt(r.raw_f32_psnr, 2),
            r.raw_over_svdz,
            r.jpeg_quality.map_or_else(|| "-".into(), |q| q.to_string()),
            r.jpeg_bytes,
            r.jpeg_bpp,
            opt(r.jpeg_psnr, 2),
            opt(r.jpeg_ssim, 4)
        );
    }
    s
}
