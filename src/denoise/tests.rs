use super::*;
use crate::progress::NoProgress;

/// A smooth, seeded RGB test picture (a few gradients and edges: low rank within patch groups).
fn picture(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let disc = ((xf - 40.0).powi(2) + (yf - 30.0).powi(2)) < 400.0;
        let base = 60.0 + 100.0 * (xf / w as f32) + if disc { 60.0 } else { 0.0 };
        image::Rgb([
            base as u8,
            (40.0 + 150.0 * (yf / h as f32)) as u8,
            (base * 0.5 + 50.0 * (xf * 0.1).sin()) as u8,
        ])
    }))
}

fn psnr8(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let (a, b) = (a.to_rgb8(), b.to_rgb8());
    let mse = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

#[test]
fn opponent_space_is_orthonormal_and_round_trips() {
    let img = picture(17, 9);
    let p = planes::split(&img, ColorMode::Rgb, AlphaMode::Keep);
    let work = to_working(&p.planes, 17, 9);
    // Orthonormal: per pixel, the squared norm is kept.
    for i in 0..17 * 9 {
        let rgb: f32 = p
            .planes
            .iter()
            .map(|m| (255.0 * m[(i / 17, i % 17)]).powi(2))
            .sum();
        let opp: f32 = work.channels.iter().map(|c| c[i] * c[i]).sum();
        assert!((rgb - opp).abs() < 1e-3 * rgb.max(1.0), "{rgb} {opp}");
    }
    let back = from_working(&work);
    for (a, b) in back.iter().zip(&p.planes) {
        for i in 0..9 {
            for j in 0..17 {
                assert!((a[(i, j)] - b[(i, j)]).abs() < 1e-5);
            }
        }
    }
}

#[test]
fn patch_method_removes_most_of_the_noise_of_a_low_rank_picture() {
    let clean = picture(96, 80);
    let noisy = add_noise(&clean, 25.0, 7);
    let before = psnr8(&clean, &noisy);
    let settings = DenoiseSettings {
        sigma: Some(25.0),
        ..DenoiseSettings::default()
    };
    let out = denoise_image(&noisy, &settings, &NoProgress).unwrap();
    let after = psnr8(&clean, &out.image);
    assert!(
        after > before + 8.0,
        "noisy {before:.2} dB, denoised {after:.2} dB"
    );
    let g = out.group_ranks.unwrap();
    assert!(g.groups > 0 && g.mean < 8.0, "{g:?}");
    // The whole-image threshold does much less on the same picture.
    let global = denoise_image(
        &noisy,
        &DenoiseSettings {
            method: DenoiseMethod::Global,
            ..settings
        },
        &NoProgress,
    )
    .unwrap();
    assert!(psnr8(&clean, &global.image) < after - 2.0);
}

#[test]
fn seeded_noise_has_the_asked_sigma() {
    let flat = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(200, 200, image::Luma([128])));
    let noisy = add_noise(&flat, 15.0, 3);
    let s = noisy.as_bytes();
    let var = s
        .iter()
        .map(|&v| (f64::from(v) - 128.0).powi(2))
        .sum::<f64>()
        / s.len() as f64;
    // Rounding adds 1/12 to the variance.
    assert!(
        (var.sqrt() - (225.0f64 + 1.0 / 12.0).sqrt()).abs() < 0.2,
        "{}",
        var.sqrt()
    );
    assert_eq!(add_noise(&flat, 15.0, 3), noisy);
    assert_ne!(add_noise(&flat, 15.0, 4), noisy);
}

#[test]
fn global_threshold_keeps_the_planted_rank() {
    // A rank-2 grey picture plus seeded noise of σ 10: the Gavish–Donoho cut keeps exactly 2.
    let (w, h) = (120u32, 100u32);
    let clean = DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| {
        let a = 60.0 * (x as f32 * 0.05).sin() * (y as f32 * 0.04).cos();
        let b = 40.0 * ((x as f32 / w as f32) - 0.5) * ((y * y) as f32 / (h * h) as f32);
        image::Luma([(128.0 + a + b) as u8])
    }));
    let noisy = add_noise(&clean, 10.0, 5);
    let out = denoise_image(
        &noisy,
        &DenoiseSettings {
            method: DenoiseMethod::Global,
            sigma: Some(10.0),
            patch: None,
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(out.global_ranks.as_deref(), Some(&[2][..]));
    let gray = |i: &DynamicImage| i.to_luma8().into_raw();
    let mse = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / a.len() as f64
    };
    // Rank 2 of 100 dimensions: nearly all of the noise's energy goes.
    assert!(mse(&gray(&clean), &gray(&out.image)) < 0.1 * mse(&gray(&clean), &gray(&noisy)));
}

#[test]
fn the_same_result_on_one_thread_and_on_several() {
    let noisy = add_noise(&picture(70, 50), 20.0, 9);
    let settings = DenoiseSettings::default();
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| denoise_image(&noisy, &settings, &NoProgress).unwrap().image)
    };
    let one = on(1);
    assert_eq!(one, on(2));
    assert_eq!(one, on(4));
}

#[test]
fn tiny_and_odd_images_do_not_fail() {
    for (w, h) in [(1, 1), (3, 40), (40, 3), (8, 8)] {
        let img = add_noise(&picture(w, h), 10.0, 1);
        for method in [DenoiseMethod::Patch, DenoiseMethod::Global] {
            let out = denoise_image(
                &img,
                &DenoiseSettings {
                    method,
                    ..DenoiseSettings::default()
                },
                &NoProgress,
            )
            .unwrap();
            assert_eq!((out.image.width(), out.image.height()), (w, h));
        }
    }
}

#[test]
fn a_noiseless_flat_image_comes_back_unchanged() {
    // σ is estimated as 0: every Wiener gain must be 1, not 0/0 (a white image came out black).
    for value in [0u8, 128, 255] {
        let img =
            DynamicImage::ImageLuma8(image::GrayImage::from_pixel(40, 40, image::Luma([value])));
        let out = denoise_image(&img, &DenoiseSettings::default(), &NoProgress).unwrap();
        assert_eq!(
            out.image.to_luma8().as_raw(),
            img.to_luma8().as_raw(),
            "level {value}"
        );
    }
}
