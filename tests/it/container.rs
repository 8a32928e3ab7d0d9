//! The `.svdz` container: round trips, truncation, hostile input, and the CLI around it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crate::common::{self, assert_error, run, run_json, s, sample, stderr, stdout, tmp, XorShift};
use image::DynamicImage;
use proptest::prelude::*;
use svdimg::container::{self, Budget, Container, Header};
use svdimg::{AlphaMode, ColorMode, CompressOptions, DecodeLimits, NoProgress, RankSelect};

/// Records the largest single allocation made by the current thread, so a test can prove that a
/// hostile header is refused before anything it sizes is allocated. (It is the allocator of the
/// whole `it` test binary: the count is per thread, and each measuring test resets it first.)
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn opts(k: usize, color: ColorMode) -> CompressOptions {
    let mut o = CompressOptions::with_rank(RankSelect::Rank(k));
    o.factorize.color = color;
    o
}

fn photo(w: u32, h: u32, seed: u64) -> DynamicImage {
    DynamicImage::ImageRgb8(common::photo_like(w, h, seed))
}

fn svdz(img: &DynamicImage, o: &CompressOptions, tau: Option<f64>) -> container::SvdzCompressed {
    container::compress_image_to_svdz(
        img,
        &container::SvdzOptions {
            compress: o.clone(),
            tolerance: tau,
            budget: None,
        },
        &NoProgress,
    )
    .expect("compresses")
}

#[test]
fn round_trip_is_bit_exact() {
    for (color, seed) in [
        (ColorMode::Rgb, 1),
        (ColorMode::YCbCr, 2),
        (ColorMode::Luma, 3),
    ] {
        let img = photo(61, 43, seed);
        let out = svdz(&img, &opts(9, color), None);
        let back = Container::decode(&out.bytes, &limits()).expect("decodes");
        assert_eq!(back, out.container, "{color:?}: same quantized factors");
        let pixels = back.reconstruct();
        assert_eq!(
            pixels, out.image,
            "{color:?}: same pixels as the encoder measured"
        );
        // The quantized reconstruction is close to the unquantized one (pipeline's PNG path).
        let png = svdimg::compress_image(&img, &opts(9, color), &NoProgress).unwrap();
        let (a, b) = (
            svdimg::planes::samples_u16(&pixels),
            svdimg::planes::samples_u16(&png.image),
        );
        let worst = a.iter().zip(&b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        assert!(
            worst <= 12,
            "{color:?}: quantization moved a sample by {worst}"
        );
        let (pq, pp) = (out.report.base.psnr.unwrap(), png.report.psnr.unwrap());
        assert!((pq - pp).abs() < 0.3, "{color:?}: PSNR {pq} against {pp}");
    }
}

#[test]
fn alpha_is_kept_losslessly_or_compressed() {
    let rgba = image::RgbaImage::from_fn(30, 20, |x, y| {
        image::Rgba([(x * 8) as u8, (y * 12) as u8, 90, ((x * y) % 256) as u8])
    });
    let img = DynamicImage::ImageRgba8(rgba.clone());
    let kept = svdz(&img, &opts(4, ColorMode::Rgb), None);
    assert!(kept.container.alpha.is_some());
    let back = Container::decode(&kept.bytes, &limits())
        .unwrap()
        .reconstruct();
    let back = back.to_rgba8();
    for (p, q) in back.pixels().zip(rgba.pixels()) {
        assert_eq!(p[3], q[3], "alpha kept exactly");
    }
    let mut o = opts(4, ColorMode::Rgb);
    o.factorize.alpha = AlphaMode::Compress;
    let comp = svdz(&img, &o, None);
    assert_eq!(comp.container.planes.len(), 4);
    assert!(comp.container.alpha.is_none());
    assert_eq!(
        Container::decode(&comp.bytes, &limits())
            .unwrap()
            .reconstruct(),
        comp.image
    );
}

#[test]
fn sixteen_bit_grey_round_trips() {
    let img = DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(40, 33, |x, y| {
        image::Luma([((x * 1500 + y * 900) % 65536) as u16])
    }));
    let out = svdz(&img, &opts(6, ColorMode::Rgb), None);
    assert_eq!(out.container.header.bit_depth, 16);
    let back = Container::decode(&out.bytes, &limits()).unwrap();
    assert_eq!(back.reconstruct(), out.image);
    assert!(matches!(out.image, DynamicImage::ImageLuma16(_)));
}

