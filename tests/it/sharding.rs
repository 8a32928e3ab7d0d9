//! `--shard I/N` and `--skip-existing` on real folders: shards together write exactly the files of
//! one unsharded run, byte for byte, with the same per-file JSON; a re-run skips what exists.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{run, s, sample, stderr, stdout, tmp};

/// A folder of `n` small images (crops of a sample, in two subfolders) for `-r` batches.
pub fn corpus(dir: &Path, n: usize) {
    let img = image::open(sample("chelsea.png")).expect("sample");
    for i in 0..n {
        let sub = dir.join(if i % 3 == 0 { "a" } else { "b/c" });
        std::fs::create_dir_all(&sub).unwrap();
        let (x, y) = ((i * 37) % 400, (i * 23) % 250);
        img.crop_imm(x as u32, y as u32, 40, 32)
            .save(sub.join(format!("img_{i:03}.png")))
            .unwrap();
    }
}

/// Runs `compress IN -r --out-dir OUT -q EXTRA…` and returns the exit code and stdout.
pub fn compress_dir(input: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    std::fs::create_dir_all(out).unwrap();
    let mut args = vec!["compress", s(input), "-r", "--out-dir", s(out), "-q"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    (o.status.code(), stdout(&o))
}

/// Runs `compress IN -r --out-dir OUT --json EXTRA…` and returns the exit code and the JSON lines.
pub fn batch(input: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, Vec<Value>) {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let (code, out) = compress_dir(input, out, &args);
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, lines)
}

/// A line without what differs between runs (times, the thread count, the output folder), keyed
/// by input.
pub fn comparable(lines: &[Value], out: &Path) -> BTreeMap<String, Value> {
    lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            let o = l.as_object_mut().unwrap();
            o.remove("elapsed_ms");
            o.remove("timings_ms");
            o.remove("threads");
            if let Some(Value::String(p)) = o.get_mut("output") {
                *p = p.replacen(s(out), "OUT", 1);
            }
            (o["input"].as_str().unwrap().to_string(), l)
        })
        .collect()
}

/// The files in `dir` (not recursive) with their bytes.
pub fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn shards_together_equal_one_run() {
    let dir = tmp();
    let input = dir.path().join("in");
    corpus(&input, 30);
    let whole = dir.path().join("whole");
    let (code, all) = batch(&input, &whole, &["-k", "4"]);
    assert_eq!(code, Some(0));
    assert_eq!(all.len(), 30);
    for n in [1u32, 3, 7] {
        let out = dir.path().join(format!("sharded{n}"));
        let mut lines = Vec::new();
        let mut sizes = Vec::new();
        for i in 0..n {
            let shard = format!("{i}/{n}");
            let (code, l) = batch(&input, &out, &["-k", "4", "--shard", &shard]);
            assert_eq!(code, Some(0), "shard {shard}");
            sizes.push(l.len());
            lines.extend(l);
        }
        eprintln!("N = {n}: shard sizes {sizes:?}");
        assert_eq!(lines.len(), 30, "N = {n}: every input exactly once");
        assert_eq!(
            comparable(&lines, &out),
            comparable(&all, &whole),
            "N = {n}"
        );
        assert_eq!(
            contents(&out),
            contents(&whole),
            "N = {n}: outputs byte for byte"
        );
    }
}

#[test]
fn skip_existing_resumes_a_stopped_batch() {
    let dir = tmp();
    let input = dir.path().join("in");
    corpus(&input, 12);
    let whole = dir.path().join("whole");
    batch(&input, &whole, &["-k", "4"]);
    // A "crashed" run: only shard 0 of 2 was done, and a temporary file was left behind.
    let out = dir.path().join("out");
    let (_, first) = batch(&input, &out, &["-k", "4", "--shard", "0/2"]);
    std::fs::write(out.join(".svdimg-abc123.tmp"), b"partial").unwrap();
    let (code, again) = batch(&input, &out, &["-k", "4", "--skip-existing"]);
    assert_eq!(code, Some(0));
    let skipped: Vec<&Value> = again.iter().filter(|l| l["status"] == "skipped").collect();
    assert_eq!(skipped.len(), first.len());
    assert!(skipped
        .iter()
        .all(|l| l["output"].as_str().unwrap().starts_with(s(&out))));
    assert_eq!(again.len() - skipped.len(), 12 - first.len());
    let mut got = contents(&out);
    got.remove(".svdimg-abc123.tmp");
    assert_eq!(got, contents(&whole), "byte for byte");
    // A different rank is not the same output: nothing is skipped.
    let (_, other) = batch(&input, &out, &["-k", "5", "--skip-existing"]);
    assert!(other.iter().all(|l| l["status"] == "ok"));
    // Ranks from the singular values: any rank tag counts, so a second run skips everything.
    let energy = dir.path().join("energy");
    let (_, first) = batch(&input, &energy, &["--energy", "0.9"]);
    assert!(first.iter().all(|l| l["status"] == "ok"));
    let (code, again) = batch(&input, &energy, &["--energy", "0.9", "--skip-existing"]);
    assert_eq!(code, Some(0));
    assert!(again.iter().all(|l| l["status"] == "skipped"), "{again:?}");
}

#[test]
fn empty_shard_and_bad_shards() {
    let dir = tmp();
    let input = dir.path().join("in");
    corpus(&input, 2);
    let out = dir.path().join("out");
    // 2 files in 50 shards: most shards are empty, which is not an error.
    let mut total = 0;
    for i in 0..50 {
        let shard = format!("{i}/50");
        let (code, lines) = batch(&input, &out, &["-k", "3", "--shard", &shard]);
        assert_eq!(code, Some(0), "shard {shard}");
        total += lines.len();
    }
    assert_eq!(total, 2);
    for bad in ["2/2", "1/0", "x", "1-2"] {
        let o = run(&["compress", s(&input), "--out-dir", s(&out), "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
    let o = run(&[
        "compress",
        s(&input),
        "--out-dir",
        s(&out),
        "--skip-existing",
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
