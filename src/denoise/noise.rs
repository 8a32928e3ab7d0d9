//! The noise level of an image, estimated from the image alone.
//!
//! The estimate follows Chen, Zhu and Heng, "An Efficient Statistical Method for Image Noise
//! Level Estimation" (ICCV 2015). Patches of 8×8 pixels (all channels stacked) are taken every
//! few pixels and the eigenvalues of their covariance sorted. White noise of variance σ² adds σ²
//! to every eigenvalue, and natural images leave most directions with almost nothing else: the
//! small eigenvalues are then σ² plus a little, spread symmetrically around their mean. Walking
//! from the whole set towards the smallest, the first tail whose mean is also its median (as
//! many values above the mean as below) is taken as noise, and σ is the square root of its mean.

use super::clipping::unclipped_sigma;
use super::Image;
use crate::random::SplitMix64;

/// Patch side for the estimate.
const PATCH: usize = 8;
/// At most this many patches enter the covariance (the stride grows on large images).
const MAX_PATCHES: usize = 30_000;
/// Fewer weak-texture patches than this, and the estimate keeps the patches it has.
const MIN_WEAK: usize = 3_000;
/// Subtracted from every sample before the covariance sums.
const MID_GREY: f64 = 128.0;

/// The noise σ (0–255 scale) of an image given as planes in [0, 1] (grey, or R, G, B): each
/// plane is estimated on its own, with noise cut off at 0 and 255 accounted for
/// (`clipping.rs`), and the median of the three is taken (a plane with much texture is
/// outvoted).
#[must_use]
pub(crate) fn estimate_image_sigma(planes: &[faer::Mat<f32>], w: usize, h: usize) -> f64 {
    let mut estimates: Vec<f64> = crate::parallel::map(planes, |p| {
        let plane = Image {
            width: w,
            height: h,
            channels: vec![(0..w * h).map(|i| 255.0 * p[(i / w, i % w)]).collect()],
        };
        estimate_sigma(&plane, true)
    });
    estimates.sort_by(f64::total_cmp);
    estimates.get(estimates.len() / 2).copied().unwrap_or(0.0)
}

/// The noise standard deviation of `img` on its own scale (0–255 here), from the covariance of
/// its patches. Images smaller than a patch give 0.
///
/// `clipped`: the samples of the one-channel `img` were clipped to [0, 255] after the noise was
/// added. Noise is cut off there, so patches near either end show less of it (at σ 50 a photo's
/// overall noise measured 40–45); the estimate is then turned into the σ of the noise before
/// clipping — the one the denoiser needs — from the patches' means ([`unclipped_sigma`]).
#[must_use]
pub(crate) fn estimate_sigma(img: &Image, clipped: bool) -> f64 {
    let (w, h) = (img.width, img.height);
    if w < PATCH || h < PATCH {
        return 0.0;
    }
    let (nr, nc) = (h - PATCH + 1, w - PATCH + 1);
    // Patch k has its top-left corner at (k / nc, k % nc).
    let patches = nr * nc;
    // The σ before clipping of the noise measured on patches with these means.
    let unclip = |(measured, means): (f64, Vec<f64>)| {
        if clipped && img.channels.len() == 1 {
            unclipped_sigma(measured, &means)
        } else {
            measured
        }
    };
    let mut sigma = unclip(pca_sigma(img, nc, patches, |_| true));
    // Weak-texture patches (after Liu, Tanaka and Okutomi, 2013): texture and edges raise the
    // small eigenvalues too, so keep the patches whose gradient energy pure noise of the current
    // σ would reach 99 % of the time, and estimate again from those. (Clipped patches show less
    // noise and pass easily; the limit is the unclipped σ's, so that mid-range patches, which
    // show all of it, are not cut at a lower quantile.)
    let q = noise_gradient_quantile(img.channels.len(), 0.99);
    let energy: Vec<f64> = (0..patches)
        .map(|k| gradient_energy(img, (k / nc, k % nc)))
        .collect();
    for _ in 0..3 {
        let limit = q * sigma * sigma;
        let weak = |k: usize| energy[k] <= limit;
        let count = (0..patches).filter(|&k| weak(k)).count();
        if count < MIN_WEAK || count == patches {
            break;
        }
        let next = unclip(pca_sigma(img, nc, patches, weak));
        let settled = (next - sigma).abs() < 1e-3 * sigma;
        sigma = next;
        if settled {
            break;
        }
    }
    sigma
}

