//! `svdimg spectrum`: singular values and energy milestones against numpy, CSV, plots, odd inputs.

use crate::common::{self, run, run_json, s, sample, save, stderr, stdout, tmp};
use image::GenericImageView;
use serde_json::Value;

/// From numpy (`np.linalg.svd(A, compute_uv=False)` on the planes as oracle.py loads them, then
/// the smallest k with cumsum(σ²)/‖A‖² ≥ F) for F = 50, 90, 95, 99, 99.9 %; σ₁…σ₃ from
/// `oracle.py IMG --top 3`. Per channel: (milestone ranks, top three σ, energy).
#[allow(clippy::type_complexity)]
const COFFEE: [([u64; 5], [f64; 3], f64); 3] = [
    (
        [1, 2, 3, 15, 127],
        [310.51522517107634, 72.80637066164711, 37.03119843607889],
        107440.78432910414,
    ),
    (
        [1, 3, 8, 65, 201],
        [176.5330614648927, 66.0542449480259, 36.61214059886901],
        40882.141207228,
    ),
    (
        [1, 7, 20, 100, 241],
        [111.12958583199172, 49.15734886458496, 40.565844946533076],
        20125.9225528643,
    ),
];
#[allow(clippy::type_complexity)]
const CAMERA: [([u64; 5], [f64; 3], f64); 1] = [(
    [1, 2, 3, 21, 128],
    [278.2981758381081, 66.88074931294832, 52.21529648074877],
    89015.00935024983,
)];

