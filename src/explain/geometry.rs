//! The geometry of a 2×2 SVD: the unit circle, an orthogonal pair x ⟂ y and where A sends them.
//!
//! For any A there is one orthogonal pair of input directions, v₁ ⟂ v₂, whose images σ₁u₁ and
//! σ₂u₂ are orthogonal too; any other pair usually comes out skewed. A maps the unit circle onto
//! an ellipse with semi-axes σ₁u₁ and σ₂u₂, and A = UΣVᵀ reads as: rotate or reflect (Vᵀ),
//! stretch along the axes (Σ), rotate or reflect (U). [`geometry`] computes every number the
//! pictures and the page show from an [`Explanation`], so the figures and the text walk-through
//! agree to the digit.

use serde::Serialize;

use super::vector::column;
use super::{ExplainError, Explanation};

/// The direction of the example pair's x, in degrees from the first axis.
pub const EXAMPLE_ANGLE_DEG: f64 = 30.0;

/// An orthogonal pair of unit vectors and their images under A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairImage {
    /// x, a unit vector.
    pub x: [f64; 2],
    /// y, the unit vector orthogonal to x.
    pub y: [f64; 2],
    /// A x.
    pub ax: [f64; 2],
    /// A y.
    pub ay: [f64; 2],
    /// ‖A x‖.
    pub ax_length: f64,
    /// ‖A y‖.
    pub ay_length: f64,
    /// The angle between A x and A y in degrees (0 to 180); `None` when either is the zero vector.
    pub angle_deg: Option<f64>,
}

/// What kind of map a 2×2 matrix is, as far as the picture is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MapKind {
    /// σ₁ > σ₂ > 0: one orthogonal pair (up to signs) stays orthogonal.
    General,
    /// σ₁ = σ₂ > 0: a rotation or reflection times σ₁; every orthogonal pair stays orthogonal.
    Conformal,
    /// σ₂ = 0 < σ₁: the circle collapses onto a segment along u₁.
    Singular,
    /// A = 0: everything goes to the origin.
    Zero,
}

/// Everything the geometry pictures and the page show, for a 2×2 matrix A.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Geometry {
    /// A, row-major.
    pub matrix: [[f64; 2]; 2],
    /// σ₁ ≥ σ₂ ≥ 0.
    pub sigma: [f64; 2],
    /// u₁ and u₂ (the columns of U).
    pub u: [[f64; 2]; 2],
    /// v₁ and v₂ (the columns of V).
    pub v: [[f64; 2]; 2],
    /// det A = ±σ₁σ₂.
    pub determinant: f64,
    /// Whether A reverses orientation (det A < 0).
    pub reflection: bool,
    /// Whether A = Aᵀ (then U and V agree up to the signs of their columns).
    pub symmetric: bool,
    /// What kind of map A is.
    pub kind: MapKind,
    /// x at [`EXAMPLE_ANGLE_DEG`] and y ⟂ x, with their images.
    pub example: PairImage,
    /// v₁, v₂ and their images σ₁u₁, σ₂u₂.
    pub singular: PairImage,
    /// A₁ = σ₁u₁v₁ᵀ, the rank-1 approximation.
    pub rank_one: [[f64; 2]; 2],
    /// One sentence per special case (reflection, symmetric, conformal, singular).
    pub notes: Vec<String>,
}

/// A x for a 2×2 row-major A.
#[must_use]
pub fn apply(a: &[[f64; 2]; 2], x: [f64; 2]) -> [f64; 2] {
    [
        a[0][0] * x[0] + a[0][1] * x[1],
        a[1][0] * x[0] + a[1][1] * x[1],
    ]
}

fn length(x: [f64; 2]) -> f64 {
    x[0].hypot(x[1])
}

/// The pair x, y (orthogonal unit vectors) and their images under `a`.
#[must_use]
pub fn pair_image(a: &[[f64; 2]; 2], x: [f64; 2], y: [f64; 2]) -> PairImage {
    let (ax, ay) = (apply(a, x), apply(a, y));
    let (lx, ly) = (length(ax), length(ay));
    let scale = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let tiny = 1e-12 * scale.max(f64::MIN_POSITIVE);
    let angle_deg = (lx > tiny && ly > tiny).then(|| {
        let cos = ((ax[0] * ay[0] + ax[1] * ay[1]) / (lx * ly)).clamp(-1.0, 1.0);
        cos.acos().to_degrees()
    });
    PairImage {
        x,
        y,
        ax,
        ay,
        ax_length: lx,
        ay_length: ly,
        angle_deg,
    }
}

