//! `svdimg layers`: the layers add up to the image, the sheet's partial sums are exactly what
//! `compress -k i` writes, the sheet has the documented size, and the GIF has the requested
//! frames with increasing PSNR (measured here on the decoded frames).

use std::path::Path;

use crate::common::{
    assert_error, compress_json, files_in, open_rgba, photo_like, run, run_json, s, save, stderr,
    tmp,
};
use image::{AnimationDecoder, DynamicImage, RgbaImage};
use svdimg::animation::LABEL_BAR_HEIGHT;
use svdimg::layers::{layer_planes, GAP, HEADER_HEIGHT, LABEL_HEIGHT};
use svdimg::reconstruct::reconstruct;
use svdimg::{factorize_image, FactorizeOptions, NoProgress};

/// PSNR (peak 255) between the R, G and B samples of two equally sized pictures.
fn psnr(a: &RgbaImage, b: &RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut sq = 0.0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for c in 0..3 {
            let d = f64::from(p.0[c]) - f64::from(q.0[c]);
            sq += d * d;
        }
    }
    let mse = sq / (a.width() * a.height() * 3) as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// The `w`×`h` picture at (`x`, `y`) of `img`, every `step`-th pixel (undoing a whole enlargement).
fn crop(img: &RgbaImage, x: u32, y: u32, w: u32, h: u32, step: u32) -> RgbaImage {
    RgbaImage::from_fn(w, h, |i, j| *img.get_pixel(x + i * step, y + j * step))
}

#[test]
fn all_layers_add_up_to_the_full_reconstruction() {
    let img = DynamicImage::ImageRgb8(photo_like(24, 16, 7));
    let fz = factorize_image(&img, &FactorizeOptions::default(), usize::MAX, &NoProgress).unwrap();
    let r = 16;
    for (p, f) in fz.factors.iter().enumerate() {
        assert_eq!(f.rank(), r);
        let full = reconstruct(f, r, faer::Par::Seq);
        let mut sum = faer::Mat::<f32>::zeros(16, 24);
        for i in 0..r {
            sum += &layer_planes(&fz, i)[p];
        }
        let plane = &fz.planes.planes[p];
        for j in 0..24 {
            for i in 0..16 {
                let (s, a, x) = (sum[(i, j)], full[(i, j)], plane[(i, j)]);
                assert!((s - a).abs() < 1e-4, "plane {p} ({i}, {j}): {s} vs {a}");
                assert!(
                    (s - x).abs() < 1e-4,
                    "the layers rebuild the plane: {s} vs {x}"
                );
            }
        }
    }
    // A rank-one layer has rank one: every 2×2 minor vanishes.
    let l = &layer_planes(&fz, 2)[0];
    let minor = l[(0, 0)] * l[(5, 7)] - l[(0, 7)] * l[(5, 0)];
    assert!(minor.abs() < 1e-5, "{minor}");
}

