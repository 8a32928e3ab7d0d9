//! `svdimg compress`: one image with a detailed report, or many (files and folders) in parallel
//! with progress, a summary table and JSON Lines; `-` for standard input and output.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use svdimg::batch::{self, FileOutcome};
use svdimg::{CompressOptions, OutputFormat, OutputTarget};

use super::args::CompressArgs;
use super::summary::{table, Row};
use super::{output, run, Exit};

/// Runs `compress`; one failing file does not stop the others.
pub fn run(args: &CompressArgs) -> Exit {
    run::install_interrupt_handler();
    let rank = super::convert::rank_select(&args.rank);
    let opts = super::convert::compress_options(rank, &args.common);
    if let Some(exit) = check_svdz_usage(args) {
        return exit;
    }
    let stdin = args.inputs.iter().any(|p| p.as_os_str() == "-");
    if stdin {
        if args.inputs.len() > 1 {
            return usage("`-` (standard input) must be the only input");
        }
        return run_stdin(args, &opts);
    }
    if args.output.as_deref().is_some_and(|o| o.as_os_str() == "-") && args.inputs.len() > 1 {
        return usage("`-o -` writes one image to standard output: give one input");
    }
    let inputs = match batch::expand_inputs(&args.inputs, args.recursive) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Failure;
        }
    };
    if inputs.files.is_empty() {
        for p in &args.inputs {
            eprintln!("error: {}: a folder with no images in it", p.display());
        }
        return Exit::Failure;
    }
    // --shard and --skip-existing make even one input a batch (a shard may well be empty).
    let batch_only = args.shard.is_some() || args.skip_existing;
    let single = inputs.files.len() == 1 && args.inputs.len() == 1 && !args.inputs[0].is_dir();
    if single && !batch_only {
        return run_one(args, &opts, &inputs.files[0]);
    }
    if args.output.is_some() && !single {
        return usage("-o names one output file but several inputs were given: use --out-dir");
    }
    let inputs = match args.shard {
        Some(shard) => inputs.shard(shard),
        None => inputs,
    };
    if args.common.report.is_some() {
        return usage("--report takes one input; use --json (one JSON object per file) for many");
    }
    run_batch(args, &opts, &inputs)
}

/// Refuses `.svdz`-only flags without a `.svdz` output; `None` when the flags are consistent.
fn check_svdz_usage(args: &CompressArgs) -> Option<Exit> {
    let svdz = args
        .output
        .as_deref()
        .is_some_and(svdimg::container::is_svdz_path);
    let budget = super::convert::budget(&args.rank);
    let block_flags = args.rank.quality.is_some() || args.block_size.is_some();
    if (budget.is_some() || args.tolerance.is_some() || args.global || block_flags) && !svdz {
        return Some(usage(
            "--size, --bpp, --quality, --block-size, --global and --tolerance need a .svdz \
             output (-o photo.svdz)",
        ));
    }
    if block_flags && global_svdz(args) {
        return Some(usage(
            "--quality and --block-size are the block codec's; a rank, --tolerance or --global \
             asks for a whole-image (version 1) file",
        ));
    }
    None
}

/// Whether a `.svdz` output is a version-1 file (one SVD of the whole image per plane): asked
/// for with --global, or implied by a rank request or a tolerance.
fn global_svdz(args: &CompressArgs) -> bool {
    let r = &args.rank;
    args.global
        || args.tolerance.is_some()
        || r.rank.is_some()
        || r.energy.is_some()
        || r.psnr.is_some()
        || r.ratio.is_some()
}

fn usage(msg: &str) -> Exit {
    eprintln!("error: {msg}");
    Exit::Usage
}

fn target(args: &CompressArgs) -> OutputTarget {
    match (&args.output, &args.out_dir) {
        (Some(o), _) => OutputTarget::File(o.clone()),
        (None, dir) => OutputTarget::Named {
            dir: dir.clone(),
            template: args.name.clone(),
            ext: normalised_ext(&args.format),
        },
    }
}

fn normalised_ext(format: &str) -> String {
    match format {
        "jpeg" => "jpg".into(),
        "tif" => "tiff".into(),
        f => f.to_string(),
    }
}

/// One file: the detailed report.
fn run_one(args: &CompressArgs, opts: &CompressOptions, input: &Path) -> Exit {
    let flags = super::convert::emit_flags(&args.common);
    if let Some(out) = args
        .output
        .as_deref()
        .filter(|o| svdimg::container::is_svdz_path(o))
    {
        if !global_svdz(args) {
            let blocks = super::convert::block_options(args);
            return run::run_and_emit(
                input,
                &flags,
                |progress| {
                    svdimg::container::blocks::compress_file_to_blocks(
                        input,
                        out,
                        &blocks,
                        &opts.limits,
                        opts.overwrite,
                        progress,
                    )
                },
                |r| &r.warnings,
                output::blocks_text,
            );
        }
        let svdz = super::convert::svdz_options(args, opts.clone());
        return run::run_and_emit(
            input,
            &flags,
            |progress| svdimg::container::compress_file_to_svdz(input, out, &svdz, progress),
            |r| &r.base.warnings,
            |r| output::compress_text(&r.base) + &output::container_line(&r.container),
        );
    }
    if args.output.as_deref().is_some_and(|o| o.as_os_str() == "-") {
        return match std::fs::read(input) {
            Ok(bytes) => to_stdout(args, opts, &bytes, &input.display().to_string()),
            Err(source) => run::fail(
                input,
                &svdimg::Error::Io {
                    action: "cannot read".into(),
                    source,
                },
            ),
        };
    }
    run::run_and_emit(
        input,
        &flags,
        |progress| svdimg::compress_file(input, &target(args), opts, progress),
        |r| &r.warnings,
        output::compress_text,
    )
}

