//! The block codec's colour planes: full-range BT.601 YCbCr on the 0–255 scale, chroma at half
//! resolution in both directions (4:2:0), and back.
//!
//! Chroma is averaged over 2×2 pixels (the last row or column of an odd side is repeated) and
//! brought back by the separable triangle filter that libjpeg calls "fancy upsampling": a full
//! resolution sample lies a quarter of a chroma sample from the nearer centre and takes ¾ of it
//! and ¼ of the other. The decoder's arithmetic is single precision in a fixed order.

/// A plane of samples on the 0–255 scale, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width · height` samples.
    pub data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros.
    #[must_use]
    pub fn zeros(width: usize, height: usize) -> Self {
        Plane {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// The sample at (`x`, `y`), clamped to the plane.
    #[inline]
    #[must_use]
    pub fn at_clamped(&self, x: isize, y: isize) -> f32 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }
}

/// Y, Cb, Cr of one RGB pixel (each on 0–255).
#[inline]
#[must_use]
pub fn rgb_to_ycbcr(r: f32, g: f32, b: f32) -> [f32; 3] {
    [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    ]
}

/// R, G, B of one YCbCr pixel (not clamped).
#[inline]
#[must_use]
pub fn ycbcr_to_rgb(y: f32, cb: f32, cr: f32) -> [f32; 3] {
    let (cb, cr) = (cb - 128.0, cr - 128.0);
    [
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    ]
}

/// Chroma plane sides for an image side.
#[must_use]
pub fn half(side: usize) -> usize {
    side.div_ceil(2)
}

/// The 2×2 mean of `p` (odd sides repeat their last row or column).
#[must_use]
pub fn downsample(p: &Plane) -> Plane {
    let (w, h) = (half(p.width), half(p.height));
    let mut out = Plane::zeros(w, h);
    for y in 0..h {
        for x in 0..w {
            let (x0, y0) = (2 * x as isize, 2 * y as isize);
            let s = p.at_clamped(x0, y0)
                + p.at_clamped(x0 + 1, y0)
                + p.at_clamped(x0, y0 + 1)
                + p.at_clamped(x0 + 1, y0 + 1);
            out.data[y * w + x] = 0.25 * s;
        }
    }
    out
}

/// The triangle-filter upsampling of a chroma plane to `width × height`.
#[must_use]
pub fn upsample(c: &Plane, width: usize, height: usize) -> Plane {
    // Horizontal pass into `width × c.height`, then vertical.
    let mut wide = Plane::zeros(width, c.height);
    for y in 0..c.height {
        for x in 0..width {
            let j = (x / 2) as isize;
            let other = if x % 2 == 0 { j - 1 } else { j + 1 };
            let v = 0.75 * c.at_clamped(j, y as isize) + 0.25 * c.at_clamped(other, y as isize);
            wide.data[y * width + x] = v;
        }
    }
    let mut out = Plane::zeros(width, height);
    for y in 0..height {
        let j = (y / 2) as isize;
        let other = if y % 2 == 0 { j - 1 } else { j + 1 };
        for x in 0..width {
            let v =
                0.75 * wide.at_clamped(x as isize, j) + 0.25 * wide.at_clamped(x as isize, other);
            out.data[y * width + x] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_conversion_round_trips() {
        for rgb in [[0.0, 0.0, 0.0], [255.0, 255.0, 255.0], [12.0, 200.0, 77.0]] {
            let [y, cb, cr] = rgb_to_ycbcr(rgb[0], rgb[1], rgb[2]);
            let back = ycbcr_to_rgb(y, cb, cr);
            for c in 0..3 {
                assert!((back[c] - rgb[c]).abs() < 0.01, "{rgb:?} -> {back:?}");
            }
        }
    }

    #[test]
    fn flat_and_odd_planes_survive_resampling() {
        let p = Plane {
            width: 5,
            height: 3,
            data: vec![7.0; 15],
        };
        let d = downsample(&p);
        assert_eq!((d.width, d.height), (3, 2));
        let u = upsample(&d, 5, 3);
        assert!(u.data.iter().all(|&v| (v - 7.0).abs() < 1e-6));
    }

    #[test]
    fn a_horizontal_ramp_is_kept_inside() {
        let p = Plane {
            width: 8,
            height: 2,
            data: (0..16).map(|i| (i % 8) as f32).collect(),
        };
        let u = upsample(&downsample(&p), 8, 2);
        // Away from the edges the triangle filter reproduces a linear ramp exactly.
        for x in 1..7 {
            assert!((u.data[x] - x as f32).abs() < 1e-5, "{x}: {}", u.data[x]);
        }
    }
}
