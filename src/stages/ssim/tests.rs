//! Tests of the SSIM module: pinned scikit-image values, the literal definition, bit-identity
//! of the SIMD paths, interleaved channels and kept reference means.

use super::*;

/// `len` samples in [0, 1) from xorshift32, 24 bits each (exact in f32).
fn noise(mut s: u32, len: usize) -> Vec<f32> {
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s >> 8) as f32 / 16_777_216.0
    };
    (0..len).map(|_| next()).collect()
}

/// A periodic ramp in steps of 1/31, `w` columns, `h` rows.
fn ramp(w: usize, h: usize) -> Vec<f32> {
    let v = |x: usize, y: usize| ((x * 7 + y * 13) % 32) as f32 / 31.0;
    (0..h).flat_map(|y| (0..w).map(move |x| v(x, y))).collect()
}

/// `(ramp, 0.75 ramp + 0.25 noise)`, rounded to f32 at each step.
fn pair(w: usize, h: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let (a, n) = (ramp(w, h), noise(seed, w * h));
    let b = a.iter().zip(n).map(|(&a, n)| a * 0.75 + 0.25 * n).collect();
    (a, b)
}

/// The definition evaluated literally, window by window.
fn literal(a: &[f32], b: &[f32], w: usize, h: usize) -> f64 {
    let (k, mut total) = (kernel(), 0.0);
    for (y, x) in (RADIUS..h - RADIUS).flat_map(|y| (RADIUS..w - RADIUS).map(move |x| (y, x))) {
        let mut m = [0.0f64; 5];
        for (dy, dx) in (0..TAPS).flat_map(|dy| (0..TAPS).map(move |dx| (dy, dx))) {
            let wt = k[dy.abs_diff(RADIUS)] * k[dx.abs_diff(RADIUS)];
            let i = (y + dy - RADIUS) * w + x + dx - RADIUS;
            let (p, q) = (f64::from(a[i]), f64::from(b[i]));
            m.iter_mut()
                .zip([p, q, p * p, q * q, p * q])
                .for_each(|(m, v)| *m += wt * v);
        }
        let (vx, vy, cov) = (m[2] - m[0] * m[0], m[3] - m[1] * m[1], m[4] - m[0] * m[1]);
        let den = (m[0] * m[0] + m[1] * m[1] + C1) * (vx + vy + C2);
        total += (2.0 * m[0] * m[1] + C1) * (2.0 * cov + C2) / den;
    }
    total / ((w - 2 * RADIUS) * (h - 2 * RADIUS)) as f64
}

#[test]
fn pinned_scikit_image_values() {
    // harness/pinned.py: scikit-image 0.26.0 on the same planes as float64.
    let got = ssim_plane(&noise(1, 121), &noise(2, 121), 11, 11).unwrap();
    assert!((got - 0.1849511909784953).abs() < 1e-6, "{got}");
    for (w, h, seed, want) in [
        (40, 11, 3, 0.9120581850168601),
        (11, 40, 4, 0.9325349068056531),
        (37, 29, 5, 0.9245383607087562),
        (600, 20, 6, 0.9257167255457337),
    ] {
        let (a, b) = pair(w, h, seed);
        let got = ssim_plane(&a, &b, w, h).unwrap();
        assert!((got - want).abs() < 1e-6, "{w}×{h}: {got} vs {want}");
    }
}

#[test]
fn agrees_with_the_literal_definition() {
    for (w, h) in [(11, 11), (12, 30), (30, 12), (1100, 13), (531, 17)] {
        let (a, b) = pair(w, h, 7);
        let (got, want) = (ssim_plane(&a, &b, w, h).unwrap(), literal(&a, &b, w, h));
        assert!((got - want).abs() < 1e-12, "{w}×{h}: {got} vs {want}");
        assert_eq!(ssim_plane(&b, &a, w, h), Some(got), "not symmetric");
    }
}

#[test]
fn identical_planes_give_exactly_one() {
    for (w, h) in [(11, 11), (11, 40), (37, 29), (1100, 14)] {
        let n = w * h;
        for a in [noise(9, n), ramp(w, h), vec![0.0; n], vec![1.0; n]] {
            assert_eq!(ssim_plane(&a, &a, w, h), Some(1.0), "{w}×{h}");
        }
    }
    let (zero, one) = (vec![0.0; 15 * 12], vec![1.0; 15 * 12]);
    let got = ssim_plane(&zero, &one, 15, 12).unwrap();
    assert!((got - C1 / (1.0 + C1)).abs() < 1e-15, "{got}");
}

#[test]
fn too_small_gives_none() {
    for (w, h) in [(10, 50), (50, 10), (10, 10), (0, 0), (0, 11)] {
        assert_eq!(ssim_plane(&vec![0.5; w * h], &vec![0.5; w * h], w, h), None);
    }
}

