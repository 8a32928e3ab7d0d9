//! `.svdz` version 2, the block codec: round trips, budgets, determinism, hostile files, and the
//! CLI around it (version 1 files still decode).

use crate::common::{self, assert_error, run, run_json, s, sample, stderr, tmp, XorShift};
use image::{DynamicImage, GenericImageView};
use svdimg::container::blocks::{self, BlockFile, BlockOptions, Target};
use svdimg::DecodeLimits;

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn encode(img: &DynamicImage, target: Target) -> blocks::BlockEncoded {
    blocks::encode_image(
        img,
        &BlockOptions {
            target,
            ..BlockOptions::default()
        },
    )
    .expect("encodes")
}

fn mse(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let (a, b) = (a.to_rgb8(), b.to_rgb8());
    let n = a.as_raw().len() as f64;
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / n
}

fn psnr(a: &DynamicImage, b: &DynamicImage) -> f64 {
    10.0 * (255.0 * 255.0 / mse(a, b)).log10()
}

/// Images of every layout the codec takes, odd sizes included.
fn layouts() -> Vec<DynamicImage> {
    let rgb = common::photo_like(37, 29, 3);
    let rgba = image::RgbaImage::from_fn(21, 13, |x, y| {
        let p = rgb.get_pixel(x, y);
        image::Rgba([p[0], p[1], p[2], (x * 12 + y) as u8])
    });
    let grey16 =
        image::ImageBuffer::from_fn(19, 23, |x, y| image::Luma([(x * 3000 + y * 200) as u16]));
    vec![
        DynamicImage::ImageRgb8(rgb.clone()),
        DynamicImage::ImageRgba8(rgba),
        DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(rgb.clone()).to_luma8()),
        DynamicImage::ImageLuma16(grey16),
        DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(rgb).to_rgb16()),
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1, 1, image::Rgb([9, 200, 77]))),
    ]
}

#[test]
fn files_round_trip_bit_exactly_in_every_layout() {
    for img in layouts() {
        for q in [5.0, 50.0, 95.0] {
            let enc = encode(&img, Target::Quality(q));
            let parsed = BlockFile::parse(&enc.bytes, &limits()).expect("parses");
            assert_eq!(parsed.file, enc.file, "{:?} at quality {q}", img.color());
            let out = parsed.file.reconstruct();
            assert_eq!(out.color(), img.color(), "the layout is kept");
            assert_eq!(out.dimensions(), img.dimensions());
            assert_eq!(
                parsed.file.encode().unwrap(),
                enc.bytes,
                "re-encoding is stable"
            );
        }
    }
}

#[test]
fn alpha_is_kept_exactly() {
    let img = &layouts()[1];
    let out = BlockFile::parse(&encode(img, Target::Quality(20.0)).bytes, &limits())
        .unwrap()
        .file
        .reconstruct();
    let alpha = |i: &DynamicImage| -> Vec<u8> { i.to_rgba8().pixels().map(|p| p[3]).collect() };
    assert_eq!(alpha(&out), alpha(img));
}

#[test]
fn quality_is_monotone_and_high_quality_is_close() {
    let img = DynamicImage::ImageRgb8(common::photo_like(96, 80, 11));
    let mut last = (0usize, 0.0f64);
    for q in [10.0, 30.0, 50.0, 75.0, 90.0, 100.0] {
        let enc = encode(&img, Target::Quality(q));
        let p = psnr(
            &img,
            &BlockFile::parse(&enc.bytes, &limits())
                .unwrap()
                .file
                .reconstruct(),
        );
        assert!(
            enc.bytes.len() > last.0,
            "quality {q}: {} bytes",
            enc.bytes.len()
        );
        assert!(
            p > last.1 - 0.05,
            "quality {q}: {p:.2} dB after {:.2}",
            last.1
        );
        last = (enc.bytes.len(), p);
    }
    // Quality 100 (Δ = ½) is close; chroma at half resolution is most of what it loses.
    assert!(last.1 > 38.0, "{:.2} dB at quality 100", last.1);
}

