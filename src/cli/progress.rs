//! indicatif implementation of the library's `Progress` trait: one bar on stderr, shown only
//! when stderr is a terminal and `--quiet` is not given.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use svdimg::{Progress, Stage};

/// A bar that follows the pipeline's stages.
pub struct StageBar {
    bar: ProgressBar,
}

impl StageBar {
    /// A bar for `label` (usually the file name), hidden when `quiet` or stderr is no terminal.
    pub fn new(label: &str, quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(1), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} {msg:12} [{bar:30}] {pos}/{len} {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        StageBar { bar }
    }

    /// Removes the bar from the terminal.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for StageBar {
    fn begin(&self, stage: Stage, units: u64) {
        self.bar.set_message(stage.name());
        self.bar.set_length(units.max(1));
        self.bar.set_position(0);
    }

    fn advance(&self, _stage: Stage, units: u64) {
        self.bar.inc(units);
    }
}

impl Drop for StageBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Progress of a batch: an overall bar (files, ETA) and a line per running file, on stderr when
/// it is a terminal; with `--json`, one JSON object per file on stdout, in input order.
pub struct BatchBars {
    multi: indicatif::MultiProgress,
    overall: ProgressBar,
    json: bool,
    /// Whether bars are drawn at all (a terminal, no `--quiet`); else files get no bar.
    shown: bool,
}

impl BatchBars {
    /// Bars for `files` files.
    pub fn new(files: usize, quiet: bool, json: bool) -> Self {
        let shown = !quiet && std::io::stderr().is_terminal();
        let target = if shown {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = indicatif::MultiProgress::with_draw_target(target);
        let overall = multi.add(ProgressBar::new(files as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:40}] {pos}/{len} files, {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        overall.set_prefix("batch");
        BatchBars {
            multi,
            overall,
            json,
            shown,
        }
    }

    /// Removes the bars.
    pub fn finish(&self) {
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

impl svdimg::batch::BatchReporter for BatchBars {
    fn started(&self, _index: usize, input: &std::path::Path) -> Box<dyn Progress + '_> {
        if !self.shown {
            // No bar nor ticker thread per file when nothing is drawn: a corpus of small files
            // otherwise spends its time in thousands of hidden bars.
            return Box::new(svdimg::NoProgress);
        }
        let bar = self.multi.insert_before(&self.overall, ProgressBar::new(1));
        bar.set_style(
            ProgressStyle::with_template("  {spinner} {prefix:30} {msg:12} {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let name = input.file_name().map_or_else(
            || input.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_prefix(name);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Box::new(FileBar {
            bar: StageBar { bar },
            multi: &self.multi,
        })
    }

    fn finished(&self, _index: usize, outcome: &svdimg::batch::FileOutcome) {
        self.overall.inc(1);
        if self.json {
            let line = super::output::json_line(outcome) + "\n";
            self.multi.suspend(|| super::output::print_stdout(&line));
        }
    }
}

/// One file's bar in a batch: removed from the batch's bars when the file is done, so that the
/// bars of finished files do not pile up.
struct FileBar<'a> {
    bar: StageBar,
    multi: &'a indicatif::MultiProgress,
}

impl Progress for FileBar<'_> {
    fn begin(&self, stage: Stage, units: u64) {
        self.bar.begin(stage, units);
    }

    fn advance(&self, stage: Stage, units: u64) {
        self.bar.advance(stage, units);
    }
}

impl Drop for FileBar<'_> {
    fn drop(&mut self) {
        self.bar.clear();
        self.multi.remove(&self.bar.bar);
    }
}
