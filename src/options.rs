//! Options: plain data with documented defaults. The front end builds them once.

use crate::decode::DecodeLimits;
use crate::encode::Overwrite;
use crate::factorize::{Method, Precision, RandomizedParams};
use crate::planes::{AlphaMode, ColorMode};
use crate::rank::RankSelect;

/// How planes share the worker threads during the SVD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// By the method that runs, from the measurements in the README's Performance section:
    /// `randomized` → [`Schedule::Shared`] (its products split into blocks that run in
    /// parallel, between QRs that do not), `partial` → [`Schedule::AcrossPlanes`] (it is
    /// sequential inside a plane), `exact` → [`Schedule::Balanced`].
    #[default]
    Auto,
    /// Planes run side by side, as many at once as there are threads; when fewer planes than
    /// threads remain, each gets an equal share of the threads for faer's own parallelism
    /// (3 planes on 2 cores: two side by side, then the third on both cores).
    Balanced,
    /// Every plane at once, faer sequential inside each.
    AcrossPlanes,
    /// One plane after another, faer using every thread inside each.
    WithinPlanes,
    /// Every plane at once, each also splitting its work over every thread; rayon shares the
    /// threads, so one plane's sequential steps overlap another's parallel ones.
    Shared,
}

/// Everything that decides what `compress` does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompressOptions {
    /// How the rank of each plane is chosen.
    ///
    /// Default: `RankSelect::Rank(50)`.
    pub rank: RankSelect,
    /// The SVD algorithm.
    ///
    /// Default: `Method::Auto`.
    pub method: Method,
    /// Tuning of the randomized method (also used when `auto` picks it).
    ///
    /// Default: `RandomizedParams::default()` (sketch k + max(10, k/10), 3 power iterations, seed `0x5EED`).
    pub randomized: RandomizedParams,
    /// The floating-point type of the SVD.
    ///
    /// Default: `Precision::F32`.
    pub precision: Precision,
    /// Which planes colour channels become.
    ///
    /// Default: `ColorMode::Rgb`.
    pub color: ColorMode,
    /// What happens to alpha.
    ///
    /// Default: `AlphaMode::Keep` (carried through exactly).
    pub alpha: AlphaMode,
    /// How planes share threads.
    ///
    /// Default: `Schedule::Auto`.
    pub schedule: Schedule,
    /// Size limits for decoding.
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether an existing output is replaced.
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
}

impl CompressOptions {
    /// Options with the given rank selection and every other field at its default.
    #[must_use]
    pub fn with_rank(rank: RankSelect) -> Self {
        CompressOptions {
            rank,
            ..CompressOptions::default()
        }
    }
}