#[test]
fn a_prefix_of_ranks_is_what_compressing_at_that_rank_stores() {
    let img = photo(50, 40, 7);
    let big = svdz(&img, &opts(20, ColorMode::Rgb), None);
    let tau = f64::from(big.container.header.tolerance);
    for k in [0usize, 1, 5, 19] {
        let cut = big.container.truncated(&[k, k, k]);
        let direct = svdz(&img, &opts(k.max(1), ColorMode::Rgb), Some(tau));
        if k == 0 {
            assert!(cut.planes.iter().all(|p| p.terms.is_empty()));
            continue;
        }
        assert_eq!(cut, direct.container, "rank {k}");
        assert_eq!(cut.encode().unwrap(), direct.bytes, "rank {k}: same bytes");
        assert_eq!(cut.reconstruct(), direct.image, "rank {k}: same pixels");
    }
}

#[test]
fn decoding_does_not_depend_on_the_thread_count() {
    let img = photo(97, 64, 11);
    let out = svdz(&img, &opts(30, ColorMode::YCbCr), None);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| {
        Container::decode(&out.bytes, &limits())
            .unwrap()
            .reconstruct()
    });
    let b = three.install(|| {
        Container::decode(&out.bytes, &limits())
            .unwrap()
            .reconstruct()
    });
    assert_eq!(a, b);
    assert_eq!(a, out.image);
}

/// A small valid file (rgb, alpha kept) to corrupt.
fn small_file() -> Vec<u8> {
    let rgba = image::RgbaImage::from_fn(12, 9, |x, y| {
        image::Rgba([(x * 20) as u8, (y * 25) as u8, ((x + y) * 9) as u8, 200])
    });
    svdz(
        &DynamicImage::ImageRgba8(rgba),
        &opts(3, ColorMode::Rgb),
        None,
    )
    .bytes
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = small_file();
    assert!(Container::decode(&bytes, &limits()).is_ok());
    for n in 0..bytes.len() {
        let r = Container::decode(&bytes[..n], &limits());
        assert!(
            r.is_err(),
            "a file cut to {n} of {} bytes decoded",
            bytes.len()
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let e = Container::decode(&longer, &limits())
        .unwrap_err()
        .to_string();
    assert!(e.contains("unexpected bytes"), "{e}");
}

#[test]
fn every_single_bit_flip_is_an_error() {
    // Every byte is covered by a checksum, a tag, or a length that is checked.
    let bytes = small_file();
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        assert!(
            Container::decode(&b, &limits()).is_err(),
            "flipping bit {bit} went unnoticed"
        );
    }
}

#[test]
fn random_corruption_never_panics() {
    let bytes = small_file();
    let mut rng = XorShift(0x5eed_cafe);
    for _ in 0..3000 {
        let mut b = bytes.clone();
        let flips = 1 + rng.next_u64() % 8;
        for _ in 0..flips {
            let i = (rng.next_u64() % b.len() as u64) as usize;
            b[i] = rng.next_u64() as u8;
        }
        if rng.next_u64() % 4 == 0 {
            let n = (rng.next_u64() % b.len() as u64) as usize;
            b.truncate(n);
        }
        // Must return, Ok or Err, without panicking; Ok only if the result renders.
        if let Ok(c) = Container::decode(&b, &limits()) {
            let _ = c.reconstruct();
        }
    }
}

/// A header with the given fields and a valid checksum.
fn header_bytes(width: u32, height: u32, ranks: &[u32]) -> Vec<u8> {
    let h = Header {
        width,
        height,
        bit_depth: 8,
        color: ColorMode::Rgb,
        grey_input: false,
        alpha: None,
        tolerance: 1.0,
        ranks: ranks.to_vec(),
    };
    let mut out = Vec::new();
    h.write(&mut out);
    out
}

#[test]
fn huge_dimensions_are_refused_before_allocating() {
    // The tracker sees allocations on this thread.
    LARGEST.with(|l| l.set(0));
    let v = std::hint::black_box(vec![1u8; 10_000]);
    assert!(LARGEST.with(Cell::get) >= 10_000);
    drop(v);
    let bytes = header_bytes(u32::MAX, u32::MAX, &[u32::MAX; 3]);
    LARGEST.with(|l| l.set(0));
    let no_limit = DecodeLimits {
        max_pixels: u64::MAX,
    };
    let e = Container::decode(&bytes, &no_limit).unwrap_err();
    let largest = LARGEST.with(Cell::get);
    assert!(matches!(e, svdimg::Error::Limits(_)), "{e}");
    assert!(
        largest < 4096,
        "allocated {largest} bytes for a hostile header"
    );
    // Within the side limit but above the pixel limit.
    let e = Container::decode(&header_bytes(20_000, 20_000, &[1; 3]), &limits()).unwrap_err();
    assert!(e.to_string().contains("exceed"), "{e}");
}

#[test]
fn a_section_claiming_a_huge_payload_is_refused_before_allocating() {
    // A valid 4000×4000 header at rank 4000, then a plane section claiming 4 GiB − 1 raw bytes.
    let mut bytes = header_bytes(4000, 4000, &[4000, 0, 0]);
    bytes.extend_from_slice(b"PLNE");
    bytes.extend_from_slice(&8u32.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&[0; 8]).to_le_bytes());
    bytes.extend_from_slice(&[0; 8]);
    LARGEST.with(|l| l.set(0));
    let e = Container::decode(&bytes, &limits()).unwrap_err();
    let largest = LARGEST.with(Cell::get);
    assert!(e.to_string().contains("outside"), "{e}");
    assert!(largest < 4096, "allocated {largest} bytes");
    // A claim within range but a frame that does not deliver it: no allocation of the claim.
    let mut bytes = header_bytes(4000, 4000, &[4000, 0, 0]);
    let frame = zstd::bulk::compress(&[7u8; 100], 3).unwrap();
    bytes.extend_from_slice(b"PLNE");
    bytes.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&(4000u32 * 8014).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&frame).to_le_bytes());
    bytes.extend_from_slice(&frame);
    LARGEST.with(|l| l.set(0));
    let e = Container::decode(&bytes, &limits()).unwrap_err();
    let largest = LARGEST.with(Cell::get);
    assert!(e.to_string().contains("wrong length"), "{e}");
    assert!(largest < 1 << 20, "allocated {largest} bytes");
}

