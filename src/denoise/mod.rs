//! Noise removal by low rank: `svdimg denoise`.
//!
//! The signal of a group of similar patches concentrates in a few large singular values while
//! white noise spreads thinly over all of them, so shrinking the small ones removes noise and
//! keeps detail ([`patch`], the default). One SVD of the whole image with an optimal hard
//! threshold ([`global`]) is there to show why grouping matters.
//!
//! Colour images are denoised in an orthonormal opponent space — `Y = (R + G + B)/√3`,
//! `U = (R − B)/√2`, `V = (R − 2G + B)/√6` — where white noise of σ in R, G and B stays white
//! with the same σ; patches are matched on Y and each group stacks all three channels. σ is on
//! the 0–255 scale at any bit depth (16-bit samples are scaled by 255/65535 first, so σ = 25
//! means 25·257 ≈ 6425 in 16-bit units). Alpha is kept as it is.

mod clipping;
mod file;
pub mod global;
mod lanczos;
mod matching;
mod mean_filter;
pub mod noise;
mod params;
pub mod patch;
#[cfg(feature = "sheets")]
mod sheet;
mod wiener;
mod wnnm;

use std::time::Instant;

use faer::Mat;
use image::DynamicImage;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::planes::{self, AlphaMode, ColorMode, Layout};
use crate::progress::{ms, Progress, Stage};

pub use file::{denoise_file, DenoiseOptions, DenoiseReport, NoiseAdded, QualityPair};
pub use patch::PatchParams;

/// Which denoiser runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DenoiseMethod {
    /// Groups of similar patches, weighted singular value thresholding, a few passes.
    #[default]
    Patch,
    /// One SVD per channel with the Gavish–Donoho optimal hard threshold.
    Global,
}

impl DenoiseMethod {
    /// `"patch"` or `"global"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DenoiseMethod::Patch => "patch",
            DenoiseMethod::Global => "global",
        }
    }
}

/// What decides how an image is denoised.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DenoiseSettings {
    /// The denoiser. Default: patch.
    pub method: DenoiseMethod,
    /// The noise σ on the 0–255 scale; `None`: estimated from the image.
    pub sigma: Option<f64>,
    /// The patch method's parameters; `None`: [`PatchParams::for_sigma`].
    pub patch: Option<PatchParams>,
}

/// How many terms the patch groups kept (last pass).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRanks {
    /// Reference patches (groups) per pass.
    pub groups: usize,
    /// Mean terms kept per group.
    pub mean: f64,
    /// The most terms any group kept.
    pub max: usize,
    /// Groups that kept no term (their patches became the group's mean).
    pub zero_fraction: f64,
}

/// The ranks of the patch groups on the grid of reference patches (for the heat map).
#[derive(Debug, Clone, PartialEq)]
pub struct RankMap {
    /// Reference rows.
    pub rows: usize,
    /// Reference columns.
    pub cols: usize,
    /// Terms kept, row-major.
    pub ranks: Vec<u16>,
}

/// A denoised image and what was done to it.
#[derive(Debug, Clone)]
pub struct Denoised {
    /// The result, in the input's layout (alpha kept).
    pub image: DynamicImage,
    /// The input's layout.
    pub layout: Layout,
    /// The σ used (0–255 scale).
    pub sigma: f64,
    /// The σ estimated from the image (always computed, also when σ was given).
    pub sigma_estimated: f64,
    /// The method that ran.
    pub method: DenoiseMethod,
    /// Its parameters (patch method).
    pub patch: Option<PatchParams>,
    /// Group ranks (patch method).
    pub group_ranks: Option<GroupRanks>,
    /// Group ranks on the reference grid (patch method).
    pub rank_map: Option<RankMap>,
    /// Terms kept per channel (global method), in Y, U, V order (or L).
    pub global_ranks: Option<Vec<usize>>,
    /// Milliseconds estimating σ.
    pub estimate_ms: f64,
    /// Milliseconds denoising.
    pub denoise_ms: f64,
}

/// Planes of one image on the 0–255 scale, row-major, in the working colour space.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Image {
    pub width: usize,
    pub height: usize,
    pub channels: Vec<Vec<f32>>,
}

const R3: f32 = 1.732_050_8;
const R2: f32 = std::f32::consts::SQRT_2;
const R6: f32 = 2.449_489_7;

