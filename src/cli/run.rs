//! The shell every command shares: a progress bar while the library works, then the report
//! (warnings on stderr, text or JSON on stdout, `--report FILE`) or the error line, and the exit
//! code.

use std::path::Path;

use serde::Serialize;
use svdimg::{Overwrite, Progress};

use super::output::{error_line, json_line, print_stdout, write_report};
use super::progress::StageBar;
use super::Exit;

/// How a command's report goes out: the flags every command shares.
#[derive(Debug, Clone, Copy)]
pub struct EmitFlags<'a> {
    /// `--json`: JSON on stdout instead of text.
    pub json: bool,
    /// `--quiet`: no progress and no warnings on stderr.
    pub quiet: bool,
    /// `--report FILE`: the JSON report also goes there.
    pub report: Option<&'a Path>,
    /// `--force`: outputs (the report file included) may be replaced.
    pub overwrite: Overwrite,
}

/// Runs one command on `input` with a progress bar, then emits its report (or its error):
/// warnings on stderr, text or JSON on stdout, `--report FILE`. A `--report` file that cannot be
/// written is refused before any work.
pub fn run_and_emit<R: Serialize>(
    input: &Path,
    flags: &EmitFlags<'_>,
    work: impl FnOnce(&dyn Progress) -> svdimg::Result<R>,
    warnings: impl Fn(&R) -> &[String],
    text: impl Fn(&R) -> String,
) -> Exit {
    if let Some(path) = flags.report {
        if let Err(e) = svdimg::encode::check_output(Some(input), path, flags.overwrite) {
            return fail(path, &e);
        }
    }
    let bar = StageBar::new(&input.display().to_string(), flags.quiet);
    let result = work(&bar);
    bar.clear();
    match result {
        Ok(report) => emit(&report, warnings(&report), input, flags, text),
        Err(e) => fail(input, &e),
    }
}

/// Emits a report: warnings on stderr (unless quiet), text or JSON on stdout, and the JSON to
/// `--report FILE`.
pub fn emit<R: Serialize>(
    report: &R,
    warnings: &[String],
    input: &Path,
    flags: &EmitFlags<'_>,
    text: impl Fn(&R) -> String,
) -> Exit {
    if !flags.quiet {
        for w in warnings {
            eprintln!("warning: {}: {w}", input.display());
        }
    }
    let out = if flags.json {
        json_line(report) + "\n"
    } else {
        text(report)
    };
    print_stdout(&out);
    if let Some(path) = flags.report {
        if let Err(e) = write_report(report, path, flags.overwrite) {
            return fail(path, &e);
        }
    }
    Exit::Success
}

/// Prints the error line of a failed command and says so in the exit code.
pub fn fail(input: &Path, e: &svdimg::Error) -> Exit {
    eprintln!("{}", error_line(input, e));
    Exit::Failure
}

/// Ctrl-C: remove the temporary files of writes in progress, then stop. Outputs are renamed into
/// place only when complete, so nothing partial is left behind.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        svdimg::encode::remove_pending_temporaries();
        eprintln!("\ninterrupted: no partial files were left behind");
        std::process::exit(130);
    });
}
