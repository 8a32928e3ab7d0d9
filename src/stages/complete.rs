//! Completeness checks: an input is decoded only when its own structure reaches its end.
//!
//! Decoders stop reading once they have the pixels they need, and some make up what is missing:
//! the `image` crate decodes JPEG with zune-jpeg in its lenient mode, as browsers do, so a file
//! cut short (a partial download) decodes without an error, the missing part grey. PNG, GIF and
//! WebP decoders stop before the end marker or the last bytes, so a file cut there decodes too.
//! svdimg refuses all of these, by walking each format's structure without decoding anything:
//!
//! * JPEG: segments are skipped by their lengths, the entropy-coded data after each start-of-scan
//!   up to the next marker (stuffed `FF 00` bytes and restart markers belong to the data); the
//!   stream is complete when its end-of-image marker (`FF D9`) is reached.
//! * PNG: chunks are skipped by their lengths up to the `IEND` chunk, which must be whole.
//! * GIF: blocks and their sub-blocks are skipped up to the trailer (`3B`).
//! * WebP: the file holds at least the bytes its RIFF header announces.
//!
//! Bytes after the end (some cameras append data) are ignored. BMP and TIFF decoders report
//! truncation themselves. Both are tested at many offsets in `tests/it/truncated.rs`.

use image::ImageFormat;

/// Why a file of `format` is incomplete, or `Ok` when its structure reaches its end (or the
/// format's decoder checks that itself).
pub(crate) fn check(format: ImageFormat, data: &[u8]) -> Result<(), String> {
    match format {
        ImageFormat::Jpeg => jpeg_complete(data),
        ImageFormat::Png => png_complete(data),
        ImageFormat::Gif => gif_complete(data),
        ImageFormat::WebP => webp_complete(data),
        _ => Ok(()),
    }
}

/// Whether [`check`] reads the whole file for `format` (the others are streamed).
pub(crate) fn checked(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP
    )
}

fn truncated(format: &str, end: &str) -> String {
    format!(
        "truncated {format}: the data ends before {end} (an incomplete file, e.g. a partial download)"
    )
}

/// Why a PNG stream is incomplete: chunks (length, type, data, CRC) up to a whole `IEND`.
fn png_complete(data: &[u8]) -> Result<(), String> {
    let cut = || truncated("PNG", "the IEND chunk");
    let mut i = 8;
    loop {
        let head = data.get(i..i + 8).ok_or_else(cut)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = i
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .ok_or_else(cut)?;
        if end > data.len() {
            return Err(cut());
        }
        if &head[4..8] == b"IEND" {
            return Ok(());
        }
        i = end;
    }
}

/// Why a GIF stream is incomplete: blocks up to the trailer.
fn gif_complete(data: &[u8]) -> Result<(), String> {
    let cut = || truncated("GIF", "its trailer");
    let colour_table = |flags: u8| {
        if flags & 0x80 != 0 {
            3usize << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let mut i = 13 + colour_table(*data.get(10).ok_or_else(cut)?);
    loop {
        match *data.get(i).ok_or_else(cut)? {
            0x3B => return Ok(()),
            // Extension: introducer, label, sub-blocks.
            0x21 => i = skip_sub_blocks(data, i + 2).ok_or_else(cut)?,
            // Image: descriptor (10 bytes), local colour table, LZW code size, sub-blocks.
            0x2C => {
                let flags = *data.get(i + 9).ok_or_else(cut)?;
                i = skip_sub_blocks(data, i + 10 + colour_table(flags) + 1).ok_or_else(cut)?;
            }
            b => return Err(format!("corrupt GIF: block type 0x{b:02x} at byte {i}")),
        }
    }
}

/// The position after the sub-blocks starting at `i` (length byte, data; a zero length ends).
fn skip_sub_blocks(data: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let n = usize::from(*data.get(i)?);
        i += 1 + n;
        if n == 0 {
            return Some(i);
        }
        if i > data.len() {
            return None;
        }
    }
}

/// Why a WebP file is incomplete: shorter than its RIFF header says.
fn webp_complete(data: &[u8]) -> Result<(), String> {
    let cut = || truncated("WebP", "the end its RIFF header announces");
    let size = data.get(4..8).ok_or_else(cut)?;
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
    // The RIFF payload is padded to an even length.
    if data.len() < 8 + size + (size & 1) {
        return Err(cut());
    }
    Ok(())
}

/// Why a JPEG stream is incomplete, or `Ok` when it reaches its end-of-image marker.
fn jpeg_complete(data: &[u8]) -> Result<(), String> {
    let cut = || truncated("JPEG", "the end-of-image marker");
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("not a JPEG stream (no start-of-image marker)".into());
    }
    let mut i = 2;
    loop {
        // Between segments: skip anything up to a marker (lenient, as decoders are), then fill bytes.
        while i < data.len() && data[i] != 0xFF {
            i += 1;
        }
        while i < data.len() && data[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = data.get(i) else {
            return Err(cut());
        };
        i += 1;
        match marker {
            0xD9 => return Ok(()),
            // Markers without a length: restart markers, TEM, a stray SOI, and 0x00 (stuffing
            // outside a scan, i.e. garbage that was skipped).
            0x00 | 0x01 | 0xD0..=0xD8 => {}
            _ => {
                let Some(len) = data.get(i..i + 2) else {
                    return Err(cut());
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return Err(format!("corrupt JPEG: segment length {len} at byte {i}"));
                }
                if i + len > data.len() {
                    return Err(cut());
                }
                i += len;
                if marker == 0xDA {
                    i = skip_entropy_coded(data, i).ok_or_else(cut)?;
                }
            }
        }
    }
}

/// The position of the marker that ends the entropy-coded data starting at `i`; `None` when the
/// data ends first.
fn skip_entropy_coded(data: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let ff = i + data.get(i..)?.iter().position(|&b| b == 0xFF)?;
        match *data.get(ff + 1)? {
            // Stuffed 0xFF and restart markers belong to the scan; FF FF is fill before a marker.
            0x00 | 0xD0..=0xD7 => i = ff + 2,
            0xFF => i = ff + 1,
            _ => return Some(ff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP0 segment that contains FF D9, SOS with entropy data holding a stuffed byte and
    /// a restart marker, EOI, then trailing bytes.
    fn tiny() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02]);
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    #[test]
    fn complete_stream_passes_with_trailing_bytes() {
        let mut v = tiny();
        assert_eq!(jpeg_complete(&v), Ok(()));
        v.extend_from_slice(b"trailer");
        assert_eq!(jpeg_complete(&v), Ok(()));
    }

    #[test]
    fn every_cut_is_refused() {
        let v = tiny();
        for cut in 0..v.len() {
            assert!(jpeg_complete(&v[..cut]).is_err(), "cut at {cut}");
        }
    }
}
