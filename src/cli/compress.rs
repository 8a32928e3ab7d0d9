//! `svdimg compress`: one or more images to a chosen rank.

use svdimg::{OutputTarget, Overwrite};

use super::{output, CompressArgs, Exit};

/// Runs `compress` over every input; one failure does not stop the others.
pub fn run(args: &CompressArgs) -> Exit {
    let rank = super::convert::rank_select(&args.rank);
    let opts = super::convert::compress_options(rank, &args.common);
    if args.output.is_some() && args.inputs.len() > 1 {
        eprintln!(
            "error: -o names one output file but {} inputs were given: use --out-dir",
            args.inputs.len()
        );
        return Exit::Usage;
    }
    if args.common.report.is_some() && args.inputs.len() > 1 {
        eprintln!("error: --report takes one input; use --json for many");
        return Exit::Usage;
    }
    let budget = super::convert::budget(&args.rank);
    let svdz = args
        .output
        .as_deref()
        .is_some_and(svdimg::container::is_svdz_path);
    if (budget.is_some() || args.tolerance.is_some()) && !svdz {
        eprintln!("error: --size, --bpp and --tolerance need a .svdz output (-o photo.svdz)");
        return Exit::Usage;
    }
    let mut status = Exit::Success;
    for input in &args.inputs {
        let target = output_for(args);
        let bar = super::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
        let result = match (&target, svdz) {
            (OutputTarget::File(out), true) => {
                svdimg::container::compress_file(input, out, &opts, args.tolerance, budget, &bar)
                    .map(|r| {
                        let text =
                            output::compress_text(&r.base) + &output::container_line(&r.container);
                        (
                            r.base.warnings.clone(),
                            text,
                            output::json_line(&r),
                            to_value(&r),
                        )
                    })
            }
            _ => svdimg::compress_file(input, &target, &opts, &bar).map(|r| {
                let text = output::compress_text(&r);
                (
                    r.warnings.clone(),
                    text,
                    output::json_line(&r),
                    to_value(&r),
                )
            }),
        };
        bar.clear();
        match result {
            Ok((warnings, text, json, value)) => {
                if !args.common.quiet {
                    for w in &warnings {
                        eprintln!("warning: {}: {w}", input.display());
                    }
                }
                output::print_stdout(&if args.common.json { json + "\n" } else { text });
                if let Some(path) = &args.common.report {
                    let overwrite = if args.common.force {
                        Overwrite::Replace
                    } else {
                        Overwrite::Never
                    };
                    if let Err(e) = output::write_report(&value, path, overwrite) {
                        eprintln!("{}", output::error_line(path, &e));
                        status = Exit::Failure;
                    }
                }
            }
            Err(e) => {
                eprintln!("{}", output::error_line(input, &e));
                status = Exit::Failure;
            }
        }
    }
    status
}

fn to_value<T: serde::Serialize>(r: &T) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or(serde_json::Value::Null)
}

/// Where one input's output goes: `-o`, `--out-dir`, or beside the input.
fn output_for(args: &CompressArgs) -> OutputTarget {
    match (&args.output, &args.out_dir) {
        (Some(o), _) => OutputTarget::File(o.clone()),
        (None, Some(d)) => OutputTarget::Dir(d.clone()),
        (None, None) => OutputTarget::BesideInput,
    }
}
