//! Small dense vector and matrix helpers of the walk-through (rows as `Vec<f64>`).

use super::Mat;

/// Gram–Schmidt completion: the standard basis vector eⱼ with the largest
/// component orthogonal to `basis`, orthogonalised and normalised; returns (vector, j).
pub(super) fn complete(basis: &[Vec<f64>], p: usize) -> (Vec<f64>, usize) {
    let mut best = (Vec::new(), 0, -1.0);
    for j in 0..p {
        let mut e = vec![0.0; p];
        e[j] = 1.0;
        project_out(&mut e, basis);
        let len = norm(&e);
        if len > best.2 {
            best = (e, j, len);
        }
    }
    (normalized(best.0), best.1)
}

/// Removes from x its components along the (orthonormal) `basis`, twice for accuracy.
pub(super) fn project_out(x: &mut [f64], basis: &[Vec<f64>]) {
    for _ in 0..2 {
        for b in basis {
            let c = dot(x, b);
            x.iter_mut().zip(b).for_each(|(xi, bi)| *xi -= c * bi);
        }
    }
}

pub(super) fn normalized(mut x: Vec<f64>) -> Vec<f64> {
    let len = norm(&x);
    x.iter_mut().for_each(|xi| *xi /= len);
    x
}

pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

pub(super) fn norm(x: &[f64]) -> f64 {
    dot(x, x).sqrt()
}

pub(super) fn transpose(a: &[Vec<f64>]) -> Mat {
    (0..a[0].len())
        .map(|j| a.iter().map(|row| row[j]).collect())
        .collect()
}

pub(super) fn mul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Mat {
    a.iter()
        .map(|row| {
            (0..b[0].len())
                .map(|j| row.iter().zip(b).map(|(x, brow)| x * brow[j]).sum())
                .collect()
        })
        .collect()
}

/// Turns a list of column vectors into a row-major matrix (−0 becomes 0).
pub(super) fn columns_to_rows(columns: &[Vec<f64>]) -> Mat {
    (0..columns[0].len())
        .map(|i| columns.iter().map(|c| c[i] + 0.0).collect())
        .collect()
}

/// Σ_{l<k} σ_l u_l v_lᵀ for column vectors u_l, v_l.
pub(super) fn partial_product(u: &[Vec<f64>], s: &[f64], v: &[Vec<f64>], k: usize) -> Mat {
    (0..u[0].len())
        .map(|i| {
            (0..v[0].len())
                .map(|j| (0..k).map(|l| s[l] * u[l][i] * v[l][j]).sum::<f64>() + 0.0)
                .collect()
        })
        .collect()
}

pub(super) fn max_abs_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0, |acc, (x, y)| acc.max((x - y).abs()))
}

/// Column `k` of a row-major matrix.
pub(super) fn column(m: &[Vec<f64>], k: usize) -> Vec<f64> {
    m.iter().map(|row| row[k]).collect()
}
