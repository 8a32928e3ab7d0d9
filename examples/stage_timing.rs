//! Times the per-tile stages on one image, single-threaded and repeated: merge (planes →
//! image), the Frobenius distance, and quality (PSNR + SSIM). For profiling.
//!
//! `cargo run --release --example stage_timing -- samples/coffee.png`
use std::time::Instant;

use svdimg::{metrics, planes};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("samples/coffee.png".into());
    let img = svdimg::decode_file(std::path::Path::new(&path), &Default::default())
        .expect("decodes")
        .image;
    let p = planes::split(&img, svdimg::ColorMode::Rgb, svdimg::AlphaMode::Keep);
    let reps: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let time = |name: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        println!(
            "{name:>12}: {:.2} ms",
            t.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    };
    time("merge-first", &mut || {
        std::hint::black_box(planes::merge(&p.planes, &p.layout, None));
    });
    time("merge-first2", &mut || {
        std::hint::black_box(planes::merge(&p.planes, &p.layout, None));
    });
    time("split", &mut || {
        std::hint::black_box(planes::split(
            &img,
            svdimg::ColorMode::Rgb,
            svdimg::AlphaMode::Keep,
        ));
    });
    time("merge-aftersplit", &mut || {
        std::hint::black_box(planes::merge(&p.planes, &p.layout, None));
    });
    time("energy", &mut || {
        std::hint::black_box(metrics::energy(p.planes[0].as_ref()));
    });
    let fz = svdimg::factorize_image(
        &img,
        &svdimg::CompressOptions::default(),
        50,
        &svdimg::NoProgress,
    )
    .expect("factorizes");
    time("reconstruct", &mut || {
        std::hint::black_box(svdimg::pipeline::reconstruct_at_ranks(
            &fz,
            &[50; 3],
            &svdimg::NoProgress,
        ));
    });
    time("partial_sum", &mut || {
        std::hint::black_box(svdimg::reconstruct::reconstruct(
            &fz.factors[0],
            50,
            faer::Par::rayon(2),
        ));
    });
    let mut out = None;
    time("merge", &mut || {
        out = Some(planes::merge(&p.planes, &p.layout, None))
    });
    let out = out.unwrap();
    time("frobenius", &mut || {
        std::hint::black_box(metrics::frobenius_distance(
            p.planes[0].as_ref(),
            p.planes[1].as_ref(),
        ));
    });
    time("quality", &mut || {
        std::hint::black_box(metrics::quality(&img, &out, 3, 255.0));
    });
    time("downscale", &mut || {
        std::hint::black_box(svdimg::draw::downscale(
            &out.to_rgba8(),
            out.width() / 2,
            out.height() / 2,
        ));
    });
}
