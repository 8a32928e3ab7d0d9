//! Under an address-space limit (`ulimit -v`) svdimg runs with as many threads as the matrix
//! kernels' per-thread reservations allow, with a warning, or refuses with one line; it never
//! aborts ("memory allocation failed") as it did with `--threads 8` under `ulimit -v 600000` here.
#![cfg(target_os = "linux")]

use svdimg::address_space::{bytes_for_threads, matmul_scratch_bytes, BASE_BYTES};

use crate::common::{assert_error, s, sample, stderr, tmp};

/// `svdimg ARGS…` under `ulimit -v KIB`.
fn limited(kib: u64, args: &[&str]) -> std::process::Output {
    let cmd = format!("ulimit -v {kib} && exec \"$0\" \"$@\"");
    std::process::Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .arg(env!("CARGO_BIN_EXE_svdimg"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("bash runs")
}

#[test]
fn threads_fit_the_limit_or_the_run_is_refused() {
    let dir = tmp();
    let out = dir.path().join("out.png");
    let input = sample("chelsea.png");
    let scratch = matmul_scratch_bytes();
    // Room for two threads by the model, and some to spare: eight are asked for.
    let two = bytes_for_threads(2, scratch) + (40 << 20);
    let args = [
        "compress",
        s(&input),
        "-k",
        "20",
        "-o",
        s(&out),
        "--threads",
        "8",
        "--force",
    ];
    let o = limited(two >> 10, &args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: the address-space limit (ulimit -v)"),
        "{err}"
    );
    assert!(err.contains("holds 2 thread(s), not 8"), "{err}");
    assert!(out.exists());
    // Below what one thread needs: one line, exit 1, no abort.
    let o = limited((BASE_BYTES + scratch - (40 << 20)) >> 10, &args);
    assert_error("too small a limit", &o, 1, &["ulimit -v", "too small"]);
}
