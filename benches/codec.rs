//! Criterion benches of the block codec (`.svdz` version 2), in memory (the image is decoded
//! once, outside the timing):
//! - `codec/<photo>-<crop>/encode-0.5bpp`: encoding to a budget of 0.5 bits per pixel (the
//!   block SVDs, the budget search, the deblocking choice and the final file);
//! - `codec/<photo>-<crop>/decode`: parsing that file and rebuilding the image.
//!
//! Inputs: a 1024×768 and a 1920×1280 crop of every real photo named in `SVDIMG_BENCH_PHOTOS`
//! (`eval "$(bash scripts/bench-photos.sh)"`), and the bundled `samples/astronaut.png` (512×512)
//! when none is named. `cargo bench --bench codec`.

#[path = "support/photos.rs"]
mod photos;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use image::DynamicImage;
use svdimg::container::blocks::{encode_image, BlockFile, BlockOptions, Target};
use svdimg::DecodeLimits;

/// The allocator the `svdimg` binary uses, so that the benches time what users run.
#[cfg(feature = "cli")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A `w × h` crop near the centre, moved by (3, 5) pixels so that the JPEG's 8×8 grid does not
/// line up with the codec's blocks.
fn centre_crop(img: &DynamicImage, w: u32, h: u32) -> Option<DynamicImage> {
    (img.width() >= w + 6 && img.height() >= h + 10)
        .then(|| img.crop_imm((img.width() - w) / 2 + 3, (img.height() - h) / 2 + 5, w, h))
}

fn inputs() -> Vec<(String, DynamicImage)> {
    let photos = photos::photos();
    if photos.is_empty() {
        let img = image::open("samples/astronaut.png").expect("the bundled sample");
        return vec![("astronaut-512x512".into(), img)];
    }
    let mut out = Vec::new();
    for (name, path) in photos {
        let img = image::open(&path).expect("a readable photo");
        for (w, h) in [(1024, 768), (1920, 1280)] {
            if let Some(c) = centre_crop(&img, w, h) {
                out.push((format!("{name}-{w}x{h}"), c));
            }
        }
    }
    out
}

fn codec(c: &mut Criterion) {
    for (name, img) in inputs() {
        let mut g = c.benchmark_group(format!("codec/{name}"));
        g.sample_size(10).warm_up_time(Duration::from_secs(1));
        let opts = BlockOptions {
            target: Target::BitsPerPixel(0.5),
            ..BlockOptions::default()
        };
        g.bench_function("encode-0.5bpp", |b| {
            b.iter(|| encode_image(&img, &opts).expect("encodes"));
        });
        let bytes = encode_image(&img, &opts).expect("encodes").bytes;
        g.bench_function("decode", |b| {
            b.iter(|| {
                BlockFile::parse(&bytes, &DecodeLimits::default())
                    .expect("parses")
                    .file
                    .reconstruct()
            });
        });
        g.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
