//! The command-line interface: clap definitions (`args`, with value parsers in `parse`),
//! argument → options conversion once (`convert`), the shell every command runs in (`run`:
//! progress, report or error, exit code), indicatif progress (`progress`) and text/JSON
//! rendering (`output`). One file per command holds its `run` and its text report.

pub mod args;
pub mod compress;
pub mod convert;
pub mod decompress;
pub mod explain;
pub mod grid;
pub mod html;
pub mod info;
pub mod layers;
pub mod manual;
pub mod output;
pub mod parse;
pub mod progress;
pub mod rd;
pub mod run;
pub mod spectrum;
pub mod summarize;
pub mod summary;
pub mod truncate;

/// Exit codes: 0 success, 1 a file could not be processed, 2 bad usage (clap's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// At least one file could not be processed.
    Failure = 1,
    /// The command line was wrong.
    Usage = 2,
}

/// Sets the size of rayon's global pool (`--threads`).
pub fn set_threads(threads: Option<u16>) {
    #[cfg(feature = "parallel")]
    if let Some(n) = threads {
        // Fails only if the pool was built already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global();
    }
    #[cfg(not(feature = "parallel"))]
    let _ = threads;
}
