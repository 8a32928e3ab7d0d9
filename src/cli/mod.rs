//! The command-line interface: clap definitions (`args`, with value parsers in `parse`),
//! argument → options conversion once (`convert`), the shell every command runs in (`run`:
//! progress, report or error, exit code), indicatif progress (`progress`) and text/JSON
//! rendering (`output`). One file per command holds its `run` and its text report.

pub mod args;
pub mod compress;
pub mod convert;
pub mod decompress;
pub mod denoise;
pub mod denoise_args;
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

/// Sets the size of rayon's global pool (`--threads`, or one thread per CPU), fewer when an
/// address-space limit (`ulimit -v`) would not hold the reservations of that many threads (a
/// warning says so). `Err` (the error line) when not even one thread fits: an allocation would
/// otherwise abort the process.
pub fn set_threads(threads: Option<u16>) -> Result<(), String> {
    use svdimg::address_space::{address_space_limit, matmul_scratch_bytes, threads_within};
    let mut count = threads.map(usize::from);
    if let Some(limit) = address_space_limit() {
        let wanted = count.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let scratch = matmul_scratch_bytes();
        let mib = |b: u64| b >> 20;
        match threads_within(limit, scratch, wanted) {
            Ok(fit) if fit < wanted => {
                eprintln!(
                    "warning: the address-space limit (ulimit -v) of {} MiB holds {fit} thread(s), \
                     not {wanted}: the matrix kernels reserve {} MiB per thread on this CPU",
                    mib(limit),
                    mib(scratch)
                );
                count = Some(fit);
            }
            Ok(_) => {}
            Err(needed) => {
                return Err(format!(
                    "the address-space limit (ulimit -v) of {} MiB is too small: the matrix \
                     kernels reserve {} MiB per thread on this CPU (twice its L3 cache as they \
                     count it); allow at least {} MiB (ulimit -v {})",
                    mib(limit),
                    mib(scratch),
                    mib(needed),
                    needed.div_ceil(1024)
                ))
            }
        }
    }
    #[cfg(feature = "parallel")]
    if let Some(n) = count {
        // Fails only if the pool was built already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    #[cfg(not(feature = "parallel"))]
    let _ = count;
    Ok(())
}
