//! Step-by-step SVD for teaching (`svdimg explain`): [`parse_matrix`] reads a small matrix
//! such as `"4 0; 3 5"`, [`explain`] computes its thin SVD as one does it on paper and keeps
//! every intermediate in an [`Explanation`], and [`Explanation::render_text`] turns that into a
//! numbered walk-through. Plain `f64` arithmetic by hand; nothing in this module prints.

use serde::Serialize;
use std::fmt;

pub mod geometry;
mod render;
pub use render::{degrees, num as number};
#[cfg(test)]
mod tests;
mod vector;
use render::sub;
use vector::{
    columns_to_rows, complete, dot, max_abs_diff, mul, norm, normalized, partial_product,
    project_out, transpose,
};

/// Largest number of rows or of columns accepted (the walk-through is meant to be read).
pub const MAX_DIM: usize = 8;

/// A row-major matrix (or, where noted, a list of vectors).
type Mat = Vec<Vec<f64>>;

/// The sign rule skips entries with |x| at most this ("first nonzero entry").
const SIGN_TOL: f64 = 1e-10;
/// Jacobi leaves a pair alone once |off-diagonal| ≤ this · √(product of its diagonal entries).
const JACOBI_TOL: f64 = 1e-15;
/// Upper bound on Jacobi sweeps (convergence is quadratic; a handful are needed).
const MAX_SWEEPS: usize = 100;
const METHOD_QUADRATIC: &str = "exact quadratic formula";
const METHOD_JACOBI: &str = "cyclic Jacobi (numerical)";
const METHOD_SINGLE: &str = "exact (1×1 Gram matrix)";

/// Why a matrix could not be read or explained. Row and column numbers are 1-based.
#[derive(Debug, Clone, PartialEq)]
pub enum ExplainError {
    /// No numbers at all.
    Empty,
    /// A row whose length differs from the first row's.
    Ragged {
        /// 1-based row number (blank rows are not counted).
        row: usize,
        /// Length of the first row.
        expected: usize,
        /// Length of this row.
        found: usize,
    },
    /// A token that is not a number.
    NotANumber {
        /// 1-based row number.
        row: usize,
        /// 1-based column number.
        col: usize,
        /// The offending text.
        token: String,
    },
    /// A NaN or infinite entry.
    NonFinite {
        /// 1-based row number.
        row: usize,
        /// 1-based column number.
        col: usize,
    },
    /// A picture of the plane was asked for a matrix that is not 2×2.
    NotTwoByTwo {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
    /// More than [`MAX_DIM`] rows or columns.
    TooLarge {
        /// Number of rows given.
        rows: usize,
        /// Number of columns given.
        cols: usize,
    },
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::Empty => write!(f, "the matrix is empty; give rows such as \"4 0; 3 5\""),
            ExplainError::Ragged {
                row,
                expected,
                found,
            } => {
                let noun = if *found == 1 { "entry" } else { "entries" };
                write!(f, "row {row} has {found} {noun}, expected {expected}")
            }
            ExplainError::NotANumber { row, col, token } => {
                write!(f, "entry {col} of row {row} is not a number: \"{token}\"")
            }
            ExplainError::NonFinite { row, col } => write!(
                f,
                "entry {col} of row {row} is not a finite number (nan and infinity are not allowed)"
            ),
            ExplainError::TooLarge { rows, cols } => write!(
                f,
                "the matrix is {rows}×{cols}, but at most {MAX_DIM}×{MAX_DIM} is supported"
            ),
            ExplainError::NotTwoByTwo { rows, cols } => write!(
                f,
                "the geometry pictures show how a 2×2 matrix maps the plane (the unit circle to an \
                 ellipse); this matrix is {rows}×{cols}"
            ),
        }
    }
}

impl std::error::Error for ExplainError {}

/// Parses a matrix such as `"4 0; 3 5"`, `"[1, 2; 3, 4]"` or `"[[1, 2], [3, 4]]"`.
///
/// Rows are separated by `;` or newlines, entries by spaces and/or commas;
/// brackets are optional, blank rows are ignored and `−` (U+2212) is read as a
/// minus sign. `nan`/`inf` give [`ExplainError::NonFinite`]; more than
/// [`MAX_DIM`] rows or columns give [`ExplainError::TooLarge`].
pub fn parse_matrix(text: &str) -> Result<Vec<Vec<f64>>, ExplainError> {
    let cleaned = text
        .replace('[', " ")
        .replace(']', ";")
        .replace('\u{2212}', "-");
    let mut rows: Mat = Vec::new();
    for line in cleaned.split([';', '\n', '\r']) {
        let tokens: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.is_empty() {
            continue;
        }
        let row = rows.len() + 1;
        let mut values = Vec::with_capacity(tokens.len());
        for (col, token) in (1..).zip(tokens) {
            match token.parse::<f64>() {
                Ok(x) if x.is_finite() => values.push(x),
                Ok(_) => return Err(ExplainError::NonFinite { row, col }),
                Err(_) => {
                    let token = token.to_string();
                    return Err(ExplainError::NotANumber { row, col, token });
                }
            }
        }
        rows.push(values);
    }
    check_matrix(&rows)?;
    Ok(rows)
}

