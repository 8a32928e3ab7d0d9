//! The randomized method: the Halko–Martinsson–Tropp range finder, in its block Krylov form
//! (Musco & Musco 2015).
//!
//! A seeded Gaussian sketch `Ω` (cols × l, l = k + oversampling) is multiplied into the plane,
//! `Y₀ = orth(A·Ω)`, and `q` power iterations `Yᵢ = orth(A·orth(Aᵀ·Yᵢ₋₁))` follow, re-orthonormalised
//! (Householder QR) after every product so that single precision loses nothing. Instead of keeping
//! only the last block, the whole Krylov basis `Q = orth([Y₀ … Y_q])` ((q + 1)·l columns) is kept:
//! at the same number of passes over the plane, it gives singular values one to two orders of
//! magnitude more accurate than plain subspace iteration on photographs, whose spectra decay
//! slowly (README, Performance). The leading triplets then come from the exact SVD of the small
//! projection `Bᵀ = Aᵀ·Q` (cols × (q + 1)·l), computed in `f64`: `A ≈ Q·B = (Q·Ũ)·Σ·Wᵀ`.
//!
//! Every step is a matrix product or a QR: BLAS-3 work that reads the plane `2q + 2` times and
//! keeps only `O((rows + cols)·(q + 1)·l)` extra memory. The sketch comes from our own generator
//! (SplitMix64 + Box–Muller), filled in a fixed order, so the same seed gives the same factors.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::householder::{
    apply_block_householder_sequence_on_the_left_in_place_scratch,
    apply_block_householder_sequence_on_the_left_in_place_with_conj,
};
use faer::linalg::matmul::matmul;
use faer::linalg::qr::no_pivoting::factor::{
    qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::{Accum, Conj, Mat, MatRef, Par};
use serde::Serialize;

use super::Real;
use crate::error::{Error, Result};
use crate::random::SplitMix64;

/// Tuning of the randomized method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RandomizedParams {
    /// Extra sketch columns beyond the k wanted, as a percentage of k (at least
    /// [`RandomizedParams::MIN_OVERSAMPLE`] columns are always added).
    ///
    /// Default: 10 (l = k + max(10, k/10)).
    pub oversample_percent: usize,
    /// Power iterations: each reads the plane twice and adds one block to the Krylov basis.
    ///
    /// Default: 3.
    pub power_iters: usize,
    /// Seed of the Gaussian sketch: the same seed gives the same factors.
    ///
    /// Default: `0x5EED`.
    pub seed: u64,
}

impl RandomizedParams {
    /// The fewest extra sketch columns, whatever the percentage.
    pub const MIN_OVERSAMPLE: usize = 10;

    /// Columns of the Gaussian sketch (one block of the Krylov basis) for `k` triplets.
    #[must_use]
    pub fn block_width(&self, k: usize) -> usize {
        let extra = (k * self.oversample_percent)
            .div_ceil(100)
            .max(Self::MIN_OVERSAMPLE);
        k + extra
    }

    /// Columns of the whole Krylov basis for `k` triplets: one block per power iteration, plus
    /// the sketch itself. The method applies while this is below min(rows, cols).
    #[must_use]
    pub fn sketch_width(&self, k: usize) -> usize {
        self.block_width(k) * (self.power_iters + 1)
    }
}

impl Default for RandomizedParams {
    fn default() -> Self {
        RandomizedParams {
            oversample_percent: 10,
            power_iters: 3,
            seed: 0x5EED,
        }
    }
}

/// The leading `k` triplets of `a` (in `T`): `U` (rows × k), `σ` (k, in f64), `V` (cols × k).
pub(super) fn randomized<T: Real>(
    a: MatRef<'_, T>,
    k: usize,
    params: &RandomizedParams,
    par: Par,
) -> Result<(Mat<T>, Vec<f64>, Mat<T>)> {
    let (m, n) = a.shape();
    let l = params.block_width(k);
    debug_assert!(
        l * (params.power_iters + 1) <= m.min(n),
        "the Krylov basis fits"
    );
    let mut rng = SplitMix64::new(params.seed);
    let omega = Mat::<T>::from_fn(n, l, |_, _| T::from(rng.normal() as f32));

    // The block Krylov basis [Y₀, Y₁, …, Y_q], Yᵢ = orth(A·orth(Aᵀ·Yᵢ₋₁)).
    let mut block = orthonormalize(product(a, omega.as_ref(), par))?;
    drop(omega);
    let width = l * (params.power_iters + 1);
    let mut basis = Mat::<T>::zeros(m, width);
    basis.get_mut(.., 0..l).copy_from(&block);
    for i in 1..=params.power_iters {
        let z = orthonormalize(product(a.transpose(), block.as_ref(), par))?;
        block = orthonormalize(product(a, z.as_ref(), par))?;
        basis.get_mut(.., i * l..(i + 1) * l).copy_from(&block);
    }
    drop(block);
    let q = orthonormalize(basis)?;
    let bt = product(a.transpose(), q.as_ref(), par);
    let bt64 = Mat::<f64>::from_fn(n, width, |i, j| bt[(i, j)].into());
    drop(bt);
    // Fixed tasks, as in `orthonormalize`.
    let (w, sigma, ut_full) =
        super::exact::svd_in::<f64>(bt64.as_ref(), crate::parallel::par(super::exact::TASKS))
            .map_err(|_| Error::NoConvergence(format!("{m}×{n} plane (randomized projection)")))?;
    drop(bt64);
    let k = k.min(width);
    let s: Vec<f64> = sigma.iter().take(k).map(|x| x.max(0.0)).collect();
    let ut = Mat::<T>::from_fn(width, k, |i, j| T::from(ut_full[(i, j)] as f32));
    let v = Mat::<T>::from_fn(n, k, |i, j| T::from(w[(i, j)] as f32));
    let u = product(q.as_ref(), ut.as_ref(), par);
    Ok((u, s, v))
}

