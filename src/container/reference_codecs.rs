//! The production encoders that `rd` measures `.svdz` against: JPEG as libjpeg-turbo writes it
//! and lossy WebP as libwebp writes it, each byte-identical to Pillow's output at the same
//! settings (measured on 8 images at every quality; see the README).
//!
//! - **JPEG**: libjpeg-turbo's encoder as shipped in mozjpeg 4 ([`mozjpeg`] over `mozjpeg-sys`,
//!   C built with `cc`, no SIMD so no nasm), switched to its libjpeg-turbo profile
//!   (`JCP_FASTEST`: baseline sequential, no trellis quantization, Annex K tables), with optimized
//!   Huffman tables and 4:2:0 chroma subsampling for colour. That is Pillow's
//!   `save(f, "JPEG", quality=q, optimize=True)`. The quality scaling is libjpeg's
//!   `jpeg_set_quality(q, force_baseline = TRUE)`: tables clamped to 255 (the `mozjpeg` crate's own
//!   `set_quality` does not clamp, which changes qualities 1–23).
//! - **WebP**: libwebp 1.6 ([`libwebp_sys`], C built with `cc`), lossy, the default preset at
//!   quality q, method 6 (the slowest, best), single-threaded; that is Pillow's
//!   `save(f, "WEBP", quality=q, method=6)`.
//!
//! Grey images are encoded as one-component JPEG and as WebP from the grey value in all three
//! channels (WebP has no grey mode), as Pillow does.

use std::panic::{catch_unwind, AssertUnwindSafe};

use image::DynamicImage;

use crate::error::{Error, Result};

/// The qualities of the JPEG encoder, lowest first.
pub const JPEG_QUALITIES: std::ops::RangeInclusive<u8> = 1..=100;

/// The qualities of the WebP encoder, lowest first.
pub const WEBP_QUALITIES: std::ops::RangeInclusive<u8> = 0..=100;

/// The largest side libjpeg can write.
pub const JPEG_MAX_SIDE: u32 = 65_500;

/// The largest side WebP can hold.
pub const WEBP_MAX_SIDE: u32 = 16_383;

/// What the JPEG columns are, for reports.
pub const JPEG_ENCODER: &str = "libjpeg-turbo (mozjpeg-sys, JCP_FASTEST profile): baseline, \
     optimized Huffman tables, 4:2:0 for colour; as Pillow's quality=q, optimize=True";

/// What the WebP columns are, for reports.
pub fn webp_encoder() -> String {
    // SAFETY: a plain query of a constant, no arguments.
    let v = unsafe { libwebp_sys::WebPGetEncoderVersion() };
    format!(
        "libwebp {}.{}.{} (libwebp-sys): lossy, default preset, method 6; as Pillow's quality=q, \
         method=6",
        (v >> 16) & 0xff,
        (v >> 8) & 0xff,
        v & 0xff
    )
}

/// The 8-bit samples of `img` as the encoders take them: RGB, or grey (alpha dropped, 16-bit
/// reduced).
fn samples(img: &DynamicImage) -> (bool, Vec<u8>) {
    if img.color().has_color() {
        (false, img.to_rgb8().into_raw())
    } else {
        (true, img.to_luma8().into_raw())
    }
}

/// libjpeg's `jpeg_quality_scaling` as a percentage: 5000 / q below 50, else 200 − 2q.
fn libjpeg_scale(quality: u8) -> u32 {
    let q = u32::from(quality.clamp(1, 100));
    if q < 50 {
        5000 / q
    } else {
        200 - 2 * q
    }
}

/// The quality to hand `mozjpeg::qtable::QTable::scaled` so that it gives exactly libjpeg's
/// integer tables for `quality` (checked for every quality by a test): `scaled` computes in f32
/// from 50 / q (not the integer 5000 / q) and rounds halves by f32 error, so the scale is nudged up
/// by 0.0005 % to round exact halves up as libjpeg's `(v·scale + 50) / 100` does.
fn scaled_quality(quality: u8) -> f32 {
    let s = libjpeg_scale(quality) as f32;
    if quality < 50 {
        5000.0 / (s + 0.0005)
    } else {
        100.0 - (s + 0.0005) / 2.0
    }
}

/// Encodes `img` as JPEG at `quality` (1–100) the way libjpeg-turbo does with Pillow's settings.
/// Images wider or taller than [`JPEG_MAX_SIDE`] are an [`Error::Encode`].
pub fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    use mozjpeg::qtable::{AnnexK_Chroma, AnnexK_Luma};
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 || w > JPEG_MAX_SIDE || h > JPEG_MAX_SIDE {
        return Err(Error::Encode(format!(
            "JPEG holds 1 to {JPEG_MAX_SIDE} pixels a side, not {w}×{h}"
        )));
    }
    let (grey, data) = samples(img);
    let t = scaled_quality(quality);
    // libjpeg reports errors by unwinding (mozjpeg's error manager: resume_unwind, no message
    // printed); turn one into an error.
    catch_unwind(AssertUnwindSafe(|| {
        let mut c = mozjpeg::Compress::new(if grey {
            mozjpeg::ColorSpace::JCS_GRAYSCALE
        } else {
            mozjpeg::ColorSpace::JCS_RGB
        });
        c.set_fastest_defaults();
        c.set_size(w as usize, h as usize);
        c.set_luma_qtable(&AnnexK_Luma.scaled(t, t));
        if !grey {
            c.set_chroma_qtable(&AnnexK_Chroma.scaled(t, t));
            c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        }
        c.set_optimize_coding(true);
        let mut s = c.start_compress(Vec::new())?;
        s.write_scanlines(&data)?;
        s.finish()
    }))
    .map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "libjpeg failed".into());
        Error::Encode(format!("cannot encode JPEG: {msg}"))
    })?
    .map_err(|e| Error::Encode(format!("cannot encode JPEG: {e}")))
}