#[test]
fn budgets_are_never_exceeded_and_mostly_spent() {
    let img = DynamicImage::ImageRgb8(common::photo_like(160, 120, 5));
    for budget in [700u64, 1500, 3000, 6000] {
        let enc = encode(&img, Target::Bytes(budget));
        let n = enc.bytes.len() as u64;
        assert!(!enc.over_budget);
        assert!(n <= budget, "{n} bytes for a budget of {budget}");
        assert!(
            n * 10 > budget * 8,
            "{n} bytes spend too little of {budget}"
        );
    }
    let bpp = encode(&img, Target::BitsPerPixel(0.5));
    assert!(bpp.bytes.len() <= 160 * 120 / 16);
    // A budget below the smallest file gives that file, flagged.
    let tiny = encode(&img, Target::Bytes(10));
    assert!(tiny.over_budget && tiny.bytes.len() > 10);
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let img = DynamicImage::ImageRgb8(common::photo_like(120, 90, 8));
    let with = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| encode(&img, Target::Bytes(2500)).bytes)
    };
    let one = with(1);
    assert_eq!(one, with(2));
    assert_eq!(one, with(3));
}

#[test]
fn truncation_keeps_prefixes_and_fits() {
    let img = DynamicImage::ImageRgb8(common::photo_like(128, 96, 2));
    let enc = encode(&img, Target::Quality(95.0));
    let half = enc.bytes.len() as u64 / 2;
    let (cut, bytes) = blocks::truncate(&enc.file, blocks::Keep::Bytes(half)).unwrap();
    assert!(bytes.len() as u64 <= half, "{} bytes", bytes.len());
    assert!(bytes.len() as u64 > half * 8 / 10, "{} bytes", bytes.len());
    for (a, b) in enc.file.planes.iter().zip(&cut.planes) {
        assert_eq!(a.codes.dc, b.codes.dc);
        let n = a.codes.block;
        let (mut at_a, mut at_b) = (0, 0);
        for (&ra, &rb) in a.codes.ranks.iter().zip(&b.codes.ranks) {
            assert!(rb <= ra);
            let kept = 2 * n * usize::from(rb);
            assert_eq!(
                a.codes.values[at_a..at_a + kept],
                b.codes.values[at_b..at_b + kept]
            );
            at_a += 2 * n * usize::from(ra);
            at_b += kept;
        }
    }
    let (capped, _) = blocks::truncate(&enc.file, blocks::Keep::Rank(1)).unwrap();
    assert!(capped
        .planes
        .iter()
        .all(|p| p.codes.ranks.iter().all(|&r| r <= 1)));
    // Less is kept, so the error grows, but gracefully.
    let full = psnr(&img, &enc.file.reconstruct());
    let smaller = psnr(&img, &cut.reconstruct());
    assert!(
        smaller < full && smaller > full - 15.0,
        "{full:.2} → {smaller:.2}"
    );
}

fn small_file() -> Vec<u8> {
    encode(&layouts()[1], Target::Quality(40.0)).bytes
}

#[test]
fn every_truncation_and_bit_flip_is_an_error() {
    let bytes = small_file();
    assert!(BlockFile::parse(&bytes, &limits()).is_ok());
    for n in 0..bytes.len() {
        assert!(
            BlockFile::parse(&bytes[..n], &limits()).is_err(),
            "cut to {n}"
        );
    }
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        // A flipped version byte makes it a version-1 file, refused by that reader.
        let r = if blocks::is_block_file(&b) {
            BlockFile::parse(&b, &limits()).map(|_| ())
        } else {
            svdimg::container::Container::decode(&b, &limits()).map(|_| ())
        };
        assert!(r.is_err(), "flipping bit {bit} went unnoticed");
    }
}

