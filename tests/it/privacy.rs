//! Nothing private leaks into outputs: no output file of any command names the folders of whoever
//! made it, the HTML page's "made by" line shows base names, PNG outputs carry no text chunks, and
//! reports name files as given (a relative path stays relative).

use std::path::Path;

use crate::common::{bin, run, s, sample, stderr, stdout, tmp};

const PRIVATE: &str = "alice-private-folder";

/// The chunk types of a PNG file.
fn png_chunks(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&bytes[i + 4..i + 8]).into_owned());
        i += 12 + len;
    }
    out
}

#[test]
fn no_output_names_the_folders_it_came_from() {
    let dir = tmp();
    let private = dir.path().join(PRIVATE);
    let out = private.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let photo = private.join("photo.png");
    image::open(sample("chelsea.png"))
        .unwrap()
        .crop_imm(100, 50, 64, 48)
        .save(&photo)
        .unwrap();
    let o = |name: &str| out.join(name);
    let (c_png, c_gif, c_svdz) = (o("c.png"), o("c.gif"), o("c.svdz"));
    let (l_png, l_gif) = (o("l.png"), o("l.gif"));
    let (g_png, g_csv, g_svg) = (o("g.png"), o("g.csv"), o("g.svg"));
    let (s_svg, s_csv, page) = (o("s.svg"), o("s.csv"), o("p.html"));
    let p = s(&photo);
    let runs: Vec<Vec<&str>> = vec![
        vec!["compress", p, "-k", "5", "-o", s(&c_png)],
        vec!["compress", p, "-k", "5", "-o", s(&c_gif)],
        vec!["compress", p, "-k", "5", "-o", s(&c_svdz)],
        vec!["layers", p, "-n", "3", "-o", s(&l_png), "--gif", s(&l_gif)],
        vec![
            "grid",
            p,
            "--ranks",
            "1,2",
            "-o",
            s(&g_png),
            "--csv",
            s(&g_csv),
            "--plot",
            s(&g_svg),
        ],
        vec!["spectrum", p, "--plot", s(&s_svg), "--csv", s(&s_csv)],
        vec!["html", p, "-o", s(&page)],
    ];
    for args in &runs {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let leaked = bytes
            .windows(PRIVATE.len())
            .any(|w| w == PRIVATE.as_bytes());
        assert!(!leaked, "{} names the private folder", path.display());
        checked += 1;
    }
    assert!(checked >= 10, "{checked} outputs");
    // The page's "made by" line: the command with base names.
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(r#""command":"svdimg html photo.png -o p.html""#),
        "{}",
        &html[html.find("\"command\"").unwrap_or(0)..][..80]
    );
    // PNG outputs carry pixels only: no text, no time, no EXIF.
    for png in [&c_png, &l_png, &g_png] {
        let chunks = png_chunks(&std::fs::read(png).unwrap());
        for chunk in &chunks {
            assert!(
                ["IHDR", "PLTE", "IDAT", "IEND"].contains(&chunk.as_str()),
                "{}: {chunks:?}",
                png.display()
            );
        }
    }
}

#[test]
fn reports_name_files_as_given() {
    let dir = tmp();
    let cwd = dir.path();
    std::fs::create_dir(cwd.join("out")).unwrap();
    image::open(sample("chelsea.png"))
        .unwrap()
        .crop_imm(0, 0, 40, 30)
        .save(cwd.join("photo.png"))
        .unwrap();
    let o = bin()
        .current_dir(cwd)
        .args([
            "compress",
            "photo.png",
            "-k",
            "3",
            "--out-dir",
            "out",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["input"], "photo.png");
    assert_eq!(
        v["output"],
        Path::new("out").join("photo.k3.png").to_str().unwrap()
    );
    let text = stdout(&o);
    assert!(!text.contains(s(cwd)), "an expanded path: {text}");
}
