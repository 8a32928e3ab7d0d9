//! Unit tests of the `explain` module: the worked example, tall/wide/rank-deficient/zero/identity
//! matrices, extreme scales, parsing and the JSON field list.

use super::render::num;
use super::vector::column;
use super::*;

fn w(rows: &[&[f64]]) -> Vec<Vec<f64>> {
    rows.iter().map(|r| r.to_vec()).collect()
}

fn assert_close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
}

fn assert_mat(a: &[Vec<f64>], b: &[Vec<f64>], tol: f64) {
    assert_eq!((a.len(), a[0].len()), (b.len(), b[0].len()), "shape");
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .for_each(|(x, y)| assert_close(*x, *y, tol));
}

/// Columns of `m` orthonormal to 1e-12.
fn assert_orthonormal(m: &[Vec<f64>]) {
    let r = m[0].len();
    for i in 0..r {
        for j in 0..r {
            let d: f64 = m.iter().map(|row| row[i] * row[j]).sum();
            assert_close(d, f64::from(u8::from(i == j)), 1e-12);
        }
    }
}

/// Shapes, U Σ Vᵀ = W, orthonormality, ordering and the sign rule.
fn check(matrix: &[Vec<f64>]) -> Explanation {
    let e = explain(matrix, 1).unwrap();
    let (m, n) = (matrix.len(), matrix[0].len());
    let r = m.min(n);
    let shapes = (
        e.u.len(),
        e.u[0].len(),
        e.v.len(),
        e.v[0].len(),
        e.sigma.len(),
    );
    assert_eq!(shapes, (m, r, n, r, r));
    let scale = matrix.iter().flatten().fold(1.0f64, |a, x| a.max(x.abs()));
    for (i, row) in matrix.iter().enumerate() {
        for (j, x) in row.iter().enumerate() {
            let usv = (0..r).map(|k| e.u[i][k] * e.singular_values[k] * e.v[j][k]);
            assert_close(usv.sum(), *x, 1e-9 * scale);
        }
    }
    assert!(e.reconstruction_max_error <= 1e-9 * scale);
    assert_orthonormal(&e.u);
    assert_orthonormal(&e.v);
    assert!(e.singular_values.windows(2).all(|p| p[0] >= p[1]));
    assert!(e.singular_values.iter().all(|s| *s >= 0.0));
    for k in 0..r {
        let first = column(&e.v, k).into_iter().find(|x| x.abs() > 1e-10);
        assert!(first.unwrap() > 0.0, "sign rule broken for v{k}");
    }
    assert!(e.energy_kept.is_finite() && e.frobenius_error.is_finite());
    e
}

#[test]
fn reference_example() {
    let e = check(&w(&[&[4.0, 0.0], &[3.0, 5.0]]));
    assert_eq!(e.gram_side, "WtW");
    assert_eq!(e.eigenvalue_method, "exact quadratic formula");
    assert_mat(&e.gram, &w(&[&[25.0, 15.0], &[15.0, 25.0]]), 1e-12);
    assert_eq!(e.characteristic_polynomial, Some([1.0, -50.0, 400.0]));
    assert_close(e.eigenvalues[0], 40.0, 1e-12);
    assert_close(e.eigenvalues[1], 10.0, 1e-12);
    assert_close(e.singular_values[0], 6.3246, 5e-5);
    assert_close(e.singular_values[1], 3.1623, 5e-5);
    let h = std::f64::consts::FRAC_1_SQRT_2;
    assert_mat(&e.v, &w(&[&[h, h], &[h, -h]]), 1e-12);
    assert_mat(&e.u, &w(&[&[0.4472, 0.8944], &[0.8944, -0.4472]]), 5e-5);
    assert_mat(&e.approximation, &w(&[&[2.0, 2.0], &[4.0, 4.0]]), 1e-12);
    assert_close(e.energy_kept, 0.8, 1e-12);
    assert_close(e.frobenius_error, 10f64.sqrt(), 1e-12);
    assert_eq!((e.rank, e.numerical_rank), (1, 2));
    assert!(e.completed_vectors.is_empty() && e.notes.is_empty());
}

#[test]
fn reference_text() {
    let text = explain(&w(&[&[4.0, 0.0], &[3.0, 5.0]]), 1)
        .unwrap()
        .render_text(4);
    for needle in
        "6.3246|3.1623|0.4472|0.8944|80|80.00 %|Step 7|λ² − 50.0000·λ + 400.0000 = 0".split('|')
    {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert!(!text.contains("-0.0000"));
    assert_eq!(
        (num(-0.0, 4), num(-0.00001, 4), num(-0.5, 1)),
        ("0.0000".into(), "0.0000".into(), "-0.5".into())
    );
    assert_eq!(
        (num(2.0, 0), num(-2.5e300, 2)),
        ("2".into(), "-2.50e300".into())
    );
    let short = explain(&w(&[&[4.0, 0.0], &[3.0, 5.0]]), 1)
        .unwrap()
        .render_text(2);
    assert!(short.contains("6.32") && !short.contains("6.324"));
}

#[test]
fn tall_and_wide_agree() {
    let tall = w(&[&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0]]);
    let wide = w(&[&[1.0, 3.0, 5.0], &[2.0, 4.0, 6.0]]);
    let (a, b) = (check(&tall), check(&wide));
    assert_eq!((a.gram_side.as_str(), b.gram_side.as_str()), ("WtW", "WWt"));
    for (x, y) in a.singular_values.iter().zip(&b.singular_values) {
        assert_close(*x, *y, 1e-12);
    }
    // The transpose swaps U and V (up to the sign rule, applied to V).
    for k in 0..2 {
        let dot: f64 = (0..3).map(|i| a.u[i][k] * b.v[i][k]).sum();
        assert_close(dot.abs(), 1.0, 1e-12);
    }
}

