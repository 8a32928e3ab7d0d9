//! `svdimg html`: one self-contained HTML page with a live rank slider.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use svdimg::html::{html_file, Bits, HtmlOptions, HtmlReport};

use super::{output, Exit, HtmlArgs};

/// Runs `html`.
pub fn run(args: &HtmlArgs) -> Exit {
    let opts = HtmlOptions {
        factorize: super::convert::factorize_options(&args.common),
        limits: super::convert::limits(args.common.max_pixels),
        overwrite: super::convert::overwrite(args.common.force),
        max_rank: args.max_rank as usize,
        bits: if args.bits == "8" {
            Bits::Eight
        } else {
            Bits::Sixteen
        },
        view_pixels: usize::try_from(args.view_pixels).unwrap_or(usize::MAX),
        layers: args.layers,
        name: args.input.file_name().map_or_else(
            || args.input.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        command: command_line(),
    };
    let out = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input));
    let bar = super::progress::StageBar::new(&opts.name, args.common.quiet);
    let result = html_file(&args.input, &out, &opts, &bar);
    bar.clear();
    match result {
        Ok(report) => {
            if !args.common.quiet {
                for w in &report.warnings {
                    eprintln!("warning: {}: {w}", args.input.display());
                }
            }
            let text = if args.common.json {
                output::json_line(&report) + "\n"
            } else {
                html_text(&report)
            };
            output::print_stdout(&text);
            if let Some(path) = &args.common.report {
                let overwrite = opts.overwrite;
                if let Err(e) = output::write_report(&report, path, overwrite) {
                    eprintln!("{}", output::error_line(path, &e));
                    return Exit::Failure;
                }
            }
            Exit::Success
        }
        Err(e) => {
            eprintln!("{}", output::error_line(&args.input, &e));
            Exit::Failure
        }
    }
}

/// `photo.jpg` → `photo.html` beside it.
fn default_output(input: &Path) -> PathBuf {
    input.with_extension("html")
}

/// The command line as typed, quoted where a shell would need it.
fn command_line() -> String {
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let first = args.next().map(|p| {
        Path::new(&p)
            .file_name()
            .map_or(p.clone(), |n| n.to_string_lossy().into_owned())
    });
    first
        .into_iter()
        .chain(args)
        .map(|a| quote(&a))
        .collect::<Vec<_>>()
        .join(" ")
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
    let _ = writeln!(
        s,
        "{} -> {}",
        r.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        s,
        "  {}×{} {}, {}-bit, {} SVD, ranks 1–{}{}, vectors stored as {}-bit values",
        r.width,
        r.height,
        r.color,
        r.bit_depth,
        r.method,
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
    let t = &r.timings_ms;
    let _ = writeln!(
        s,
        "  time: decode {:.0} ms, factorize {:.0} ms, prepare {:.0} ms, write {:.0} ms",
        t.decode, t.factorize, t.prepare, t.write
    );
    s
}
