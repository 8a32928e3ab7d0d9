//! A description of a `.svdz` file, for `svdimg info` and the reports of `decompress` and
//! `truncate`.

use serde::Serialize;

use super::Parsed;
use crate::report::ReportHeader;

/// One plane of a file.
#[derive(Debug, Clone, Serialize)]
pub struct PlaneInfo {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: &'static str,
    /// Rank stored.
    pub rank: usize,
    /// Bytes of the section in the file (16 bytes of framing plus the zstd frame).
    pub bytes: usize,
    /// Bytes of the payload once decompressed.
    pub raw_bytes: usize,
    /// Mean bit width of the plane's vectors.
    pub mean_bits: f64,
    /// Bit widths of the first term's u and v, and of the last term's.
    pub bits_first_last: Option<[u8; 4]>,
    /// The stored singular values.
    pub singular_values: Vec<f32>,
}

/// What `svdimg info` prints.
#[derive(Debug, Clone, Serialize)]
pub struct FileInfo {
    /// `"svdimg.info/2"`.
    pub schema: &'static str,
    /// The file described and the image it holds.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// Format version.
    pub version: u8,
    /// Quantization tolerance τ.
    pub tolerance: f32,
    /// Bytes of the whole file.
    pub file_bytes: usize,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Bytes of the alpha section, when alpha is kept losslessly.
    pub alpha_bytes: Option<usize>,
    /// file_bytes · 8 / (width · height).
    pub bits_per_pixel: f64,
    /// Bytes the same ranks take as raw f32 factors: 4 · Σ k·(rows + cols + 1).
    pub raw_f32_bytes: u64,
    /// One entry per plane.
    pub planes: Vec<PlaneInfo>,
}

impl FileInfo {
    /// Describes a parsed file of `file_bytes` bytes.
    #[must_use]
    pub fn new(parsed: &Parsed, file_bytes: usize, file: Option<String>) -> Self {
        let c = &parsed.container;
        let h = &c.header;
        let layout = h.layout();
        let planes = c
            .planes
            .iter()
            .zip(&parsed.planes)
            .zip(&layout.names)
            .map(|((p, s), &name)| {
                let (mut bits, mut n) = (0u64, 0u64);
                for t in &p.terms {
                    for v in [&t.u, &t.v] {
                        bits += u64::from(v.bits) * v.values.len() as u64;
                        n += v.values.len() as u64;
                    }
                }
                PlaneInfo {
                    name,
                    rank: p.rank(),
                    bytes: s.total(),
                    raw_bytes: s.raw,
                    mean_bits: if n > 0 { bits as f64 / n as f64 } else { 0.0 },
                    bits_first_last: p
                        .terms
                        .first()
                        .zip(p.terms.last())
                        .map(|(a, b)| [a.u.bits, a.v.bits, b.u.bits, b.v.bits]),
                    singular_values: p.terms.iter().map(|t| t.sigma).collect(),
                }
            })
            .collect();
        let (w, hh) = (u64::from(h.width), u64::from(h.height));
        FileInfo {
            schema: "svdimg.info/2",
            header: ReportHeader {
                input: file,
                ..ReportHeader::of_layout(&layout)
            },
            version: super::VERSION,
            tolerance: h.tolerance,
            file_bytes,
            header_bytes: parsed.header_bytes,
            alpha_bytes: parsed.alpha.map(|s| s.total()),
            bits_per_pixel: file_bytes as f64 * 8.0 / (w * hh) as f64,
            raw_f32_bytes: c
                .planes
                .iter()
                .map(|p| {
                    4 * crate::stages::metrics::stored_values(p.rank(), hh as usize, w as usize)
                })
                .sum(),
            planes,
        }
    }
}
