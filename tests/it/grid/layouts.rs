//! `svdimg grid` on odd inputs (grey, RGBA, one pixel high or wide) and on every layout and
//! method: the tiles are the `compress` outputs reduced, with its numbers.

use std::path::Path;

use super::{compress_exact_json, tile};
use crate::common::{self, compress_json, open_rgba, run, run_json, s, save, stderr, stdout, tmp};
use image::{DynamicImage, GenericImageView};
use serde_json::Value;

#[test]
fn grey_rgba_and_one_pixel_high_inputs_work_and_clamping_is_said() {
    let dir = tmp();
    let d = dir.path();
    let grey =
        image::GrayImage::from_fn(40, 30, |x, y| image::Luma([((x * 5 + y * 3) % 256) as u8]));
    let grey = save(grey, d, "grey.png");
    let rgba = save(
        common::photo_with_alpha(48, 32, 7, |x, _| (x * 5) as u8),
        d,
        "rgba.png",
    );
    let row = image::RgbImage::from_fn(64, 1, |x, _| image::Rgb([x as u8 * 4, 100, 200 - x as u8]));
    let row = save(row, d, "row.png");
    let column = image::GrayImage::from_fn(1, 50, |_, y| image::Luma([y as u8 * 5]));
    let column = save(column, d, "column.png");

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
    let r = run_json(&[
        "grid",
        s(&rgba),
        "--ranks",
        "3",
        "--tile-width",
        "64",
        "-o",
        s(&out),
        "--json",
    ]);
    let sheet = image::open(&out).unwrap();
    assert!(sheet.color().has_alpha());
    let k3 = dir.path().join("k3.png");
    let _ = compress_exact_json(&rgba, 3, &k3);
    // 48 px wide tiles are enlarged (nearest neighbour) to 64 × 43: compare the scaled output.
    let expected = image::imageops::resize(
        &open_rgba(&k3),
        64,
        43,
        image::imageops::FilterType::Nearest,
    );
    assert!(tile(&sheet.to_rgba8(), &r["layout"], 1, 64, 43) == expected);
}

/// Tiles of every kind of layout (grey, grey + alpha, RGB, RGBA with alpha kept or compressed,
/// luma of a colour image) and method (exact; partial, whose planes are factorized one per
/// thread while finished planes already make their tiles) are the `compress` output reduced to
/// the tile, and carry its numbers.
#[test]
fn reduced_tiles_of_every_layout_are_compress_outputs_and_carry_its_numbers() {
    let dir = tmp();
    let d = dir.path();
    let photo = common::photo_like(180, 150, 11);
    let rgb = save(photo.clone(), d, "rgb.png");
    let alpha = |x, y| ((x + 2 * y) % 256) as u8;
    let rgba = save(common::photo_with_alpha(180, 150, 11, alpha), d, "rgba.png");
    let grey = save(DynamicImage::ImageRgb8(photo).to_luma8(), d, "grey.png");
    let grey_alpha = DynamicImage::ImageRgba8(open_rgba(&rgba)).to_luma_alpha8();
    let grey_alpha = save(grey_alpha, d, "grey_alpha.png");
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
            let report = run_json(&args);
            let out = dir.path().join("k12.png");
            let c = compress_json(input, 12, &out, &[&["--method", method], extra].concat());
            let layout = &report["layout"];
            assert_eq!(layout["tile_height"], 75, "{what}");
            let sheet = open_rgba(&sheet_path);
            let want = svdimg::resample::downscale(&open_rgba(&out), 90, 75);
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
    let alpha = |x, y| ((3 * x + y) % 256) as u8;
    let input = save(
        common::photo_with_alpha(180, 150, 5, alpha),
        dir.path(),
        "rgba.png",
    );
    let sheet_path = dir.path().join("sheet.png");
    let report = run_json(&[
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
    ]);
    let sheet = open_rgba(&sheet_path);
    let ranks = report["ranks"].as_array().unwrap();
    assert!(ranks.len() >= 3, "{}", ranks.len());
    for (i, entry) in ranks.iter().enumerate().step_by(2) {
        let k = entry["rank"].as_u64().unwrap() as usize;
        let out = dir.path().join(format!("k{k}.png"));
        let c = compress_exact_json(&input, k, &out);
        let want = svdimg::resample::downscale(&open_rgba(&out), 90, 75);
        assert!(
            tile(&sheet, &report["layout"], i + 1, 90, 75) == want,
            "rank {k}: tile"
        );
        for key in ["psnr", "ssim", "mse"] {
            assert_eq!(entry[key], c[key], "rank {k}: {key}");
        }
    }
}