/// The pair with x at `deg` degrees from the first axis and y = x turned by +90°.
#[must_use]
pub fn pair_at(a: &[[f64; 2]; 2], deg: f64) -> PairImage {
    let (s, c) = deg.to_radians().sin_cos();
    pair_image(a, [c, s], [-s, c])
}

/// The geometry of the 2×2 matrix explained by `e`.
///
/// # Errors
/// [`ExplainError::NotTwoByTwo`] for any other shape: the pictures are of the plane.
pub fn geometry(e: &Explanation) -> Result<Geometry, ExplainError> {
    if (e.rows, e.cols) != (2, 2) {
        return Err(ExplainError::NotTwoByTwo {
            rows: e.rows,
            cols: e.cols,
        });
    }
    let m = &e.matrix;
    let a = [[m[0][0], m[0][1]], [m[1][0], m[1][1]]];
    let vec2 = |mat: &[Vec<f64>], k: usize| {
        let c = column(mat, k);
        [c[0], c[1]]
    };
    let (u, v) = (
        [vec2(&e.u, 0), vec2(&e.u, 1)],
        [vec2(&e.v, 0), vec2(&e.v, 1)],
    );
    let sigma = [e.singular_values[0], e.singular_values[1]];
    let determinant = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let scale = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let symmetric = (a[0][1] - a[1][0]).abs() <= 1e-12 * scale;
    let kind = if sigma[0] == 0.0 {
        MapKind::Zero
    } else if sigma[1] == 0.0 {
        MapKind::Singular
    } else if sigma[0] - sigma[1] <= 1e-12 * sigma[0] {
        MapKind::Conformal
    } else {
        MapKind::General
    };
    let reflection = determinant < 0.0 && kind != MapKind::Singular;
    let mut notes = Vec::new();
    match kind {
        MapKind::Zero => notes.push("A = 0 sends the whole circle to the origin.".to_string()),
        MapKind::Singular => notes.push(
            "σ₂ = 0: A has rank 1 and squashes the circle onto the segment from −σ₁u₁ to σ₁u₁; \
             v₂ is sent to 0."
                .to_string(),
        ),
        MapKind::Conformal => notes.push(
            "σ₁ = σ₂: A is a rotation or reflection times σ₁, the circle stays a circle, and every \
             orthogonal pair stays orthogonal (any pair could serve as v₁, v₂)."
                .to_string(),
        ),
        MapKind::General => {}
    }
    if reflection {
        notes.push(
            "det A < 0: A reverses orientation (a reflection); the letter F comes out mirrored."
                .to_string(),
        );
    }
    if symmetric && kind == MapKind::General {
        notes.push(
            "A is symmetric: u₁, u₂ lie along v₁, v₂ (up to sign), so A only stretches along \
             two orthogonal axes."
                .to_string(),
        );
    }
    let rank_one = [
        [sigma[0] * u[0][0] * v[0][0], sigma[0] * u[0][0] * v[0][1]],
        [sigma[0] * u[0][1] * v[0][0], sigma[0] * u[0][1] * v[0][1]],
    ];
    Ok(Geometry {
        matrix: a,
        sigma,
        u,
        v,
        determinant,
        reflection,
        symmetric,
        kind,
        example: pair_at(&a, EXAMPLE_ANGLE_DEG),
        singular: pair_image(&a, v[0], v[1]),
        rank_one,
        notes,
    })
}

/// The two-by-two matrix M(t) = (1 − t) I + t B, for the animation's steps (t from 0 to 1).
#[must_use]
pub fn blend(b: &[[f64; 2]; 2], t: f64) -> [[f64; 2]; 2] {
    let id = [[1.0, 0.0], [0.0, 1.0]];
    let mut out = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            out[i][j] = (1.0 - t) * id[i][j] + t * b[i][j];
        }
    }
    out
}

