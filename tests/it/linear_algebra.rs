//! The definitions of DESIGN.md §2 on matrices whose answers are known: the 2×2 worked example,
//! Eckart–Young on seeded random matrices of every shape, lossless full rank, and each rank mode
//! against an independent computation.

use crate::common::{self, XorShift};
use faer::{Mat, Par};
use svdimg::metrics::{frobenius_distance, predicted_error};
use svdimg::reconstruct::reconstruct;
use svdimg::{factorize_plane, CompressOptions, Method, Precision, RankSelect};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn the_two_by_two_example() {
    let w = Mat::<f32>::from_fn(2, 2, |i, j| [[4.0, 0.0], [3.0, 5.0]][i][j]);
    for precision in [Precision::F32, Precision::F64] {
        let f = factorize_plane(
            w.as_ref(),
            Method::Exact,
            precision,
            usize::MAX,
            &Default::default(),
            Par::Seq,
        )
        .unwrap();
        let r = 0.5f64.sqrt();
        assert!(
            close(f.s[0], 40f64.sqrt(), 1e-5) && close(f.s[1], 10f64.sqrt(), 1e-5),
            "{:?}",
            f.s
        );
        let v = [[r, r], [r, -r]];
        let u = [[0.4472, 0.8944], [0.8944, -0.4472]];
        for i in 0..2 {
            for j in 0..2 {
                assert!(
                    close(f64::from(f.v[(i, j)]), v[i][j], 1e-4),
                    "V[{i},{j}] = {}",
                    f.v[(i, j)]
                );
                assert!(
                    close(f64::from(f.u[(i, j)]), u[i][j], 1e-4),
                    "U[{i},{j}] = {}",
                    f.u[(i, j)]
                );
            }
        }
        let a1 = reconstruct(&f, 1, Par::Seq);
        let want = [[2.0, 2.0], [4.0, 4.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!(
                    close(f64::from(a1[(i, j)]), want[i][j], 1e-4),
                    "A1[{i},{j}] = {}",
                    a1[(i, j)]
                );
            }
        }
        assert!(close(
            svdimg::metrics::energy_kept(&f.s, 1, 50.0, true),
            0.8,
            1e-6
        ));
        assert!(close(
            predicted_error(&f.s, 1, 50.0, true),
            10f64.sqrt(),
            1e-5
        ));
    }
}

fn random(m: usize, n: usize, seed: u64) -> Mat<f32> {
    let mut rng = XorShift(seed);
    Mat::from_fn(m, n, |_, _| rng.unit() as f32)
}

#[test]
fn eckart_young_holds_for_every_shape() {
    for (seed, &(m, n)) in [(40, 40), (60, 25), (25, 60), (1, 50), (50, 1), (7, 3)]
        .iter()
        .enumerate()
    {
        let a = random(m, n, 11 + seed as u64);
        let total = svdimg::metrics::energy(a.as_ref());
        for precision in [Precision::F32, Precision::F64] {
            let f = factorize_plane(
                a.as_ref(),
                Method::Exact,
                precision,
                usize::MAX,
                &Default::default(),
                Par::Seq,
            )
            .unwrap();
            assert_eq!(f.s.len(), m.min(n));
            assert!(f.s.windows(2).all(|w| w[0] >= w[1]), "non-increasing");
            let sum: f64 = f.s.iter().map(|s| s * s).sum();
            let tol = f64::from(f32::EPSILON) * ((m.max(n)) as f64).sqrt() * 8.0;
            assert!(close(sum, total, tol * total), "Σσ² = ‖A‖² for {m}×{n}");
            for k in [0, 1, m.min(n) / 2, m.min(n)] {
                let measured =
                    frobenius_distance(a.as_ref(), reconstruct(&f, k, Par::Seq).as_ref());
                let predicted = predicted_error(&f.s, k, total, true);
                assert!(
                    close(measured, predicted, tol * total.sqrt() * 4.0),
                    "{m}×{n} k={k} {precision:?}: measured {measured} vs predicted {predicted}"
                );
            }
        }
    }
}

