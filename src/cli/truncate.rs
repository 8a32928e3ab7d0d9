//! `svdimg truncate`: a lower-rank .svdz file from the stored factors, no SVD.

use svdimg::container::{read_bounded, Container, FileInfo};
use svdimg::{DecodeLimits, Overwrite};

use super::{info::info_text, output, Exit, TruncateArgs};

/// Cuts one file to rank `-k` and writes it.
pub fn run(args: &TruncateArgs) -> Exit {
    match truncate(args) {
        Ok(info) => {
            let text = if args.file.json {
                output::json_line(&info) + "\n"
            } else {
                format!("{} -> {}", args.input.display(), info_text(&info))
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

fn truncate(args: &TruncateArgs) -> svdimg::Result<FileInfo> {
    let overwrite = if args.file.force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    };
    if !svdimg::container::is_svdz_path(&args.output) {
        return Err(svdimg::Error::Parameter(format!(
            "output {} must end in .svdz",
            args.output.display()
        )));
    }
    svdimg::encode::check_output(Some(&args.input), &args.output, overwrite)?;
    let limits = DecodeLimits {
        max_pixels: args.file.max_pixels,
    };
    let container = Container::decode(&read_bounded(&args.input, &limits)?, &limits)?;
    let ranks = vec![args.rank as usize; container.planes.len()];
    let bytes = container.truncated(&ranks).encode()?;
    svdimg::container::write_file(&bytes, &args.output, overwrite)?;
    let parsed = Container::parse(&bytes, &limits)?;
    Ok(FileInfo::new(
        &parsed,
        bytes.len(),
        Some(args.output.display().to_string()),
    ))
}
