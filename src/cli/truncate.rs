//! `svdimg truncate`: a lower-rank .svdz file from the stored factors, no SVD.

use svdimg::container::truncate_file;

use super::args::TruncateArgs;
use super::{info::info_text, run, Exit};

/// Cuts one file to rank `-k` and writes it.
pub fn run(args: &TruncateArgs) -> Exit {
    let opts = super::convert::svdz_file_options(&args.file);
    run::run_and_emit(
        &args.input,
        &super::convert::svdz_emit_flags(&args.file),
        |_| truncate_file(&args.input, &args.output, args.rank as usize, &opts),
        |_| &[],
        |r| {
            format!(
                "{} -> {}",
                r.header.input.as_deref().unwrap_or("-"),
                info_text(&r.file)
            )
        },
    )
}
