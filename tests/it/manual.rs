//! `svdimg completions` and `svdimg man`: what a user installs beside the binary.

use crate::common::{assert_error, files_in, run, s, stdout, tmp};

/// Every subcommand a user can type (the help subcommand aside).
const SUBCOMMANDS: [&str; 14] = [
    "compress",
    "explain",
    "layers",
    "grid",
    "spectrum",
    "denoise",
    "html",
    "decompress",
    "info",
    "truncate",
    "rd",
    "summarize",
    "completions",
    "man",
];

#[test]
fn completion_scripts_name_every_subcommand_and_parse() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert!(
            o.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let script = stdout(&o);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
        assert!(script.contains("max-pixels"), "{shell} script lacks flags");
    }
    // The bash script is valid bash: `bash -n` parses without running it.
    let dir = tmp();
    let path = dir.path().join("svdimg.bash");
    std::fs::write(&path, stdout(&run(&["completions", "bash"]))).unwrap();
    if let Ok(o) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_pages_for_svdimg_and_each_subcommand() {
    let o = run(&["man"]);
    assert!(o.status.success());
    let page = stdout(&o);
    assert!(
        page.contains(".TH svdimg 1"),
        "{}",
        &page[..page.len().min(300)]
    );
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "the main page lists {sub}");
    }

    let page = stdout(&run(&["man", "compress"]));
    assert!(page.contains(".TH svdimg-compress 1"));
    assert!(page.contains("\\-\\-energy") && page.contains("\\-\\-max\\-pixels"));

    let o = run(&["man", "nosuch"]);
    assert_error("man nosuch", &o, 2, &["nosuch", "compress"]);

    let dir = tmp();
    let o = run(&["man", "--out-dir", s(dir.path())]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut expected: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|c| format!("svdimg-{c}.1"))
        .chain(["svdimg.1".to_string()])
        .collect();
    expected.sort();
    let mut written = files_in(dir.path());
    written.sort();
    assert_eq!(written, expected);
    for name in &written {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.starts_with(".ie") && text.contains(".TH"), "{name}");
    }

    let o = run(&["man", "--out-dir", s(&dir.path().join("missing"))]);
    assert_eq!(o.status.code(), Some(1));
}
