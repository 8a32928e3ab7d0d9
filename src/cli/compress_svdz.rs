//! `svdimg compress -o photo.svdz`: the `.svdz` branch of compress (one input, `-o` naming a
//! `.svdz` file), with the `--size` / `--bpp` budgets and `--tolerance`.

use std::path::Path;

use svdimg::{CompressOptions, Overwrite};

use super::{output, CompressArgs, Exit};

/// Refuses `.svdz`-only flags without a `.svdz` output; `None` when the flags are consistent.
pub fn check_usage(args: &CompressArgs) -> Option<Exit> {
    let svdz = args
        .output
        .as_deref()
        .is_some_and(svdimg::container::is_svdz_path);
    let budget = super::convert::budget(&args.rank);
    if (budget.is_some() || args.tolerance.is_some()) && !svdz {
        eprintln!("error: --size, --bpp and --tolerance need a .svdz output (-o photo.svdz)");
        return Some(Exit::Usage);
    }
    None
}

/// Compresses one input to the `.svdz` file `out` and prints the report.
pub fn run_one(args: &CompressArgs, opts: &CompressOptions, input: &Path, out: &Path) -> Exit {
    let budget = super::convert::budget(&args.rank);
    let bar = super::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
    let result = svdimg::container::compress_file(input, out, opts, args.tolerance, budget, &bar);
    bar.clear();
    match result {
        Ok(r) => {
            if !args.common.quiet {
                for w in &r.base.warnings {
                    eprintln!("warning: {}: {w}", input.display());
                }
            }
            let text = if args.common.json {
                output::json_line(&r) + "\n"
            } else {
                output::compress_text(&r.base) + &output::container_line(&r.container)
            };
            output::print_stdout(&text);
            if let Some(path) = &args.common.report {
                let overwrite = if args.common.force {
                    Overwrite::Replace
                } else {
                    Overwrite::Never
                };
                if let Err(e) = output::write_report(&r, path, overwrite) {
                    eprintln!("{}", output::error_line(path, &e));
                    return Exit::Failure;
                }
            }
            Exit::Success
        }
        Err(e) => {
            eprintln!("{}", output::error_line(input, &e));
            Exit::Failure
        }
    }
}
