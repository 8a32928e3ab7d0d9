//! The exact method: faer's dense thin SVD, with explicit parallelism and caller-owned scratch.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};

use super::{Factors, Method, Precision};
use crate::error::{Error, Result};

/// Samples from which a plane's SVD is split into [`TASKS`] parallel tasks.
const PARALLEL_FROM: usize = 256 * 256;

/// Tasks faer splits a large SVD into. faer's result depends on this number (its parallel
/// reductions are split that way) but not on how many threads run the tasks, so it is fixed
/// here, not taken from the thread count: the same image gives the same bits on every machine
/// and with any `--threads`.
pub(super) const TASKS: usize = 4;

/// Thin SVD of `plane` in the requested precision; vectors of the first `keep` triplets are kept.
///
/// The parallelism is chosen from the plane's size alone (see [`TASKS`]); the caller's
/// thread budget does not enter.
pub(super) fn thin_svd(
    plane: MatRef<'_, f32>,
    precision: Precision,
    keep: usize,
) -> Result<Factors> {
    let par = if plane.nrows() * plane.ncols() >= PARALLEL_FROM {
        crate::parallel::par(TASKS)
    } else {
        Par::Seq
    };
    match precision {
        Precision::F32 => {
            let (u, s, v) = svd_in::<f32>(plane, par)?;
            Ok(build(u.as_ref(), &s, v.as_ref(), keep))
        }
        Precision::F64 => {
            let wide = Mat::<f64>::from_fn(plane.nrows(), plane.ncols(), |i, j| {
                f64::from(plane[(i, j)])
            });
            let (u, s, v) = svd_in::<f64>(wide.as_ref(), par)?;
            Ok(build(u.as_ref(), &s, v.as_ref(), keep))
        }
    }
}

/// Converts the first `keep` triplets to the stored types.
fn build<T: Copy + Into<f64>>(u: MatRef<'_, T>, s: &[T], v: MatRef<'_, T>, keep: usize) -> Factors {
    let k = keep.min(s.len());
    let to32 = |x: T| x.into() as f32;
    Factors {
        u: Mat::from_fn(u.nrows(), k, |i, j| to32(u[(i, j)])),
        s: s.iter().map(|&x| x.into().max(0.0)).collect(),
        v: Mat::from_fn(v.nrows(), k, |i, j| to32(v[(i, j)])),
        complete: true,
        method: Method::Exact,
    }
}

pub(super) type Triplets<T> = (Mat<T>, Vec<T>, Mat<T>);

pub(super) fn svd_in<T: faer::traits::RealField + Copy>(
    a: MatRef<'_, T>,
    par: Par,
) -> Result<Triplets<T>> {
    let (m, n) = a.shape();
    let r = m.min(n);
    let mut s = faer::diag::Diag::<T>::zeros(r);
    let mut u = Mat::<T>::zeros(m, r);
    let mut v = Mat::<T>::zeros(n, r);
    let req = svd_scratch::<T>(
        m,
        n,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        par,
        Default::default(),
    );
    let mut mem = MemBuffer::try_new(req)
        .map_err(|_| Error::Limits(format!("not enough memory for the SVD of a {m}×{n} plane")))?;
    svd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|_| Error::NoConvergence(format!("{m}×{n} plane")))?;
    let mut s: Vec<T> = (0..r).map(|i| s[i]).collect();
    sort_triplets(&mut s, u.as_mut(), v.as_mut());
    crate::parallel::clear_upper();
    Ok((u, s, v))
}

/// Puts the triplets in non-increasing order of σ. faer's divide-and-conquer SVD can return a
/// valid factorization with the values out of order when many singular values are zero (a
/// 150×230 plane of rank 2 came back with σ₂ at position 97); everything downstream takes the
/// first k as the largest. Already sorted triplets (the rule) are left untouched.
pub(super) fn sort_triplets<T: faer::traits::RealField + Copy>(
    s: &mut [T],
    mut u: faer::MatMut<'_, T>,
    mut v: faer::MatMut<'_, T>,
) {
    if s.windows(2).all(|w| w[0] >= w[1]) {
        return;
    }
    let mut order: Vec<usize> = (0..s.len()).collect();
    // Stable and descending (NaN, never expected, compares equal and stays in place).
    order.sort_by(|&i, &j| s[j].partial_cmp(&s[i]).unwrap_or(std::cmp::Ordering::Equal));
    let (su, sv) = (u.to_owned(), v.to_owned());
    let old = s.to_vec();
    for (new, &i) in order.iter().enumerate() {
        s[new] = old[i];
        u.as_mut().col_mut(new).copy_from(su.col(i));
        v.as_mut().col_mut(new).copy_from(sv.col(i));
    }
}
