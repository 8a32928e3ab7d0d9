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

/// Turns (reconstructed) planes back into an image: colour conversion, clamp to [0, 1], round to
/// the bit depth, alpha put back.
#[must_use]
pub fn merge(planes: &[Mat<f32>], layout: &Layout, alpha: Option<&[u16]>) -> DynamicImage {
    #[track_caller]
    fn check(planes: &[Mat<f32>], layout: &Layout) {
        assert_eq!(planes.len(), layout.names.len(), "one matrix per plane");
        for p in planes {
            assert_eq!((p.nrows(), p.ncols()), (layout.height, layout.width));
        }
    }
    check(planes, layout);
    let (w, h) = (layout.width, layout.height);
    let channels = layout.output_channels();
    if layout.bit_depth == 16 {
        let out = merge_into::<u16>(planes, layout, alpha, |v| v);
        build_image(w as u32, h as u32, channels, 16, out)
    } else {
        let out = merge_into::<u8>(planes, layout, alpha, |v| v as u8);
        build_image8(w as u32, h as u32, channels, out)
    }
}

/// One reconstructed plane as an 8-bit output channel of its own, row-major: every sample
/// clamped to [0, 1], scaled and rounded exactly as [`merge`] does it, so for a layout whose
/// planes are its output channels (any but YCbCr, 8-bit) these are the samples of that channel
/// in the merged image.
#[must_use]
#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(dead_code))]
pub(crate) fn channel8(plane: &Mat<f32>) -> Vec<u8> {
    /// Columns quantized together, so that each row of the band gets them in one store.
    const COLS: usize = 16;
    let (h, w) = (plane.nrows(), plane.ncols());
    let mut out = vec![0u8; w * h];
    let mut block = [[0u8; COLS]; TILE];
    for r0 in (0..h).step_by(TILE) {
        let rows = r0..(r0 + TILE).min(h);
        for j0 in (0..w).step_by(COLS) {
            let cols = j0..(j0 + COLS).min(w);
            // Quantized down each column (contiguous in the plane) into a small row-major
            // block, which is then copied row by row into the band.
            for (jj, j) in cols.clone().enumerate() {
                let src = &plane.col_as_slice(j)[rows.clone()];
                for (line, &v) in block.iter_mut().zip(src) {
                    line[jj] = quantize8(v);
                }
            }
            for (r, line) in rows.clone().zip(&block) {
                out[r * w + j0..r * w + cols.end].copy_from_slice(&line[..cols.len()]);
            }
        }
    }
    out
}

