//! Criterion benches of the factorize stage alone, on the three planes of a deterministic
//! photo-like image:
//! - `factorize/1920x1280-k50`: every method (`exact`, `partial`, `randomized`, `auto`);
//! - `stage/5640x3172-k100`: the whole factorize stage as `compress` reports it (split into
//!   planes, SVD, energies) with `auto`, and with `exact` when `SVDIMG_BENCH_EXACT=1`; the same
//!   on every real photo in `SVDIMG_BENCH_PHOTOS` (`stage/real-<photo>-k100`, see
//!   `scripts/bench-photos.sh`);
//! - `schedule/<shape>`: the three ways planes share the threads ([`Schedule`]) with the method
//!   `auto` picks at k = 100 (and the exact SVD with `SVDIMG_BENCH_EXACT=1`);
//! - `overhead/1024x768`: our exact path against faer's bare `thin_svd` on the same planes.
//!
//! `cargo bench --bench factorize` (add `-- schedule` to run one group).

#[path = "support/photo.rs"]
mod photo;
#[path = "support/photos.rs"]
mod photos;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use faer::Mat;
use svdimg::factorize::factorize_planes;
use svdimg::{AlphaMode, ColorMode, Method, NoProgress, Schedule};

fn planes(w: u32, h: u32) -> Vec<Mat<f32>> {
    let img = image::DynamicImage::ImageRgb8(photo::photo_like(w, h, 1));
    svdimg::planes::split(&img, ColorMode::Rgb, AlphaMode::Keep).planes
}

fn run(p: &[Mat<f32>], method: Method, k: usize, schedule: Schedule) {
    factorize_planes(
        p,
        k,
        &svdimg::FactorizeOptions {
            method,
            schedule,
            ..Default::default()
        },
        &NoProgress,
    )
    .expect("SVD converges");
}

fn methods(c: &mut Criterion) {
    let p = planes(1920, 1280);
    let mut g = c.benchmark_group("factorize/1920x1280-k50");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    for method in [
        Method::Exact,
        Method::Partial,
        Method::Randomized,
        Method::Auto,
    ] {
        g.bench_function(method.name(), |b| {
            b.iter(|| run(&p, method, 50, Schedule::Auto))
        });
    }
    g.finish();
}

fn schedules(c: &mut Criterion) {
    let exact = std::env::var_os("SVDIMG_BENCH_EXACT").is_some();
    for (w, h) in [(600, 400), (4000, 3000)] {
        let p = planes(w, h);
        let mut g = c.benchmark_group(format!("schedule/{w}x{h}"));
        g.sample_size(10).warm_up_time(Duration::from_secs(1));
        let mut runs = vec![(Method::Auto, 100)];
        if exact || w * h < 1_000_000 {
            runs.push((Method::Exact, 100));
        }
        for (method, k) in runs {
            for (name, schedule) in [
                ("auto", Schedule::Auto),
                ("balanced", Schedule::Balanced),
                ("across-planes", Schedule::AcrossPlanes),
                ("within-planes", Schedule::WithinPlanes),
                ("shared", Schedule::Shared),
            ] {
                g.bench_function(format!("{}-{name}", method.name()), |b| {
                    b.iter(|| run(&p, method, k, schedule));
                });
            }
        }
        g.finish();
    }
}

fn overhead(c: &mut Criterion) {
    let p = planes(1024, 768);
    let mut g = c.benchmark_group("overhead/1024x768");
    g.sample_size(10);
    g.bench_function("svdimg-exact", |b| {
        b.iter(|| run(&p, Method::Exact, usize::MAX, Schedule::WithinPlanes));
    });
    g.bench_function("faer-thin_svd", |b| {
        b.iter(|| {
            for plane in &p {
                plane.thin_svd().expect("SVD converges");
            }
        });
    });
    g.finish();
}

fn stage(c: &mut Criterion) {
    let img = image::DynamicImage::ImageRgb8(photo::photo_like(5640, 3172, 1));
    stage_of(c, "stage/5640x3172-k100", &img);
    for (name, path) in photos::photos() {
        let img = image::open(&path).expect("the bench photo decodes");
        stage_of(c, &format!("stage/real-{name}-k100"), &img);
    }
}

/// The factorize stage of `img` at k = 100, `auto` and (with `SVDIMG_BENCH_EXACT=1`) `exact`.
fn stage_of(c: &mut Criterion, group: &str, img: &image::DynamicImage) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let mut methods = vec![Method::Auto];
    if std::env::var_os("SVDIMG_BENCH_EXACT").is_some() {
        methods.push(Method::Exact);
    }
    for method in methods {
        let opts = svdimg::FactorizeOptions {
            method,
            ..Default::default()
        };
        g.bench_function(method.name(), |b| {
            b.iter(|| {
                svdimg::factorize_image(img, &opts, 100, &NoProgress).expect("SVD converges")
            });
        });
    }
    g.finish();
}

criterion_group!(benches, methods, schedules, overhead, stage);
criterion_main!(benches);
