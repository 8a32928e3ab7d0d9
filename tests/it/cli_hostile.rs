//! Hostile and strange inputs: each gives a clear one-line error naming the file and exit 1, or
//! is processed correctly; never a panic, a hang, a partial output or a huge allocation. Every
//! file is generated here, deterministically.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, assert_error, files_in, run, run_json, s, sample, stderr, stdout, tmp};
use image::DynamicImage;
use serde_json::Value;

struct Case {
    file: PathBuf,
    extra: Vec<String>,
    /// `None`: must be processed; `Some(text)`: must fail with exit 1 and this in the message.
    error: Option<&'static str>,
}

/// Every hostile file, written into `dir`.
fn hostile_set(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, error: Option<&'static str>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        cases.push(Case {
            file: p,
            extra: vec![],
            error,
        });
    };
    let coffee = std::fs::read(sample("chelsea.png")).unwrap();
    add("empty.png", vec![], Some("empty"));
    let mut rng = common::XorShift(99);
    add(
        "random.png",
        (0..4096).map(|_| rng.next_u64() as u8).collect(),
        Some("not an image"),
    );
    add(
        "cut.png",
        coffee[..coffee.len() * 2 / 3].to_vec(),
        Some("truncated"),
    );
    let mut bad_crc = coffee.clone();
    bad_crc[8 + 8 + 13] ^= 1; // the IHDR chunk's CRC
    add("badcrc.png", bad_crc, Some("CRC"));
    add("zero-width.png", common::png_header(0, 16), Some("corrupt"));
    add(
        "zero-height.png",
        common::png_header(16, 0),
        Some("corrupt"),
    );
    add(
        "huge.png",
        common::png_header(100_000, 100_000),
        Some("over the limit"),
    );
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(common::photo_like(30, 20, 1))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    add("no-extension", png.clone(), None);
    add("wrong-extension.jpg", png.clone(), None);
    add("-starts-with-dash.png", png.clone(), None);
    add("фото 🌄.png", png.clone(), None);
    let encode = |img: DynamicImage, format| {
        let mut v = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut v), format)
            .unwrap();
        v
    };
    let black = DynamicImage::ImageRgb8(image::RgbImage::new(40, 30));
    add("black.png", encode(black, image::ImageFormat::Png), None);
    let grey = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
        40,
        30,
        image::Rgb([128, 64, 200]),
    ));
    add("constant.png", encode(grey, image::ImageFormat::Png), None);
    for (w, h) in [(1, 1), (1, 57), (57, 1)] {
        let img = DynamicImage::ImageRgb8(common::photo_like(w, h, 3));
        add(
            &format!("tiny-{w}x{h}.png"),
            encode(img, image::ImageFormat::Png),
            None,
        );
    }
    let mut nan = image::Rgb32FImage::from_fn(20, 12, |x, y| {
        image::Rgb([x as f32 / 20.0, y as f32 / 12.0, 0.5])
    });
    nan.put_pixel(3, 4, image::Rgb([0.1, f32::NAN, 0.2]));
    add(
        "nan.tiff",
        encode(DynamicImage::ImageRgb32F(nan), image::ImageFormat::Tiff),
        Some("non-finite"),
    );
    let mut inf =
        image::Rgb32FImage::from_fn(20, 12, |x, _| image::Rgb([x as f32 / 20.0, 0.3, 0.5]));
    inf.put_pixel(7, 2, image::Rgb([f32::INFINITY, 0.0, 0.2]));
    add(
        "inf.tiff",
        encode(DynamicImage::ImageRgb32F(inf), image::ImageFormat::Tiff),
        Some("non-finite"),
    );
    let ok_float = image::Rgb32FImage::from_fn(20, 12, |x, y| {
        image::Rgb([x as f32 / 20.0, y as f32 / 12.0, 0.5])
    });
    add(
        "float.tiff",
        encode(
            DynamicImage::ImageRgb32F(ok_float),
            image::ImageFormat::Tiff,
        ),
        None,
    );
    let cmyk = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cmyk.jpg"))
        .unwrap();
    add("cmyk.jpg", cmyk, None);
    let mut big = Vec::new();
    DynamicImage::ImageRgb8(common::photo_like(60, 50, 2))
        .write_to(&mut std::io::Cursor::new(&mut big), image::ImageFormat::Png)
        .unwrap();
    let p = dir.join("over-max-pixels.png");
    std::fs::write(&p, big).unwrap();
    cases.push(Case {
        file: p,
        extra: vec!["--max-pixels".into(), "2000".into()],
        error: Some("--max-pixels"),
    });
    let d = dir.join("a-folder.png");
    std::fs::create_dir(&d).unwrap();
    cases.push(Case {
        file: d,
        extra: vec![],
        error: Some("folder with no images"),
    });
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9-latin1.png");
        let p = dir.join(name);
        std::fs::write(&p, &png).unwrap();
        cases.push(Case {
            file: p,
            extra: vec![],
            error: None,
        });
    }
    cases
}

fn compress(case: &Case, out: &Path) -> Output {
    let mut cmd = common::bin();
    cmd.arg("compress")
        .arg("-k")
        .arg("5")
        .arg("--json")
        .arg("-o")
        .arg(out)
        .args(&case.extra);
    cmd.arg("--").arg(&case.file);
    cmd.stdin(std::process::Stdio::null()).output().unwrap()
}

