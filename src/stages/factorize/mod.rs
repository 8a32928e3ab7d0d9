//! Factorize: one plane → its leading singular triplets.
//!
//! [`Factors`] holds `U_k`, `σ` and `V_k` with the project's sign rule applied: the first nonzero
//! entry of every `vᵢ` is positive, so every output is deterministic. Singular values are kept in
//! `f64` whatever precision the SVD ran in; singular vectors in `f32`.
//!
//! Three methods compute them ([`Method`]): the exact thin SVD (every singular value), and two
//! truncated methods that compute only the leading `keep` triplets, [`Method::Partial`] (faer's
//! Krylov–Schur partial SVD) and [`Method::Randomized`] (Halko–Martinsson–Tropp). [`Method::Auto`]
//! resolves to one of them by shape and rank ([`choose`], rule in `auto.rs`).

mod auto;
mod exact;
mod follow;
mod image;
mod lanczos;
mod partial;
mod randomized;
mod schedule;

use faer::{Mat, MatRef, Par};
use serde::Serialize;

use crate::error::Result;

pub use auto::{choose, largest_truncated, resolve, Choice};
pub(crate) use follow::factorize_planes_then;
#[cfg(all(feature = "sheets", feature = "plots"))]
pub(crate) use follow::follow_all;
pub use image::{
    factorize_image, factorize_image_and_follow, factorize_image_for, factorize_planes,
    FactorizeOptions, Factorized,
};
pub use randomized::RandomizedParams;
pub(crate) use schedule::{factorize_each, grow, Plan};
pub use schedule::{Schedule, FIRST_ROUND};

/// The floating-point types the truncated methods run in (f32 and f64).
pub(crate) trait Real:
    faer::traits::RealField + Copy + From<f32> + Into<f64> + Send + Sync
{
}

impl Real for f32 {}
impl Real for f64 {}

/// Which SVD algorithm runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Method {
    /// Choose for the shape and rank; the report says what ran.
    #[default]
    Auto,
    /// faer's dense thin SVD: every singular value, exact to working precision.
    Exact,
    /// faer's Krylov–Schur partial SVD: the leading `keep` triplets only.
    Partial,
    /// Halko–Martinsson–Tropp randomized range finder: the leading `keep` triplets only.
    Randomized,
}

impl Method {
    /// The name used in reports and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
            Method::Partial => "partial",
            Method::Randomized => "randomized",
        }
    }
}

/// The floating-point type the SVD runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Single precision: half the memory, faster.
    #[default]
    F32,
    /// Double precision.
    F64,
}

impl Precision {
    /// The name used in reports and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// The leading singular triplets of one plane.
#[derive(Debug, Clone)]
pub struct Factors {
    /// Left singular vectors, rows × k.
    pub u: Mat<f32>,
    /// Singular values, non-increasing. When [`Factors::complete`] is true these are all
    /// min(rows, cols) of them; otherwise (a truncated method ran) exactly the leading values the
    /// method computed, one per triplet it was asked for, so `s.len()` ≥ [`Factors::rank`] and the
    /// values beyond `s.len()` are unknown (their squares sum to ‖A‖_F² − Σ s²).
    pub s: Vec<f64>,
    /// Right singular vectors, cols × k (V, not Vᵀ).
    pub v: Mat<f32>,
    /// Whether `s` holds every singular value (true for the exact method only).
    pub complete: bool,
    /// The method that actually ran.
    pub method: Method,
}

impl Factors {
    /// Number of singular triplets held (columns of `u` and `v`).
    #[must_use]
    pub fn rank(&self) -> usize {
        self.u.ncols()
    }

    /// Keeps only the first `k` triplets (vectors); singular values are all kept.
    pub fn truncate(&mut self, k: usize) {
        let k = k.min(self.rank());
        if k < self.rank() {
            self.u = self.u.get(.., ..k).to_owned();
            self.v = self.v.get(.., ..k).to_owned();
        }
    }
}

/// Computes the singular triplets of `plane`, keeping vectors for the first `keep` of them
/// (`usize::MAX`: all), with the randomized method's tuning `params`; `par` is faer's
/// parallelism inside this one SVD. `Auto` resolves through [`choose`];
/// a truncated method that cannot run (rank too close to min(rows, cols)) or that does not
/// converge falls back to the exact SVD, and [`Factors::method`] says what ran.
pub fn factorize_plane(
    plane: MatRef<'_, f32>,
    method: Method,
    precision: Precision,
    keep: usize,
    params: &RandomizedParams,
    par: Par,
) -> Result<Factors> {
    let (m, n) = plane.shape();
    let method = choose(method, m, n, keep, params).method;
    let k = keep.min(m.min(n));
    let truncated = match (method, precision) {
        (Method::Exact | Method::Auto, _) => None,
        (_, Precision::F32) => truncated(plane, method, k, params, par)?,
        (_, Precision::F64) => {
            let wide = Mat::<f64>::from_fn(m, n, |i, j| f64::from(plane[(i, j)]));
            truncated(wide.as_ref(), method, k, params, par)?
        }
    };
    let mut f = match truncated {
        Some(f) => f,
        None => exact::thin_svd(plane, precision, keep)?,
    };
    fix_signs(&mut f);
    Ok(f)
}

/// Runs a truncated method in `T`; `None` when it does not apply or did not converge.
fn truncated<T: lanczos::Float>(
    a: MatRef<'_, T>,
    method: Method,
    k: usize,
    params: &RandomizedParams,
    par: Par,
) -> Result<Option<Factors>> {
    let found = match method {
        Method::Partial => {
            // Sequential inside: faer's parallel Lanczos sums change the last bits with the
            // thread count, and the same input must give the same output whatever the threads.
            let norm = a.norm_l2().into();
            partial::partial(a, k, norm, params.seed, Par::Seq)
        }
        Method::Randomized => Some(randomized::randomized(a, k, params, par)?),
        Method::Exact | Method::Auto => None,
    };
    Ok(found.map(|(u, s, v)| {
        let to32 = |x: T| Into::<f64>::into(x) as f32;
        Factors {
            u: Mat::from_fn(u.nrows(), k, |i, j| to32(u[(i, j)])),
            s,
            v: Mat::from_fn(v.nrows(), k, |i, j| to32(v[(i, j)])),
            complete: false,
            method,
        }
    }))
}

/// The sign rule: the first entry of each vᵢ whose magnitude is above rounding noise is positive.
fn fix_signs(f: &mut Factors) {
    crate::parallel::clear_upper();
    let n = f.v.nrows();
    for i in 0..f.rank() {
        let col = f.v.col(i);
        let scale = (0..n).map(|r| col[r].abs()).fold(0.0f32, f32::max);
        let tol = scale * 1e-3;
        let first = (0..n).map(|r| col[r]).find(|x| x.abs() > tol);
        if first.is_some_and(|x| x < 0.0) {
            for r in 0..n {
                f.v[(r, i)] = -f.v[(r, i)];
            }
            for r in 0..f.u.nrows() {
                f.u[(r, i)] = -f.u[(r, i)];
            }
        }
    }
}
