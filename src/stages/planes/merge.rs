//! Merge: reconstructed planes back into an image (colour conversion, clamp, rounding to the
//! bit depth, alpha put back), from whole planes or band by band as they are rebuilt.

use std::ops::Range;

use faer::Mat;
use image::DynamicImage;

use super::{ycbcr_to_rgb, ColorMode, Layout};

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
    merge_bands(&Whole(planes), layout, alpha)
}

/// Where [`merge_bands`] reads the reconstructed samples: band by band, [`TILE`] rows at a time
/// (bands run side by side, each band's columns in order).
pub(crate) trait BandSource: Sync {
    /// What one band holds while it is merged (nothing, for planes already in memory).
    type Band;
    /// Prepares the band of `rows` (every plane's samples in those rows).
    fn band(&self, rows: Range<usize>) -> Self::Band;
    /// The samples of plane `p` in column `j` over the band's `rows`, top to bottom.
    fn column<'a>(
        &'a self,
        band: &'a Self::Band,
        p: usize,
        j: usize,
        rows: &Range<usize>,
    ) -> &'a [f32];
}

/// Whole planes in memory.
struct Whole<'p>(&'p [Mat<f32>]);

impl BandSource for Whole<'_> {
    type Band = ();
    fn band(&self, _: Range<usize>) {}
    fn column<'a>(&'a self, _: &'a (), p: usize, j: usize, rows: &Range<usize>) -> &'a [f32] {
        &self.0[p].col_as_slice(j)[rows.clone()]
    }
}

/// [`merge`], reading the planes from `src` band by band: a reconstruction can then be rebuilt,
/// measured and merged one band at a time, never held whole in f32.
pub(crate) fn merge_bands(
    src: &impl BandSource,
    layout: &Layout,
    alpha: Option<&[u16]>,
) -> DynamicImage {
    let (w, h) = (layout.width, layout.height);
    let channels = layout.output_channels();
    if layout.bit_depth == 16 {
        let out = merge_into::<u16>(src, layout, alpha, |v| v);
        build_image(w as u32, h as u32, channels, 16, out)
    } else {
        let out = merge_into::<u8>(src, layout, alpha, |v| v as u8);
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
pub(super) fn quantize8(v: f32) -> u8 {
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
pub(crate) const TILE: usize = 64;

/// The interleaved output samples of [`merge`], written straight in the output's sample type.
/// Bands of rows are filled in parallel, tile by tile.
fn merge_into<S: Copy + Default + Send>(
    src: &impl BandSource,
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
    let narrow = &narrow;
    let ycbcr = layout.color == ColorMode::YCbCr;
    // Planes that become output channels: the colour planes and a compressed alpha plane.
    let from_planes = if layout.alpha.is_some() && alpha.is_none() {
        colour + 1
    } else {
        colour
    };
    let mut out = vec![S::default(); w * h * channels];
    let band_len = TILE * w * channels;
    let fill = Fill {
        layout,
        alpha,
        channels,
        colour,
        from_planes,
        ycbcr,
    };
    crate::parallel::for_each_chunk(&mut out, band_len.max(1), |band, chunk| {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            unsafe { fill_band_avx2(&fill, src, band, chunk, &narrow, &quant) };
            return;
        }
        fill_band(&fill, src, band, chunk, &narrow, &quant);
    });
    out
}

/// What every band of [`merge_into`] shares.
struct Fill<'l> {
    layout: &'l Layout,
    alpha: Option<&'l [u16]>,
    channels: usize,
    colour: usize,
    from_planes: usize,
    ycbcr: bool,
}

/// [`fill_band`] compiled with AVX2 and FMA (the same operations, so the same samples).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fill_band_avx2<S: Copy>(
    fill: &Fill<'_>,
    src: &impl BandSource,
    band: usize,
    chunk: &mut [S],
    narrow: &impl Fn(u16) -> S,
    quant: &impl Fn(f64) -> S,
) {
    fill_band(fill, src, band, chunk, narrow, quant);
}

/// Band `band` ([`TILE`] rows) of the output samples, into `chunk`.
#[inline(always)]
fn fill_band<S: Copy>(
    fill: &Fill<'_>,
    src: &impl BandSource,
    band: usize,
    chunk: &mut [S],
    narrow: &impl Fn(u16) -> S,
    quant: &impl Fn(f64) -> S,
) {
    let Fill {
        layout,
        alpha,
        channels,
        colour,
        from_planes,
        ycbcr,
    } = *fill;
    let (w, h) = (layout.width, layout.height);
    let rows = band * TILE..((band + 1) * TILE).min(h);
    let n = rows.len();
    let prepared = src.band(rows.clone());
    // One TILE × TILE block of every plane, transposed to row-major, so that both the
    // reads here and the writes below run along memory.
    let mut block = vec![0.0f32; from_planes * TILE * TILE];
    for j0 in (0..w).step_by(TILE) {
        let cols = j0..(j0 + TILE).min(w);
        for (p, dst) in block.chunks_exact_mut(TILE * TILE).enumerate() {
            for (jj, j) in cols.clone().enumerate() {
                let column = src.column(&prepared, p, j, &rows);
                for (r, &v) in column.iter().enumerate() {
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
                    let rgb = ycbcr_to_rgb(f64::from(y[jj]), f64::from(cb[jj]), f64::from(cr[jj]));
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
