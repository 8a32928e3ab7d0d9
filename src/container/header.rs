//! The `.svdz` header: magic, version, what the planes are, ranks, and a CRC-32 of it all.
//! Every field is checked before anything it sizes is allocated.

use crate::error::{Error, Result};
use crate::stages::planes::{AlphaMode, ColorMode, Layout};

/// The first eight bytes of every `.svdz` file.
pub const MAGIC: &[u8; 8] = b"\x89SVDZ\r\n\x1a";

/// The format version this code writes and reads.
pub const VERSION: u8 = 1;

/// Largest accepted width or height (2^24), whatever the pixel limit.
pub const MAX_SIDE: u32 = 1 << 24;

/// What a `.svdz` file holds, before its sections.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Image width (columns).
    pub width: u32,
    /// Image height (rows).
    pub height: u32,
    /// 8 or 16.
    pub bit_depth: u8,
    /// The colour mode of the planes (`Luma` for greyscale inputs too).
    pub color: ColorMode,
    /// Whether the input was greyscale (one plane named "L").
    pub grey_input: bool,
    /// Alpha: none, kept losslessly in its own section, or compressed as the last plane.
    pub alpha: Option<AlphaMode>,
    /// The quantization tolerance τ the vectors were quantized to (information only).
    pub tolerance: f32,
    /// The rank of every plane.
    pub ranks: Vec<u32>,
}

impl Header {
    /// Size in bytes of the header with `planes` planes.
    #[must_use]
    pub fn encoded_len(planes: usize) -> usize {
        25 + 4 * planes + 4
    }

    /// The planes this header's colour mode and alpha handling imply.
    #[must_use]
    pub fn plane_count(&self) -> usize {
        let colour = if self.color == ColorMode::Luma { 1 } else { 3 };
        colour + usize::from(self.alpha == Some(AlphaMode::Compress))
    }

    /// The planes' layout, as [`crate::stages::planes::split`] would describe them.
    #[must_use]
    pub fn layout(&self) -> Layout {
        let mut names: Vec<&'static str> = match (self.color, self.grey_input) {
            (ColorMode::Luma, true) => vec!["L"],
            (ColorMode::Luma, false) => vec!["Y"],
            (ColorMode::Rgb, _) => vec!["R", "G", "B"],
            (ColorMode::YCbCr, _) => vec!["Y", "Cb", "Cr"],
        };
        if self.alpha == Some(AlphaMode::Compress) {
            names.push("A");
        }
        Layout {
            width: self.width as usize,
            height: self.height as usize,
            bit_depth: self.bit_depth,
            color: self.color,
            grey_input: self.grey_input,
            alpha: self.alpha,
            names,
        }
    }

    /// The header for planes of `layout` at `ranks`.
    pub fn for_layout(layout: &Layout, ranks: &[usize], tolerance: f64) -> Result<Self> {
        let side = |v: usize| {
            u32::try_from(v)
                .ok()
                .filter(|&s| (1..=MAX_SIDE).contains(&s))
                .ok_or_else(|| Error::Parameter(format!("side {v} too large for .svdz")))
        };
        Ok(Header {
            width: side(layout.width)?,
            height: side(layout.height)?,
            bit_depth: layout.bit_depth,
            color: layout.color,
            grey_input: layout.grey_input,
            alpha: layout.alpha,
            tolerance: tolerance as f32,
            ranks: ranks.iter().map(|&k| k as u32).collect(),
        })
    }

    /// Appends the encoded header to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(match (self.color, self.grey_input) {
            (ColorMode::Luma, true) => 0,
            (ColorMode::Luma, false) => 1,
            (ColorMode::Rgb, _) => 2,
            (ColorMode::YCbCr, _) => 3,
        });
        out.push(self.bit_depth);
        out.push(match self.alpha {
            None => 0,
            Some(AlphaMode::Keep) => 1,
            Some(AlphaMode::Compress) => 2,
        });
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.tolerance.to_le_bytes());
        out.push(self.ranks.len() as u8);
        for k in &self.ranks {
            out.extend_from_slice(&k.to_le_bytes());
        }
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Parses and checks the header at the start of `bytes`; returns it and its length.
    /// `max_pixels` caps width × height.
    pub fn parse(bytes: &[u8], max_pixels: u64) -> Result<(Self, usize)> {
        let bad = |m: &str| Err(Error::Decode(format!("not a valid .svdz file: {m}")));
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return bad("wrong magic bytes");
        }
        if bytes.len() < 25 {
            return bad("truncated header");
        }
        if bytes[8] != VERSION {
            return Err(Error::Decode(format!(
                "unsupported .svdz version {} (this svdimg reads version {VERSION})",
                bytes[8]
            )));
        }
        let planes = usize::from(bytes[24]);
        let len = Header::encoded_len(planes);
        if bytes.len() < len {
            return bad("truncated header");
        }
        let stored_crc = u32_at(bytes, len - 4);
        if !checksum_ok(crc32fast::hash(&bytes[..len - 4]), stored_crc) {
            return bad("header checksum mismatch (corrupt file)");
        }
        let (color, grey_input) = match bytes[9] {
            0 => (ColorMode::Luma, true),
            1 => (ColorMode::Luma, false),
            2 => (ColorMode::Rgb, false),
            3 => (ColorMode::YCbCr, false),
            c => return bad(&format!("unknown colour mode {c}")),
        };
        let bit_depth = bytes[10];
        if bit_depth != 8 && bit_depth != 16 {
            return bad(&format!("bit depth {bit_depth} (must be 8 or 16)"));
        }
        let alpha = match bytes[11] {
            0 => None,
            1 => Some(AlphaMode::Keep),
            2 => Some(AlphaMode::Compress),
            a => return bad(&format!("unknown alpha mode {a}")),
        };
        let (width, height) = (u32_at(bytes, 12), u32_at(bytes, 16));
        if width == 0 || height == 0 {
            return bad("zero width or height");
        }
        let pixels = u64::from(width)
            .checked_mul(u64::from(height))
            .ok_or_else(|| Error::Limits("image dimensions overflow".into()))?;
        if width > MAX_SIDE || height > MAX_SIDE || pixels > max_pixels {
            return Err(Error::Limits(format!(
                "{width}×{height} pixels exceed the limit of {max_pixels} pixels"
            )));
        }
        let tolerance = f32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return bad("quantization tolerance is not a number ≥ 0");
        }
        let max_rank = width.min(height);
        let ranks: Vec<u32> = (0..planes).map(|p| u32_at(bytes, 25 + 4 * p)).collect();
        if let Some(k) = ranks.iter().find(|&&k| k > max_rank) {
            return bad(&format!("rank {k} exceeds min(width, height) = {max_rank}"));
        }
        let header = Header {
            width,
            height,
            bit_depth,
            color,
            grey_input,
            alpha,
            tolerance,
            ranks,
        };
        if header.plane_count() != planes {
            return bad(&format!(
                "{planes} planes where the colour mode needs {}",
                header.plane_count()
            ));
        }
        Ok((header, len))
    }
}

/// The little-endian u32 at `at` (the caller checked the length).
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// Whether a stored checksum matches. Fuzz builds (`--cfg fuzzing`, set by cargo-fuzz) accept
/// any checksum so that mutated inputs reach the parsers behind it, as the png crate does.
pub(crate) fn checksum_ok(computed: u32, stored: u32) -> bool {
    cfg!(fuzzing) || computed == stored
}
