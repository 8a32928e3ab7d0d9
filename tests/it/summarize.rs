//! `svdimg summarize`: the batch's own summary table from JSON Lines concatenated across shards
//! and re-runs.

use std::path::Path;

use crate::common::{assert_error, run, s, stdout, tmp};
use crate::sharding::{compress_dir, corpus};

/// The table without the time column (the only thing that differs between runs).
fn without_times(table: &str) -> Vec<String> {
    table
        .lines()
        .map(|l| {
            l.split_whitespace()
                .filter(|w| !(w.ends_with("ms") && w[..w.len() - 2].parse::<f64>().is_ok()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// `compress IN -r --out-dir OUT -k 4 EXTRA…`: exit code and stdout.
fn compress(input: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["-k", "4"];
    args.extend_from_slice(extra);
    compress_dir(input, out, &args)
}

#[test]
fn shards_summarize_to_the_batch_table() {
    let dir = tmp();
    let input = dir.path().join("in");
    corpus(&input, 14);
    // One damaged image: the batch fails on it, and so does the summary.
    let png = std::fs::read(input.join("a/img_000.png")).unwrap();
    std::fs::write(input.join("a/img_003.png"), &png[..png.len() / 2]).unwrap();
    let (code, table) = compress(&input, &dir.path().join("one"), &[]);
    assert_eq!(code, Some(1));
    let results = dir.path().join("results");
    std::fs::create_dir(&results).unwrap();
    let out = dir.path().join("sharded");
    let mut files = Vec::new();
    for i in 0..3 {
        let (_, jsonl) = compress(&input, &out, &["--json", "--shard", &format!("{i}/3")]);
        let f = results.join(format!("{i}.jsonl"));
        std::fs::write(&f, jsonl).unwrap();
        files.push(f);
    }
    let mut args = vec!["summarize"];
    args.extend(files.iter().map(|f| s(f)));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "a file failed");
    let summary = stdout(&o);
    let (want, got) = (without_times(&table), without_times(&summary));
    // The same rows in the same order; the batch's last line also counts files that are not
    // images, which JSON Lines do not record.
    assert_eq!(
        got[..got.len() - 1],
        want[..want.len() - 1],
        "{summary}\n{table}"
    );
    assert_eq!(got.last().unwrap(), "13 of 14 compressed, 1 failed");
    assert!(want
        .last()
        .unwrap()
        .starts_with("13 of 14 compressed, 1 failed, 0 skipped"));
    assert!(summary.contains("img_003.png") && summary.contains("error: truncated PNG"));

    // A re-run with --skip-existing appended to the same file: each input still counts once, and
    // the skips of done files do not hide their reports.
    let (_, again) = compress(
        &input,
        &out,
        &["--json", "--skip-existing", "--shard", "0/3"],
    );
    let mut first = std::fs::read_to_string(&files[0]).unwrap();
    first.push_str(&again);
    std::fs::write(&files[0], first).unwrap();
    let o = run(&args);
    assert_eq!(without_times(&stdout(&o)), got);

    // JSON: the counts and the failures.
    args.push("--json");
    let o = run(&args);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "svdimg.summary/1");
    assert_eq!(
        (v["files"].as_u64(), v["ok"].as_u64(), v["failed"].as_u64()),
        (Some(14), Some(13), Some(1))
    );
    assert!(v["failures"][0]["input"]
        .as_str()
        .unwrap()
        .ends_with("img_003.png"));
}

#[test]
fn only_resumed_and_clean_runs_succeed_and_bad_lines_are_refused() {
    let dir = tmp();
    let input = dir.path().join("in");
    corpus(&input, 4);
    let out = dir.path().join("out");
    let (code, jsonl) = compress(&input, &out, &["--json"]);
    assert_eq!(code, Some(0));
    let f = dir.path().join("r.jsonl");
    std::fs::write(&f, &jsonl).unwrap();
    let o = run(&["summarize", s(&f)]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).ends_with("4 of 4 compressed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
    // Only skips (the first run's lines were lost): counted as such, not as failures.
    let (_, skips) = compress(&input, &out, &["--json", "--skip-existing"]);
    let g = dir.path().join("skips.jsonl");
    std::fs::write(&g, &skips).unwrap();
    let o = run(&["summarize", s(&g)]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).ends_with("0 of 4 compressed, 0 failed, 4 skipped (output exists)\n"));
    // Not a batch record.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!("{jsonl}{{\"schema\": \"svdimg.compress/1\"}}\n"),
    )
    .unwrap();
    let o = run(&["summarize", s(&bad)]);
    assert_error("bad line", &o, 1, &["bad.jsonl", "line 5"]);
    let o = run(&["summarize", s(&dir.path().join("missing.jsonl"))]);
    assert_error("missing file", &o, 1, &["missing.jsonl"]);
}
