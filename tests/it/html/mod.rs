//! `svdimg html`: the page's data. The embedded factors are decoded here independently of the
//! library (base64 → signed integers → q · scale / Q) and must rebuild the reconstruction that
//! `svdimg compress -k` writes, within the quantization error the page states; the PSNR the page
//! computes that way must equal svdimg's to 0.01 dB.

mod page;

use crate::common::{
    self, assert_close_pixels, assert_error, compress_exact, html_page, run, s, sample, stderr,
    stdout, tmp,
};
use page::{between, parse};

fn psnr8(a: &[u8], b: &[u8]) -> f64 {
    let sq: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    10.0 * (255.0f64 * 255.0 / (sq / a.len() as f64)).log10()
}

#[test]
fn embedded_factors_rebuild_what_compress_writes() {
    let dir = tmp();
    let page_path = dir.path().join("coffee.html");
    let report = html_page(&sample("coffee.png"), &page_path, &["--max-rank", "60"]);
    let page = parse(&page_path);
    assert_eq!(page.meta["view"]["downscaled"], false);
    assert_eq!(report["downscaled"], false);
    assert!(
        page.meta["psnr_full"].is_null(),
        "the page computes PSNR itself"
    );
    // The original is embedded exactly.
    let input = image::open(sample("coffee.png"))
        .unwrap()
        .to_rgb8()
        .into_raw();
    assert_eq!(page.original_samples(), input);
    let bound = page.quant_bound();
    assert!(bound > 0.0 && bound < 0.5, "16-bit bound {bound} levels");
    for k in [1, 12, 60] {
        let (pixels, psnr, json) = compress_exact(&sample("coffee.png"), k, &[], dir.path());
        let shown = page.pixels(k);
        assert_close_pixels(&shown, &pixels, &format!("rank {k}"));
        let page_psnr = psnr8(&shown, &input);
        assert!(
            (page_psnr - psnr).abs() < 0.01,
            "rank {k}: page {page_psnr} vs compress {psnr}"
        );
        // Singular values and energies are svdimg's own.
        for (p, ch) in json["channels"].as_array().unwrap().iter().enumerate() {
            let sigma = &page.meta["planes"][p]["sigma"];
            for (i, s) in ch["singular_values"].as_array().unwrap().iter().enumerate() {
                let (a, b) = (sigma[i].as_f64().unwrap(), s.as_f64().unwrap());
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "σ{i}: {a} vs {b}"
                );
            }
            assert_eq!(page.meta["planes"][p]["energy"], ch["energy_total"]);
        }
    }
}

#[test]
fn unrounded_reconstruction_is_within_the_stated_bound() {
    // The library's own f32 reconstruction against the page's factors, before rounding.
    let dir = tmp();
    let page_path = dir.path().join("chelsea.html");
    let report = html_page(&sample("chelsea.png"), &page_path, &["--max-rank", "40"]);
    let page = parse(&page_path);
    let img = image::open(sample("chelsea.png")).unwrap();
    let fz = svdimg::factorize_image(
        &img,
        &svdimg::FactorizeOptions::default(),
        40,
        &svdimg::NoProgress,
    )
    .unwrap();
    for (p, q) in report["quantization"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let bound = q["bound"].as_f64().unwrap() / 255.0;
        let measured = q["measured"].as_f64().unwrap() / 255.0;
        assert!(
            measured > 0.0 && measured <= bound,
            "plane {p}: {measured} vs bound {bound}"
        );
        for k in [5, 40] {
            let lib = svdimg::reconstruct::reconstruct(&fz.factors[p], k, faer::Par::Seq);
            let ours = page.rebuild(p, k);
            let (vh, vw) = page.view();
            let mut worst = 0.0f64;
            for r in 0..vh {
                for c in 0..vw {
                    worst = worst.max((f64::from(lib[(r, c)]) - ours[r * vw + c]).abs());
                }
            }
            // The bound covers quantization; 1e-5 covers the library's f32 arithmetic.
            assert!(
                worst <= bound + 1e-5,
                "plane {p} rank {k}: {worst} > {bound}"
            );
            if k == 40 {
                assert!(
                    worst <= measured + 1e-5,
                    "the measured maximum is the maximum"
                );
            }
        }
    }
}

