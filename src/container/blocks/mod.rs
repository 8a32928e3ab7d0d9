//! `.svdz` version 2: the block-adaptive SVD codec.
//!
//! The image becomes full-range BT.601 YCbCr with chroma at half resolution (4:2:0; a grey image
//! is one plane), each plane is cut into square blocks, and each block is stored as a smooth
//! base layer (one value per block, interpolated between block centres) plus as many quantized
//! rank-one terms of the SVD of its difference from the base as are worth their bits (`terms`;
//! each term's two singular vectors are stored as quantized cosine coefficients): one
//! Lagrangian trade-off for the whole image, so flat blocks get none and detailed ones many. The integers go through an adaptive binary range coder (`range_coder`,
//! `plane_code`).
//!
//! # Header (all integers little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 53 56 44 5A 0D 0A 1A`, as version 1 |
//! | 8 | 1 | version, 2 |
//! | 9 | 1 | colour: 0 grey (plane L), 1 YCbCr 4:2:0 (planes Y, Cb, Cr; Cb and Cr ⌈W/2⌉×⌈H/2⌉) |
//! | 10 | 1 | bit depth of the output samples: 8 or 16 (16-bit samples are the 8-bit scale × 257) |
//! | 11 | 1 | alpha: 0 none, 1 kept losslessly (an `ALPH` section, as in version 1) |
//! | 12 | 4 | width W, u32, 1 ..= 2²⁴ |
//! | 16 | 4 | height H, u32, 1 ..= 2²⁴; W·H at most the reader's pixel limit |
//! | 20 | 1 | planes P: 1 (grey) or 3 |
//! | 21 | 10·P | per plane: log₂ of the block side n (2 ..= 5, n = 4 … 32), step Δ (f32), grid step Δ_dc (f32), both in [2⁻⁸, 2¹²], deblocking strength (0 ..= 15) |
//! | 21 + 10P | 4 | CRC-32 (IEEE) of bytes 0 .. 21 + 10P |
//!
//! # Sections
//!
//! P plane sections in plane order, then the `ALPH` section if alpha is kept; nothing may follow.
//! A plane section is the tag `BLKS`, the length S (u32), the CRC-32 of the S bytes, and the S
//! bytes of the plane's range-coded stream (`plane_code`). A plane of side-n blocks has
//! ⌈w/n⌉·⌈h/n⌉ blocks in raster order; the last block row and column extend past the plane and
//! their extra samples are discarded.
//!
//! # Decoding
//!
//! Each block is its base layer (the grid `q_dc·Δ_dc` interpolated, `terms::base_block`) plus
//! `Σ_t Δ·C⁻¹a_t·(C⁻¹m_t)ᵀ/‖a_t‖` (`a_t`, `m_t` the coded cosine coefficients of the term's
//! vectors, `C⁻¹` the inverse orthonormal DCT-II from tables built by IEEE arithmetic alone,
//! `cosine`), in single precision, in the order `terms::add_term` fixes; the plane's block
//! edges are then smoothed (`deblock`); chroma is brought back to full resolution by the
//! triangle filter
//! (`ycbcr`), converted to RGB, rounded and clamped to 0–255. The result is bit-identical on
//! every platform. The reader checks the header before allocating, each section's CRC before
//! decoding it, and refuses a stream that ends before its last block.

mod block_svd;
mod compress;
mod cosine;
mod deblock;
mod image_planes;
mod info;
mod plane_code;
mod range_coder;
mod search;
mod terms;
mod truncate;
mod ycbcr;

use image::DynamicImage;

use super::header::{checksum_ok, u32_at, MAGIC, MAX_SIDE};
use super::section::{self, ALPHA_TAG};
use crate::error::{Error, Result};
use crate::stages::decode::DecodeLimits;
pub use compress::{
    compress_file_to_blocks, compress_image_to_blocks, BlockCompressed, BlockReport,
};
pub use info::{rank_map_image, report_header, BlockInfo, BlockPlaneInfo};
pub use search::{
    encode_image, step_of_quality, BlockEncoded, BlockOptions, Target, DEFAULT_QUALITY, SIDES,
};
pub use terms::{BlockCodes, Steps};
pub use truncate::{truncate, Keep};

/// The version number of block files.
pub const VERSION: u8 = 2;
/// Tag of a plane section.
const PLANE_TAG: &[u8; 4] = b"BLKS";
/// Smallest and largest step.
const MIN_STEP: f32 = 1.0 / 256.0;
const MAX_STEP: f32 = 4096.0;
/// Header bytes per plane.
const PLANE_HEADER: usize = 10;

/// One plane of a block file: its block side, steps and codes.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockPlane {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The quantization steps.
    pub steps: Steps,
    /// The quantized blocks.
    pub codes: BlockCodes,
    /// Strength of the deblocking filter, 0 (off) to 15 (`deblock`).
    pub deblock: u8,
}