/// `svdimg compress - -o OUT` or `-o -`: one image from standard input.
fn run_stdin(args: &CompressArgs, opts: &CompressOptions) -> Exit {
    if std::io::stdin().is_terminal() {
        return usage(
            "`-` reads an image from standard input, but it is a terminal: pipe an image in",
        );
    }
    let mut bytes = Vec::new();
    let cap = opts
        .limits
        .max_pixels
        .saturating_mul(8)
        .saturating_add(64 << 20);
    if let Err(e) = std::io::stdin().lock().take(cap).read_to_end(&mut bytes) {
        eprintln!("error: -: cannot read standard input: {e}");
        return Exit::Failure;
    }
    match args.output.as_deref() {
        Some(o) if o.as_os_str() == "-" => to_stdout(args, opts, &bytes, "-"),
        Some(out) => run::run_and_emit(
            Path::new("-"),
            &super::convert::emit_flags(&args.common),
            |progress| svdimg::pipeline::compress_bytes_to_file(&bytes, "-", out, opts, progress),
            |r| &r.warnings,
            output::compress_text,
        ),
        None => usage("reading from standard input needs -o FILE, or -o - for standard output"),
    }
}

/// Compresses bytes and writes the encoded image to standard output; the report goes to stderr
/// (stdout carries the image).
fn to_stdout(args: &CompressArgs, opts: &CompressOptions, bytes: &[u8], name: &str) -> Exit {
    let format = match OutputFormat::from_extension(&args.format) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    match svdimg::pipeline::compress_bytes(bytes, name, format, opts, &svdimg::NoProgress) {
        Ok((report, encoded)) => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&encoded).and_then(|()| out.flush()) {
                eprintln!("error: -: cannot write standard output: {e}");
                return Exit::Failure;
            }
            drop(out);
            // Standard output carries the image: the report goes to standard error.
            let flags = super::convert::emit_flags(&args.common);
            if !flags.quiet {
                for w in &report.warnings {
                    eprintln!("warning: {name}: {w}");
                }
                if flags.json {
                    eprintln!("{}", output::json_line(&report));
                } else {
                    eprint!("{}", output::compress_text(&report));
                }
            }
            match flags.report {
                Some(path) => match output::write_report(&report, path, flags.overwrite) {
                    Ok(()) => Exit::Success,
                    Err(e) => run::fail(path, &e),
                },
                None => Exit::Success,
            }
        }
        Err(e) => run::fail(Path::new(name), &e),
    }
}

/// Many files: parallel, memory-bounded, progress per file, a summary (or JSON Lines) in input order.
fn run_batch(args: &CompressArgs, opts: &CompressOptions, inputs: &batch::Inputs) -> Exit {
    if let Some(dir) = &args.out_dir {
        if !dir.is_dir() {
            eprintln!("error: {}: output folder does not exist", dir.display());
            return Exit::Failure;
        }
    }
    let budget =
        batch::MemoryBudget::new(args.max_memory.unwrap_or_else(batch::default_memory_budget));
    let reporter =
        super::progress::BatchBars::new(inputs.files.len(), args.common.quiet, args.common.json);
    let resume = if args.skip_existing {
        batch::Resume::SkipExisting
    } else {
        batch::Resume::Everything
    };
    let outcomes = batch::compress_batch(
        &inputs.files,
        &target(args),
        opts,
        &budget,
        resume,
        &reporter,
    );
    reporter.finish();
    if !args.common.json {
        let rows: Vec<Row> = outcomes.iter().map(Row::from_outcome).collect();
        output::print_stdout(&table(&rows, Some(inputs.skipped.len())));
    }
    if !args.common.quiet && !inputs.skipped.is_empty() {
        eprintln!(
            "note: skipped {} file(s) in folders that are not images",
            inputs.skipped.len()
        );
    }
    let failed: Vec<&FileOutcome> = outcomes
        .iter()
        .filter(|o| o.status == batch::Status::Error)
        .collect();
    for f in &failed {
        match &f.failure {
            Some(e) => eprintln!("{}", output::error_line(&f.path, e)),
            None => eprintln!("error: {}: failed", f.path.display()),
        }
    }
    if failed.is_empty() && (!outcomes.is_empty() || args.shard.is_some()) {
        Exit::Success
    } else if outcomes.is_empty() {
        eprintln!("error: no images found in the given inputs");
        Exit::Failure
    } else {
        Exit::Failure
    }
}