#[test]
fn full_rank_is_lossless_after_rounding() {
    let img = image::DynamicImage::ImageRgb8(common::photo_like(37, 23, 5));
    let out = svdimg::compress_image(
        &img,
        &CompressOptions::with_rank(RankSelect::Rank(23)),
        &svdimg::NoProgress,
    )
    .unwrap();
    assert_eq!(out.image, img);
    assert_eq!(out.report.psnr, None);
    assert_eq!(out.report.mse, 0.0);
}

/// Every allocation of ranks (k_R, k_G, k_B), by brute force.
fn allocations(r: usize) -> impl Iterator<Item = [usize; 3]> {
    (0..=r).flat_map(move |a| (0..=r).flat_map(move |b| (0..=r).map(move |c| [a, b, c])))
}

#[test]
fn each_rank_mode_picks_what_the_definition_says() {
    let img = image::DynamicImage::ImageRgb8(common::photo_like(14, 11, 9));
    let opts = |rank| {
        let mut o = CompressOptions::with_rank(rank);
        o.factorize.method = Method::Exact;
        o.factorize.precision = Precision::F64;
        o
    };
    let fz = svdimg::factorize_image(
        &img,
        &opts(RankSelect::Rank(1)).factorize,
        usize::MAX,
        &svdimg::NoProgress,
    )
    .unwrap();
    let (m, n, r) = (11usize, 14usize, 11usize);
    let samples = (m * n * 3) as f64;
    let cost = (m + n + 1) as f64;
    let discarded = |k: &[usize; 3]| -> f64 {
        (0..3)
            .map(|p| fz.factors[p].s[k[p]..].iter().map(|s| s * s).sum::<f64>())
            .sum()
    };

    // --energy: per plane, the smallest k with kept/E ≥ F.
    for f in [0.5, 0.9, 0.99, 0.999, 1.0] {
        let choice = fz.select(&RankSelect::Energy(f)).unwrap();
        for p in 0..3 {
            let e = fz.energies[p];
            let kept = |k: usize| 1.0 - fz.factors[p].s[k..].iter().map(|s| s * s).sum::<f64>() / e;
            let want = (1..=r).find(|&k| kept(k) >= f).unwrap_or(r);
            assert_eq!(choice.ranks[p], want, "energy {f} plane {p}");
        }
    }
    // --psnr: least total storage whose predicted PSNR meets the target.
    for db in [20.0, 30.0, 40.0] {
        let choice = fz.select(&RankSelect::Psnr(db)).unwrap();
        let allowed = samples * 10f64.powf(-db / 10.0);
        let best = allocations(r)
            .filter(|k| discarded(k) <= allowed)
            .map(|k| k.iter().sum::<usize>())
            .min()
            .unwrap();
        let ours: [usize; 3] = choice.ranks.clone().try_into().unwrap();
        assert_eq!(ours.iter().sum::<usize>(), best, "psnr {db}: storage");
        assert!(
            discarded(&ours) <= allowed * (1.0 + 1e-9),
            "psnr {db}: target met"
        );
    }
    // --ratio: best predicted quality within samples / R stored values.
    for ratio in [2.0, 5.0, 12.0] {
        let choice = fz.select(&RankSelect::Ratio(ratio)).unwrap();
        let budget = samples / ratio;
        let best = allocations(r)
            .filter(|k| k.iter().sum::<usize>() as f64 * cost <= budget)
            .map(|k| discarded(&k))
            .fold(f64::INFINITY, f64::min);
        let ours: [usize; 3] = choice.ranks.clone().try_into().unwrap();
        assert!(
            ours.iter().sum::<usize>() as f64 * cost <= budget,
            "ratio {ratio}: within budget"
        );
        assert!(
            close(discarded(&ours), best, 1e-12),
            "ratio {ratio}: optimal"
        );
    }
    // -k 10% of min(w, h) = round(1.1) = 1; -k 50% = round(5.5) = 6; clamping.
    assert_eq!(
        fz.select(&RankSelect::Percent(10.0)).unwrap().ranks,
        vec![1; 3]
    );
    assert_eq!(
        fz.select(&RankSelect::Percent(50.0)).unwrap().ranks,
        vec![6; 3]
    );
    let c = fz.select(&RankSelect::Rank(500)).unwrap();
    assert_eq!((c.ranks, c.clamped), (vec![11; 3], true));
}