/// Encodes `img` as lossy WebP at `quality` (0–100), method 6, as Pillow does. Images wider or
/// taller than [`WEBP_MAX_SIDE`] are an [`Error::Encode`].
pub fn webp(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    use libwebp_sys as ffi;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 || w > WEBP_MAX_SIDE || h > WEBP_MAX_SIDE {
        return Err(Error::Encode(format!(
            "WebP holds 1 to {WEBP_MAX_SIDE} pixels a side, not {w}×{h}"
        )));
    }
    let (grey, data) = samples(img);
    let rgb = if grey {
        data.iter().flat_map(|&v| [v, v, v]).collect()
    } else {
        data
    };
    let fail = |what: &str| Error::Encode(format!("cannot encode WebP: {what}"));
    let mut config = ffi::WebPConfig::new_with_preset(
        ffi::WebPPreset::WEBP_PRESET_DEFAULT,
        f32::from(quality.min(100)),
    )
    .map_err(|()| fail("libwebp version mismatch"))?;
    config.method = 6;
    config.lossless = 0;
    config.thread_level = 0;
    let mut picture = ffi::WebPPicture::new().map_err(|()| fail("libwebp version mismatch"))?;
    picture.width = w as i32;
    picture.height = h as i32;
    picture.use_argb = 0;
    // SAFETY: `config` and `picture` were initialised by libwebp's own init functions (above);
    // `rgb` holds w·h·3 bytes with stride w·3 and outlives the import, which copies it; the
    // memory writer lives on this stack frame for the whole encode and is read once after it,
    // then freed by WebPMemoryWriterClear; the picture's buffers are freed by WebPPictureFree on
    // every path after the import.
    unsafe {
        if ffi::WebPValidateConfig(&config) == 0 {
            return Err(fail("invalid configuration"));
        }
        if ffi::WebPPictureImportRGB(&mut picture, rgb.as_ptr(), (w * 3) as i32) == 0 {
            ffi::WebPPictureFree(&mut picture);
            return Err(fail("out of memory"));
        }
        let mut writer: ffi::WebPMemoryWriter = std::mem::zeroed();
        ffi::WebPMemoryWriterInit(&mut writer);
        picture.writer = Some(ffi::WebPMemoryWrite);
        picture.custom_ptr = (&mut writer as *mut ffi::WebPMemoryWriter).cast();
        let ok = ffi::WebPEncode(&config, &mut picture) != 0;
        let code = picture.error_code;
        ffi::WebPPictureFree(&mut picture);
        let out = if ok && !writer.mem.is_null() {
            Ok(std::slice::from_raw_parts(writer.mem, writer.size).to_vec())
        } else {
            Err(fail(&format!("libwebp error {code:?}")))
        };
        ffi::WebPMemoryWriterClear(&mut writer);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Annex K tables scaled as libjpeg's `jpeg_set_quality(q, TRUE)` does.
    fn libjpeg_table(basic: &[u32; 64], quality: u8) -> Vec<u32> {
        let s = libjpeg_scale(quality);
        basic
            .iter()
            .map(|&b| ((b * s + 50) / 100).clamp(1, 255))
            .collect()
    }

    fn coeffs(t: &mozjpeg::qtable::QTable) -> Vec<u32> {
        // The coefficients are private; Debug shows them.
        let s = format!("{t:?}");
        s.trim_start_matches("QTable{coeffs:[")
            .trim_end_matches("]}")
            .split(", ")
            .map(|v| v.parse().expect("a coefficient"))
            .collect()
    }

    #[test]
    fn quant_tables_equal_libjpeg_at_every_quality() {
        use mozjpeg::qtable::{AnnexK_Chroma, AnnexK_Luma};
        let luma: [u32; 64] = coeffs(&AnnexK_Luma).try_into().expect("64");
        let chroma: [u32; 64] = coeffs(&AnnexK_Chroma).try_into().expect("64");
        assert_eq!(&luma[..4], &[16, 11, 10, 16]);
        for q in JPEG_QUALITIES {
            let t = scaled_quality(q);
            assert_eq!(
                coeffs(&AnnexK_Luma.scaled(t, t)),
                libjpeg_table(&luma, q),
                "luma q {q}"
            );
            assert_eq!(
                coeffs(&AnnexK_Chroma.scaled(t, t)),
                libjpeg_table(&chroma, q),
                "chroma q {q}"
            );
        }
    }

    #[test]
    fn oversized_images_are_errors() {
        let img = DynamicImage::new_luma8(WEBP_MAX_SIDE + 1, 1);
        assert!(matches!(webp(&img, 50), Err(Error::Encode(_))));
        assert!(jpeg(&img, 50).is_ok());
    }

    #[test]
    fn encoder_names_its_version() {
        assert!(
            webp_encoder().starts_with("libwebp 1."),
            "{}",
            webp_encoder()
        );
    }
}
