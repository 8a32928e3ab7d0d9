//! `svdimg html`: one self-contained HTML page with a live rank slider.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use svdimg::html::{html_file, HtmlReport};

use super::args::HtmlArgs;
use super::{output, run, Exit};

/// Runs `html`.
pub fn run(args: &HtmlArgs) -> Exit {
    let opts = super::convert::html_options(args, command_line());
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input));
    run::run_and_emit(
        &args.input,
        &super::convert::emit_flags(&args.common),
        |progress| html_file(&args.input, &out, &opts, progress),
        |r| &r.warnings,
        html_text,
    )
}

/// `photo.jpg` → `photo.html` beside it.
fn default_output(input: &Path) -> PathBuf {
    input.with_extension("html")
}

/// The command line as typed, for the page's "made by" line, quoted where a shell would need it;
/// the program and every path in it reduced to base names, so that the page does not show the
/// folders of whoever made it.
pub fn command_line() -> String {
    std::env::args_os()
        .map(|a| quote(&base_names(&a.to_string_lossy())))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `arg` with a path reduced to its base name: `/home/me/photo.jpg` → `photo.jpg`, and the value of
/// `--flag=dir/file` likewise; arguments without a path separator stay as they are.
fn base_names(arg: &str) -> String {
    let (flag, value) = match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (Some(flag), value),
        _ => (None, arg),
    };
    if !value.contains(['/', std::path::MAIN_SEPARATOR]) {
        return arg.to_string();
    }
    let base = Path::new(value)
        .file_name()
        .map_or_else(|| value.to_string(), |n| n.to_string_lossy().into_owned());
    match flag {
        Some(flag) => format!("{flag}={base}"),
        None => base,
    }
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./=:,%+@".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    }
}

/// The html report as text.
pub fn html_text(r: &HtmlReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let _ = writeln!(
        s,
        "{} -> {}",
        h.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        s,
        "  {}×{} {}, {}-bit, {} SVD, ranks 1–{}{}, vectors stored as {}-bit values",
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        h.svd.as_ref().map_or("exact", |x| x.method.name()),
        r.max_rank,
        if r.max_rank_clamped {
            " (clamped to min(width, height))"
        } else {
            ""
        },
        r.bits
    );
    let b = &r.bytes;
    let _ = writeln!(
        s,
        "  page {} ({} bytes): original {}, factors {}, metadata {}, code {}",
        size(b.total),
        b.total,
        size(b.original),
        size(b.factors),
        size(b.metadata),
        size(b.code)
    );
    let _ = writeln!(
        s,
        "  live view {}×{}{}",
        r.view_width,
        r.view_height,
        if r.downscaled {
            " (downscaled; exact full-size PSNR of every rank embedded)"
        } else if r.psnr_table {
            " (exact 16-bit PSNR of every rank embedded)"
        } else {
            " (full size; PSNR computed in the page)"
        }
    );
    let worst = r
        .quantization
        .iter()
        .map(|q| q.measured)
        .fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "  quantization error at rank {}: at most {:.4} of an 8-bit level per pixel (bound), {:.4} measured",
        r.max_rank, r.pixel_error_bound, worst
    );
    s.push_str(&output::timings_line(&r.timings_ms));
    s
}
