//! `svdimg explain`: the walk-through and its JSON, run through the real binary. Reference numbers
//! come from the worked example in DESIGN.md §2 and from numpy's SVD (signs fixed by the project's
//! rule: the first nonzero entry of every vᵢ is positive).

use crate::common::{self, run, run_json, stderr, stdout, tmp};
use serde_json::Value;

/// Runs `explain` with `args` + `--json` and returns the parsed object (exit 0 asserted).
#[track_caller]
fn explain_json(args: &[&str]) -> Value {
    run_json(&[&["explain"], args, &["--json"]].concat())
}

/// Runs `explain` with `args` and returns the text (exit 0 and an empty stderr asserted).
#[track_caller]
fn explain_text(args: &[&str]) -> String {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    stdout(&out)
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("a matrix is an array of rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a row is an array")
                .iter()
                .map(|x| x.as_f64().expect("a number"))
                .collect()
        })
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[track_caller]
fn assert_close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

#[track_caller]
fn assert_mat(a: &[Vec<f64>], b: &[Vec<f64>], tol: f64) {
    assert_eq!(a.len(), b.len(), "rows of {a:?} vs {b:?}");
    for (ra, rb) in a.iter().zip(b) {
        assert_eq!(ra.len(), rb.len(), "columns of {a:?} vs {b:?}");
        for (x, y) in ra.iter().zip(rb) {
            assert_close(*x, *y, tol);
        }
    }
}

/// Column `k` of a row-major matrix.
fn col(m: &[Vec<f64>], k: usize) -> Vec<f64> {
    m.iter().map(|r| r[k]).collect()
}

/// What holds for every explanation: U Σ Vᵀ, computed here from the printed U, Σ and V, equals
/// the input to 1e-9, so does the printed reconstruction; U and V have orthonormal columns.
#[track_caller]
fn check_factorization(j: &Value, w: &[Vec<f64>]) {
    let (u, s, v) = (matrix(&j["u"]), matrix(&j["sigma"]), matrix(&j["v"]));
    let (m, n, r) = (w.len(), w[0].len(), w.len().min(w[0].len()));
    assert_eq!((u.len(), u[0].len(), v.len(), v[0].len()), (m, r, n, r));
    let usv: Vec<Vec<f64>> = (0..m)
        .map(|i| {
            (0..n)
                .map(|c| (0..r).map(|k| u[i][k] * s[k][k] * v[c][k]).sum())
                .collect()
        })
        .collect();
    assert_mat(&usv, w, 1e-9);
    assert_mat(&matrix(&j["reconstruction"]), w, 1e-9);
    assert_mat(&matrix(&j["matrix"]), w, 0.0);
    for q in [&u, &v] {
        for a in 0..r {
            for b in 0..r {
                let d: f64 = col(q, a).iter().zip(col(q, b)).map(|(x, y)| x * y).sum();
                assert_close(d, if a == b { 1.0 } else { 0.0 }, 1e-9);
            }
        }
    }
    let sv = floats(&j["singular_values"]);
    assert!(
        sv.windows(2).all(|p| p[0] >= p[1]),
        "non-increasing: {sv:?}"
    );
}

