//! Grid tiles: an image scaled to the tile size, and tiles made plane by plane.
//!
//! When every plane is an 8-bit output channel of its own (any colour mode but YCbCr) and the
//! tile is a reduction, a tile needs no full-size image: each plane is rebuilt at the rank,
//! quantized to its channel, measured against the reference's channel and reduced to the tile
//! size on its own ([`plane_tile`]), and the channels are put together at the end
//! ([`assemble`]). That is work per (plane, rank), which can start as soon as the plane's SVD is
//! done, while other planes are still being factorized. Every step is the one `compress` takes
//! for that channel (the same quantization as [`planes::merge`], the same per-channel error and
//! SSIM sums as [`metrics::quality`], the same per-channel area average as the tile of a merged
//! image), so the pixels and numbers are those of the whole-image path.

use std::sync::OnceLock;
use std::time::Instant;

use faer::Mat;
use image::imageops::FilterType;
use image::{DynamicImage, RgbaImage};

use crate::parallel;
use crate::resample::downscale_samples;
use crate::stages::factorize::Factors;
use crate::stages::metrics::{self, ChannelQuality};
use crate::stages::planes::{self, AlphaMode, ColorMode, Layout, Samples};
use crate::stages::reconstruct::reconstruct;
use crate::stages::ssim::{self, Channel, ReferenceMean};

/// The size of the tile of a `w × h` image in cells `tile_width` wide: as wide as the cell and
/// at most twice as tall, the aspect ratio kept.
pub(super) fn tile_size(w: u32, h: u32, tile_width: u32) -> (u32, u32) {
    let (w, h) = (w.max(1), h.max(1));
    let scale =
        (f64::from(tile_width) / f64::from(w)).min(2.0 * f64::from(tile_width) / f64::from(h));
    let tw = ((f64::from(w) * scale).round() as u32).clamp(1, tile_width);
    let th = ((f64::from(h) * scale).round() as u32).max(1);
    (tw, th)
}

/// Scales an image to its tile (see [`tile_size`]), as 8-bit RGBA. An image already that size
/// is copied pixel for pixel; smaller ones are enlarged with nearest-neighbour so their pixels
/// stay visible; larger ones are reduced by area averaging.
pub(super) fn scale_tile(img: &DynamicImage, tile_width: u32) -> RgbaImage {
    let (w, h) = (img.width().max(1), img.height().max(1));
    let (tw, th) = tile_size(w, h, tile_width);
    if (tw, th) == (w, h) {
        return rgba8(img);
    }
    if tw > w || th > h {
        let rgba = rgba8(img);
        return image::imageops::resize(&rgba, tw, th, FilterType::Nearest);
    }
    // Downscaling: the exact area average of the covered pixels (no ringing, and several
    // times faster than a Lanczos filter, which matters with a dozen tiles). 8-bit images are
    // averaged as they are and only the small tile is widened to RGBA (same samples).
    let (sw, sh, dw, dh) = (w as usize, h as usize, tw as usize, th as usize);
    let small = match img {
        DynamicImage::ImageLuma8(b) => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(tw, th, downscale_samples::<1>(b, sw, sh, dw, dh))
                .expect("buffer length matches dimensions"),
        ),
        DynamicImage::ImageRgb8(b) => DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(tw, th, downscale_samples::<3>(b, sw, sh, dw, dh))
                .expect("buffer length matches dimensions"),
        ),
        DynamicImage::ImageRgba8(b) => return crate::resample::downscale(b, tw, th),
        other => return crate::resample::downscale(&other.to_rgba8(), tw, th),
    };
    rgba8(&small)
}

/// `img` as 8-bit RGBA: grey repeated in R, G and B, opaque without alpha (as
/// [`DynamicImage::to_rgba8`], without its general colour conversion for these plain cases).
fn rgba8(img: &DynamicImage) -> RgbaImage {
    let (w, h) = (img.width(), img.height());
    let raw: Vec<u8> = match img {
        DynamicImage::ImageLuma8(b) => b.as_raw().iter().flat_map(|&g| [g, g, g, 255]).collect(),
        DynamicImage::ImageRgb8(b) => b
            .as_raw()
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        DynamicImage::ImageRgba8(b) => return b.clone(),
        other => return other.to_rgba8(),
    };
    RgbaImage::from_raw(w, h, raw).expect("buffer length matches dimensions")
}

/// Whether tiles of this layout can be made plane by plane at `tile_width`: every plane is an
/// output channel (not YCbCr), samples are 8-bit, and the tile is smaller than the image.
pub(super) fn by_plane(layout: &Layout, tile_width: u32) -> bool {
    let (w, h) = (layout.width as u32, layout.height as u32);
    let (tw, th) = tile_size(w, h, tile_width);
    layout.color != ColorMode::YCbCr
        && layout.bit_depth == 8
        && (tw, th) != (w, h)
        && tw <= w
        && th <= h
}

/// One plane of one tile, measured.
#[derive(Debug, Clone)]
pub(super) struct PlaneTile {
    /// ‖A − A_k‖_F of the plane, before rounding.
    pub measured_error: f64,
    /// Squared error and SSIM of the output channel against the reference's.
    pub quality: ChannelQuality,
    /// The channel reduced to the tile size.
    pub tile: Vec<u8>,
    /// Milliseconds rebuilding, measuring and reducing.
    pub ms: [f64; 3],
}

