//! Encode: image → file, atomically. The only caller of the `image` crate's writers.
//!
//! Every file is written to a temporary file in the target folder and renamed into place, so a
//! failure never leaves a partial file; an existing file is replaced only when asked, and the
//! input is never overwritten.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use image::codecs::{jpeg::JpegEncoder, png::PngEncoder};
use image::{DynamicImage, ImageFormat};

use crate::error::{Error, Result};

/// Whether an existing output may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse when the output exists.
    #[default]
    Never,
    /// Replace it (never the input).
    Replace,
}

/// The image formats svdimg writes, chosen by the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// PNG: lossless, 8 or 16 bits, alpha.
    Png,
    /// JPEG (quality 92): 8 bits, no alpha.
    Jpeg,
    /// WebP (lossless): 8 bits, alpha.
    Webp,
    /// BMP: 8 bits, alpha.
    Bmp,
    /// TIFF: 8 or 16 bits, alpha.
    Tiff,
    /// GIF: 8 bits, a 256-colour palette.
    Gif,
}

/// JPEG quality used for `.jpg` outputs.
pub const JPEG_QUALITY: u8 = 92;

impl OutputFormat {
    /// The format for a path's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) => Self::from_extension(ext),
            None => Err(Error::Parameter(
                "output has no extension to choose the format by (use .png, .jpg, …)".into(),
            )),
        }
    }

    /// The format for an extension or format name (`png`, `jpg`, …), case-insensitive.
    pub fn from_extension(ext: &str) -> Result<Self> {
        let ext = ext.to_ascii_lowercase();
        Ok(match Some(ext.as_str()) {
            Some("png") => OutputFormat::Png,
            Some("jpg" | "jpeg") => OutputFormat::Jpeg,
            Some("webp") => OutputFormat::Webp,
            Some("bmp") => OutputFormat::Bmp,
            Some("tif" | "tiff") => OutputFormat::Tiff,
            Some("gif") => OutputFormat::Gif,
            Some(other) => {
                return Err(Error::Parameter(format!(
                    "cannot write .{other} files (use .png, .jpg, .webp, .bmp, .tiff or .gif)"
                )))
            }
            None => unreachable!("matched on Some"),
        })
    }
}

/// Checks, before any work, that `output` may be written: not the input, not an existing file
/// unless replacing is allowed, not a directory, in an existing folder.
pub fn check_output(input: Option<&Path>, output: &Path, overwrite: Overwrite) -> Result<()> {
    if let Some(input) = input {
        if same_file(input, output) {
            return Err(Error::Parameter(format!(
                "output {} is the input: svdimg never overwrites its input",
                output.display()
            )));
        }
    }
    match std::fs::metadata(output) {
        Ok(m) if m.is_dir() => {
            return Err(Error::Parameter(format!(
                "output {} is a directory",
                output.display()
            )))
        }
        Ok(_) if overwrite == Overwrite::Never => {
            return Err(Error::OutputExists(output.to_path_buf()))
        }
        _ => {}
    }
    let dir = parent_dir(output);
    if !dir.is_dir() {
        return Err(Error::Parameter(format!(
            "output folder {} does not exist",
            dir.display()
        )));
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Temporary files being written right now, so that an interrupted process can remove them.
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file a write in progress has made. For a front end's Ctrl-C handler:
/// after it, the process should exit without finishing those writes.
pub fn remove_pending_temporaries() {
    for p in pending().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// Writes whatever `fill` produces to `path` through a temporary file in the same folder, then
/// renames it into place. On any error the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    overwrite: Overwrite,
    fill: impl FnOnce(&mut BufWriter<&File>) -> Result<()>,
) -> Result<()> {
    let dir = parent_dir(path);
    let tmp = tempfile::Builder::new()
        .prefix(".svdimg-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))?;
    let tmp_path = tmp.path().to_path_buf();
    pending().push(tmp_path.clone());
    let result = fill_and_persist(tmp, path, overwrite, fill);
    pending().retain(|p| p != &tmp_path);
    result
}

fn fill_and_persist(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    overwrite: Overwrite,
    fill: impl FnOnce(&mut BufWriter<&File>) -> Result<()>,
) -> Result<()> {
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush()
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    // Temporary files are created private (0600); the output gets the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    let result = match overwrite {
        Overwrite::Replace => tmp.persist(path).map(|_| ()),
        Overwrite::Never => tmp.persist_noclobber(path).map(|_| ()),
    };
    result.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::OutputExists(path.to_path_buf())
        } else {
            Error::io(format!("cannot write {}", path.display()), e.error)
        }
    })
}

