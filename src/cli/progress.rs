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