/// The image's colour planes ([0, 1] each) as an [`Image`] on the 0–255 scale, opponent colour
/// for RGB.
fn to_working(planes: &[Mat<f32>], width: usize, height: usize) -> Image {
    let at = |p: &Mat<f32>, i: usize| 255.0 * p[(i / width, i % width)];
    let n = width * height;
    let channels = if planes.len() == 1 {
        vec![(0..n).map(|i| at(&planes[0], i)).collect()]
    } else {
        let (r, g, b) = (&planes[0], &planes[1], &planes[2]);
        let mut out = vec![
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        ];
        for i in 0..n {
            let (r, g, b) = (at(r, i), at(g, i), at(b, i));
            out[0].push((r + g + b) / R3);
            out[1].push((r - b) / R2);
            out[2].push((r - 2.0 * g + b) / R6);
        }
        out
    };
    Image {
        width,
        height,
        channels,
    }
}

/// The inverse of [`to_working`]: planes in [0, 1] (not clamped).
fn from_working(img: &Image) -> Vec<Mat<f32>> {
    let (w, h) = (img.width, img.height);
    let c = &img.channels;
    if c.len() == 1 {
        return vec![Mat::from_fn(h, w, |i, j| c[0][i * w + j] / 255.0)];
    }
    // One formula per output channel (R, G, B): each sample computed once.
    let coeffs: [[f32; 3]; 3] = [
        [1.0 / R3, 1.0 / R2, 1.0 / R6],
        [1.0 / R3, 0.0, -2.0 / R6],
        [1.0 / R3, -1.0 / R2, 1.0 / R6],
    ];
    coeffs
        .iter()
        .map(|k| {
            Mat::from_fn(h, w, |i, j| {
                let p = i * w + j;
                (c[0][p] * k[0] + c[1][p] * k[1] + c[2][p] * k[2]) / 255.0
            })
        })
        .collect()
}

/// Denoises `img`: grey, grey+alpha, RGB or RGBA, 8- or 16-bit. The same image and settings
/// give the same result with any number of threads.
pub fn denoise_image(
    img: &DynamicImage,
    settings: &DenoiseSettings,
    progress: &dyn Progress,
) -> Result<Denoised> {
    let mut planes = planes::split(img, ColorMode::Rgb, AlphaMode::Keep);
    let layout = planes.layout.clone();
    let (w, h) = (layout.width, layout.height);
    if w == 0 || h == 0 {
        return Err(Error::Limits("the image has no pixels".into()));
    }
    let t = Instant::now();
    let sigma_estimated = noise::estimate_image_sigma(&planes.planes, w, h);
    let estimate_ms = ms(t);
    let working = to_working(&planes.planes, w, h);
    // Only the alpha channel and the layout are needed from here on.
    planes.planes = Vec::new();
    let sigma = settings.sigma.unwrap_or(sigma_estimated);
    if !sigma.is_finite() || sigma < 0.0 {
        return Err(Error::Parameter(format!(
            "σ must be a finite number ≥ 0, got {sigma}"
        )));
    }
    let t = Instant::now();
    let mut out = Denoised {
        image: img.clone(),
        layout: layout.clone(),
        sigma,
        sigma_estimated,
        method: settings.method,
        patch: None,
        group_ranks: None,
        rank_map: None,
        global_ranks: None,
        estimate_ms,
        denoise_ms: 0.0,
    };
    let result = match settings.method {
        DenoiseMethod::Global => {
            progress.begin(Stage::Denoise, 1);
            let (img, ranks) = global::denoise(&working, sigma)?;
            progress.advance(Stage::Denoise, 1);
            out.global_ranks = Some(ranks);
            img
        }
        DenoiseMethod::Patch => {
            let params = settings
                .patch
                .unwrap_or_else(|| PatchParams::for_sigma(sigma));
            check_params(&params)?;
            progress.begin(Stage::Denoise, patch::progress_units(h, w, &params) as u64);
            let tick = || progress.advance(Stage::Denoise, 1);
            let (img, run) = patch::denoise(&working, sigma, &params, &tick);
            let total: u64 = run.ranks.iter().map(|&r| u64::from(r)).sum();
            out.group_ranks = Some(GroupRanks {
                groups: run.groups,
                mean: total as f64 / run.ranks.len().max(1) as f64,
                max: run.ranks.iter().copied().max().map_or(0, usize::from),
                zero_fraction: run.ranks.iter().filter(|&&r| r == 0).count() as f64
                    / run.ranks.len().max(1) as f64,
            });
            out.rank_map = Some(RankMap {
                rows: run.grid.0,
                cols: run.grid.1,
                ranks: run.ranks,
            });
            out.patch = Some(params);
            img
        }
    };
    progress.end(Stage::Denoise);
    let planes_out = from_working(&result);
    out.image = planes::merge(&planes_out, &layout, planes.alpha.as_deref());
    out.denoise_ms = ms(t);
    Ok(out)
}

