//! `svdimg compress` end to end: the built binary on real files, checking the files it writes.

use crate::common::{self, assert_error, files_in, run, run_json, s, sample, stderr, stdout, tmp};
use image::{DynamicImage, GenericImageView};
use serde_json::Value;

#[test]
fn compresses_a_sample_and_prints_the_report() {
    let dir = tmp();
    let out = dir.path().join("coffee.k20.png");
    let o = run(&[
        "compress",
        s(&sample("coffee.png")),
        "-k",
        "20",
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "PSNR",
        "SSIM",
        "storage ratio",
        "20/400",
        "energy",
        "predicted",
        "measured",
        "time: decode",
    ] {
        assert!(text.contains(needle), "report lacks {needle}:\n{text}");
    }
    assert_eq!(
        stderr(&o),
        "",
        "no progress bars or warnings without a terminal"
    );
    let img = image::open(&out).unwrap();
    assert_eq!((img.width(), img.height()), (600, 400));
    assert_eq!(img.color(), image::ColorType::Rgb8);
    assert_eq!(files_in(dir.path()), vec!["coffee.k20.png"]);
}

#[test]
fn json_report_holds_the_design_fields() {
    let dir = tmp();
    let out = dir.path().join("c.png");
    let report = dir.path().join("r.json");
    let o = run(&[
        "compress",
        s(&sample("chelsea.png")),
        "-k",
        "10",
        "-o",
        s(&out),
        "--json",
        "--report",
        s(&report),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("stdout is one JSON object");
    let from_file: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v, from_file);
    assert_eq!(v["schema"], "svdimg.compress/1");
    for key in [
        "input",
        "output",
        "width",
        "height",
        "color",
        "bit_depth",
        "method",
        "precision",
        "threads",
        "channels",
        "samples",
        "stored_values",
        "storage_ratio",
        "mse",
        "psnr",
        "ssim",
        "timings_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(451), Some(300))
    );
    let ch = v["channels"].as_array().unwrap();
    assert_eq!(ch.len(), 3);
    for c in ch {
        for key in [
            "name",
            "rows",
            "cols",
            "rank",
            "max_rank",
            "singular_values",
            "energy_total",
            "energy_kept",
            "predicted_error",
            "measured_error",
            "stored_values",
        ] {
            assert!(c.get(key).is_some(), "channel lacks {key}");
        }
        assert_eq!(c["rank"], 10);
        assert_eq!(c["singular_values"].as_array().unwrap().len(), 10);
        assert_eq!(c["stored_values"], 10 * (300 + 451 + 1));
        let (p, m) = (
            c["predicted_error"].as_f64().unwrap(),
            c["measured_error"].as_f64().unwrap(),
        );
        assert!((p - m).abs() < 1e-3 * p, "Eckart–Young: {p} vs {m}");
    }
    for key in ["decode", "factorize", "reconstruct", "metrics", "encode"] {
        assert!(v["timings_ms"][key].as_f64().is_some());
    }
    let samples = 451 * 300 * 3;
    assert_eq!(v["samples"], samples);
    let ratio = samples as f64 / (3 * 10 * 752) as f64;
    assert!((v["storage_ratio"].as_f64().unwrap() - ratio).abs() < 1e-9);
}

#[test]
fn default_output_name_force_and_the_input_is_never_overwritten() {
    let dir = tmp();
    let input = dir.path().join("photo.png");
    std::fs::copy(sample("chelsea.png"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let o = run(&["compress", s(&input), "-k", "5", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("photo.k5.png").is_file());
    // Again without --force: refused, exit 1, file untouched.
    let o = run(&["compress", s(&input), "-k", "5"]);
    assert_error("again", &o, 1, &["already exists"]);
    let o = run(&["compress", s(&input), "-k", "5", "--force"]);
    assert!(o.status.success());
    // The input itself, even with --force.
    let o = run(&["compress", s(&input), "-k", "5", "-o", s(&input), "--force"]);
    assert_error("-o input", &o, 1, &["never overwrites its input"]);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(files_in(dir.path()), vec!["photo.k5.png", "photo.png"]);
}

#[test]
fn bit_depth_alpha_and_layouts_survive() {
    let dir = tmp();
    let w = |name: &str, img: DynamicImage| common::save(img, dir.path(), name);
    let base = common::photo_like(40, 30, 3);
    let rgba16 = image::ImageBuffer::from_fn(40, 30, |x, y| {
        let p = base.get_pixel(x, y).0;
        image::Rgba([
            u16::from(p[0]) * 257,
            u16::from(p[1]) * 257 + 3,
            u16::from(p[2]) * 250,
            (x * 1000 + y) as u16,
        ])
    });
    let cases = [
        (
            w("rgba16.png", DynamicImage::ImageRgba16(rgba16.clone())),
            image::ColorType::Rgba16,
        ),
        (
            w(
                "grey.png",
                DynamicImage::ImageRgb8(base.clone()).grayscale(),
            ),
            image::ColorType::L8,
        ),
        (
            w(
                "greya.png",
                DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(base.clone()).to_rgba8())
                    .into_luma_alpha8()
                    .into(),
            ),
            image::ColorType::La8,
        ),
        (
            w("plain.bmp", DynamicImage::ImageRgb8(base.clone())),
            image::ColorType::Rgb8,
        ),
        (
            w("plain.tiff", DynamicImage::ImageRgb8(base.clone())),
            image::ColorType::Rgb8,
        ),
        (
            w("plain.webp", DynamicImage::ImageRgb8(base.clone())),
            image::ColorType::Rgb8,
        ),
    ];
    for (input, color) in &cases {
        let out = dir.path().join(format!(
            "{}.out.png",
            input.file_name().unwrap().to_str().unwrap()
        ));
        let v = run_json(&["compress", s(input), "-k", "4", "-o", s(&out), "--json"]);
        let img = image::open(&out).unwrap();
        assert_eq!(img.color(), *color, "{}", input.display());
        assert_eq!(img.dimensions(), (40, 30));
        let expect_depth = if *color == image::ColorType::Rgba16 {
            16
        } else {
            8
        };
        assert_eq!(v["bit_depth"], expect_depth);
    }
    // Alpha is carried through exactly.
    let out = image::open(dir.path().join("rgba16.png.out.png"))
        .unwrap()
        .to_rgba16();
    for (a, b) in out.pixels().zip(rgba16.pixels()) {
        assert_eq!(a.0[3], b.0[3]);
    }
}

#[test]
fn reads_by_content_not_by_extension_and_palette_and_gif() {
    let dir = tmp();
    // A BMP named .png.
    let lying = dir.path().join("really-a-bmp.png");
    DynamicImage::ImageRgb8(common::photo_like(20, 16, 4))
        .save_with_format(&lying, image::ImageFormat::Bmp)
        .unwrap();
    let o = run(&[
        "compress",
        s(&lying),
        "-k",
        "3",
        "-o",
        s(&dir.path().join("a.png")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A palette PNG.
    let pal = dir.path().join("palette.png");
    {
        let f = std::fs::File::create(&pal).unwrap();
        let mut e = png::Encoder::new(std::io::BufWriter::new(f), 16, 12);
        e.set_color(png::ColorType::Indexed);
        e.set_depth(png::BitDepth::Eight);
        e.set_palette(vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 250]);
        let mut w = e.write_header().unwrap();
        let data: Vec<u8> = (0..16 * 12).map(|i| ((i / 5) % 4) as u8).collect();
        w.write_image_data(&data).unwrap();
    }
    let v = run_json(&[
        "compress",
        s(&pal),
        "-k",
        "12",
        "-o",
        s(&dir.path().join("p.png")),
        "--json",
    ]);
    assert_eq!(
        v["psnr"],
        Value::Null,
        "full rank of a palette image is lossless"
    );
    // An animated GIF: first frame, with a warning.
    let gif = dir.path().join("anim.gif");
    {
        let f = std::fs::File::create(&gif).unwrap();
        let mut enc = image::codecs::gif::GifEncoder::new(f);
        for seed in [1, 2] {
            let frame = DynamicImage::ImageRgb8(common::photo_like(24, 18, seed)).to_rgba8();
            enc.encode_frame(image::Frame::new(frame)).unwrap();
        }
    }
    let o = run(&[
        "compress",
        s(&gif),
        "-k",
        "2",
        "-o",
        s(&dir.path().join("g.png")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning:") && stderr(&o).contains("first frame"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_inputs_give_one_line_exit_1_and_no_output() {
    let dir = tmp();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("text.png"), b"this is not an image at all").unwrap();
    std::fs::write(p("empty.png"), b"").unwrap();
    let coffee = std::fs::read(sample("coffee.png")).unwrap();
    std::fs::write(p("truncated.png"), &coffee[..coffee.len() / 2]).unwrap();
    std::fs::write(p("zero.png"), common::png_header(0, 10)).unwrap();
    std::fs::write(p("huge.png"), common::png_header(100_000, 100_000)).unwrap();
    std::fs::create_dir(p("folder.png")).unwrap();
    let cases = [
        ("missing.png", "cannot read"),
        ("folder.png", "folder with no images"),
        ("text.png", "not an image"),
        ("empty.png", "empty"),
        ("truncated.png", "truncated"),
        ("zero.png", "corrupt"),
        ("huge.png", "megapixels"),
    ];
    let out_dir = p("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (name, cause) in cases {
        let out = out_dir.join("o.png");
        let o = run(&["compress", s(&p(name)), "-k", "5", "-o", s(&out)]);
        assert_error(name, &o, 1, &[name, cause]);
        assert!(files_in(&out_dir).is_empty(), "{name}: output left behind");
    }
}

#[test]
fn usage_errors_exit_2() {
    let c = s(&sample("coffee.png")).to_string();
    for args in [
        vec!["compress", &c, "-k", "0"],
        vec!["compress", &c, "-k", "abc"],
        vec!["compress", &c, "-k", "-3"],
        vec!["compress", &c, "-k", "150%"],
        vec!["compress", &c, "--energy", "1.5"],
        vec!["compress", &c, "--psnr", "x"],
        vec!["compress", &c, "-k", "5", "--energy", "0.9"],
        vec!["compress"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    let dir = tmp();
    let o = run(&[
        "compress",
        &c,
        "-k",
        "5",
        "-o",
        s(&dir.path().join("x.xyz")),
    ]);
    assert_error("x.xyz", &o, 1, &["cannot write .xyz"]);
    // A percentage where a fraction belongs is named, with the fraction to write instead.
    let o = run(&["compress", &c, "--energy", "99.9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("write 0.999"), "{}", stderr(&o));
}

#[test]
fn rank_modes_from_the_command_line() {
    let dir = tmp();
    let c = s(&sample("coffee.png")).to_string();
    let out = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let v = run_json(&["compress", &c, "-k", "10%", "-o", &out("a.png"), "--json"]);
    assert!(v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .all(|ch| ch["rank"] == 40));
    let v = run_json(&[
        "compress",
        &c,
        "--energy",
        "0.99",
        "-o",
        &out("b.png"),
        "--json",
    ]);
    for ch in v["channels"].as_array().unwrap() {
        assert!(ch["energy_kept"].as_f64().unwrap() >= 0.99);
    }
    let v = run_json(&[
        "compress",
        &c,
        "--psnr",
        "30",
        "-o",
        &out("c.png"),
        "--json",
    ]);
    let discarded: f64 = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ch| ch["predicted_error"].as_f64().unwrap().powi(2))
        .sum();
    let predicted_psnr = 10.0 * (v["samples"].as_f64().unwrap() / discarded).log10();
    assert!(predicted_psnr >= 30.0, "{predicted_psnr}");
    let v = run_json(&[
        "compress",
        &c,
        "--ratio",
        "10",
        "-o",
        &out("d.png"),
        "--json",
    ]);
    assert!(v["storage_ratio"].as_f64().unwrap() >= 10.0);
    let ranks: Vec<u64> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ch| ch["rank"].as_u64().unwrap())
        .collect();
    let terms: u64 = ranks.iter().sum();
    let budget = 600.0 * 400.0 * 3.0 / 10.0;
    assert!(
        terms as f64 * 1001.0 <= budget && (terms + 1) as f64 * 1001.0 > budget,
        "{ranks:?}"
    );
    let v = run_json(&["compress", &c, "-k", "5000", "-o", &out("e.png"), "--json"]);
    assert_eq!(v["rank_clamped"], true);
    assert_eq!(v["psnr"], Value::Null, "full rank reconstructs exactly");
}

#[test]
fn colour_modes() {
    let dir = tmp();
    let c = s(&sample("chelsea.png")).to_string();
    for (mode, color) in [
        ("luma", image::ColorType::L8),
        ("ycbcr", image::ColorType::Rgb8),
        ("rgb", image::ColorType::Rgb8),
    ] {
        let out = dir.path().join(format!("{mode}.png"));
        let v = run_json(&[
            "compress",
            &c,
            "-k",
            "30",
            "--color",
            mode,
            "-o",
            s(&out),
            "--json",
            "--precision",
            "f64",
        ]);
        assert_eq!(image::open(&out).unwrap().color(), color, "{mode}");
        assert_eq!(v["color"], mode);
        assert_eq!(v["precision"], "f64");
        assert!(v["psnr"].as_f64().unwrap() > 25.0, "{mode}: {}", v["psnr"]);
    }
}

#[test]
fn exif_orientation_is_applied() {
    let dir = tmp();
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(common::photo_like(40, 20, 8))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    // A big-endian TIFF block with one IFD entry: Orientation (0x0112) = 6, "rotate 90° clockwise".
    let exif = [
        b"MM\0*\0\0\0\x08".as_slice(),
        &[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0],
    ]
    .concat();
    let after_ihdr = 8 + 25;
    let mut with_exif = png[..after_ihdr].to_vec();
    with_exif.extend(common::png_chunk(b"eXIf", &exif));
    with_exif.extend_from_slice(&png[after_ihdr..]);
    let input = dir.path().join("rotated.png");
    std::fs::write(&input, with_exif).unwrap();
    let out = dir.path().join("o.png");
    let o = run(&["compress", s(&input), "-k", "3", "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        image::open(&out).unwrap().dimensions(),
        (20, 40),
        "rotated upright"
    );
}

#[test]
#[cfg(unix)]
fn outputs_are_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let out = dir.path().join("o.png");
    let o = run(&[
        "compress",
        s(&sample("chelsea.png")),
        "-k",
        "3",
        "-o",
        s(&out),
        "-q",
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644
    );
}
