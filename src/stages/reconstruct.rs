//! Reconstruct: factors → planes. `U_k · diag(σ_k) · V_kᵀ` with faer's matrix product, and the
//! rank-one layers σᵢ uᵢ vᵢᵀ that partial reconstructions are sums of.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};

use crate::stages::factorize::Factors;

/// The rank-`k` approximation `Σ_{i<k} σᵢ uᵢ vᵢᵀ` (zero for k = 0), unclamped.
///
/// # Panics
/// When `k` exceeds the triplets held by `f` (a caller bug).
#[must_use]
#[track_caller]
pub fn reconstruct(f: &Factors, k: usize, par: Par) -> Mat<f32> {
    partial_sum(f, 0..k, par)
}

/// One rank-one layer `σᵢ uᵢ vᵢᵀ` (i counts from 0).
#[must_use]
#[track_caller]
pub fn layer(f: &Factors, i: usize, par: Par) -> Mat<f32> {
    partial_sum(f, i..i + 1, par)
}

/// `Σ_{i ∈ range} σᵢ uᵢ vᵢᵀ`, in blocks of rows that run side by side unless `par` is
/// [`Par::Seq`]; the result is the same either way.
#[must_use]
#[track_caller]
pub fn partial_sum(f: &Factors, range: std::ops::Range<usize>, par: Par) -> Mat<f32> {
    assert!(
        range.end <= f.rank(),
        "asked for triplets {range:?} of factors holding {}",
        f.rank()
    );
    let (m, n) = (f.u.nrows(), f.v.nrows());
    let mut out = Mat::<f32>::zeros(m, n);
    if range.is_empty() {
        return out;
    }
    let cols = range.len();
    let us = Mat::<f32>::from_fn(m, cols, |i, j| {
        f.u[(i, range.start + j)] * f.s[range.start + j] as f32
    });
    let v = f.v.get(.., range);
    // Fixed blocks of rows, each computed by faer's sequential kernel: the sums inside every
    // product are formed the same way whatever `par` and the thread count, so the pixels are too.
    let mut blocks = crate::parallel::row_blocks(out.as_mut(), BLOCK_ROWS);
    let run = |b: usize, block: &mut faer::MatMut<'_, f32>| {
        let rows = b * BLOCK_ROWS..b * BLOCK_ROWS + block.nrows();
        matmul(
            block.as_mut(),
            Accum::Replace,
            us.get(rows, ..),
            v.transpose(),
            1.0f32,
            Par::Seq,
        );
    };
    if par == Par::Seq {
        blocks
            .iter_mut()
            .enumerate()
            .for_each(|(b, block)| run(b, block));
    } else {
        crate::parallel::for_each_mut(&mut blocks, run);
    }
    crate::parallel::clear_upper();
    out
}

/// Output rows per block of [`partial_sum`].
const BLOCK_ROWS: usize = crate::stages::planes::TILE;
