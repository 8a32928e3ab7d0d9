//! Reconstruct: factors → planes. `U_k · diag(σ_k) · V_kᵀ` with faer's matrix product, and the
//! rank-one layers σᵢ uᵢ vᵢᵀ that partial reconstructions are sums of.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};

use crate::factorize::Factors;

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

/// `Σ_{i ∈ range} σᵢ uᵢ vᵢᵀ`.
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
    matmul(
        out.as_mut(),
        Accum::Replace,
        us.as_ref(),
        v.transpose(),
        1.0f32,
        par,
    );
    out
}
