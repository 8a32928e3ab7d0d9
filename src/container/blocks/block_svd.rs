//! The SVD of one small square block (4×4 to 32×32) by one-sided Jacobi rotations, in f32.
//!
//! A general dense SVD call costs more in set-up than the whole factorization of an 8×8 block;
//! Hestenes' method rotates pairs of columns of X until they are orthogonal, and they are then
//! σ_t·u_t. Only the left vectors and the singular values are needed: the codec refits
//! each right vector to the quantized left one (`terms`).

/// Rotations stop when every pair's cosine is below this: far finer than any quantization step
/// needs (the codec's finest is ½ on the 0–255 scale), and within reach of single precision.
const TOLERANCE: f32 = 1e-6;
/// Sweeps at most (convergence is quadratic; 8×8 blocks take 4–6).
const MAX_SWEEPS: usize = 20;

/// The singular values (descending) and left singular vectors of the `n × n` row-major block
/// `x` (n = 4, 8, 16 or 32): returns `(sigma, u)` with `u[t * n + i]` the i-th entry of the t-th
/// vector.
#[must_use]
pub fn left_singular(x: &[f32], n: usize) -> (Vec<f32>, Vec<f32>) {
    debug_assert_eq!(x.len(), n * n);
    match n {
        4 => jacobi::<4>(x),
        8 => jacobi::<8>(x),
        16 => jacobi::<16>(x),
        32 => jacobi::<32>(x),
        _ => unreachable!("block sides are 4, 8, 16 or 32"),
    }
}

/// One-sided Jacobi in single precision on a block of side `N` known at compile time, so that
/// the column loops unroll and vectorize.
fn jacobi<const N: usize>(x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    // Row j of `w` is column j of X; rotating pairs of them (X·V for a product V of plane
    // rotations) until all are orthogonal leaves the columns σ_j·u_j.
    let mut w = [[0.0f32; N]; N];
    for i in 0..N {
        for j in 0..N {
            w[j][i] = x[i * N + j];
        }
    }
    let mut norms = [0.0f32; N];
    for j in 0..N {
        norms[j] = w[j].iter().map(|v| v * v).sum();
    }
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..N {
            for q in p + 1..N {
                let (alpha, beta) = (norms[p], norms[q]);
                let gamma: f32 = w[p].iter().zip(&w[q]).map(|(a, b)| a * b).sum();
                if gamma == 0.0 || gamma.abs() <= TOLERANCE * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                let (wp, wq) = (w[p], w[q]);
                for i in 0..N {
                    w[p][i] = c * wp[i] - s * wq[i];
                    w[q][i] = s * wp[i] + c * wq[i];
                }
                norms[p] = w[p].iter().map(|v| v * v).sum();
                norms[q] = w[q].iter().map(|v| v * v).sum();
            }
        }
        if !rotated {
            break;
        }
    }
    let mut order: [(f32, usize); N] = [(0.0, 0); N];
    for (j, o) in order.iter_mut().enumerate() {
        *o = (norms[j].sqrt(), j);
    }
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut sigma = Vec::with_capacity(N);
    let mut u = vec![0.0; N * N];
    for (t, &(s, j)) in order.iter().enumerate() {
        sigma.push(s);
        if s > 0.0 {
            for i in 0..N {
                u[t * N + i] = w[j][i] / s;
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

    fn single(x: &[f64]) -> Vec<f32> {
        x.iter().map(|&v| v as f32).collect()
    }

    fn double(x: &[f32]) -> Vec<f64> {
        x.iter().map(|&v| f64::from(v)).collect()
    }

    #[test]
    fn matches_faer_and_rebuilds_the_block() {
        for n in [4, 8, 16] {
            let x = pseudo_random(n, n as u64);
            let (sigma, u) = left_singular(&single(&x), n);
            let (sigma, u) = (double(&sigma), double(&u));
            let m = faer::Mat::<f64>::from_fn(n, n, |i, j| x[i * n + j]);
            let reference = m.singular_values().expect("svd");
            for t in 0..n {
                assert!(
                    (sigma[t] - reference[t]).abs() < 1e-5 * reference[0],
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
                    assert!(
                        (v - x[i * n + j]).abs() < 5e-3,
                        "({i}, {j}) in single precision"
                    );
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
        let (sigma, _) = left_singular(&single(&x), n);
        let sigma = double(&sigma);
        assert!(sigma[0] > 1.0 && sigma[1] < 1e-5 * sigma[0]);
        let (sigma, u) = left_singular(&vec![0.0; n * n], n);
        assert!(sigma.iter().all(|&s| s == 0.0) && u.iter().all(|&v| v == 0.0));
    }
}
