//! Criterion benches of `denoise` on 512×512 crops of bundled sample photos with seeded Gaussian
//! noise (σ 25): grey (`camera.png`) and RGB (`astronaut.png`), the patch method (both stages,
//! then the first stage alone) and the global method side by side in one run. The noise
//! estimate is timed with them (σ is not given). BM3D's times on the same crops come from
//! `scripts/denoise_compare.py` (Python, so not here).
//!
//! `cargo bench --bench denoise` (add `-- grey` to run one group).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use image::{DynamicImage, GenericImageView};
use svdimg::denoise::{add_noise, denoise_image, DenoiseMethod, DenoiseSettings, PatchParams};
use svdimg::NoProgress;

/// The allocator the `svdimg` binary uses, so that the benches time what users run.
#[cfg(feature = "cli")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn noisy_crop(name: &str) -> DynamicImage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    let img = image::open(path).expect("a bundled sample");
    let (w, h) = img.dimensions();
    let side = 512.min(w).min(h);
    add_noise(
        &img.crop_imm((w - side) / 2, (h - side) / 2, side, side),
        25.0,
        7,
    )
}

fn bench(c: &mut Criterion, group: &str, sample: &str) {
    let noisy = noisy_crop(sample);
    let mut g = c.benchmark_group(group);
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let one_stage = PatchParams {
        second_stage: false,
        ..PatchParams::for_sigma(25.0)
    };
    let cases = [
        ("patch", DenoiseMethod::Patch, None),
        ("patch-first-stage", DenoiseMethod::Patch, Some(one_stage)),
        ("global", DenoiseMethod::Global, None),
    ];
    for (name, method, patch) in cases {
        let settings = DenoiseSettings {
            method,
            sigma: None,
            patch,
        };
        g.bench_function(name, |b| {
            b.iter(|| denoise_image(&noisy, &settings, &NoProgress).expect("denoised"));
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench(c, "denoise/grey-512", "camera.png");
    bench(c, "denoise/rgb-512", "astronaut.png");
}

criterion_group!(denoise, benches);
criterion_main!(denoise);
