//! The Krylov–Schur partial SVD (restarted Golub–Kahan–Lanczos bidiagonalisation with full
//! reorthogonalisation): faer 0.24's `partial_svd` for real matrices, with one change.
//!
//! **Why a copy.** faer's Lanczos step re-orthogonalises each new vector until every projection
//! `r` satisfies `|r| < f·‖x‖`. When the Krylov space is exhausted, which happens on any plane
//! of numerical rank below the subspace size (a flat colour, a gradient, stripes, a single
//! line), the new vector becomes exactly zero, `0 < 0` never holds, and the loop never ends:
//! `svdimg compress flat.png` hung at 100 % CPU. Here, as in ARPACK:
//! - a projection counts as converged when `|r| ≤ f·‖x‖`, and at most [`MAX_PASSES`] passes run;
//! - an exhausted direction (norm zero, or not finite) gets a bidiagonal entry of zero and is
//!   replaced by a fresh seeded random vector orthogonalised against the basis, so the
//!   iteration goes on in the orthogonal complement and the zero singular values come out as
//!   zeros.
//!
//! Every other step is faer's, in the same order and with the same faer kernels, so results on
//! every plane that did not hang are unchanged (checked against faer on photos, see tests).
//!
//! Derived from faer (<https://github.com/sarah-quinones/faer-rs>, `src/operator/svd/mod.rs`,
//! `src/operator/eigen/mod.rs`), Copyright (c) 2022 sarah quiñones, MIT licence:
//! Permission is hereby granted, free of charge, to any person obtaining a copy of this software
//! and associated documentation files (the "Software"), to deal in the Software without
//! restriction, including without limitation the rights to use, copy, modify, merge, publish,
//! distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
//! Software is furnished to do so, subject to the following conditions: The above copyright
//! notice and this permission notice shall be included in all copies or substantial portions of
//! the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
//! IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
//! PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
//! LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
//! OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
//! DEALINGS IN THE SOFTWARE.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Accum, ColMut, ColRef, Mat, MatMut, MatRef, Par};

use super::Real;
use crate::random::SplitMix64;

/// Smallest subspace, whatever k (faer's `MIN_DIM`).
pub(super) const MIN_DIM: usize = 32;

/// Re-orthogonalisation passes per new vector at most (one or two are the rule).
pub(super) const MAX_PASSES: usize = 8;

/// Arithmetic the port needs beyond [`Real`].
pub(crate) trait Float:
    Real
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::MulAssign
    + std::ops::SubAssign
{
    /// Machine epsilon.
    const EPS: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// |x|.
    fn abs_value(self) -> Self;
    /// From a count.
    fn from_usize(n: usize) -> Self;
}

impl Float for f32 {
    const EPS: Self = f32::EPSILON;
    const MIN_POSITIVE: Self = f32::MIN_POSITIVE;
    fn abs_value(self) -> Self {
        self.abs()
    }
    fn from_usize(n: usize) -> Self {
        n as f32
    }
}

impl Float for f64 {
    const EPS: Self = f64::EPSILON;
    const MIN_POSITIVE: Self = f64::MIN_POSITIVE;
    fn abs_value(self) -> Self {
        self.abs()
    }
    fn from_usize(n: usize) -> Self {
        n as f64
    }
}

