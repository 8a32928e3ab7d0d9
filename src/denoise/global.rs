//! The whole-image method: one SVD per channel, singular values below the Gavish–Donoho optimal
//! hard threshold dropped.
//!
//! For an `m × n` matrix (β = min/max ≤ 1) with white noise σ, the threshold is
//! `λ*(β)·√max(m, n)·σ` with `λ*(β) = √(2(β + 1) + 8β / (β + 1 + √(β² + 14β + 1)))`
//! (Gavish and Donoho, "The Optimal Hard Threshold for Singular Values is 4/√3", 2014). It is
//! fast and it is the best any single global cut can do in mean squared error — and it shows why
//! whole-image thresholding is not enough: a photo's detail sits in the same small singular
//! values as the noise.

use faer::Mat;

use super::Image;
use crate::error::Result;
use crate::factorize::{factorize_plane, Method, Precision, RandomizedParams};
use crate::parallel;
use crate::reconstruct::reconstruct;

/// λ*(β) for a matrix of aspect ratio β = min/max.
#[must_use]
pub fn optimal_threshold_factor(beta: f64) -> f64 {
    (2.0 * (beta + 1.0) + 8.0 * beta / (beta + 1.0 + (beta * beta + 14.0 * beta + 1.0).sqrt()))
        .sqrt()
}

/// Each channel of `img` at the rank its singular values above the threshold give, and those
/// ranks.
pub(crate) fn denoise(img: &Image, sigma: f64) -> Result<(Image, Vec<usize>)> {
    let (w, h) = (img.width, img.height);
    let beta = w.min(h) as f64 / w.max(h) as f64;
    let tau = optimal_threshold_factor(beta) * (w.max(h) as f64).sqrt() * sigma;
    let threads = parallel::threads();
    let inner = (threads / img.channels.len().max(1)).max(1);
    let results = parallel::map(&img.channels, |plane| -> Result<(Vec<f32>, usize)> {
        let m = Mat::<f32>::from_fn(h, w, |i, j| plane[i * w + j]);
        let f = factorize_plane(
            m.as_ref(),
            Method::Exact,
            Precision::F32,
            usize::MAX,
            &RandomizedParams::default(),
            parallel::par(inner),
        )?;
        let rank = f.s.iter().take_while(|&&s| s > tau).count().min(f.rank());
        let r = reconstruct(&f, rank, parallel::par(inner));
        let out = (0..h * w).map(|p| r[(p / w, p % w)]).collect();
        Ok((out, rank))
    });
    let mut channels = Vec::with_capacity(results.len());
    let mut ranks = Vec::with_capacity(results.len());
    for r in results {
        let (c, k) = r?;
        channels.push(c);
        ranks.push(k);
    }
    Ok((
        Image {
            width: w,
            height: h,
            channels,
        },
        ranks,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_threshold_is_four_over_root_three() {
        assert!((optimal_threshold_factor(1.0) - 4.0 / 3f64.sqrt()).abs() < 1e-12);
    }
}
