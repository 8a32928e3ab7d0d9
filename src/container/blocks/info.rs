//! What a version-2 file holds, for `svdimg info` and the compress report: block sides, steps,
//! the rank map (how many terms each block got) and the bytes of every section.

use image::{DynamicImage, RgbaImage};
use serde::Serialize;

use super::{BlockFile, BlockParsed};
use crate::report::ReportHeader;
use crate::stages::planes::{AlphaHandling, AlphaMode, ColorMode};

/// Widest text rank map, in characters.
const MAP_COLUMNS: usize = 64;

/// One plane of a block file.
#[derive(Debug, Clone, Serialize)]
pub struct BlockPlaneInfo {
    /// "L", "Y", "Cb" or "Cr".
    pub name: &'static str,
    /// Samples across.
    pub width: usize,
    /// Samples down.
    pub height: usize,
    /// Block side n.
    pub block: usize,
    /// Blocks in the plane.
    pub blocks: usize,
    /// Step of the vector entries (0–255 scale).
    pub step: f32,
    /// Step of the block means.
    pub dc_step: f32,
    /// Rank-one terms stored in all blocks.
    pub terms: usize,
    /// Mean terms per block.
    pub mean_rank: f64,
    /// Most terms in one block.
    pub max_rank: usize,
    /// Blocks with 0, 1, …, n terms.
    pub rank_histogram: Vec<usize>,
    /// Bytes of the plane's section (12 bytes of framing plus the coded stream).
    pub bytes: usize,
    /// The section's bits per image pixel.
    pub bits_per_pixel: f64,
}

/// What `svdimg info` says of a version-2 file (JSON schema `svdimg.info/3`).
#[derive(Debug, Clone, Serialize)]
pub struct BlockInfo {
    /// `"svdimg.info/3"`.
    pub schema: &'static str,
    /// The file described and the image it holds.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// Format version, 2.
    pub version: u8,
    /// Bytes of the whole file.
    pub file_bytes: usize,
    /// Bytes of the header.
    pub header_bytes: usize,
    /// Bytes of the alpha section, when alpha is kept losslessly.
    pub alpha_bytes: Option<usize>,
    /// file_bytes · 8 / (width · height).
    pub bits_per_pixel: f64,
    /// One entry per plane.
    pub planes: Vec<BlockPlaneInfo>,
    /// The first plane's terms per block as text, one character per cell of at most 64 across
    /// ('.' none, 1–9, '+' ten or more; a cell of several blocks shows their rounded mean).
    pub rank_map: Vec<String>,
}

/// The report header of a block file.
#[must_use]
pub fn report_header(f: &BlockFile, input: Option<String>) -> ReportHeader {
    ReportHeader {
        input,
        width: f.width as usize,
        height: f.height as usize,
        color: if f.planes.len() == 1 {
            ColorMode::Luma
        } else {
            ColorMode::YCbCr
        },
        bit_depth: f.bit_depth,
        alpha: if f.alpha.is_some() {
            AlphaHandling::of(Some(AlphaMode::Keep))
        } else {
            AlphaHandling::None
        },
        svd: None,
    }
}

impl BlockInfo {
    /// Describes a parsed file of `file_bytes` bytes.
    #[must_use]
    pub fn new(parsed: &BlockParsed, file_bytes: usize, input: Option<String>) -> Self {
        let f = &parsed.file;
        let pixels = f64::from(f.width) * f64::from(f.height);
        let planes = f
            .planes
            .iter()
            .zip(f.plane_names())
            .zip(&parsed.plane_bytes)
            .map(|((p, name), &bytes)| {
                let c = &p.codes;
                let mut rank_histogram = vec![0; c.block + 1];
                for &r in &c.ranks {
                    rank_histogram[usize::from(r).min(c.block)] += 1;
                }
                let terms = c.terms();
                BlockPlaneInfo {
                    name,
                    width: p.width,
                    height: p.height,
                    block: c.block,
                    blocks: c.ranks.len(),
                    step: p.steps.step,
                    dc_step: p.steps.dc_step,
                    terms,
                    mean_rank: terms as f64 / c.ranks.len().max(1) as f64,
                    max_rank: c.ranks.iter().copied().max().map_or(0, usize::from),
                    rank_histogram,
                    bytes,
                    bits_per_pixel: bytes as f64 * 8.0 / pixels,
                }
            })
            .collect();
        BlockInfo {
            schema: "svdimg.info/3",
            header: report_header(f, input),
            version: super::VERSION,
            file_bytes,
            header_bytes: parsed.header_bytes,
            alpha_bytes: parsed.alpha_bytes,
            bits_per_pixel: file_bytes as f64 * 8.0 / pixels,
            planes,
            rank_map: text_map(f),
        }
    }
}

/// The first plane's ranks as text rows (see [`BlockInfo::rank_map`]).
fn text_map(f: &BlockFile) -> Vec<String> {
    let c = &f.planes[0].codes;
    // Cells of `cell × cell` blocks; text rows are about twice as tall as wide, so a row covers
    // twice as many blocks down.
    let cell = c.blocks_x.div_ceil(MAP_COLUMNS).max(1);
    let (cols, rows) = (c.blocks_x.div_ceil(cell), c.blocks_y.div_ceil(2 * cell));
    (0..rows)
        .map(|row| {
            (0..cols)
                .map(|col| {
                    let (mut sum, mut n) = (0usize, 0usize);
                    for by in row * 2 * cell..((row + 1) * 2 * cell).min(c.blocks_y) {
                        for bx in col * cell..((col + 1) * cell).min(c.blocks_x) {
                            sum += usize::from(c.ranks[by * c.blocks_x + bx]);
                            n += 1;
                        }
                    }
                    match (sum + n / 2) / n.max(1) {
                        0 => '.',
                        r @ 1..=9 => char::from(b'0' + r as u8),
                        _ => '+',
                    }
                })
                .collect()
        })
        .collect()
}

/// The first plane's terms per block as a picture of the image's size: each block a flat cell
/// on the heat ramp (dark blue: none, yellow: the most any block has), over the decoded image
/// at a quarter of its brightness so that the map can be read against the picture.
#[must_use]
pub fn rank_map_image(f: &BlockFile) -> DynamicImage {
    let c = &f.planes[0].codes;
    let n = c.block;
    let max = f32::from(c.ranks.iter().copied().max().unwrap_or(0).max(1));
    let decoded = f.reconstruct().to_rgba8();
    let map = RgbaImage::from_fn(f.width, f.height, |x, y| {
        let b = (y as usize / n) * c.blocks_x + x as usize / n;
        let [r, g, bl, _] = crate::colormap::heat(f32::from(c.ranks[b]) / max);
        let under = decoded.get_pixel(x, y);
        let mix = |m: u8, i: u8| ((u16::from(m) * 3 + u16::from(i)) / 4) as u8;
        image::Rgba([mix(r, under[0]), mix(g, under[1]), mix(bl, under[2]), 255])
    });
    DynamicImage::ImageRgba8(map)
}
