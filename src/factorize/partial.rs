//! The partial method: faer's restarted Lanczos bidiagonalisation (Krylov–Schur) for the leading
//! `k` triplets only, `faer::matrix_free::eigen::partial_svd`.
//!
//! It touches the plane through matrix–vector products only, so it needs `O((rows + cols)·2k)`
//! extra memory; but those products are memory-bound, which makes it slower than the randomized
//! method on large planes (see the README's Performance section).
//!
//! faer panics unless its subspace (max(64, 2k) vectors) is smaller than min(rows, cols), and it
//! may stop before every wanted triplet converged: [`partial`] returns `None` in both cases and the
//! caller falls back to the exact SVD.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::eigen::{partial_svd, partial_svd_scratch, PartialEigenParams};
use faer::{Col, Mat, MatRef, Par};

use super::randomized::SplitMix64;
use super::Real;

/// Residual tolerance, relative to ‖A‖_F: a triplet is locked once ‖A·v − σ·u‖ is below it.
/// The error of σ is of the order of the residual squared over the gap, far below 1e-3·σ.
const RELATIVE_TOLERANCE: f64 = 1e-5;

/// Smallest subspace faer uses, whatever k.
const MIN_SUBSPACE: usize = 64;

/// Whether faer's partial SVD can run for `k` triplets of an `m`×`n` plane.
#[must_use]
pub(super) fn applicable(k: usize, m: usize, n: usize) -> bool {
    (2 * k).max(MIN_SUBSPACE) < m.min(n)
}

/// The leading `k` triplets, or `None` when the method does not apply or did not converge.
pub(super) fn partial<T: Real>(
    a: MatRef<'_, T>,
    k: usize,
    norm: f64,
    seed: u64,
    par: Par,
) -> Option<(Mat<T>, Vec<f64>, Mat<T>)> {
    let (m, n) = a.shape();
    if k == 0 || !applicable(k, m, n) {
        return None;
    }
    let params = PartialEigenParams {
        max_restarts: 1000,
        ..Default::default()
    };
    let mut rng = SplitMix64::new(seed);
    let v0 = Col::<T>::from_fn(n, |_| T::from(rng.normal() as f32));
    let req = partial_svd_scratch::<T>(&a, k, par, params);
    let mut mem = MemBuffer::try_new(req).ok()?;
    let mut u = Mat::<T>::zeros(m, k);
    let mut v = Mat::<T>::zeros(n, k);
    let mut s = vec![T::from(0.0); k];
    let tol = T::from((RELATIVE_TOLERANCE * norm) as f32);
    let info = partial_svd(
        u.as_mut(),
        v.as_mut(),
        &mut s,
        &a,
        v0.as_ref(),
        tol,
        par,
        MemStack::new(&mut mem),
        params,
    );
    if info.n_converged_eigen < k {
        return None;
    }
    let s: Vec<f64> = s.into_iter().map(|x| Into::<f64>::into(x).abs()).collect();
    Some((u, s, v))
}