/// Which vector was completed by Gram–Schmidt because its singular value is 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletedVector {
    /// `"U"` or `"V"`: the factor the vector belongs to.
    pub side: String,
    /// 0-based column index in that factor (σ index minus one).
    pub index: usize,
    /// 0-based index of the standard basis vector eⱼ the Gram–Schmidt step started from.
    pub from_basis: usize,
}

/// Every intermediate of the step-by-step SVD W = U Σ Vᵀ (thin: r = min(m, n)).
///
/// Matrices are row-major `Vec<Vec<f64>>`; singular values and the matching
/// columns of U and V are in non-increasing order of σ.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The input W (m×n).
    pub matrix: Vec<Vec<f64>>,
    /// m, the number of rows of W.
    pub rows: usize,
    /// n, the number of columns of W.
    pub cols: usize,
    /// `"WtW"` (WᵀW, n×n, used when n ≤ m) or `"WWt"` (WWᵀ, m×m, used when n > m).
    pub gram_side: String,
    /// The Gram matrix named by `gram_side` (r×r).
    pub gram: Vec<Vec<f64>>,
    /// `[1, −trace, det]` of λ² − tr·λ + det = 0 when the Gram matrix is 2×2, else `None`.
    pub characteristic_polynomial: Option<[f64; 3]>,
    /// Eigenvalues λᵢ of the Gram matrix, non-increasing (negatives clamped to 0).
    pub eigenvalues: Vec<f64>,
    /// `"exact quadratic formula"` (2×2), `"cyclic Jacobi (numerical)"` (3×3 and up)
    /// or `"exact (1×1 Gram matrix)"` (W is a single row or column).
    pub eigenvalue_method: String,
    /// Number of Jacobi sweeps that rotated something (`None` unless Jacobi was used).
    pub jacobi_sweeps: Option<usize>,
    /// σᵢ = √λᵢ, non-increasing; values at most `zero_tolerance` are set to exactly 0.
    pub singular_values: Vec<f64>,
    /// The threshold max(m, n)·ε·σ₁ below which a singular value counts as 0.
    pub zero_tolerance: f64,
    /// Number of nonzero singular values (the numerical rank of W).
    pub numerical_rank: usize,
    /// U (m×r) with orthonormal columns uᵢ.
    pub u: Vec<Vec<f64>>,
    /// Σ (r×r diagonal).
    pub sigma: Vec<Vec<f64>>,
    /// V (n×r) with orthonormal columns vᵢ.
    pub v: Vec<Vec<f64>>,
    /// Vectors that could not come from W vᵢ/σᵢ or Wᵀuᵢ/σᵢ (σᵢ = 0) and were completed.
    pub completed_vectors: Vec<CompletedVector>,
    /// U Σ Vᵀ (m×n), which should equal W.
    pub reconstruction: Vec<Vec<f64>>,
    /// max |U Σ Vᵀ − W| over all entries.
    pub reconstruction_max_error: f64,
    /// k, the rank of the approximation (the request clamped to 1..=min(m, n)).
    pub rank: usize,
    /// A_k = Σ_{i≤k} σᵢ uᵢ vᵢᵀ (m×n).
    pub approximation: Vec<Vec<f64>>,
    /// Fraction in [0, 1] of Σσᵢ² kept by A_k (1 for the zero matrix).
    pub energy_kept: f64,
    /// ‖W − A_k‖_F = √(Σ_{i>k} σᵢ²).
    pub frobenius_error: f64,
    /// Remarks on special cases (rounding, zero singular values, clamping, …).
    pub notes: Vec<String>,
}

impl Explanation {
    /// The human walk-through: numbered steps, numbers with `digits` decimals
    /// (the CLI uses 4), matrices as aligned bracketed rows.
    pub fn render_text(&self, digits: usize) -> String {
        render::render(self, digits)
    }
}