#[test]
fn rank_one_completes_u2() {
    let e = check(&w(&[&[1.0, 2.0], &[2.0, 4.0]]));
    assert_close(e.singular_values[0], 5.0, 1e-12);
    assert_eq!(e.singular_values[1], 0.0);
    assert_eq!(e.numerical_rank, 1);
    let expected = CompletedVector {
        side: "U".into(),
        index: 1,
        from_basis: 0,
    };
    assert_eq!(e.completed_vectors, vec![expected]);
    assert!(e
        .notes
        .iter()
        .any(|n| n.contains("u₂") && n.contains("Gram–Schmidt")));
    let text = e.render_text(4);
    assert!(text.contains("Step 5. Zero singular values") && text.contains("Notes"));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn rank_deficient_jacobi_cases() {
    let e = check(&w(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], &[7.0, 8.0, 9.0]]));
    assert_eq!((e.numerical_rank, e.completed_vectors.len()), (2, 1));
    assert_eq!(e.eigenvalue_method, "cyclic Jacobi (numerical)");
    // A 5×4 matrix of rank 2 (an outer-product sum) and a nearly singular one.
    let a = [1.0, -2.0, 0.5, 3.0, 1.5];
    let (b, c) = ([2.0, 1.0, -1.0, 0.5], [0.5, -1.0, 3.0, 2.0]);
    let rank2: Vec<Vec<f64>> = (0..5)
        .map(|i| {
            (0..4)
                .map(|j| a[i] * b[j] + (i as f64 - 2.0) * c[j])
                .collect()
        })
        .collect();
    let e = check(&rank2);
    assert_eq!((e.numerical_rank, e.completed_vectors.len()), (2, 2));
    assert!(e.completed_vectors.iter().all(|c| c.side == "U"));
    assert!(
        e.jacobi_sweeps.unwrap() < 20,
        "rank-deficient Jacobi must converge"
    );
    let near = w(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1e-7]]);
    let e = check(&near);
    assert_close(e.singular_values[2], 1e-7, 1e-20);
    check(&transpose(&rank2));
}

#[test]
fn identity_3x3() {
    let id = w(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
    let e = check(&id);
    assert_eq!(e.singular_values, vec![1.0; 3]);
    assert_mat(&e.u, &id, 1e-15);
    assert_mat(&e.v, &id, 1e-15);
    assert_eq!(e.jacobi_sweeps, Some(0));
    assert!(e.notes.iter().any(|n| n.contains("σ₁ = σ₂ = σ₃")));
}

#[test]
fn zero_2x3() {
    let e = check(&[vec![0.0; 3], vec![0.0; 3]]);
    assert_eq!(e.singular_values, vec![0.0; 2]);
    assert_eq!(
        (e.energy_kept, e.frobenius_error, e.numerical_rank),
        (1.0, 0.0, 0)
    );
    assert_eq!(e.completed_vectors.len(), 2);
    assert!(e.completed_vectors.iter().all(|c| c.side == "V"));
    let text = e.render_text(4);
    assert!(text.contains("100.00 %") && !text.contains("NaN"));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(
        (json["energy_kept"].as_f64(), json["rank"].as_u64()),
        (Some(1.0), Some(1))
    );
    check(&[vec![0.0; 2], vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]]);
}

#[test]
fn eight_by_eight_and_rank_k() {
    let m: Vec<Vec<f64>> = (0..8)
        .map(|i| {
            (0..8)
                .map(|j| ((i * 8 + j) as f64 * 0.7).sin() * 10.0 + (i == j) as u8 as f64)
                .collect()
        })
        .collect();
    check(&m);
    for k in [1, 3, 8] {
        let e = explain(&m, k).unwrap();
        let err: f64 = m
            .iter()
            .flatten()
            .zip(e.approximation.iter().flatten())
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        assert_close(err, e.frobenius_error, 1e-9);
        assert!(e.energy_kept > 0.0 && e.energy_kept <= 1.0 + 1e-15);
    }
    assert!(explain(&m, 1).unwrap().jacobi_sweeps.unwrap() < 100);
}

