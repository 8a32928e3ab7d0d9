//! The second stage of the patch method: collaborative Wiener filtering in the pilot's own
//! basis.
//!
//! The first stage's estimate (the pilot) is grouped again (better matches than on the noisy
//! image). Each pilot group `P` (mean removed) gives a basis, its left singular vectors `uᵢ`, and
//! the clean coefficients it expects, `pᵢⱼ = sᵢ vᵢⱼ`. The noisy group's coefficients in that
//! basis, `cᵢⱼ = uᵢᵀ yⱼ`, are kept with the empirical Wiener gain `pᵢⱼ² / (pᵢⱼ² + σ²)`; the
//! directions the pilot does not use (singular values below `floor·K·σ²`) are dropped, and the
//! group's mean patch is filtered by its cosine coefficients with the pilot's mean
//! (`mean_filter.rs`). As in
//! BM3D's second step, but with the group's own SVD as the transform instead of a fixed one
//! (the idea of BM3D-SAPCA).

use super::lanczos::{self, Workspace};
use super::matching::RowGroups;
use super::mean_filter::{wiener_gain, PatchCosine};
use super::params::{gather, remove_mean, Band, PatchParams};
use super::Image;

/// The second stage: each group of the noisy image is filtered in the basis of the same group
/// of the pilot estimate (its singular vectors), with empirical Wiener gains `p²/(p² + σ²)`
/// from the pilot's coefficients.
pub(super) fn wiener_row(
    noisy: &Image,
    pilot: &Image,
    groups: &RowGroups,
    r0: usize,
    p: &PatchParams,
    sigma: f64,
) -> Band {
    let w = noisy.width;
    let ps = p.patch;
    let d = ps * ps;
    let mut band = Band::for_row(noisy, r0, p, groups.len());
    let s2 = (sigma * sigma) as f32;
    let floor = p.second_floor;
    let mut ws = Workspace::default();
    let mut cosine = PatchCosine::new(ps);
    let (mut yp, mut yn) = (Vec::new(), Vec::new());
    let (mut mp, mut mn) = (Vec::new(), Vec::new());
    let mut x = vec![0.0f32; d];
    let mut group = Vec::new();
    for g in 0..groups.len() {
        groups.group_into(g, &mut group);
        let group = group.as_slice();
        let k = group.len();
        let mut group_rank = 0;
        for ch in 0..noisy.channels.len() {
            gather(&pilot.channels[ch], w, ps, group, &mut yp);
            gather(&noisy.channels[ch], w, ps, group, &mut yn);
            remove_mean(&mut yp, d, &mut mp);
            remove_mean(&mut yn, d, &mut mn);
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
            if p.mean_noise > 0.0 {
                let noise2 = (p.mean_noise * f64::from(s2) / k as f64) as f32;
                energy += cosine.wiener(&mut mn, &mp, noise2);
            }
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
                        let gain = wiener_gain(pc, s2);
                        energy += gain * gain;
                        gain * c
                    })
                    .collect();
                us.push(u);
                gains.push(g);
            }
            // BM3D's rule: estimates that kept less energy (less noise) weigh more.
            let weight = 1.0 / (1.0 + energy);
            for (j, &at) in group.iter().enumerate() {
                x.copy_from_slice(&mn);
                for (u, g) in us.iter().zip(&gains) {
                    lanczos::axpy(g[j], u, &mut x);
                }
                band.add(ch, at as usize, ps, &x, weight);
            }
        }
        band.ranks.push(group_rank as u16);
    }
    band
}
