//! `svdimg truncate`: a lower-rank .svdz file from the stored factors, no SVD.

use svdimg::container::{truncate_file, TruncateTo};

use super::args::TruncateArgs;
use super::{info::info_text, run, Exit};

/// Cuts one file (to `-k`, `--size` or `--bpp`) and writes it.
pub fn run(args: &TruncateArgs) -> Exit {
    let opts = super::convert::svdz_file_options(&args.file);
    let to = match (args.rank, args.size, args.bpp) {
        (Some(k), ..) => TruncateTo::Rank(k as usize),
        (_, Some(b), _) => TruncateTo::Bytes(b),
        (.., Some(bpp)) => TruncateTo::BitsPerPixel(bpp),
        // clap requires one of the three.
        _ => TruncateTo::Rank(0),
    };
    run::run_and_emit(
        &args.input,
        &super::convert::svdz_emit_flags(&args.file),
        |_| truncate_file(&args.input, &args.output, to, &opts),
        |r| &r.warnings,
        |r| {
            format!(
                "{} -> {}",
                r.header.input.as_deref().unwrap_or("-"),
                info_text(&r.file)
            )
        },
    )
}
