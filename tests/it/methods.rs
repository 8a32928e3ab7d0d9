//! The truncated SVD methods against the exact one: accuracy (top-k σ within 1e-3 relative,
//! ‖A − A_k‖_F within 0.5 %), determinism whatever the thread count, the adaptive rank of
//! `--energy`/`--psnr`/`--ratio`, `keep`, the fallbacks, and what the report says.
use std::path::Path;

use crate::common::{self, run, run_json, s, sample, stderr, tmp, XorShift};
use faer::{Mat, MatRef, Par};
use svdimg::{
    compress_image, factorize_image, factorize_plane, AlphaMode, ColorMode, CompressOptions,
    Factors, Method, NoProgress, Precision, RandomizedParams, RankSelect,
};

const TRUNCATED: [Method; 2] = [Method::Partial, Method::Randomized];

fn planes_of(name: &str) -> Vec<Mat<f32>> {
    let img = image::open(sample(name)).expect("sample decodes");
    svdimg::planes::split(&img, ColorMode::Rgb, AlphaMode::Keep).planes
}

fn exact(a: MatRef<'_, f32>) -> Factors {
    let p = RandomizedParams::default();
    factorize_plane(a, Method::Exact, Precision::F64, usize::MAX, &p, Par::Seq).unwrap()
}

fn error(a: MatRef<'_, f32>, f: &Factors, k: usize) -> f64 {
    let r = svdimg::reconstruct::reconstruct(f, k, Par::Seq);
    svdimg::metrics::frobenius_distance(a, r.as_ref())
}

/// Checks the accuracy bar of `method` at rank `k` on `a` against the exact factors `e`.
fn check(a: MatRef<'_, f32>, e: &Factors, method: Method, k: usize, what: &str) {
    let p = RandomizedParams::default();
    let f = factorize_plane(a, method, Precision::F32, k, &p, Par::Seq).unwrap();
    assert_eq!(f.method, method, "{what}: {method:?} ran as {:?}", f.method);
    assert!(!f.complete, "{what}: a truncated method is never complete");
    assert_eq!((f.rank(), f.s.len()), (k, k), "{what}: exactly k triplets");
    for i in 0..k {
        let rel = (f.s[i] - e.s[i]).abs() / e.s[i];
        assert!(
            rel < 1e-3,
            "{what} {method:?} k={k}: σ{} = {} against exact {} (relative {rel:.1e})",
            i + 1,
            f.s[i],
            e.s[i]
        );
    }
    let (mine, best) = (error(a, &f, k), error(a, e, k));
    assert!(
        mine <= best * 1.005,
        "{what} {method:?} k={k}: ‖A − A_k‖ = {mine} against exact {best}"
    );
}

#[test]
fn truncated_methods_match_exact_on_the_samples() {
    for name in ["coffee.png", "astronaut.png", "camera.png", "rocket.jpg"] {
        let planes = planes_of(name);
        // One colour plane per sample keeps the debug-build test short; camera is grey.
        let a = planes[planes.len() / 2].as_ref();
        let e = exact(a);
        for k in [10, 50] {
            for method in TRUNCATED {
                check(a, &e, method, k, name);
            }
        }
    }
}

/// Σ σᵢ xᵢ yᵢᵀ with σᵢ = 10·0.85^i for i < rank, plus Gaussian noise of standard deviation `noise`.
fn low_rank_plus_noise(m: usize, n: usize, rank: usize, noise: f64, seed: u64) -> Mat<f32> {
    let mut rng = XorShift(seed);
    let mut a = Mat::<f64>::from_fn(m, n, |_, _| noise * rng.normal());
    for i in 0..rank {
        let x: Vec<f64> = (0..m).map(|_| rng.normal() / (m as f64).sqrt()).collect();
        let y: Vec<f64> = (0..n).map(|_| rng.normal() / (n as f64).sqrt()).collect();
        let s = 10.0 * 0.85f64.powi(i as i32);
        for j in 0..n {
            for r in 0..m {
                a[(r, j)] += s * x[r] * y[j];
            }
        }
    }
    Mat::from_fn(m, n, |i, j| a[(i, j)] as f32)
}