#[test]
fn other_files_are_not_svdz() {
    let png = std::fs::read(sample("camera.png")).unwrap();
    let e = Container::decode(&png, &limits()).unwrap_err().to_string();
    assert!(e.contains("wrong magic"), "{e}");
    let mut v = header_bytes(10, 10, &[1, 1, 1]);
    v[8] = 9;
    let e = Container::decode(&v, &limits()).unwrap_err().to_string();
    assert!(e.contains("version 9"), "{e}");
}

#[test]
fn budgets_fit_and_spend_the_bytes_well() {
    let img = photo(120, 90, 5);
    let o = opts(1, ColorMode::Rgb);
    for budget in [
        Budget::Bytes(1500),
        Budget::Bytes(6000),
        Budget::BitsPerPixel(2.0),
    ] {
        let out = container::compress_image_to_svdz(
            &img,
            &container::SvdzOptions {
                compress: o.clone(),
                tolerance: None,
                budget: Some(budget),
            },
            &NoProgress,
        )
        .unwrap();
        let cap = budget.bytes(120, 90) as usize;
        assert!(
            out.bytes.len() <= cap,
            "{budget:?}: {} bytes",
            out.bytes.len()
        );
        // Nearly all of the budget is used: one more term would not fit.
        assert!(
            out.bytes.len() * 10 >= cap * 7,
            "{budget:?}: only {} bytes",
            out.bytes.len()
        );
        assert_eq!(
            Container::decode(&out.bytes, &limits())
                .unwrap()
                .reconstruct(),
            out.image
        );
    }
    let small = container::compress_image_to_svdz(
        &img,
        &container::SvdzOptions {
            compress: o.clone(),
            tolerance: None,
            budget: Some(Budget::Bytes(1500)),
        },
        &NoProgress,
    )
    .unwrap();
    let big = container::compress_image_to_svdz(
        &img,
        &container::SvdzOptions {
            compress: o.clone(),
            tolerance: None,
            budget: Some(Budget::Bytes(6000)),
        },
        &NoProgress,
    )
    .unwrap();
    assert!(big.report.base.psnr.unwrap() > small.report.base.psnr.unwrap() + 1.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_small_images_round_trip(
        w in 1u32..24, h in 1u32..24, k in 1usize..30, seed in 1u64..1000,
        color in 0usize..3, grey in any::<bool>(), sixteen in any::<bool>(),
    ) {
        let mut rng = XorShift(seed);
        let img = match (grey, sixteen) {
            (true, false) => DynamicImage::ImageLuma8(image::ImageBuffer::from_fn(w, h, |_, _| {
                image::Luma([rng.next_u64() as u8])
            })),
            (true, true) => DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(w, h, |_, _| {
                image::Luma([rng.next_u64() as u16])
            })),
            (false, _) => photo(w, h, seed),
        };
        let color = [ColorMode::Rgb, ColorMode::YCbCr, ColorMode::Luma][color];
        let out = svdz(&img, &opts(k, color), None);
        let back = Container::decode(&out.bytes, &limits()).unwrap();
        prop_assert_eq!(&back, &out.container);
        prop_assert_eq!(back.reconstruct(), out.image);
        let kk = k.min(w.min(h) as usize);
        prop_assert!(back.header.ranks.iter().all(|&r| r as usize == kk));
        // Every prefix is a valid file that decodes to its own pixels.
        let cut = back.truncated(&vec![kk / 2; back.planes.len()]);
        let bytes = cut.encode().unwrap();
        prop_assert_eq!(Container::decode(&bytes, &limits()).unwrap(), cut);
    }
}

