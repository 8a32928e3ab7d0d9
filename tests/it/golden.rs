//! svdimg against independent reference numbers (numpy/LAPACK SVD, scikit-image SSIM) made by
//! `shared/tools/oracle.py`; see tests/goldens/README.md.

use crate::common;
use serde_json::Value;
use svdimg::{
    compress_image, decode_file, CompressOptions, DecodeLimits, Method, Precision, RankSelect,
};

fn golden(name: &str, k: usize) -> Value {
    let path = format!(
        "{}/tests/goldens/{name}.k{k}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).expect("JSON")
}

fn check(name: &str, k: usize, precision: Precision) {
    let g = golden(name, k);
    let img = decode_file(
        &common::sample(&format!("{name}.png")),
        &DecodeLimits::default(),
    )
    .expect("sample decodes")
    .image;
    let mut opts = CompressOptions::with_rank(RankSelect::Rank(k));
    opts.factorize.precision = precision;
    opts.factorize.method = Method::Exact;
    let r = compress_image(&img, &opts, &svdimg::NoProgress)
        .expect("compresses")
        .report;
    let gch = g["channels"].as_array().expect("channels");
    assert_eq!(r.channels.len(), gch.len(), "{name}: channel count");
    for (c, gc) in r.channels.iter().zip(gch) {
        let top: Vec<f64> = gc["top"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (i, (&ours, &theirs)) in c.singular_values.iter().zip(&top).enumerate() {
            let rel = (ours - theirs).abs() / top[0];
            assert!(
                rel < 1e-4,
                "{name} k={k} {}: σ{} = {ours} vs {theirs}",
                c.name,
                i + 1
            );
        }
        let e = gc["energy_kept"].as_f64().unwrap();
        assert!(
            (c.energy_kept - e).abs() < 1e-5,
            "{name} k={k} {}: energy {} vs {e}",
            c.name,
            c.energy_kept
        );
        let pe = gc["predicted_frobenius_error"].as_f64().unwrap();
        assert!(
            (c.predicted_error - pe).abs() < 1e-3 * pe.max(1.0),
            "{name} k={k}: predicted error"
        );
        assert!((c.energy_total - gc["energy"].as_f64().unwrap()).abs() < 1e-6 * c.energy_total);
    }
    let psnr = g["psnr"].as_f64().unwrap();
    let ssim = g["ssim"].as_f64().unwrap();
    let ours = r.psnr.expect("lossy at this rank");
    assert!(
        (ours - psnr).abs() < 0.01,
        "{name} k={k}: PSNR {ours} vs {psnr}"
    );
    let s = r.ssim.expect("large enough for SSIM");
    assert!((s - ssim).abs() < 1e-3, "{name} k={k}: SSIM {s} vs {ssim}");
    let mse = g["mse"].as_f64().unwrap();
    assert!(
        (r.mse - mse).abs() < 1e-3 * mse,
        "{name} k={k}: MSE {} vs {mse}",
        r.mse
    );
}

#[test]
fn coffee_matches_the_oracle() {
    for k in [1, 10, 50] {
        check("coffee", k, Precision::F32);
    }
}

#[test]
fn astronaut_matches_the_oracle() {
    for k in [10, 50] {
        check("astronaut", k, Precision::F32);
    }
}

#[test]
fn chelsea_matches_the_oracle() {
    for k in [1, 50] {
        check("chelsea", k, Precision::F32);
    }
}

#[test]
fn camera_greyscale_matches_the_oracle_in_both_precisions() {
    check("camera", 10, Precision::F32);
    check("camera", 50, Precision::F64);
}