#[test]
fn truncated_methods_match_exact_on_low_rank_plus_noise() {
    for (m, n, seed) in [(300, 220, 1), (220, 300, 2), (520, 200, 3)] {
        let a = low_rank_plus_noise(m, n, 40, 1e-3, seed);
        let e = exact(a.as_ref());
        for k in [5, 20, 30] {
            for method in TRUNCATED {
                check(a.as_ref(), &e, method, k, &format!("{m}×{n} seed {seed}"));
            }
        }
    }
}

/// Planes whose rank is below the Lanczos subspace: the Krylov space runs out, which once made
/// the partial SVD loop for ever (faer's re-orthogonalisation waited for `0 < 0`).
fn low_rank_planes() -> Vec<(&'static str, Mat<f32>)> {
    let (m, n) = (150, 230);
    vec![
        ("black", Mat::zeros(m, n)),
        ("flat", Mat::from_fn(m, n, |_, _| 77.0 / 255.0)),
        (
            "ramp",
            Mat::from_fn(m, n, |_, j| (j * 255 / (n - 1)) as f32 / 255.0),
        ),
        (
            "line",
            Mat::from_fn(m, n, |_, j| f32::from(u8::from(j == 100))),
        ),
        (
            "stripes",
            Mat::from_fn(m, n, |i, j| ((i / 8 + j / 13) % 2) as f32 * 0.5),
        ),
        ("rank 5", low_rank_plus_noise(m, n, 5, 0.0, 4)),
    ]
}

#[test]
fn the_partial_svd_finishes_on_planes_of_low_rank_and_is_exact_there() {
    for (what, a) in low_rank_planes() {
        let e = exact(a.as_ref());
        for precision in [Precision::F32, Precision::F64] {
            for k in [1, 7, 40] {
                let p = RandomizedParams::default();
                let f = factorize_plane(a.as_ref(), Method::Partial, precision, k, &p, Par::Seq)
                    .unwrap();
                assert_eq!(f.rank(), k, "{what} k={k}");
                let scale = e.s[0].max(1e-30);
                for i in 0..k {
                    assert!(
                        (f.s[i] - e.s[i]).abs() <= 1e-4 * scale,
                        "{what} {precision:?} k={k}: σ{} = {} against exact {}",
                        i + 1,
                        f.s[i],
                        e.s[i]
                    );
                }
                let norm = svdimg::metrics::energy(a.as_ref()).sqrt();
                let (mine, best) = (error(a.as_ref(), &f, k), error(a.as_ref(), &e, k));
                assert!(
                    mine <= best + 1e-4 * norm.max(1e-30),
                    "{what} {precision:?} k={k}: ‖A − A_k‖ = {mine} against exact {best}"
                );
            }
        }
    }
}

#[test]
fn exact_singular_values_come_in_order_on_a_plane_of_rank_two() {
    // faer's divide-and-conquer SVD returned this plane's σ₂ at position 97 (in f64); numpy
    // (LAPACK gesdd) gives σ₁ = 46.941452896134344, σ₂ = 45.89117562233506, the rest ~1e-13.
    let a = Mat::from_fn(150, 230, |i, j| ((i / 8 + j / 13) % 2) as f32 * 0.5);
    for precision in [Precision::F32, Precision::F64] {
        let p = RandomizedParams::default();
        let e = factorize_plane(a.as_ref(), Method::Exact, precision, 3, &p, Par::Seq).unwrap();
        assert!(
            e.s.windows(2).all(|w| w[0] >= w[1]),
            "{precision:?}: sorted"
        );
        assert!(
            (e.s[0] - 46.941452896134344).abs() < 1e-4,
            "{precision:?}: {}",
            e.s[0]
        );
        assert!(
            (e.s[1] - 45.89117562233506).abs() < 1e-4,
            "{precision:?}: {}",
            e.s[1]
        );
        assert!(e.s[2] < 1e-3, "{precision:?}: {}", e.s[2]);
        // The kept vectors are those of σ₁ and σ₂: rank 2 rebuilds the plane.
        assert!(error(a.as_ref(), &e, 2) < 1e-3, "{precision:?}");
    }
}

