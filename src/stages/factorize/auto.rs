//! `--method auto`, and the fallbacks of the truncated methods: which method runs for a plane of
//! a given shape and rank, and why. The thresholds come from the crossover table in the README's
//! Performance section (`cargo run --release --example method_table`).
//!
//! The rule, for the leading k of the min(rows, cols) = r singular triplets of a rows×cols plane:
//! - every value wanted (k = r), or r ≤ [`AUTO_EXACT_BELOW`]: the exact SVD;
//! - planes of at most [`AUTO_PARTIAL_MAX_SAMPLES`] samples: faer's partial SVD while
//!   k ≤ r / [`AUTO_PARTIAL_MAX_RANK_DIVISOR`], else the exact SVD (the partial SVD's
//!   matrix–vector products run from cache there);
//! - larger planes: the randomized method while its Krylov basis is at most 3/4 of r (its
//!   matrix–matrix products are then faster than the memory-bound partial SVD), else exact.
//!
//! Calibrated on real photos (README, Performance: "Which method `auto` picks"): below about
//! 2 megapixels the partial SVD is faster at k ≥ 50 (1280×1024 and 1680×1050 JPEGs); from
//! 1920×1280 up the randomized method is faster at k ≤ 100 (up to 2.5× at 2056×3088), and at
//! 1920×1280, k = 200, still 1.4× faster than the exact SVD with a basis of 0.69·r (1.15× at
//! 0.84·r on 1680×1050).

use super::partial;
use super::{Method, RandomizedParams};

/// Planes whose smaller side is at most this run the exact SVD under `auto`: it takes
/// milliseconds there.
pub const AUTO_EXACT_BELOW: usize = 200;

/// Under `auto`, planes of at most this many samples (2 Mi: 1448×1448, 8 MiB of f32) use
/// the partial SVD.
pub const AUTO_PARTIAL_MAX_SAMPLES: usize = 2 << 20;

/// Under `auto`, the partial SVD runs for k ≤ r / this; above, the exact SVD is as fast.
pub const AUTO_PARTIAL_MAX_RANK_DIVISOR: usize = 4;

/// The method that runs and the reason, as the report prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// A concrete method (never `Auto`).
    pub method: Method,
    /// Why, in a few words.
    pub reason: String,
}

/// The concrete method that runs for `requested` on an `m`×`n` plane when its leading `keep`
/// triplets are needed (`usize::MAX`: all).
#[must_use]
pub fn resolve(requested: Method, m: usize, n: usize, keep: usize, p: &RandomizedParams) -> Method {
    let r = m.min(n);
    let k = keep.min(r);
    let randomized_fits = |k: usize| p.sketch_width(k) < r;
    match requested {
        _ if keep >= r || k == 0 => Method::Exact,
        Method::Exact => Method::Exact,
        Method::Partial if partial::applicable(k, m, n) => Method::Partial,
        Method::Randomized if randomized_fits(k) => Method::Randomized,
        Method::Partial | Method::Randomized => Method::Exact,
        Method::Auto if r <= AUTO_EXACT_BELOW => Method::Exact,
        Method::Auto if m * n <= AUTO_PARTIAL_MAX_SAMPLES => {
            if k <= r / AUTO_PARTIAL_MAX_RANK_DIVISOR && partial::applicable(k, m, n) {
                Method::Partial
            } else {
                Method::Exact
            }
        }
        Method::Auto if 4 * p.sketch_width(k) <= 3 * r => Method::Randomized,
        Method::Auto => Method::Exact,
    }
}

/// The largest `keep` below min(m, n) for which `requested` still resolves to a truncated
/// method (0 when there is none): how far an adaptive rank can grow before the exact SVD.
#[must_use]
pub fn largest_truncated(requested: Method, m: usize, n: usize, p: &RandomizedParams) -> usize {
    let r = m.min(n);
    (1..r)
        .rev()
        .find(|&k| resolve(requested, m, n, k, p) != Method::Exact)
        .unwrap_or(0)
}

