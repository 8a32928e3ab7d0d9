//! An image to the block codec's planes (L, or Y Cb Cr at 4:2:0, on the 0–255 scale, plus alpha
//! samples kept as they are) and back.

use image::{DynamicImage, ImageBuffer, Luma, LumaA, Rgb, Rgba};

use super::ycbcr::{downsample, rgb_to_ycbcr, upsample, ycbcr_to_rgb, Plane};

/// The planes of an image.
#[derive(Debug, Clone)]
pub struct Split {
    /// L, or Y, Cb, Cr (chroma at half resolution).
    pub planes: Vec<Plane>,
    /// Alpha samples on the bit depth's scale, when the image has alpha.
    pub alpha: Option<Vec<u16>>,
    /// 8 or 16.
    pub bit_depth: u8,
}

/// Splits `img` into the codec's planes.
#[must_use]
pub fn split(img: &DynamicImage) -> Split {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let color = img.color();
    let sixteen = color.bytes_per_pixel() / color.channel_count() > 1;
    let (bit_depth, scale) = if sixteen { (16, 1.0 / 257.0) } else { (8, 1.0) };
    // Every sample as u16 on the bit depth's scale, 4 per pixel (RGBA).
    let rgba: Vec<u16> = if sixteen {
        img.to_rgba16().into_raw()
    } else {
        img.to_rgba8()
            .into_raw()
            .into_iter()
            .map(u16::from)
            .collect()
    };
    let alpha = color
        .has_alpha()
        .then(|| rgba.chunks_exact(4).map(|p| p[3]).collect());
    let planes = if color.has_color() {
        let mut y = Plane::zeros(w, h);
        let mut cb = Plane::zeros(w, h);
        let mut cr = Plane::zeros(w, h);
        for (i, p) in rgba.chunks_exact(4).enumerate() {
            let [a, b, c] = rgb_to_ycbcr(
                f32::from(p[0]) * scale,
                f32::from(p[1]) * scale,
                f32::from(p[2]) * scale,
            );
            y.data[i] = a;
            cb.data[i] = b;
            cr.data[i] = c;
        }
        vec![y, downsample(&cb), downsample(&cr)]
    } else {
        vec![Plane {
            width: w,
            height: h,
            data: rgba
                .chunks_exact(4)
                .map(|p| f32::from(p[0]) * scale)
                .collect(),
        }]
    };
    Split {
        planes,
        alpha,
        bit_depth,
    }
}

fn to8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn to16(v: f32) -> u16 {
    (v * 257.0).round().clamp(0.0, 65535.0) as u16
}

/// The image of decoded planes (`planes` as [`split`] makes them) at `bit_depth`, with `alpha`.
#[must_use]
pub fn merge(
    planes: &[Plane],
    width: usize,
    height: usize,
    bit_depth: u8,
    alpha: Option<&[u16]>,
) -> DynamicImage {
    let (w, h) = (width as u32, height as u32);
    if planes.len() == 1 {
        let l = &planes[0].data;
        return match (bit_depth, alpha) {
            (8, None) => DynamicImage::ImageLuma8(ImageBuffer::from_fn(w, h, |x, y| {
                Luma([to8(l[y as usize * width + x as usize])])
            })),
            (8, Some(a)) => DynamicImage::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, y| {
                let i = y as usize * width + x as usize;
                LumaA([to8(l[i]), a[i] as u8])
            })),
            (_, None) => DynamicImage::ImageLuma16(ImageBuffer::from_fn(w, h, |x, y| {
                Luma([to16(l[y as usize * width + x as usize])])
            })),
            (_, Some(a)) => DynamicImage::ImageLumaA16(ImageBuffer::from_fn(w, h, |x, y| {
                let i = y as usize * width + x as usize;
                LumaA([to16(l[i]), a[i]])
            })),
        };
    }
    let cb = upsample(&planes[1], width, height);
    let cr = upsample(&planes[2], width, height);
    let y = &planes[0].data;
    let rgb = |i: usize| ycbcr_to_rgb(y[i], cb.data[i], cr.data[i]);
    match (bit_depth, alpha) {
        (8, None) => DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, yy| {
            let [r, g, b] = rgb(yy as usize * width + x as usize);
            Rgb([to8(r), to8(g), to8(b)])
        })),
        (8, Some(a)) => DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, yy| {
            let i = yy as usize * width + x as usize;
            let [r, g, b] = rgb(i);
            Rgba([to8(r), to8(g), to8(b), a[i] as u8])
        })),
        (_, None) => DynamicImage::ImageRgb16(ImageBuffer::from_fn(w, h, |x, yy| {
            let [r, g, b] = rgb(yy as usize * width + x as usize);
            Rgb([to16(r), to16(g), to16(b)])
        })),
        (_, Some(a)) => DynamicImage::ImageRgba16(ImageBuffer::from_fn(w, h, |x, yy| {
            let i = yy as usize * width + x as usize;
            let [r, g, b] = rgb(i);
            Rgba([to16(r), to16(g), to16(b), a[i]])
        })),
    }
}