#[test]
fn same_seed_same_factors_whatever_the_thread_count() {
    let a = low_rank_plus_noise(400, 300, 60, 1e-2, 9);
    let p = RandomizedParams::default();
    let with = |threads: usize, method: Method| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par = if threads > 1 {
            Par::rayon(threads)
        } else {
            Par::Seq
        };
        pool.install(|| factorize_plane(a.as_ref(), method, Precision::F32, 25, &p, par).unwrap())
    };
    for method in TRUNCATED {
        let one = with(1, method);
        for threads in [2, 3] {
            let many = with(threads, method);
            assert_eq!(one.s, many.s, "{method:?}, {threads} threads: σ");
            assert!(
                one.u == many.u && one.v == many.v,
                "{method:?}, {threads} threads: vectors"
            );
        }
    }
    let other = RandomizedParams {
        seed: 1,
        ..RandomizedParams::default()
    };
    let f = factorize_plane(
        a.as_ref(),
        Method::Randomized,
        Precision::F32,
        25,
        &other,
        Par::Seq,
    );
    assert_ne!(
        f.unwrap().u,
        with(1, Method::Randomized).u,
        "the seed matters"
    );
}

/// `compress INPUT -k 40 --method METHOD` writes the same file with 1, 2 and 3 threads.
fn assert_same_file_whatever_the_thread_count(input: &Path, method: &str) {
    let dir = tmp();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("t{threads}.png"));
        let o = run(&[
            "compress",
            s(input),
            "-k",
            "40",
            "--method",
            method,
            "--threads",
            threads,
            "-o",
            s(&out),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "{method}");
}

#[test]
fn cli_output_is_the_same_file_whatever_the_thread_count() {
    assert_same_file_whatever_the_thread_count(&sample("astronaut.png"), "randomized");
}

/// The exact SVD runs faer's parallel kernels, whose last bits depend on how the work is
/// split: svdimg fixes the split from the plane's size, so the thread count does not matter.
/// (A greyscale image: its one plane used to get all the threads, a 1600×1100 one differed.)
#[test]
fn exact_output_is_the_same_file_whatever_the_thread_count() {
    let dir = tmp();
    let grey = image::DynamicImage::ImageRgb8(common::photo_like(1600, 1100, 5)).to_luma8();
    let input = common::save(grey, dir.path(), "grey.png");
    assert_same_file_whatever_the_thread_count(&input, "exact");
}

fn opts(method: Method, rank: RankSelect) -> CompressOptions {
    let mut o = CompressOptions::with_rank(rank);
    o.factorize.method = method;
    o
}