#[test]
fn sheet_partial_sums_are_the_pixels_compress_writes() {
    let dir = tmp();
    let input = save(photo_like(64, 48, 3), dir.path(), "in.png");
    let sheet = dir.path().join("sheet.png");
    let (count, tile) = (4u32, 64u32);
    let j = run_json(&[
        "layers",
        s(&input),
        "--count",
        "4",
        "--tile",
        "64",
        "-o",
        s(&sheet),
        "--json",
    ]);
    assert_eq!(j["schema"], "svdimg.layers/2");
    let img = open_rgba(&sheet);
    // Documented geometry: the 64×48 image fits the 64-pixel box as it is.
    let (tw, th) = (64, 48);
    let width = GAP + count * (tile + GAP);
    let height = GAP + 2 * (HEADER_HEIGHT + th + LABEL_HEIGHT + GAP);
    assert_eq!(img.dimensions(), (width, height));
    assert_eq!(
        (j["sheet"]["width"].as_u64(), j["sheet"]["height"].as_u64()),
        (Some(u64::from(width)), Some(u64::from(height)))
    );
    assert_eq!(j["layers"].as_array().unwrap().len(), 4);
    for i in 1..=count {
        let out = dir.path().join(format!("k{i}.png"));
        let c = compress_json(&input, i as usize, &out, &[]);
        let x = GAP + (i - 1) * (tile + GAP) + (tile - tw) / 2;
        let y = GAP + (HEADER_HEIGHT + th + LABEL_HEIGHT + GAP) + HEADER_HEIGHT;
        let tile_pixels = crop(&img, x, y, tw, th, 1);
        assert!(
            tile_pixels == open_rgba(&out),
            "A_{i} differs from compress -k {i}"
        );
        let entry = &j["layers"][(i - 1) as usize];
        assert_eq!(entry["index"], i);
        assert_eq!(entry["psnr"], c["psnr"], "PSNR of A_{i}");
        let kept: f64 = c["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ch| ch["energy_kept"].as_f64().unwrap() * ch["energy_total"].as_f64().unwrap())
            .sum::<f64>()
            / c["channels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|ch| ch["energy_total"].as_f64().unwrap())
                .sum::<f64>();
        assert!((entry["energy_cumulative"].as_f64().unwrap() - kept).abs() < 1e-9);
        let sigmas = entry["singular_values"].as_array().unwrap();
        assert_eq!(sigmas.len(), 3);
        assert_eq!(
            sigmas[0],
            c["channels"][0]["singular_values"][(i - 1) as usize]
        );
    }
    // The first layer of a photo is its largest: shares fall, cumulative energy rises.
    let shares: Vec<f64> = (0..4)
        .map(|i| j["layers"][i]["energy_share"].as_f64().unwrap())
        .collect();
    assert!(shares[0] > shares[1] && shares[1] > 0.0, "{shares:?}");
}

#[test]
fn small_grey_images_are_enlarged_by_whole_factors() {
    let dir = tmp();
    let grey = DynamicImage::ImageRgb8(photo_like(40, 30, 5)).to_luma8();
    let input = save(grey, dir.path(), "grey.png");
    let sheet = dir.path().join("sheet.png");
    let j = run_json(&[
        "layers",
        s(&input),
        "-n",
        "3",
        "--tile",
        "96",
        "-o",
        s(&sheet),
        "--json",
        "--layer-view",
        "channels",
    ]);
    // 40×30 in a 96-pixel box: enlarged 2× to 80×60, centred in a 96-pixel column.
    let (count, tile, tw, th) = (3, 96, 80, 60);
    let img = open_rgba(&sheet);
    assert_eq!(
        img.dimensions(),
        (
            GAP + count * (tile + GAP),
            GAP + 2 * (HEADER_HEIGHT + th + LABEL_HEIGHT + GAP)
        )
    );
    assert_eq!(
        (
            j["sheet"]["tile_width"].as_u64(),
            j["sheet"]["tile_height"].as_u64()
        ),
        (Some(80), Some(60))
    );
    assert_eq!(j["sheet"]["layer_view"], "channels");
    let out = dir.path().join("k2.png");
    compress_json(&input, 2, &out, &[]);
    let x = GAP + (tile + GAP) + (tile - tw) / 2;
    let y = GAP + (HEADER_HEIGHT + th + LABEL_HEIGHT + GAP) + HEADER_HEIGHT;
    assert!(
        crop(&img, x, y, 40, 30, 2) == open_rgba(&out),
        "A_2 of a grey image"
    );
    // In the channels view a grey layer is grey, 0.5 + x / (2·max |x|): mid-grey at zero.
    let layer = crop(&img, GAP + (tile - tw) / 2, GAP + HEADER_HEIGHT, 40, 30, 2);
    assert!(layer.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    let extremes = layer
        .pixels()
        .filter(|p| p.0[0] == 0 || p.0[0] == 255)
        .count();
    assert!(extremes > 0, "each layer is scaled to its own max |value|");
}

fn gif_frames(path: &Path) -> Vec<RgbaImage> {
    let f = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let decoder = image::codecs::gif::GifDecoder::new(f).expect("a GIF");
    decoder
        .into_frames()
        .collect_frames()
        .expect("every frame decodes")
        .into_iter()
        .map(image::Frame::into_buffer)
        .collect()
}

#[test]
fn gif_has_the_requested_frames_with_increasing_psnr() {
    let dir = tmp();
    let grey = DynamicImage::ImageRgb8(photo_like(120, 80, 11)).to_luma8();
    let input = save(grey, dir.path(), "g.png");
    let original = open_rgba(&input);
    let gif = dir.path().join("build-up.gif");
    let j = run_json(&[
        "layers",
        s(&input),
        "--gif",
        s(&gif),
        "--frames",
        "6",
        "--gif-size",
        "240",
        "--json",
    ]);
    assert!(j["sheet"].is_null());
    let a = &j["animation"];
    assert_eq!(
        (a["width"].as_u64(), a["height"].as_u64()),
        (Some(240), Some(u64::from(160 + LABEL_BAR_HEIGHT)))
    );
    let bytes = std::fs::read(&gif).unwrap();
    let loops = bytes
        .windows(16)
        .any(|w| w[..11] == *b"NETSCAPE2.0" && w[11..] == [3, 1, 0, 0, 0]);
    assert!(loops, "a NETSCAPE2.0 block with loop count 0 (forever)");
    let frames = gif_frames(&gif);
    assert_eq!(frames.len(), 6);
    let mut previous = 0.0;
    for (n, frame) in frames.iter().enumerate() {
        assert_eq!(frame.dimensions(), (240, 160 + LABEL_BAR_HEIGHT));
        let picture = crop(frame, 0, 0, 120, 80, 2);
        let rank = a["frames"][n]["rank"].as_u64().unwrap();
        if n + 1 < frames.len() {
            let measured = psnr(&picture, &original);
            assert!(
                measured > previous + 0.1,
                "frame {n} (rank {rank}): {measured} after {previous}"
            );
            // Greyscale frames fit a 256-colour palette exactly: the labelled PSNR is the GIF's.
            let reported = a["frames"][n]["psnr"].as_f64().unwrap();
            assert!(
                (measured - reported).abs() < 1e-6,
                "{measured} vs {reported}"
            );
            previous = measured;
        } else {
            assert_eq!(rank, 80, "the last frame is full rank");
            assert!(picture == original, "full rank rebuilds the image exactly");
        }
    }
    let ranks: Vec<u64> = a["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks[0], 1);
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
}

#[test]
fn colour_gif_stops_at_max_rank_and_sheet_can_come_too() {
    let dir = tmp();
    let input = save(photo_like(64, 48, 9), dir.path(), "c.png");
    let (gif, sheet) = (dir.path().join("a.gif"), dir.path().join("s.png"));
    let j = run_json(&[
        "layers",
        s(&input),
        "--gif",
        s(&gif),
        "--frames",
        "5",
        "--max-rank",
        "20",
        "-o",
        s(&sheet),
        "--count",
        "2",
        "--json",
    ]);
    assert_eq!(gif_frames(&gif).len(), 5);
    assert!(sheet.exists());
    let frames = j["animation"]["frames"].as_array().unwrap();
    assert_eq!(frames[4]["rank"], 20);
    let p: Vec<f64> = frames.iter().map(|f| f["psnr"].as_f64().unwrap()).collect();
    assert!(p.windows(2).all(|w| w[0] < w[1]), "{p:?}");
}

#[test]
fn bad_input_and_usage_leave_nothing_behind() {
    let dir = tmp();
    let not_image = dir.path().join("notes.png");
    std::fs::write(&not_image, b"this is not an image").unwrap();
    let (sheet, gif) = (dir.path().join("s.png"), dir.path().join("a.gif"));
    let out = run(&["layers", s(&not_image), "-o", s(&sheet), "--gif", s(&gif)]);
    assert_error("not an image", &out, 1, &["notes.png"]);
    assert_eq!(files_in(dir.path()), vec!["notes.png"]);

    let input = save(photo_like(32, 24, 1), dir.path(), "in.png");
    let only_input = || files_in(dir.path()) == vec!["in.png", "notes.png"];
    for args in [
        vec!["layers", s(&input)], // no -o and no --gif
        vec!["layers", s(&input), "-o", s(&sheet), "--frames", "5"], // --frames needs --gif
        vec!["layers", s(&input), "-o", s(&sheet), "--count", "0"],
        vec![
            "layers",
            s(&input),
            "-o",
            s(&sheet),
            "--layer-view",
            "sideways",
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(only_input(), "{args:?}");
    }
    let wrong_ext = dir.path().join("a.png");
    let missing_dir = dir.path().join("nowhere").join("s.png");
    for args in [
        vec!["layers", s(&input), "--gif", s(&wrong_ext)],
        vec!["layers", s(&input), "-o", s(&missing_dir)],
        vec!["layers", s(&input), "-o", s(&input)],
        vec!["layers", s(&input), "-o", s(&sheet), "--gif", s(&sheet)],
    ] {
        let out = run(&args);
        assert_error(&format!("{args:?}"), &out, 1, &[]);
        assert!(only_input(), "{args:?}");
    }
    // An existing output is replaced only with --force.
    std::fs::write(&sheet, b"keep me").unwrap();
    let out = run(&["layers", s(&input), "-o", s(&sheet)]);
    assert_error("existing output", &out, 1, &[]);
    assert_eq!(std::fs::read(&sheet).unwrap(), b"keep me");
    let out = run(&["layers", s(&input), "-o", s(&sheet), "--force", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(image::open(&sheet).is_ok());
}
