//! Shared test harness: the built binary and its JSON reports, one-line errors, temporary
//! folders, sample paths, written images, deterministic fixtures. Used by the `it` test binary
//! and by `tests/browser/` (which takes only part of it).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{DynamicImage, RgbaImage};
use serde_json::Value;

/// The `svdimg` binary built for this test run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_svdimg"))
}

/// Runs the binary with `args` and no stdin.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the svdimg binary runs")
}

/// A path as the argument the command line takes.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Runs the binary with `args` (which ask for `--json`), asserts exit 0 and returns stdout
/// parsed as one JSON object.
#[track_caller]
pub fn run_json(args: &[&str]) -> Value {
    let o = run(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("one JSON object on stdout")
}

/// `svdimg compress INPUT -k K -o OUT --force --json EXTRA…`: the report (exit 0 asserted).
#[track_caller]
pub fn compress_json(input: &Path, k: usize, out: &Path, extra: &[&str]) -> Value {
    let ks = k.to_string();
    let mut args = vec![
        "compress",
        s(input),
        "-k",
        &ks,
        "-o",
        s(out),
        "--force",
        "--json",
    ];
    args.extend_from_slice(extra);
    run_json(&args)
}

/// `svdimg compress -k K --method exact` (plus `extra`) into `dir/cK.png`: the written 8-bit
/// samples (grey or RGB, as [`samples8`]), the reported PSNR and the whole report.
#[track_caller]
pub fn compress_exact(input: &Path, k: usize, extra: &[&str], dir: &Path) -> (Vec<u8>, f64, Value) {
    let out = dir.join(format!("c{k}.png"));
    let mut args = vec!["--method", "exact"];
    args.extend_from_slice(extra);
    let report = compress_json(input, k, &out, &args);
    let psnr = report["psnr"].as_f64().expect("lossy at this rank");
    (samples8(&out), psnr, report)
}

/// `svdimg html INPUT -o OUT --force --json EXTRA…`: the page's report (exit 0 asserted).
#[track_caller]
pub fn html_page(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["html", s(input), "-o", s(out), "--force", "--json"];
    args.extend_from_slice(extra);
    run_json(&args)
}

/// Asserts that a run failed as svdimg's own errors do: exit `code`, nothing on stdout, and one
/// line on stderr that starts with "error: " and mentions every one of `needles`. `what` names
/// the case in the messages. Returns the line. (Usage errors from the argument parser span
/// several lines and are not checked with this.)
#[track_caller]
pub fn assert_error(what: &str, o: &Output, code: i32, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(err.starts_with("error: "), "{what}: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{what}: {err:?} should mention {needle:?}"
        );
    }
    assert!(o.stdout.is_empty(), "{what}: printed {}", stdout(o));
    err
}

/// Sends SIGINT (Ctrl-C) to `child` after `ms` milliseconds and waits for it; asserts that it
/// was interrupted (130) or had finished already (0) and returns its output.
pub fn interrupt_after(child: std::process::Child, ms: u64) -> Output {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let o = child.wait_with_output().expect("the child ends");
    assert!(
        matches!(o.status.code(), Some(130 | 0)),
        "{:?} {}",
        o.status,
        stderr(&o)
    );
    o
}

/// A bundled sample photo.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A fresh temporary folder, removed when dropped.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// stdout as UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Files in a folder, sorted (temporary leftovers included, so tests can assert there are none).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("folder readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Saves `img` as `dir/name` (the format from the extension) and returns its path.
pub fn save(img: impl Into<DynamicImage>, dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    img.into().save(&p).expect("fixture written");
    p
}

/// Every sample of an 8- or 16-bit image as f64, interleaved as stored.
pub fn samples_any(img: &DynamicImage) -> Vec<f64> {
    match img {
        DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => img
            .as_bytes()
            .chunks_exact(2)
            .map(|b| f64::from(u16::from_ne_bytes([b[0], b[1]])))
            .collect(),
        _ => img.as_bytes().iter().map(|&b| f64::from(b)).collect(),
    }
}

/// A written image as 8-bit RGBA.
pub fn open_rgba(p: &Path) -> RgbaImage {
    image::open(p).expect("output decodes").to_rgba8()
}

/// A written image's 8-bit samples: grey if it has one channel, RGB otherwise.
pub fn samples8(p: &Path) -> Vec<u8> {
    let img = image::open(p).expect("output decodes");
    if img.color().channel_count() == 1 {
        img.to_luma8().into_raw()
    } else {
        img.to_rgb8().into_raw()
    }
}

/// Pixels differ by at most one level, and only in under 0.5 % of samples (where the unrounded
/// value lies within the quantization error of a rounding boundary). Returns that fraction.
#[track_caller]
pub fn assert_close_pixels(page: &[u8], reference: &[u8], what: &str) -> f64 {
    assert_eq!(page.len(), reference.len(), "{what}: sizes");
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
    fraction
}

/// An SVG plot's data series: polylines of three points or more, counted by stroke colour and
/// opacity (legend samples have two points, axes are black).
pub fn svg_series(doc: &roxmltree::Document<'_>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("polyline")) {
        let stroke = n.attribute("stroke").unwrap_or("");
        let points = n
            .attribute("points")
            .unwrap_or("")
            .split_whitespace()
            .count();
        if stroke != "#000000" && points >= 3 {
            let key = format!("{stroke}/{}", n.attribute("opacity").unwrap_or("1"));
            *out.entry(key).or_insert(0) += 1;
        }
    }
    out
}

/// A deterministic xorshift generator (no rand dependency in tests).
pub struct XorShift(pub u64);

impl XorShift {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform on [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (sum of 12 uniforms − 6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

/// A photo-like RGB test image: smooth gradients, a few edges, mild noise; deterministic.
pub fn photo_like(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut rng = XorShift(seed.max(1));
    image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f64 / width as f64, y as f64 / height as f64);
        let base = 0.5 + 0.3 * (6.0 * fx).sin() * (4.0 * fy).cos();
        let edge = if (fx - 0.6).powi(2) + (fy - 0.4).powi(2) < 0.04 {
            0.3
        } else {
            0.0
        };
        let n = 0.03 * rng.normal();
        let c = |k: f64| ((base + edge * k + n).clamp(0.0, 1.0) * 255.0).round() as u8;
        image::Rgb([c(1.0), c(-0.5), c(0.2)])
    })
}

/// [`photo_like`] with an alpha channel of `alpha(x, y)`.
pub fn photo_with_alpha(
    width: u32,
    height: u32,
    seed: u64,
    alpha: impl Fn(u32, u32) -> u8,
) -> RgbaImage {
    let photo = photo_like(width, height, seed);
    RgbaImage::from_fn(width, height, |x, y| {
        let p = photo.get_pixel(x, y).0;
        image::Rgba([p[0], p[1], p[2], alpha(x, y)])
    })
}

/// A PNG chunk with its CRC (for hand-made, possibly hostile, PNG files).
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = 0xFFFF_FFFFu32;
    for &b in kind.iter().chain(data) {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    let mut v = (data.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(data);
    v.extend_from_slice(&(!c).to_be_bytes());
    v
}

/// A PNG whose header claims `width` × `height` (8-bit RGB) with an empty image stream.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend(png_chunk(b"IHDR", &ihdr));
    v.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    v.extend(png_chunk(b"IEND", &[]));
    v
}
