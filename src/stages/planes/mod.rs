//! Planes: an image ⇄ one `faer::Mat<f32>` per channel, samples on [0, 1].
//!
//! Rows of a matrix are rows of the image. Samples are divided by the bit depth's maximum
//! (255 or 65535), so every depth meets one code path. Greyscale inputs give one plane whatever
//! the colour mode. Alpha is carried through exactly unless [`AlphaMode::Compress`] is asked for.

use faer::Mat;
use image::DynamicImage;
use serde::Serialize;

/// How colour channels become matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// R, G and B as they are, one plane each.
    #[default]
    Rgb,
    /// One plane: Y = 0.299 R + 0.587 G + 0.114 B; the output is greyscale.
    Luma,
    /// Full-range BT.601 Y, Cb, Cr (as JPEG uses); the output is RGB again.
    #[serde(rename = "ycbcr")]
    YCbCr,
}

impl ColorMode {
    /// The name used in reports and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ColorMode::Rgb => "rgb",
            ColorMode::Luma => "luma",
            ColorMode::YCbCr => "ycbcr",
        }
    }
}

/// What happens to an alpha channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlphaMode {
    /// Alpha is copied to the output sample for sample.
    #[default]
    Keep,
    /// Alpha is one more plane, compressed like the others.
    Compress,
}

/// What happened to an image's alpha channel, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlphaHandling {
    /// The image has no alpha channel.
    None,
    /// Alpha was carried through exactly.
    Kept,
    /// Alpha was compressed as one more plane.
    Compressed,
}

impl AlphaHandling {
    /// The handling of an image whose alpha mode is `alpha` (`None`: no alpha channel).
    #[must_use]
    pub fn of(alpha: Option<AlphaMode>) -> AlphaHandling {
        match alpha {
            None => AlphaHandling::None,
            Some(AlphaMode::Keep) => AlphaHandling::Kept,
            Some(AlphaMode::Compress) => AlphaHandling::Compressed,
        }
    }
}

/// What the planes stand for, enough to turn reconstructed planes back into an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Image width (matrix columns).
    pub width: usize,
    /// Image height (matrix rows).
    pub height: usize,
    /// 8 or 16.
    pub bit_depth: u8,
    /// The colour mode in effect (`Luma` for greyscale inputs).
    pub color: ColorMode,
    /// Whether the input was greyscale.
    pub grey_input: bool,
    /// Whether the input had alpha, and what happens to it.
    pub alpha: Option<AlphaMode>,
    /// Plane names in order ("R", "G", "B", "Y", "Cb", "Cr", "L", "A").
    pub names: Vec<&'static str>,
}

impl Layout {
    /// The largest sample value of the output bit depth.
    #[must_use]
    pub fn peak(&self) -> f64 {
        if self.bit_depth == 16 {
            65535.0
        } else {
            255.0
        }
    }

    /// Channels in the output image (colour channels plus alpha).
    #[must_use]
    pub fn output_channels(&self) -> usize {
        let colour = if self.color == ColorMode::Luma { 1 } else { 3 };
        colour + usize::from(self.alpha.is_some())
    }

    /// Output channels that metrics compare: the colour channels, and alpha when it is compressed.
    #[must_use]
    pub fn compared_channels(&self) -> usize {
        let colour = if self.color == ColorMode::Luma { 1 } else { 3 };
        colour + usize::from(self.alpha == Some(AlphaMode::Compress))
    }
}

/// An image split into planes.
#[derive(Debug, Clone)]
pub struct Planes {
    /// What the planes are.
    pub layout: Layout,
    /// One matrix per compressed channel, height × width, samples on [0, 1].
    pub planes: Vec<Mat<f32>>,
    /// Alpha samples (row-major, on the bit depth's scale) when carried through exactly.
    pub alpha: Option<Vec<u16>>,
}

/// Samples of an image borrowed without conversion.
pub(crate) enum Samples<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
}

impl Samples<'_> {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u16 {
        match self {
            Samples::U8(s) => u16::from(s[i]),
            Samples::U16(s) => s[i],
        }
    }
}