/// Writes `bytes` (an encoded file: a page, a CSV, a GIF, a `.svdz`) to `path` atomically: never a
/// partial file.
pub fn write_bytes(path: &Path, overwrite: Overwrite, bytes: &[u8]) -> Result<()> {
    write_atomically(path, overwrite, |w| {
        std::io::Write::write_all(w, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
    })
}

/// Encodes `img` in the format of `path`'s extension and writes it atomically. Returns warnings
/// about what the format could not hold (16 bits, alpha).
pub fn write_image(img: &DynamicImage, path: &Path, overwrite: Overwrite) -> Result<Vec<String>> {
    crate::parallel::clear_upper();
    let format = OutputFormat::from_path(path)?;
    let mut warnings = Vec::new();
    write_atomically(path, overwrite, |w| {
        warnings = encode_to(img, format, w).map_err(|e| match e {
            Error::Io { source, .. } => {
                Error::io(format!("cannot write {}", path.display()), source)
            }
            other => other,
        })?;
        Ok(())
    })?;
    Ok(warnings)
}

/// Encodes `img` as `format` into any seekable writer (a file, or a `Cursor<Vec<u8>>` for
/// standard output). Returns warnings about what the format could not hold.
pub fn encode_to<W: Write + Seek>(
    img: &DynamicImage,
    format: OutputFormat,
    w: &mut W,
) -> Result<Vec<String>> {
    let (img, warnings) = fit_to_format(img, format);
    let result = match format {
        OutputFormat::Png => img.write_with_encoder(PngEncoder::new(&mut *w)),
        OutputFormat::Jpeg => {
            img.write_with_encoder(JpegEncoder::new_with_quality(&mut *w, JPEG_QUALITY))
        }
        OutputFormat::Webp => img.write_to(w, ImageFormat::WebP),
        OutputFormat::Bmp => img.write_to(w, ImageFormat::Bmp),
        OutputFormat::Tiff => img.write_to(w, ImageFormat::Tiff),
        OutputFormat::Gif => img.write_to(w, ImageFormat::Gif),
    };
    result.map_err(|e| match e {
        image::ImageError::IoError(io) => Error::io("cannot write", io),
        other => Error::Encode(format!("cannot encode the image: {other}")),
    })?;
    Ok(warnings)
}

/// Converts to a layout the format can store, saying what was lost.
fn fit_to_format(
    img: &DynamicImage,
    format: OutputFormat,
) -> (std::borrow::Cow<'_, DynamicImage>, Vec<String>) {
    use std::borrow::Cow;
    use DynamicImage as D;
    let mut warnings = Vec::new();
    let color = img.color();
    let sixteen = color.bytes_per_pixel() / color.channel_count() == 2;
    let grey = color.channel_count() <= 2;
    let alpha = color.has_alpha();
    let name = match format {
        OutputFormat::Jpeg => "JPEG",
        OutputFormat::Webp => "WebP",
        OutputFormat::Bmp => "BMP",
        OutputFormat::Gif => "GIF",
        _ => "",
    };
    let out = match format {
        OutputFormat::Png | OutputFormat::Tiff => Cow::Borrowed(img),
        OutputFormat::Jpeg => {
            if alpha {
                warnings.push("JPEG has no alpha channel: alpha was dropped".into());
            }
            if sixteen {
                warnings.push("JPEG holds 8 bits per sample: 16-bit output was reduced".into());
            }
            if grey {
                Cow::Owned(D::ImageLuma8(img.to_luma8()))
            } else {
                Cow::Owned(D::ImageRgb8(img.to_rgb8()))
            }
        }
        OutputFormat::Webp | OutputFormat::Bmp | OutputFormat::Gif => {
            if sixteen {
                warnings.push(format!(
                    "{name} holds 8 bits per sample: 16-bit output was reduced"
                ));
            }
            if format == OutputFormat::Gif {
                warnings.push("GIF holds 256 colours: the output was quantized".into());
            }
            match (alpha, format) {
                (true, _) => Cow::Owned(D::ImageRgba8(img.to_rgba8())),
                (false, OutputFormat::Gif) => Cow::Owned(D::ImageRgba8(img.to_rgba8())),
                (false, _) if grey && format == OutputFormat::Bmp => {
                    Cow::Owned(D::ImageLuma8(img.to_luma8()))
                }
                (false, _) => Cow::Owned(D::ImageRgb8(img.to_rgb8())),
            }
        }
    };
    (out, warnings)
}

/// Encodes `img` as JPEG at `quality` (1–100) in memory: 8-bit, greyscale or RGB, alpha dropped.
pub fn jpeg_bytes(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let (img, _) = fit_to_format(img, OutputFormat::Jpeg);
    let mut out = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(
        &mut out,
        quality.clamp(1, 100),
    ))
    .map_err(|e| Error::Encode(format!("cannot encode JPEG: {e}")))?;
    Ok(out)
}