#[test]
#[should_panic(expected = "ssim_plane")]
fn mismatched_length_panics() {
    let _ = ssim_plane(&[0.0; 121], &[0.0; 120], 11, 11);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_paths_are_bit_identical() {
    let (a, b) = pair(700, 31, 11);
    for (x0, n) in [(0, 345), (345, 345)] {
        let (a, b) = (Plane { s: &a, width: 700 }, Plane { s: &b, width: 700 });
        let portable = Job::new(&a, &b, 31, 345, None).strip_sum(x0, n);
        if std::is_x86_feature_detected!("avx2") {
            let job = &mut Job::new(&a, &b, 31, 345, None);
            // SAFETY: AVX2 support was checked just above.
            let simd = unsafe { run_avx2(StripSum { job, x0, n }) };
            assert_eq!(portable.to_bits(), simd.to_bits(), "AVX2");
        }
        if std::is_x86_feature_detected!("avx512f") {
            let job = &mut Job::new(&a, &b, 31, 345, None);
            // SAFETY: AVX-512F support was checked just above.
            let simd = unsafe { run_avx512(StripSum { job, x0, n }) };
            assert_eq!(portable.to_bits(), simd.to_bits(), "AVX-512");
        }
        let mean = |x0| StripMean {
            a: &a,
            height: 31,
            x0,
            n,
        };
        let portable = mean(x0).run();
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 support was checked just above.
            assert_eq!(portable, unsafe { run_avx2(mean(x0)) }, "AVX2 mean");
        }
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F support was checked just above.
            assert_eq!(portable, unsafe { run_avx512(mean(x0)) }, "AVX-512 mean");
        }
    }
}

#[test]
fn a_kept_reference_mean_gives_the_same_bits() {
    // One strip and several (wider than STRIP), odd and even output row counts, interleaved
    // and plane channels.
    for (w, h) in [(11, 11), (37, 29), (1100, 14), (531, 17), (1200, 12)] {
        let (a, b) = pair(w * 3, h, 13);
        let a8: Vec<u8> = a.iter().map(|&x| (x * 255.0) as u8).collect();
        let b8: Vec<u8> = b.iter().map(|&x| (x * 255.0) as u8).collect();
        let scale = (1.0 / 255.0) as f32;
        for ch in 0..3 {
            let of = |s| Channel {
                samples: s,
                stride: 3,
                ch,
            };
            let mean = reference_mean(of(&a8), scale, w, h).unwrap();
            let want = ssim_channel(of(&a8), of(&b8), None, scale, w, h).unwrap();
            let got = ssim_channel(of(&a8), of(&b8), Some(&mean), scale, w, h).unwrap();
            assert_eq!(want.to_bits(), got.to_bits(), "{w}×{h} channel {ch}");
            let same = ssim_channel(of(&a8), of(&a8), Some(&mean), scale, w, h);
            assert_eq!(same, Some(1.0), "{w}×{h} channel {ch} against itself");
        }
    }
    assert!(reference_mean(
        Channel {
            samples: &[0u8; 100],
            stride: 1,
            ch: 0
        },
        1.0,
        10,
        10
    )
    .is_none());
}

#[test]
#[should_panic(expected = "mean of another size")]
fn a_mean_of_another_size_panics() {
    let a = Channel {
        samples: &[0u8; 144][..],
        stride: 1,
        ch: 0,
    };
    let mean = reference_mean(a, 1.0, 12, 12).unwrap();
    let b = Channel {
        samples: &[0u8; 143][..],
        stride: 1,
        ch: 0,
    };
    let _ = ssim_channel(b, b, Some(&mean), 1.0, 11, 13);
}

#[test]
fn interleaved_channels_equal_extracted_planes() {
    let (w, h) = (53, 29);
    let (a, b) = pair(w * 3, h, 5);
    let a8: Vec<u8> = a.iter().map(|&x| (x * 255.0) as u8).collect();
    let b8: Vec<u8> = b.iter().map(|&x| (x * 255.0) as u8).collect();
    let scale = (1.0 / 255.0) as f32;
    for ch in 0..3 {
        let plane = |s: &[u8]| -> Vec<f32> {
            s.chunks_exact(3)
                .map(|p| f32::from(p[ch]) * scale)
                .collect()
        };
        let want = ssim_plane(&plane(&a8), &plane(&b8), w, h).unwrap();
        let of = |s| Channel {
            samples: s,
            stride: 3,
            ch,
        };
        let got = ssim_channel(of(&a8), of(&b8), None, scale, w, h).unwrap();
        assert_eq!(want.to_bits(), got.to_bits(), "channel {ch}");
        // Against the channel as a plane of its own: the same.
        let own: Vec<u8> = b8.chunks_exact(3).map(|p| p[ch]).collect();
        let plane_b = Channel {
            samples: &own[..],
            stride: 1,
            ch: 0,
        };
        let got = ssim_channel(of(&a8), plane_b, None, scale, w, h).unwrap();
        assert_eq!(
            want.to_bits(),
            got.to_bits(),
            "channel {ch} against a plane"
        );
    }
}
