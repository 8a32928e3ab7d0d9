//! Text rendering of an [`Explanation`]: the numbered walk-through a student reads.

use super::vector::column;
use super::{Explanation, METHOD_JACOBI, METHOD_QUADRATIC};
use std::fmt::Write;

/// Formats x with `d` decimals (huge values in scientific notation); a negative
/// zero such as "-0.0000" loses its sign.
pub fn num(x: f64, d: usize) -> String {
    if x.abs() >= 1e12 && x.is_finite() {
        return format!("{x:.d$e}");
    }
    let s = format!("{x:.d$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// An angle in degrees with two decimals fewer than other numbers (at least one): "73.74°".
pub fn degrees(deg: f64, d: usize) -> String {
    format!("{}°", num(deg, d.saturating_sub(2).max(1)))
}

/// A vector as "(a, b, c)".
fn vector(x: &[f64], d: usize) -> String {
    let parts: Vec<String> = x.iter().map(|&v| num(v, d)).collect();
    format!("({})", parts.join(", "))
}

/// A matrix as aligned bracketed rows, the first prefixed by "label = ".
fn matrix(label: &str, m: &[Vec<f64>], d: usize) -> String {
    let cells: Vec<Vec<String>> = m
        .iter()
        .map(|r| r.iter().map(|&x| num(x, d)).collect())
        .collect();
    let widths: Vec<usize> = (0..cells[0].len())
        .map(|j| cells.iter().map(|row| row[j].len()).max().unwrap_or(0))
        .collect();
    let lines: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let body: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect();
            let lead = if i == 0 {
                format!("{label} = ")
            } else {
                " ".repeat(label.chars().count() + 3)
            };
            format!("    {lead}[ {} ]", body.join("  "))
        })
        .collect();
    lines.join("\n")
}

/// Greedy word wrap to `width` characters; every line but the first starts with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let wl = word.chars().count();
        if len > 0 && len + 1 + wl > width {
            out.push('\n');
            out.push_str(indent);
            len = indent.chars().count();
        } else if len > 0 {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += wl;
    }
    out
}

/// Subscript digits for σ₁, u₂, … (also used for the notes).
pub(super) fn sub(i: usize) -> String {
    let digit = |c: char| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c);
    i.to_string().chars().map(digit).collect()
}

