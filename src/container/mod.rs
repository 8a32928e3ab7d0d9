//! `.svdz`: svdimg's container of truncated, quantized SVD factors.
//!
//! A file is a header followed by one section per plane and, when alpha is kept losslessly, one
//! alpha section. All integers are little-endian; `f32` is IEEE-754 binary32, little-endian.
//!
//! # Header
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 53 56 44 5A 0D 0A 1A` (`\x89SVDZ\r\n\x1a`) |
//! | 8 | 1 | version, 1 |
//! | 9 | 1 | colour mode: 0 grey input (plane L), 1 luma of a colour input (Y), 2 rgb (R G B), 3 ycbcr (Y Cb Cr, full-range BT.601) |
//! | 10 | 1 | bit depth of the output samples: 8 or 16 |
//! | 11 | 1 | alpha: 0 none, 1 kept losslessly (an `ALPH` section), 2 compressed as the last plane (A) |
//! | 12 | 4 | width W, u32, 1 ..= 2²⁴ |
//! | 16 | 4 | height H, u32, 1 ..= 2²⁴; W·H at most the reader's pixel limit |
//! | 20 | 4 | quantization tolerance τ, f32 ≥ 0 (information: how the vectors were quantized) |
//! | 24 | 1 | number of planes P (must match colour mode and alpha: 1, 2, 3 or 4) |
//! | 25 | 4·P | rank kᵢ of each plane, u32, ≤ min(W, H) |
//! | 25 + 4P | 4 | CRC-32 (IEEE) of bytes 0 .. 25 + 4P |
//!
//! # Sections
//!
//! P plane sections (tag `PLNE`) in plane order, then the `ALPH` section if alpha is kept; nothing
//! may follow.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | tag: `PLNE` or `ALPH` |
//! | 4 | 4 | S, bytes of the zstd frame, u32 |
//! | 8 | 4 | R, bytes of the payload once decompressed, u32 (checked against the header before decompressing) |
//! | 12 | 4 | CRC-32 of the S stored bytes |
//! | 16 | S | one zstd frame holding the payload |
//!
//! # Plane payload: kᵢ terms in rank order
//!
//! A prefix of the terms is a valid lower-rank image: the first k terms are exactly what
//! compressing at rank k with the same τ stores, so `svdimg truncate` cuts a file without an SVD.
//!
//! | size | field |
//! |---|---|
//! | 4 | σ_t, f32 ≥ 0, on the [0, 1] sample scale |
//! | 1 + 4 + H or 2H | vector u_t (H entries) |
//! | 1 + 4 + W or 2W | vector v_t (W entries) |
//!
//! A vector is a code byte, its step Δ (f32 ≥ 0) and its coded values:
//!
//! | code bits | meaning |
//! |---|---|
//! | 0–4 | bit width b, 2 ..= 16: every quantized value q satisfies \|q\| ≤ 2^(b−1) − 1 |
//! | 5 | delta: the stored values are q_j − q_{j−1} (q_{−1} = 0), wrapping in 16 bits |
//! | 6 | wide: values are i16 stored as all low bytes then all high bytes; otherwise one i8 each |
//! | 7 | reserved, 0 |
//!
//! The entry is `q · Δ` in f32. The bit width of each vector follows its singular value (see
//! `quant`): a vector whose σ is half as large gets one bit fewer, so the bits go where the error
//! is.
//!
//! # Alpha payload
//!
//! W·H samples, row-major: one byte each at 8 bits, u16 each at 16 bits.
//!
//! # Decoding
//!
//! Decoding is bit-identical on every platform: see `reconstruct` for the fixed order of the
//! single-precision arithmetic. The reader checks every header value with checked arithmetic
//! against the pixel limit before allocating, verifies each section's CRC before decompressing
//! it, grows buffers only with data actually decompressed, and fails with [`Error::Decode`] or
//! [`Error::Limits`], never a panic, on anything malformed.

pub mod blocks;
mod budget;
mod compress;
mod file;
mod header;
mod info;
mod quant;
#[cfg(feature = "plots")]
pub mod rd;
#[cfg(feature = "plots")]
mod rd_table;
mod reconstruct;
#[cfg(feature = "plots")]
pub mod reference_codecs;
mod section;

use std::path::Path;

use image::DynamicImage;

pub use budget::Budget;
pub use compress::{
    compress_file_to_svdz, compress_image_to_svdz, ContainerReport, SvdzCompressed, SvdzOptions,
    SvdzReport,
};
pub use file::{
    decompress_file, info_file, info_with_rank_map, truncate_file, DecompressReport,
    SvdzFileOptions, SvdzInfo, TruncateReport, TruncateTo,
};
pub use header::{Header, MAGIC, VERSION};
pub use info::{FileInfo, PlaneInfo};
pub use quant::{QuantPlane, QuantTerm, QuantVector};

use crate::error::{Error, Result};
use crate::stages::decode::DecodeLimits;
use crate::stages::factorize::Factorized;
use section::{ALPHA_TAG, PLANE_TAG};

/// The contents of a `.svdz` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// Dimensions, colour mode, ranks.
    pub header: Header,
    /// One quantized plane per plane of the layout, each with `header.ranks[p]` terms.
    pub planes: Vec<QuantPlane>,
    /// Alpha samples (row-major, on the bit depth's scale) when alpha is kept losslessly.
    pub alpha: Option<Vec<u16>>,
}

/// Where each part of an encoded file lies, for `svdimg info`.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file's contents.
    pub container: Container,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Each plane section: stored and raw sizes.
    pub planes: Vec<section::SectionInfo>,
    /// The alpha section, when there is one.
    pub alpha: Option<section::SectionInfo>,
}

impl Container {
    /// Quantizes the factors of `fz` at `ranks` to tolerance `tau`.
    pub fn from_factors(fz: &Factorized, ranks: &[usize], tau: f64) -> Result<Container> {
        let planes: Vec<QuantPlane> =
            crate::parallel::map(&(0..ranks.len()).collect::<Vec<_>>(), |&p| {
                QuantPlane::quantize(&fz.factors[p], ranks[p], tau)
            });
        Ok(Container {
            header: Header::for_layout(&fz.planes.layout, ranks, tau)?,
            planes,
            alpha: fz.planes.alpha.clone(),
        })
    }

    /// Encodes the container to bytes.
    pub fn encode(&self) -> Result<Vec<u8>> {
        self.encode_at(section::ZSTD_LEVEL)
    }

    /// Encodes the container with zstd at `level` (files are written at
    /// `section::ZSTD_LEVEL`; other levels give other, equally valid bytes).
    pub fn encode_at(&self, level: i32) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.header.write(&mut out);
        let payloads: Vec<Vec<u8>> = crate::parallel::map(&self.planes, |p| {
            let mut s = Vec::new();
            section::write_section(&mut s, PLANE_TAG, &section::plane_payload(p), level)?;
            Ok::<_, Error>(s)
        })
        .into_iter()
        .collect::<Result<_>>()?;
        for p in payloads {
            out.extend_from_slice(&p);
        }
        if let Some(alpha) = &self.alpha {
            let raw = section::alpha_payload(alpha, self.header.bit_depth);
            section::write_section(&mut out, ALPHA_TAG, &raw, level)?;
        }
        Ok(out)
    }

    /// Decodes and checks a whole file held in memory.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Self> {
        Ok(Self::parse(bytes, limits)?.container)
    }

    /// Decodes a file held in memory and says where each part lies.
    pub fn parse(bytes: &[u8], limits: &DecodeLimits) -> Result<Parsed> {
        let (header, header_bytes) = Header::parse(bytes, limits.max_pixels)?;
        let (rows, cols) = (header.height as usize, header.width as usize);
        let mut at = header_bytes;
        let mut planes = Vec::new();
        let mut infos = Vec::new();
        for &k in &header.ranks {
            let k = k as usize;
            let range = section::plane_payload_range(k, rows, cols)
                .ok_or_else(|| Error::Limits("plane size overflows".into()))?;
            let info = section::read_section_info(bytes, at, PLANE_TAG, range)?;
            let raw = section::inflate(bytes, &info)?;
            planes.push(section::parse_plane(&raw, k, rows, cols)?);
            infos.push(info);
            at += info.total();
        }
        let mut alpha_info = None;
        let alpha = if header.alpha == Some(crate::stages::planes::AlphaMode::Keep) {
            let n = rows
                .checked_mul(cols)
                .and_then(|p| p.checked_mul(usize::from(header.bit_depth / 8)))
                .ok_or_else(|| Error::Limits("alpha size overflows".into()))?;
            let info = section::read_section_info(bytes, at, ALPHA_TAG, (n, n))?;
            let raw = section::inflate(bytes, &info)?;
            at += info.total();
            alpha_info = Some(info);
            Some(section::parse_alpha(&raw, header.bit_depth))
        } else {
            None
        };
        if at != bytes.len() {
            return Err(Error::Decode(format!(
                "not a valid .svdz file: {} unexpected bytes after the last section",
                bytes.len() - at
            )));
        }
        Ok(Parsed {
            container: Container {
                header,
                planes,
                alpha,
            },
            header_bytes,
            planes: infos,
            alpha: alpha_info,
        })
    }

    /// Reads and decodes a `.svdz` file. Files larger than any image within `limits` could need
    /// are refused before they are read.
    pub fn read_file(path: &Path, limits: &DecodeLimits) -> Result<Self> {
        Ok(Self::parse(&read_bounded(path, limits)?, limits)?.container)
    }

    /// The image these factors describe.
    #[must_use]
    pub fn reconstruct(&self) -> DynamicImage {
        self.reconstruct_planes().1
    }

    /// The planes these factors describe (before rounding) and the image merged from them.
    #[must_use]
    pub fn reconstruct_planes(&self) -> (Vec<faer::Mat<f32>>, DynamicImage) {
        reconstruct::reconstruct_image(&self.planes, &self.header.layout(), self.alpha.as_deref())
    }

    /// The first `ranks[p]` terms of every plane (ranks larger than a plane's are clamped): what
    /// compressing at those ranks with the same tolerance would have stored.
    #[must_use]
    pub fn truncated(&self, ranks: &[usize]) -> Container {
        let planes: Vec<QuantPlane> = self
            .planes
            .iter()
            .zip(ranks)
            .map(|(p, &k)| QuantPlane {
                terms: p.terms[..k.min(p.rank())].to_vec(),
            })
            .collect();
        let mut header = self.header.clone();
        header.ranks = planes.iter().map(|p| p.rank() as u32).collect();
        Container {
            header,
            planes,
            alpha: self.alpha.clone(),
        }
    }
}

/// Reads a file whose size is plausible for `limits` (payloads are at most about 4 bytes per
/// pixel and plane, and zstd never expands much).
pub fn read_bounded(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("cannot read", e))?;
    if meta.is_dir() {
        return Err(Error::Decode("is a directory, not a .svdz file".into()));
    }
    let cap = limits.max_pixels.saturating_mul(20).saturating_add(1 << 20);
    if meta.len() > cap {
        return Err(Error::Limits(format!(
            "file of {} bytes is larger than any .svdz within the pixel limit",
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| Error::io("cannot read", e))
}

/// Whether `path` names a `.svdz` file (by extension, case-insensitive).
#[must_use]
pub fn is_svdz_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svdz"))
}
