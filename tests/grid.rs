//! `svdimg grid`: the sheet's geometry, tiles equal to `compress` output, labels, CSV/JSON
//! numbers equal to `compress --json`, plots, odd inputs and bad rank lists.

mod common;

use std::path::Path;

use common::{run, sample, stderr, stdout, tmp};
use image::{DynamicImage, GenericImageView, RgbaImage};
use serde_json::Value;

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("one JSON object on stdout")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The tile of cell `i` (0 = original) of a sheet, `w × h` pixels, as RGBA.
fn tile(sheet: &RgbaImage, layout: &Value, i: usize, w: u32, h: u32) -> RgbaImage {
    let n = |k: &str| layout[k].as_u64().unwrap() as u32;
    let cols = n("columns");
    let (r, c) = (i as u32 / cols, i as u32 % cols);
    let x = n("gap") + c * (n("tile_width") + n("gap")) + (n("tile_width") - w) / 2;
    let y = n("gap") + r * (n("tile_height") + n("label_height") + n("gap"));
    sheet.view(x, y, w, h).to_image()
}

fn compress_json(input: &Path, k: usize, out: &Path) -> Value {
    json(&run(&[
        "compress",
        s(input),
        "-k",
        &k.to_string(),
        "--method",
        "exact",
        "-o",
        s(out),
        "--json",
    ]))
}

