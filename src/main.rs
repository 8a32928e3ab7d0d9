//! The `svdimg` binary: parse, convert to options, run, render, exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use svdimg::{CompressOptions, OutputTarget, Overwrite};

use cli::{output, Cli, Command, CompressArgs};

/// Exit codes: 0 success, 1 a file could not be processed, 2 bad usage (clap's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success = 0,
    Failure = 1,
    Usage = 2,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Compress(args) => run_compress(&args),
    };
    ExitCode::from(code as u8)
}

/// Sets the size of rayon's global pool (`--threads`).
fn set_threads(threads: Option<u16>) {
    if let Some(n) = threads {
        // Fails only if the pool was built already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global();
    }
}

fn run_compress(args: &CompressArgs) -> Exit {
    set_threads(args.common.threads);
    let rank = cli::convert::rank_select(&args.rank);
    let opts: CompressOptions = cli::convert::compress_options(rank, &args.common);
    if args.output.is_some() && args.inputs.len() > 1 {
        eprintln!("error: -o names one output file but {} inputs were given: use --out-dir", args.inputs.len());
        return Exit::Usage;
    }
    if args.common.report.is_some() && args.inputs.len() > 1 {
        eprintln!("error: --report takes one input; use --json for many");
        return Exit::Usage;
    }
    let mut status = Exit::Success;
    for input in &args.inputs {
        let target = output_for(args);
        let bar = cli::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
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
                print_stdout(&text);
                if let Some(path) = &args.common.report {
                    let overwrite = if args.common.force { Overwrite::Replace } else { Overwrite::Never };
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

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