#[test]
fn every_hostile_input_is_handled_and_nothing_panics() {
    let dir = tmp();
    let out_dir = tmp();
    let cases = hostile_set(dir.path());
    let mut panics = 0;
    for (i, case) in cases.iter().enumerate() {
        let out = out_dir.path().join(format!("out{i}.png"));
        let o = compress(case, &out);
        let err = stderr(&o);
        let name = case
            .file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if err.contains("panicked") || o.status.code() == Some(101) {
            panics += 1;
        }
        match case.error {
            Some(cause) => {
                assert_error(&name, &o, 1, &[cause]);
                assert!(
                    err.contains(&*name) || err.contains(&*case.file.to_string_lossy()),
                    "{name} named: {err}"
                );
                assert!(!out.exists(), "{name}: no output");
            }
            None => {
                assert!(o.status.success(), "{name}: {err}");
                let v: Value =
                    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!stdout(&o).contains("NaN"), "{name}");
                for ch in v["channels"].as_array().unwrap() {
                    let kept = ch["energy_kept"].as_f64().unwrap();
                    assert!((0.0..=1.0).contains(&kept), "{name}: energy {kept}");
                }
                assert!(image::open(&out).is_ok(), "{name}: output decodes");
            }
        }
    }
    assert_eq!(panics, 0, "panics across the hostile set");
    // Only complete outputs, no temporaries.
    assert!(files_in(out_dir.path())
        .iter()
        .all(|f| f.starts_with("out") && f.ends_with(".png")));
}

#[test]
fn black_and_constant_images_keep_all_energy() {
    let dir = tmp();
    for (name, img) in [
        ("black.png", image::RgbImage::new(24, 16)),
        (
            "flat.png",
            image::RgbImage::from_pixel(24, 16, image::Rgb([200, 10, 90])),
        ),
    ] {
        let p = dir.path().join(name);
        img.save(&p).unwrap();
        let v = run_json(&[
            "compress",
            s(&p),
            "-k",
            "1",
            "--json",
            "-o",
            s(&dir.path().join(format!("o-{name}"))),
        ]);
        for ch in v["channels"].as_array().unwrap() {
            assert!(
                ch["energy_kept"].as_f64().unwrap() >= 1.0 - 1e-9,
                "{name}: {}",
                ch["energy_kept"]
            );
        }
        assert_eq!(v["psnr"], Value::Null, "{name}: rank 1 is exact");
        assert_eq!(v["ssim"], 1.0, "{name}");
    }
}

/// Runs svdimg, killing it after `limit` (a hang is a failure, not a stuck test run).
fn run_within(args: &[&str], limit: std::time::Duration) -> Output {
    let mut child = common::bin()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the svdimg binary runs");
    let start = std::time::Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("svdimg {} still ran after {limit:?}", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn images_of_low_rank_large_enough_for_the_partial_svd_finish() {
    // 240×160 is past the partial SVD's minimum size: on these planes its Krylov space runs
    // out, which once made it loop for ever.
    let dir = tmp();
    let (w, h) = (240, 160);
    let images = [
        ("black.png", image::RgbaImage::new(w, h)),
        (
            "flat.png",
            image::RgbaImage::from_pixel(w, h, image::Rgba([200, 10, 90, 255])),
        ),
        (
            "ramp.png",
            image::RgbaImage::from_fn(w, h, |x, _| {
                let v = (x * 255 / (w - 1)) as u8;
                image::Rgba([v, 255 - v, 40, v])
            }),
        ),
        (
            "stripes.png",
            image::RgbaImage::from_fn(w, h, |x, y| {
                let v = if (x / 7 + y / 11) % 2 == 0 { 30 } else { 220 };
                image::Rgba([v, v, 255 - v, 255])
            }),
        ),
    ];
    for (name, img) in images {
        let p = dir.path().join(name);
        img.save(&p).unwrap();
        for (k, alpha) in [("1", "keep"), ("7", "compress"), ("50", "keep")] {
            let out = dir.path().join(format!("o-{k}-{name}"));
            let o = run_within(
                &[
                    "compress",
                    s(&p),
                    "-k",
                    k,
                    "--alpha",
                    alpha,
                    "--method",
                    "partial",
                    "--json",
                    "-o",
                    s(&out),
                ],
                std::time::Duration::from_secs(60),
            );
            assert!(o.status.success(), "{name} -k {k}: {}", stderr(&o));
            let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(v["method"], "partial", "{name} -k {k}");
            // Rank 2 or less everywhere: from rank 2 on, the output is the input.
            if k != "1" || name == "black.png" || name == "flat.png" {
                assert_eq!(v["psnr"], Value::Null, "{name} -k {k}: {}", v["psnr"]);
                assert!(
                    image::open(&out).unwrap().to_rgba8() == img,
                    "{name} -k {k}"
                );
            }
        }
    }
}

#[test]
fn unwritable_folder_and_full_disk_leave_nothing() {
    let dir = tmp();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    // Root writes anywhere: then use a folder nobody can create files in.
    let unwritable = if std::fs::write(locked.join("probe"), b"x").is_ok() {
        PathBuf::from("/proc/self")
    } else {
        locked.clone()
    };
    let o = run(&[
        "compress",
        s(&sample("chelsea.png")),
        "-k",
        "5",
        "-o",
        s(&unwritable.join("o.png")),
    ]);
    assert_error("unwritable", &o, 1, &["cannot write"]);
    assert!(!unwritable.join("o.png").exists());

    // A disk that fills up: the file-size limit makes every write past 8 KiB fail (EFBIG).
    let out_dir = dir.path().join("full");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("o.png");
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec \"$0\" compress '{}' -k 50 -o '{}'",
        sample("coffee.png").display(),
        out.display()
    );
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_svdimg"))
        .output()
        .unwrap();
    assert_error("full disk", &o, 1, &["cannot write"]);
    assert!(
        files_in(&out_dir).is_empty(),
        "no partial file: {:?}",
        files_in(&out_dir)
    );
}