#[test]
fn adaptive_ranks_equal_the_exact_choice_or_are_within_one_and_meet_the_target() {
    let img = image::open(sample("coffee.png")).unwrap();
    for select in [
        RankSelect::Energy(0.99),
        RankSelect::Energy(0.998),
        RankSelect::Energy(0.9995),
        RankSelect::Psnr(30.0),
        RankSelect::Ratio(8.0),
    ] {
        let exact = compress_image(&img, &opts(Method::Exact, select), &NoProgress).unwrap();
        for method in TRUNCATED {
            let got = compress_image(&img, &opts(method, select), &NoProgress).unwrap();
            let r = &got.report;
            let svd = r.header.svd.as_ref().expect("compress reports its SVD");
            let reason = &svd.method_reason;
            assert!(reason.contains("adaptively"), "{reason}");
            if svd.method != method {
                // The target lies beyond what the truncated method can compute on this plane:
                // the exact SVD finished the job, and the report says so.
                assert_eq!(svd.method, Method::Exact, "{reason}");
                assert!(reason.contains("→ all"), "{reason}");
            }
            for (c, e) in r.channels.iter().zip(&exact.report.channels) {
                assert!(
                    c.rank.abs_diff(e.rank) <= 1,
                    "{select:?} {method:?} {}: rank {} against exact {}",
                    c.name,
                    c.rank,
                    e.rank
                );
                if let RankSelect::Energy(f) = select {
                    assert!(c.energy_kept >= f, "{select:?}: kept {}", c.energy_kept);
                }
            }
            let stored: u64 = r.channels.iter().map(|c| c.stored_values).sum();
            match select {
                RankSelect::Psnr(db) => {
                    let discarded: f64 = r.channels.iter().map(|c| c.predicted_error.powi(2)).sum();
                    let predicted = 10.0 * (r.samples as f64 / discarded).log10();
                    assert!(predicted >= db, "predicted PSNR {predicted}");
                }
                RankSelect::Ratio(ratio) => {
                    assert!(r.samples as f64 / stored as f64 >= ratio);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn keep_computes_only_the_triplets_asked_for() {
    let img = image::open(sample("coffee.png")).unwrap();
    for method in [Method::Auto, Method::Partial, Method::Randomized] {
        let o = opts(method, RankSelect::Rank(20));
        let fz = factorize_image(&img, &o.factorize, 20, &NoProgress).unwrap();
        for f in &fz.factors {
            assert!(!f.complete, "{method:?}: {}", fz.method_reason);
            assert_eq!((f.rank(), f.s.len()), (20, 20));
        }
    }
    let fz = factorize_image(
        &img,
        &opts(Method::Exact, RankSelect::Rank(20)).factorize,
        20,
        &NoProgress,
    )
    .unwrap();
    assert!(fz
        .factors
        .iter()
        .all(|f| f.complete && f.s.len() == 400 && f.rank() == 20));
}

#[test]
fn truncated_methods_fall_back_to_exact_and_say_so() {
    let img = image::open(sample("coffee.png")).unwrap(); // 600×400
    for method in TRUNCATED {
        let fz = factorize_image(
            &img,
            &opts(method, RankSelect::Rank(300)).factorize,
            300,
            &NoProgress,
        )
        .unwrap();
        assert!(fz
            .factors
            .iter()
            .all(|f| f.method == Method::Exact && f.complete));
        assert!(
            fz.method_reason.contains("exact SVD"),
            "{}",
            fz.method_reason
        );
    }
    let small = image::DynamicImage::ImageRgb8(common::photo_like(120, 90, 4));
    let fz = factorize_image(
        &small,
        &opts(Method::Auto, RankSelect::Rank(5)).factorize,
        5,
        &NoProgress,
    )
    .unwrap();
    assert!(fz.factors.iter().all(|f| f.method == Method::Exact));
    assert!(
        fz.method_reason.starts_with("auto: exact SVD"),
        "{}",
        fz.method_reason
    );
}

#[test]
fn the_report_says_which_method_ran_and_why() {
    let dir = tmp();
    for (method, expect) in [
        ("auto", "partial"),
        ("randomized", "randomized"),
        ("exact", "exact"),
    ] {
        let out = dir.path().join(format!("{method}.png"));
        let v = run_json(&[
            "compress",
            s(&sample("coffee.png")),
            "-k",
            "20",
            "--method",
            method,
            "--json",
            "-o",
            s(&out),
        ]);
        assert_eq!(v["method"], expect, "{v}");
        let reason = v["method_reason"].as_str().unwrap();
        assert!(reason.starts_with(method), "{reason}");
        assert!(image::open(&out).is_ok());
    }
}