/// Eigen-decomposition of the Gram matrix AᵀA of a scaled p×r matrix A: eigenvalues
/// (non-increasing), σ = √λ, unit eigenvectors (length r) and their images A·x (length p).
struct Eig {
    method: &'static str,
    poly: Option<[f64; 3]>,
    sweeps: Option<usize>,
    lambda: Vec<f64>,
    sigma: Vec<f64>,
    vecs: Mat,
    images: Mat,
}

/// Computes the step-by-step SVD of `matrix` and a rank-`rank` approximation.
///
/// `rank` is clamped to 1..=min(m, n) (a note says so if it changes). The
/// matrix is validated like [`parse_matrix`] output (non-empty, rectangular,
/// finite, at most [`MAX_DIM`]×[`MAX_DIM`]).
pub fn explain(matrix: &[Vec<f64>], rank: usize) -> Result<Explanation, ExplainError> {
    let (m, n) = check_matrix(matrix)?;
    let (r, p) = (m.min(n), m.max(n));
    let wtw = n <= m;
    // A (p×r) has AᵀA = the Gram matrix used. Its entries are scaled by a
    // power of two (exact) so that squares can neither overflow nor underflow.
    let a = if wtw {
        matrix.to_vec()
    } else {
        transpose(matrix)
    };
    let gram = mul(&transpose(&a), &a);
    let amax = a.iter().flatten().fold(0.0f64, |acc, x| acc.max(x.abs()));
    let scale = 2f64.powi((amax.log2().floor() as i32).clamp(-1000, 1000)); // W = 0: 2⁻¹⁰⁰⁰, harmless
    let cols: Mat = (0..r)
        .map(|j| a.iter().map(|row| row[j] / scale).collect())
        .collect();
    let eig = match r {
        1 => Eig {
            method: METHOD_SINGLE,
            sweeps: None,
            ..eig_jacobi(cols)
        },
        2 => eig_quadratic(&cols),
        _ => eig_jacobi(cols),
    };
    let mut notes = Vec::new();
    let (s2, s4) = (scale * scale, scale.powi(4));
    let mut eigenvalues: Vec<f64> = eig.lambda.iter().map(|l| l * s2).collect();
    if eigenvalues.iter().any(|&l| l < 0.0) {
        notes.push("a tiny negative eigenvalue (rounding error) was clamped to 0".to_string());
        eigenvalues.iter_mut().for_each(|l| *l = l.max(0.0));
    }
    if let (Some(sweeps), true) = (eig.sweeps, r > 1) {
        let limit = if sweeps == MAX_SWEEPS {
            ", the limit"
        } else {
            ""
        };
        notes.push(format!(
            "the {r}×{r} Gram matrix was diagonalised numerically by the cyclic Jacobi eigenvalue \
             algorithm in f64 ({sweeps} sweeps{limit}); the rotations were applied to the columns of \
             {} (one-sided form: the same rotations, without the rounding error of forming {})",
            if wtw { "W" } else { "Wᵀ" },
            if wtw { "WᵀW" } else { "WWᵀ" },
        ));
    }
    let tol = p as f64 * f64::EPSILON * eig.sigma[0];
    let zero: Vec<bool> = eig.sigma.iter().map(|&s| s <= tol).collect();
    let sig: Vec<f64> = (0..r)
        .map(|i| if zero[i] { 0.0 } else { eig.sigma[i] })
        .collect();
    for i in (0..r).filter(|&i| zero[i] && eig.sigma[i] > 0.0) {
        notes.push(format!(
            "σ{} ≈ {:.1e} is below the zero threshold max(m,n)·ε·σ₁ = {:.1e} (rounding noise), \
             so it is treated as exactly 0",
            sub(i + 1),
            eig.sigma[i] * scale,
            tol * scale
        ));
    }
    let numerical_rank = zero.iter().filter(|z| !**z).count();
    // The other side: W vᵢ/σᵢ (or Wᵀuᵢ/σᵢ), completed by Gram–Schmidt where σᵢ = 0.
    let (gram_letter, other_letter) = if wtw { ('v', 'u') } else { ('u', 'v') };
    let mut others: Mat = Vec::with_capacity(r);
    let mut completed_vectors = Vec::new();
    for i in 0..r {
        if zero[i] {
            let (vec, from_basis) = complete(&others, p);
            others.push(vec);
            completed_vectors.push(CompletedVector {
                side: other_letter.to_ascii_uppercase().to_string(),
                index: i,
                from_basis,
            });
            notes.push(format!(
                "σ{k} = 0, so {o}{k} cannot come from {w} {gram_letter}{k} / σ{k}; it was \
                 completed by Gram–Schmidt from e{b} (a unit vector orthogonal to the other {o}ⱼ)",
                k = sub(i + 1),
                o = other_letter,
                w = if wtw { "W" } else { "Wᵀ" },
                b = sub(from_basis + 1),
            ));
        } else {
            let mut o: Vec<f64> = eig.images[i].iter().map(|x| x / sig[i]).collect();
            project_out(&mut o, &others);
            others.push(normalized(o));
        }
    }
    let (mut uv, mut vv) = if wtw {
        (others, eig.vecs)
    } else {
        (eig.vecs, others)
    };
    // Sign rule: the first nonzero entry of each vᵢ is positive (flip uᵢ with it).
    for (ui, vi) in uv.iter_mut().zip(vv.iter_mut()) {
        let first = vi.iter().find(|x| x.abs() > SIGN_TOL).copied();
        if first.is_some_and(|x| x < 0.0) {
            ui.iter_mut().chain(vi.iter_mut()).for_each(|x| *x = -*x);
        }
    }
    if numerical_rank == 0 {
        notes.push(format!(
            "W is the zero matrix: every σᵢ = 0 and every vector is an eigenvector of the zero Gram \
             matrix, so the standard basis gives the {gram_letter}ᵢ and the {other_letter}ᵢ are \
             completed; the energy kept is reported as 100 %"
        ));
    }
    // Runs of repeated nonzero singular values.
    let mut start = 0;
    for i in 1..=numerical_rank {
        if i < numerical_rank && sig[i - 1] - sig[i] <= 1e-12 * sig[0] {
            continue;
        }
        if i - start > 1 {
            let names: Vec<String> = (start..i).map(|j| format!("σ{}", sub(j + 1))).collect();
            notes.push(format!(
                "{} is a repeated singular value: its singular vectors are not unique (any \
                 orthonormal basis of the same subspace works); these are the ones computed",
                names.join(" = ")
            ));
        }
        start = i;
    }
    let singular_values: Vec<f64> = sig.iter().map(|s| s * scale).collect();
    let u = columns_to_rows(&uv);
    let v = columns_to_rows(&vv);
    let reconstruction = partial_product(&uv, &singular_values, &vv, r);
    let reconstruction_max_error = max_abs_diff(&reconstruction, matrix);
    let k = rank.clamp(1, r);
    if k != rank {
        notes.push(format!(
            "the requested rank {rank} is outside 1..=min(m,n) = 1..={r}, so k = {k} is used"
        ));
    }
    let approximation = partial_product(&uv, &singular_values, &vv, k);
    let total: f64 = sig.iter().map(|s| s * s).sum();
    let kept: f64 = sig[..k].iter().map(|s| s * s).sum();
    let energy_kept = if total > 0.0 { kept / total } else { 1.0 };
    let frobenius_error = scale * sig[k..].iter().map(|s| s * s).sum::<f64>().sqrt();
    let mut sigma = vec![vec![0.0; r]; r];
    for (i, row) in sigma.iter_mut().enumerate() {
        row[i] = singular_values[i];
    }
    Ok(Explanation {
        matrix: matrix.to_vec(),
        rows: m,
        cols: n,
        gram_side: if wtw { "WtW" } else { "WWt" }.to_string(),
        gram,
        characteristic_polynomial: eig.poly.map(|[a, b, c]| [a, b * s2, c * s4]),
        eigenvalues,
        eigenvalue_method: eig.method.to_string(),
        jacobi_sweeps: eig.sweeps,
        singular_values,
        zero_tolerance: tol * scale,
        numerical_rank,
        u,
        sigma,
        v,
        completed_vectors,
        reconstruction,
        reconstruction_max_error,
        rank: k,
        approximation,
        energy_kept,
        frobenius_error,
        notes,
    })
}

