//! The first stage of the patch method: weighted nuclear-norm minimization on each group.
//!
//! A group's patches, one channel at a time, are the columns of a small matrix `Y` (mean column
//! removed). Each singular value is shrunk by the closed form of weighted nuclear-norm
//! minimization with weights inversely proportional to the singular values (Gu et al., CVPR
//! 2014): `σ̃ = (σ + √(σ² − 4C)) / 2`, zero when `σ² ≤ 4C`, with `√(4C) = t·(√D + √K)·σₙ`, the
//! edge of the noise's own spectrum (Marchenko–Pastur) scaled by `t`: a group of pure noise keeps
//! rank 0, large singular values lose little.

use super::lanczos::{self, Workspace};
use super::matching::RowGroups;
use super::params::{gather, remove_mean, Band, PatchParams};
use super::Image;

/// The groups of one row of reference patches, aggregated into a band.
/// `residual`: None on the first pass (the noise is `sigma`), else σ² to re-estimate from.
pub(super) fn filter_row(
    noisy: &Image,
    current: &Image,
    groups: &RowGroups,
    r0: usize,
    p: &PatchParams,
    residual: Option<f32>,
    sigma: f64,
) -> Band {
    let w = noisy.width;
    let ps = p.patch;
    let d = ps * ps;
    let mut band = Band::for_row(current, r0, p, groups.len());
    let (mut y, mut orig, mut mean, mut x) = (Vec::new(), Vec::new(), Vec::new(), vec![0.0f32; d]);
    let mut ws = Workspace::default();
    let mut group = Vec::new();
    for g in 0..groups.len() {
        groups.group_into(g, &mut group);
        let group = group.as_slice();
        let k = group.len();
        let mut group_rank = 0;
        // Each channel is thresholded on its own (measured: better than stacking the channels
        // of a group into one matrix, +0.4 dB on a colour photo at σ 25).
        for (ch, plane) in current.channels.iter().enumerate() {
            gather(plane, w, ps, group, &mut y);
            // The noise left in this group.
            let noise = match residual {
                None => sigma,
                Some(s2) => {
                    gather(&noisy.channels[ch], w, ps, group, &mut orig);
                    let drift: f64 = y
                        .iter()
                        .zip(&orig)
                        .map(|(a, b)| f64::from((a - b) * (a - b)))
                        .sum();
                    let left = (f64::from(s2) - drift / (d * k) as f64).abs();
                    p.residual_factor * left.sqrt()
                }
            };
            remove_mean(&mut y, d, &mut mean);
            let edge = p.threshold * ((d as f64).sqrt() + (k as f64).sqrt()) * noise;
            let four_c = edge * edge;
            let terms = lanczos::top_terms(&y, d, k, four_c, d.min(k), &mut ws);
            // u_i σ̃_i = Y v_i · (σ̃_i / σ_i)
            let us: Vec<Vec<f32>> = terms
                .iter()
                .map(|t| {
                    let shrunk = 0.5 * (t.sigma + (t.sigma * t.sigma - four_c).max(0.0).sqrt());
                    let scale = (shrunk / t.sigma.max(1e-30)) as f32;
                    let mut u = vec![0.0f32; d];
                    for (c, &vc) in t.v.iter().enumerate() {
                        lanczos::axpy(vc * scale, &y[c * d..(c + 1) * d], &mut u);
                    }
                    u
                })
                .collect();
            group_rank = group_rank.max(terms.len());
            // Groups that kept less are trusted more (less noise left in them).
            let weight = 1.0 / (1.0 + terms.len() as f32);
            for (c, &at) in group.iter().enumerate() {
                x.copy_from_slice(&mean);
                for (t, u) in terms.iter().zip(&us) {
                    lanczos::axpy(t.v[c], u, &mut x);
                }
                band.add(ch, at as usize, ps, &x, weight);
            }
        }
        band.ranks.push(group_rank as u16);
    }
    band
}
