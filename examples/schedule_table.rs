//! How planes share the threads: the three [`Schedule`]s on the three planes of an image,
//! wall time and CPU time of the factorize stage, side by side in one run.
//!
//! ```text
//! cargo run --release --example schedule_table -- [WxH|IMAGE]... [--methods auto,exact] [--rank 100] [--repeat 1]
//! ```
//! CPU time is read from /proc/self/stat (Linux).

#[path = "../benches/support/photo.rs"]
mod photo;

use std::time::Instant;

use svdimg::factorize::factorize_planes;
use svdimg::{AlphaMode, ColorMode, Method, NoProgress, Schedule};

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, s)| s);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

fn arg(args: &[String], flag: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == flag)
        .map_or(default.to_string(), |i| args[i + 1].clone())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut specs = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i].starts_with("--") {
            i += 2;
        } else {
            specs.push(args[i].clone());
            i += 1;
        }
    }
    let k: usize = arg(&args, "--rank", "100").parse().unwrap();
    let repeat: usize = arg(&args, "--repeat", "1").parse().unwrap();
    let methods: Vec<Method> = arg(&args, "--methods", "auto,exact")
        .split(',')
        .map(|m| match m {
            "exact" => Method::Exact,
            "partial" => Method::Partial,
            "randomized" => Method::Randomized,
            _ => Method::Auto,
        })
        .collect();
    println!("| shape | method (k = {k}) | schedule | wall s | CPU s | CPU/wall |");
    println!("|---|---|---|---|---|---|");
    for spec in &specs {
        let img = match spec
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        {
            Some((w, h)) => image::DynamicImage::ImageRgb8(photo::photo_like(w, h, 1)),
            None => image::open(spec).expect("an image"),
        };
        let planes = svdimg::planes::split(&img, ColorMode::Rgb, AlphaMode::Keep).planes;
        for &method in &methods {
            for (name, schedule) in [
                ("auto", Schedule::Auto),
                ("balanced", Schedule::Balanced),
                ("across planes", Schedule::AcrossPlanes),
                ("within planes", Schedule::WithinPlanes),
                ("shared", Schedule::Shared),
            ] {
                let mut best = (f64::MAX, 0.0);
                for _ in 0..repeat {
                    let (t, c) = (Instant::now(), cpu_seconds());
                    let f = factorize_planes(
                        &planes,
                        k,
                        &svdimg::FactorizeOptions {
                            method,
                            schedule,
                            ..Default::default()
                        },
                        &NoProgress,
                    )
                    .unwrap();
                    let wall = t.elapsed().as_secs_f64();
                    std::hint::black_box(f);
                    if wall < best.0 {
                        best = (wall, cpu_seconds() - c);
                    }
                }
                println!(
                    "| {}×{} | {} | {name} | {:.3} | {:.2} | {:.2} |",
                    img.width(),
                    img.height(),
                    method.name(),
                    best.0,
                    best.1,
                    best.1 / best.0
                );
            }
        }
    }
}