// ---- the command line ----

#[test]
fn cli_compress_decompress_info_truncate() {
    let dir = tmp();
    let d = dir.path();
    let f = |n: &str| d.join(n).display().to_string();
    let input = sample("coffee.png").display().to_string();
    let report = run_json(&[
        "compress",
        &input,
        "--method",
        "exact",
        "-k",
        "40",
        "-o",
        &f("c40.svdz"),
        "--json",
    ]);
    let bytes = std::fs::read(d.join("c40.svdz")).unwrap();
    assert_eq!(report["container"]["file_bytes"], bytes.len());
    let tau = report["container"]["tolerance"].as_f64().unwrap();
    assert!(report["psnr"].as_f64().unwrap() > 25.0);

    let o = run(&["decompress", &f("c40.svdz"), "-o", &f("c40.png")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = image::open(d.join("c40.png")).unwrap();
    let c = Container::decode(&bytes, &limits()).unwrap();
    assert_eq!(
        png,
        c.reconstruct(),
        "the PNG holds exactly the decoded pixels"
    );

    let o = run(&["info", &f("c40.svdz")]);
    let text = stdout(&o);
    assert!(o.status.success());
    for needle in [
        "600×400 rgb",
        "8-bit",
        "bits per pixel",
        "header",
        "R            40",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let info = run_json(&["info", &f("c40.svdz"), "--json"]);
    assert_eq!(info["file_bytes"], bytes.len());
    let sections: u64 = info["planes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["bytes"].as_u64().unwrap())
        .sum::<u64>()
        + info["header_bytes"].as_u64().unwrap();
    assert_eq!(sections, bytes.len() as u64, "sections add up to the file");

    // truncate = compressing at rank 10 directly with the same τ, byte for byte.
    let o = run(&["truncate", &f("c40.svdz"), "-k", "10", "-o", &f("t10.svdz")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tau_s = format!("{tau}");
    let o = run(&[
        "compress",
        &input,
        "--method",
        "exact",
        "-k",
        "10",
        "--tolerance",
        &tau_s,
        "-o",
        &f("c10.svdz"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (t10, c10) = (
        std::fs::read(d.join("t10.svdz")).unwrap(),
        std::fs::read(d.join("c10.svdz")).unwrap(),
    );
    assert_eq!(
        t10, c10,
        "truncate gives the file compress gives at that rank"
    );
    assert!(t10.len() < bytes.len() / 2);
}

#[test]
fn cli_budget_modes() {
    let dir = tmp();
    let out = dir.path().join("b.svdz");
    let png = dir.path().join("p.png");
    common::photo_like(200, 150, 9).save(&png).unwrap();
    let input = png.display().to_string();
    let r = run_json(&[
        "compress",
        &input,
        "--global",
        "--size",
        "6k",
        "-o",
        s(&out),
        "--json",
    ]);
    let n = std::fs::metadata(&out).unwrap().len();
    assert!(n <= 6_000 && n > 5_000, "{n} bytes for a 6k budget");
    assert_eq!(r["rank_request"], "size 6000 bytes");
    assert_eq!(r["container"]["budget_bytes"], 6000);
    let o = run(&[
        "compress",
        &input,
        "--global",
        "--bpp",
        "0.5",
        "-o",
        &out.display().to_string(),
        "-f",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let n = std::fs::metadata(&out).unwrap().len();
    assert!(
        n <= 200 * 150 / 16 && n > 200 * 150 / 20,
        "{n} bytes for 0.5 bpp"
    );
    // Budgets apply to .svdz only; and they exclude the rank flags.
    let o = run(&["compress", &input, "--size", "30k", "-o", "x.png"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&[
        "compress", &input, "--size", "30k", "-k", "5", "-o", "x.svdz",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn cli_bad_files_fail_cleanly() {
    let dir = tmp();
    let d = dir.path();
    let bad = d.join("bad.svdz");
    let mut bytes = small_file();
    let n = bytes.len();
    bytes[n - 3] ^= 0x10;
    std::fs::write(&bad, &bytes).unwrap();
    let out = d.join("out.png");
    for args in [
        vec![
            "decompress",
            bad.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        vec!["info", bad.to_str().unwrap()],
        vec![
            "truncate",
            bad.to_str().unwrap(),
            "-k",
            "1",
            "-o",
            d.join("t.svdz").to_str().unwrap(),
        ],
    ] {
        let o = run(&args);
        assert_error(args[0], &o, 1, &["bad.svdz: not a valid .svdz file"]);
    }
    assert_eq!(
        common::files_in(d),
        vec!["bad.svdz"],
        "no output, no leftovers"
    );
    // An image is not a .svdz file.
    let o = run(&["info", s(&sample("camera.png"))]);
    assert_error("info camera.png", &o, 1, &["wrong magic"]);
}
