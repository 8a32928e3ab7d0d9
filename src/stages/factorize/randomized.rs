//! The randomized method: the Halko–Martinsson–Tropp range finder, in its block Krylov form
//! (Musco & Musco 2015), run as block Lanczos.
//!
//! A seeded Gaussian sketch `Ω` (cols × l, l = k + oversampling) is multiplied into the plane,
//! `Y₀ = orth(A·Ω)`, and `q` further blocks follow, `Yᵢ₊₁ = orth((I − Q·Qᵀ)·A·orth(Aᵀ·Yᵢ))`, each
//! orthogonalised against every earlier block (block Gram–Schmidt, twice) and re-orthonormalised
//! (Householder QR) so that single precision loses nothing. The whole Krylov basis
//! `Q = [Y₀ … Y_q]` ((q + 1)·l columns) is kept: at the same number of passes over the plane, it
//! gives singular values one to two orders of magnitude more accurate than plain subspace
//! iteration on photographs, whose spectra decay slowly (README, Performance). Because the blocks
//! are orthogonal to each other, the products `Aᵀ·Yᵢ` that drive the iteration are also the blocks
//! of the projection `Bᵀ = Aᵀ·Q`: the basis and its projection cost 2q + 2 products of width l,
//! with no further pass over the plane. The leading triplets then come from the f64 eigenpairs of
//! the small `B·Bᵀ` (`A ≈ Q·B = (Q·Ũ)·Σ·Vᵀ`, `V = Bᵀ·Ũ·Σ⁻¹`), or from the SVD of `Bᵀ` when the
//! plane has lower rank than k.
//!
//! Every step is a matrix product or a QR: BLAS-3 work that keeps only
//! `O((rows + cols)·(q + 1)·l)` extra memory. Products run in fixed blocks of rows (or columns)
//! by faer's sequential kernel, QRs in a fixed number of tasks, and the sketch comes from our own
//! generator (SplitMix64 + Box–Muller) filled in a fixed order: the same seed gives the same
//! factors on any number of threads.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
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
    let width = l * (params.power_iters + 1);
    debug_assert!(width <= m.min(n), "the Krylov basis fits");
    let (mut q, mut bt) = krylov_basis(a, l, params, par)?;
    if !orthonormal(q.as_ref(), par) {
        // Block Gram–Schmidt lost orthogonality (a plane of very low rank, where later blocks
        // hold little but rounding): one Householder QR of the whole basis, and Aᵀ·Q again.
        q = orthonormalize(q)?;
        bt = product_t(a, q.as_ref(), par);
    }
    let k = k.min(width);
    let (s, ut, v) = project(bt, k, (m, n), par)?;
    let u = product(q.as_ref(), ut.as_ref(), par);
    Ok((u, s, v))
}

/// The block Krylov basis `Q = [Y₀ … Y_q]` (rows × (q + 1)·l, orthonormal columns) and `Aᵀ·Q`.
///
/// Block Lanczos with full reorthogonalisation: `Y₀ = orth(A·Ω)`, then
/// `Yᵢ₊₁ = orth((I − Q·Qᵀ)·A·orth(Aᵀ·Yᵢ))` against every earlier block. Each `Aᵀ·Yᵢ` is needed to
/// continue the iteration and is also the block of `Aᵀ·Q` that the projection needs, so the
/// basis costs 2q + 2 products of width l and no further pass over the plane. The span is the
/// block Krylov space of the plain method (`orth([Y₀, orth(A·orth(Aᵀ·Y₀)), …])`), reached with
/// two passes over the plane fewer.
fn krylov_basis<T: Real>(
    a: MatRef<'_, T>,
    l: usize,
    params: &RandomizedParams,
    par: Par,
) -> Result<(Mat<T>, Mat<T>)> {
    let (m, n) = a.shape();
    let blocks = params.power_iters + 1;
    let mut rng = SplitMix64::new(params.seed);
    let omega = Mat::<T>::from_fn(n, l, |_, _| T::from(rng.normal() as f32));
    let mut next = product(a, omega.as_ref(), par);
    drop(omega);
    let mut q = Mat::<T>::zeros(m, l * blocks);
    let mut bt = Mat::<T>::zeros(n, l * blocks);
    for i in 0..blocks {
        let cols = i * l..(i + 1) * l;
        let y = orthonormalize_against(q.get(.., 0..i * l), next, par)?;
        q.get_mut(.., cols.clone()).copy_from(&y);
        let aty = product_t(a, y.as_ref(), par);
        bt.get_mut(.., cols).copy_from(&aty);
        if i + 1 < blocks {
            let z = orthonormalize(aty)?;
            next = product(a, z.as_ref(), par);
        } else {
            // Nothing follows the last block.
            next = Mat::zeros(0, 0);
        }
    }
    drop(next);
    Ok((q, bt))
}