/// Rows of one block of [`product`]: fixed, so that results do not depend on the thread count.
const BLOCK_ROWS: usize = 512;

/// `lhs · rhs` into a new matrix, in blocks of [`BLOCK_ROWS`] output rows, each computed by
/// faer's sequential kernel; `par` only decides whether blocks run side by side. faer's own
/// parallel product splits its sums differently for different thread counts, which would change
/// the last bits of the factors (and the output image) with `--threads`.
pub(super) fn product<T: Real>(lhs: MatRef<'_, T>, rhs: MatRef<'_, T>, par: Par) -> Mat<T> {
    let (m, l) = (lhs.nrows(), rhs.ncols());
    let blocks: Vec<usize> = (0..m.div_ceil(BLOCK_ROWS)).collect();
    let block = |&b: &usize| {
        let rows = b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(m);
        let mut out = Mat::<T>::zeros(rows.len(), l);
        let part = lhs.get(rows, ..);
        matmul(
            out.as_mut(),
            Accum::Replace,
            part,
            rhs,
            T::from(1.0),
            Par::Seq,
        );
        out
    };
    let parts: Vec<Mat<T>> = if par == Par::Seq {
        blocks.iter().map(block).collect()
    } else {
        crate::parallel::map(&blocks, block)
    };
    let mut out = Mat::<T>::zeros(m, l);
    for (b, part) in parts.iter().enumerate() {
        let start = b * BLOCK_ROWS;
        out.get_mut(start..start + part.nrows(), ..).copy_from(part);
    }
    crate::parallel::clear_upper();
    out
}

/// An orthonormal basis of the columns of `y` (rows ≥ cols), by Householder QR, split into the
/// fixed [`super::exact::TASKS`] parallel tasks: faer's result depends on that number, not on
/// the threads that run them, so the factors are the same with any thread count.
pub(super) fn orthonormalize<T: Real>(mut y: Mat<T>) -> Result<Mat<T>> {
    let par = crate::parallel::par(super::exact::TASKS);
    let (m, l) = y.shape();
    debug_assert!(m >= l, "a basis of {l} columns in {m} dimensions");
    let bs = recommended_block_size::<T>(m, l);
    let mut coeff = Mat::<T>::zeros(bs, l);
    let req = StackReq::any_of(&[
        qr_in_place_scratch::<T>(m, l, bs, par, Default::default()),
        apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(m, bs, l),
    ]);
    let mut mem = MemBuffer::try_new(req)
        .map_err(|_| Error::Limits(format!("not enough memory to orthonormalise {m}×{l}")))?;
    let stack = MemStack::new(&mut mem);
    qr_in_place(y.as_mut(), coeff.as_mut(), par, stack, Default::default());
    let mut q = Mat::<T>::identity(m, l);
    apply_block_householder_sequence_on_the_left_in_place_with_conj(
        y.as_ref(),
        coeff.as_ref(),
        Conj::No,
        q.as_mut(),
        par,
        stack,
    );
    crate::parallel::clear_upper();
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_have_unit_variance_and_repeat_from_the_seed() {
        let mut a = SplitMix64::new(7);
        let xs: Vec<f64> = (0..20_000).map(|_| a.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
        let mut b = SplitMix64::new(7);
        assert!(xs.iter().take(100).all(|&x| x == b.normal()));
    }

    #[test]
    fn orthonormalize_gives_orthonormal_columns_spanning_the_input() {
        let mut rng = SplitMix64::new(3);
        let y = Mat::<f64>::from_fn(50, 7, |_, _| rng.normal());
        let q = orthonormalize(y.clone()).unwrap();
        let qtq = product(q.transpose(), q.as_ref(), Par::Seq);
        for i in 0..7 {
            for j in 0..7 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((qtq[(i, j)] - want).abs() < 1e-12);
            }
        }
        // Y = Q·(QᵀY): the span is the same.
        let qty = product(q.transpose(), y.as_ref(), Par::Seq);
        let back = product(q.as_ref(), qty.as_ref(), Par::Seq);
        assert!((back - y).norm_l2() < 1e-10);
    }
}
