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
}

impl BatchBars {
    /// Bars for `files` files.
    pub fn new(files: usize, quiet: bool, json: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
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
        Box::new(StageBar { bar })
    }

    fn finished(&self, _index: usize, outcome: &svdimg::batch::FileOutcome) {
        self.overall.inc(1);
        if self.json {
            let line = super::output::json_line(outcome) + "\n";
            self.multi.suspend(|| super::output::print_stdout(&line));
        }
    }
}
