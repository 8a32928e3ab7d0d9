//! `svdimg info`: what a .svdz file holds.

use std::fmt::Write as _;

use svdimg::container::{read_bounded, Container, FileInfo};
use svdimg::DecodeLimits;

use super::{output, Exit, InfoArgs};

/// Prints the description of one .svdz file.
pub fn run(args: &InfoArgs) -> Exit {
    let limits = DecodeLimits {
        max_pixels: args.max_pixels,
    };
    let parsed = read_bounded(&args.input, &limits)
        .and_then(|bytes| Container::parse(&bytes, &limits).map(|p| (p, bytes.len())));
    match parsed {
        Ok((p, len)) => {
            let info = FileInfo::new(&p, len, Some(args.input.display().to_string()));
            let text = if args.json {
                output::json_line(&info) + "\n"
            } else {
                info_text(&info)
            };
            output::print_stdout(&text);
            Exit::Success
        }
        Err(e) => {
            eprintln!("{}", output::error_line(&args.input, &e));
            Exit::Failure
        }
    }
}

/// The description as text.
pub fn info_text(i: &FileInfo) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", i.file.as_deref().unwrap_or("-"));
    let _ = writeln!(
        s,
        "  .svdz version {}, {}×{} {}, {}-bit{}",
        i.version,
        i.width,
        i.height,
        i.color,
        i.bit_depth,
        match i.alpha {
            "kept" => ", alpha kept losslessly",
            "compressed" => ", alpha compressed as a plane",
            _ => "",
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
