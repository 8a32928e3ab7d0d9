//! The contact sheet of `svdimg layers`: its geometry, how an image is fitted into a tile, the
//! diverging colour map for signed layers, and the drawing.
//!
//! A sheet has two rows of `count` columns. Each row is a header line, the tiles, and two lines
//! of labels under every tile. With `GAP` around and between everything:
//!
//! ```text
//! width  = GAP + count · (column_width + GAP)            column_width = the tile box (--tile)
//! height = GAP + 2 · (HEADER_HEIGHT + tile_height + LABEL_HEIGHT + GAP)
//! ```

use faer::Mat;
use image::{Rgba, RgbaImage};

use crate::draw::{self, fitted_choice, Fit};
use crate::stages::planes::{ColorMode, Layout};

use super::{LayerEntry, LayerView};

/// Space around and between tiles, in pixels.
pub const GAP: u32 = 8;
/// Height of the line above each row that says what the row shows.
pub const HEADER_HEIGHT: u32 = 24;
/// Height of the two label lines under every tile.
pub const LABEL_HEIGHT: u32 = 40;

const LABEL_PX: f32 = 13.0;
const HEADER_PX: f32 = 14.0;
const BACKGROUND: [u8; 4] = [244, 244, 244, 255];
const INK: [u8; 4] = [30, 30, 30, 255];
const FAINT_INK: [u8; 4] = [90, 90, 90, 255];
const BORDER: [u8; 4] = [185, 185, 185, 255];

/// Where everything sits on a sheet (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLayout {
    /// How the image fits into a tile.
    pub tile: Fit,
    /// Number of columns (layers shown).
    pub columns: u32,
    /// Width of a column: the tile box; a narrower tile is centred in it.
    pub column_width: u32,
    /// Sheet width.
    pub width: u32,
    /// Sheet height.
    pub height: u32,
}

impl SheetLayout {
    /// The layout for `count` columns of a `width`×`height` image fitted into `tile`-pixel boxes.
    #[must_use]
    pub fn new(width: u32, height: u32, count: u32, tile: u32) -> SheetLayout {
        let fit = Fit::new(width, height, tile);
        let column_width = tile.max(fit.width);
        SheetLayout {
            tile: fit,
            columns: count,
            column_width,
            width: GAP + count * (column_width + GAP),
            height: GAP + 2 * Self::row_height(fit),
        }
    }

    fn row_height(fit: Fit) -> u32 {
        HEADER_HEIGHT + fit.height + LABEL_HEIGHT + GAP
    }

    /// Top-left corner of the tile in `row` (0: layers, 1: partial sums) and `column` (from 0).
    #[must_use]
    pub fn tile_origin(&self, row: u32, column: u32) -> (u32, u32) {
        let x =
            GAP + column * (self.column_width + GAP) + (self.column_width - self.tile.width) / 2;
        let y = GAP + row * Self::row_height(self.tile) + HEADER_HEIGHT;
        (x, y)
    }

    /// Left edge of a column.
    fn column_x(&self, column: u32) -> u32 {
        GAP + column * (self.column_width + GAP)
    }
}

