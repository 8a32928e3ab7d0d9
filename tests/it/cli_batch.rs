//! Batch work: folders, templates, one bad file among good ones, JSON Lines in input order,
//! standard input and output, and Ctrl-C leaving nothing partial.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::common::{self, files_in, run, s, stderr, stdout, tmp};
use serde_json::Value;

fn write_photo(dir: &Path, name: &str, w: u32, h: u32, seed: u64) {
    common::save(common::photo_like(w, h, seed), dir, name);
}

#[test]
fn a_folder_with_a_bad_file_and_a_non_image() {
    let dir = tmp();
    let input = dir.path().join("photos");
    std::fs::create_dir_all(input.join("nested")).unwrap();
    for (i, name) in ["b.png", "a.png", "c.png"].iter().enumerate() {
        write_photo(&input, name, 48, 32, i as u64 + 1);
    }
    write_photo(&input.join("nested"), "deep.png", 40, 30, 9);
    std::fs::write(input.join("notes.txt"), "not an image").unwrap();
    let cut = std::fs::read(input.join("c.png")).unwrap();
    std::fs::write(input.join("broken.png"), &cut[..cut.len() / 2]).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();

    let o = run(&[
        "compress",
        s(&input),
        "-k",
        "4",
        "--out-dir",
        s(&out),
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "one failed file → exit 1: {}",
        stderr(&o)
    );
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<String> = lines
        .iter()
        .map(|v| {
            let p = v["input"].as_str().unwrap();
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["a.png", "b.png", "broken.png", "c.png"],
        "input order, sorted folder, one level"
    );
    assert_eq!(lines[2]["status"], "error");
    assert!(lines[2]["error"].as_str().unwrap().contains("truncated"));
    assert!(lines
        .iter()
        .filter(|v| v["status"] == "ok")
        .all(|v| v["channels"][0]["rank"] == 4));
    assert!(
        stderr(&o).contains("broken.png") && stderr(&o).contains("skipped 1"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_in(&out), ["a.k4.png", "b.k4.png", "c.k4.png"]);

    // --recursive, a name template, the summary table.
    let out2 = dir.path().join("out2");
    std::fs::create_dir(&out2).unwrap();
    let o = run(&[
        "compress",
        s(&input),
        "-r",
        "-k",
        "3",
        "--out-dir",
        s(&out2),
        "--name",
        "{stem}-{color}-r{rank}.{ext}",
        "--format",
        "webp",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        files_in(&out2),
        [
            "a-rgb-r3.webp",
            "b-rgb-r3.webp",
            "c-rgb-r3.webp",
            "deep-rgb-r3.webp"
        ]
    );
    let table = stdout(&o);
    assert!(
        table.contains("file") && table.contains("PSNR") && table.contains("ratio"),
        "{table}"
    );
    assert!(
        table.contains("4 of 5 compressed, 1 failed, 1 skipped"),
        "{table}"
    );
}

#[test]
fn outputs_are_the_same_whatever_the_thread_count() {
    let dir = tmp();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for i in 0..4 {
        write_photo(&input, &format!("p{i}.png"), 64, 48, i + 20);
    }
    let mut results = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("out{threads}"));
        std::fs::create_dir(&out).unwrap();
        let o = run(&[
            "compress",
            s(&input),
            "-k",
            "6",
            "--out-dir",
            s(&out),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let images: Vec<Vec<u8>> = files_in(&out)
            .iter()
            .map(|f| image::open(out.join(f)).unwrap().into_bytes())
            .collect();
        results.push(images);
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn bad_name_templates_are_refused() {
    let dir = tmp();
    write_photo(dir.path(), "x.png", 20, 20, 1);
    for template in ["{stem}.{nope}.png", "{stem", "sub/{stem}.png"] {
        let o = run(&[
            "compress",
            s(&dir.path().join("x.png")),
            "--name",
            template,
            "-k",
            "2",
        ]);
        common::assert_error(template, &o, 1, &["template"]);
    }
    assert_eq!(files_in(dir.path()), ["x.png"]);
}

#[test]
fn standard_input_and_output() {
    let dir = tmp();
    let png = std::fs::read(common::sample("chelsea.png")).unwrap();
    let mut child = common::bin()
        .args([
            "compress", "-", "-k", "8", "-o", "-", "--format", "png", "--quiet",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&png).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::load_from_memory(&o.stdout).expect("stdout holds a PNG");
    assert_eq!((img.width(), img.height()), (451, 300));
    // The same pixels as compressing the file.
    let out = dir.path().join("f.png");
    let r = run(&[
        "compress",
        s(&common::sample("chelsea.png")),
        "-k",
        "8",
        "-o",
        s(&out),
    ]);
    assert!(r.status.success());
    assert_eq!(image::open(&out).unwrap(), img);

    // stdin to a file, with the JSON report on stdout.
    let target = dir.path().join("from-stdin.png");
    let mut child = common::bin()
        .args(["compress", "-", "-k", "8", "-o", s(&target), "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&png).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["input"], "-");
    assert_eq!(image::open(&target).unwrap(), img);

    // Usage errors.
    let o = run(&["compress", "-", "-k", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
#[cfg(unix)]
fn ctrl_c_leaves_no_temporary_or_partial_file() {
    let dir = tmp();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for i in 0..6 {
        write_photo(&input, &format!("big{i}.png"), 900, 700, i + 1);
    }
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let child = common::bin()
        .args([
            "compress",
            s(&input),
            "-k",
            "300",
            "--out-dir",
            s(&out),
            "--quiet",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::interrupt_after(child, 700);
    for f in files_in(&out) {
        assert!(!f.starts_with(".svdimg-"), "temporary file left: {f}");
        image::open(out.join(&f)).unwrap_or_else(|e| panic!("partial output {f}: {e}"));
    }
}