/// Checks shape and finiteness; returns (m, n).
fn check_matrix(matrix: &[Vec<f64>]) -> Result<(usize, usize), ExplainError> {
    let (rows, cols) = (matrix.len(), matrix.first().map_or(0, Vec::len));
    if cols == 0 {
        return Err(ExplainError::Empty);
    }
    for (i, entries) in matrix.iter().enumerate() {
        let (row, found) = (i + 1, entries.len());
        if found != cols {
            return Err(ExplainError::Ragged {
                row,
                found,
                expected: cols,
            });
        }
        if let Some(col) = entries.iter().position(|x| !x.is_finite()).map(|j| j + 1) {
            return Err(ExplainError::NonFinite { row, col });
        }
    }
    if rows > MAX_DIM || cols > MAX_DIM {
        return Err(ExplainError::TooLarge { rows, cols });
    }
    Ok((rows, cols))
}

/// r = 2: roots of λ² − tr·λ + det = 0 in the stable form, exact eigenvectors.
fn eig_quadratic(cols: &[Vec<f64>]) -> Eig {
    let (c0, c1) = (&cols[0], &cols[1]);
    let (a, b, d) = (dot(c0, c0), dot(c0, c1), dot(c1, c1));
    let tr = a + d;
    // det(AᵀA) by Cauchy–Binet: a sum of squared 2×2 minors (≥ 0, exact 0 for rank 1).
    let mut det = 0.0;
    for i in 0..c0.len() {
        for j in i + 1..c0.len() {
            let minor = c0[i] * c1[j] - c0[j] * c1[i];
            det += minor * minor;
        }
    }
    // tr² − 4·det written as (a − d)² + 4b²: no cancellation, never negative.
    let root = ((a - d) * (a - d) + 4.0 * b * b).sqrt();
    let l1 = (tr + root) / 2.0;
    let l2 = if l1 > 0.0 { (det / l1).min(l1) } else { 0.0 };
    // (G − λ₁I)x = 0 solved by whichever of (λ₁ − d, b), (b, λ₁ − a) avoids cancellation.
    let x = if a >= d {
        [(a - d + root) / 2.0, b]
    } else {
        [b, (d - a + root) / 2.0]
    };
    let len = x[0].hypot(x[1]);
    let v1 = if len > 0.0 {
        vec![x[0] / len, x[1] / len]
    } else {
        vec![1.0, 0.0]
    };
    let v2 = vec![-v1[1], v1[0]];
    let image =
        |v: &[f64]| -> Vec<f64> { (0..c0.len()).map(|i| c0[i] * v[0] + c1[i] * v[1]).collect() };
    Eig {
        method: METHOD_QUADRATIC,
        poly: Some([1.0, -tr, det]),
        sweeps: None,
        lambda: vec![l1, l2],
        sigma: vec![l1.sqrt(), l2.sqrt()],
        images: vec![image(&v1), image(&v2)],
        vecs: vec![v1, v2],
    }
}

