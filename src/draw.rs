//! Drawing helpers for contact sheets (grids, layers, animation frames): anti-aliased text in
//! DejaVu Sans, which the binary carries (the `dejavu` crate embeds the font files; their licence
//! is the Bitstream Vera / DejaVu licence), rectangles and pasting. Nothing here reads system fonts.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgba, RgbaImage};

/// DejaVu Sans, parsed once.
fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(dejavu::sans::regular()).expect("the embedded DejaVu Sans parses")
    })
}

/// Width in pixels of `text` at a pixel height of `px`.
#[must_use]
pub fn text_width(text: &str, px: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(px));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            width += f.kern(p, id);
        }
        width += f.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Line height in pixels for text of pixel height `px`.
#[must_use]
pub fn line_height(px: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(px));
    f.ascent() - f.descent() + f.line_gap()
}

/// Draws `text` with its top-left corner at (`x`, `y`), blending by glyph coverage. Pixels
/// outside the image are skipped.
pub fn draw_text(img: &mut RgbaImage, x: f32, y: f32, px: f32, text: &str, color: [u8; 4]) {
    let scale = PxScale::from(px);
    let f = font().as_scaled(scale);
    let baseline = y + f.ascent();
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            caret += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(caret, baseline));
        caret += f.h_advance(id);
        prev = Some(id);
        let Some(outline) = font().outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px_x = bounds.min.x as i64 + i64::from(gx);
            let px_y = bounds.min.y as i64 + i64::from(gy);
            if px_x < 0
                || px_y < 0
                || px_x >= i64::from(img.width())
                || px_y >= i64::from(img.height())
            {
                return;
            }
            let alpha = coverage.clamp(0.0, 1.0) * f32::from(color[3]) / 255.0;
            blend(img.get_pixel_mut(px_x as u32, px_y as u32), color, alpha);
        });
    }
}

/// Draws `text` centred horizontally on `cx`.
pub fn draw_text_centered(
    img: &mut RgbaImage,
    cx: f32,
    y: f32,
    px: f32,
    text: &str,
    color: [u8; 4],
) {
    let w = text_width(text, px);
    draw_text(img, cx - w / 2.0, y, px, text, color);
}

fn blend(p: &mut Rgba<u8>, color: [u8; 4], alpha: f32) {
    for (dst, &src) in p.0.iter_mut().zip(&color).take(3) {
        let v = f32::from(*dst) * (1.0 - alpha) + f32::from(src) * alpha;
        *dst = v.round().clamp(0.0, 255.0) as u8;
    }
    let a = f32::from(p.0[3]) / 255.0;
    p.0[3] = ((a + alpha * (1.0 - a)) * 255.0).round() as u8;
}

/// Fills a rectangle (clipped to the image).
pub fn fill_rect(img: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32, color: [u8; 4]) {
    for yy in y..(y.saturating_add(h)).min(img.height()) {
        for xx in x..(x.saturating_add(w)).min(img.width()) {
            img.put_pixel(xx, yy, Rgba(color));
        }
    }
}

/// Copies `src` into `dst` with its top-left corner at (`x`, `y`) (clipped).
pub fn paste(dst: &mut RgbaImage, src: &RgbaImage, x: u32, y: u32) {
    image::imageops::replace(dst, src, i64::from(x), i64::from(y));
}