/// The `n_sval` leading singular triplets of `a`, written into `u`, `s`, `v`, from the start
/// vector `v0`; returns how many converged (faer's `partial_svd` with default subspace sizes).
#[allow(clippy::too_many_arguments)]
pub(super) fn partial_svd<T: Float>(
    mut u: MatMut<'_, T>,
    mut v: MatMut<'_, T>,
    s: &mut [T],
    a: MatRef<'_, T>,
    v0: ColRef<'_, T>,
    tol: T,
    restarts: usize,
    seed: u64,
) -> usize {
    let (m, n) = a.shape();
    let r = m.min(n);
    let n_sval = s.len().min(r);
    if r == 0 || n_sval == 0 {
        return 0;
    }
    let min_dim = MIN_DIM.max(n_sval).min(r);
    let max_dim = (2 * MIN_DIM).max(2 * n_sval).min(r);
    assert!(
        max_dim < r,
        "subspace {max_dim} must be below min(rows, cols) = {r}"
    );
    let mut lz = Lanczos {
        a,
        h: Mat::zeros(max_dim, max_dim + 1),
        p: Mat::zeros(m, max_dim),
        q: Mat::zeros(n, max_dim + 1),
        rng: SplitMix64::new(seed ^ 0x1A2C_205B_D0E5),
    };
    let mut tmp = Mat::<T>::zeros(m.max(n), max_dim);
    let mut x = Mat::<T>::zeros(max_dim, max_dim);
    let mut y = Mat::<T>::zeros(max_dim, max_dim);
    let mut residual = vec![T::from(0.0); max_dim];
    let mut svd_mem = MemBuffer::new(svd_scratch::<T>(
        max_dim,
        max_dim,
        ComputeSvdVectors::Full,
        ComputeSvdVectors::Full,
        Par::Seq,
        Default::default(),
    ));
    let mut active = 0usize;

    let f = v0.norm_l2();
    if f > T::MIN_POSITIVE {
        let inv = T::from(1.0) / f;
        for (dst, &src) in col_slice_mut(lz.q.as_mut().col_mut(0))
            .iter_mut()
            .zip(col_slice(v0))
        {
            *dst = src * inv;
        }
    } else {
        let f = T::from((1.0 / (n as f64).sqrt()) as f32);
        col_slice_mut(lz.q.as_mut().col_mut(0)).fill(f);
    }
    lz.iterate(1, min_dim);
    let mut k = min_dim;
    for _ in 0..restarts {
        lz.iterate(k + 1, max_dim);
        let hmm = lz.h[(max_dim - 1, max_dim)];
        let dim = max_dim - active;
        x.fill(T::from(0.0));
        x.as_mut()
            .diagonal_mut()
            .column_vector_mut()
            .fill(T::from(1.0));
        y.fill(T::from(0.0));
        y.as_mut()
            .diagonal_mut()
            .column_vector_mut()
            .fill(T::from(1.0));
        {
            let mut sv = Mat::<T>::zeros(dim, 1);
            let done = svd(
                lz.h.get(active..max_dim, active..max_dim),
                sv.as_mut().col_mut(0).as_diagonal_mut(),
                Some(x.as_mut().get_mut(active..max_dim, active..max_dim)),
                Some(y.as_mut().get_mut(active..max_dim, active..max_dim)),
                Par::Seq,
                MemStack::new(&mut svd_mem),
                Default::default(),
            );
            if done.is_err() {
                break;
            }
            // faer's divide and conquer (dim > 128) may leave the values out of order when many
            // are zero; locking below takes the first ones as the largest.
            let mut values: Vec<T> = (0..dim).map(|i| sv[(i, 0)]).collect();
            super::exact::sort_triplets(
                &mut values,
                x.as_mut().get_mut(active..max_dim, active..max_dim),
                y.as_mut().get_mut(active..max_dim, active..max_dim),
            );
            for (i, &value) in values.iter().enumerate() {
                sv[(i, 0)] = value;
            }
            let mut hs = lz.h.as_mut().get_mut(active..max_dim, active..max_dim);
            hs.fill(T::from(0.0));
            hs.diagonal_mut()
                .column_vector_mut()
                .copy_from(sv.as_ref().col(0));
        }
        for j in 0..dim {
            residual[active + j] = hmm * x[(max_dim - 1, active + j)];
        }
        #[derive(Copy, Clone, PartialEq, Eq)]
        enum Group {
            Lock,
            Retain,
            Purge,
        }
        let mut groups = vec![Group::Purge; max_dim];
        let mut nlock = 0usize;
        for j in 0..n_sval {
            if residual[j].abs_value() <= tol {
                groups[j] = Group::Lock;
                nlock += 1;
            } else {
                groups[j] = Group::Retain;
            }
        }
        let ideal_size = (nlock + min_dim).min((min_dim + max_dim) / 2);
        k = n_sval;
        for i in n_sval..max_dim {
            groups[i] = if k < ideal_size && residual[i].abs_value() > tol {
                k += 1;
                Group::Retain
            } else {
                Group::Purge
            };
        }
        let mut purge = 0usize;
        while purge < active && groups[purge] == Group::Lock {
            purge += 1;
        }
        let (mut lo, mut mi, mut hi) = (0usize, 0usize, 0usize);
        while hi < max_dim {
            match groups[hi] {
                Group::Lock => {
                    if hi > lo {
                        lz.h[(lo, lo)] = lz.h[(hi, hi)];
                        residual[lo] = residual[hi];
                        copy_col(x.as_mut(), hi, lo);
                        copy_col(y.as_mut(), hi, lo);
                    }
                    lo += 1;
                    mi += 1;
                    hi += 1;
                }
                Group::Retain => {
                    if hi > mi {
                        lz.h[(mi, mi)] = lz.h[(hi, hi)];
                        copy_col(x.as_mut(), hi, mi);
                        copy_col(y.as_mut(), hi, mi);
                    }
                    mi += 1;
                    hi += 1;
                }
                Group::Purge => hi += 1,
            }
        }
        rotate_basis(lz.p.as_mut(), x.as_ref(), tmp.as_mut(), purge..k, max_dim);
        rotate_basis(lz.q.as_mut(), y.as_ref(), tmp.as_mut(), purge..k, max_dim);
        for (i, &r) in residual.iter().enumerate().take(k) {
            lz.h[(i, k)] = r;
        }
        copy_col(lz.q.as_mut(), max_dim, k);
        active = nlock;
        if nlock >= n_sval {
            break;
        }
    }
    let mut order: Vec<usize> = (0..active).collect();
    let norms: Vec<T> = (0..active).map(|j| lz.h[(j, j)].abs_value()).collect();
    order.sort_unstable_by(|&i, &j| {
        norms[j]
            .partial_cmp(&norms[i])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (idx, &j) in order.iter().enumerate().take(s.len()) {
        u.as_mut().col_mut(idx).copy_from(lz.p.col(j));
        v.as_mut().col_mut(idx).copy_from(lz.q.col(j));
        s[idx] = lz.h[(j, j)];
    }
    active
}

/// The bidiagonalisation state: `A·Q = P·H` on the columns built so far.
struct Lanczos<'a, T> {
    a: MatRef<'a, T>,
    h: Mat<T>,
    p: Mat<T>,
    q: Mat<T>,
    rng: SplitMix64,
}

impl<T: Float> Lanczos<'_, T> {
    /// Lanczos steps `start ..= end`: columns `start − 1 ..` of P and `start ..` of Q.
    fn iterate(&mut self, start: usize, end: usize) {
        for j in start..=end {
            // P side: p_{j−1} = A·q_{j−1}, orthogonal to p_0 … p_{j−2}.
            let f = T::from_usize(j.max(8)) * T::EPS;
            {
                let (q, _) = self.q.as_ref().split_at_col(j);
                let (p_done, mut p_rest) = self.p.as_mut().split_at_col_mut(j - 1);
                let mut next = p_rest.as_mut().col_mut(0);
                matmul(
                    next.as_mut().as_mat_mut(),
                    Accum::Replace,
                    self.a,
                    q.col(j - 1).as_mat(),
                    T::from(1.0),
                    Par::Seq,
                );
                let norm = orthogonalize(next.as_mut(), p_done.as_ref(), f, &mut self.rng);
                self.h[(j - 1, j - 1)] = norm;
            }
            // Q side: q_j = Aᵀ·p_{j−1}, orthogonal to q_0 … q_{j−1}.
            {
                let (q_done, mut q_rest) = self.q.as_mut().split_at_col_mut(j);
                let mut next = q_rest.as_mut().col_mut(0);
                matmul(
                    next.as_mut().as_mat_mut(),
                    Accum::Replace,
                    self.a.transpose(),
                    self.p.col(j - 1).as_mat(),
                    T::from(1.0),
                    Par::Seq,
                );
                let norm = orthogonalize(next.as_mut(), q_done.as_ref(), f, &mut self.rng);
                self.h[(j - 1, j)] = norm;
            }
        }
    }
}