/// r ≥ 3 (and r = 1, trivially): cyclic Jacobi on AᵀA, in one-sided form (rotating the columns of A).
fn eig_jacobi(mut cols: Mat) -> Eig {
    let r = cols.len();
    let mut vecs: Mat = (0..r)
        .map(|i| (0..r).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    // Columns this short are rounding noise (their σ will count as 0): no need to rotate them.
    let longest = cols.iter().map(|c| norm(c)).fold(0.0, f64::max);
    let noise = 0.5 * cols[0].len() as f64 * f64::EPSILON * longest;
    let mut sweeps = 0;
    while sweeps < MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..r {
            for q in p + 1..r {
                let (alpha, beta) = (dot(&cols[p], &cols[p]), dot(&cols[q], &cols[q]));
                let gamma = dot(&cols[p], &cols[q]);
                if gamma.abs() <= JACOBI_TOL * (alpha * beta).sqrt()
                    || alpha.min(beta) <= noise * noise
                {
                    continue;
                }
                rotated = true;
                // The rotation that zeroes entry (p, q) of the current Gram matrix.
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + zeta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                rotate(&mut cols, p, q, c, c * t);
                rotate(&mut vecs, p, q, c, c * t);
            }
        }
        if !rotated {
            break;
        }
        sweeps += 1;
    }
    let norms: Vec<f64> = cols.iter().map(|c| norm(c)).collect();
    let mut order: Vec<usize> = (0..r).collect();
    order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
    Eig {
        method: METHOD_JACOBI,
        poly: None,
        sweeps: Some(sweeps),
        lambda: order.iter().map(|&i| norms[i] * norms[i]).collect(),
        sigma: order.iter().map(|&i| norms[i]).collect(),
        vecs: order.iter().map(|&i| vecs[i].clone()).collect(),
        images: order.iter().map(|&i| cols[i].clone()).collect(),
    }
}

/// Replaces vectors p, q of `vs` by c·x − s·y and s·x + c·y.
fn rotate(vs: &mut [Vec<f64>], p: usize, q: usize, c: f64, s: f64) {
    let (head, tail) = vs.split_at_mut(q);
    for (x, y) in head[p].iter_mut().zip(tail[0].iter_mut()) {
        (*x, *y) = (c * *x - s * *y, s * *x + c * *y);
    }
}