/// Reduces `src` to `width × height` (each at most the source's) by area averaging: every
/// output pixel is the mean of the source area it covers, partly covered pixels weighted by
/// the part covered. Separable, in f32; the same result as a box filter of the scale's width,
/// without ringing, in a fraction of the time of a general resampler.
#[must_use]
pub fn downscale(src: &RgbaImage, width: u32, height: u32) -> RgbaImage {
    let (sw, sh) = (src.width() as usize, src.height() as usize);
    let (dw, dh) = (width.max(1) as usize, height.max(1) as usize);
    assert!(dw <= sw && dh <= sh, "downscale only reduces");
    let (wx, wy) = (area_weights(sw, dw), area_weights(sh, dh));
    // Rows reduced horizontally, RGBA in f32.
    let raw = src.as_raw();
    let mut rows = vec![0.0f32; sh * dw * 4];
    for (y, row) in rows.chunks_exact_mut(dw * 4).enumerate() {
        let line = &raw[y * sw * 4..(y + 1) * sw * 4];
        for (o, (first, weights)) in wx.iter().enumerate() {
            let mut acc = [0.0f32; 4];
            for (i, &w) in weights.iter().enumerate() {
                let p = &line[(first + i) * 4..(first + i) * 4 + 4];
                for c in 0..4 {
                    acc[c] += w * f32::from(p[c]);
                }
            }
            row[o * 4..o * 4 + 4].copy_from_slice(&acc);
        }
    }
    let mut out = vec![0u8; dw * dh * 4];
    let mut acc = vec![0.0f32; dw * 4];
    for (o, (first, weights)) in wy.iter().enumerate() {
        acc.fill(0.0);
        for (i, &w) in weights.iter().enumerate() {
            let row = &rows[(first + i) * dw * 4..(first + i + 1) * dw * 4];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += w * v;
            }
        }
        for (d, &a) in out[o * dw * 4..(o + 1) * dw * 4].iter_mut().zip(&acc) {
            *d = (a + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
    RgbaImage::from_raw(dw as u32, dh as u32, out).expect("buffer length matches dimensions")
}

/// For each of `dst` output positions along an axis of `src` samples: the first source sample
/// it covers and the weights of the samples from there on (summing to 1).
fn area_weights(src: usize, dst: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|o| {
            let (lo, hi) = (o as f64 * scale, ((o + 1) as f64 * scale).min(src as f64));
            let first = lo.floor() as usize;
            let last = (hi.ceil() as usize).clamp(first + 1, src);
            let weights = (first..last)
                .map(|i| {
                    let covered = (hi.min((i + 1) as f64) - lo.max(i as f64)).max(0.0);
                    (covered / (hi - lo)) as f32
                })
                .collect();
            (first, weights)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_and_measured() {
        let mut img = RgbaImage::from_pixel(120, 30, Rgba([255, 255, 255, 255]));
        assert!(text_width("rank 10", 16.0) > 30.0);
        draw_text(&mut img, 2.0, 2.0, 16.0, "rank 10", [0, 0, 0, 255]);
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        let grey = img.pixels().filter(|p| p.0[0] > 10 && p.0[0] < 245).count();
        assert!(dark > 30, "glyphs drawn");
        assert!(grey > 10, "edges anti-aliased");
    }

    #[test]
    fn downscale_averages_areas() {
        // 4×2 → 2×1: each output pixel is the mean of a 2×2 block.
        let src = RgbaImage::from_fn(4, 2, |x, y| {
            let v = (x * 40 + y * 20) as u8;
            Rgba([v, 255 - v, 7, 255])
        });
        let out = downscale(&src, 2, 1);
        assert_eq!(out.get_pixel(0, 0).0, [30, 225, 7, 255]);
        assert_eq!(out.get_pixel(1, 0).0, [110, 145, 7, 255]);
        // 3 → 2: the middle pixel is split between both outputs.
        let src = RgbaImage::from_fn(3, 1, |x, _| Rgba([[0, 90, 180][x as usize], 0, 0, 255]));
        let out = downscale(&src, 2, 1);
        assert_eq!(out.get_pixel(0, 0).0[0], 30);
        assert_eq!(out.get_pixel(1, 0).0[0], 150);
        // A flat image stays flat, at any ratio.
        let flat = RgbaImage::from_pixel(37, 23, Rgba([200, 100, 50, 255]));
        let out = downscale(&flat, 11, 5);
        assert!(out.pixels().all(|p| p.0 == [200, 100, 50, 255]));
    }
}