/// [`resolve`], with the reason the report prints.
#[must_use]
pub fn choose(requested: Method, m: usize, n: usize, keep: usize, p: &RandomizedParams) -> Choice {
    let method = resolve(requested, m, n, keep, p);
    let r = m.min(n);
    let k = keep.min(r);
    let shape = format!("{m}×{n}");
    let basis = p.sketch_width(k);
    let reason = match (requested, method) {
        (Method::Exact, _) => "exact (requested)".to_string(),
        (_, Method::Exact) if keep >= r => format!(
            "{}: every singular value of the {shape} plane is needed, exact SVD",
            requested.name()
        ),
        (Method::Partial, Method::Partial) => format!("partial (requested), k = {k}"),
        (Method::Partial, _) => format!(
            "partial requested, but k = {k} is too close to min({shape}) = {r} for faer's \
             partial SVD (it needs max(64, 2k) < {r}): exact SVD"
        ),
        (Method::Randomized, Method::Randomized) => format!(
            "randomized (requested), k = {k}, Krylov basis {basis} ({} power iterations)",
            p.power_iters
        ),
        (Method::Randomized, _) => format!(
            "randomized requested, but its Krylov basis for k = {k} ({basis}) would not be \
             smaller than min({shape}) = {r}: exact SVD"
        ),
        (_, Method::Exact) if r <= AUTO_EXACT_BELOW => {
            format!("auto: exact SVD, the {shape} plane is small (min side ≤ {AUTO_EXACT_BELOW})")
        }
        (_, Method::Partial) => format!(
            "auto: partial SVD, a {shape} plane (≤ {} Mi samples) at k = {k} ≤ r/{AUTO_PARTIAL_MAX_RANK_DIVISOR}",
            AUTO_PARTIAL_MAX_SAMPLES >> 20
        ),
        (_, Method::Randomized) => format!(
            "auto: randomized, a {shape} plane (> {} Mi samples) at k = {k}, Krylov basis {basis} ≤ 3r/4",
            AUTO_PARTIAL_MAX_SAMPLES >> 20
        ),
        (_, _) if m * n <= AUTO_PARTIAL_MAX_SAMPLES => format!(
            "auto: exact SVD, k = {k} > r/{AUTO_PARTIAL_MAX_RANK_DIVISOR} on a {shape} plane"
        ),
        (_, _) => format!(
            "auto: exact SVD, the Krylov basis for k = {k} ({basis}) would exceed 3r/4 on a {shape} plane"
        ),
    };
    Choice { method, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(m: usize, n: usize, k: usize) -> Method {
        resolve(Method::Auto, m, n, k, &RandomizedParams::default())
    }

    #[test]
    fn auto_follows_the_calibration_on_real_photos() {
        // Below 2 Mi samples the partial SVD (1280×1024, 1680×1050 JPEGs), above it the
        // randomized method (1920×1280 and up), as in the README's table.
        assert_eq!(auto(1024, 1280, 50), Method::Partial);
        assert_eq!(auto(1050, 1680, 100), Method::Partial);
        assert_eq!(auto(1280, 1920, 10), Method::Randomized);
        assert_eq!(auto(1280, 1920, 100), Method::Randomized);
        assert_eq!(auto(3172, 5640, 100), Method::Randomized);
        // k = 200 at 1920×1280: a basis of 880 ≤ 3/4 of 1280 stays randomized (0.87 s against
        // the exact SVD's 1.19 s); beyond 3/4 the exact SVD runs.
        assert_eq!(auto(1280, 1920, 200), Method::Randomized);
        assert_eq!(auto(1280, 1920, 240), Method::Exact);
        // Small planes, and every value wanted.
        assert_eq!(auto(150, 4000, 10), Method::Exact);
        assert_eq!(auto(400, 600, 50), Method::Partial);
        assert_eq!(auto(400, 600, 400), Method::Exact);
    }

    #[test]
    fn the_reason_names_the_rule_that_applied() {
        let p = RandomizedParams::default();
        let c = choose(Method::Auto, 1280, 1920, 100, &p);
        assert!(
            c.reason.contains("> 2 Mi samples") && c.reason.contains("≤ 3r/4"),
            "{}",
            c.reason
        );
        let c = choose(Method::Auto, 1050, 1680, 100, &p);
        assert!(c.reason.contains("≤ 2 Mi samples"), "{}", c.reason);
    }
}
