//! `--method auto`, and the fallbacks of the truncated methods: which method runs for a plane of
//! a given shape and rank, and why. The thresholds come from the crossover table in the README's
//! Performance section (`cargo run --release --example method_table`).

use super::partial;
use super::{Method, RandomizedParams};

/// Planes whose smaller side is at most this run the exact SVD under `auto`: the whole SVD takes
/// a few milliseconds there and the truncated methods gain nothing worth their approximation.
pub const AUTO_EXACT_BELOW: usize = 200;

/// Under `auto`, the randomized method runs while its sketch (k plus oversampling) is at most
/// this fraction of min(rows, cols); above it the exact SVD is as fast.
pub const AUTO_MAX_SKETCH_FRACTION: f64 = 0.25;

/// The method that runs and the reason, as the report prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// A concrete method (never `Auto`).
    pub method: Method,
    /// Why, in a few words.
    pub reason: String,
}

/// Resolves `requested` for an `m`×`n` plane of which the leading `keep` triplets are needed
/// (`usize::MAX`: all).
#[must_use]
pub fn choose(
    requested: Method,
    m: usize,
    n: usize,
    keep: usize,
    params: &RandomizedParams,
) -> Choice {
    let r = m.min(n);
    let k = keep.min(r);
    let shape = format!("{m}×{n}");
    let pick = |method, reason: String| Choice { method, reason };
    let all = keep >= r;
    match requested {
        Method::Exact => pick(Method::Exact, "exact (requested)".into()),
        Method::Partial if all => pick(
            Method::Exact,
            format!("partial requested, but every singular value of the {shape} plane is needed: exact SVD"),
        ),
        Method::Partial if !partial::applicable(k, m, n) => pick(
            Method::Exact,
            format!("partial requested, but k = {k} is too close to min({shape}) = {r} for faer's partial SVD: exact SVD"),
        ),
        Method::Partial => pick(Method::Partial, format!("partial (requested), k = {k}")),
        Method::Randomized if all || params.sketch_width(k, r) >= r => pick(
            Method::Exact,
            format!("randomized requested, but its sketch for k = {k} would span all of min({shape}) = {r}: exact SVD"),
        ),
        Method::Randomized => pick(
            Method::Randomized,
            format!(
                "randomized (requested), k = {k}, sketch {}, {} power iterations",
                params.sketch_width(k, r),
                params.power_iters
            ),
        ),
        Method::Auto if all => pick(
            Method::Exact,
            "auto: every singular value is needed, exact SVD".into(),
        ),
        Method::Auto if r <= AUTO_EXACT_BELOW => pick(
            Method::Exact,
            format!("auto: exact SVD, the {shape} plane is small (min side ≤ {AUTO_EXACT_BELOW})"),
        ),
        Method::Auto => {
            let l = params.sketch_width(k, r);
            if (l as f64) <= AUTO_MAX_SKETCH_FRACTION * r as f64 {
                pick(
                    Method::Randomized,
                    format!(
                        "auto: randomized, k = {k} needs a sketch of {l} ≤ {:.0} % of min({shape}) = {r}",
                        AUTO_MAX_SKETCH_FRACTION * 100.0
                    ),
                )
            } else {
                pick(
                    Method::Exact,
                    format!(
                        "auto: exact SVD, k = {k} needs a sketch of {l} > {:.0} % of min({shape}) = {r}",
                        AUTO_MAX_SKETCH_FRACTION * 100.0
                    ),
                )
            }
        }
    }
}