#[test]
fn tiles_are_the_pixels_of_compress_and_numbers_match_its_report() {
    let dir = tmp();
    let input = sample("chelsea.png"); // 451×300 RGB
    let sheet_path = dir.path().join("grid.png");
    let csv_path = dir.path().join("curve.csv");
    let report = json(&run(&[
        "grid",
        s(&input),
        "--ranks",
        "1,5,20",
        "--tile-width",
        "451",
        "--cols",
        "2",
        "--method",
        "exact",
        "-o",
        s(&sheet_path),
        "--csv",
        s(&csv_path),
        "--json",
    ]));
    assert_eq!(report["schema"], "svdimg.grid/1");
    let layout = &report["layout"];
    assert_eq!(layout["tile_width"], 451);
    assert_eq!(layout["tile_height"], 300);
    let sheet = image::open(&sheet_path).unwrap().to_rgba8();
    let original = image::open(&input).unwrap().to_rgba8();
    assert!(
        tile(&sheet, layout, 0, 451, 300) == original,
        "cell 0 is the original"
    );

    let ranks = report["ranks"].as_array().unwrap();
    assert_eq!(ranks.len(), 3);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let csv_lines: Vec<&str> = csv.lines().collect();
    assert_eq!(csv_lines.len(), 4, "header and one line per rank");
    let header: Vec<&str> = csv_lines[0].split(',').collect();
    for (i, (entry, k)) in ranks.iter().zip([1usize, 5, 20]).enumerate() {
        assert_eq!(entry["rank"], k);
        let out = dir.path().join(format!("k{k}.png"));
        let c = compress_json(&input, k, &out);
        let compressed = image::open(&out).unwrap().to_rgba8();
        assert!(
            tile(&sheet, layout, i + 1, 451, 300) == compressed,
            "the rank-{k} tile has the pixels of compress -k {k}"
        );
        for key in ["psnr", "ssim", "mse", "storage_ratio", "stored_values"] {
            assert_eq!(entry[key], c[key], "{key} at rank {k}");
        }
        let (mut kept, mut total) = (0.0, 0.0);
        for (gc, cc) in entry["channels"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["channels"].as_array().unwrap())
        {
            for key in [
                "name",
                "rank",
                "energy_kept",
                "predicted_error",
                "measured_error",
            ] {
                assert_eq!(gc[key], cc[key], "channel {key} at rank {k}");
            }
            let e = cc["energy_total"].as_f64().unwrap();
            kept += cc["energy_kept"].as_f64().unwrap() * e;
            total += e;
        }
        let overall = entry["energy_kept"].as_f64().unwrap();
        assert!(
            (overall - kept / total).abs() < 1e-12,
            "{overall} vs {}",
            kept / total
        );

        // The CSV line carries the same numbers.
        let fields: Vec<&str> = csv_lines[i + 1].split(',').collect();
        assert_eq!(fields.len(), header.len());
        let col = |name: &str| fields[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(col("rank"), k.to_string());
        for (name, key) in [
            ("psnr_db", "psnr"),
            ("ssim", "ssim"),
            ("mse", "mse"),
            ("storage_ratio", "storage_ratio"),
            ("energy_kept", "energy_kept"),
        ] {
            let v: f64 = col(name).parse().unwrap();
            let j = entry[key].as_f64().unwrap();
            // serde_json's float parsing may be one ulp off Rust's own.
            assert!(
                (v - j).abs() <= 1e-14 * j.abs(),
                "CSV {name} at rank {k}: {v} vs {j}"
            );
        }
        let g: f64 = col("energy_kept_G").parse().unwrap();
        let j = c["channels"][1]["energy_kept"].as_f64().unwrap();
        assert!((g - j).abs() <= 1e-14, "{g} vs {j}");
    }
}

#[test]
fn sheet_size_follows_from_tiles_columns_and_labels_and_scaled_tiles_match() {
    let dir = tmp();
    let input = sample("coffee.png"); // 600×400
    let sheet_path = dir.path().join("grid.png");
    let report = json(&run(&[
        "grid",
        s(&input),
        "--method",
        "exact",
        "--ranks",
        "2,4,8,16",
        "--tile-width",
        "200",
        "--cols",
        "3",
        "-o",
        s(&sheet_path),
        "--json",
    ]));
    let l = &report["layout"];
    let n = |k: &str| l[k].as_u64().unwrap() as u32;
    let (gap, label) = (n("gap"), n("label_height"));
    assert_eq!((n("columns"), n("rows")), (3, 2), "5 cells in rows of 3");
    assert_eq!(n("tile_height"), 133, "400·200/600 rounded");
    // Three lines of text of at least 11 px, and not a page of blank space.
    assert!((33..=90).contains(&label), "label height {label}");
    let sheet = image::open(&sheet_path).unwrap();
    assert_eq!(sheet.width(), 3 * 200 + 4 * gap);
    assert_eq!(sheet.height(), 2 * (133 + label) + 3 * gap);
    assert_eq!((n("width"), n("height")), sheet.dimensions());

    // A scaled tile is the compress output reduced the same way (area averaging).
    let out = dir.path().join("k8.png");
    let _ = compress_json(&input, 8, &out);
    let scaled = svdimg::resample::downscale(&image::open(&out).unwrap().to_rgba8(), 200, 133);
    assert!(tile(&sheet.to_rgba8(), l, 3, 200, 133) == scaled);

    // The default layout is landscape.
    let auto = json(&run(&[
        "grid",
        s(&input),
        "--ranks",
        "1,5,10,20,50,100",
        "-o",
        s(&dir.path().join("auto.png")),
        "--json",
    ]));
    let (w, h) = (
        auto["layout"]["width"].as_u64().unwrap(),
        auto["layout"]["height"].as_u64().unwrap(),
    );
    assert!(w > h, "{w}×{h} is landscape");
}

#[test]
fn every_label_strip_has_anti_aliased_text_and_the_gaps_stay_blank() {
    let dir = tmp();
    let sheet_path = dir.path().join("grid.png");
    let report = json(&run(&[
        "grid",
        s(&sample("camera.png")),
        "--ranks",
        "1,10,100",
        "--tile-width",
        "240",
        "-o",
        s(&sheet_path),
        "--json",
    ]));
    let l = &report["layout"];
    let n = |k: &str| l[k].as_u64().unwrap() as u32;
    let sheet = image::open(&sheet_path).unwrap().to_rgba8();
    for i in 0..4u32 {
        let (r, c) = (i / n("columns"), i % n("columns"));
        let x = n("gap") + c * (n("tile_width") + n("gap"));
        let y = n("gap") + r * (n("tile_height") + n("label_height") + n("gap")) + n("tile_height");
        let strip = sheet
            .view(x, y, n("tile_width"), n("label_height"))
            .to_image();
        let dark = strip.pixels().filter(|p| p.0[0] < 100).count();
        let grey = strip
            .pixels()
            .filter(|p| p.0[0] > 30 && p.0[0] < 225)
            .count();
        assert!(dark > 80, "cell {i}: {dark} dark pixels in the label");
        assert!(grey > 100, "cell {i}: edges are anti-aliased ({grey})");
    }
    // The top margin is background.
    assert!((0..sheet.width()).all(|x| sheet.get_pixel(x, 0).0 == [255, 255, 255, 255]));
}

#[test]
fn auto_ranks_sit_at_the_energy_milestones() {
    let dir = tmp();
    let input = sample("coffee.png");
    let grid = json(&run(&[
        "grid",
        s(&input),
        "-o",
        s(&dir.path().join("g.png")),
        "--json",
    ]));
    assert_eq!(grid["rank_request"], "auto");
    let spectrum = json(&run(&["spectrum", s(&input), "--json"]));
    let ranks = grid["ranks"].as_array().unwrap();
    let ks: Vec<u64> = ranks.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert!(
        ks.windows(2).all(|w| w[0] < w[1]),
        "ascending, no repeats: {ks:?}"
    );
    for (fraction, label) in [
        (0.9, "90% energy"),
        (0.99, "99% energy"),
        (0.999, "99.9% energy"),
    ] {
        let expected = spectrum["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["milestones"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["energy"].as_f64() == Some(fraction))
                    .unwrap()["rank"]
                    .as_u64()
                    .unwrap()
            })
            .max()
            .unwrap();
        let entry = ranks
            .iter()
            .find(|r| r["rank"].as_u64() == Some(expected))
            .unwrap_or_else(|| panic!("rank {expected} for {label} in {ks:?}"));
        for ch in entry["channels"].as_array().unwrap() {
            assert!(ch["energy_kept"].as_f64().unwrap() >= fraction);
        }
    }
    // Percent steps fill in: 10% of 400 = 40 is far from every milestone of this photo.
    assert!(ranks.iter().any(|r| r["reason"] == "10% of 400"), "{ks:?}");
}