/// Area-weighted downscaling written out plainly: output r averages input [r·f, (r+1)·f).
fn area(from: usize, to: usize) -> Vec<Vec<(usize, f64)>> {
    let f = from as f64 / to as f64;
    (0..to)
        .map(|r| {
            (0..from)
                .filter_map(|i| {
                    let overlap =
                        ((r as f64 + 1.0) * f).min(i as f64 + 1.0) - (r as f64 * f).max(i as f64);
                    (overlap > 1e-12).then_some((i, overlap / f))
                })
                .collect()
        })
        .collect()
}

#[test]
fn downscaled_view_is_exact_and_full_size_psnr_is_svdimgs() {
    let dir = tmp();
    let page_path = dir.path().join("coffee.html");
    let report = html_page(
        &sample("coffee.png"),
        &page_path,
        &["--max-rank", "30", "--view-pixels", "20000"],
    );
    assert_eq!(report["downscaled"], true);
    let page = parse(&page_path);
    let (vh, vw) = page.view();
    assert!(vh * vw <= 20000 && vh * vw > 15000, "{vw}×{vh}");
    assert_eq!((vw as f64 / vh as f64 * 10.0).round(), 15.0, "aspect kept");
    let table = page.meta["psnr_full"]
        .as_array()
        .expect("full-size PSNR embedded");
    assert_eq!(table.len(), 30);
    let (rows, cols) = (area(400, vh), area(600, vw));
    let img = image::open(sample("coffee.png")).unwrap();
    let fz = svdimg::factorize_image(
        &img,
        &svdimg::FactorizeOptions::default(),
        30,
        &svdimg::NoProgress,
    )
    .unwrap();
    for k in [1, 7, 30] {
        let (_, psnr, _) = compress_exact(&sample("coffee.png"), k, &[], dir.path());
        let full = table[k - 1].as_f64().unwrap();
        assert!(
            (full - psnr).abs() < 0.01,
            "rank {k}: table {full} vs compress {psnr}"
        );
        // The view is D_r · A_k · D_cᵀ of the library's reconstruction, within the bound.
        let bound = page.quant_bound() / 255.0 * 1.5 + 1e-5;
        for p in 0..3 {
            let lib = svdimg::reconstruct::reconstruct(&fz.factors[p], k, faer::Par::Seq);
            let ours = page.rebuild(p, k);
            for (r, wr) in rows.iter().enumerate() {
                for (c, wc) in cols.iter().enumerate() {
                    let mut x = 0.0;
                    for &(i, a) in wr {
                        for &(j, b) in wc {
                            x += a * b * f64::from(lib[(i, j)]);
                        }
                    }
                    let d = (x - ours[r * vw + c]).abs();
                    assert!(d <= bound, "plane {p} rank {k} at ({r}, {c}): {d}");
                }
            }
        }
    }
    // The view's original is the area average of the input, rounded.
    let input = img.to_rgb8();
    let view = page.original_samples();
    for (r, wr) in rows.iter().enumerate().step_by(7) {
        for (c, wc) in cols.iter().enumerate().step_by(5) {
            for ch in 0..3 {
                let mut x = 0.0;
                for &(i, a) in wr {
                    for &(j, b) in wc {
                        x += a * b * f64::from(input.get_pixel(j as u32, i as u32)[ch]);
                    }
                }
                assert_eq!(view[(r * vw + c) * 3 + ch], x.round() as u8);
            }
        }
    }
}

