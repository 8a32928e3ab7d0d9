//! svdimg's exact path against faer's bare `thin_svd` on the same three 1024×768 planes,
//! alternated run by run so that both see the same machine load.
//!
//! `cargo run --release --example exact_overhead -- [reps]`
use std::time::Instant;

use faer::Mat;
use svdimg::factorize::factorize_planes;
use svdimg::{AlphaMode, ColorMode, Method, NoProgress, Schedule};

#[path = "../benches/support/photo.rs"]
mod photo;

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let img = image::DynamicImage::ImageRgb8(photo::photo_like(1024, 768, 1));
    let planes: Vec<Mat<f32>> = svdimg::planes::split(&img, ColorMode::Rgb, AlphaMode::Keep).planes;
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let t = Instant::now();
        factorize_planes(
            &planes,
            usize::MAX,
            &svdimg::FactorizeOptions {
                method: Method::Exact,
                schedule: Schedule::WithinPlanes,
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("SVD converges");
        ours.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        for p in &planes {
            p.thin_svd().expect("SVD converges");
        }
        bare.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ours.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    let med = |v: &[f64]| v[v.len() / 2];
    println!(
        "svdimg exact: median {:.0} ms (min {:.0}); faer thin_svd: median {:.0} ms (min {:.0}); ratio of medians {:.3}",
        med(&ours), ours[0], med(&bare), bare[0], med(&ours) / med(&bare)
    );
}