/// Brings any decoded image to one of the eight layouts planes handle (grey/RGB, ± alpha, 8/16 bit).
pub(crate) fn canonical(img: &DynamicImage) -> std::borrow::Cow<'_, DynamicImage> {
    use std::borrow::Cow;
    use DynamicImage as D;
    match img {
        D::ImageLuma8(_)
        | D::ImageLumaA8(_)
        | D::ImageRgb8(_)
        | D::ImageRgba8(_)
        | D::ImageLuma16(_)
        | D::ImageLumaA16(_)
        | D::ImageRgb16(_)
        | D::ImageRgba16(_) => Cow::Borrowed(img),
        other if other.color().has_alpha() => Cow::Owned(D::ImageRgba16(other.to_rgba16())),
        other => Cow::Owned(D::ImageRgb16(other.to_rgb16())),
    }
}

pub(crate) fn samples(img: &DynamicImage) -> Samples<'_> {
    use DynamicImage as D;
    match img {
        D::ImageLuma8(b) => Samples::U8(b.as_raw()),
        D::ImageLumaA8(b) => Samples::U8(b.as_raw()),
        D::ImageRgb8(b) => Samples::U8(b.as_raw()),
        D::ImageRgba8(b) => Samples::U8(b.as_raw()),
        D::ImageLuma16(b) => Samples::U16(b.as_raw()),
        D::ImageLumaA16(b) => Samples::U16(b.as_raw()),
        D::ImageRgb16(b) => Samples::U16(b.as_raw()),
        D::ImageRgba16(b) => Samples::U16(b.as_raw()),
        _ => unreachable!("canonical() leaves only 8- and 16-bit grey/RGB layouts"),
    }
}

/// Splits an image into planes.
#[must_use]
pub fn split(img: &DynamicImage, color: ColorMode, alpha_mode: AlphaMode) -> Planes {
    let img = canonical(img);
    let (width, height) = (img.width() as usize, img.height() as usize);
    let c = img.color();
    let channels = usize::from(c.channel_count());
    let bit_depth: u8 = if c.bytes_per_pixel() / c.channel_count() == 2 {
        16
    } else {
        8
    };
    let grey_input = channels <= 2;
    let has_alpha = c.has_alpha();
    let color = if grey_input { ColorMode::Luma } else { color };
    let s = samples(&img);
    let inv: f32 = if bit_depth == 16 {
        1.0 / 65535.0
    } else {
        1.0 / 255.0
    };
    // One monomorphic fill per sample type and formula (a call per sample through `dyn Fn`
    // would cost as much as the rest of the loop).
    macro_rules! plane_of {
        ($value:expr) => {
            match s {
                Samples::U8(v) => fill_plane(v, width, height, channels, $value),
                Samples::U16(v) => fill_plane(v, width, height, channels, $value),
            }
        };
    }
    // A pixel's samples arrive as f32 sample values (exact integers); `inv` scales them to [0, 1].
    let rgb = |px: &[f32]| {
        let f = |ch: usize| f64::from(px[ch]) * f64::from(inv);
        (f(0), f(1), f(2))
    };
    let (mut planes, mut names): (Vec<Mat<f32>>, Vec<&'static str>) = if grey_input {
        (vec![plane_of!(|px: &[f32]| px[0] * inv)], vec!["L"])
    } else {
        match color {
            ColorMode::Rgb => (
                crate::parallel::map(&[0usize, 1, 2], |&k| plane_of!(|px: &[f32]| px[k] * inv)),
                vec!["R", "G", "B"],
            ),
            ColorMode::Luma => (
                vec![plane_of!(|px: &[f32]| {
                    let (r, g, b) = rgb(px);
                    luma(r, g, b) as f32
                })],
                vec!["Y"],
            ),
            ColorMode::YCbCr => (
                crate::parallel::map(&[0usize, 1, 2], |&k| {
                    plane_of!(|px: &[f32]| {
                        let (r, g, b) = rgb(px);
                        rgb_to_ycbcr(r, g, b)[k] as f32
                    })
                }),
                vec!["Y", "Cb", "Cr"],
            ),
        }
    };
    let mut alpha = None;
    if has_alpha {
        let ach = channels - 1;
        match alpha_mode {
            AlphaMode::Compress => {
                planes.push(plane_of!(|px: &[f32]| px[ach] * inv));
                names.push("A");
            }
            AlphaMode::Keep => {
                alpha = Some(
                    (0..width * height)
                        .map(|p| s.get(p * channels + ach))
                        .collect(),
                );
            }
        }
    }
    Planes {
        layout: Layout {
            width,
            height,
            bit_depth,
            color,
            grey_input,
            alpha: has_alpha.then_some(alpha_mode),
            names,
        },
        planes,
        alpha,
    }
}

