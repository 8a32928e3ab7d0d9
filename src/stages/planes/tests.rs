//! Tests of splitting and merging planes.

use super::*;

#[test]
fn channel8_is_the_merged_channel() {
    let (w, h) = (37, 131);
    let planes: Vec<Mat<f32>> = (0..3)
        .map(|p| Mat::from_fn(h, w, |i, j| ((i * 7 + j * 3 + p) % 29) as f32 / 26.0 - 0.05))
        .collect();
    let img = image::RgbImage::new(w as u32, h as u32);
    let layout = split(
        &DynamicImage::ImageRgb8(img),
        ColorMode::Rgb,
        AlphaMode::Keep,
    )
    .layout;
    let merged = merge(&planes, &layout, None).to_rgb8();
    for (p, plane) in planes.iter().enumerate() {
        let own: Vec<u8> = merged.pixels().map(|px| px.0[p]).collect();
        assert_eq!(channel8(plane), own, "channel {p}");
    }
}

#[test]
fn quantize8_rounds_as_merge_does() {
    let merge8 = |v: f32| round_to_sample(f64::from(v).clamp(0.0, 1.0) * 255.0) as u8;
    // Every f32 within a few ulps of each sample value and of each rounding boundary.
    for k in 0..=510u32 {
        let centre = k as f32 / 510.0;
        let mut v = centre;
        for _ in 0..64 {
            v = f32::from_bits(v.to_bits().saturating_sub(1));
        }
        for _ in 0..128 {
            assert_eq!(quantize8(v), merge8(v), "{v:e}");
            v = f32::from_bits(v.to_bits() + 1);
        }
    }
    // And a spread of others, out of range and not numbers included.
    let mut x = 0x1234_5678u32;
    for _ in 0..2_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let v = f32::from_bits(x);
        assert_eq!(quantize8(v), merge8(v), "{v:e}");
        let v = (x >> 8) as f32 / (1u32 << 24) as f32 * 1.2 - 0.1;
        assert_eq!(quantize8(v), merge8(v), "{v:e}");
    }
    for v in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        0.5 / 255.0,
    ] {
        assert_eq!(quantize8(v), merge8(v), "{v:e}");
    }
}

#[test]
fn sample_rounding_equals_f64_round() {
    let below = |x: f64| f64::from_bits(x.to_bits() - 1);
    let above = |x: f64| f64::from_bits(x.to_bits() + 1);
    let mut xs = vec![0.0, f64::MIN_POSITIVE, 0.5, below(0.5), above(0.5), 65535.0];
    for n in [1.0, 2.0, 127.0, 254.0, 255.0, 1000.0, 65533.0, 65534.0] {
        let half = n + 0.5;
        xs.extend([n, below(n), above(n), half, below(half), above(half)]);
    }
    let mut s = 0x2545_f491_u64;
    for _ in 0..100_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let v = (s >> 11) as f64 / (1u64 << 53) as f64;
        xs.extend([v * 255.0, v * 65535.0, f64::from(v as f32) * 255.0]);
    }
    for x in xs {
        assert_eq!(round_to_sample(x), x.round() as u16, "{x:?}");
    }
    assert_eq!(round_to_sample(f64::NAN), f64::NAN.round() as u16);
}

#[test]
fn ycbcr_round_trips() {
    for &(r, g, b) in &[
        (0.0, 0.0, 0.0),
        (1.0, 1.0, 1.0),
        (0.2, 0.7, 0.1),
        (1.0, 0.0, 0.5),
    ] {
        let [y, cb, cr] = rgb_to_ycbcr(r, g, b);
        let [r2, g2, b2] = ycbcr_to_rgb(y, cb, cr);
        assert!((r - r2).abs() < 1e-9 && (g - g2).abs() < 1e-9 && (b - b2).abs() < 1e-9);
    }
}

#[test]
fn split_then_merge_is_exact_for_8_and_16_bits() {
    let rgba8 = image::RgbaImage::from_fn(7, 5, |x, y| {
        image::Rgba([
            (x * 37) as u8,
            (y * 51) as u8,
            (x * y * 13) as u8,
            (x + y * 7) as u8,
        ])
    });
    let img = DynamicImage::ImageRgba8(rgba8);
    for color in [ColorMode::Rgb, ColorMode::YCbCr] {
        for alpha in [AlphaMode::Keep, AlphaMode::Compress] {
            let p = split(&img, color, alpha);
            let back = merge(&p.planes, &p.layout, p.alpha.as_deref());
            assert_eq!(back, img, "{color:?} {alpha:?}");
        }
    }
    let grey16 =
        image::ImageBuffer::from_fn(3, 4, |x, y| image::Luma([(x * 20000 + y * 777) as u16]));
    let img = DynamicImage::ImageLuma16(grey16);
    let p = split(&img, ColorMode::Rgb, AlphaMode::Keep);
    assert_eq!(p.layout.names, vec!["L"]);
    assert_eq!(p.layout.bit_depth, 16);
    assert_eq!(merge(&p.planes, &p.layout, None), img);
}