fn check_against_oracle(report: &Value, oracle: &[([u64; 5], [f64; 3], f64)], r: usize) {
    assert_eq!(report["schema"], "svdimg.spectrum/2");
    let channels = report["channels"].as_array().unwrap();
    assert_eq!(channels.len(), oracle.len());
    for (c, (ranks, top, energy)) in channels.iter().zip(oracle) {
        let sv: Vec<f64> = c["singular_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(sv.len(), r, "all min(w, h) values");
        assert!(sv.windows(2).all(|w| w[0] >= w[1]), "non-increasing");
        for (got, want) in sv.iter().zip(top) {
            assert!((got - want).abs() < 1e-5 * want, "σ {got} vs numpy {want}");
        }
        let e = c["energy_total"].as_f64().unwrap();
        // Planes hold f32 samples: 1e-7 relative from rounding k/255.
        assert!((e - energy).abs() < 1e-6 * energy, "energy {e} vs {energy}");
        let got: Vec<(f64, u64)> = c["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["energy"].as_f64().unwrap(), m["rank"].as_u64().unwrap()))
            .collect();
        let fractions = [0.5, 0.9, 0.95, 0.99, 0.999];
        let want: Vec<(f64, u64)> = fractions.into_iter().zip(ranks.iter().copied()).collect();
        assert_eq!(got, want, "channel {}", c["name"]);
    }
}

#[test]
fn milestones_and_values_agree_with_numpy_on_two_samples() {
    let coffee = run_json(&["spectrum", s(&sample("coffee.png")), "--json"]);
    check_against_oracle(&coffee, &COFFEE, 400);
    let camera = run_json(&["spectrum", s(&sample("camera.png")), "--json"]);
    check_against_oracle(&camera, &CAMERA, 512);
    let camera64 = run_json(&[
        "spectrum",
        s(&sample("camera.png")),
        "--precision",
        "f64",
        "--json",
    ]);
    check_against_oracle(&camera64, &CAMERA, 512);
}

#[test]
fn text_shows_the_first_ten_values_and_the_milestone_ranks() {
    let o = run(&["spectrum", s(&sample("coffee.png"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in ["σ₁", "σ₁₀", "310.515", "50%", "99.9%"] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    // The R line of milestones: 1 2 3 15 127.
    let r_line = text
        .lines()
        .filter(|l| l.trim_start().starts_with("R "))
        .nth(1)
        .unwrap();
    let ranks: Vec<&str> = r_line.split_whitespace().skip(1).collect();
    assert_eq!(ranks, ["1", "2", "3", "15", "127"]);
}

#[test]
fn csv_holds_every_value_and_the_cumulative_energy() {
    let dir = tmp();
    let csv = dir.path().join("spectrum.csv");
    let report = run_json(&[
        "spectrum",
        s(&sample("chelsea.png")),
        "--csv",
        s(&csv),
        "--json",
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "i,sigma_R,sigma_G,sigma_B,energy_kept_R,energy_kept_G,energy_kept_B"
    );
    assert_eq!(lines.len(), 301, "header and min(451, 300) lines");
    let sv = report["channels"][1]["singular_values"].as_array().unwrap();
    for (i, line) in lines[1..].iter().enumerate() {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(f[0] as usize, i + 1);
        let g = sv[i].as_f64().unwrap();
        assert!((f[2] - g).abs() <= 1e-12 * g.max(1e-300), "σ_G {i}");
    }
    let last: Vec<f64> = lines[300].split(',').map(|x| x.parse().unwrap()).collect();
    for e in &last[4..] {
        assert!((e - 1.0).abs() < 1e-5, "all energy at full rank: {e}");
    }
}

/// The data series of an SVG plot.
fn series(svg: &str) -> std::collections::BTreeMap<String, usize> {
    common::svg_series(&roxmltree::Document::parse(svg).expect("well-formed SVG"))
}

#[test]
fn plots_have_a_value_series_and_an_energy_series_per_channel() {
    let dir = tmp();
    let svg = dir.path().join("spectrum.svg");
    let o = run(&["spectrum", s(&sample("coffee.png")), "--plot", s(&svg)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    let found = series(&text);
    assert_eq!(found.len(), 6, "σ and energy for R, G, B: {found:?}");
    assert!(found.values().all(|&n| n == 1), "{found:?}");
    for needle in ["σ R", "energy kept B", "log scale", "(%)", "coffee.png"] {
        assert!(text.contains(needle), "{needle} in the SVG");
    }

    let grey = dir.path().join("grey.svg");
    let o = run(&["spectrum", s(&sample("camera.png")), "--plot", s(&grey)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(series(&std::fs::read_to_string(&grey).unwrap()).len(), 2);

    let png = dir.path().join("spectrum.png");
    let o = run(&[
        "spectrum",
        s(&sample("coffee.png")),
        "--plot",
        s(&png),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(&png).expect("the PNG plot decodes");
    assert_eq!(img.dimensions(), (960, 560));
    // Red, green and blue ink all appear.
    let px: Vec<[u8; 4]> = img.to_rgba8().pixels().map(|p| p.0).collect();
    assert!(px.iter().any(|p| p[0] > 180 && p[1] < 80 && p[2] < 80));
    assert!(px.iter().any(|p| p[1] > 130 && p[0] < 80 && p[2] < 80));
    assert!(px.iter().any(|p| p[2] > 150 && p[0] < 60));
}

#[test]
fn grey_alpha_and_one_row_inputs() {
    let dir = tmp();
    let rgba = common::photo_with_alpha(40, 24, 3, |_, y| (y * 10) as u8);
    let rgba = save(rgba, dir.path(), "rgba.png");
    let kept = run_json(&["spectrum", s(&rgba), "--json"]);
    assert_eq!(kept["alpha"], "kept");
    assert_eq!(kept["channels"].as_array().unwrap().len(), 3);
    let with_alpha = run_json(&["spectrum", s(&rgba), "--alpha", "compress", "--json"]);
    let names: Vec<&str> = with_alpha["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["R", "G", "B", "A"]);

    let row = image::GrayImage::from_fn(30, 1, |x, _| image::Luma([x as u8 * 8]));
    let row = save(row, dir.path(), "row.png");
    let plot = dir.path().join("row.svg");
    let r = run_json(&["spectrum", s(&row), "--plot", s(&plot), "--json"]);
    let c = &r["channels"][0];
    assert_eq!(c["singular_values"].as_array().unwrap().len(), 1);
    assert!(c["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["rank"] == 1));
    let sv = c["singular_values"][0].as_f64().unwrap();
    let energy = c["energy_total"].as_f64().unwrap();
    assert!(
        (sv * sv - energy).abs() < 1e-4 * energy,
        "one value holds all the energy"
    );
    assert!(roxmltree::Document::parse(&std::fs::read_to_string(&plot).unwrap()).is_ok());
}

#[test]
fn bad_inputs_and_outputs_are_one_line_errors() {
    let dir = tmp();
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let o = run(&["spectrum", s(&junk)]);
    common::assert_error("junk", &o, 1, &["junk.png"]);

    let o = run(&[
        "spectrum",
        s(&sample("chelsea.png")),
        "--plot",
        s(&dir.path().join("plot.pdf")),
    ]);
    common::assert_error("plot.pdf", &o, 1, &[".svg or .png"]);
    assert_eq!(
        common::files_in(dir.path()),
        ["junk.png"],
        "nothing written"
    );
}