/// Makes `x` orthogonal to the columns of `basis` and of unit norm, as faer does (one
/// Gram–Schmidt sweep, then sweeps over the projections not yet below `f·‖x‖`); returns the norm
/// `x` had, which is the bidiagonal entry. An exhausted direction (norm zero or not finite) is
/// replaced by a random unit vector orthogonal to the basis, and its entry is zero.
fn orthogonalize<T: Float>(
    mut x: ColMut<'_, T>,
    basis: MatRef<'_, T>,
    f: T,
    rng: &mut SplitMix64,
) -> T {
    let j = basis.ncols();
    for i in 0..j {
        let r = basis.col(i).adjoint() * x.as_ref();
        subtract(x.as_mut(), basis.col(i), r);
    }
    let mut converged = vec![false; j];
    for _ in 0..MAX_PASSES {
        let mut all = true;
        for (i, done) in converged.iter_mut().enumerate() {
            if !*done {
                all = false;
                let r = basis.col(i).adjoint() * x.as_ref();
                subtract(x.as_mut(), basis.col(i), r);
                *done = r.abs_value() <= f * x.norm_l2();
            }
        }
        if all {
            break;
        }
    }
    let norm = x.norm_l2();
    if norm > T::from(0.0) && is_finite(norm) {
        let inv = T::from(1.0) / norm;
        for v in col_slice_mut(x.as_mut()) {
            *v *= inv;
        }
        return norm;
    }
    // Breakdown: continue in the orthogonal complement (it is not empty: the subspace is
    // smaller than min(rows, cols)). Two sweeps of Gram–Schmidt are enough for a random vector.
    loop {
        for v in col_slice_mut(x.as_mut()) {
            *v = T::from(rng.normal() as f32);
        }
        for _ in 0..2 {
            for i in 0..j {
                let r = basis.col(i).adjoint() * x.as_ref();
                subtract(x.as_mut(), basis.col(i), r);
            }
        }
        let norm = x.norm_l2();
        if norm > T::from(0.0) && is_finite(norm) {
            let inv = T::from(1.0) / norm;
            for v in col_slice_mut(x.as_mut()) {
                *v *= inv;
            }
            return T::from(0.0);
        }
    }
}