/// Σ of squared differences between horizontal and vertical neighbours inside the patch at
/// `(r, c)`, over all channels.
fn gradient_energy(img: &Image, (r, c): (usize, usize)) -> f64 {
    let w = img.width;
    let mut e = 0.0f64;
    for plane in &img.channels {
        for dy in 0..PATCH {
            let row = &plane[(r + dy) * w + c..(r + dy) * w + c + PATCH];
            for x in 0..PATCH - 1 {
                e += f64::from((row[x + 1] - row[x]).powi(2));
            }
            if dy + 1 < PATCH {
                let below = &plane[(r + dy + 1) * w + c..(r + dy + 1) * w + c + PATCH];
                for (a, b) in row.iter().zip(below) {
                    e += f64::from((b - a).powi(2));
                }
            }
        }
    }
    e
}

/// The `p` quantile of [`gradient_energy`] of patches of unit white noise with `channels`
/// channels (drawn from a fixed seed, so always the same value).
fn noise_gradient_quantile(channels: usize, p: f64) -> f64 {
    let mut g = SplitMix64::new(0x5EED);
    let n = 4000;
    let mut values: Vec<f64> = (0..n)
        .map(|_| {
            let img = Image {
                width: PATCH,
                height: PATCH,
                channels: (0..channels)
                    .map(|_| (0..PATCH * PATCH).map(|_| g.normal() as f32).collect())
                    .collect(),
            };
            gradient_energy(&img, (0, 0))
        })
        .collect();
    values.sort_by(f64::total_cmp);
    values[((n as f64 * p) as usize).min(n - 1)]
}

/// Chen et al.'s estimate from the patches `k < patches` (top-left corner `(k / nc, k % nc)`)
/// for which `keep(k)` holds (at most `MAX_PATCHES` of them, evenly spread among those), and the
/// mean sample of each patch used.
fn pca_sigma(
    img: &Image,
    nc: usize,
    patches: usize,
    keep: impl Fn(usize) -> bool,
) -> (f64, Vec<f64>) {
    let w = img.width;
    let kept = (0..patches).filter(|&k| keep(k)).count();
    let every = kept.div_ceil(MAX_PATCHES).max(1);
    let corners: Vec<(usize, usize)> = (0..patches)
        .filter(|&k| keep(k))
        .step_by(every)
        .map(|k| (k / nc, k % nc))
        .collect();
    let d = PATCH * PATCH * img.channels.len();
    let n = corners.len();
    // The covariance accumulated patch by patch (sums and the lower triangle of the sums of
    // products, about mid-grey to keep the cancellation small), never the d × n matrix of all
    // patches; no library product or eigensolver: their blocked kernels keep a workspace of
    // tens of megabytes per thread for the rest of the run.
    let mut sum = vec![0.0f64; d];
    let mut products = vec![0.0f64; d * d];
    let mut patch = vec![0.0f64; d];
    let mut means = Vec::with_capacity(n);
    for &(r, c) in &corners {
        let mut i = 0;
        for plane in &img.channels {
            for dy in 0..PATCH {
                for &v in &plane[(r + dy) * w + c..(r + dy) * w + c + PATCH] {
                    patch[i] = f64::from(v) - MID_GREY;
                    i += 1;
                }
            }
        }
        means.push(MID_GREY + patch.iter().sum::<f64>() / d as f64);
        for (i, &pi) in patch.iter().enumerate() {
            sum[i] += pi;
            for (q, &pj) in products[i * d..=i * d + i].iter_mut().zip(&patch[..=i]) {
                *q += pi * pj;
            }
        }
    }
    let nf = n as f64;
    let mut cov = vec![0.0f64; d * d];
    for i in 0..d {
        for j in 0..=i {
            let v = products[i * d + j] / nf - (sum[i] / nf) * (sum[j] / nf);
            cov[i * d + j] = v;
            cov[j * d + i] = v;
        }
    }
    let mut values = symmetric_eigenvalues(cov, d);
    values.sort_by(f64::total_cmp);
    (median_mean_tail(&values).max(0.0).sqrt(), means)
}

