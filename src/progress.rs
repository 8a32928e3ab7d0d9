//! Progress reporting: a small trait the library calls from inside its parallel loops. The
//! front end implements it (with indicatif in the binary); the library never prints.

/// A stage of the pipeline, as reported to [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Reading and decoding the input.
    Decode,
    /// The SVD of every plane.
    Factorize,
    /// Rebuilding planes from the factors.
    Reconstruct,
    /// Removing noise (rows of patch groups, per pass).
    Denoise,
    /// MSE, PSNR, SSIM.
    Metrics,
    /// Encoding and writing the output.
    Encode,
}

impl Stage {
    /// A short lowercase name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Factorize => "factorize",
            Stage::Reconstruct => "reconstruct",
            Stage::Denoise => "denoise",
            Stage::Metrics => "metrics",
            Stage::Encode => "encode",
        }
    }
}

/// Receives progress from the library. Every method has an empty default.
pub trait Progress: Send + Sync {
    /// A stage begins; `units` is how many steps it has (planes, for most stages).
    fn begin(&self, stage: Stage, units: u64) {
        let _ = (stage, units);
    }
    /// `units` more steps of the current stage are done.
    fn advance(&self, stage: Stage, units: u64) {
        let _ = (stage, units);
    }
    /// The stage is finished.
    fn end(&self, stage: Stage) {
        let _ = stage;
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Milliseconds since `t`.
pub(crate) fn ms(t: std::time::Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Runs `f` and returns its result with the milliseconds it took.
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = std::time::Instant::now();
    let out = f();
    (out, ms(t))
}
