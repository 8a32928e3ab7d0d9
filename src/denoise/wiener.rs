//! The second stage of the patch method: collaborative Wiener filtering in the pilot's own
//! basis.
//!
//! The first stage's estimate (the pilot) is grouped again (better matches than on the noisy
//! image). Each pilot group `P` (mean removed) gives a basis, its left singular vectors `uᵢ`, and
//! the clean coefficients it expects, `pᵢⱼ = sᵢ vᵢⱼ`. The noisy group's coefficients in that
//! basis, `cᵢⱼ = uᵢᵀ yⱼ`, are kept with the empirical Wiener gain `pᵢⱼ² / (pᵢⱼ² + σ²)`; the
//! directions the pilot does not use (singular values below `floor·K·σ²`) are dropped. As in
//! BM3D's second step, but with the group's own SVD as the transform instead of a fixed one
//! (the idea of BM3D-SAPCA).

use super::lanczos::{self, Workspace};
use super::params::{Band, PatchParams};
use super::Image;

/// The second stage: each group of the noisy image is filtered in the basis of the same group
/// of the pilot estimate (its singular vectors), with empirical Wiener gains `p²/(p² + σ²)`
/// from the pilot's coefficients.
pub(super) fn wiener_row(
    noisy: &Image,
    pilot: &Image,
    groups: &[Vec<u32>],
    r0: usize,
    p: &PatchParams,
    sigma: f64,
) -> Band {
    let (w, h) = (noisy.width, noisy.height);
    let ps = p.patch;
    let channels = noisy.channels.len();
    let top = r0.saturating_sub(p.search_radius);
    let bottom = (r0 + p.search_radius + ps).min(h);
    let rows = bottom - top;
    let mut band = Band {
        top,
        rows,
        values: vec![vec![0.0f32; rows * w]; channels],
        weights: vec![vec![0.0f32; rows * w]; channels],
        ranks: Vec::with_capacity(groups.len()),
    };
    let pp = ps * ps;
    let d = pp;
    let s2 = (sigma * sigma) as f32;
    let floor = p.second_floor;
    let mut ws = Workspace::default();
    let (mut yp, mut yn) = (Vec::new(), Vec::new());
    let (mut mp, mut mn) = (vec![0.0f32; d], vec![0.0f32; d]);
    let mut x = vec![0.0f32; d];
    for group in groups {
        let k = group.len();
        let mut group_rank = 0;
        for ch in 0..channels {
            yp.clear();
            yn.clear();
            for &at in group {
                let at = at as usize;
                for i in 0..ps {
                    yp.extend_from_slice(&pilot.channels[ch][at + i * w..at + i * w + ps]);
                    yn.extend_from_slice(&noisy.channels[ch][at + i * w..at + i * w + ps]);
                }
            }
            for (m, y) in [(&mut mp, &mut yp), (&mut mn, &mut yn)] {
                m.iter_mut().for_each(|v| *v = 0.0);
                for col in y.chunks_exact(d) {
                    lanczos::axpy(1.0 / k as f32, col, m);
                }
                for col in y.chunks_exact_mut(d) {
                    lanczos::axpy(-1.0, m, col);
                }
            }
            let terms = lanczos::top_terms(
                &yp,
                d,
                k,
                floor * k as f64 * f64::from(s2),
                d.min(k),
                &mut ws,
            );
            group_rank = group_rank.max(terms.len());
            // u_i = P v_i / s_i; noisy coefficients c_ij = u_iᵀ Y_j; pilot's p_ij = s_i v_ij.
            let mut us = Vec::with_capacity(terms.len());
            let mut gains = Vec::with_capacity(terms.len());
            let mut energy = 0.0f32;
            for t in &terms {
                let mut u = vec![0.0f32; d];
                let inv = (1.0 / t.sigma.max(1e-30)) as f32;
                for (c, &vc) in t.v.iter().enumerate() {
                    lanczos::axpy(vc * inv, &yp[c * d..(c + 1) * d], &mut u);
                }
                let g: Vec<f32> = (0..k)
                    .map(|j| {
                        let pc = t.sigma as f32 * t.v[j];
                        let c = lanczos::dot(&u, &yn[j * d..(j + 1) * d]);
                        let gain = pc * pc / (pc * pc + s2);
                        energy += gain * gain;
                        gain * c
                    })
                    .collect();
                us.push(u);
                gains.push(g);
            }
            // BM3D's rule: estimates that kept less energy (less noise) weigh more.
            let weight = 1.0 / (1.0 + energy);
            let mean = &mn;
            for (j, &at) in group.iter().enumerate() {
                x.copy_from_slice(mean);
                for (u, g) in us.iter().zip(&gains) {
                    lanczos::axpy(g[j], u, &mut x);
                }
                let at = at as usize;
                let (r, col) = (at / w - top, at % w);
                for i in 0..ps {
                    let o = (r + i) * w + col;
                    for (dv, xv) in band.values[ch][o..o + ps]
                        .iter_mut()
                        .zip(&x[i * ps..(i + 1) * ps])
                    {
                        *dv += weight * xv;
                    }
                    for wv in &mut band.weights[ch][o..o + ps] {
                        *wv += weight;
                    }
                }
            }
        }
        band.ranks.push(group_rank as u16);
    }
    band
}
