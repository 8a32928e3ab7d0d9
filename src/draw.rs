//! Drawing helpers for contact sheets (grids, layers, animation frames): anti-aliased text in
//! DejaVu Sans, which the binary carries (the `dejavu` crate embeds the font files; their licence
//! is the Bitstream Vera / DejaVu licence), rectangles and pasting. Nothing here reads system fonts.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::imageops::FilterType;
use image::{Rgba, RgbaImage};

/// Text is shrunk to fit its space, but never below this.
pub(crate) const MIN_PX: f32 = 7.0;
/// Shorter wording is preferred to text smaller than this.
const READABLE_PX: f32 = 10.0;

/// How an image is fitted into a square box: scaled down (smoothly) when larger than the box,
/// else enlarged by the largest whole factor that fits (each pixel becomes an s×s block, so the
/// pixels stay exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    /// Width of the fitted image.
    pub width: u32,
    /// Height of the fitted image.
    pub height: u32,
    /// The whole enlargement factor (1 when the image is kept or scaled down).
    pub enlarge: u32,
}

impl Fit {
    /// Fits a `width`×`height` image into a `size`×`size` box.
    #[must_use]
    pub fn new(width: u32, height: u32, size: u32) -> Fit {
        let longest = width.max(height).max(1);
        if longest > size {
            let scale = f64::from(size) / f64::from(longest);
            let side = |x: u32| ((f64::from(x) * scale).round() as u32).clamp(1, size);
            Fit {
                width: side(width),
                height: side(height),
                enlarge: 1,
            }
        } else {
            let s = (size / longest).max(1);
            Fit {
                width: width * s,
                height: height * s,
                enlarge: s,
            }
        }
    }

    /// The image, fitted.
    #[must_use]
    pub fn apply(&self, img: &RgbaImage) -> RgbaImage {
        let s = self.enlarge;
        if (img.width() * s, img.height() * s) == (self.width, self.height) {
            if s == 1 {
                return img.clone();
            }
            return RgbaImage::from_fn(self.width, self.height, |x, y| {
                *img.get_pixel(x / s, y / s)
            });
        }
        image::imageops::resize(img, self.width, self.height, FilterType::Triangle)
    }
}

/// The first candidate that fits `room` pixels at a readable size (at least [`READABLE_PX`], or
/// `px` if that is smaller), shrunk from `px` as needed, and that size; the last candidate,
/// shrunk down to [`MIN_PX`], when none does.
pub(crate) fn fitted_choice<'a>(candidates: &[&'a str], room: f32, px: f32) -> (&'a str, f32) {
    let room = room - 4.0;
    let size_for = |text: &str| {
        let w = text_width(text, px);
        if w > room {
            (px * room / w).floor()
        } else {
            px
        }
    };
    let readable = READABLE_PX.min(px);
    for text in &candidates[..candidates.len() - 1] {
        let size = size_for(text);
        if size >= readable {
            return (text, size);
        }
    }
    let last = candidates[candidates.len() - 1];
    (last, size_for(last).max(MIN_PX))
}

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
}
