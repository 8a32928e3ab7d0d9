//! The partial method: faer's restarted Lanczos bidiagonalisation (Krylov–Schur) for the leading
//! `k` triplets only, `faer::matrix_free::eigen::partial_svd`.
//!
//! It touches the plane through matrix–vector products only, so it needs `O((rows + cols)·2k)`
//! extra memory; but those products are memory-bound, which makes it slower than the randomized
//! method on large planes (see the README's Performance section).
//!
//! The subspace (max(64, 2k) vectors) must be smaller than min(rows, cols), and the iteration
//! may stop before every wanted triplet converged: [`partial`] returns `None` in both cases and the
//! caller falls back to the exact SVD. The iteration is our copy of faer's ([`super::lanczos`]),
//! which hung on planes of low rank.

use faer::{Col, Mat, MatRef, Par};

use super::lanczos::{partial_svd, Float, MIN_DIM};
use crate::random::SplitMix64;

/// Residual tolerance, relative to ‖A‖_F: a triplet is locked once ‖A·v − σ·u‖ is below it.
/// The error of σ is of the order of the residual squared over the gap, far below 1e-3·σ.
const RELATIVE_TOLERANCE: f64 = 1e-5;

/// The fewest guard triplets computed beyond the k wanted (at least k/10).
const GUARD: usize = 10;

/// Restarts before giving up (and falling back to the exact SVD).
const MAX_RESTARTS: usize = 1000;

/// Whether the partial SVD can run for `k` triplets of an `m`×`n` plane: its subspace
/// (max(64, 2k) vectors) must be smaller than min(m, n).
#[must_use]
pub(super) fn applicable(k: usize, m: usize, n: usize) -> bool {
    (2 * k).max(2 * MIN_DIM) < m.min(n)
}

/// The leading `k` triplets, or `None` when the method does not apply or did not converge.
/// Always sequential: see [`super::lanczos`].
pub(super) fn partial<T: Float>(
    a: MatRef<'_, T>,
    k: usize,
    norm: f64,
    seed: u64,
    _par: Par,
) -> Option<(Mat<T>, Vec<f64>, Mat<T>)> {
    let (m, n) = a.shape();
    if k == 0 || !applicable(k, m, n) {
        return None;
    }
    let want = k;
    // Guard triplets: Krylov–Schur locks triplets as they converge and can lock σ_(k+1) before a
    // σ_i (i ≤ k) has appeared, which skips it (measured on photos of texture and sky: ‖A − A_k‖
    // 0.6–1.9 % above the optimum). Asking for more and keeping the k largest prevents it.
    let guarded = k + (k / 10).max(GUARD);
    let k = if applicable(guarded, m, n) {
        guarded
    } else {
        k
    };
    let mut rng = SplitMix64::new(seed);
    let v0 = Col::<T>::from_fn(n, |_| T::from(rng.normal() as f32));
    let mut u = Mat::<T>::zeros(m, k);
    let mut v = Mat::<T>::zeros(n, k);
    let mut s = vec![T::from(0.0); k];
    let tol = T::from((RELATIVE_TOLERANCE * norm) as f32);
    let converged = partial_svd(
        u.as_mut(),
        v.as_mut(),
        &mut s,
        a,
        v0.as_ref(),
        tol,
        MAX_RESTARTS,
        seed,
    );
    if converged < k {
        return None;
    }
    let s: Vec<f64> = s.into_iter().map(|x| Into::<f64>::into(x).abs()).collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| s[j].total_cmp(&s[i]));
    order.truncate(want);
    let u = Mat::<T>::from_fn(m, want, |i, j| u[(i, order[j])]);
    let v = Mat::<T>::from_fn(n, want, |i, j| v[(i, order[j])]);
    let s = order.iter().map(|&i| s[i]).collect();
    Some((u, s, v))
}
