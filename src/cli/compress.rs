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
    let mut status = Exit::Success;
    for input in &args.inputs {
        let target = output_for(args);
        let bar = super::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
        let result = svdimg::compress_file(input, &target, &opts, &bar);
        bar.clear();
        match result {
            Ok(report) => {
                if !args.common.quiet {
                    for w in &report.warnings {
                        eprintln!("warning: {}: {w}", input.display());
                    }
                }
                let text = if args.common.json {
                    output::json_line(&report) + "\n"
                } else {
                    output::compress_text(&report)
                };
                output::print_stdout(&text);
                if let Some(path) = &args.common.report {
                    let overwrite = if args.common.force {
                        Overwrite::Replace
                    } else {
                        Overwrite::Never
                    };
                    if let Err(e) = output::write_report(&report, path, overwrite) {
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

/// Where one input's output goes: `-o`, `--out-dir`, or beside the input.
fn output_for(args: &CompressArgs) -> OutputTarget {
    match (&args.output, &args.out_dir) {
        (Some(o), _) => OutputTarget::File(o.clone()),
        (None, Some(d)) => OutputTarget::Dir(d.clone()),
        (None, None) => OutputTarget::BesideInput,
    }
}
