//! Times the stages that run once per output image (and once per tile in `grid`) on one image:
//! splitting into planes, rebuilding at rank 50 (products + merge), merging planes into an image,
//! the Frobenius distance, PSNR + SSIM, and the tile downscale. Each is repeated and averaged.
//! For profiling; set `RAYON_NUM_THREADS=1` to see CPU cost rather than wall time.
//!
//! `cargo run --release --example stage_timing -- samples/coffee.png [repeats]`
use std::time::Instant;

use svdimg::{metrics, planes, AlphaMode, ColorMode, NoProgress};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "samples/coffee.png".into());
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let img = svdimg::decode_file(std::path::Path::new(&path), &Default::default())
        .expect("decodes")
        .image;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        let each = t.elapsed().as_secs_f64() * 1e3 / reps as f64;
        println!("{name:>12}: {each:.2} ms");
    };
    let p = planes::split(&img, ColorMode::Rgb, AlphaMode::Keep);
    time("split", &mut || {
        std::hint::black_box(planes::split(&img, ColorMode::Rgb, AlphaMode::Keep));
    });
    let fz = svdimg::factorize_image(&img, &svdimg::FactorizeOptions::default(), 50, &NoProgress)
        .expect("factorizes");
    let ranks = vec![50.min(fz.factors[0].rank()); fz.factors.len()];
    time("reconstruct", &mut || {
        std::hint::black_box(svdimg::rebuild::reconstruct_at_ranks(
            &fz,
            &ranks,
            &NoProgress,
        ));
    });
    let mut out = None;
    time("merge", &mut || {
        out = Some(planes::merge(&p.planes, &p.layout, None));
    });
    let out = out.expect("merged at least once");
    let rebuilt = svdimg::reconstruct::reconstruct(&fz.factors[0], ranks[0], faer::Par::Seq);
    time("frobenius", &mut || {
        std::hint::black_box(metrics::frobenius_distance(
            p.planes[0].as_ref(),
            rebuilt.as_ref(),
        ));
    });
    let peak = p.layout.peak();
    time("quality", &mut || {
        std::hint::black_box(metrics::quality(
            &img,
            &out,
            p.layout.compared_channels(),
            peak,
        ));
    });
    time("downscale", &mut || {
        std::hint::black_box(svdimg::resample::downscale(
            &out.to_rgba8(),
            (out.width() / 2).max(1),
            (out.height() / 2).max(1),
        ));
    });
}