#[test]
fn random_corruption_never_panics() {
    let bytes = small_file();
    let mut rng = XorShift(0xb10c_5eed);
    for _ in 0..3000 {
        let mut b = bytes.clone();
        for _ in 0..1 + rng.next_u64() % 8 {
            let i = (rng.next_u64() % b.len() as u64) as usize;
            b[i] = rng.next_u64() as u8;
        }
        if let Ok(f) = BlockFile::parse(&b, &limits()) {
            let _ = f.file.reconstruct();
        }
    }
}

/// A valid version-2 header of `width × height` (one grey plane of 4×4 blocks), CRC included.
fn header(width: u32, height: u32) -> Vec<u8> {
    let mut h = svdimg::container::MAGIC.to_vec();
    h.extend_from_slice(&[2, 0, 8, 0]);
    h.extend_from_slice(&width.to_le_bytes());
    h.extend_from_slice(&height.to_le_bytes());
    h.push(1);
    h.push(2);
    h.extend_from_slice(&1.0f32.to_le_bytes());
    h.extend_from_slice(&0.25f32.to_le_bytes());
    h.push(0);
    let crc = crc32(&h);
    h.extend_from_slice(&crc.to_le_bytes());
    h
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn absurd_sizes_and_empty_streams_are_refused() {
    // 2^24 × 2^24 pixels: over the limit, refused from the header alone.
    let e = BlockFile::parse(&header(1 << 24, 1 << 24), &limits()).unwrap_err();
    assert!(e.to_string().contains("exceed"), "{e}");
    // 10 000 × 10 000 within the limit, but a stream of 5 bytes cannot hold its blocks.
    let mut b = header(10_000, 10_000);
    b.extend_from_slice(b"BLKS");
    b.extend_from_slice(&5u32.to_le_bytes());
    b.extend_from_slice(&crc32(&[0; 5]).to_le_bytes());
    b.extend_from_slice(&[0; 5]);
    let e = BlockFile::parse(&b, &limits()).unwrap_err();
    assert!(e.to_string().contains("ends before its last block"), "{e}");
}

#[test]
fn cli_block_files_from_compress_to_truncate() {
    let dir = tmp();
    let d = dir.path();
    let f = |n: &str| d.join(n).display().to_string();
    let input = s(&sample("coffee.png")).to_string();
    let r = run_json(&[
        "compress",
        &input,
        "--bpp",
        "0.5",
        "-o",
        &f("c.svdz"),
        "--json",
    ]);
    assert_eq!(r["schema"], "svdimg.compress.svdz/2");
    assert_eq!(r["version"], 2);
    let bytes = std::fs::read(d.join("c.svdz")).unwrap();
    assert!(bytes.len() <= 600 * 400 / 16 && bytes.len() as u64 == r["file_bytes"]);
    assert!(r["psnr"].as_f64().unwrap() > 26.0, "{}", r["psnr"]);
    // What decompress writes is what compress measured.
    let o = run(&["decompress", &f("c.svdz"), "-o", &f("c.png")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let decoded = image::open(d.join("c.png")).unwrap();
    let p = psnr(&image::open(sample("coffee.png")).unwrap(), &decoded);
    assert!((p - r["psnr"].as_f64().unwrap()).abs() < 1e-9, "{p}");
    // info: blocks, rank map, and a drawn map.
    let i = run_json(&["info", &f("c.svdz"), "--json", "--rank-map", &f("map.png")]);
    assert_eq!(i["schema"], "svdimg.info/3");
    assert_eq!(i["planes"].as_array().unwrap().len(), 3);
    assert!(i["rank_map"].as_array().unwrap().len() > 5);
    assert_eq!(
        image::open(d.join("map.png")).unwrap().dimensions(),
        (600, 400)
    );
    // truncate by size and by rank.
    let t = run_json(&[
        "truncate",
        &f("c.svdz"),
        "--size",
        "8k",
        "-o",
        &f("t.svdz"),
        "--json",
    ]);
    assert!(std::fs::metadata(d.join("t.svdz")).unwrap().len() <= 8000);
    assert_eq!(t["file"]["version"], 2);
    assert_eq!(t["warnings"], serde_json::json!([]));
    // A budget below the file without any term: that file, and a warning.
    let o = run(&[
        "truncate",
        &f("c.svdz"),
        "--size",
        "10",
        "-o",
        &f("t0.svdz"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("exceeds the budget of 10 bytes"),
        "{}",
        stderr(&o)
    );
    assert!(d.join("t0.svdz").exists());
    let o = run(&["truncate", &f("c.svdz"), "-k", "1", "-o", &f("k1.svdz")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // --global and a rank give version 1; --quality with a rank is refused.
    let g = run_json(&[
        "compress",
        &input,
        "--global",
        "--size",
        "8k",
        "-o",
        &f("g.svdz"),
        "--json",
    ]);
    assert_eq!(g["rank_request"], "size 8000 bytes");
    let i = run_json(&["info", &f("g.svdz"), "--json"]);
    assert_eq!(i["version"], 1);
    let o = run(&[
        "compress",
        &input,
        "--quality",
        "50",
        "-k",
        "5",
        "-o",
        &f("x.svdz"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&[
        "compress",
        &input,
        "--quality",
        "50",
        "--global",
        "-o",
        &f("x.svdz"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["compress", &input, "--quality", "150", "-o", &f("x.svdz")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("quality 150 is not in 1–100"),
        "{}",
        stderr(&o)
    );
    let o = run(&["truncate", &f("g.svdz"), "--size", "2k", "-o", &f("y.svdz")]);
    assert_error("truncate v1 by size", &o, 1, &["version-1"]);
    assert!(!d.join("x.svdz").exists() && !d.join("y.svdz").exists());
}

/// `decompress --json` of `tests/data/NAME`: its report and the decoded image.
fn decompress_data_file(name: &str) -> (serde_json::Value, DynamicImage) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let dir = tmp();
    let out = dir.path().join("decoded.png");
    let r = run_json(&["decompress", s(&path), "-o", s(&out), "--json"]);
    (r, image::open(&out).unwrap())
}

#[test]
fn the_version_two_file_in_the_repository_decodes_to_the_same_pixels() {
    // tests/data/coffee-v2-q50.svdz: `compress coffee.png --quality 50 -o …` with the
    // cosine-coefficient stream. Decoding is specified to the bit, so its pixels are pinned: a
    // change to the decoder that moves one sample breaks every file already written.
    let (r, decoded) = decompress_data_file("coffee-v2-q50.svdz");
    assert_eq!(r["version"], 2);
    assert_eq!(r["terms"], serde_json::json!([3188, 136, 228]));
    // FNV-1a (64-bit) of the RGB bytes.
    let hash = decoded
        .to_rgb8()
        .as_raw()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    assert_eq!(hash, 0x4d18_b8ff_58cb_014a, "decoded pixels changed");
    let p = psnr(&image::open(sample("coffee.png")).unwrap(), &decoded);
    assert!((p - 28.999_087_886).abs() < 1e-6, "{p:.9} dB");
}

#[test]
fn version_one_files_in_the_repository_still_decode() {
    // tests/data/coffee-v1-k20.svdz: written by svdimg 0.1 (`compress coffee.png -k 20 -o …`)
    // before version 2 existed.
    let (r, decoded) = decompress_data_file("coffee-v1-k20.svdz");
    assert_eq!(r["version"], 1);
    assert_eq!(r["ranks"], serde_json::json!([20, 20, 20]));
    let p = psnr(&image::open(sample("coffee.png")).unwrap(), &decoded);
    assert!((p - 23.9815).abs() < 1e-3, "{p:.4} dB");
}