#[test]
fn sixteen_bit_grey_and_ycbcr_pages() {
    let dir = tmp();
    // 16-bit: the 8-bit page cannot compute svdimg's 16-bit PSNR, so it is embedded.
    let img16 = image::DynamicImage::ImageRgb16(image::ImageBuffer::from_fn(90, 70, |x, y| {
        image::Rgb([
            (x * 700) as u16,
            (y * 900) as u16,
            ((x * y * 11) % 65536) as u16,
        ])
    }));
    let p16 = dir.path().join("sixteen.png");
    img16.save(&p16).unwrap();
    let page16 = dir.path().join("sixteen.html");
    let report = html_page(&p16, &page16, &["--max-rank", "10"]);
    assert_eq!(report["bit_depth"], 16);
    assert_eq!(report["psnr_table"], true);
    let table = parse(&page16).meta["psnr_full"].clone();
    for k in [2, 10] {
        let (_, psnr, _) = compress_exact(&p16, k, &[], dir.path());
        assert!((table[k - 1].as_f64().unwrap() - psnr).abs() < 0.01);
    }

    // Greyscale input: one plane, grey pixels.
    let grey = dir.path().join("camera.html");
    html_page(&sample("camera.png"), &grey, &["--max-rank", "20"]);
    let page = parse(&grey);
    assert_eq!(page.meta["color"], "luma");
    assert_eq!(page.planes.len(), 1);
    let (pixels, psnr, _) = compress_exact(&sample("camera.png"), 20, &[], dir.path());
    let shown = page.pixels(20);
    assert_close_pixels(&shown, &pixels, "grey rank 20");
    assert!((psnr8(&shown, &page.original_samples()) - psnr).abs() < 0.01);

    // YCbCr: planes converted back to RGB before rounding, as compress does.
    let ycc = dir.path().join("chelsea.html");
    html_page(
        &sample("chelsea.png"),
        &ycc,
        &["--max-rank", "15", "--color", "ycbcr"],
    );
    let page = parse(&ycc);
    assert_eq!(page.meta["color"], "ycbcr");
    let (pixels, psnr, _) = compress_exact(
        &sample("chelsea.png"),
        15,
        &["--color", "ycbcr"],
        dir.path(),
    );
    let shown = page.pixels(15);
    assert_close_pixels(&shown, &pixels, "ycbcr rank 15");
    assert!((psnr8(&shown, &page.original_samples()) - psnr).abs() < 0.01);
}

#[test]
fn eight_bit_factors_halve_the_data_and_state_a_larger_error() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    let r16 = html_page(&sample("chelsea.png"), &a, &["--max-rank", "50"]);
    let r8 = html_page(
        &sample("chelsea.png"),
        &b,
        &["--max-rank", "50", "--bits", "8"],
    );
    let (f16, f8) = (
        r16["bytes"]["factors"].as_u64().unwrap(),
        r8["bytes"]["factors"].as_u64().unwrap(),
    );
    assert!((f8 as f64 / f16 as f64 - 0.5).abs() < 0.01, "{f8} vs {f16}");
    let page = parse(&b);
    assert_eq!(page.meta["bits"], 8);
    assert!(page.quant_bound() > 50.0 * parse(&a).quant_bound());
    // The stated bound still holds for the 8-bit page's pixels (plus one level of rounding).
    let (pixels, _, _) = compress_exact(&sample("chelsea.png"), 50, &[], dir.path());
    let worst = page
        .pixels(50)
        .iter()
        .zip(&pixels)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs())
        .fold(0.0, f64::max);
    assert!(worst <= page.quant_bound().ceil() + 1.0, "{worst} levels");
}

