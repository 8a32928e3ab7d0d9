//! `svdimg grid`: the sheet's geometry, tiles equal to `compress` output, labels, CSV/JSON
//! numbers equal to `compress --json`, plots, bad rank lists; odd inputs and every layout in
//! [`layouts`].

mod layouts;

use std::path::Path;

use crate::common::{self, compress_json, open_rgba, run, run_json, s, sample, stderr, tmp};
use image::{GenericImageView, RgbaImage};
use serde_json::Value;

/// The tile of cell `i` (0 = original) of a sheet, `w × h` pixels, as RGBA.
fn tile(sheet: &RgbaImage, layout: &Value, i: usize, w: u32, h: u32) -> RgbaImage {
    let n = |k: &str| layout[k].as_u64().unwrap() as u32;
    let cols = n("columns");
    let (r, c) = (i as u32 / cols, i as u32 % cols);
    let x = n("gap") + c * (n("tile_width") + n("gap")) + (n("tile_width") - w) / 2;
    let y = n("gap") + r * (n("tile_height") + n("label_height") + n("gap"));
    sheet.view(x, y, w, h).to_image()
}

/// `svdimg compress -k K --method exact` into `out`: the report.
fn compress_exact_json(input: &Path, k: usize, out: &Path) -> Value {
    compress_json(input, k, out, &["--method", "exact"])
}

#[test]
fn tiles_are_the_pixels_of_compress_and_numbers_match_its_report() {
    let dir = tmp();
    let input = sample("chelsea.png"); // 451×300 RGB
    let sheet_path = dir.path().join("grid.png");
    let csv_path = dir.path().join("curve.csv");
    let report = run_json(&[
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
    ]);
    assert_eq!(report["schema"], "svdimg.grid/1");
    let layout = &report["layout"];
    assert_eq!(layout["tile_width"], 451);
    assert_eq!(layout["tile_height"], 300);
    let sheet = open_rgba(&sheet_path);
    let original = open_rgba(&input);
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
        let c = compress_exact_json(&input, k, &out);
        let compressed = open_rgba(&out);
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
    let report = run_json(&[
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
    ]);
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
    let _ = compress_exact_json(&input, 8, &out);
    let scaled = svdimg::resample::downscale(&open_rgba(&out), 200, 133);
    assert!(tile(&sheet.to_rgba8(), l, 3, 200, 133) == scaled);

    // The default layout is landscape.
    let auto = run_json(&[
        "grid",
        s(&input),
        "--ranks",
        "1,5,10,20,50,100",
        "-o",
        s(&dir.path().join("auto.png")),
        "--json",
    ]);
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
    let report = run_json(&[
        "grid",
        s(&sample("camera.png")),
        "--ranks",
        "1,10,100",
        "--tile-width",
        "240",
        "-o",
        s(&sheet_path),
        "--json",
    ]);
    let l = &report["layout"];
    let n = |k: &str| l[k].as_u64().unwrap() as u32;
    let sheet = open_rgba(&sheet_path);
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
    let grid = run_json(&[
        "grid",
        s(&input),
        "-o",
        s(&dir.path().join("g.png")),
        "--json",
    ]);
    assert_eq!(grid["rank_request"], "auto");
    let spectrum = run_json(&["spectrum", s(&input), "--json"]);
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
    let grid_with_plot = |sheet: &str, plot: &Path| {
        let o = run(&[
            "grid",
            s(&input),
            "--ranks",
            "1,5,10,20",
            "-o",
            s(&dir.path().join(sheet)),
            "--plot",
            s(plot),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    grid_with_plot("g.png", &svg);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let series = common::svg_series(&doc);
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

    grid_with_plot("g2.png", &png);
    let img = image::open(&png).expect("the PNG plot decodes");
    assert_eq!(img.dimensions(), (1200, 520));
    let colours: std::collections::HashSet<[u8; 4]> =
        img.to_rgba8().pixels().map(|p| p.0).collect();
    assert!(colours.len() > 50, "drawn, not blank");
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
    common::assert_error("existing output", &o, 1, &["already exists"]);
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
