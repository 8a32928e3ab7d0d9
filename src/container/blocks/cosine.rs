//! The orthonormal DCT-II of length n ∈ {4, 8, 16, 32} in which the block codec stores its
//! singular vectors: a block's singular vectors are mostly smooth (or, in a regular texture,
//! nearly periodic), so their cosine coefficients are mostly small and cost few bits; the
//! transform keeps norms, so a coefficient quantized with step Δ still costs Δ²/12 of squared
//! error.
//!
//! The decoder's inverse runs in single precision from tables every platform computes alike:
//! the cosines come from correctly rounded IEEE operations only (square roots by halving the
//! angle, then the angle-addition recurrence), never from a library `cos`.

use std::sync::OnceLock;

/// Longest vector the tables cover.
const MAX_N: usize = 32;

/// cos(π·j / (2·MAX_N)) for j in 0..4·MAX_N, by IEEE arithmetic only.
fn cosines() -> [f64; 4 * MAX_N] {
    // cos and sin of π/(2·MAX_N) = π/64 from cos(π/2) = 0 by five half-angle steps.
    let mut c: f64 = 0.0;
    for _ in 0..5 {
        c = ((1.0 + c) / 2.0).sqrt();
    }
    let s = (1.0 - c * c).sqrt();
    let mut out = [0.0; 4 * MAX_N];
    let (mut cj, mut sj) = (1.0f64, 0.0f64);
    for (j, o) in out.iter_mut().enumerate().take(MAX_N + 1) {
        *o = if j == MAX_N { 0.0 } else { cj };
        (cj, sj) = (cj * c - sj * s, sj * c + cj * s);
    }
    // cos(π − θ) = −cos θ, cos(2π − θ) = cos θ.
    for j in MAX_N + 1..2 * MAX_N {
        out[j] = -out[2 * MAX_N - j];
    }
    out[2 * MAX_N] = -1.0;
    for j in 2 * MAX_N + 1..4 * MAX_N {
        out[j] = out[4 * MAX_N - j];
    }
    out
}

/// The n × n basis, row k = frequency k: `scale_k · cos(π·(2i+1)·k / (2n))`.
fn basis(n: usize) -> &'static [f32] {
    static TABLES: OnceLock<[Vec<f32>; 4]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let cos = cosines();
        [4, 8, 16, 32].map(|n: usize| {
            let step = MAX_N / n;
            let mut out = Vec::with_capacity(n * n);
            for k in 0..n {
                let scale = if k == 0 {
                    (1.0 / n as f64).sqrt()
                } else {
                    (2.0 / n as f64).sqrt()
                };
                for i in 0..n {
                    let j = ((2 * i + 1) * k * step) % (4 * MAX_N);
                    out.push((scale * cos[j]) as f32);
                }
            }
            out
        })
    });
    match n {
        4 => &tables[0],
        8 => &tables[1],
        16 => &tables[2],
        32 => &tables[3],
        _ => panic!("no cosine basis of length {n}"),
    }
}

/// The cosine coefficients of `v` (length 4, 8, 16 or 32), into `out`.
pub fn forward(v: &[f64], out: &mut [f64]) {
    let n = v.len();
    let b = basis(n);
    for (k, o) in out.iter_mut().enumerate() {
        *o = b[k * n..(k + 1) * n]
            .iter()
            .zip(v)
            .map(|(&c, &x)| f64::from(c) * x)
            .sum();
    }
}

/// The vector whose cosine coefficients are the integers `q`, times `scale`, into `out`, in
/// single precision and in this order in every decoder.
pub fn inverse(q: &[i32], scale: f32, out: &mut [f32]) {
    let n = q.len();
    let b = basis(n);
    out.iter_mut().for_each(|o| *o = 0.0);
    for (k, &qk) in q.iter().enumerate() {
        if qk == 0 {
            continue;
        }
        let w = qk as f32 * scale;
        for (o, &c) in out.iter_mut().zip(&b[k * n..(k + 1) * n]) {
            *o += w * c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bases_are_orthonormal_and_match_the_cosine() {
        for n in [4, 8, 16, 32] {
            let b = basis(n);
            for k in 0..n {
                for i in 0..n {
                    let scale = if k == 0 {
                        (1.0 / n as f64).sqrt()
                    } else {
                        (2.0 / n as f64).sqrt()
                    };
                    let exact = scale
                        * (std::f64::consts::PI * (2 * i + 1) as f64 * k as f64 / (2 * n) as f64)
                            .cos();
                    assert!(
                        (f64::from(b[k * n + i]) - exact).abs() < 1e-7,
                        "{n} {k} {i}"
                    );
                }
                for l in 0..n {
                    let dot: f64 = (0..n)
                        .map(|i| f64::from(b[k * n + i]) * f64::from(b[l * n + i]))
                        .sum();
                    let want = if k == l { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-6, "{n} {k} {l}: {dot}");
                }
            }
        }
    }

    #[test]
    fn inverse_undoes_forward() {
        let v: Vec<f64> = (0..8).map(|i| f64::from(i * i % 7) - 3.0).collect();
        let mut c = vec![0.0; 8];
        forward(&v, &mut c);
        let q: Vec<i32> = c.iter().map(|&x| (x * 1000.0).round() as i32).collect();
        let mut back = vec![0.0f32; 8];
        inverse(&q, 0.001, &mut back);
        for (a, b) in v.iter().zip(&back) {
            assert!((a - f64::from(*b)).abs() < 1e-2, "{a} {b}");
        }
    }
}
