//! Filtering a group's mean patch in the 2-D cosine basis.
//!
//! Both stages remove a group's mean patch before its SVD and add it back to every estimate. In
//! a smooth region a group keeps no term at all and its patches become that mean, which still
//! carries noise of σ/√K in every pixel. BM3D's transform along the group has the same
//! coefficient (its DC) and filters it like any other: so here, in the second stage, the mean
//! patch's 2-D cosine coefficients are kept with the empirical Wiener gain `p² / (p² + σ²/K)` of
//! the pilot's mean. (A hard threshold at `2.7·σ/√K` in the first stage, as BM3D's first step
//! has, measured no better: the second stage decides.)

/// The empirical Wiener gain `p² / (p² + noise2)` of a coefficient whose clean value is
/// estimated as `p`: 1 when there is no noise (also for `p = 0`, where the formula is 0/0).
pub(crate) fn wiener_gain(p: f32, noise2: f32) -> f32 {
    let p2 = p * p;
    if p2 + noise2 > 0.0 {
        p2 / (p2 + noise2)
    } else {
        1.0
    }
}

/// The orthonormal 2-D DCT-II of `ps × ps` patches (row-major), applied separably.
pub(crate) struct PatchCosine {
    ps: usize,
    /// Basis vector `i` is row `i`: `c[i·ps + x]`.
    c: Vec<f32>,
    /// Scratch, `ps × ps`.
    tmp: Vec<f32>,
    /// The coefficients of the mean and of the pilot's mean, `ps × ps` each.
    coeffs: Vec<f32>,
}

impl PatchCosine {
    /// The basis for patches of side `ps`.
    pub fn new(ps: usize) -> PatchCosine {
        let n = ps as f64;
        let mut c = vec![0.0f32; ps * ps];
        for i in 0..ps {
            let scale = if i == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            for x in 0..ps {
                let angle = std::f64::consts::PI * (2 * x + 1) as f64 * i as f64 / (2.0 * n);
                c[i * ps + x] = (scale * angle.cos()) as f32;
            }
        }
        PatchCosine {
            ps,
            c,
            tmp: vec![0.0; ps * ps],
            coeffs: vec![0.0; 2 * ps * ps],
        }
    }

    /// `out = C · x · Cᵀ` (cosine coefficients of the patch `x`).
    pub fn forward(&mut self, x: &[f32], out: &mut [f32]) {
        let ps = self.ps;
        // tmp = C · x
        for i in 0..ps {
            for col in 0..ps {
                self.tmp[i * ps + col] =
                    (0..ps).map(|r| self.c[i * ps + r] * x[r * ps + col]).sum();
            }
        }
        // out = tmp · Cᵀ
        for r in 0..ps {
            for j in 0..ps {
                out[r * ps + j] = (0..ps)
                    .map(|col| self.tmp[r * ps + col] * self.c[j * ps + col])
                    .sum();
            }
        }
    }

    /// `x = Cᵀ · coeffs · C` (the patch of cosine coefficients `coeffs`).
    pub fn inverse(&mut self, coeffs: &[f32], x: &mut [f32]) {
        let ps = self.ps;
        // tmp = Cᵀ · coeffs
        for r in 0..ps {
            for col in 0..ps {
                self.tmp[r * ps + col] = (0..ps)
                    .map(|i| self.c[i * ps + r] * coeffs[i * ps + col])
                    .sum();
            }
        }
        // x = tmp · C
        for r in 0..ps {
            for col in 0..ps {
                x[r * ps + col] = (0..ps)
                    .map(|j| self.tmp[r * ps + j] * self.c[j * ps + col])
                    .sum();
            }
        }
    }

    /// Keeps each cosine coefficient of `mean` with the gain `p² / (p² + noise2)`, `p` the same
    /// coefficient of `pilot`; returns the sum of the squared gains.
    pub fn wiener(&mut self, mean: &mut [f32], pilot: &[f32], noise2: f32) -> f32 {
        let mut coeffs = std::mem::take(&mut self.coeffs);
        let (c, p) = coeffs.split_at_mut(self.ps * self.ps);
        self.forward(mean, c);
        self.forward(pilot, p);
        let mut energy = 0.0;
        for (c, &p) in c.iter_mut().zip(p.iter()) {
            let gain = wiener_gain(p, noise2);
            energy += gain * gain;
            *c *= gain;
        }
        self.inverse(c, mean);
        self.coeffs = coeffs;
        energy
    }
}

#[cfg(test)]
mod tests {
    use super::PatchCosine;

    #[test]
    fn forward_then_inverse_is_the_identity_and_keeps_energy() {
        for ps in [1, 4, 7, 8] {
            let mut t = PatchCosine::new(ps);
            let x: Vec<f32> = (0..ps * ps).map(|i| ((i * 37) % 11) as f32 - 4.0).collect();
            let mut c = vec![0.0; ps * ps];
            let mut back = vec![0.0; ps * ps];
            t.forward(&x, &mut c);
            t.inverse(&c, &mut back);
            let e_x: f32 = x.iter().map(|v| v * v).sum();
            let e_c: f32 = c.iter().map(|v| v * v).sum();
            assert!(
                (e_x - e_c).abs() < 1e-3 * e_x.max(1.0),
                "{ps}: {e_x} vs {e_c}"
            );
            for (a, b) in x.iter().zip(&back) {
                assert!((a - b).abs() < 1e-4, "{ps}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn a_flat_patch_is_only_its_dc() {
        let mut t = PatchCosine::new(7);
        let x = vec![3.5f32; 49];
        let mut c = vec![0.0; 49];
        t.forward(&x, &mut c);
        assert!((c[0] - 3.5 * 7.0).abs() < 1e-4);
        assert!(c[1..].iter().all(|v| v.abs() < 1e-4));
    }

    #[test]
    fn without_noise_every_coefficient_is_kept() {
        // A flat pilot has zero coefficients but the DC: with no noise they are kept, not 0/0.
        let mut t = PatchCosine::new(4);
        let pilot = vec![255.0f32; 16];
        let mut mean = pilot.clone();
        let energy = t.wiener(&mut mean, &pilot, 0.0);
        assert!((energy - 16.0).abs() < 1e-4, "{energy}");
        assert!(mean.iter().all(|v| (v - 255.0).abs() < 1e-3), "{mean:?}");
        assert_eq!(super::wiener_gain(0.0, 0.0), 1.0);
    }

    #[test]
    fn wiener_gain_follows_the_pilot() {
        let mut t = PatchCosine::new(4);
        // Pilot: flat (DC only). The noisy mean: flat plus a checkerboard, which the pilot
        // does not have, so it is removed; the DC (pilot ≫ noise) is kept almost whole.
        let pilot = vec![100.0f32; 16];
        let mut mean: Vec<f32> = (0..16)
            .map(|i| 100.0 + if (i / 4 + i % 4) % 2 == 0 { 5.0 } else { -5.0 })
            .collect();
        let energy = t.wiener(&mut mean, &pilot, 1.0);
        assert!((energy - 1.0).abs() < 1e-3, "{energy}");
        for v in &mean {
            assert!((v - 100.0).abs() < 0.01, "{v}");
        }
    }
}