/// An orthonormal basis of the columns of `x` with the span of `prev` (orthonormal columns)
/// projected out first, twice (block classical Gram–Schmidt with reorthogonalisation).
fn orthonormalize_against<T: Real>(prev: MatRef<'_, T>, mut x: Mat<T>, par: Par) -> Result<Mat<T>> {
    if prev.ncols() > 0 {
        for _ in 0..2 {
            let c = product(prev.transpose(), x.as_ref(), Par::Seq);
            let pc = product(prev, c.as_ref(), par);
            x -= pc;
        }
    }
    orthonormalize(x)
}

/// Whether the columns of `q` are orthonormal to well within the accuracy the method needs
/// (‖QᵀQ − I‖_max ≤ 1e-3 in f32).
fn orthonormal<T: Real>(q: MatRef<'_, T>, par: Par) -> bool {
    let g = gram(q, par);
    let w = g.nrows();
    (0..w).all(|j| {
        (0..w).all(|i| {
            let want = if i == j { 1.0 } else { 0.0 };
            let got: f64 = g[(i, j)].into();
            (got - want).abs() <= 1e-3
        })
    })
}

/// The leading `k` triplets of `Bᵀ = Aᵀ·Q` (cols × w): `σ`, `Ũ` (w × k) and `V` (cols × k), with
/// `A ≈ Q·B = (Q·Ũ)·Σ·Vᵀ`.
///
/// `BᵀB`'s eigenpairs in f64 give `Ũ` and `σ²`, and `V = Bᵀ·Ũ·Σ⁻¹`: a w × w symmetric
/// eigenproblem instead of the SVD of a tall cols × w matrix. Squaring costs nothing that
/// matters in f64 while σ_k ≥ 1e-5·σ₁ (the relative error of σ_k grows like ε·(σ₁/σ_k)², and of
/// vᵢ like ε·(σ₁/σᵢ)²); below that — a plane of lower rank than k — the SVD of `Bᵀ` runs instead.
fn project<T: Real>(
    bt: Mat<T>,
    k: usize,
    (m, n): (usize, usize),
    par: Par,
) -> Result<(Vec<f64>, Mat<T>, Mat<T>)> {
    let w = bt.ncols();
    let bt64 = Mat::<f64>::from_fn(n, w, |i, j| bt[(i, j)].into());
    drop(bt);
    let g = gram(bt64.as_ref(), par);
    if let Some((s, ut)) = leading_eigenpairs(g, k) {
        let scaled = Mat::<f64>::from_fn(w, k, |i, j| ut[(i, j)] / s[j]);
        let v64 = product(bt64.as_ref(), scaled.as_ref(), par);
        let ut = Mat::<T>::from_fn(w, k, |i, j| T::from(ut[(i, j)] as f32));
        let v = Mat::<T>::from_fn(n, k, |i, j| T::from(v64[(i, j)] as f32));
        return Ok((s, ut, v));
    }
    // Fixed tasks, as in `orthonormalize`.
    let (vw, sigma, ut_full) =
        super::exact::svd_in::<f64>(bt64.as_ref(), crate::parallel::par(super::exact::TASKS))
            .map_err(|_| Error::NoConvergence(format!("{m}×{n} plane (randomized projection)")))?;
    let s: Vec<f64> = sigma.iter().take(k).map(|x| x.max(0.0)).collect();
    let ut = Mat::<T>::from_fn(w, k, |i, j| T::from(ut_full[(i, j)] as f32));
    let v = Mat::<T>::from_fn(n, k, |i, j| T::from(vw[(i, j)] as f32));
    Ok((s, ut, v))
}

