//! docs/scale-out.md's GNU parallel recipe, run as written: N shards through `parallel` give the
//! outputs of one unsharded run byte for byte and the same per-file JSON. Skipped (with a note)
//! when `parallel` is not installed, unless SVDIMG_REQUIRE_PARALLEL is set (CI sets it).

use std::path::Path;
use std::process::Command;

use crate::common::{stderr, stdout, tmp};
use crate::sharding::{comparable, contents, corpus};

/// The shell block after `<!-- tested: parallel -->` in docs/scale-out.md.
fn recipe() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale-out.md"))
            .expect("docs/scale-out.md");
    let after = doc
        .split_once("<!-- tested: parallel -->")
        .expect("the tested recipe is marked")
        .1;
    let body = after.split_once("```sh\n").expect("a sh block").1;
    body.split_once("```")
        .expect("the block ends")
        .0
        .to_string()
}

fn have_parallel() -> bool {
    Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn gnu_parallel_recipe_equals_one_run() {
    if !have_parallel() {
        if std::env::var_os("SVDIMG_REQUIRE_PARALLEL").is_some() {
            panic!("SVDIMG_REQUIRE_PARALLEL is set but GNU parallel was not found");
        }
        eprintln!("SKIPPED: no GNU parallel (apt-get install parallel)");
        return;
    }
    let dir = tmp();
    let cwd = dir.path();
    corpus(&cwd.join("photos"), 40);
    // One unsharded run, with the recipe's flags and relative paths.
    let whole = Path::new("whole");
    std::fs::create_dir(cwd.join(whole)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_svdimg"))
        .current_dir(cwd)
        .args([
            "compress",
            "photos/",
            "-r",
            "-k",
            "20",
            "--out-dir",
            "whole/",
            "--json",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let all: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The recipe, as written, with the built binary first on the PATH.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_svdimg")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run_recipe = || {
        let o = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &recipe()])
            .current_dir(cwd)
            .env("PATH", &path)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).ends_with("40 of 40 compressed, 0 failed\n"),
            "{}",
            stdout(&o)
        );
    };
    run_recipe();
    // Byte for byte, and the same JSON per file.
    let out = cwd.join("out");
    assert_eq!(contents(&out), contents(&cwd.join(whole)));
    let mut lines = Vec::new();
    for i in 0..8 {
        let text = std::fs::read_to_string(cwd.join(format!("results/{i}.jsonl"))).unwrap();
        lines.extend(text.lines().map(|l| serde_json::from_str(l).unwrap()));
    }
    assert_eq!(lines.len(), 40, "every file exactly once");
    assert_eq!(
        comparable(&lines, Path::new("out/")),
        comparable(&all, Path::new("whole/"))
    );
    // Run again (after a stop, say): everything is skipped, appended to the results, and the
    // summary still counts each file once, as compressed.
    let before = contents(&out);
    run_recipe();
    assert_eq!(contents(&out), before);
    let mut skipped = 0;
    for i in 0..8 {
        let text = std::fs::read_to_string(cwd.join(format!("results/{i}.jsonl"))).unwrap();
        skipped += text.matches("\"status\":\"skipped\"").count();
    }
    assert_eq!(skipped, 40);
}
