//! The crossover table behind `--method auto`: every method on one plane of a given shape and
//! rank, with its time and its error against the exact SVD.
//!
//! ```text
//! cargo run --release --example method_table -- [WxH|IMAGE]... [--ranks 10,50,100] [--methods exact,partial,randomized]
//!     [--oversample 50] [--power 4] [--threads 2]
//! ```
//! A size (`5640x3172`) uses the deterministic photo-like generator of `benches/support/photo.rs`;
//! a path uses that image. The plane is the green channel (or the grey one). Columns: the shape,
//! k, the method, seconds (median of `--repeat` runs, default 3; exact: one run), the largest relative error of σ₁…σ_k, and how much larger
//! ‖A − A_k‖_F is than the exact truncation's (in %).

#[path = "../benches/support/photo.rs"]
mod photo;

use std::time::Instant;

use faer::{Mat, MatRef, Par};
use svdimg::{factorize_plane, AlphaMode, ColorMode, Method, Precision, RandomizedParams};

fn arg_list(args: &[String], flag: &str, default: &str) -> Vec<String> {
    args.iter()
        .position(|a| a == flag)
        .map_or(default.to_string(), |i| args[i + 1].clone())
        .split(',')
        .map(str::to_string)
        .collect()
}

fn plane_of(spec: &str) -> (String, Mat<f32>) {
    let img = if let Some((w, h)) = spec
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
    {
        image::DynamicImage::ImageRgb8(photo::photo_like(w, h, 1))
    } else {
        image::open(spec).expect("an image")
    };
    let mut p = svdimg::planes::split(&img, ColorMode::Rgb, AlphaMode::Keep);
    let i = if p.planes.len() >= 3 { 1 } else { 0 };
    let name = format!("{}×{}", img.width(), img.height());
    (name, p.planes.swap_remove(i))
}

fn distance(a: MatRef<'_, f32>, f: &svdimg::Factors, k: usize) -> f64 {
    let r = svdimg::reconstruct::reconstruct(f, k, Par::rayon(0));
    svdimg::metrics::frobenius_distance(a, r.as_ref())
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
    let ranks: Vec<usize> = arg_list(&args, "--ranks", "10,50,100")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let methods = arg_list(&args, "--methods", "exact,partial,randomized");
    let oversample: Vec<usize> = arg_list(&args, "--oversample", "50")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let powers: Vec<usize> = arg_list(&args, "--power", "4")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let repeat: usize = arg_list(&args, "--repeat", "3")[0].parse().unwrap();
    let threads: usize = arg_list(&args, "--threads", "2")[0].parse().unwrap();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap();
    let par = if threads > 1 {
        Par::rayon(threads)
    } else {
        Par::Seq
    };
    println!("| shape | k | method | seconds | max σ rel. error | ‖A−A_k‖ excess |");
    println!("|---|---|---|---|---|---|");
    for spec in &specs {
        let (name, a) = plane_of(spec);
        let t = Instant::now();
        let exact = factorize_plane(
            a.as_ref(),
            Method::Exact,
            Precision::F32,
            usize::MAX,
            &RandomizedParams::default(),
            par,
        )
        .unwrap();
        let exact_s = t.elapsed().as_secs_f64();
        let total: f64 = svdimg::metrics::energy(a.as_ref());
        for &k in &ranks {
            let _ = total;
            let best = distance(a.as_ref(), &exact, k.min(exact.rank()));
            if methods.iter().any(|m| m == "exact") {
                println!("| {name} | {k} | exact | {exact_s:.3} | 0 | 0 |");
            }
            let mut runs: Vec<(String, Method, RandomizedParams)> = Vec::new();
            if methods.iter().any(|m| m == "partial") {
                runs.push((
                    "partial".into(),
                    Method::Partial,
                    RandomizedParams::default(),
                ));
            }
            if methods.iter().any(|m| m == "randomized") {
                for &p in &oversample {
                    for &q in &powers {
                        let params = RandomizedParams {
                            oversample_percent: p,
                            power_iters: q,
                            ..Default::default()
                        };
                        runs.push((
                            format!("randomized p={p}% q={q}"),
                            Method::Randomized,
                            params,
                        ));
                    }
                }
            }
            for (label, method, params) in runs {
                let mut times = Vec::new();
                let mut f = None;
                for _ in 0..repeat {
                    let t = Instant::now();
                    f = Some(
                        factorize_plane(a.as_ref(), method, Precision::F32, k, &params, par)
                            .unwrap(),
                    );
                    times.push(t.elapsed().as_secs_f64());
                }
                times.sort_by(f64::total_cmp);
                let secs = times[times.len() / 2];
                let f = f.unwrap();
                let kk = k.min(f.rank());
                let sig = (0..kk)
                    .map(|i| ((f.s[i] - exact.s[i]) / exact.s[i]).abs())
                    .fold(0.0, f64::max);
                let err = distance(a.as_ref(), &f, kk);
                let ran = if f.method == method {
                    String::new()
                } else {
                    format!(" (ran {})", f.method.name())
                };
                println!(
                    "| {name} | {k} | {label}{ran} | {secs:.3} | {sig:.1e} | {:+.3} % |",
                    (err / best - 1.0) * 100.0
                );
            }
        }
    }
}
