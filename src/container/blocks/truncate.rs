//! `truncate` for version-2 files: drop the least valuable terms of the whole image, without
//! any SVD.
//!
//! A term `Δ·(C⁻¹a)(C⁻¹m)ᵀ/‖a‖` (cosine coefficients; the basis keeps norms) adds Δ²·‖m‖² to
//! the block's squared norm and costs about as many bits as the encoder estimated when it kept
//! it; the encoder kept terms while that ratio, divided by
//! Δ², was above one threshold for all planes. Truncating raises the threshold: every block
//! drops its last terms while theirs is below it, so every block keeps a prefix of its terms,
//! exactly what a decoder of the original file would have summed first. The threshold is found
//! by bisection on real encoded sizes.

use super::terms::{vector_bits, BlockCodes};
use super::BlockFile;
use crate::error::Result;

/// Bisection steps on the threshold.
const SEARCH_STEPS: usize = 24;

/// What to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keep {
    /// At most this many terms in every block.
    Rank(usize),
    /// The most valuable terms whose file fits in this many bytes.
    Bytes(u64),
}

/// The value per estimated bit of every term of `codes`, in block order (normalised by Δ²).
fn term_values(codes: &BlockCodes) -> Vec<f64> {
    let n = codes.block;
    codes
        .values
        .chunks_exact(2 * n)
        .map(|t| {
            let (a, m) = t.split_at(n);
            let energy: f64 = m.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            energy / (vector_bits(a) + vector_bits(m) + 1.0)
        })
        .collect()
}

/// `codes` with every block cut to its longest prefix allowed by `keep_term(block, t, value)`.
fn cut(codes: &BlockCodes, values: &[f64], keep_term: impl Fn(usize, f64) -> bool) -> BlockCodes {
    let n = codes.block;
    let mut out = BlockCodes::new(n, codes.blocks_x, codes.blocks_y);
    out.dc.clone_from(&codes.dc);
    let mut at = 0;
    for &r in &codes.ranks {
        let r = usize::from(r);
        let mut keep = r;
        while keep > 0 && !keep_term(keep - 1, values[at + keep - 1]) {
            keep -= 1;
        }
        out.ranks.push(keep as u8);
        out.values
            .extend_from_slice(&codes.values[2 * n * at..2 * n * (at + keep)]);
        at += r;
    }
    out
}

fn with_codes(file: &BlockFile, codes: Vec<BlockCodes>) -> BlockFile {
    let mut out = file.clone();
    for (p, c) in out.planes.iter_mut().zip(codes) {
        p.codes = c;
    }
    out
}

/// The file cut as `keep` says, and its bytes. A byte budget below the file without any term
/// gives that file (the caller compares its size with the budget).
pub fn truncate(file: &BlockFile, keep: Keep) -> Result<(BlockFile, Vec<u8>)> {
    let values: Vec<Vec<f64>> = file.planes.iter().map(|p| term_values(&p.codes)).collect();
    let at_threshold = |t: f64| -> Result<(BlockFile, Vec<u8>)> {
        let codes = file
            .planes
            .iter()
            .zip(&values)
            .map(|(p, v)| cut(&p.codes, v, |_, value| value >= t))
            .collect();
        let f = with_codes(file, codes);
        let bytes = f.encode()?;
        Ok((f, bytes))
    };
    match keep {
        Keep::Rank(k) => {
            let codes = file
                .planes
                .iter()
                .zip(&values)
                .map(|(p, v)| cut(&p.codes, v, |t, _| t < k))
                .collect();
            let f = with_codes(file, codes);
            let bytes = f.encode()?;
            Ok((f, bytes))
        }
        Keep::Bytes(budget) => {
            let whole = file.encode()?;
            if whole.len() as u64 <= budget {
                return Ok((file.clone(), whole));
            }
            let all = || values.iter().flatten().copied().filter(|&v| v > 0.0);
            let top = all().fold(0.0f64, f64::max);
            let bottom = all().fold(f64::INFINITY, f64::min).min(top);
            // Above `hi` nothing is kept, below `lo` everything; bisect on a log scale.
            let (mut lo, mut hi) = (bottom * 0.5, top * 2.0 + 1.0);
            let mut best = at_threshold(hi)?;
            if best.1.len() as u64 > budget {
                return Ok(best);
            }
            for _ in 0..SEARCH_STEPS {
                let mid = (lo * hi).sqrt();
                let trial = at_threshold(mid)?;
                if trial.1.len() as u64 <= budget {
                    hi = mid;
                    best = trial;
                } else {
                    lo = mid;
                }
            }
            Ok(best)
        }
    }
}
