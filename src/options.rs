//! Options: plain data with documented defaults. The front end builds them once.

use crate::stages::decode::DecodeLimits;
use crate::stages::encode::Overwrite;
use crate::stages::factorize::FactorizeOptions;
use crate::stages::rank::RankSelect;

/// Everything that decides what `compress` does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompressOptions {
    /// How the rank of each plane is chosen.
    ///
    /// Default: `RankSelect::Rank(50)`.
    pub rank: RankSelect,
    /// Which planes, which SVD, how planes share the threads.
    ///
    /// Default: `FactorizeOptions::default()`.
    pub factorize: FactorizeOptions,
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
