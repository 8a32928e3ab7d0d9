//! Which ranks a grid shows: a fixed list, or `auto` milestones of the energy.

use super::Factorized;
use crate::error::{Error, Result};
use crate::stages::rank::{energy_rank, RankSelect};

/// Energy fractions that `--ranks auto` takes a rank for.
pub const AUTO_ENERGY: [f64; 6] = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999];

/// Percentages of min(width, height) that `--ranks auto` adds between the energy milestones.
pub const AUTO_PERCENT: [f64; 5] = [1.0, 2.0, 5.0, 10.0, 20.0];

/// Which ranks a grid shows.
#[derive(Debug, Clone, PartialEq)]
pub enum RankList {
    /// Ranks at the energy milestones [`AUTO_ENERGY`] (the smallest rank at which every plane
    /// keeps that fraction), filled in with the percentages [`AUTO_PERCENT`] of the smaller side
    /// where they fall between them.
    Auto,
    /// These ranks, each [`RankSelect::Rank`] or [`RankSelect::Percent`].
    Fixed(Vec<RankSelect>),
}

impl RankList {
    /// Checks that the list is not empty and holds only valid fixed ranks.
    pub fn validate(&self) -> Result<()> {
        let RankList::Fixed(list) = self else {
            return Ok(());
        };
        if list.is_empty() {
            return Err(Error::Parameter("the rank list is empty".into()));
        }
        for sel in list {
            match sel {
                RankSelect::Rank(_) | RankSelect::Percent(_) => sel.validate()?,
                other => {
                    return Err(Error::Parameter(format!(
                        "a grid takes ranks and percentages, not {other:?}"
                    )))
                }
            }
        }
        Ok(())
    }
}

/// The ranks a list resolves to for a plane of `rows × cols`, ascending and without repeats,
/// each with the reason it is there, and whether any had to be clamped.
pub fn resolve_ranks(list: &RankList, fz: &Factorized) -> (Vec<(usize, String)>, bool) {
    let (rows, cols) = (fz.planes.layout.height, fz.planes.layout.width);
    if let RankList::Fixed(sels) = list {
        return fixed_ranks(sels, rows, cols);
    }
    let r = rows.min(cols);
    let mut out: Vec<(usize, String)> = Vec::new();
    for &f in &AUTO_ENERGY {
        let k = fz
            .factors
            .iter()
            .zip(&fz.energies)
            .map(|(fa, &e)| energy_rank(&fa.s, e, f, fa.complete))
            .max()
            .unwrap_or(1)
            .clamp(1, r.max(1));
        push_new(&mut out, k, format!("{}% energy", f * 100.0));
    }
    let milestones: Vec<usize> = out.iter().map(|(k, _)| *k).collect();
    for &p in &AUTO_PERCENT {
        let k = RankSelect::Percent(p).fixed_rank(rows, cols).unwrap_or(1);
        let near = milestones
            .iter()
            .any(|&m| (k as f64 / m as f64).max(m as f64 / k as f64) < 1.25);
        if !near {
            push_new(&mut out, k, format!("{p}% of {r}"));
        }
    }
    out.sort_by_key(|(k, _)| *k);
    (out, false)
}

/// Adds rank `k` (and why) unless it is there already.
fn push_new(out: &mut Vec<(usize, String)>, k: usize, why: String) {
    if !out.iter().any(|(x, _)| *x == k) {
        out.push((k, why));
    }
}

/// [`resolve_ranks`] of a fixed list, for a plane of `rows × cols`: known before any SVD.
pub(super) fn fixed_ranks(
    sels: &[RankSelect],
    rows: usize,
    cols: usize,
) -> (Vec<(usize, String)>, bool) {
    let r = rows.min(cols);
    let mut clamped = false;
    let mut out: Vec<(usize, String)> = Vec::new();
    for sel in sels {
        if let RankSelect::Rank(k) = *sel {
            clamped |= k > r;
        }
        let k = sel.fixed_rank(rows, cols).unwrap_or(r).clamp(1, r.max(1));
        let why = match *sel {
            RankSelect::Percent(p) => format!("{p}% of {r}"),
            RankSelect::Rank(asked) if asked > r => format!("rank {asked}, clamped"),
            _ => format!("rank {k}"),
        };
        push_new(&mut out, k, why);
    }
    out.sort_by_key(|(k, _)| *k);
    (out, clamped)
}