fn check_params(p: &PatchParams) -> Result<()> {
    let bad = |what: &str| Err(Error::Parameter(format!("patch parameters: {what}")));
    if p.patch == 0 || p.patch > 32 {
        return bad("the patch side must be 1 to 32 pixels");
    }
    if p.group == 0 || p.group > 1024 {
        return bad("a group must hold 1 to 1024 patches");
    }
    if p.step == 0 || p.iterations == 0 || p.iterations > 20 || p.search_radius > 64 {
        return bad("step ≥ 1, 1 to 20 iterations and a search radius up to 64");
    }
    if p.second_stage && (p.second_group == 0 || p.second_group > 1024 || p.second_step == 0)
        || !(p.second_floor >= 0.0 && p.second_floor.is_finite())
        || !(p.mean_noise >= 0.0 && p.mean_noise.is_finite())
    {
        return bad("second stage: 1 to 1024 patches a group, step ≥ 1, floor and mean noise ≥ 0");
    }
    let in_range = (0.0..=1.0).contains(&p.feedback)
        && (0.0..=2.0).contains(&p.residual_factor)
        && p.threshold > 0.0
        && p.threshold <= 10.0;
    if !in_range {
        return bad("feedback in [0, 1], residual factor in [0, 2], threshold in (0, 10]");
    }
    Ok(())
}

/// `img` with seeded Gaussian noise of `sigma` (0–255 scale; ×257 for 16-bit samples) added
/// to every colour sample, rounded and clipped to the sample range; alpha untouched. Samples
/// are visited in raster order, channel by channel, so a seed always gives the same noise.
#[must_use]
pub fn add_noise(img: &DynamicImage, sigma: f64, seed: u64) -> DynamicImage {
    let img = planes::canonical(img).into_owned();
    let channels = usize::from(img.color().channel_count());
    let alpha = img.color().has_alpha();
    let colour = if alpha { channels - 1 } else { channels };
    let mut g = crate::random::SplitMix64::new(seed);
    let mut noisy = |s: &mut [f64], peak: f64| {
        let scale = peak / 255.0;
        for (i, v) in s.iter_mut().enumerate() {
            if i % channels < colour {
                *v = (*v + sigma * scale * g.normal()).round().clamp(0.0, peak);
            }
        }
    };
    match img {
        DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => {
            let mut s: Vec<f64> = planes::samples_u16(&img)
                .into_iter()
                .map(f64::from)
                .collect();
            noisy(&mut s, 65535.0);
            rebuild(&img, s.into_iter().map(|v| v as u16).collect())
        }
        _ => {
            let mut s: Vec<f64> = img.as_bytes().iter().map(|&v| f64::from(v)).collect();
            noisy(&mut s, 255.0);
            rebuild(&img, s.into_iter().map(|v| v as u16).collect())
        }
    }
}

/// An image of `like`'s size and layout holding `samples` (8-bit layouts take them as bytes).
fn rebuild(like: &DynamicImage, samples: Vec<u16>) -> DynamicImage {
    let (w, h) = (like.width(), like.height());
    let bytes = || samples.iter().map(|&v| v as u8).collect::<Vec<u8>>();
    let built = match like {
        DynamicImage::ImageLuma8(_) => image::GrayImage::from_raw(w, h, bytes()).map(Into::into),
        DynamicImage::ImageLumaA8(_) => {
            image::GrayAlphaImage::from_raw(w, h, bytes()).map(Into::into)
        }
        DynamicImage::ImageRgb8(_) => image::RgbImage::from_raw(w, h, bytes()).map(Into::into),
        DynamicImage::ImageRgba8(_) => image::RgbaImage::from_raw(w, h, bytes()).map(Into::into),
        DynamicImage::ImageLuma16(_) => {
            image::ImageBuffer::<image::Luma<u16>, _>::from_raw(w, h, samples).map(Into::into)
        }
        DynamicImage::ImageLumaA16(_) => {
            image::ImageBuffer::<image::LumaA<u16>, _>::from_raw(w, h, samples).map(Into::into)
        }
        DynamicImage::ImageRgb16(_) => {
            image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, samples).map(Into::into)
        }
        _ => image::ImageBuffer::<image::Rgba<u16>, _>::from_raw(w, h, samples).map(Into::into),
    };
    built.expect("one sample per channel and pixel")
}

#[cfg(test)]
mod tests;
