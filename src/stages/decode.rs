//! Decode: bytes or a path → an image, under limits. The only caller of the `image` crate's readers.
//!
//! The format is read from the content, never from the file name. Before any pixel buffer is
//! allocated the header's dimensions are checked against [`DecodeLimits::max_pixels`], and the
//! `image` crate's own [`image::Limits`] are set on the decoder. EXIF orientation is applied.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Seek};
use std::path::Path;

use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use crate::error::{Error, Result};
use crate::progress::{timed, Progress, Stage};

/// Size limits applied while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted width × height.
    ///
    /// Default: `100_000_000` (100 megapixels).
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_pixels: 100_000_000,
        }
    }
}

impl DecodeLimits {
    /// The `image` crate's limits that correspond to these.
    fn image_limits(&self) -> image::Limits {
        let side = u32::try_from(self.max_pixels).unwrap_or(u32::MAX);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(side);
        limits.max_image_height = Some(side);
        // The decoded buffer (up to 4 channels × 16 bits, or 4 × f32) plus decoder working memory.
        limits.max_alloc = Some(self.max_pixels.saturating_mul(16).saturating_add(256 << 20));
        limits
    }
}

/// A decoded image and what was noticed on the way.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The pixels, with EXIF orientation applied.
    pub image: DynamicImage,
    /// The format found in the content (`"png"`, `"jpeg"`, …).
    pub format: &'static str,
    /// Things the user should know (first frame of an animation, float samples converted, …).
    pub warnings: Vec<String>,
}

/// Reads and decodes the image file at `path`.
pub fn decode_file(path: &Path, limits: &DecodeLimits) -> Result<Decoded> {
    crate::parallel::clear_upper();
    let meta = std::fs::metadata(path).map_err(|e| Error::io("cannot read", e))?;
    if meta.is_dir() {
        return Err(Error::Decode("is a directory, not an image".into()));
    }
    if meta.len() == 0 {
        return Err(Error::Decode("empty file, not an image".into()));
    }
    let file = File::open(path).map_err(|e| Error::io("cannot open", e))?;
    let mut decoded = decode_reader(BufReader::new(file), limits)?;
    if decoded.format == "gif" && gif_is_animated(path, limits) {
        decoded
            .warnings
            .push("animated GIF: only the first frame is used".into());
    }
    Ok(decoded)
}

/// [`decode_file`] as a command's first stage: shown as [`Stage::Decode`], and timed (the
/// milliseconds come back beside the image).
pub fn decode_stage(
    path: &Path,
    limits: &DecodeLimits,
    progress: &dyn Progress,
) -> Result<(Decoded, f64)> {
    progress.begin(Stage::Decode, 1);
    let (decoded, ms) = timed(|| decode_file(path, limits));
    progress.end(Stage::Decode);
    Ok((decoded?, ms))
}

/// Decodes an image held in memory.
pub fn decode_bytes(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded> {
    crate::parallel::clear_upper();
    if bytes.is_empty() {
        return Err(Error::Decode("empty input, not an image".into()));
    }
    decode_reader(Cursor::new(bytes), limits)
}

fn decode_reader<R: BufRead + Seek>(reader: R, limits: &DecodeLimits) -> Result<Decoded> {
    let reader = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(|e| Error::io("cannot read", e))?;
    let format = reader
        .format()
        .ok_or_else(|| Error::Decode("not an image (unknown format)".into()))?;
    if !format.reading_enabled() {
        return Err(Error::Decode(format!(
            "{} images are not supported",
            format_name(format)
        )));
    }
    if super::complete::checked(format) {
        // Decoders of these formats accept some files cut short: check the structure first. (The
        // file is read into memory once; the JPEG decoder does that anyway, and the compressed
        // bytes are small beside the decoded pixels.)
        let mut bytes = Vec::new();
        reader
            .into_inner()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read", e))?;
        super::complete::check(format, &bytes).map_err(Error::Decode)?;
        let reader = ImageReader::with_format(Cursor::new(bytes), format);
        return decode_known(reader, format, limits);
    }
    decode_known(reader, format, limits)
}

/// Decodes with a reader whose format is known and readable.
fn decode_known<R: BufRead + Seek>(
    mut reader: ImageReader<R>,
    format: ImageFormat,
    limits: &DecodeLimits,
) -> Result<Decoded> {
    let format_name = format_name(format);
    reader.limits(limits.image_limits());
    let mut decoder = reader.into_decoder().map_err(Error::from_decoding)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(Error::from_decoding)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let mut warnings = Vec::new();
    let image = normalise_samples(image, &mut warnings)?;
    Ok(Decoded {
        image,
        format: format_name,
        warnings,
    })
}

/// Re-reads a GIF to tell whether it has more than one frame (only the first is used).
fn gif_is_animated(bytes_or_file: &Path, limits: &DecodeLimits) -> bool {
    let Ok(file) = File::open(bytes_or_file) else {
        return false;
    };
    let Ok(mut decoder) = image::codecs::gif::GifDecoder::new(BufReader::new(file)) else {
        return false;
    };
    if decoder.set_limits(limits.image_limits()).is_err() {
        return false;
    }
    decoder.into_frames().take(2).count() > 1
}

fn check_dimensions(width: u32, height: u32, limits: &DecodeLimits) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::Decode(format!(
            "image has zero size ({width}×{height})"
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Error::Limits(format!(
            "image is {width}×{height} = {:.1} megapixels, over the limit of {:.1}",
            pixels as f64 / 1e6,
            limits.max_pixels as f64 / 1e6
        )));
    }
    Ok(())
}

/// Float images are checked for NaN/infinity and converted to 16 bits; every other layout passes.
fn normalise_samples(image: DynamicImage, warnings: &mut Vec<String>) -> Result<DynamicImage> {
    let floats: Option<&[f32]> = match &image {
        DynamicImage::ImageRgb32F(b) => Some(b.as_raw()),
        DynamicImage::ImageRgba32F(b) => Some(b.as_raw()),
        _ => None,
    };
    let Some(samples) = floats else {
        return Ok(image);
    };
    if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
        let channels = usize::from(image.color().channel_count());
        let pixel = i / channels;
        let (x, y) = (
            pixel % image.width() as usize,
            pixel / image.width() as usize,
        );
        return Err(Error::NonFinite(format!(
            "sample {} at pixel ({x}, {y})",
            samples[i]
        )));
    }
    warnings.push("32-bit float samples were clamped to [0, 1] and converted to 16 bits".into());
    Ok(if image.color().has_alpha() {
        DynamicImage::ImageRgba16(image.to_rgba16())
    } else {
        DynamicImage::ImageRgb16(image.to_rgb16())
    })
}

fn format_name(format: ImageFormat) -> &'static str {
    format.extensions_str().first().copied().unwrap_or("image")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_an_image() {
        let err = decode_bytes(b"hello, this is text", &DecodeLimits::default()).unwrap_err();
        assert_eq!(err.to_string(), "not an image (unknown format)");
    }

    #[test]
    fn pixel_cap_is_checked_from_the_header() {
        let limits = DecodeLimits { max_pixels: 10 };
        let img = DynamicImage::new_rgb8(4, 4);
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let err = decode_bytes(&png, &limits).unwrap_err();
        assert!(matches!(err, Error::Limits(_)), "{err}");
    }
}
