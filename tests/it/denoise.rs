//! `svdimg denoise`: the binary on real photos (a crop of a sample), seeded noise, references,
//! determinism across threads, 16-bit and alpha, the sheet, Ctrl-C, and bad input.

use std::path::Path;
use std::process::Stdio;

use crate::common::{self, assert_error, files_in, run, run_json, s, sample, save, stderr, tmp};
use image::{DynamicImage, GenericImageView};
use serde_json::Value;

/// A 128×96 crop of a sample photo, saved as PNG.
fn crop(name: &str, dir: &Path) -> std::path::PathBuf {
    let img = image::open(sample(name)).unwrap();
    let (w, h) = img.dimensions();
    let c = img.crop_imm(w / 2 - 64, h / 2 - 48, 128, 96);
    save(c, dir, "clean.png")
}

/// PSNR over every sample of two images of one layout (8- or 16-bit), peak from the depth.
fn psnr(a: &DynamicImage, b: &DynamicImage, peak: f64, channels: usize) -> f64 {
    let (sa, sb) = (common::samples_any(a), common::samples_any(b));
    let stride = usize::from(a.color().channel_count());
    let mut sum = 0.0;
    let mut n = 0usize;
    for (i, (x, y)) in sa.iter().zip(&sb).enumerate() {
        if i % stride < channels {
            sum += (x - y) * (x - y);
            n += 1;
        }
    }
    10.0 * (peak * peak / (sum / n as f64)).log10()
}

fn denoise_json(args: &[&str]) -> Value {
    let mut a = vec!["denoise", "--json", "--force"];
    a.extend_from_slice(args);
    run_json(&a)
}

#[test]
fn added_noise_is_removed_and_reported_as_the_files_say() {
    let dir = tmp();
    let clean = crop("chelsea.png", dir.path());
    let out = dir.path().join("out.png");
    let r = denoise_json(&[s(&clean), "-o", s(&out), "--add-noise", "25", "--seed", "7"]);
    assert_eq!(r["schema"], "svdimg.denoise/1");
    assert_eq!(r["method"], "patch");
    assert_eq!(r["sigma_source"], "estimated");
    assert_eq!(r["noise_added"]["sigma"], 25.0);
    let est = r["sigma_estimated"].as_f64().unwrap();
    assert!((est - 25.0).abs() < 2.5, "estimated σ {est}");
    assert_eq!(r["sigma"].as_f64().unwrap(), est);
    let noisy = r["noisy"]["psnr"].as_f64().unwrap();
    let denoised = r["denoised"]["psnr"].as_f64().unwrap();
    assert!(denoised > noisy + 6.0, "{noisy} → {denoised}");
    assert!(r["denoised"]["ssim"].as_f64().unwrap() > r["noisy"]["ssim"].as_f64().unwrap() + 0.2);
    assert!(r["groups"]["groups"].as_u64().unwrap() > 500);
    assert!(r["timings_ms"]["denoise"].as_f64().unwrap() > 0.0);
    // The reported PSNR is the written file's.
    let (c, d) = (image::open(&clean).unwrap(), image::open(&out).unwrap());
    assert_eq!(d.dimensions(), (128, 96));
    let measured = psnr(&c, &d, 255.0, 3);
    assert!(
        (measured - denoised).abs() < 1e-6,
        "{measured} vs {denoised}"
    );
}

#[test]
fn a_noisy_file_with_its_reference_and_a_given_sigma() {
    let dir = tmp();
    let clean = crop("coffee.png", dir.path());
    let c = image::open(&clean).unwrap().to_rgb8();
    let mut rng = common::XorShift(11);
    let noisy = image::RgbImage::from_fn(c.width(), c.height(), |x, y| {
        let p = c.get_pixel(x, y).0;
        image::Rgb(p.map(|v| {
            (f64::from(v) + 15.0 * rng.normal())
                .round()
                .clamp(0.0, 255.0) as u8
        }))
    });
    let noisy_path = save(noisy.clone(), dir.path(), "noisy.png");
    let out = dir.path().join("out.png");
    let r = denoise_json(&[
        s(&noisy_path),
        "-o",
        s(&out),
        "--sigma",
        "15",
        "--reference",
        s(&clean),
    ]);
    assert_eq!(r["sigma"], 15.0);
    assert_eq!(r["sigma_source"], "given");
    let want = psnr(&c.clone().into(), &noisy.into(), 255.0, 3);
    assert!((r["noisy"]["psnr"].as_f64().unwrap() - want).abs() < 1e-6);
    assert!(r["denoised"]["psnr"].as_f64().unwrap() > want + 4.0);
    // The text report says the same.
    let o = run(&[
        "denoise",
        s(&noisy_path),
        "-o",
        s(&out),
        "--sigma",
        "15",
        "--reference",
        s(&clean),
        "-f",
    ]);
    let text = common::stdout(&o);
    assert!(text.contains("σ 15.00 (given"), "{text}");
    assert!(
        text.contains("noisy") && text.contains("denoised"),
        "{text}"
    );
}