/// `round_to_sample(f64::from(v).clamp(0.0, 1.0) * 255.0) as u8`, the 8-bit sample [`merge`]
/// makes of `v`, in a form the compiler vectorises: the product of an f32 and 255 is exact in
/// f64, and so is adding ½ to it, so truncating the sum rounds half up exactly as
/// [`round_to_sample`] does (NaN gives 0 both ways).
#[inline]
#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(dead_code))]
fn quantize8(v: f32) -> u8 {
    (f64::from(v).clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// `x.round() as u16` for `x` in [0, 65535] (and NaN → 0), without the libm call that
/// `f64::round` compiles to on baseline x86-64: the integer part by truncation, then half away
/// from zero by an exact comparison of the fraction (both steps are exact below 2⁵²).
#[inline]
pub(crate) fn round_to_sample(x: f64) -> u16 {
    let whole = x as u16;
    let fraction = x - f64::from(whole);
    whole + u16::from(fraction >= 0.5)
}

/// Rows per band and columns per tile of [`merge_into`]: a tile's reads (down the columns of
/// column-major planes) and writes (along interleaved image rows) both stay in cache.
const TILE: usize = 64;

/// The interleaved output samples of [`merge`], written straight in the output's sample type.
/// Bands of rows are filled in parallel, tile by tile.
fn merge_into<S: Copy + Default + Send>(
    planes: &[Mat<f32>],
    layout: &Layout,
    alpha: Option<&[u16]>,
    narrow: impl Fn(u16) -> S + Sync,
) -> Vec<S> {
    let (w, h) = (layout.width, layout.height);
    let channels = layout.output_channels();
    let colour = if layout.color == ColorMode::Luma {
        1
    } else {
        3
    };
    let peak = layout.peak();
    let quant = |v: f64| narrow(round_to_sample(v.clamp(0.0, 1.0) * peak));
    let ycbcr = layout.color == ColorMode::YCbCr;
    // Planes that become output channels: the colour planes and a compressed alpha plane.
    let from_planes = if layout.alpha.is_some() && alpha.is_none() {
        colour + 1
    } else {
        colour
    };
    let mut out = vec![S::default(); w * h * channels];
    let band_len = TILE * w * channels;
    crate::parallel::for_each_chunk(&mut out, band_len.max(1), |band, chunk| {
        let rows = band * TILE..((band + 1) * TILE).min(h);
        let n = rows.len();
        // One TILE × TILE block of every plane, transposed to row-major, so that both the
        // reads here and the writes below run along memory.
        let mut block = vec![0.0f32; from_planes * TILE * TILE];
        for j0 in (0..w).step_by(TILE) {
            let cols = j0..(j0 + TILE).min(w);
            for (p, dst) in block.chunks_exact_mut(TILE * TILE).enumerate() {
                for (jj, j) in cols.clone().enumerate() {
                    let src = &planes[p].col_as_slice(j)[rows.clone()];
                    for (r, &v) in src.iter().enumerate() {
                        dst[r * TILE + jj] = v;
                    }
                }
            }
            let plane = |p: usize, r: usize| &block[p * TILE * TILE + r * TILE..][..cols.len()];
            for r in 0..n {
                let line = &mut chunk[(r * w + j0) * channels..(r * w + cols.end) * channels];
                if ycbcr {
                    let (y, cb, cr) = (plane(0, r), plane(1, r), plane(2, r));
                    for (jj, px) in line.chunks_exact_mut(channels).enumerate() {
                        let rgb =
                            ycbcr_to_rgb(f64::from(y[jj]), f64::from(cb[jj]), f64::from(cr[jj]));
                        px[0] = quant(rgb[0]);
                        px[1] = quant(rgb[1]);
                        px[2] = quant(rgb[2]);
                    }
                    if from_planes > 3 {
                        let a = plane(3, r);
                        for (jj, px) in line.chunks_exact_mut(channels).enumerate() {
                            px[3] = quant(f64::from(a[jj]));
                        }
                    }
                } else {
                    for p in 0..from_planes {
                        let src = plane(p, r);
                        for (px, &v) in line.chunks_exact_mut(channels).zip(src) {
                            px[p] = quant(f64::from(v));
                        }
                    }
                }
                if let (Some(a), true) = (alpha, layout.alpha.is_some()) {
                    let i = rows.start + r;
                    let src = &a[i * w + j0..i * w + cols.end];
                    for (px, &v) in line.chunks_exact_mut(channels).zip(src) {
                        px[colour] = narrow(v);
                    }
                }
            }
        }
    });
    out
}

fn build_image8(w: u32, h: u32, channels: usize, s: Vec<u8>) -> DynamicImage {
    use image::ImageBuffer as B;
    use DynamicImage as D;
    const MSG: &str = "buffer length matches dimensions";
    match channels {
        1 => D::ImageLuma8(B::from_raw(w, h, s).expect(MSG)),
        2 => D::ImageLumaA8(B::from_raw(w, h, s).expect(MSG)),
        3 => D::ImageRgb8(B::from_raw(w, h, s).expect(MSG)),
        _ => D::ImageRgba8(B::from_raw(w, h, s).expect(MSG)),
    }
}

fn build_image(w: u32, h: u32, channels: usize, bit_depth: u8, samples: Vec<u16>) -> DynamicImage {
    use image::ImageBuffer as B;
    use DynamicImage as D;
    const MSG: &str = "buffer length matches dimensions";
    if bit_depth == 16 {
        match channels {
            1 => D::ImageLuma16(B::from_raw(w, h, samples).expect(MSG)),
            2 => D::ImageLumaA16(B::from_raw(w, h, samples).expect(MSG)),
            3 => D::ImageRgb16(B::from_raw(w, h, samples).expect(MSG)),
            _ => D::ImageRgba16(B::from_raw(w, h, samples).expect(MSG)),
        }
    } else {
        let s: Vec<u8> = samples.into_iter().map(|v| v as u8).collect();
        match channels {
            1 => D::ImageLuma8(B::from_raw(w, h, s).expect(MSG)),
            2 => D::ImageLumaA8(B::from_raw(w, h, s).expect(MSG)),
            3 => D::ImageRgb8(B::from_raw(w, h, s).expect(MSG)),
            _ => D::ImageRgba8(B::from_raw(w, h, s).expect(MSG)),
        }
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

#[cfg(test)]
mod tests;