#[test]
fn worked_example_text_matches_design_numbers() {
    let text = explain_text(&["4 0; 3 5"]);
    for needle in [
        "W is square, so WᵀW and WWᵀ are both 2×2; we use WᵀW.",
        "WᵀW = [ 25.0000  15.0000 ]",
        "λ² − 50.0000·λ + 400.0000 = 0",
        "λ₁ = 40.0000,  λ₂ = 10.0000",
        "σ₁ = √40.0000 = 6.3246",
        "σ₂ = √10.0000 = 3.1623",
        "v₁ = (0.7071, 0.7071)",
        "v₂ = (0.7071, -0.7071)",
        "u₁ = W v₁ / 6.3246 = (0.4472, 0.8944)",
        "u₂ = W v₂ / 3.1623 = (0.8944, -0.4472)",
        "Σ = [ 6.3246  0.0000 ]",
        "U Σ Vᵀ = [ 4.0000  0.0000 ]",
        "A₁ = [ 2.0000  2.0000 ]",
        "     [ 4.0000  4.0000 ]",
        "= 40.0000 / 50.0000 = 80.00 %",
        "‖W − A₁‖_F = √(σ₂²) = 3.1623",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    for step in 1..=7 {
        assert!(text.contains(&format!("Step {step}.")), "step {step}");
    }
    assert!(!text.contains("NaN") && !text.contains("-0.0000"));
}

#[test]
fn worked_example_json_matches_design_numbers() {
    let j = explain_json(&["4 0; 3 5"]);
    let w = vec![vec![4.0, 0.0], vec![3.0, 5.0]];
    check_factorization(&j, &w);
    assert_eq!(j["schema"], "svdimg.explain/1");
    assert_eq!(j["gram_side"], "WtW");
    assert_eq!(j["eigenvalue_method"], "exact quadratic formula");
    assert_mat(
        &matrix(&j["gram"]),
        &[vec![25.0, 15.0], vec![15.0, 25.0]],
        1e-12,
    );
    let poly = floats(&j["characteristic_polynomial"]);
    assert_eq!(poly, vec![1.0, -50.0, 400.0]);
    let lambda = floats(&j["eigenvalues"]);
    assert_close(lambda[0], 40.0, 1e-12);
    assert_close(lambda[1], 10.0, 1e-12);
    let s = floats(&j["singular_values"]);
    assert_close(s[0], 6.3246, 5e-5);
    assert_close(s[1], 3.1623, 5e-5);
    let h = std::f64::consts::FRAC_1_SQRT_2; // 0.7071
    assert_mat(&matrix(&j["v"]), &[vec![h, h], vec![h, -h]], 5e-5);
    assert_mat(
        &matrix(&j["u"]),
        &[vec![0.4472, 0.8944], vec![0.8944, -0.4472]],
        5e-5,
    );
    assert_eq!(j["rank"], 1);
    assert_mat(
        &matrix(&j["approximation"]),
        &[vec![2.0, 2.0], vec![4.0, 4.0]],
        1e-9,
    );
    assert_close(j["energy_kept"].as_f64().unwrap(), 0.8, 1e-12);
    assert_close(j["frobenius_error"].as_f64().unwrap(), 3.1623, 5e-5);
    assert_eq!(j["numerical_rank"], 2);
    assert_eq!(j["completed_vectors"].as_array().unwrap().len(), 0);
}

#[test]
fn tall_and_wide_use_the_smaller_gram_matrix() {
    // numpy: σ = 9.525518, 0.514301.
    let tall = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    let j = explain_json(&["1 2; 3 4; 5 6"]);
    check_factorization(&j, &tall);
    assert_eq!(j["gram_side"], "WtW");
    let s = floats(&j["singular_values"]);
    assert_close(s[0], 9.525518, 1e-6);
    assert_close(s[1], 0.514301, 1e-6);
    let v = matrix(&j["v"]);
    assert_mat(
        &v,
        &[vec![0.619629, 0.784894], vec![0.784894, -0.619629]],
        1e-6,
    );
    let u = matrix(&j["u"]);
    assert_close(u[0][0], 0.229848, 1e-6);
    assert_close(u[0][1], -0.883461, 1e-6);
    let text = explain_text(&["1 2; 3 4; 5 6"]);
    assert!(text.contains("W is tall, so we use WᵀW (2×2) rather than WWᵀ (3×3)."));
    assert!(text.contains("σ₁ = √90.7355 = 9.5255"), "{text}");

    let wide = vec![vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]];
    let j = explain_json(&["1 3 5", "--rank", "2"]);
    assert_eq!(matrix(&j["matrix"]), vec![vec![1.0, 3.0, 5.0]]);
    let j2 = explain_json(&["1 3 5; 2 4 6", "--rank", "2"]);
    check_factorization(&j2, &wide);
    assert_eq!(j2["gram_side"], "WWt");
    let s = floats(&j2["singular_values"]);
    assert_close(s[0], 9.525518, 1e-6);
    assert_close(s[1], 0.514301, 1e-6);
    assert_mat(&matrix(&j2["approximation"]), &wide, 1e-9);
    assert_eq!(j2["energy_kept"], 1.0);
    // The single row: a 1×1 Gram matrix is its own eigenvalue.
    assert_eq!(j["eigenvalue_method"], "exact (1×1 Gram matrix)");
    assert_close(floats(&j["singular_values"])[0], 35f64.sqrt(), 1e-12);
    let text = explain_text(&["1 3 5; 2 4 6"]);
    assert!(text.contains("W is wide, so we use WWᵀ (2×2) rather than WᵀW (3×3)."));
}

#[test]
fn rank_one_matrix_completes_u2_and_says_so() {
    let w = vec![vec![1.0, 2.0], vec![2.0, 4.0]];
    let j = explain_json(&["[[1, 2], [2, 4]]"]);
    check_factorization(&j, &w);
    let s = floats(&j["singular_values"]);
    assert_close(s[0], 5.0, 1e-12);
    assert_eq!(s[1], 0.0);
    assert_eq!(j["numerical_rank"], 1);
    let done = &j["completed_vectors"][0];
    assert_eq!(
        (done["side"].as_str(), done["index"].as_u64()),
        (Some("U"), Some(1))
    );
    assert_close(j["energy_kept"].as_f64().unwrap(), 1.0, 1e-12);
    assert_mat(&matrix(&j["approximation"]), &w, 1e-9);
    let text = explain_text(&["[[1, 2], [2, 4]]"]);
    assert!(text.contains("u₂: σ₂ = 0, see step 5"), "{text}");
    assert!(text.contains("Gram–Schmidt") && text.contains("Notes on this example"));
    assert!(text.contains("100.00 %"));
}