/// The `k` largest eigenvalues' square roots (non-increasing) and their eigenvectors of the
/// symmetric positive semi-definite `g`; `None` when σ_k < 1e-5·σ₁ (or the eigensolver fails).
fn leading_eigenpairs(g: Mat<f64>, k: usize) -> Option<(Vec<f64>, Mat<f64>)> {
    let w = g.nrows();
    let mut vals = faer::diag::Diag::<f64>::zeros(w);
    let mut vecs = Mat::<f64>::zeros(w, w);
    let req =
        self_adjoint_evd_scratch::<f64>(w, ComputeEigenvectors::Yes, Par::Seq, Default::default());
    let mut mem = MemBuffer::try_new(req).ok()?;
    self_adjoint_evd(
        g.as_ref(),
        vals.as_mut(),
        Some(vecs.as_mut()),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .ok()?;
    crate::parallel::clear_upper();
    // Ascending order from faer: the largest are last.
    let order: Vec<usize> = (0..w).rev().take(k).collect();
    let s: Vec<f64> = order.iter().map(|&i| vals[i].max(0.0).sqrt()).collect();
    let (first, last) = (s.first().copied()?, s.last().copied()?);
    if !(first > 0.0 && last >= 1e-5 * first && s.windows(2).all(|p| p[0] >= p[1])) {
        return None;
    }
    let ut = Mat::<f64>::from_fn(w, k, |i, j| vecs[(i, order[j])]);
    Some((s, ut))
}

/// `xᵀ·x` for a tall `x`, summed over fixed chunks of [`BLOCK_ROWS`] rows in order (chunks
/// side by side), so the result does not depend on the thread count.
fn gram<T: Real>(x: MatRef<'_, T>, par: Par) -> Mat<T> {
    let w = x.ncols();
    let parts = in_blocks(x.nrows(), par, |rows| {
        let part = x.get(rows, ..);
        let mut g = Mat::<T>::zeros(w, w);
        matmul(
            g.as_mut(),
            Accum::Replace,
            part.transpose(),
            part,
            T::from(1.0),
            Par::Seq,
        );
        g
    });
    let mut g = Mat::<T>::zeros(w, w);
    for part in &parts {
        g += part;
    }
    g
}

/// `aᵀ·y` (cols × l) for a rows × cols `a`, computed as `(yᵀ·a)ᵀ` in blocks of
/// [`BLOCK_ROWS`] columns of `a`, each by faer's sequential kernel (blocks side by side unless
/// `par` is [`Par::Seq`]): the plane is then read column by column, as it is stored, which runs
/// about a third faster than the transposed product.
pub(super) fn product_t<T: Real>(a: MatRef<'_, T>, y: MatRef<'_, T>, par: Par) -> Mat<T> {
    let (n, l) = (a.ncols(), y.ncols());
    let parts = in_blocks(n, par, |cols| {
        let mut out = Mat::<T>::zeros(l, cols.len());
        let part = a.get(.., cols);
        matmul(
            out.as_mut(),
            Accum::Replace,
            y.transpose(),
            part,
            T::from(1.0),
            Par::Seq,
        );
        out
    });
    let mut out = Mat::<T>::zeros(n, l);
    for (b, part) in parts.iter().enumerate() {
        let start = b * BLOCK_ROWS;
        out.get_mut(start..start + part.ncols(), ..)
            .copy_from(part.transpose());
    }
    out
}

/// Rows of one block of [`product`]: fixed, so that results do not depend on the thread count.
const BLOCK_ROWS: usize = 512;

/// `lhs · rhs` into a new matrix, in blocks of [`BLOCK_ROWS`] output rows, each computed by
/// faer's sequential kernel; `par` only decides whether blocks run side by side. faer's own
/// parallel product splits its sums differently for different thread counts, which would change
/// the last bits of the factors (and the output image) with `--threads`.
pub(super) fn product<T: Real>(lhs: MatRef<'_, T>, rhs: MatRef<'_, T>, par: Par) -> Mat<T> {
    let (m, l) = (lhs.nrows(), rhs.ncols());
    let parts = in_blocks(m, par, |rows| {
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
    });
    let mut out = Mat::<T>::zeros(m, l);
    for (b, part) in parts.iter().enumerate() {
        let start = b * BLOCK_ROWS;
        out.get_mut(start..start + part.nrows(), ..).copy_from(part);
    }
    out
}

/// `block(range)` for the fixed blocks of [`BLOCK_ROWS`] indices that cover `0..len`, in
/// order: side by side unless `par` is [`Par::Seq`]. The blocks, not the threads, decide how
/// every sum is split, so the results are the same with any thread count.
fn in_blocks<T: Real>(
    len: usize,
    par: Par,
    block: impl Fn(std::ops::Range<usize>) -> Mat<T> + Sync + Send,
) -> Vec<Mat<T>> {
    let starts: Vec<usize> = (0..len).step_by(BLOCK_ROWS).collect();
    let one = |&s: &usize| block(s..(s + BLOCK_ROWS).min(len));
    let parts = if par == Par::Seq {
        starts.iter().map(one).collect()
    } else {
        crate::parallel::map(&starts, one)
    };
    crate::parallel::clear_upper();
    parts
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

    /// Σ σᵢ xᵢ yᵢᵀ (σᵢ = 0.8^i, i < rank) plus Gaussian noise of standard deviation `noise`.
    fn low_rank(m: usize, n: usize, rank: usize, noise: f64, seed: u64) -> Mat<f32> {
        let mut rng = SplitMix64::new(seed);
        let x = Mat::<f64>::from_fn(m, rank, |_, _| rng.normal() / (m as f64).sqrt());
        let y = Mat::<f64>::from_fn(n, rank, |_, _| rng.normal() / (n as f64).sqrt());
        let xs = Mat::<f64>::from_fn(m, rank, |i, j| x[(i, j)] * 0.8f64.powi(j as i32));
        let a = product(xs.as_ref(), y.transpose(), Par::Seq);
        Mat::<f32>::from_fn(m, n, |i, j| (a[(i, j)] + noise * rng.normal()) as f32)
    }

    #[test]
    fn transposed_product_equals_the_plain_one() {
        let a = low_rank(300, 700, 20, 0.01, 5);
        let mut rng = SplitMix64::new(6);
        let y = Mat::<f32>::from_fn(300, 13, |_, _| rng.normal() as f32);
        let fast = product_t(a.as_ref(), y.as_ref(), Par::Seq);
        let plain = product(a.transpose(), y.as_ref(), Par::Seq);
        assert!((fast - plain).norm_l2() < 1e-4);
    }

    #[test]
    fn block_lanczos_basis_is_orthonormal_and_its_projection_is_a_transpose_q() {
        let a = low_rank(400, 600, 60, 1e-3, 7);
        let params = RandomizedParams::default();
        let (q, bt) = krylov_basis(a.as_ref(), 30, &params, Par::Seq).unwrap();
        assert_eq!(
            (q.nrows(), q.ncols(), bt.nrows(), bt.ncols()),
            (400, 120, 600, 120)
        );
        assert!(orthonormal(q.as_ref(), Par::Seq));
        let qtq = gram(q.as_ref(), Par::Seq);
        let off = (qtq - Mat::<f32>::identity(120, 120)).norm_max();
        assert!(off < 1e-5, "‖QᵀQ − I‖_max = {off}");
        let again = product_t(a.as_ref(), q.as_ref(), Par::Seq);
        assert!((again - bt).norm_l2() < 1e-4 * a.norm_l2());
    }

    #[test]
    fn planes_of_lower_rank_than_k_come_out_exact() {
        // Rank 3 and k = 20: the basis runs out of directions and the projection's smallest
        // values are zero (the eigenproblem's refusal and the SVD fallback).
        let a = low_rank(300, 400, 3, 0.0, 8);
        let (u, s, v) = randomized(a.as_ref(), 20, &RandomizedParams::default(), Par::Seq).unwrap();
        assert_eq!(s.len(), 20);
        for (i, &x) in s.iter().take(3).enumerate() {
            assert!(x > 0.1, "σ{} = {x}", i + 1);
        }
        assert!(s[3..].iter().all(|&x| x < 1e-4 * s[0]), "{s:?}");
        let us = Mat::<f32>::from_fn(300, 3, |i, j| u[(i, j)] * s[j] as f32);
        let back = product(us.as_ref(), v.get(.., 0..3).transpose(), Par::Seq);
        assert!((back - &a).norm_l2() < 1e-4 * a.norm_l2());
    }

    #[test]
    fn leading_eigenpairs_are_the_singular_values_of_the_projection() {
        let b = low_rank(200, 40, 40, 0.0, 9);
        let b64 = Mat::<f64>::from_fn(200, 40, |i, j| f64::from(b[(i, j)]));
        let (s, _) = leading_eigenpairs(gram(b64.as_ref(), Par::Seq), 10).unwrap();
        let (_, exact, _) = super::super::exact::svd_in::<f64>(b64.as_ref(), Par::Seq).unwrap();
        for i in 0..10 {
            assert!((s[i] - exact[i]).abs() < 1e-10 * exact[0], "σ{}", i + 1);
        }
        // A value below 1e-5·σ₁ among the k wanted: refused (the SVD runs instead).
        let low = low_rank(200, 40, 5, 0.0, 10);
        let low64 = Mat::<f64>::from_fn(200, 40, |i, j| f64::from(low[(i, j)]));
        assert!(leading_eigenpairs(gram(low64.as_ref(), Par::Seq), 10).is_none());
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