/// The diverging colour map for signed values: `t` in [−1, 1] → blue (−1), white (0), red (+1),
/// through ColorBrewer's RdBu anchors.
#[must_use]
pub fn diverging(t: f32) -> [u8; 3] {
    const ANCHORS: [[f32; 3]; 5] = [
        [5.0, 113.0, 176.0],
        [146.0, 197.0, 222.0],
        [247.0, 247.0, 247.0],
        [244.0, 165.0, 130.0],
        [202.0, 0.0, 32.0],
    ];
    let t = if t.is_finite() {
        t.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let pos = (t + 1.0) * 2.0; // 0..=4
    let i = (pos.floor() as usize).min(3);
    let f = pos - i as f32;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    [0, 1, 2].map(|c| (a[c] + (b[c] - a[c]) * f).round() as u8)
}

/// A signed layer (one matrix per plane, colour planes first) as a full-size picture.
///
/// `Luma` view: one signed field — the mean of the R, G and B layers, the Y layer in `ycbcr`
/// mode, the only layer for greyscale — through [`diverging`], scaled by its own max |value|.
/// `Channels` view: the signed RGB layer (Y, Cb, Cr layers converted to RGB differences first),
/// each sample shown as 0.5 + x / (2·max |x|), max over all channels.
#[must_use]
pub fn layer_picture(layers: &[Mat<f32>], layout: &Layout, view: LayerView) -> RgbaImage {
    let (w, h) = (layout.width, layout.height);
    let colour = if layout.color == ColorMode::Luma {
        1
    } else {
        3
    };
    let at = |p: usize, i: usize, j: usize| f64::from(layers[p][(i, j)]);
    // The signed values to show, per pixel: one (a field) or three (RGB differences).
    let rgb_delta = |i: usize, j: usize| -> [f64; 3] {
        match layout.color {
            ColorMode::YCbCr => crate::stages::planes::ycbcr_to_rgb(
                at(0, i, j),
                at(1, i, j) + 0.5,
                at(2, i, j) + 0.5,
            ),
            _ => [at(0, i, j), at(1, i, j), at(2, i, j)],
        }
    };
    let field = |i: usize, j: usize| -> f64 {
        match layout.color {
            ColorMode::Rgb => (at(0, i, j) + at(1, i, j) + at(2, i, j)) / 3.0,
            _ => at(0, i, j),
        }
    };
    let max_of = |f: &dyn Fn(usize, usize) -> f64| {
        let mut m = 0.0f64;
        for j in 0..w {
            for i in 0..h {
                m = m.max(f(i, j).abs());
            }
        }
        m
    };
    let px = |x: u32, y: u32| (y as usize, x as usize);
    match (view, colour) {
        (LayerView::Luma, _) => {
            let max = max_of(&field);
            let inv = if max > 0.0 { 1.0 / max } else { 0.0 };
            RgbaImage::from_fn(w as u32, h as u32, |x, y| {
                let (i, j) = px(x, y);
                let [r, g, b] = diverging((field(i, j) * inv) as f32);
                Rgba([r, g, b, 255])
            })
        }
        (LayerView::Channels, 1) => {
            let max = max_of(&field);
            let half = if max > 0.0 { 0.5 / max } else { 0.0 };
            RgbaImage::from_fn(w as u32, h as u32, |x, y| {
                let (i, j) = px(x, y);
                let v = to_u8(0.5 + field(i, j) * half);
                Rgba([v, v, v, 255])
            })
        }
        (LayerView::Channels, _) => {
            let max = max_of(&|i, j| rgb_delta(i, j).iter().fold(0.0f64, |m, v| m.max(v.abs())));
            let half = if max > 0.0 { 0.5 / max } else { 0.0 };
            RgbaImage::from_fn(w as u32, h as u32, |x, y| {
                let (i, j) = px(x, y);
                let d = rgb_delta(i, j);
                Rgba([
                    to_u8(0.5 + d[0] * half),
                    to_u8(0.5 + d[1] * half),
                    to_u8(0.5 + d[2] * half),
                    255,
                ])
            })
        }
    }
}

fn to_u8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// What the sheet needs to draw one column: the layer picture and the partial sum, full size.
pub(super) struct Column<'a> {
    pub layer: RgbaImage,
    pub sum: RgbaImage,
    pub entry: &'a LayerEntry,
}

