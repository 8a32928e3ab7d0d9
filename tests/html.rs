//! `svdimg html`: the page's data. The embedded factors are decoded here independently of the
//! library (base64 → signed integers → q · scale / Q) and must rebuild the reconstruction that
//! `svdimg compress -k` writes, within the quantization error the page states; the PSNR the page
//! computes that way must equal svdimg's to 0.01 dB.

mod common;

use std::path::Path;

use base64::Engine as _;
use common::{run, sample, stderr, stdout, tmp};
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One plane's decoded vectors: σᵢ·ũᵢ and ṽᵢ for every i.
type PlaneVectors = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// A page taken apart: its metadata, its decoded factors, its original.
struct ParsedPage {
    html: String,
    meta: Value,
    /// Per plane: `us[i]` = σᵢ·ũᵢ (view height), `v[i]` = ṽᵢ (view width).
    planes: Vec<PlaneVectors>,
    original: image::DynamicImage,
}

/// The text between `start` (exclusive) and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("page lacks {start}"))
        + start.len();
    let to = from + text[from..].find(end).expect("element closed");
    &text[from..to]
}

fn parse(path: &Path) -> ParsedPage {
    let html = std::fs::read_to_string(path).unwrap();
    let json = between(
        &html,
        r#"<script type="application/json" id="svdimg-data">"#,
        "</script>",
    );
    let meta: Value = serde_json::from_str(json).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let factors = b64
        .decode(
            between(
                &html,
                r#"<script type="text/plain" id="svdimg-factors">"#,
                "</script>",
            )
            .trim(),
        )
        .unwrap();
    let png = b64
        .decode(between(&html, r#"src="data:image/png;base64,"#, "\""))
        .unwrap();
    let original = image::load_from_memory(&png).unwrap();
    let (vh, vw) = (
        meta["view"]["height"].as_u64().unwrap() as usize,
        meta["view"]["width"].as_u64().unwrap() as usize,
    );
    let k = meta["max_rank"].as_u64().unwrap() as usize;
    let bits = meta["bits"].as_u64().unwrap();
    let (q, size) = if bits == 16 { (32767.0, 2) } else { (127.0, 1) };
    let mut at = 0usize;
    let mut read = |len: usize, factor: f64| -> Vec<f64> {
        let out = (0..len)
            .map(|i| {
                let o = at + i * size;
                let stored = if size == 2 {
                    f64::from(i16::from_le_bytes([factors[o], factors[o + 1]]))
                } else {
                    f64::from(factors[o] as i8)
                };
                stored * factor
            })
            .collect();
        at += len * size;
        out
    };
    let mut planes = Vec::new();
    for p in meta["planes"].as_array().unwrap() {
        let f = |key: &str, i: usize| p[key][i].as_f64().unwrap();
        let us: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                read(vh, f("scale_u", i) / q)
                    .into_iter()
                    .map(|x| x * f("sigma", i))
                    .collect()
            })
            .collect();
        let v: Vec<Vec<f64>> = (0..k).map(|i| read(vw, f("scale_v", i) / q)).collect();
        planes.push((us, v));
    }
    assert_eq!(
        at,
        factors.len(),
        "the factor block holds exactly K vectors per side"
    );
    ParsedPage {
        html,
        meta,
        planes,
        original,
    }
}

impl ParsedPage {
    fn view(&self) -> (usize, usize) {
        (
            self.meta["view"]["height"].as_u64().unwrap() as usize,
            self.meta["view"]["width"].as_u64().unwrap() as usize,
        )
    }

    /// Σ_{i<k} σᵢ ũᵢ ṽᵢᵀ of plane `p`, row-major, in f64.
    fn rebuild(&self, p: usize, k: usize) -> Vec<f64> {
        let (vh, vw) = self.view();
        let (us, v) = &self.planes[p];
        let mut out = vec![0.0; vh * vw];
        for i in 0..k {
            for r in 0..vh {
                let a = us[i][r];
                for c in 0..vw {
                    out[r * vw + c] += a * v[i][c];
                }
            }
        }
        out
    }

    /// The 8-bit RGB (or grey) image the page shows at rank k, as svdimg rounds.
    fn pixels(&self, k: usize) -> Vec<u8> {
        let planes: Vec<Vec<f64>> = (0..self.planes.len()).map(|p| self.rebuild(p, k)).collect();
        let to8 = |x: f64| (x.clamp(0.0, 1.0) * 255.0).round() as u8;
        let color = self.meta["color"].as_str().unwrap();
        let mut out = Vec::new();
        #[allow(clippy::needless_range_loop)] // one index into several planes
        for px in 0..planes[0].len() {
            match color {
                "luma" => out.push(to8(planes[0][px])),
                "ycbcr" => {
                    let (y, cb, cr) = (planes[0][px], planes[1][px] - 0.5, planes[2][px] - 0.5);
                    out.push(to8(y + 1.402 * cr));
                    out.push(to8(y
                        - 0.344_136_286_201_022 * cb
                        - 0.714_136_286_201_022 * cr));
                    out.push(to8(y + 1.772 * cb));
                }
                _ => out.extend((0..3).map(|c| to8(planes[c][px]))),
            }
        }
        out
    }