/// Columns per block of [`fill_plane`]: the rows of a block are read along the image's rows
/// and written down the plane's columns, both in cache.
const COLUMN_BLOCK: usize = 64;

/// A `height × width` plane whose (i, j) entry is `value` of pixel (i, j)'s samples (as f32) in
/// the interleaved buffer `s` of `channels` samples per pixel. Blocks of columns in parallel.
fn fill_plane<T: Copy + Into<f32> + Sync>(
    s: &[T],
    width: usize,
    height: usize,
    channels: usize,
    value: impl Fn(&[f32]) -> f32 + Sync,
) -> Mat<f32> {
    let mut plane = Mat::<f32>::zeros(height, width);
    // Blocks of columns, as row blocks of the transpose: block[(jj, i)] is pixel (i, j0 + jj).
    let mut blocks = crate::parallel::row_blocks(plane.as_mut().transpose_mut(), COLUMN_BLOCK);
    crate::parallel::for_each_mut(&mut blocks, |b, block| {
        let j0 = b * COLUMN_BLOCK;
        let mut px = [0.0f32; 4];
        for i in 0..height {
            let row = &s[(i * width + j0) * channels..(i * width + j0 + block.nrows()) * channels];
            for (jj, pixel) in row.chunks_exact(channels).enumerate() {
                for (p, &x) in px.iter_mut().zip(pixel) {
                    *p = x.into();
                }
                block[(jj, i)] = value(&px[..channels]);
            }
        }
    });
    plane
}

/// BT.601 luma.
#[inline]
fn luma(r: f64, g: f64, b: f64) -> f64 {
    0.299 * r + 0.587 * g + 0.114 * b
}

/// Full-range BT.601 (JPEG) RGB → YCbCr on [0, 1].
#[inline]
fn rgb_to_ycbcr(r: f64, g: f64, b: f64) -> [f64; 3] {
    [
        luma(r, g, b),
        0.5 - 0.168_735_891_647_856 * r - 0.331_264_108_352_144 * g + 0.5 * b,
        0.5 + 0.5 * r - 0.418_687_589_158_345 * g - 0.081_312_410_841_655 * b,
    ]
}

/// Full-range BT.601 (JPEG) YCbCr → RGB on [0, 1].
#[inline]
pub(crate) fn ycbcr_to_rgb(y: f64, cb: f64, cr: f64) -> [f64; 3] {
    let (cb, cr) = (cb - 0.5, cr - 0.5);
    [
        y + 1.402 * cr,
        y - 0.344_136_286_201_022 * cb - 0.714_136_286_201_022 * cr,
        y + 1.772 * cb,
    ]
}

/// The image that output is compared against: the input in the output's colour space, at the
/// output's bit depth (for `luma` from a colour input: the luma, rounded).
#[must_use]
pub fn reference<'a>(img: &'a DynamicImage, planes: &Planes) -> std::borrow::Cow<'a, DynamicImage> {
    let layout = &planes.layout;
    if layout.color == ColorMode::Luma && !layout.grey_input {
        // The luma plane before compression, rounded like the output.
        std::borrow::Cow::Owned(merge(&planes.planes, layout, planes.alpha.as_deref()))
    } else {
        canonical(img)
    }
}

/// Interleaved samples of an image as `u16` values on its own scale (8-bit samples widened).
#[must_use]
pub fn samples_u16(img: &DynamicImage) -> Vec<u16> {
    let img = canonical(img);
    let s = samples(&img);
    match s {
        Samples::U8(v) => v.iter().map(|&x| u16::from(x)).collect(),
        Samples::U16(v) => v.to_vec(),
    }
}

mod merge;
#[cfg(test)]
mod tests;

#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(unused_imports))]
pub(crate) use merge::channel8;
pub use merge::merge;
pub(crate) use merge::{merge_bands, BandSource, TILE};
#[cfg(test)]
use merge::{quantize8, round_to_sample};