/// One channel of the reference image, as a plane of its own (row-major), with what SSIM
/// measures of it alone, made at first use and kept for the other ranks.
#[derive(Debug)]
pub(super) struct ReferenceChannel {
    samples: Vec<u8>,
    mean: OnceLock<Option<ReferenceMean>>,
}

/// Images up to this many pixels keep each reference channel's filtered mean (8 bytes a pixel
/// and channel), which saves a quarter of the SSIM filtering of every tile.
const KEEP_MEAN_PIXELS: usize = 1 << 22;

impl ReferenceChannel {
    /// The channel's [`ReferenceMean`] on the scale `1 / peak`, made by the first caller; None
    /// above [`KEEP_MEAN_PIXELS`] or below the SSIM window.
    fn mean(&self, w: usize, h: usize, peak: f64) -> Option<&ReferenceMean> {
        self.mean
            .get_or_init(|| {
                let own = Channel {
                    samples: &self.samples[..],
                    stride: 1,
                    ch: 0,
                };
                let scale = (1.0 / peak) as f32;
                (w * h <= KEEP_MEAN_PIXELS)
                    .then(|| ssim::reference_mean(own, scale, w, h))
                    .flatten()
            })
            .as_ref()
    }
}

/// The channels of an 8-bit image.
pub(super) fn channels8(img: &DynamicImage) -> Vec<ReferenceChannel> {
    let img = planes::canonical(img);
    let n = usize::from(img.color().channel_count());
    match planes::samples(&img) {
        Samples::U8(s) => (0..n)
            .map(|c| ReferenceChannel {
                samples: s[c..].iter().step_by(n).copied().collect(),
                mean: OnceLock::new(),
            })
            .collect(),
        Samples::U16(_) => unreachable!("tiles are made by plane only from 8-bit images"),
    }
}

/// Rebuilds plane `p` of `planes` from `f` at rank `k`, measures it against `reference` (the
/// reference image's channel `p`, from [`channels8`]), and reduces it to `tile` (width, height).
pub(super) fn plane_tile(
    planes: &planes::Planes,
    p: usize,
    f: &Factors,
    k: usize,
    reference: &ReferenceChannel,
    tile: (u32, u32),
) -> PlaneTile {
    let layout = &planes.layout;
    let (w, h) = (layout.width, layout.height);
    let t = Instant::now();
    let recon: Mat<f32> = reconstruct(f, k, parallel::par(parallel::threads()));
    let channel = planes::channel8(&recon);
    let rebuild_ms = ms(t);
    let t = Instant::now();
    let measured_error = metrics::frobenius_distance(planes.planes[p].as_ref(), recon.as_ref());
    drop(recon);
    let quality = metrics::channel_quality(
        &Samples::U8(&reference.samples),
        (1, 0),
        reference.mean(w, h, layout.peak()),
        &Samples::U8(&channel),
        (1, 0),
        (w, h),
        layout.peak(),
    );
    let metrics_ms = ms(t);
    let t = Instant::now();
    let tile = downscale_samples::<1>(&channel, w, h, tile.0 as usize, tile.1 as usize);
    PlaneTile {
        measured_error,
        quality,
        tile,
        ms: [rebuild_ms, metrics_ms, ms(t)],
    }
}

/// The alpha channel of every tile when alpha is carried through exactly: the kept alpha
/// reduced to the tile size (`None` when alpha is compressed or absent).
pub(super) fn kept_alpha_tile(planes: &planes::Planes, tile: (u32, u32)) -> Option<Vec<u8>> {
    let layout = &planes.layout;
    let alpha = planes.alpha.as_deref()?;
    (layout.alpha == Some(AlphaMode::Keep)).then(|| {
        let a: Vec<u8> = alpha.iter().map(|&v| v as u8).collect();
        downscale_samples::<1>(
            &a,
            layout.width,
            layout.height,
            tile.0 as usize,
            tile.1 as usize,
        )
    })
}

/// An RGBA tile from its channels' tiles (one per plane, in plane order: grey or R, G, B, then
/// a compressed alpha) and the kept alpha tile, as the tile of the merged image would be:
/// grey repeated in R, G and B, opaque without alpha.
pub(super) fn assemble(
    channels: &[&[u8]],
    kept_alpha: Option<&[u8]>,
    tile: (u32, u32),
) -> RgbaImage {
    let n = tile.0 as usize * tile.1 as usize;
    let colour: Vec<&[u8]> = match channels.len() {
        1 | 2 => vec![channels[0]; 3],
        _ => channels[..3].to_vec(),
    };
    let alpha = match channels.len() {
        2 | 4 => Some(channels[channels.len() - 1]),
        _ => kept_alpha,
    };
    let mut out = Vec::with_capacity(n * 4);
    for i in 0..n {
        out.extend_from_slice(&[
            colour[0][i],
            colour[1][i],
            colour[2][i],
            alpha.map_or(255, |a| a[i]),
        ]);
    }
    RgbaImage::from_raw(tile.0, tile.1, out).expect("buffer length matches dimensions")
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
