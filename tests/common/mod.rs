//! Shared test harness: the built binary, temporary folders, sample paths, deterministic fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `svdimg` binary built for this test run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_svdimg"))
}

/// Runs the binary with `args` and no stdin.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the svdimg binary runs")
}

/// A bundled sample photo.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A fresh temporary folder, removed when dropped.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// stdout as UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Files in a folder, sorted (temporary leftovers included, so tests can assert there are none).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("folder readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A deterministic xorshift generator (no rand dependency in tests).
pub struct XorShift(pub u64);

impl XorShift {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform on [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (sum of 12 uniforms − 6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

/// A photo-like RGB test image: smooth gradients, a few edges, mild noise; deterministic.
pub fn photo_like(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut rng = XorShift(seed.max(1));
    image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f64 / width as f64, y as f64 / height as f64);
        let base = 0.5 + 0.3 * (6.0 * fx).sin() * (4.0 * fy).cos();
        let edge = if (fx - 0.6).powi(2) + (fy - 0.4).powi(2) < 0.04 {
            0.3
        } else {
            0.0
        };
        let n = 0.03 * rng.normal();
        let c = |k: f64| ((base + edge * k + n).clamp(0.0, 1.0) * 255.0).round() as u8;
        image::Rgb([c(1.0), c(-0.5), c(0.2)])
    })
}