#[test]
fn the_page_is_self_contained_and_states_its_size() {
    let dir = tmp();
    let out = dir.path().join("coffee.html");
    let o = run(&[
        "html",
        s(&sample("coffee.png")),
        "-o",
        s(&out),
        "--max-rank",
        "100",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(
        text.contains(&format!("({size} bytes)")),
        "size stated:\n{text}"
    );
    assert!(size < 2 << 20, "600×400 at max rank 100: {size} bytes");
    assert!(text.contains("ranks 1–100") && text.contains("quantization error"));
    let page = parse(&out);
    let html = &page.html;
    for forbidden in [
        "http://",
        "https://",
        "<link",
        " src=\"//",
        "@import",
        "url(",
    ] {
        assert!(
            !html.contains(forbidden),
            "the page must not load {forbidden}"
        );
    }
    // Every script is inline.
    assert!(!html.contains("<script src"));
    assert_eq!(page.meta["name"], "coffee.png");
    let command = page.meta["command"].as_str().unwrap();
    assert!(
        command.starts_with("svdimg html ") && command.contains("--max-rank 100"),
        "{command}"
    );
    assert_eq!(page.meta["max_rank"], 100);
    let sigma = page.meta["planes"][0]["sigma"].as_array().unwrap();
    assert_eq!(sigma.len(), 400, "the whole spectrum, for the chart");
}

#[test]
fn names_that_look_like_markup_stay_text() {
    let dir = tmp();
    let input = dir.path().join("<b>\"x\"&y.png");
    std::fs::copy(sample("chelsea.png"), &input).unwrap();
    let o = run(&["html", s(&input), "--max-rank", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("<b>\"x\"&y.html");
    let page = parse(&out);
    assert_eq!(page.meta["name"], "<b>\"x\"&y.png");
    assert!(page
        .html
        .contains("<title>&lt;b&gt;&quot;x&quot;&amp;y.png — svdimg"));
    // In the JSON, `<` is escaped so no name can close the script element.
    let json = between(&page.html, r#"id="svdimg-data">"#, "</script>");
    assert!(!json.contains('<') && json.contains("\\u003cb>"));
}

#[test]
fn errors_are_one_line_and_leave_no_file() {
    let dir = tmp();
    let out = dir.path().join("p.html");
    std::fs::write(&out, "keep me").unwrap();
    let o = run(&["html", s(&sample("chelsea.png")), "-o", s(&out)]);
    assert_error("existing output", &o, 1, &["already exists"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");

    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    let o = run(&["html", s(&not_image), "-o", s(&dir.path().join("n.html"))]);
    assert_error("not an image", &o, 1, &[]);

    let rgba = dir.path().join("rgba.png");
    image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(20, 20, |x, y| {
        image::Rgba([x as u8 * 9, y as u8 * 9, 80, 200])
    }))
    .save(&rgba)
    .unwrap();
    let o = run(&[
        "html",
        s(&rgba),
        "--alpha",
        "compress",
        "-o",
        s(&dir.path().join("a.html")),
    ]);
    assert_error(
        "--alpha compress",
        &o,
        1,
        &["compressing alpha is not supported"],
    );

    let o = run(&["html", s(&sample("chelsea.png")), "--bits", "12"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["html", s(&sample("chelsea.png")), "--max-rank", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        common::files_in(dir.path()),
        vec!["notes.txt", "p.html", "rgba.png"],
        "no partial or temporary files"
    );
}

#[test]
fn max_rank_is_clamped_and_said() {
    let dir = tmp();
    let input = dir.path().join("small.png");
    image::DynamicImage::ImageRgb8(common::photo_like(40, 24, 7))
        .save(&input)
        .unwrap();
    let o = run(&["html", s(&input), "--max-rank", "500"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ranks 1–24 (clamped"), "{}", stdout(&o));
    let page = parse(&dir.path().join("small.html"));
    assert_eq!(page.meta["max_rank"], 24);
    // At full rank the page's image is the original, up to the quantization error.
    let shown = page.pixels(24);
    let worst = shown
        .iter()
        .zip(page.original_samples())
        .map(|(&a, b)| (i32::from(a) - i32::from(b)).abs())
        .max()
        .unwrap();
    assert!(worst <= 1, "{worst}");
}