#[test]
fn quality_plots_have_one_series_per_metric_and_panel() {
    let dir = tmp();
    let input = sample("coffee.png");
    let svg = dir.path().join("curve.svg");
    let png = dir.path().join("curve.png");
    let o = run(&[
        "grid",
        s(&input),
        "--ranks",
        "1,5,10,20",
        "-o",
        s(&dir.path().join("g.png")),
        "--plot",
        s(&svg),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let series = common_series(&doc);
    assert_eq!(series.len(), 2, "PSNR and SSIM: {series:?}");
    assert!(
        series.values().all(|&n| n == 2),
        "each in both panels: {series:?}"
    );
    let texts: String = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for needle in ["PSNR (dB)", "SSIM", "rank", "storage ratio", "coffee.png"] {
        assert!(texts.contains(needle), "{needle} in the plot's text");
    }

    let o = run(&[
        "grid",
        s(&input),
        "--ranks",
        "1,5,10,20",
        "-o",
        s(&dir.path().join("g2.png")),
        "--plot",
        s(&png),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(&png).expect("the PNG plot decodes");
    assert_eq!(img.dimensions(), (1200, 520));
    let colours: std::collections::HashSet<[u8; 4]> =
        img.to_rgba8().pixels().map(|p| p.0).collect();
    assert!(colours.len() > 50, "drawn, not blank");
}

/// Polylines of three points or more, counted by stroke colour and opacity (legend samples have
/// two points, axes are black).
pub fn common_series(doc: &roxmltree::Document<'_>) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
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

#[test]
fn grey_rgba_and_one_pixel_high_inputs_work_and_clamping_is_said() {
    let dir = tmp();
    let grey = dir.path().join("grey.png");
    DynamicImage::ImageLuma8(image::GrayImage::from_fn(40, 30, |x, y| {
        image::Luma([((x * 5 + y * 3) % 256) as u8])
    }))
    .save(&grey)
    .unwrap();
    let rgba = dir.path().join("rgba.png");
    let photo = common::photo_like(48, 32, 7);
    DynamicImage::ImageRgba8(RgbaImage::from_fn(48, 32, |x, y| {
        let p = photo.get_pixel(x, y).0;
        image::Rgba([p[0], p[1], p[2], (x * 5) as u8])
    }))
    .save(&rgba)
    .unwrap();
    let row = dir.path().join("row.png");
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 1, |x, _| {
        image::Rgb([x as u8 * 4, 100, 200 - x as u8])
    }))
    .save(&row)
    .unwrap();
    let column = dir.path().join("column.png");
    DynamicImage::ImageLuma8(image::GrayImage::from_fn(1, 50, |_, y| {
        image::Luma([y as u8 * 5])
    }))
    .save(&column)
    .unwrap();

    for (input, max_rank) in [(&grey, 30u64), (&rgba, 32), (&row, 1), (&column, 1)] {
        let out = dir.path().join(format!(
            "{}.grid.png",
            input.file_stem().unwrap().to_string_lossy()
        ));
        let o = run(&[
            "grid",
            s(input),
            "--ranks",
            "1,2,100",
            "-o",
            s(&out),
            "--json",
        ]);
        assert!(o.status.success(), "{}: {}", input.display(), stderr(&o));
        assert!(
            stderr(&o).contains("clamped"),
            "clamping is said: {}",
            stderr(&o)
        );
        let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(r["rank_clamped"], true);
        assert_eq!(r["max_rank"], max_rank);
        let ks: Vec<u64> = r["ranks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["rank"].as_u64().unwrap())
            .collect();
        let expected: Vec<u64> = if max_rank == 1 {
            vec![1]
        } else {
            vec![1, 2, max_rank]
        };
        assert_eq!(ks, expected, "{}", input.display());
        let sheet = image::open(&out).unwrap();
        assert_eq!(
            sheet.dimensions(),
            (
                r["layout"]["width"].as_u64().unwrap() as u32,
                r["layout"]["height"].as_u64().unwrap() as u32,
            )
        );
        // Grey inputs give a grey sheet (every pixel is), colour ones an RGB or RGBA sheet.
        let grey_input = input == &grey || input == &column;
        assert_eq!(
            sheet.color(),
            match (grey_input, input == &rgba) {
                (true, _) => image::ColorType::L8,
                (false, true) => image::ColorType::Rgba8,
                (false, false) => image::ColorType::Rgb8,
            },
            "{}",
            input.display()
        );
        // At the full rank the reconstruction is the input again.
        let last = r["ranks"].as_array().unwrap().last().unwrap();
        assert!(last["psnr"].is_null() || last["psnr"].as_f64().unwrap() > 40.0);
    }

    // Alpha is kept: the sheet has it, and the full-size RGBA tile equals compress output.
    let out = dir.path().join("rgba-full.png");
    let r = json(&run(&[
        "grid",
        s(&rgba),
        "--ranks",
        "3",
        "--tile-width",
        "64",
        "-o",
        s(&out),
        "--json",
    ]));
    let sheet = image::open(&out).unwrap();
    assert!(sheet.color().has_alpha());
    let k3 = dir.path().join("k3.png");
    let _ = compress_json(&rgba, 3, &k3);
    // 48 px wide tiles are enlarged (nearest neighbour) to 64 × 43: compare the scaled output.
    let expected = image::imageops::resize(
        &image::open(&k3).unwrap().to_rgba8(),
        64,
        43,
        image::imageops::FilterType::Nearest,
    );
    assert!(tile(&sheet.to_rgba8(), &r["layout"], 1, 64, 43) == expected);
}

#[test]
fn bad_rank_lists_are_usage_errors() {
    let dir = tmp();
    let out = dir.path().join("g.png");
    for bad in ["0", "-3", "abc", "", "5,,10", "1,0"] {
        let o = run(&[
            "grid",
            s(&sample("chelsea.png")),
            "--ranks",
            bad,
            "-o",
            s(&out),
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("error") && err.contains("--ranks"),
            "{bad:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(common::files_in(dir.path()).is_empty(), "nothing written");
}

#[test]
fn existing_outputs_are_kept_without_force() {
    let dir = tmp();
    let out = dir.path().join("g.png");
    std::fs::write(&out, b"keep me").unwrap();
    let o = run(&[
        "grid",
        s(&sample("chelsea.png")),
        "--ranks",
        "1",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let o = run(&[
        "grid",
        s(&sample("chelsea.png")),
        "--ranks",
        "1",
        "-o",
        s(&out),
        "--force",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(image::open(&out).is_ok());
}

/// Tiles of every kind of layout (grey, grey + alpha, RGB, RGBA with alpha kept or compressed,
/// luma of a colour image) and method (exact; partial, whose planes are factorized one per
/// thread while finished planes already make their tiles) are the `compress` output reduced to
/// the tile, and carry its numbers.
#[test]
fn reduced_tiles_of_every_layout_are_compress_outputs_and_carry_its_numbers() {
    let dir = tmp();
    let photo = common::photo_like(180, 150, 11);
    let rgb = dir.path().join("rgb.png");
    DynamicImage::ImageRgb8(photo.clone()).save(&rgb).unwrap();
    let rgba = dir.path().join("rgba.png");
    DynamicImage::ImageRgba8(RgbaImage::from_fn(180, 150, |x, y| {
        let p = photo.get_pixel(x, y).0;
        image::Rgba([p[0], p[1], p[2], ((x + 2 * y) % 256) as u8])
    }))
    .save(&rgba)
    .unwrap();
    let grey = dir.path().join("grey.png");
    DynamicImage::ImageRgb8(photo.clone())
        .to_luma8()
        .save(&grey)
        .unwrap();
    let grey_alpha = dir.path().join("grey_alpha.png");
    DynamicImage::ImageRgba8(image::open(&rgba).unwrap().to_rgba8())
        .to_luma_alpha8()
        .save(&grey_alpha)
        .unwrap();
    let cases: [(&Path, &[&str]); 7] = [
        (&rgb, &[]),
        (&rgba, &[]),
        (&rgba, &["--alpha", "compress"]),
        (&grey, &[]),
        (&grey_alpha, &["--alpha", "compress"]),
        (&grey_alpha, &[]),
        (&rgb, &["--color", "luma"]),
    ];
    for (input, extra) in cases {
        for method in ["exact", "partial"] {
            let what = format!("{} {extra:?} {method}", input.display());
            let sheet_path = dir.path().join("sheet.png");
            let mut args = vec![
                "grid",
                s(input),
                "--ranks",
                "3,12",
                "--tile-width",
                "90",
                "--method",
                method,
                "-o",
                s(&sheet_path),
                "--force",
                "--json",
            ];
            args.extend_from_slice(extra);
            let report = json(&run(&args));
            let out = dir.path().join("k12.png");
            let mut args = vec![
                "compress",
                s(input),
                "-k",
                "12",
                "--method",
                method,
                "-o",
                s(&out),
                "--force",
                "--json",
            ];
            args.extend_from_slice(extra);
            let c = json(&run(&args));
            let layout = &report["layout"];
            assert_eq!(layout["tile_height"], 75, "{what}");
            let sheet = image::open(&sheet_path).unwrap().to_rgba8();
            let want = svdimg::resample::downscale(&image::open(&out).unwrap().to_rgba8(), 90, 75);
            assert!(tile(&sheet, layout, 2, 90, 75) == want, "{what}: tile");
            let entry = &report["ranks"][1];
            assert_eq!(entry["rank"], 12);
            for key in ["psnr", "ssim", "mse", "storage_ratio"] {
                assert_eq!(entry[key], c[key], "{what}: {key}");
            }
            let channels = c["channels"].as_array().unwrap();
            assert_eq!(entry["channels"].as_array().unwrap().len(), channels.len());
            for (gc, cc) in entry["channels"].as_array().unwrap().iter().zip(channels) {
                for key in ["name", "energy_kept", "predicted_error", "measured_error"] {
                    assert_eq!(gc[key], cc[key], "{what}: channel {key}");
                }
            }
        }
    }
}

/// `--ranks auto` learns its ranks from the spectrum, after the SVD; its tiles too are the
/// `compress` outputs reduced, with its numbers.
#[test]
fn auto_rank_tiles_are_compress_outputs_too() {
    let dir = tmp();
    let photo = common::photo_like(180, 150, 5);
    let input = dir.path().join("rgba.png");
    DynamicImage::ImageRgba8(RgbaImage::from_fn(180, 150, |x, y| {
        let p = photo.get_pixel(x, y).0;
        image::Rgba([p[0], p[1], p[2], ((3 * x + y) % 256) as u8])
    }))
    .save(&input)
    .unwrap();
    let sheet_path = dir.path().join("sheet.png");
    let report = json(&run(&[
        "grid",
        s(&input),
        "--ranks",
        "auto",
        "--tile-width",
        "90",
        "--method",
        "exact",
        "-o",
        s(&sheet_path),
        "--json",
    ]));
    let sheet = image::open(&sheet_path).unwrap().to_rgba8();
    let ranks = report["ranks"].as_array().unwrap();
    assert!(ranks.len() >= 3, "{}", ranks.len());
    for (i, entry) in ranks.iter().enumerate().step_by(2) {
        let k = entry["rank"].as_u64().unwrap() as usize;
        let out = dir.path().join(format!("k{k}.png"));
        let c = compress_json(&input, k, &out);
        let want = svdimg::resample::downscale(&image::open(&out).unwrap().to_rgba8(), 90, 75);
        assert!(
            tile(&sheet, &report["layout"], i + 1, 90, 75) == want,
            "rank {k}: tile"
        );
        for key in ["psnr", "ssim", "mse"] {
            assert_eq!(entry[key], c[key], "rank {k}: {key}");
        }
    }
}
