//! The SVD of one small square block (4×4 to 32×32) by one-sided Jacobi rotations, in f64.
//!
//! A general dense SVD call costs more in set-up than the whole factorization of an 8×8 block;
//! Hestenes' method rotates pairs of columns of Xᵀ until they are orthogonal, and its columns
//! are then σ_t·u_t. Only the left vectors and the singular values are needed: the codec refits
//! each right vector to the quantized left one (`terms`).

/// Rotations stop when every pair's cosine is below this.
const TOLERANCE: f64 = 1e-12;
/// Sweeps at most (convergence is quadratic; 8×8 blocks take 5–7).
const MAX_SWEEPS: usize = 30;

/// The singular values (descending) and left singular vectors of the `n × n` row-major block
/// `x`: returns `(sigma, u)` with `u[t * n + i]` the i-th entry of the t-th vector.
#[must_use]
pub fn left_singular(x: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    debug_assert_eq!(x.len(), n * n);
    // Row j of `w` is column j of X; rotating pairs of them (X·V for a product V of plane
    // rotations) until all are orthogonal leaves the columns σ_j·u_j.
    let mut w = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            w[j * n + i] = x[i * n + j];
        }
    }
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    let (a, b) = (w[p * n + i], w[q * n + i]);
                    alpha += a * a;
                    beta += b * b;
                    gamma += a * b;
                }
                if gamma == 0.0 || gamma.abs() <= TOLERANCE * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for i in 0..n {
                    let (a, b) = (w[p * n + i], w[q * n + i]);
                    w[p * n + i] = c * a - s * b;
                    w[q * n + i] = s * a + c * b;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    // Column j of X·V is σ_j·u_j.
    let mut order: Vec<(f64, usize)> = (0..n)
        .map(|j| {
            let norm = w[j * n..(j + 1) * n]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            (norm, j)
        })
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut sigma = Vec::with_capacity(n);
    let mut u = vec![0.0; n * n];
    for (t, &(s, j)) in order.iter().enumerate() {
        sigma.push(s);
        if s > 0.0 {
            for i in 0..n {
                u[t * n + i] = w[j * n + i] / s;
            }
        }
    }
    (sigma, u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n * n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 200.0 - 100.0
            })
            .collect()
    }

    #[test]
    fn matches_faer_and_rebuilds_the_block() {
        for n in [4, 8, 16] {
            let x = pseudo_random(n, n as u64);
            let (sigma, u) = left_singular(&x, n);
            let m = faer::Mat::<f64>::from_fn(n, n, |i, j| x[i * n + j]);
            let reference = m.singular_values().expect("svd");
            for t in 0..n {
                assert!(
                    (sigma[t] - reference[t]).abs() < 1e-9 * reference[0],
                    "σ_{t}"
                );
            }
            // X = Σ σ_t u_t v_tᵀ with v_t = Xᵀ u_t / σ_t, so Σ u_t u_tᵀ X = X.
            for i in 0..n {
                for j in 0..n {
                    let mut v = 0.0;
                    for t in 0..n {
                        let proj: f64 = (0..n).map(|r| u[t * n + r] * x[r * n + j]).sum();
                        v += u[t * n + i] * proj;
                    }
                    assert!((v - x[i * n + j]).abs() < 1e-9, "({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn rank_one_and_zero_blocks() {
        let n = 8;
        let x: Vec<f64> = (0..n * n)
            .map(|k| ((k / n) as f64 - 3.5) * ((k % n) as f64 + 1.0))
            .collect();
        let (sigma, _) = left_singular(&x, n);
        assert!(sigma[0] > 1.0 && sigma[1] < 1e-9 * sigma[0]);
        let (sigma, u) = left_singular(&vec![0.0; n * n], n);
        assert!(sigma.iter().all(|&s| s == 0.0) && u.iter().all(|&v| v == 0.0));
    }
}