/// The contents of a version-2 `.svdz` file.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockFile {
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// 8 or 16.
    pub bit_depth: u8,
    /// One plane (grey) or three (Y, Cb, Cr at 4:2:0).
    pub planes: Vec<BlockPlane>,
    /// Alpha samples kept losslessly (on the bit depth's scale).
    pub alpha: Option<Vec<u16>>,
}

/// Where the parts of a parsed block file lie.
#[derive(Debug, Clone)]
pub struct BlockParsed {
    /// The file's contents.
    pub file: BlockFile,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Bytes of each plane section (framing included).
    pub plane_bytes: Vec<usize>,
    /// Bytes of the alpha section.
    pub alpha_bytes: Option<usize>,
}

fn bad(m: impl Into<String>) -> Error {
    Error::Decode(format!("not a valid .svdz file: {}", m.into()))
}

/// The sides of plane `p` of a `width × height` image with `planes` planes.
fn plane_size(width: usize, height: usize, p: usize) -> (usize, usize) {
    if p == 0 {
        (width, height)
    } else {
        (ycbcr::half(width), ycbcr::half(height))
    }
}

impl BlockPlane {
    /// The plane's samples, as every decoder computes them.
    #[must_use]
    pub(crate) fn decode(&self) -> ycbcr::Plane {
        let mut plane = terms::reconstruct(&self.codes, self.steps, self.width, self.height);
        deblock::deblock(&mut plane, self.codes.block, self.steps.step, self.deblock);
        plane
    }
}

