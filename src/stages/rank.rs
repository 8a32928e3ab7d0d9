//! Select rank: a pure function of the singular values (DESIGN.md §2).
//!
//! * [`RankSelect::Rank`]: K in every plane, clamped to min(rows, cols).
//! * [`RankSelect::Percent`]: K = round(p % of min(width, height)), at least 1.
//! * [`RankSelect::Energy`]: per plane, the smallest rank (≥ 1) whose kept energy reaches F.
//! * [`RankSelect::Psnr`]: the smallest total storage whose predicted MSE
//!   (Σ of discarded σᵢ² over all planes / samples, on the [0, 1] scale) meets the target.
//! * [`RankSelect::Ratio`]: the best predicted quality whose stored values are at most samples / R.
//!
//! Every rank-one term costs the same storage (rows + cols + 1) in every plane, so for the last
//! two the optimal allocation takes terms greedily by σᵢ² across planes (ties: lower plane first).

use serde::Serialize;

use crate::error::{Error, Result};

/// How the rank of each plane is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "mode", content = "value")]
pub enum RankSelect {
    /// The same rank in every plane.
    Rank(usize),
    /// A percentage of min(width, height), the same in every plane.
    Percent(f64),
    /// The fraction of energy (0 < F ≤ 1) every plane keeps.
    Energy(f64),
    /// A predicted PSNR in dB, reached with the least storage.
    Psnr(f64),
    /// A storage ratio (samples / stored values), at the best predicted quality.
    Ratio(f64),
}

impl Default for RankSelect {
    fn default() -> Self {
        RankSelect::Rank(50)
    }
}

/// The ranks chosen, and whether a request had to be clamped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankChoice {
    /// One rank per plane.
    pub ranks: Vec<usize>,
    /// True when the requested rank was larger than a plane's largest possible rank.
    pub clamped: bool,
}

impl RankSelect {
    /// How reports describe the request: "rank 50", "rank 10% of the smaller side",
    /// "energy 0.99", "psnr 30 dB", "ratio 8".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            RankSelect::Rank(k) => format!("rank {k}"),
            RankSelect::Percent(p) => format!("rank {p}% of the smaller side"),
            RankSelect::Energy(f) => format!("energy {f}"),
            RankSelect::Psnr(db) => format!("psnr {db} dB"),
            RankSelect::Ratio(r) => format!("ratio {r}"),
        }
    }

    /// The request as a rank list item is written: "50", "10%"; other kinds as
    /// [`RankSelect::describe`] says them.
    #[must_use]
    pub fn list_item(&self) -> String {
        match self {
            RankSelect::Rank(k) => k.to_string(),
            RankSelect::Percent(p) => format!("{p}%"),
            other => other.describe(),
        }
    }

    /// Checks the parameter's range.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Parameter(m));
        match *self {
            RankSelect::Rank(0) => bad("rank must be at least 1".into()),
            RankSelect::Percent(p) if !(p > 0.0 && p <= 100.0) => {
                bad(format!("rank percentage must be in (0, 100], got {p}"))
            }
            RankSelect::Energy(f) if !(f > 0.0 && f <= 1.0) => {
                bad(format!("energy must be in (0, 1], got {f}"))
            }
            RankSelect::Psnr(db) if !(db.is_finite() && db > 0.0) => bad(format!(
                "PSNR target must be a positive number of dB, got {db}"
            )),
            RankSelect::Ratio(r) if !(r.is_finite() && r > 0.0) => {
                bad(format!("storage ratio must be positive, got {r}"))
            }
            _ => Ok(()),
        }
    }

    /// The largest rank any plane can get, when it is known before the SVD (fixed ranks).
    #[must_use]
    pub fn fixed_rank(&self, rows: usize, cols: usize) -> Option<usize> {
        let r = rows.min(cols);
        match *self {
            RankSelect::Rank(k) => Some(k.min(r)),
            RankSelect::Percent(p) => Some(percent_rank(p, rows, cols)),
            _ => None,
        }
    }

    /// Chooses a rank for every plane from its singular values `spectra[p]` (non-increasing, all
    /// min(rows, cols) of them) and its total energy `energies[p]` = ‖A_p‖_F².
    pub fn select(
        &self,
        spectra: &[&[f64]],
        energies: &[f64],
        rows: usize,
        cols: usize,
    ) -> Result<RankChoice> {
        self.validate()?;
        assert_eq!(spectra.len(), energies.len(), "one energy per plane");
        let r = rows.min(cols);
        let planes = spectra.len();
        let samples = (rows * cols * planes) as f64;
        let term_cost = (rows + cols + 1) as f64;
        let uniform = |k: usize| RankChoice {
            ranks: vec![k.min(r); planes],
            clamped: k > r,
        };
        Ok(match *self {
            RankSelect::Rank(k) => uniform(k),
            RankSelect::Percent(p) => uniform(percent_rank(p, rows, cols)),
            RankSelect::Energy(f) => RankChoice {
                ranks: spectra
                    .iter()
                    .zip(energies)
                    .map(|(s, &e)| energy_rank(s, e, f, s.len() == r))
                    .collect(),
                clamped: false,
            },
            RankSelect::Psnr(db) => {
                let allowed = samples * 10f64.powf(-db / 10.0);
                let mut discarded: f64 = energies.iter().sum();
                let ranks = greedy(spectra, |taken, s2| {
                    if taken > 0 && discarded <= allowed {
                        return false;
                    }
                    discarded -= s2;
                    true
                });
                RankChoice {
                    ranks,
                    clamped: false,
                }
            }
            RankSelect::Ratio(ratio) => {
                let terms = (samples / ratio / term_cost).floor();
                if terms < 1.0 {
                    return Err(Error::Parameter(format!(
                        "storage ratio {ratio} is out of reach for a {cols}×{rows} image: one \
                         rank-one term already stores {term_cost} values (the largest ratio is {:.1})",
                        samples / term_cost
                    )));
                }
                let ranks = greedy(spectra, |taken, _| (taken as f64) < terms);
                RankChoice {
                    ranks,
                    clamped: false,
                }
            }
        })
    }
}