/// Draws the sheet.
pub(super) fn draw_sheet(
    layout: &SheetLayout,
    columns: &[Column<'_>],
    view: LayerView,
    color: ColorMode,
) -> RgbaImage {
    let mut sheet = RgbaImage::from_pixel(layout.width, layout.height, Rgba(BACKGROUND));
    let inner = (layout.width - 2 * GAP) as f32;
    let layer_header = match (view, color) {
        (LayerView::Luma, ColorMode::Rgb) => {
            "rank-one layers σᵢuᵢvᵢᵀ (mean of R, G, B) · blue < 0 < red, each scaled to its max |value|"
        }
        (LayerView::Luma, _) => {
            "rank-one layers σᵢuᵢvᵢᵀ · blue < 0 < red, each scaled to its own max |value|"
        }
        (LayerView::Channels, _) => {
            "rank-one layers σᵢuᵢvᵢᵀ · each channel shown as 0.5 + x / (2·max |x|)"
        }
    };
    let headers = [
        (layer_header, "rank-one layers σᵢuᵢvᵢᵀ", "layers"),
        (
            "partial sums Aₖ = σ₁u₁v₁ᵀ + … + σₖuₖvₖᵀ: the image at rank k",
            "partial sums Aₖ (rank k)",
            "sums",
        ),
    ];
    for (row, texts) in headers.iter().enumerate() {
        let y = GAP + row as u32 * (layout.tile_origin(1, 0).1 - layout.tile_origin(0, 0).1);
        let candidates = [texts.0, texts.1, texts.2];
        let (text, px) = fitted_choice(&candidates, inner, HEADER_PX);
        draw::draw_text(&mut sheet, GAP as f32, y as f32 + 4.0, px, text, INK);
    }
    for (c, col) in columns.iter().enumerate() {
        let c = c as u32;
        for (row, picture) in [(0, &col.layer), (1, &col.sum)] {
            let (x, y) = layout.tile_origin(row, c);
            let tile = layout.tile.apply(picture);
            outline(&mut sheet, x, y, tile.width(), tile.height());
            draw::paste(&mut sheet, &tile, x, y);
            let centre = (layout.column_x(c) + layout.column_width / 2) as f32;
            let top = (y + tile.height() + 4) as f32;
            let room = layout.column_width as f32;
            for (n, lines) in labels(row, col.entry).iter().enumerate() {
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                let (t, px) = fitted_choice(&refs, room, LABEL_PX);
                let (dy, ink) = if n == 0 {
                    (0.0, INK)
                } else {
                    (17.0, FAINT_INK)
                };
                draw::draw_text_centered(&mut sheet, centre, top + dy, px, t, ink);
            }
        }
    }
    sheet
}

/// The two label lines under a tile, each as candidates from fullest to shortest: i and σᵢ, then
/// the layer's share of the energy (layers); the rank and PSNR, then the cumulative energy
/// (partial sums).
fn labels(row: u32, e: &LayerEntry) -> [Vec<String>; 2] {
    let i = e.index;
    let sub = subscript(i);
    let join = |decimals: usize, sep: &str| {
        e.singular_values
            .iter()
            .map(|s| format!("{s:.decimals$}"))
            .collect::<Vec<_>>()
            .join(sep)
    };
    if row == 0 {
        let full = if e.singular_values.len() == 1 {
            join(2, "")
        } else {
            join(1, " | ")
        };
        [
            vec![
                format!("{i}: σ{sub} = {full}"),
                format!("σ{sub} = {}", join(0, "|")),
                format!("σ{sub}"),
            ],
            vec![
                format!("share {}", percent(e.energy_share)),
                percent(e.energy_share),
            ],
        ]
    } else {
        let (long, short) = e.psnr.map_or_else(
            || ("PSNR ∞".to_string(), "∞".to_string()),
            |p| (format!("PSNR {p:.2} dB"), format!("{p:.1} dB")),
        );
        [
            vec![
                format!("A{sub}: rank {i}, {long}"),
                format!("A{sub}: {short}"),
                format!("A{sub}"),
            ],
            vec![
                format!("energy {}", percent(e.energy_cumulative)),
                percent(e.energy_cumulative),
            ],
        ]
    }
}

/// A fraction as a percentage with two decimals ("< 0.01 %" for tiny nonzero shares).
fn percent(f: f64) -> String {
    let p = f * 100.0;
    if p > 0.0 && p < 0.005 {
        "< 0.01 %".to_string()
    } else {
        format!("{p:.2} %")
    }
}

/// Subscript digits: 12 → "₁₂".
pub(crate) fn subscript(i: usize) -> String {
    i.to_string()
        .chars()
        .map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

/// A one-pixel frame just outside a tile, so white areas still show their edge.
fn outline(img: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32) {
    if x == 0 || y == 0 {
        return;
    }
    draw::fill_rect(img, x - 1, y - 1, w + 2, h + 2, BORDER);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_enlarges_by_whole_factors_and_shrinks_to_the_box() {
        assert_eq!(
            Fit::new(40, 30, 96),
            Fit {
                width: 80,
                height: 60,
                enlarge: 2
            }
        );
        assert_eq!(
            Fit::new(64, 48, 64),
            Fit {
                width: 64,
                height: 48,
                enlarge: 1
            }
        );
        assert_eq!(
            Fit::new(600, 400, 192),
            Fit {
                width: 192,
                height: 128,
                enlarge: 1
            }
        );
        assert_eq!(
            Fit::new(1, 1000, 100),
            Fit {
                width: 1,
                height: 100,
                enlarge: 1
            }
        );
    }

    #[test]
    fn diverging_map_is_blue_white_red() {
        assert_eq!(diverging(-1.0), [5, 113, 176]);
        assert_eq!(diverging(0.0), [247, 247, 247]);
        assert_eq!(diverging(1.0), [202, 0, 32]);
        assert_eq!(diverging(f32::NAN), [247, 247, 247]);
        let half = diverging(0.25);
        assert!(half[0] > half[2], "positive values are warm: {half:?}");
    }

    #[test]
    fn long_text_shrinks_then_falls_back() {
        let (t, px) = fitted_choice(&["a rather long header line", "short"], 100.0, 14.0);
        assert!(
            px >= crate::draw::MIN_PX && draw::text_width(t, px) <= 100.0,
            "{t} at {px}"
        );
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(percent(0.8), "80.00 %");
        assert_eq!(percent(1e-7), "< 0.01 %");
    }
}
