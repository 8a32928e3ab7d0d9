//! `svdimg rd`: the rate–distortion table against libjpeg-turbo's JPEG and libwebp's WebP.

use image::DynamicImage;
use serde_json::Value;
use svdimg::container::reference_codecs::{jpeg, webp};

use crate::common::{photo_like, run_json, s, sample, save, svg_series, tmp};

/// FNV-1a 64 of the bytes (a fingerprint of a whole file).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// PSNR of two 8-bit images of the same colour type.
fn psnr(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    assert_eq!(a.len(), b.len());
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// The files are the ones Pillow writes (libjpeg-turbo with `quality=q, optimize=True`; libwebp
/// 1.6 with `quality=q, method=6`), byte for byte: lengths and fingerprints taken from Pillow 13.
#[test]
fn reference_encoders_write_what_pillow_writes() {
    let chelsea = image::open(sample("chelsea.png")).expect("sample");
    let camera = image::open(sample("camera.png")).expect("sample");
    let cases: [(&DynamicImage, &str, u8, usize, u64); 5] = [
        (&chelsea, "jpeg", 10, 3879, 0x3723_d976_621f_9438),
        (&chelsea, "jpeg", 75, 20142, 0xb611_ebbc_550a_fc41),
        (&camera, "jpeg", 50, 21254, 0x8007_db68_40ef_1485),
        (&chelsea, "webp", 50, 9086, 0x230f_278b_781f_87f1),
        (&camera, "webp", 50, 16144, 0x368a_ba9f_1583_f3f2),
    ];
    for (img, codec, q, len, hash) in cases {
        let bytes = if codec == "jpeg" {
            jpeg(img, q)
        } else {
            webp(img, q)
        }
        .expect("encoded");
        assert_eq!((bytes.len(), fnv(&bytes)), (len, hash), "{codec} q {q}");
    }
}

/// Both encoders are deterministic, their files decode with the image crate at the input's size,
/// and quality buys fidelity.
#[test]
fn reference_encoders_decode_with_the_image_crate() {
    let img = DynamicImage::ImageRgb8(photo_like(120, 90, 7));
    for (codec, encode) in [
        (
            "jpeg",
            jpeg as fn(&DynamicImage, u8) -> svdimg::Result<Vec<u8>>,
        ),
        ("webp", webp),
    ] {
        let mut last = 0.0;
        for q in [10, 50, 90] {
            let bytes = encode(&img, q).expect("encoded");
            assert_eq!(bytes, encode(&img, q).expect("encoded"), "{codec} q {q}");
            let back = image::load_from_memory(&bytes).expect("decodable");
            assert_eq!((back.width(), back.height()), (120, 90));
            let p = psnr(&img, &DynamicImage::ImageRgb8(back.to_rgb8()));
            assert!(p > 20.0 && p < 60.0 && p > last, "{codec} q {q}: {p} dB");
            last = p;
        }
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// Every row's JPEG and WebP columns are real files: not larger than the .svdz file when a
/// quality fits, with plausible PSNR and SSIM; the curves, the CSV and the plot carry both codecs.
#[test]
fn rd_matches_every_svdz_row_with_jpeg_and_webp() {
    let dir = tmp();
    let input = save(photo_like(96, 64, 3), dir.path(), "photo.png");
    let (csv, plot) = (dir.path().join("rd.csv"), dir.path().join("rd.svg"));
    let j = run_json(&[
        "rd",
        s(&input),
        "--ranks",
        "2,8,24",
        "--at-bpp",
        "1.5",
        "--csv",
        s(&csv),
        "--plot",
        s(&plot),
        "--json",
    ]);
    assert_eq!(j["schema"], "svdimg.rd/3");
    assert!(j["encoders"]["jpeg"]
        .as_str()
        .expect("named")
        .contains("libjpeg-turbo"));
    assert!(j["encoders"]["webp"]
        .as_str()
        .expect("named")
        .starts_with("libwebp 1."));
    let rows = j["rows"].as_array().expect("rows");
    assert_eq!(
        rows.len(),
        2 * 3 + 2 + 1,
        "rgb and ycbcr at 3 ranks, then 2 bpp rows, then the version-2 row"
    );
    let blocks: Vec<_> = rows.iter().filter(|r| r["mode"] == "blocks").collect();
    assert_eq!(blocks.len(), 1);
    for r in blocks {
        assert!(r["raw_f32"].is_null() && r["color"] == "ycbcr");
        assert!(r["svdz_bpp"].as_f64().expect("bpp") <= 1.5 + 1e-9, "{r}");
    }
    let mut fitted = 0;
    for r in rows {
        let svdz = r["svdz_bytes"].as_u64().expect("bytes");
        for codec in ["jpeg", "webp"] {
            let c = &r[codec];
            let bytes = c["bytes"].as_u64().expect("bytes");
            assert!((num(&c["bpp"]) - bytes as f64 * 8.0 / (96.0 * 64.0)).abs() < 1e-9);
            let (p, ssim) = (num(&c["psnr"]), num(&c["ssim"]));
            assert!(p.is_finite() && p > 15.0 && p < 70.0, "{codec}: {r}");
            assert!(ssim > 0.2 && ssim <= 1.0, "{codec}: {r}");
            if c["quality"].is_null() {
                assert!(
                    bytes > svdz,
                    "{codec}: nothing fits, so the lowest quality is larger"
                );
            } else {
                assert!(bytes <= svdz, "{codec}: {r}");
                fitted += 1;
            }
        }
    }
    assert!(fitted >= 8, "most rows have a fitting JPEG and WebP");
    let curve = |name: &str| j[name].as_array().expect("curve").len();
    assert_eq!((curve("jpeg_curve"), curve("webp_curve")), (20, 21));
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.contains("jpeg_quality") && header.ends_with("webp_psnr,webp_ssim"));
    assert_eq!(lines.count(), rows.len());
    let svg = std::fs::read_to_string(&plot).expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
    let series = svg_series(&doc);
    assert!(series.contains_key("#148C3C/1"), "JPEG curve: {series:?}");
    assert!(series.contains_key("#E68200/1"), "WebP curve: {series:?}");
    assert!(svg.contains("JPEG (libjpeg-turbo)") && svg.contains("WebP (libwebp)"));
}