#[test]
fn the_same_output_with_any_number_of_threads() {
    let dir = tmp();
    let clean = crop("astronaut.png", dir.path());
    let mut outs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("t{threads}.png"));
        denoise_json(&[
            s(&clean),
            "-o",
            s(&out),
            "--add-noise",
            "20",
            "--seed",
            "3",
            "--threads",
            threads,
        ]);
        outs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn sixteen_bit_with_alpha_keeps_alpha_and_depth() {
    let dir = tmp();
    let rgba = common::photo_with_alpha(90, 70, 5, |x, _| (x * 2) as u8);
    let wide = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(90, 70, |x, y| {
        image::Rgba(rgba.get_pixel(x, y).0.map(|v| u16::from(v) * 257))
    });
    let input = save(
        DynamicImage::ImageRgba16(wide.clone()),
        dir.path(),
        "in16.png",
    );
    let out = dir.path().join("out16.png");
    let r = denoise_json(&[s(&input), "-o", s(&out), "--add-noise", "20", "--seed", "1"]);
    assert_eq!(r["bit_depth"], 16);
    let d = image::open(&out).unwrap();
    let DynamicImage::ImageRgba16(d16) = &d else {
        panic!("16-bit RGBA expected, got {:?}", d.color());
    };
    for (a, b) in d16.pixels().zip(wide.pixels()) {
        assert_eq!(a.0[3], b.0[3], "alpha kept exactly");
    }
    // σ is on the 0–255 scale: the estimate is ~20, not ~20·257.
    let est = r["sigma_estimated"].as_f64().unwrap();
    assert!(est > 12.0 && est < 28.0, "{est}");
    let gain = r["denoised"]["psnr"].as_f64().unwrap() - r["noisy"]["psnr"].as_f64().unwrap();
    assert!(gain > 5.0, "{gain}");
    assert!(
        (psnr(&DynamicImage::ImageRgba16(wide), &d, 65535.0, 3)
            - r["denoised"]["psnr"].as_f64().unwrap())
        .abs()
            < 1e-6
    );
}

#[test]
fn grey_input_and_the_global_method() {
    let dir = tmp();
    let clean = crop("camera.png", dir.path());
    let out = dir.path().join("g.png");
    let g = denoise_json(&[
        s(&clean),
        "-o",
        s(&out),
        "--add-noise",
        "25",
        "--seed",
        "2",
        "--method",
        "global",
    ]);
    assert_eq!(g["method"], "global");
    assert_eq!(g["global_ranks"].as_array().unwrap().len(), 1);
    assert_eq!(image::open(&out).unwrap().color(), image::ColorType::L8);
    let p = denoise_json(&[s(&clean), "-o", s(&out), "--add-noise", "25", "--seed", "2"]);
    // Whole-image thresholding is far behind patch groups (the point of the global method).
    let (gp, pp) = (
        g["denoised"]["psnr"].as_f64().unwrap(),
        p["denoised"]["psnr"].as_f64().unwrap(),
    );
    assert!(pp > gp + 2.0, "patch {pp} vs global {gp}");
}

#[test]
fn the_sheet_shows_four_tiles_and_the_rank_map() {
    let dir = tmp();
    let clean = crop("rocket.jpg", dir.path());
    let out = dir.path().join("out.png");
    let sheet = dir.path().join("sheet.png");
    let r = denoise_json(&[
        s(&clean),
        "-o",
        s(&out),
        "--add-noise",
        "30",
        "--sheet",
        s(&sheet),
    ]);
    assert_eq!(r["sheet"], s(&sheet));
    let img = image::open(&sheet).unwrap().to_rgb8();
    // Five cells (clean, noisy, global, patch, ranks) of at least the image's width each.
    assert!(img.width() >= 5 * 128, "{}", img.width());
    assert!(img.height() > 96);
    let distinct: std::collections::HashSet<_> = img.pixels().map(|p| p.0).collect();
    assert!(distinct.len() > 1000, "drawn, not blank");
}

#[test]
fn bad_input_gets_one_line_and_no_file() {
    let dir = tmp();
    let clean = crop("chelsea.png", dir.path());
    let out = dir.path().join("out.png");
    let o = run(&["denoise", "missing.png", "-o", s(&out)]);
    assert_error("missing input", &o, 1, &["missing.png"]);
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let o = run(&["denoise", s(&junk), "-o", s(&out)]);
    assert_error("not an image", &o, 1, &["junk.png"]);
    let small = save(image::RgbImage::new(20, 20), dir.path(), "small.png");
    let o = run(&[
        "denoise",
        s(&clean),
        "-o",
        s(&out),
        "--reference",
        s(&small),
    ]);
    assert_error("reference of another size", &o, 1, &["20×20", "128×96"]);
    let o = run(&["denoise", s(&clean), "-o", s(&clean)]);
    assert_error("output is the input", &o, 1, &[]);
    let o = run(&["denoise", s(&clean), "-o", s(&out), "--sigma", "-3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&[
        "denoise",
        s(&clean),
        "-o",
        s(&out),
        "--add-noise",
        "5",
        "--reference",
        s(&clean),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
    // An existing output is kept unless --force.
    std::fs::write(&out, b"keep me").unwrap();
    let o = run(&["denoise", s(&clean), "-o", s(&out), "--sigma", "10"]);
    assert_error("output exists", &o, 1, &["--force"]);
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let names = files_in(dir.path());
    assert_eq!(names, ["clean.png", "junk.png", "out.png", "small.png"]);
}

#[test]
fn ctrl_c_stops_without_partial_output() {
    let dir = tmp();
    let big = save(common::photo_like(900, 700, 9), dir.path(), "big.png");
    let out = dir.path().join("out.png");
    let child = common::bin()
        .args([
            "denoise",
            s(&big),
            "-o",
            s(&out),
            "--add-noise",
            "25",
            "--quiet",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::interrupt_after(child, 400);
    for f in files_in(dir.path()) {
        assert!(!f.starts_with(".svdimg-"), "temporary file left: {f}");
        image::open(dir.path().join(&f)).unwrap_or_else(|e| panic!("partial output {f}: {e}"));
    }
}
