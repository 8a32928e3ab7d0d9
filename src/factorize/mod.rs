//! Factorize: one plane → its leading singular triplets.
//!
//! [`Factors`] holds `U_k`, `σ` and `V_k` with the project's sign rule applied: the first nonzero
//! entry of every `vᵢ` is positive, so every output is deterministic. Singular values are kept in
//! `f64` whatever precision the SVD ran in; singular vectors in `f32`.

mod exact;

use faer::{Mat, MatRef, Par};
use serde::Serialize;

use crate::error::Result;

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
}

impl Method {
    /// The name used in reports and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
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
    /// Singular values, non-increasing. Holds at least k values; all min(rows, cols) of them when
    /// [`Factors::complete`] is true.
    pub s: Vec<f64>,
    /// Right singular vectors, cols × k (V, not Vᵀ).
    pub v: Mat<f32>,
    /// Whether `s` holds every singular value.
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
/// (`usize::MAX`: all). `par` is faer's parallelism inside this one SVD.
pub fn factorize(
    plane: MatRef<'_, f32>,
    method: Method,
    precision: Precision,
    keep: usize,
    par: Par,
) -> Result<Factors> {
    let mut f = match method {
        Method::Auto | Method::Exact => exact::thin_svd(plane, precision, keep, par)?,
    };
    fix_signs(&mut f);
    Ok(f)
}

/// The sign rule: the first entry of each vᵢ whose magnitude is above rounding noise is positive.
fn fix_signs(f: &mut Factors) {
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