    fn original_samples(&self) -> Vec<u8> {
        match self.meta["color"].as_str().unwrap() {
            "luma" => self.original.to_luma8().into_raw(),
            _ => self.original.to_rgb8().into_raw(),
        }
    }

    fn quant_bound(&self) -> f64 {
        self.meta["pixel_error_bound"].as_f64().unwrap()
    }
}

fn psnr8(a: &[u8], b: &[u8]) -> f64 {
    let sq: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    10.0 * (255.0f64 * 255.0 / (sq / a.len() as f64)).log10()
}

/// `svdimg compress -k K --json`: the written pixels and the reported PSNR.
fn compress(input: &Path, k: usize, extra: &[&str], dir: &Path) -> (Vec<u8>, f64, Value) {
    let out = dir.join(format!("c{k}.png"));
    let ks = k.to_string();
    let mut args = vec![
        "compress",
        s(input),
        "-k",
        &ks,
        "--method",
        "exact",
        "-o",
        s(&out),
        "--force",
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let img = image::open(&out).unwrap();
    let pixels = if img.color().channel_count() == 1 {
        img.to_luma8().into_raw()
    } else {
        img.to_rgb8().into_raw()
    };
    (pixels, report["psnr"].as_f64().unwrap(), report)
}

fn make_page(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["html", s(input), "-o", s(out), "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Pixels differ by at most one level, and only in a small fraction of samples (where the
/// unrounded value lies within the quantization error of a rounding boundary).
fn assert_close(page: &[u8], reference: &[u8], what: &str) {
    assert_eq!(page.len(), reference.len());
    let mut off = 0usize;
    for (&a, &b) in page.iter().zip(reference) {
        let d = (i32::from(a) - i32::from(b)).abs();
        assert!(d <= 1, "{what}: a sample differs by {d} levels");
        off += usize::from(d == 1);
    }
    let fraction = off as f64 / page.len() as f64;
    assert!(
        fraction < 0.005,
        "{what}: {:.3} % of samples differ by one level",
        100.0 * fraction
    );
}

#[test]
fn embedded_factors_rebuild_what_compress_writes() {
    let dir = tmp();
    let page_path = dir.path().join("coffee.html");
    let report = make_page(&sample("coffee.png"), &page_path, &["--max-rank", "60"]);
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
        let (pixels, psnr, json) = compress(&sample("coffee.png"), k, &[], dir.path());
        let shown = page.pixels(k);
        assert_close(&shown, &pixels, &format!("rank {k}"));
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
    let report = make_page(&sample("chelsea.png"), &page_path, &["--max-rank", "40"]);
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
    let report = make_page(
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
        let (_, psnr, _) = compress(&sample("coffee.png"), k, &[], dir.path());
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
    let report = make_page(&p16, &page16, &["--max-rank", "10"]);
    assert_eq!(report["bit_depth"], 16);
    assert_eq!(report["psnr_table"], true);
    let table = parse(&page16).meta["psnr_full"].clone();
    for k in [2, 10] {
        let (_, psnr, _) = compress(&p16, k, &[], dir.path());
        assert!((table[k - 1].as_f64().unwrap() - psnr).abs() < 0.01);
    }

    // Greyscale input: one plane, grey pixels.
    let grey = dir.path().join("camera.html");
    make_page(&sample("camera.png"), &grey, &["--max-rank", "20"]);
    let page = parse(&grey);
    assert_eq!(page.meta["color"], "luma");
    assert_eq!(page.planes.len(), 1);
    let (pixels, psnr, _) = compress(&sample("camera.png"), 20, &[], dir.path());
    let shown = page.pixels(20);
    assert_close(&shown, &pixels, "grey rank 20");
    assert!((psnr8(&shown, &page.original_samples()) - psnr).abs() < 0.01);

    // YCbCr: planes converted back to RGB before rounding, as compress does.
    let ycc = dir.path().join("chelsea.html");
    make_page(
        &sample("chelsea.png"),
        &ycc,
        &["--max-rank", "15", "--color", "ycbcr"],
    );
    let page = parse(&ycc);
    assert_eq!(page.meta["color"], "ycbcr");
    let (pixels, psnr, _) = compress(
        &sample("chelsea.png"),
        15,
        &["--color", "ycbcr"],
        dir.path(),
    );
    let shown = page.pixels(15);
    assert_close(&shown, &pixels, "ycbcr rank 15");
    assert!((psnr8(&shown, &page.original_samples()) - psnr).abs() < 0.01);
}

#[test]
fn eight_bit_factors_halve_the_data_and_state_a_larger_error() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    let r16 = make_page(&sample("chelsea.png"), &a, &["--max-rank", "50"]);
    let r8 = make_page(
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
    let (pixels, _, _) = compress(&sample("chelsea.png"), 50, &[], dir.path());
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
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");

    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    let o = run(&["html", s(&not_image), "-o", s(&dir.path().join("n.html"))]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: "));

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
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--alpha compress"), "{}", stderr(&o));

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