#[test]
fn identity_and_zero_matrices() {
    let id: Vec<Vec<f64>> = (0..3)
        .map(|i| (0..3).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let j = explain_json(&["1 0 0; 0 1 0; 0 0 1"]);
    check_factorization(&j, &id);
    assert_eq!(floats(&j["singular_values"]), vec![1.0; 3]);
    assert_eq!(j["eigenvalue_method"], "cyclic Jacobi (numerical)");
    assert_close(j["energy_kept"].as_f64().unwrap(), 1.0 / 3.0, 1e-12);
    let text = explain_text(&["1 0 0; 0 1 0; 0 0 1"]);
    assert!(
        text.contains("computed numerically with the cyclic Jacobi"),
        "{text}"
    );
    assert!(
        text.contains("σ₁ = σ₂ = σ₃ is a repeated singular value"),
        "{text}"
    );

    let zero = vec![vec![0.0; 2]; 2];
    let j = explain_json(&["0 0; 0 0"]);
    check_factorization(&j, &zero);
    assert_eq!(floats(&j["singular_values"]), vec![0.0, 0.0]);
    assert_eq!(j["energy_kept"], 1.0);
    assert_eq!(j["numerical_rank"], 0);
    assert_mat(&matrix(&j["approximation"]), &zero, 0.0);
    let text = explain_text(&["0 0; 0 0"]);
    assert!(text.contains("100.00 %") && text.contains("W is the zero matrix"));
    let words = text.split(|c: char| !c.is_alphanumeric());
    assert!(!words
        .into_iter()
        .any(|w| w.eq_ignore_ascii_case("nan") || w == "inf"));
}

#[test]
fn rank_digits_and_file_options() {
    let text = explain_text(&["4 0; 3 5", "--rank", "2", "--digits", "2"]);
    assert!(
        text.contains("Step 7. The rank-2 approximation A₂"),
        "{text}"
    );
    assert!(text.contains("σ₁ = √40.00 = 6.32") && !text.contains("6.3246"));
    assert!(text.contains("= 50.00 / 50.00 = 100 %"), "{text}");
    let asked_too_much = explain_json(&["4 0; 3 5", "-k", "5"]);
    assert_eq!(asked_too_much["rank"], 2);

    let dir = tmp();
    let file = dir.path().join("w.txt");
    std::fs::write(&file, "4 0\n3 5\n").unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(
        explain_text(&["--file", f]),
        explain_text(&["4 0; 3 5"]),
        "a file with one row per line reads like the argument"
    );
    let j = explain_json(&["--file", f, "--rank", "2"]);
    assert_eq!(j["rank"], 2);
    // Negative entries are values, not flags.
    let j = explain_json(&["-4 0; 3 -5"]);
    check_factorization(&j, &[vec![-4.0, 0.0], vec![3.0, -5.0]]);
}

/// One line on stderr starting with "error: ", nothing on stdout, the given exit code.
#[track_caller]
fn assert_fails(args: &[&str], code: i32, cause: &str) {
    let out = run(&[&["explain"], args].concat());
    common::assert_error(&format!("{args:?}"), &out, code, &[cause]);
}

#[test]
fn bad_matrices_give_one_line_and_exit_2() {
    assert_fails(&["4 0; 3 5 6"], 2, "row 2 has 3 entries, expected 2");
    assert_fails(&["4 0; 3 x"], 2, "entry 2 of row 2 is not a number: \"x\"");
    assert_fails(&[""], 2, "the matrix is empty");
    assert_fails(&[" ; [ ] "], 2, "the matrix is empty");
    assert_fails(
        &["1 nan; 2 3"],
        2,
        "entry 2 of row 1 is not a finite number",
    );
    assert_fails(&["inf 1"], 2, "not a finite number");
    assert_fails(&["1e999 1"], 2, "not a finite number");
    let nine = ["1 2 3"; 9].join("; ");
    assert_fails(
        &[&nine],
        2,
        "the matrix is 9×3, but at most 8×8 is supported",
    );
    let wide = "1 ".repeat(9);
    assert_fails(&[&wide], 2, "at most 8×8");
    assert_fails(&["4 0\n3 5 6"], 2, "row 2 has 3 entries");

    let dir = tmp();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "1 2\n3\n").unwrap();
    assert_fails(
        &["--file", bad.to_str().unwrap()],
        2,
        "bad.txt: row 2 has 1 entry",
    );
    let binary = dir.path().join("noise.bin");
    std::fs::write(&binary, [0u8, 159, 146, 150, 255]).unwrap();
    assert_fails(&["--file", binary.to_str().unwrap()], 2, "is not a number");
    // A file that cannot be read is not a bad matrix: exit 1.
    let missing = dir.path().join("missing.txt");
    assert_fails(&["--file", missing.to_str().unwrap()], 1, "cannot read");
    // Usage errors (clap): exit 2.
    let out = run(&["explain"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["explain", "4 0; 3 5", "--file", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["explain", "4 0; 3 5", "--rank", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
