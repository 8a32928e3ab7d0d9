//! `svdimg explain … --plot`: the geometry of a 2×2 SVD drawn, with the numbers of the text
//! walk-through and of `--json`'s `geometry`.

use crate::common::{assert_error, files_in, run, run_json, s, stdout, tmp};

/// The text of every `<text>` element of an SVG document.
fn svg_texts(path: &std::path::Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).expect("the plot is written");
    let doc = roxmltree::Document::parse(&svg).expect("the plot is well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// `x` with 4 decimals and an angle with 2, as the walk-through writes them.
fn four(x: f64) -> String {
    format!("{x:.4}")
}

#[test]
fn the_figure_carries_the_walk_through_numbers() {
    let dir = tmp();
    let svg = dir.path().join("geometry.svg");
    let j = run_json(&["explain", "4 0; 3 5", "--json", "--plot", s(&svg)]);
    let g = &j["geometry"];
    let angle = g["example"]["angle_deg"].as_f64().unwrap();
    let right = g["singular"]["angle_deg"].as_f64().unwrap();
    assert!((right - 90.0).abs() < 1e-9, "{right}");
    assert!((angle - 69.444).abs() < 0.001, "{angle}");
    let (s1, s2) = (
        g["sigma"][0].as_f64().unwrap(),
        g["sigma"][1].as_f64().unwrap(),
    );
    assert!((s1 - 40f64.sqrt()).abs() < 1e-12 && (s2 - 10f64.sqrt()).abs() < 1e-12);

    let texts = svg_texts(&svg);
    let has = |t: &str| texts.iter().any(|x| x == t);
    assert!(
        has(&format!("angle between Ax and Ay: {angle:.2}°")),
        "{texts:?}"
    );
    assert!(has("angle between σ₁u₁ and σ₂u₂: 90.00°"), "{texts:?}");
    assert!(
        has(&format!("σ₁ = {}, σ₂ = {}", four(s1), four(s2))),
        "{texts:?}"
    );
    let (lx, ly) = (
        g["example"]["ax_length"].as_f64().unwrap(),
        g["example"]["ay_length"].as_f64().unwrap(),
    );
    assert!(has(&format!("|Ax| = {}, |Ay| = {}", four(lx), four(ly))));
    assert!(
        has("Vᵀ reflects") && has("U reflects"),
        "V and U both have det −1 here"
    );

    // The text walk-through says the same numbers, rounded the same way.
    let text = stdout(&run(&["explain", "4 0; 3 5"]));
    assert!(text.contains(&format!(
        "meet at {angle:.2}° (lengths {} and {})",
        four(lx),
        four(ly)
    )));
    assert!(text.contains(&format!(
        "with lengths σ₁ = {} and σ₂ = {}",
        four(s1),
        four(s2)
    )));
    assert!(text.contains("they meet at 90.00°"));
}

#[test]
fn special_shapes_are_named_on_the_figure() {
    let dir = tmp();
    for (m, needle) in [
        ("1 0; 0 1", "σ₁ = σ₂: every pair works"),
        ("1 2; 2 4", "a segment of half-length σ₁ = 5.0000"),
        ("0 1; 1 0", "det A = -1.0000"),
    ] {
        let svg = dir.path().join("g.svg");
        let o = run(&["explain", m, "--plot", s(&svg), "--force"]);
        assert!(o.status.success(), "{m}");
        let texts = svg_texts(&svg);
        assert!(texts.iter().any(|t| t == needle), "{m}: {texts:?}");
    }
    let png = dir.path().join("g.png");
    assert!(run(&["explain", "4 0; 3 5", "--plot", s(&png)])
        .status
        .success());
    let img = image::open(&png).expect("a PNG");
    assert_eq!((img.width(), img.height()), svdimg::plot::GEOMETRY_SIZE);
}

#[test]
fn other_shapes_and_bad_outputs_are_refused() {
    let dir = tmp();
    let svg = dir.path().join("g.svg");
    let o = run(&["explain", "1 2 3; 4 5 6", "--plot", s(&svg)]);
    assert_error("2×3 plot", &o, 2, &["2×2", "2×3"]);
    let o = run(&[
        "explain",
        "4 0; 3 5",
        "--plot",
        s(&dir.path().join("g.pdf")),
    ]);
    assert_error("pdf plot", &o, 2, &[".svg or .png"]);
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
    std::fs::write(&svg, "keep").unwrap();
    let o = run(&["explain", "4 0; 3 5", "--plot", s(&svg)]);
    assert_error("existing plot", &o, 1, &["already exists", "--force"]);
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), "keep");
}

#[test]
fn the_animation_morphs_then_sweeps() {
    use image::AnimationDecoder;
    let dir = tmp();
    let gif = dir.path().join("g.gif");
    let svg = dir.path().join("g.svg");
    let o = run(&["explain", "4 0; 3 5", "--gif", s(&gif), "--plot", s(&svg)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = std::io::BufReader::new(std::fs::File::open(&gif).unwrap());
    let frames = image::codecs::gif::GifDecoder::new(file)
        .unwrap()
        .into_frames()
        .collect_frames()
        .expect("the GIF decodes");
    let e = svdimg::explain::explain(&[vec![4.0, 0.0], vec![3.0, 5.0]], 1).unwrap();
    let g = svdimg::explain::geometry::geometry(&e).unwrap();
    assert_eq!(frames.len(), svdimg::plot::geometry_gif_frames(&g));
    // 1 + 3 × 14 morph frames, then 36 sweep angles (v₁ at 45° is one of them).
    assert_eq!(frames.len(), 1 + 3 * 14 + 36);
    let (w, h) = svdimg::plot::GIF_SIZE;
    assert!(frames.iter().all(|f| f.buffer().dimensions() == (w, h)));
    // The frame where x reaches v₁ holds longer than the others.
    let long: Vec<usize> = frames
        .iter()
        .enumerate()
        .filter(|(_, f)| f.delay().numer_denom_ms().0 >= 1000)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(long.len(), 1, "{long:?}");
    assert!(long[0] > 43, "in the sweep");

    let o = run(&[
        "explain",
        "1 2; 3 4; 5 6",
        "--gif",
        s(&dir.path().join("x.gif")),
    ]);
    assert_error("3×2 gif", &o, 2, &["2×2"]);
    let o = run(&["explain", "4 0; 3 5", "--gif", s(&gif)]);
    assert_error("existing gif", &o, 1, &["already exists"]);
}
