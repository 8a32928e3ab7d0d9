//! `svdimg decompress`: a .svdz file → an image.

use svdimg::container::{decompress_file, DecompressReport};

use super::args::DecompressArgs;
use super::{output, run, Exit};

/// Decodes one .svdz file and writes the image.
pub fn run(args: &DecompressArgs) -> Exit {
    let opts = super::convert::svdz_file_options(&args.file);
    run::run_and_emit(
        &args.input,
        &super::convert::svdz_emit_flags(&args.file),
        |progress| decompress_file(&args.input, &args.output, &opts, progress),
        |r| &r.warnings,
        decompress_text,
    )
}

/// The report as text.
fn decompress_text(r: &DecompressReport) -> String {
    let h = &r.header;
    let held = if r.version == 1 {
        format!("ranks {:?}", r.ranks)
    } else {
        format!("blocks, terms per plane {:?}", r.terms)
    };
    format!(
        "{} -> {}\n  .svdz version {}, {}×{} {}, {}-bit, {held}\n{}",
        h.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-"),
        r.version,
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        output::timings_line(&r.timings_ms)
    )
}
