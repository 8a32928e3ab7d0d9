//! The exact method: faer's dense thin SVD, with explicit parallelism and caller-owned scratch.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};

use super::{Factors, Method, Precision};
use crate::error::{Error, Result};

/// Thin SVD of `plane` in the requested precision; vectors of the first `keep` triplets are kept.
pub(super) fn thin_svd(
    plane: MatRef<'_, f32>,
    precision: Precision,
    keep: usize,
    par: Par,
) -> Result<Factors> {
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
    let s = (0..r).map(|i| s[i]).collect();
    Ok((u, s, v))
}