/// round(p % of min(rows, cols)), at least 1.
fn percent_rank(p: f64, rows: usize, cols: usize) -> usize {
    let r = rows.min(cols);
    ((p / 100.0 * r as f64).round() as usize).clamp(1, r.max(1))
}

/// The smallest k ≥ 1 whose kept energy ([`crate::stages::metrics::energy_kept`], computed the same way as
/// the report computes it) reaches F; the whole spectrum if rounding keeps it short.
#[must_use]
pub fn energy_rank(s: &[f64], energy: f64, f: f64, complete: bool) -> usize {
    if energy <= 0.0 || s.is_empty() {
        return 1;
    }
    // Suffix sums of σ² so that each k costs O(1).
    let mut tail = vec![0.0f64; s.len() + 1];
    for i in (0..s.len()).rev() {
        tail[i] = tail[i + 1] + s[i] * s[i];
    }
    let mut head = 0.0;
    for k in 1..=s.len() {
        head += s[k - 1] * s[k - 1];
        let kept = if complete {
            1.0 - tail[k] / energy
        } else {
            head / energy
        };
        if kept >= f {
            return k;
        }
    }
    s.len()
}

/// Takes rank-one terms in order of σ² across planes while `take(terms taken, σ²)` says so.
fn greedy(spectra: &[&[f64]], mut take: impl FnMut(usize, f64) -> bool) -> Vec<usize> {
    let mut ranks = vec![0usize; spectra.len()];
    let mut taken = 0;
    loop {
        let next = spectra
            .iter()
            .enumerate()
            .filter_map(|(p, s)| s.get(ranks[p]).map(|&x| (p, x * x)))
            .fold(None, |best: Option<(usize, f64)>, (p, s2)| match best {
                Some((_, b)) if b >= s2 => best,
                _ => Some((p, s2)),
            });
        let Some((p, s2)) = next else { break };
        if !take(taken, s2) {
            break;
        }
        ranks[p] += 1;
        taken += 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_picks_the_smallest_rank_reaching_the_target() {
        let s = [4.0, 2.0, 1.0, 1.0]; // σ² = 16, 4, 1, 1; E = 22
        let pick = |f| energy_rank(&s, 22.0, f, true);
        assert_eq!(pick(16.0 / 22.0), 1);
        assert_eq!(pick(16.5 / 22.0), 2);
        assert_eq!(pick(1.0), 4);
        assert_eq!(energy_rank(&[0.0, 0.0], 0.0, 0.9, true), 1);
    }

    #[test]
    fn greedy_allocation_follows_sigma_squared_across_planes() {
        let a = [5.0, 3.0, 1.0];
        let b = [4.0, 3.5, 0.5];
        let choice = RankSelect::Ratio(2.0)
            .select(&[&a, &b], &[35.0, 28.5], 3, 3)
            .unwrap();
        // samples 18, ratio 2 → 9 values → 1 term of 7 values: the largest σ², plane a.
        assert_eq!(choice.ranks, vec![1, 0]);
        let choice = RankSelect::Ratio(18.0 / 21.0)
            .select(&[&a, &b], &[35.0, 28.5], 3, 3)
            .unwrap();
        // 21 values → 3 terms: 25 (a), 16 (b), 12.25 (b).
        assert_eq!(choice.ranks, vec![1, 2]);
    }

    #[test]
    fn out_of_range_parameters_are_refused() {
        for sel in [
            RankSelect::Rank(0),
            RankSelect::Energy(0.0),
            RankSelect::Energy(1.5),
            RankSelect::Psnr(-1.0),
            RankSelect::Ratio(f64::NAN),
            RankSelect::Percent(0.0),
        ] {
            assert!(sel.validate().is_err(), "{sel:?}");
        }
    }
}