/// The matrix product a·b.
#[must_use]
pub fn product(a: &[[f64; 2]; 2], b: &[[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let mut out = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            out[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    out
}

impl Geometry {
    /// Vᵀ, Σ and U as 2×2 row-major matrices: the three steps of A = UΣVᵀ.
    #[must_use]
    pub fn steps(&self) -> [[[f64; 2]; 2]; 3] {
        let (u, v, s) = (self.u, self.v, self.sigma);
        let vt = [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
        let sig = [[s[0], 0.0], [0.0, s[1]]];
        let um = [[u[0][0], u[1][0]], [u[0][1], u[1][1]]];
        [vt, sig, um]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::explain;

    fn geo(m: [[f64; 2]; 2]) -> Geometry {
        let rows = vec![m[0].to_vec(), m[1].to_vec()];
        geometry(&explain(&rows, 1).unwrap()).unwrap()
    }

    #[test]
    fn the_singular_pair_stays_orthogonal_and_other_pairs_do_not() {
        let g = geo([[4.0, 0.0], [3.0, 5.0]]);
        assert_eq!(g.kind, MapKind::General);
        let right = g.singular.angle_deg.unwrap();
        assert!((right - 90.0).abs() < 1e-9, "{right}");
        assert!((g.singular.ax_length - 40f64.sqrt()).abs() < 1e-12);
        assert!((g.singular.ay_length - 10f64.sqrt()).abs() < 1e-12);
        // x = (cos 30°, sin 30°), y = (−sin 30°, cos 30°): A x = (2√3, 1.5√3 + 2.5)…
        let (s, c) = 30f64.to_radians().sin_cos();
        let (ax, ay) = ([4.0 * c, 3.0 * c + 5.0 * s], [-4.0 * s, -3.0 * s + 5.0 * c]);
        let cos = (ax[0] * ay[0] + ax[1] * ay[1]) / (ax[0].hypot(ax[1]) * ay[0].hypot(ay[1]));
        let expected = cos.acos().to_degrees();
        assert!((g.example.angle_deg.unwrap() - expected).abs() < 1e-12);
        assert!((expected - 69.44).abs() < 0.01, "{expected}");
        // A₁ = σ₁u₁v₁ᵀ = [[2, 2], [4, 4]], as the walk-through says.
        for (row, want) in g.rank_one.iter().zip([[2.0, 2.0], [4.0, 4.0]]) {
            for (x, w) in row.iter().zip(want) {
                assert!((x - w).abs() < 1e-12);
            }
        }
        assert!(!g.reflection && !g.symmetric);
        // Every other direction of x skews the pair: the angle is 90° only at v₁ (and v₂).
        let v1 = g.v[0][1].atan2(g.v[0][0]).to_degrees();
        for deg in (0..180).map(f64::from) {
            let off = ((deg - v1).rem_euclid(90.0)).min((v1 - deg).rem_euclid(90.0));
            if off > 0.5 {
                let a = pair_at(&g.matrix, deg).angle_deg.unwrap();
                assert!((a - 90.0).abs() > 0.01, "{deg}° gives {a}");
            }
        }
    }

    #[test]
    fn special_matrices_are_named() {
        let id = geo([[1.0, 0.0], [0.0, 1.0]]);
        assert_eq!(id.kind, MapKind::Conformal);
        assert!((id.example.angle_deg.unwrap() - 90.0).abs() < 1e-9);
        let rot = geo([[0.0, -2.0], [2.0, 0.0]]);
        assert_eq!(rot.kind, MapKind::Conformal);
        let flat = geo([[1.0, 2.0], [2.0, 4.0]]);
        assert_eq!(flat.kind, MapKind::Singular);
        assert_eq!(flat.singular.angle_deg, None);
        assert!(flat.example.angle_deg.unwrap() < 1e-6, "parallel images");
        let flip = geo([[0.0, 1.0], [1.0, 0.0]]);
        assert!(flip.reflection && flip.symmetric);
        let sym = geo([[2.0, 1.0], [1.0, 2.0]]);
        assert!(sym.symmetric && !sym.reflection && sym.kind == MapKind::General);
        assert_eq!(geo([[0.0, 0.0], [0.0, 0.0]]).kind, MapKind::Zero);
    }

    #[test]
    fn only_two_by_two_has_a_picture() {
        let e = explain(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]], 1).unwrap();
        assert_eq!(
            geometry(&e),
            Err(ExplainError::NotTwoByTwo { rows: 2, cols: 3 })
        );
    }

    #[test]
    fn the_steps_multiply_back_to_a() {
        let g = geo([[4.0, 0.0], [3.0, 5.0]]);
        let [vt, s, u] = g.steps();
        let a = product(&u, &product(&s, &vt));
        for (row, want) in a.iter().zip(&g.matrix) {
            for (x, w) in row.iter().zip(want) {
                assert!((x - w).abs() < 1e-12);
            }
        }
        assert_eq!(blend(&vt, 0.0), [[1.0, 0.0], [0.0, 1.0]]);
        assert_eq!(blend(&vt, 1.0), vt);
    }
}
