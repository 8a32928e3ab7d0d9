//! The noise level of an image, estimated from the image alone.
//!
//! The estimate follows Chen, Zhu and Heng, "An Efficient Statistical Method for Image Noise
//! Level Estimation" (ICCV 2015). Patches of 8×8 pixels (all channels stacked) are taken every
//! few pixels and the eigenvalues of their covariance sorted. White noise of variance σ² adds σ²
//! to every eigenvalue, and natural images leave most directions with almost nothing else: the
//! small eigenvalues are then σ² plus a little, spread symmetrically around their mean. Walking
//! from the whole set towards the smallest, the first tail whose mean is also its median (as
//! many values above the mean as below) is taken as noise, and σ is the square root of its mean.

use faer::{Mat, Side};

use super::Image;
use crate::random::SplitMix64;

/// Patch side for the estimate.
const PATCH: usize = 8;
/// At most this many patches enter the covariance (the stride grows on large images).
const MAX_PATCHES: usize = 30_000;

/// The noise σ (0–255 scale) of an image given as planes in [0, 1] (grey, or R, G, B): each
/// plane is estimated on its own with the patches clear of clipping in that plane (clipping is
/// per channel, so far more patches stay clear than when all three must be), and the median of
/// the three is taken (a plane with much texture or much clipping is outvoted).
#[must_use]
pub(crate) fn estimate_image_sigma(planes: &[faer::Mat<f32>], w: usize, h: usize) -> f64 {
    let mut estimates: Vec<f64> = crate::parallel::map(planes, |p| {
        let plane = Image {
            width: w,
            height: h,
            channels: vec![(0..w * h).map(|i| 255.0 * p[(i / w, i % w)]).collect()],
        };
        let clipped: Vec<bool> = (0..w * h)
            .map(|i| matches!(p[(i / w, i % w)], v if v <= 0.0 || v >= 1.0))
            .collect();
        estimate_sigma(&plane, Some(&clipped))
    });
    estimates.sort_by(f64::total_cmp);
    estimates.get(estimates.len() / 2).copied().unwrap_or(0.0)
}

/// Fewer patches clear of clipping than this, and all patches are used.
const MIN_CLEAR: usize = 3_000;

/// The noise standard deviation of `img` on its own scale (0–255 here), from the covariance of
/// its patches. Images smaller than a patch give 0.
///
/// `clipped` marks pixels with a sample at the end of its range (0 or the peak). Noise is cut
/// off there, so it is weaker than elsewhere (at σ 50 a photo's overall noise measured 42–45);
/// patches holding such a pixel are left out when enough others remain, so the estimate is the
/// σ of the noise before clipping — the one the denoiser needs.
#[must_use]
pub(crate) fn estimate_sigma(img: &Image, clipped: Option<&[bool]>) -> f64 {
    let (w, h) = (img.width, img.height);
    if w < PATCH || h < PATCH {
        return 0.0;
    }
    let (nr, nc) = (h - PATCH + 1, w - PATCH + 1);
    let mut corners: Vec<(usize, usize)> = Vec::new();
    if let Some(mask) = clipped {
        // Clipped pixels per patch from an integral image.
        let mut integral = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row += u32::from(mask[y * w + x]);
                integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
            }
        }
        let count = |r: usize, c: usize| {
            let at = |y: usize, x: usize| integral[y * (w + 1) + x];
            at(r + PATCH, c + PATCH) + at(r, c) - at(r, c + PATCH) - at(r + PATCH, c)
        };
        for r in 0..nr {
            for c in 0..nc {
                if count(r, c) == 0 {
                    corners.push((r, c));
                }
            }
        }
        if corners.len() < MIN_CLEAR {
            corners.clear();
        }
    }
    if corners.is_empty() {
        corners = (0..nr).flat_map(|r| (0..nc).map(move |c| (r, c))).collect();
    }
    let mut sigma = pca_sigma(img, &corners);
    // Weak-texture patches (after Liu, Tanaka and Okutomi, 2013): texture and edges raise the
    // small eigenvalues too, so keep the patches whose gradient energy pure noise of the current
    // σ would reach 99 % of the time, and estimate again from those.
    let q = noise_gradient_quantile(img.channels.len(), 0.99);
    let energy: Vec<f64> = corners.iter().map(|&rc| gradient_energy(img, rc)).collect();
    for _ in 0..3 {
        let limit = q * sigma * sigma;
        let weak: Vec<(usize, usize)> = corners
            .iter()
            .zip(&energy)
            .filter(|&(_, &e)| e <= limit)
            .map(|(&rc, _)| rc)
            .collect();
        if weak.len() < MIN_CLEAR || weak.len() == corners.len() {
            break;
        }
        let next = pca_sigma(img, &weak);
        if (next - sigma).abs() < 1e-3 * sigma {
            sigma = next;
            break;
        }
        sigma = next;
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

/// Chen et al.'s estimate from the patches with top-left corners `corners` (at most
/// `MAX_PATCHES` of them, evenly spread).
fn pca_sigma(img: &Image, corners: &[(usize, usize)]) -> f64 {
    let w = img.width;
    let every = corners.len().div_ceil(MAX_PATCHES).max(1);
    let corners: Vec<(usize, usize)> = corners.iter().copied().step_by(every).collect();
    let d = PATCH * PATCH * img.channels.len();
    let n = corners.len();
    // Patches as the columns of a d × n matrix.
    let mut x = Mat::<f64>::zeros(d, n);
    for (col, &(r, c)) in corners.iter().enumerate() {
        let dst = x
            .col_mut(col)
            .try_as_col_major_mut()
            .expect("a Mat's columns are contiguous");
        let dst = dst.as_slice_mut();
        let mut i = 0;
        for plane in &img.channels {
            for dy in 0..PATCH {
                for &v in &plane[(r + dy) * w + c..(r + dy) * w + c + PATCH] {
                    dst[i] = f64::from(v);
                    i += 1;
                }
            }
        }
    }
    for i in 0..d {
        let mean = (0..n).map(|j| x[(i, j)]).sum::<f64>() / n as f64;
        for j in 0..n {
            x[(i, j)] -= mean;
        }
    }
    let cov = (&x * x.transpose()) * faer::Scale(1.0 / n as f64);
    let Ok(mut values) = cov.self_adjoint_eigenvalues(Side::Lower) else {
        return 0.0;
    };
    values.sort_by(f64::total_cmp);
    median_mean_tail(&values).max(0.0).sqrt()
}

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
    fn estimates_added_noise_at_several_levels() {
        for (channels, sigma) in [(1, 5.0), (1, 15.0), (1, 50.0), (3, 10.0), (3, 25.0)] {
            let mut img = smooth_image(160, 120, channels);
            let mut g = SplitMix64::new(42);
            for plane in &mut img.channels {
                for v in plane.iter_mut() {
                    *v += (sigma * g.normal()) as f32;
                }
            }
            let est = estimate_sigma(&img, None);
            assert!(
                (est - sigma).abs() < 0.05 * sigma,
                "σ {sigma}: estimated {est}"
            );
        }
    }

    #[test]
    fn clean_smooth_image_has_little_noise() {
        assert!(estimate_sigma(&smooth_image(100, 90, 1), None) < 0.5);
        assert_eq!(estimate_sigma(&smooth_image(5, 90, 1), None), 0.0);
    }
}