/// The eigenvalues of the symmetric `n × n` row-major matrix `a`, by cyclic Jacobi rotations.
fn symmetric_eigenvalues(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    for _ in 0..JACOBI_SWEEPS {
        let mut off = 0.0;
        let mut diag = 0.0;
        for i in 0..n {
            diag += a[i * n + i] * a[i * n + i];
            for j in i + 1..n {
                off += a[i * n + j] * a[i * n + j];
            }
        }
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    let t = 1.0 / (theta.abs() + (theta * theta + 1.0).sqrt());
                    if theta < 0.0 {
                        -t
                    } else {
                        t
                    }
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (kp, kq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * kp - s * kq;
                    a[k * n + q] = s * kp + c * kq;
                }
                for k in 0..n {
                    let (pk, qk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * pk - s * qk;
                    a[q * n + k] = s * pk + c * qk;
                }
            }
        }
    }
    (0..n).map(|i| a[i * n + i]).collect()
}

/// Most sweeps of [`symmetric_eigenvalues`] (it converges quadratically, in under ten).
const JACOBI_SWEEPS: usize = 30;

/// The mean of the longest prefix of the ascending `values` whose mean is also its median.
fn median_mean_tail(values: &[f64]) -> f64 {
    for len in (1..=values.len()).rev() {
        let tail = &values[..len];
        let mean = tail.iter().sum::<f64>() / len as f64;
        let above = tail.iter().filter(|&&v| v > mean).count();
        let below = tail.iter().filter(|&&v| v < mean).count();
        if above == below {
            return mean;
        }
    }
    values.first().copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smooth_image(w: usize, h: usize, channels: usize) -> Image {
        Image {
            width: w,
            height: h,
            channels: (0..channels)
                .map(|c| {
                    (0..w * h)
                        .map(|i| {
                            let (x, y) = ((i % w) as f32, (i / w) as f32);
                            120.0
                                + 60.0 * ((x * 0.05 + c as f32).sin() * (y * 0.03).cos())
                                + 0.2 * x
                        })
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn jacobi_eigenvalues_match_faer() {
        let n = 12;
        let mut x = SplitMix64::new(3);
        let b: Vec<f64> = (0..n * n).map(|_| x.normal()).collect();
        let a = faer::Mat::<f64>::from_fn(n, n, |i, j| {
            (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum::<f64>()
        });
        let mut want = a
            .self_adjoint_eigenvalues(faer::Side::Lower)
            .expect("converges");
        want.sort_by(f64::total_cmp);
        let flat: Vec<f64> = (0..n * n).map(|k| a[(k / n, k % n)]).collect();
        let mut got = symmetric_eigenvalues(flat, n);
        got.sort_by(f64::total_cmp);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12 * want[n - 1], "{g} {w}");
        }
    }

    #[test]
    fn estimates_added_noise_at_several_levels() {
        for (channels, sigma) in [(1, 5.0), (1, 15.0), (1, 50.0), (3, 10.0), (3, 25.0)] {
            let mut img = smooth_image(160, 120, channels);
            let mut g = SplitMix64::new(42);
            for plane in &mut img.channels {
                for v in plane.iter_mut() {
                    *v += (sigma * g.normal()) as f32;
                }
            }
            let est = estimate_sigma(&img, false);
            assert!(
                (est - sigma).abs() < 0.05 * sigma,
                "σ {sigma}: estimated {est}"
            );
        }
    }

    #[test]
    fn noise_cut_off_at_both_ends_is_estimated_as_before_clipping() {
        // Dark shadows, mid-tones and bright sky (levels 10, 128 and 245), noise of σ 50 and
        // 25 clipped to [0, 255]: more than a third of the samples lie at an end.
        for sigma in [25.0, 50.0] {
            let (w, h) = (192, 128);
            let mut g = SplitMix64::new(11);
            let plane: Vec<f32> = (0..w * h)
                .map(|i| {
                    let level = [10.0, 128.0, 245.0][(i % w) * 3 / w];
                    (level + sigma * g.normal()).round().clamp(0.0, 255.0) as f32
                })
                .collect();
            let img = Image {
                width: w,
                height: h,
                channels: vec![plane],
            };
            let plain = estimate_sigma(&img, false);
            let est = estimate_sigma(&img, true);
            assert!(plain < 0.9 * sigma, "σ {sigma}: without the model {plain}");
            assert!(
                (est - sigma).abs() < 0.04 * sigma,
                "σ {sigma}: estimated {est}"
            );
        }
    }

    #[test]
    fn clean_smooth_image_has_little_noise() {
        assert!(estimate_sigma(&smooth_image(100, 90, 1), false) < 0.5);
        assert_eq!(estimate_sigma(&smooth_image(5, 90, 1), false), 0.0);
    }
}
