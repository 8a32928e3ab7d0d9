//! No silent damage: inputs cut short in every format that svdimg reads are refused with a
//! one-line error and exit 1, never compressed as a partly grey image. The fixtures are made here
//! from a sample with the `image` crate's encoders; the progressive JPEG, which no Rust encoder
//! here writes, is `tests/fixtures/progressive.jpg`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{assert_error, run, s, sample, stdout, tmp};

/// The formats, as (name, complete file bytes).
fn fixtures(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let img = image::open(sample("chelsea.png"))
        .expect("sample decodes")
        .crop_imm(150, 60, 120, 80);
    let mut out = Vec::new();
    for (name, ext) in [
        ("png", "png"),
        ("baseline jpeg", "jpg"),
        ("webp", "webp"),
        ("bmp", "bmp"),
        ("tiff", "tiff"),
        ("gif", "gif"),
    ] {
        let p = dir.join(format!("whole.{ext}"));
        img.save(&p).expect("fixture written");
        out.push((name, std::fs::read(&p).expect("fixture read")));
    }
    let progressive = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/progressive.jpg");
    out.push((
        "progressive jpeg",
        std::fs::read(progressive).expect("fixture"),
    ));
    out
}

/// Where to cut a file of `len` bytes: every byte of the first 24 (signatures and headers), 40
/// points spread over the rest, and every one of the last 16 bytes (end markers, trailers and
/// padding, where decoders that already have their pixels stop reading).
fn offsets(len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..24).collect();
    v.extend((1..40).map(|i| len * i / 40));
    v.extend(len - 16..len);
    v.retain(|&o| o > 0 && o < len);
    v.sort_unstable();
    v.dedup();
    v
}

/// Writes the cut files and returns their paths with their offsets.
fn cut_files(dir: &Path, tag: &str, bytes: &[u8]) -> Vec<(usize, PathBuf)> {
    offsets(bytes.len())
        .into_iter()
        .map(|o| {
            let p = dir.join(format!("{tag}-{o:06}.img"));
            std::fs::write(&p, &bytes[..o]).expect("cut file written");
            (o, p)
        })
        .collect()
}

#[test]
fn every_format_cut_anywhere_is_refused() {
    let dir = tmp();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in fixtures(dir.path()) {
        let tag = name.replace(' ', "-");
        // The whole file is fine.
        let whole = dir.path().join(format!("{tag}-whole.img"));
        std::fs::write(&whole, &bytes).unwrap();
        let o = run(&["compress", s(&whole), "-k", "5", "--out-dir", s(&out), "-q"]);
        assert!(
            o.status.success(),
            "{name} whole: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Every cut, given by name in one batch: each one an error, no output, exit 1.
        let cuts = cut_files(dir.path(), &tag, &bytes);
        let mut args = vec!["compress", "-k", "5", "--out-dir", s(&out), "--json"];
        args.extend(cuts.iter().map(|(_, p)| s(p)));
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{name}: exit code");
        let lines: Vec<Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON Lines"))
            .collect();
        assert_eq!(lines.len(), cuts.len(), "{name}: one line per file");
        let accepted: Vec<usize> = cuts
            .iter()
            .zip(&lines)
            .filter(|(_, line)| line["status"] != "error")
            .map(|((offset, _), _)| *offset)
            .collect();
        if !accepted.is_empty() {
            failures.push(format!(
                "{name} ({} bytes) cut at {accepted:?}",
                bytes.len()
            ));
        }
        let written: Vec<String> = crate::common::files_in(&out)
            .into_iter()
            .filter(|f| f.starts_with(&format!("{tag}-0")))
            .collect();
        if !written.is_empty() {
            failures.push(format!("{name}: outputs of cut files: {written:?}"));
        }
        eprintln!("{name}: {} bytes, {} cuts tried", bytes.len(), cuts.len());
    }
    assert!(
        failures.is_empty(),
        "compressed although cut short: {failures:#?}"
    );
}

#[test]
fn cut_photo_is_one_line_error_and_exit_1() {
    // The case: a 1920×1280 baseline JPEG, its first 20 kB.
    let dir = tmp();
    let big = image::open(sample("astronaut.png")).unwrap().resize_exact(
        1920,
        1280,
        image::imageops::FilterType::Triangle,
    );
    let whole = dir.path().join("photo.jpg");
    big.save(&whole).unwrap();
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("partial.jpg");
    std::fs::write(&cut, &bytes[..20_000]).unwrap();
    let out = dir.path().join("partial.k20.png");
    let o = run(&["compress", s(&cut), "-k", "20", "-o", s(&out)]);
    assert_error("cut JPEG", &o, 1, &["partial.jpg", "truncated JPEG"]);
    assert!(!out.exists(), "no output for a cut file");
    // The progressive fixture cut in the middle: the same.
    let progressive = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/progressive.jpg");
    let bytes = std::fs::read(progressive).unwrap();
    let cut = dir.path().join("partial-progressive.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["compress", s(&cut), "-k", "20", "-o", s(&out)]);
    assert_error("cut progressive JPEG", &o, 1, &["truncated JPEG"]);
}

#[test]
fn corrupt_png_is_refused() {
    // A byte changed inside the image data: the chunk's CRC no longer matches.
    let dir = tmp();
    let img = image::open(sample("chelsea.png"))
        .unwrap()
        .crop_imm(0, 0, 64, 64);
    let p = dir.path().join("a.png");
    img.save(&p).unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap();
    bytes[idat + 20] ^= 0x55;
    std::fs::write(&p, &bytes).unwrap();
    let o = run(&[
        "compress",
        s(&p),
        "-k",
        "5",
        "-o",
        s(&dir.path().join("b.png")),
    ]);
    assert_error("corrupt PNG", &o, 1, &["a.png"]);
}