#[test]
fn vectors_extreme_scales_and_rank_clamp() {
    let row = check(&w(&[&[3.0, 0.0, -4.0]]));
    assert_close(row.singular_values[0], 5.0, 1e-15);
    assert_eq!(row.completed_vectors.len(), 0);
    let col = check(&w(&[&[0.0], &[-3.0], &[4.0]]));
    assert_close(col.singular_values[0], 5.0, 1e-15);
    assert_eq!(col.v, vec![vec![1.0]]);
    let base = w(&[&[4.0, 0.0], &[3.0, 5.0], &[1.0, 1.0]]);
    let plain = check(&base);
    for s in [1e200, 1e-200] {
        let scaled: Vec<Vec<f64>> = base
            .iter()
            .map(|r| r.iter().map(|x| x * s).collect())
            .collect();
        let e = explain(&scaled, 1).unwrap();
        for (x, y) in e.singular_values.iter().zip(&plain.singular_values) {
            assert_close(x / s, *y, 1e-12);
        }
        assert!(e.reconstruction_max_error <= 1e-12 * s);
        assert_orthonormal(&e.u);
        assert_orthonormal(&e.v);
    }
    let e = explain(&w(&[&[4.0, 0.0], &[3.0, 5.0]]), 5).unwrap();
    assert_eq!((e.rank, e.energy_kept, e.frobenius_error), (2, 1.0, 0.0));
    assert!(e.notes.iter().any(|n| n.contains("requested rank 5")));
}

#[test]
fn parsing() {
    let expected = w(&[&[4.0, 0.0], &[3.0, 5.0]]);
    for text in [
        "4 0; 3 5",
        "[4, 0; 3, 5]",
        "[[4,0],[3,5]]",
        "4 0\n\n 3,5\n",
        "4 0;3 5;",
    ] {
        assert_eq!(parse_matrix(text).unwrap(), expected, "{text:?}");
    }
    assert_eq!(parse_matrix("\u{2212}1.5 2e1").unwrap(), [[-1.5, 20.0]]);
    let err = |t: &str| {
        format!(
            "{:?} / {}",
            parse_matrix(t).unwrap_err(),
            parse_matrix(t).unwrap_err()
        )
    };
    let big = ["1 2 3 4 5 6 7 8 9"; 9].join(";");
    for (text, want) in [
        ("4 0; 3 5 6", "Ragged { row: 2, expected: 2, found: 3 } / row 2 has 3 entries, expected 2"),
        ("1 2;\n\n3", "Ragged { row: 2, expected: 2, found: 1 } / row 2 has 1 entry, expected 2"),
        ("a b", "NotANumber { row: 1, col: 1, token: \"a\" } / entry 1 of row 1 is not a number: \"a\""),
        ("", "Empty / the matrix is empty; give rows such as \"4 0; 3 5\""),
        (" ; \n [ ] ", "Empty / the matrix is empty; give rows such as \"4 0; 3 5\""),
        ("nan 1", "NonFinite { row: 1, col: 1 } / entry 1 of row 1 is not a finite number (nan and infinity are not allowed)"),
        ("1 -inf", "NonFinite { row: 1, col: 2 } / entry 2 of row 1 is not a finite number (nan and infinity are not allowed)"),
        (&big, "TooLarge { rows: 9, cols: 9 } / the matrix is 9×9, but at most 8×8 is supported"),
    ] {
        assert_eq!(err(text), want);
    }
    assert!(parse_matrix(&["1 2 3 4 5 6 7 8"; 8].join(";")).is_ok());
    let _: &dyn std::error::Error = &ExplainError::Empty;
}

#[test]
fn explain_validates_input() {
    let err = |m: &[Vec<f64>]| format!("{:?}", explain(m, 1).unwrap_err());
    assert_eq!((err(&[]), err(&[vec![]])), ("Empty".into(), "Empty".into()));
    let ragged = err(&[vec![1.0, 2.0], vec![3.0]]);
    assert_eq!(ragged, "Ragged { row: 2, expected: 2, found: 1 }");
    let inf = err(&[vec![1.0, f64::INFINITY]]);
    assert_eq!(inf, "NonFinite { row: 1, col: 2 }");
    assert_eq!(err(&vec![vec![1.0]; 9]), "TooLarge { rows: 9, cols: 1 }");
}

#[test]
fn json_has_every_field() {
    let e = explain(&w(&[&[1.0, 2.0], &[2.0, 4.0]]), 1).unwrap();
    let json = serde_json::to_value(&e).unwrap();
    let obj = json.as_object().unwrap();
    let keys = "matrix rows cols gram_side gram characteristic_polynomial eigenvalues \
        eigenvalue_method jacobi_sweeps singular_values zero_tolerance numerical_rank u sigma v \
        completed_vectors reconstruction reconstruction_max_error rank approximation \
        energy_kept frobenius_error notes";
    for key in keys.split_whitespace() {
        assert!(obj.contains_key(key), "missing {key}");
    }
    assert_eq!(obj.len(), 23);
    assert_eq!(json["gram_side"], "WtW");
    assert_eq!(json["completed_vectors"][0]["side"], "U");
    assert_eq!(json["characteristic_polynomial"][1], -25.0);
}