impl BlockFile {
    /// Plane names, in file order.
    #[must_use]
    pub fn plane_names(&self) -> Vec<&'static str> {
        if self.planes.len() == 1 {
            vec!["L"]
        } else {
            vec!["Y", "Cb", "Cr"]
        }
    }

    /// Encodes the file.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let streams: Vec<Vec<u8>> =
            crate::parallel::map(&self.planes, |p| plane_code::encode(&p.codes));
        let alpha = match &self.alpha {
            Some(a) => alpha_section(a, self.bit_depth)?,
            None => Vec::new(),
        };
        self.encode_with(&streams, &alpha)
    }

    /// Encodes the file around already coded plane streams and its `ALPH` section (empty
    /// without alpha).
    pub(crate) fn encode_with(&self, streams: &[Vec<u8>], alpha: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(u8::from(self.planes.len() == 3));
        out.push(self.bit_depth);
        out.push(u8::from(self.alpha.is_some()));
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.push(self.planes.len() as u8);
        for p in &self.planes {
            out.push(p.codes.block.trailing_zeros() as u8);
            out.extend_from_slice(&p.steps.step.to_le_bytes());
            out.extend_from_slice(&p.steps.dc_step.to_le_bytes());
            out.push(p.deblock);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        for s in streams {
            let len = u32::try_from(s.len())
                .map_err(|_| Error::Encode("plane stream larger than 4 GiB".into()))?;
            out.extend_from_slice(PLANE_TAG);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&crc32fast::hash(s).to_le_bytes());
            out.extend_from_slice(s);
        }
        out.extend_from_slice(alpha);
        debug_assert_eq!(out.len(), file_size(streams) + alpha.len());
        Ok(out)
    }

    /// Parses and checks a whole version-2 file.
    pub fn parse(bytes: &[u8], limits: &DecodeLimits) -> Result<BlockParsed> {
        if bytes.len() < 21 || &bytes[..8] != MAGIC {
            return Err(bad("truncated header"));
        }
        if bytes[8] != VERSION {
            return Err(bad(format!("version {} is not a block file", bytes[8])));
        }
        let planes = usize::from(bytes[20]);
        let header_bytes = 21 + PLANE_HEADER * planes + 4;
        if bytes.len() < header_bytes {
            return Err(bad("truncated header"));
        }
        let crc = u32_at(bytes, header_bytes - 4);
        if !checksum_ok(crc32fast::hash(&bytes[..header_bytes - 4]), crc) {
            return Err(bad("header checksum mismatch (corrupt file)"));
        }
        let expected = match bytes[9] {
            0 => 1,
            1 => 3,
            c => return Err(bad(format!("unknown colour mode {c}"))),
        };
        if planes != expected {
            return Err(bad(format!(
                "{planes} planes where the colour mode needs {expected}"
            )));
        }
        let bit_depth = bytes[10];
        if bit_depth != 8 && bit_depth != 16 {
            return Err(bad(format!("bit depth {bit_depth} (must be 8 or 16)")));
        }
        let has_alpha = match bytes[11] {
            0 => false,
            1 => true,
            a => return Err(bad(format!("unknown alpha mode {a}"))),
        };
        let (width, height) = (u32_at(bytes, 12), u32_at(bytes, 16));
        if width == 0 || height == 0 {
            return Err(bad("zero width or height"));
        }
        let pixels = u64::from(width) * u64::from(height);
        if width > MAX_SIDE || height > MAX_SIDE || pixels > limits.max_pixels {
            return Err(Error::Limits(format!(
                "{width}×{height} pixels exceed the limit of {} pixels",
                limits.max_pixels
            )));
        }
        let mut at = header_bytes;
        let mut out = Vec::with_capacity(planes);
        let mut plane_bytes = Vec::with_capacity(planes);
        for p in 0..planes {
            let h = 21 + PLANE_HEADER * p;
            let log2 = bytes[h];
            if !(2..=5).contains(&log2) {
                return Err(bad(format!("block side 2^{log2} (must be 4 to 32)")));
            }
            let f = |o: usize| f32::from_le_bytes(bytes[h + o..h + o + 4].try_into().expect("4"));
            let steps = Steps {
                step: f(1),
                dc_step: f(5),
            };
            for s in [steps.step, steps.dc_step] {
                if !(MIN_STEP..=MAX_STEP).contains(&s) {
                    return Err(bad(format!("quantization step {s} out of range")));
                }
            }
            let strength = bytes[h + 9];
            if strength > deblock::MAX_STRENGTH {
                return Err(bad(format!("deblocking strength {strength} (at most 15)")));
            }
            let n = 1usize << log2;
            let (w, hgt) = plane_size(width as usize, height as usize, p);
            let (bx, by) = (w.div_ceil(n), hgt.div_ceil(n));
            let end = at
                .checked_add(12)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad("truncated before a plane section"))?;
            if &bytes[at..at + 4] != PLANE_TAG {
                return Err(bad("expected a BLKS section"));
            }
            let len = u32_at(bytes, at + 4) as usize;
            let stream = bytes
                .get(end..)
                .and_then(|rest| rest.get(..len))
                .ok_or_else(|| bad("truncated plane section"))?;
            if !checksum_ok(crc32fast::hash(stream), u32_at(bytes, at + 8)) {
                return Err(bad("plane section checksum mismatch (corrupt file)"));
            }
            let codes = plane_code::decode(stream, n, bx, by)
                .ok_or_else(|| bad("plane stream ends before its last block"))?;
            out.push(BlockPlane {
                width: w,
                height: hgt,
                steps,
                codes,
                deblock: strength,
            });
            plane_bytes.push(12 + len);
            at = end + len;
        }
        let mut alpha_bytes = None;
        let alpha = if has_alpha {
            let n = (pixels as usize)
                .checked_mul(usize::from(bit_depth / 8))
                .ok_or_else(|| Error::Limits("alpha size overflows".into()))?;
            let info = section::read_section_info(bytes, at, ALPHA_TAG, (n, n))?;
            let raw = section::inflate(bytes, &info)?;
            at += info.total();
            alpha_bytes = Some(info.total());
            Some(section::parse_alpha(&raw, bit_depth))
        } else {
            None
        };
        if at != bytes.len() {
            return Err(bad(format!(
                "{} unexpected bytes after the last section",
                bytes.len() - at
            )));
        }
        Ok(BlockParsed {
            file: BlockFile {
                width,
                height,
                bit_depth,
                planes: out,
                alpha,
            },
            header_bytes,
            plane_bytes,
            alpha_bytes,
        })
    }

    /// The image the file describes.
    #[must_use]
    pub fn reconstruct(&self) -> DynamicImage {
        let planes: Vec<ycbcr::Plane> = crate::parallel::map(&self.planes, BlockPlane::decode);
        image_planes::merge(
            &planes,
            self.width as usize,
            self.height as usize,
            self.bit_depth,
            self.alpha.as_deref(),
        )
    }

    /// Total terms of every plane.
    #[must_use]
    pub fn terms(&self) -> Vec<usize> {
        self.planes.iter().map(|p| p.codes.terms()).collect()
    }
}

/// The `ALPH` section of `alpha` samples (as version 1 stores it).
pub(crate) fn alpha_section(alpha: &[u16], bit_depth: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let raw = section::alpha_payload(alpha, bit_depth);
    section::write_section(&mut out, ALPHA_TAG, &raw, section::ZSTD_LEVEL)?;
    Ok(out)
}

/// Bytes of a file whose planes are coded as `streams`, without its alpha section.
pub(crate) fn file_size(streams: &[Vec<u8>]) -> usize {
    21 + PLANE_HEADER * streams.len() + 4 + streams.iter().map(|s| 12 + s.len()).sum::<usize>()
}

/// Whether `bytes` start like a version-2 file (magic and version byte).
#[must_use]
pub fn is_block_file(bytes: &[u8]) -> bool {
    bytes.len() > 8 && &bytes[..8] == MAGIC && bytes[8] == VERSION
}
