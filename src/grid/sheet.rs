//! The grid's sheet: cells in rows, each a tile over its label, on a white background.

use image::{DynamicImage, GrayImage, RgbImage, RgbaImage};

use super::{GridLayout, GAP};
use crate::draw;

const BACKGROUND: [u8; 4] = [255, 255, 255, 255];
const INK: [u8; 4] = [20, 20, 20, 255];
const INK_SOFT: [u8; 4] = [70, 70, 70, 255];

/// The lines drawn for a label: each line's items joined by " · " when that fits in `width`,
/// one item per line when it does not.
fn label_lines(label: &[Vec<String>], px: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for items in label {
        let joined = items.join("  ·  ");
        if draw::text_width(&joined, px) <= width {
            lines.push(joined);
        } else {
            lines.extend(items.iter().cloned());
        }
    }
    lines
}

/// The font size and label height for these labels in cells `tile_width` wide.
fn label_metrics(labels: &[Vec<Vec<String>>], tile_width: u32) -> (f32, u32) {
    let room = tile_width.saturating_sub(8) as f32;
    let mut px = (tile_width as f32 * 0.055).clamp(11.0, 18.0);
    let widest = labels
        .iter()
        .flatten()
        .flatten()
        .map(|s| draw::text_width(s, 1.0))
        .fold(0.0f32, f32::max);
    if widest * px > room {
        px = (room / widest).max(7.0);
    }
    let lines = labels
        .iter()
        .map(|l| label_lines(l, px, room).len())
        .max()
        .unwrap_or(1);
    let height = (draw::line_height(px) * lines as f32 + 0.6 * px).ceil() as u32;
    (px, height)
}

/// Cells per row for `n` cells of `cell_w × cell_h`: the sheet closest to 16:10, with few
/// empty cells.
fn default_columns(n: usize, cell_w: u32, cell_h: u32) -> usize {
    let score = |c: usize| {
        let rows = n.div_ceil(c);
        let aspect = (c as f64 * f64::from(cell_w + GAP)) / (rows as f64 * f64::from(cell_h + GAP));
        let empty = (rows * c - n) as f64;
        (aspect / 1.6).ln().abs() + 0.08 * empty
    };
    (1..=n.max(1))
        .min_by(|&a, &b| score(a).total_cmp(&score(b)))
        .unwrap_or(1)
}

pub(super) fn layout(
    tiles: &[RgbaImage],
    labels: &[Vec<Vec<String>>],
    tile_width: u32,
    columns: Option<usize>,
) -> GridLayout {
    let tile_height = tiles.iter().map(RgbaImage::height).max().unwrap_or(1);
    let (font_px, label_height) = label_metrics(labels, tile_width);
    let n = tiles.len();
    let columns = columns
        .unwrap_or_else(|| default_columns(n, tile_width, tile_height + label_height))
        .clamp(1, n.max(1));
    let rows = n.div_ceil(columns);
    let (c, r) = (columns as u32, rows as u32);
    GridLayout {
        columns,
        rows,
        tile_width,
        tile_height,
        label_height,
        gap: GAP,
        width: c * tile_width + (c + 1) * GAP,
        height: r * (tile_height + label_height) + (r + 1) * GAP,
        font_px,
    }
}

/// The sheet: every cell's tile over its label, on the background. The rows of cells are
/// drawn side by side, each into a band of its own (a label never reaches past its cell), and
/// the bands stacked; without alpha the sheet is RGB, or grey when every pixel is.
pub(super) fn compose(
    tiles: &[RgbaImage],
    labels: &[Vec<Vec<String>>],
    layout: &GridLayout,
    alpha: bool,
) -> DynamicImage {
    let band_height = layout.tile_height + layout.label_height + layout.gap;
    let room = layout.tile_width.saturating_sub(8) as f32;
    let line = draw::line_height(layout.font_px);
    let rows: Vec<u32> = (0..layout.rows as u32).collect();
    let bands = crate::parallel::map(&rows, |&r| {
        // The last band also holds the gap below the last row.
        let top = r * band_height;
        let height = if r + 1 == layout.rows as u32 {
            layout.height - top
        } else {
            band_height
        };
        let mut band = RgbaImage::from_pixel(layout.width, height, image::Rgba(BACKGROUND));
        let cells =
            r as usize * layout.columns..((r as usize + 1) * layout.columns).min(tiles.len());
        for i in cells {
            let (tile, items) = (&tiles[i], &labels[i]);
            let (x, y) = layout.cell_origin(i);
            let y = y - top;
            let dx = (layout.tile_width - tile.width()) / 2;
            draw::paste(&mut band, tile, x + dx, y);
            let cx = x as f32 + layout.tile_width as f32 / 2.0;
            let mut ty = (y + layout.tile_height) as f32 + 0.3 * layout.font_px;
            for (j, text) in label_lines(items, layout.font_px, room).iter().enumerate() {
                let ink = if j == 0 { INK } else { INK_SOFT };
                draw::draw_text_centered(&mut band, cx, ty, layout.font_px, text, ink);
                ty += line;
            }
        }
        let grey = !alpha && band.pixels().all(|p| p[0] == p[1] && p[1] == p[2]);
        (band, grey)
    });
    // Alpha is kept; a sheet of grey pixels (a grey image's) is written as grey: a third of
    // the samples to encode and store, the same pixels.
    let grey = bands.iter().all(|(_, grey)| *grey);
    let samples: Vec<u8> = crate::parallel::map(&bands, |(band, _)| -> Vec<u8> {
        let px = band.as_raw().chunks_exact(4);
        match (alpha, grey) {
            (true, _) => band.as_raw().clone(),
            (false, true) => px.map(|p| p[0]).collect(),
            (false, false) => px.flat_map(|p| [p[0], p[1], p[2]]).collect(),
        }
    })
    .concat();
    let (w, h) = (layout.width, layout.height);
    let fits = "bands fill the sheet";
    match (alpha, grey) {
        (true, _) => DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, samples).expect(fits)),
        (false, true) => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, samples).expect(fits)),
        (false, false) => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, samples).expect(fits)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_make_a_landscape_sheet() {
        // Seven 3:2 cells: three columns (3×3 would be too tall, 7×1 too wide).
        let c = default_columns(7, 300, 260);
        assert!((3..=4).contains(&c), "{c}");
        assert_eq!(default_columns(1, 300, 200), 1);
    }

    #[test]
    fn labels_wrap_to_the_cell() {
        let label = vec![
            vec!["rank 10".to_string()],
            vec!["PSNR 30.00 dB".to_string(), "SSIM 0.9000".to_string()],
        ];
        let wide = label_lines(&label, 12.0, 1000.0);
        assert_eq!(wide, vec!["rank 10", "PSNR 30.00 dB  ·  SSIM 0.9000"]);
        let narrow = label_lines(&label, 12.0, 90.0);
        assert_eq!(narrow.len(), 3);
    }
}