/// `x −= r·b`.
fn subtract<T: Float>(mut x: ColMut<'_, T>, b: ColRef<'_, T>, r: T) {
    for (y, &v) in col_slice_mut(x.as_mut()).iter_mut().zip(col_slice(b)) {
        *y -= r * v;
    }
}

fn is_finite<T: Float>(x: T) -> bool {
    Into::<f64>::into(x).is_finite()
}

/// Column `from` of `m` copied over column `to`.
fn copy_col<T: Float>(m: MatMut<'_, T>, from: usize, to: usize) {
    let src = m.as_ref().col(from).to_owned();
    m.col_mut(to).copy_from(src.as_ref());
}

fn col_slice<'a, T>(c: ColRef<'a, T>) -> &'a [T] {
    c.try_as_col_major().expect("contiguous column").as_slice()
}

fn col_slice_mut<'a, T>(c: ColMut<'a, T>) -> &'a mut [T] {
    c.try_as_col_major_mut()
        .expect("contiguous column")
        .as_slice_mut()
}

/// Replaces the basis columns `keep` by the basis columns `keep.start..max_dim` rotated by the
/// matching block of `rot` (the Ritz vectors kept after a restart), using `tmp` as scratch.
fn rotate_basis<T: Float>(
    mut basis: MatMut<'_, T>,
    rot: MatRef<'_, T>,
    tmp: MatMut<'_, T>,
    keep: std::ops::Range<usize>,
    max_dim: usize,
) {
    let rows = basis.nrows();
    let mut scratch = tmp.get_mut(..rows, keep.clone());
    matmul(
        scratch.as_mut(),
        Accum::Replace,
        basis.as_ref().get(.., keep.start..max_dim),
        rot.get(keep.start..max_dim, keep.clone()),
        T::from(1.0),
        Par::Seq,
    );
    basis.as_mut().get_mut(.., keep).copy_from(scratch.as_ref());
}
