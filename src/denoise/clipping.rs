//! Noise cut off at the ends of the range: what it does to the noise level a patch shows, and
//! how to undo that in the estimate.
//!
//! A sample `z = clip(μ + σ·n, 0, 255)` (`n` standard normal) has mean and variance below those
//! of the noise before clipping when `μ` is within a few σ of either end (a censored normal):
//! a photo with dark shadows or bright sky at σ 50 showed an overall noise of 40–45. The
//! estimate measures the noise `σ_eff` of its patches; with the patch means `m` (the clipped
//! samples' mean, which is what a patch shows) the σ before clipping is the one for which the
//! censored variance, averaged over those patches, equals `σ_eff²`.

/// Top of the working range (0–255 scale).
const PEAK: f64 = 255.0;

/// Standard normal density.
fn pdf(t: f64) -> f64 {
    (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal distribution function.
fn cdf(t: f64) -> f64 {
    0.5 * libm::erfc(-t / std::f64::consts::SQRT_2)
}

/// Mean and variance of `clip(μ + σ·n, 0, 255)`.
pub(crate) fn censored_moments(mu: f64, sigma: f64) -> (f64, f64) {
    if sigma <= 0.0 {
        let z = mu.clamp(0.0, PEAK);
        return (z, 0.0);
    }
    let (a, b) = (-mu / sigma, (PEAK - mu) / sigma);
    let (fa, fb) = (cdf(a), cdf(b));
    let (pa, pb) = (pdf(a), pdf(b));
    let inside = fb - fa;
    let top = 1.0 - fb;
    let m = PEAK * top + mu * inside + sigma * (pa - pb);
    let m2 = PEAK * PEAK * top
        + mu * mu * inside
        + 2.0 * mu * sigma * (pa - pb)
        + sigma * sigma * (inside + a * pa - b * pb);
    (m, (m2 - m * m).max(0.0))
}

/// The noise σ before clipping, given the noise `measured` (σ_eff) on patches whose means (of
/// the clipped samples) are `means`. Returns `measured` when no σ explains it better (no patch
/// near an end of the range, or `measured` is 0).
pub(crate) fn unclipped_sigma(measured: f64, means: &[f64]) -> f64 {
    if measured <= 0.0 || means.is_empty() {
        return measured;
    }
    // The mean censored variance of the patches if the noise before clipping were σ.
    // The means in bins a quarter of a level wide, each as (its patches' mean, how many): the
    // variance is smooth in the mean, and the search below evaluates it ~40 times.
    const BINS: usize = 4 * 255 + 1;
    let mut bins = vec![(0.0f64, 0usize); BINS];
    for &m in means {
        let b = ((m.clamp(0.0, PEAK) * 4.0).round() as usize).min(BINS - 1);
        bins[b].0 += m;
        bins[b].1 += 1;
    }
    let bins: Vec<(f64, usize)> = bins
        .into_iter()
        .filter(|b| b.1 > 0)
        .map(|(sum, n)| (sum / n as f64, n))
        .collect();
    let censored = |sigma: f64| -> f64 {
        // E[z](μ) on a grid of μ, increasing; each patch's μ by inverting it.
        const STEPS: usize = 510;
        let table: Vec<(f64, f64)> = (0..=STEPS)
            .map(|i| censored_moments(PEAK * i as f64 / STEPS as f64, sigma))
            .collect();
        let total: f64 = bins
            .iter()
            .map(|&(m, n)| {
                let i = table.partition_point(|&(tm, _)| tm < m);
                let v = if i == 0 {
                    table[0].1
                } else if i > STEPS {
                    table[STEPS].1
                } else {
                    let ((m0, v0), (m1, v1)) = (table[i - 1], table[i]);
                    let f = if m1 > m0 { (m - m0) / (m1 - m0) } else { 0.0 };
                    v0 + f * (v1 - v0)
                };
                v * n as f64
            })
            .sum();
        (total / means.len() as f64).sqrt()
    };
    // The censored σ grows with σ and is at most σ: bracket from `measured` up, then bisect.
    let (mut lo, mut hi) = (measured, measured);
    if censored(lo) >= measured {
        return measured;
    }
    let mut bracketed = false;
    for _ in 0..8 {
        hi *= 1.5;
        if censored(hi) >= measured {
            bracketed = true;
            break;
        }
    }
    if !bracketed {
        return hi;
    }
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if censored(mid) < measured {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SplitMix64;

    #[test]
    fn censored_moments_match_a_simulation() {
        let mut g = SplitMix64::new(9);
        for (mu, sigma) in [(128.0, 20.0), (10.0, 50.0), (250.0, 30.0), (0.0, 25.0)] {
            let n = 200_000;
            let z: Vec<f64> = (0..n)
                .map(|_| (mu + sigma * g.normal()).clamp(0.0, PEAK))
                .collect();
            let m = z.iter().sum::<f64>() / n as f64;
            let v = z.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
            let (em, ev) = censored_moments(mu, sigma);
            assert!(
                (m - em).abs() < 0.01 * sigma,
                "{mu} {sigma}: mean {m} vs {em}"
            );
            assert!(
                (v - ev).abs() < 0.02 * ev.max(1.0),
                "{mu} {sigma}: var {v} vs {ev}"
            );
        }
        // Far from both ends nothing is cut off.
        let (m, v) = censored_moments(128.0, 10.0);
        assert!((m - 128.0).abs() < 1e-9 && (v - 100.0).abs() < 1e-6);
    }

    #[test]
    fn unclipped_sigma_inverts_the_censoring() {
        // Patches at several levels, noise σ 50 before clipping: what they show, and back.
        let levels = [5.0, 30.0, 90.0, 128.0, 200.0, 240.0, 255.0];
        let sigma = 50.0;
        let moments: Vec<(f64, f64)> = levels
            .iter()
            .map(|&mu| censored_moments(mu, sigma))
            .collect();
        let means: Vec<f64> = moments.iter().map(|m| m.0).collect();
        let measured = (moments.iter().map(|m| m.1).sum::<f64>() / levels.len() as f64).sqrt();
        assert!(measured < 0.9 * sigma);
        let back = unclipped_sigma(measured, &means);
        assert!((back - sigma).abs() < 0.01, "{back}");
        // Mid-grey patches: nothing to undo.
        assert!((unclipped_sigma(20.0, &[128.0, 120.0]) - 20.0).abs() < 1e-6);
    }
}