pub(super) fn render(e: &Explanation, d: usize) -> String {
    let (m, n, r) = (e.rows, e.cols, e.rows.min(e.cols));
    let wtw = e.gram_side == "WtW";
    let (g, w) = if wtw {
        ("WᵀW", "W")
    } else {
        ("WWᵀ", "Wᵀ")
    };
    let (gv, ov, gf, of) = if wtw {
        ('v', 'u', 'V', 'U')
    } else {
        ('u', 'v', 'U', 'V')
    };
    let (gmat, omat) = if wtw { (&e.v, &e.u) } else { (&e.u, &e.v) };
    let mut o = String::new();
    macro_rules! say {
        ($($arg:tt)*) => {{ let _ = writeln!(o, $($arg)*); }};
    }

    say!("SVD of W, step by step (numbers rounded to {d} decimals)\n");
    say!("Step 1. The matrix W ({m}×{n}) and which Gram matrix to use");
    say!("{}", matrix("W", &e.matrix, d));
    match (wtw, m == n) {
        (true, true) => say!("  W is square, so WᵀW and WWᵀ are both {n}×{n}; we use WᵀW."),
        (true, false) => say!("  W is tall, so we use WᵀW ({n}×{n}) rather than WWᵀ ({m}×{m})."),
        _ => say!("  W is wide, so we use WWᵀ ({m}×{m}) rather than WᵀW ({n}×{n})."),
    }
    say!("  We always take the smaller of the two: WᵀW and WWᵀ have the same nonzero eigenvalues");
    say!("  (the squares σᵢ² of the singular values), so it is a smaller eigenproblem, same answer.\n");

    say!("Step 2. The Gram matrix {g} ({r}×{r}, symmetric) and its eigenvalues");
    say!("{}", matrix(g, &e.gram, d));
    let lam = |i: usize| format!("λ{} = {}", sub(i + 1), num(e.eigenvalues[i], d));
    match (e.characteristic_polynomial, e.eigenvalue_method.as_str()) {
        (Some([_, b, det]), METHOD_QUADRATIC) => {
            let (tr, disc) = (-b, (b * b - 4.0 * det).max(0.0));
            say!(
                "  For a 2×2 matrix the eigenvalues are the roots of the characteristic polynomial"
            );
            say!("  det({g} − λI) = λ² − tr·λ + det = 0, with trace and determinant");
            let (ga, gb, gd) = (
                num(e.gram[0][0], d),
                num(e.gram[0][1], d),
                num(e.gram[1][1], d),
            );
            say!("    tr  = {ga} + {gd} = {}", num(tr, d));
            say!("    det = {ga}·{gd} − {gb}² = {}, so", num(det, d));
            say!("    λ² − {}·λ + {} = 0", num(tr, d), num(det, d));
            say!("  Quadratic formula: λ = (tr ± √(tr² − 4·det)) / 2");
            say!(
                "    λ = ({} ± √{}) / 2,  so  {},  {}",
                num(tr, d),
                num(disc, d),
                lam(0),
                lam(1)
            );
            say!("  (computed in the stable form λ₁ = (tr + √(tr² − 4·det))/2, λ₂ = det/λ₁, which");
            say!("  avoids subtracting nearly equal numbers.)");
        }
        (_, METHOD_JACOBI) => {
            say!(
                "  For a {r}×{r} matrix the characteristic polynomial has degree {r}: too much to"
            );
            say!("  solve by hand, so the eigenvalues were computed numerically with the cyclic Jacobi");
            say!("  eigenvalue algorithm (f64, to full precision). Plane rotations zero the");
            say!(
                "  off-diagonal entries one pair at a time, sweep after sweep, until the matrix is"
            );
            say!("  diagonal: the diagonal then holds the eigenvalues, and the product of the");
            say!(
                "  rotations the eigenvectors. Sweeps needed here: {}.",
                e.jacobi_sweeps.unwrap_or(0)
            );
            say!("    {}", (0..r).map(lam).collect::<Vec<_>>().join(",  "));
        }
        _ => say!("  A 1×1 matrix is its own eigenvalue:\n    {}", lam(0)),
    }

    say!("\nStep 3. Singular values σᵢ = √λᵢ, largest first");
    for (i, (&l, &s)) in e.eigenvalues.iter().zip(&e.singular_values).enumerate() {
        let k = sub(i + 1);
        if s == 0.0 && l > 0.0 {
            say!(
                "    σ{k} = √{} = {:.1e}, below the zero threshold, so σ{k} = 0",
                num(l, d),
                l.sqrt()
            );
        } else {
            say!("    σ{k} = √{} = {}", num(l, d), num(s, d));
        }
    }
    say!(
        "  Anything at most max(m,n)·ε·σ₁ = {:.1e} (ε: machine epsilon) is rounding noise",
        e.zero_tolerance
    );
    say!("  and counts as 0.");
    if e.notes.iter().any(|s| s.contains("clamped to 0")) {
        say!("  A tiny negative λ (a rounding error) was clamped to 0 before taking the root.");
    }

    say!("\nStep 4. Singular vectors");
    let (side, other) = if wtw {
        ("right", "left")
    } else {
        ("left", "right")
    };
    say!(
        "  The unit eigenvectors of {g}, in the same order, are the {side} singular vectors {gv}ᵢ"
    );
    say!("  (the columns of {gf}):");
    for i in 0..r {
        say!("    {gv}{} = {}", sub(i + 1), vector(&column(gmat, i), d));
    }
    say!("  Each {other} singular vector is {ov}ᵢ = {w} {gv}ᵢ / σᵢ (a unit vector, since");
    say!("  ‖{w} {gv}ᵢ‖² = {gv}ᵢᵀ {g} {gv}ᵢ = λᵢ = σᵢ²):");
    for (i, &s) in e.singular_values.iter().enumerate() {
        let k = sub(i + 1);
        if s > 0.0 {
            say!(
                "    {ov}{k} = {w} {gv}{k} / {} = {}",
                num(s, d),
                vector(&column(omat, i), d)
            );
        } else {
            say!("    {ov}{k}: σ{k} = 0, see step 5");
        }
    }
    say!("  Signs: each pair (uᵢ, vᵢ) may be negated together; we fix it so that the first");
    say!("  nonzero entry of vᵢ is positive.");

    say!("\nStep 5. Zero singular values");
    if e.completed_vectors.is_empty() {
        say!("  Every σᵢ is nonzero, so every {ov}ᵢ came from the formula; nothing to complete.");
    } else {
        say!(
            "  For σᵢ = 0 the formula {ov}ᵢ = {w} {gv}ᵢ / σᵢ would divide by zero. Any unit vector"
        );
        say!(
            "  orthogonal to the other columns of {of} will do, since it is multiplied by σᵢ = 0."
        );
        say!("  Gram–Schmidt takes a standard basis vector eⱼ, subtracts its components along the");
        say!("  other columns, and normalises what is left:");
        for c in &e.completed_vectors {
            let (k, b) = (sub(c.index + 1), sub(c.from_basis + 1));
            say!(
                "    {ov}{k} (from e{b}) = {}",
                vector(&column(omat, c.index), d)
            );
        }
    }

    say!("\nStep 6. Σ and the check U Σ Vᵀ = W");
    say!("  The uᵢ are the columns of U, the σᵢ the diagonal of Σ, the vᵢ the columns of V:");
    for (label, mat) in [("U", &e.u), ("Σ", &e.sigma), ("V", &e.v)] {
        say!("{}\n", matrix(label, mat, d));
    }
    say!("  Multiplying back gives W again:");
    say!("{}", matrix("U Σ Vᵀ", &e.reconstruction, d));
    match e.reconstruction_max_error {
        0.0 => say!("  Largest entry of |U Σ Vᵀ − W|: 0 (exact)."),
        err => say!("  Largest entry of |U Σ Vᵀ − W|: {err:.1e} (rounding error only)."),
    }

    let (k, ks) = (e.rank, sub(e.rank));
    say!("\nStep 7. The rank-{k} approximation A{ks} = Σ_(i≤{k}) σᵢ uᵢ vᵢᵀ");
    match k {
        1 => say!("  Keep the largest singular value and drop the rest:"),
        _ => say!("  Keep the {k} largest singular values and drop the rest:"),
    }
    say!("{}", matrix(&format!("A{ks}"), &e.approximation, d));
    let sq = |i: usize| format!("σ{}²", sub(i + 1));
    let sum_sq = |range: std::ops::Range<usize>| range.map(sq).collect::<Vec<_>>().join(" + ");
    let energy = |range: std::ops::Range<usize>| -> f64 {
        e.singular_values[range].iter().map(|s| s * s).sum()
    };
    let pct = format!("{} %", num(100.0 * e.energy_kept, d.saturating_sub(2)));
    if e.numerical_rank > 0 {
        say!("  Energy kept = ({}) / ({})", sum_sq(0..k), sum_sq(0..r));
        say!(
            "              = {} / {} = {pct}",
            num(energy(0..k), d),
            num(energy(0..r), d)
        );
    } else {
        say!("  Energy kept: every σᵢ = 0, so there is nothing to lose: {pct}");
    }
    if k < r {
        let err = num(e.frobenius_error, d);
        say!(
            "  Frobenius error ‖W − A{ks}‖_F = √({}) = {err}",
            sum_sq(k..r)
        );
    } else {
        say!("  Frobenius error ‖W − A{ks}‖_F = 0: nothing was dropped, A{ks} = W.");
    }
    if let Ok(g) = super::geometry::geometry(e) {
        say!("\nStep 8. The geometry: orthogonal in, orthogonal out");
        say!("  A maps the unit circle onto an ellipse with semi-axes σ₁u₁ and σ₂u₂.");
        let ex = &g.example;
        say!(
            "  x = {} (at {}) and y = {} are orthogonal;",
            vector(&ex.x, d),
            degrees(super::geometry::EXAMPLE_ANGLE_DEG, d),
            vector(&ex.y, d),
        );
        say!(
            "  A x = {} and A y = {}",
            vector(&ex.ax, d),
            vector(&ex.ay, d)
        );
        say!(
            "  meet at {} (lengths {} and {}).",
            ex.angle_deg
                .map_or_else(|| "no angle (one is 0)".into(), |a| degrees(a, d)),
            num(ex.ax_length, d),
            num(ex.ay_length, d)
        );
        let sg = &g.singular;
        say!(
            "  v₁ and v₂ go to σ₁u₁ = {} and σ₂u₂ = {}:",
            vector(&sg.ax, d),
            vector(&sg.ay, d)
        );
        say!(
            "  they meet at {}, with lengths σ₁ = {} and σ₂ = {}.",
            sg.angle_deg
                .map_or_else(|| "no angle (σ₂ = 0)".into(), |a| degrees(a, d)),
            num(sg.ax_length, d),
            num(sg.ay_length, d)
        );
        say!("  A = UΣVᵀ: rotate or reflect (Vᵀ), stretch along the axes (Σ), rotate or reflect (U).");
        say!("  A₁ squashes the ellipse onto its long axis, along u₁.");
        for note in &g.notes {
            say!("  - {}", wrap(note, 88, "    "));
        }
    }
    if !e.notes.is_empty() {
        say!("\nNotes on this example:");
        for note in &e.notes {
            say!("  - {}", wrap(note, 88, "    "));
        }
    }
    o
}
