//! Criterion benches of the whole `compress` job (decode → factorize → reconstruct → metrics →
//! encode), `auto` against `exact`, side by side in one run:
//! - `compress/coffee` on the bundled 600×400 sample;
//! - `compress/mid-1920x1280` (k = 50) and `compress/photo-5640x3172` (k = 100) on deterministic
//!   photo-like images generated once into a temporary folder (generation is not timed): a PNG
//!   and, as cameras write them, a JPEG. The large `exact` variant takes tens of seconds per
//!   run, so it runs only with `SVDIMG_BENCH_EXACT=1`.
//!
//! - `grid/*`: `grid` with 7 ranks (1, 5, 10, 20, 50, 75, 100; decode, grid, write the sheet)
//!   against one `compress -k 100` on the same image, side by side (issue #3's ratio), on
//!   `samples/coffee.png` and `samples/chelsea.png`.
//!
//! - `real/<photo>`: the whole job at k = 100 on every real photo named in
//!   `SVDIMG_BENCH_PHOTOS` (`eval "$(bash scripts/bench-photos.sh)"` fetches six large JPEGs of
//!   scenery, foliage, a meadow, a bird, a bridge and mountains), `auto` against `exact` (with
//!   `SVDIMG_BENCH_EXACT=1`) side by side.
//!
//! `cargo bench --bench compress` (add `-- coffee` to run one group).

#[path = "support/photo.rs"]
mod photo;
#[path = "support/photos.rs"]
mod photos;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use svdimg::grid::{grid_file, GridOptions, RankList};
use svdimg::{
    compress_file, CompressOptions, Method, NoProgress, OutputTarget, Overwrite, RankSelect,
};

/// The allocator the `svdimg` binary uses, so that the benches time what users run.
#[cfg(feature = "cli")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_file(c: &mut Criterion, group: &str, input: &Path, k: usize, exact: bool) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let target = OutputTarget::File(out.path().join("out.png"));
    let mut g = c.benchmark_group(group);
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let mut methods = vec![Method::Auto];
    if exact {
        methods.push(Method::Exact);
    }
    for method in methods {
        let mut opts = CompressOptions {
            overwrite: Overwrite::Replace,
            ..CompressOptions::with_rank(RankSelect::Rank(k))
        };
        opts.factorize.method = method;
        g.bench_function(format!("{}-k{k}", method.name()), |b| {
            b.iter(|| compress_file(input, &target, &opts, &NoProgress).expect("compress runs"));
        });
    }
    g.finish();
}

fn grid_against_compress(c: &mut Criterion, name: &str) {
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    let out = tempfile::tempdir().expect("a temporary folder");
    let target = OutputTarget::File(out.path().join("out.png"));
    let sheet = out.path().join("grid.png");
    let opts = CompressOptions {
        overwrite: Overwrite::Replace,
        ..CompressOptions::with_rank(RankSelect::Rank(100))
    };
    let grid = GridOptions {
        ranks: RankList::Fixed([1, 5, 10, 20, 50, 75, 100].map(RankSelect::Rank).to_vec()),
        output: Some(sheet),
        overwrite: Overwrite::Replace,
        ..GridOptions::default()
    };
    let mut g = c.benchmark_group(format!("grid/{name}"));
    g.sample_size(20).warm_up_time(Duration::from_secs(1));
    g.bench_function("compress-k100", |b| {
        b.iter(|| compress_file(&input, &target, &opts, &NoProgress).expect("compress runs"));
    });
    g.bench_function("grid-7-ranks", |b| {
        b.iter(|| grid_file(&input, &grid, &NoProgress).expect("grid runs"));
    });
    g.finish();
}

fn compress(c: &mut Criterion) {
    grid_against_compress(c, "coffee.png");
    grid_against_compress(c, "chelsea.png");

    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/coffee.png");
    bench_file(c, "compress/coffee", &sample, 50, true);

    let dir = tempfile::tempdir().expect("a temporary folder");
    let mid = dir.path().join("mid-1920x1280.png");
    photo::photo_like(1920, 1280, 1)
        .save(&mid)
        .expect("the generated photo is written");
    bench_file(c, "compress/mid-1920x1280", &mid, 50, true);

    let big = dir.path().join("photo-5640x3172.jpg");
    photo::photo_like(5640, 3172, 1)
        .save(&big)
        .expect("the generated photo is written");
    let exact = std::env::var_os("SVDIMG_BENCH_EXACT").is_some();
    bench_file(c, "compress/photo-5640x3172", &big, 100, exact);

    for (name, path) in photos::photos() {
        bench_file(c, &format!("real/{name}"), &path, 100, exact);
    }
}

criterion_group!(benches, compress);
criterion_main!(benches);
