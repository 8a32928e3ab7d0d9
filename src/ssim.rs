//! Mean structural similarity (SSIM) of two planes, as defined in DESIGN.md.
//!
//! Wang et al. 2004 with an 11×11 separable Gaussian window (sigma 1.5, truncated
//! at 3.5 sigma), K1 = 0.01, K2 = 0.03, data range 1 and population covariance; the
//! SSIM map is averaged after cropping a 5-pixel border on every side. This matches
//! `skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
//! use_sample_covariance=False, data_range=1.0)`.
//!
//! Because the crop equals the window radius, every pixel that enters the mean has
//! its whole window inside the image, so the mirrored borders of the reference
//! filter never influence the result and only the "valid" region is computed.
//! All local statistics are accumulated in f64 (the variance E[x²] − mu² cancels
//! badly in f32). The image is processed in vertical strips; inside a strip the
//! horizontally filtered statistics of the last 11 rows are kept in a ring buffer
//! so that the vertical pass needs no full-size intermediate maps.

/// Window radius in pixels (3.5 sigma rounded, as scipy does).
const RADIUS: usize = 5;
/// Window width in taps.
const TAPS: usize = 2 * RADIUS + 1;
/// Gaussian standard deviation.
const SIGMA: f64 = 1.5;
/// (K1 * L)² with K1 = 0.01, L = 1.
const C1: f64 = 0.01 * 0.01;
/// (K2 * L)² with K2 = 0.03, L = 1.
const C2: f64 = 0.03 * 0.03;
/// Number of local statistics: mu_a, mu_b, E[a²], E[b²], E[ab].
const STATS: usize = 5;
/// Maximum number of output columns per strip (keeps the ring buffer in L2).
const STRIP: usize = 512;

/// Mean SSIM of two planes of equal shape, samples on the [0, 1] scale (data range 1), row-major, `width` columns, `height` rows.
/// Returns None when width < 11 or height < 11.
///
/// # Panics
///
/// Panics if `a.len()` or `b.len()` differs from `width * height`.
pub fn ssim_plane(a: &[f32], b: &[f32], width: usize, height: usize) -> Option<f64> {
    let len = width
        .checked_mul(height)
        .expect("plane size overflows usize");
    assert_eq!(a.len(), len, "ssim_plane: first plane has the wrong length");
    assert_eq!(
        b.len(),
        len,
        "ssim_plane: second plane has the wrong length"
    );
    if width < TAPS || height < TAPS {
        return None;
    }
    let w = kernel();
    let out_w = width - 2 * RADIUS;
    let out_h = height - 2 * RADIUS;
    let strips = out_w.div_ceil(STRIP);
    let strip_w = out_w.div_ceil(strips);
    let mut scratch = Scratch::new(strip_w);
    let mut total = 0.0;
    let mut x0 = 0;
    while x0 < out_w {
        let n = strip_w.min(out_w - x0);
        total += strip_sum(a, b, width, height, x0, n, &w, &mut scratch);
        x0 += n;
    }
    Some(total / (out_w * out_h) as f64)
}

/// Half of the normalised Gaussian kernel: `w[k]` is the weight at offset ±k.
fn kernel() -> [f64; RADIUS + 1] {
    let mut full = [0.0; TAPS];
    for (i, v) in full.iter_mut().enumerate() {
        let x = i as f64 - RADIUS as f64;
        *v = (-0.5 / (SIGMA * SIGMA) * (x * x)).exp();
    }
    let sum: f64 = full.iter().sum();
    let mut half = [0.0; RADIUS + 1];
    for (k, h) in half.iter_mut().enumerate() {
        *h = full[RADIUS + k] / sum;
    }
    half
}

/// Reusable buffers for one strip of at most `cap` output columns.
struct Scratch {
    /// Per-pixel products (a, b, a², b², ab) of one input row, `cap + 10` each.
    prod: Vec<f64>,
    /// Horizontally filtered statistics of the last `TAPS` rows, `cap` each.
    ring: Vec<f64>,
    /// Fully filtered statistics of one output row, `cap` each.
    vert: Vec<f64>,
    /// SSIM values of one output row.
    row: Vec<f64>,
    /// Distance between consecutive rows of `ring` and `vert`: at least the
    /// strip width and an odd number of cache lines, so the 11 rows read
    /// together never alias in the L1 sets (a multiple of 4 KiB would).
    cap: usize,
}

impl Scratch {
    fn new(n: usize) -> Self {
        let cap = n.div_ceil(16) * 16 + 8;
        Scratch {
            prod: vec![0.0; STATS * (cap + 2 * RADIUS)],
            ring: vec![0.0; TAPS * STATS * cap],
            vert: vec![0.0; STATS * cap],
            row: vec![0.0; cap],
            cap,
        }
    }
}

/// Symmetric 11-tap filter: `dst[j] = sum_k w[|k|] * s[5 + k][j]`.
///
/// Every source slice must hold at least `dst.len()` samples.
#[inline(always)]
fn filter11(s: [&[f64]; TAPS], w: &[f64; RADIUS + 1], dst: &mut [f64]) {
    let n = dst.len();
    let (s0, s1, s2, s3, s4) = (&s[0][..n], &s[1][..n], &s[2][..n], &s[3][..n], &s[4][..n]);
    let (s5, s6, s7, s8) = (&s[5][..n], &s[6][..n], &s[7][..n], &s[8][..n]);
    let (s9, s10) = (&s[9][..n], &s[10][..n]);
    for j in 0..n {
        let mut acc = w[0] * s5[j];
        acc += w[1] * (s4[j] + s6[j]);
        acc += w[2] * (s3[j] + s7[j]);
        acc += w[3] * (s2[j] + s8[j]);
        acc += w[4] * (s1[j] + s9[j]);
        acc += w[5] * (s0[j] + s10[j]);
        dst[j] = acc;
    }
}

/// Sum of the SSIM map over output columns `x0 .. x0 + n` (all output rows).
#[allow(clippy::too_many_arguments)]
fn strip_sum(
    a: &[f32],
    b: &[f32],
    width: usize,
    height: usize,
    x0: usize,
    n: usize,
    w: &[f64; RADIUS + 1],
    sc: &mut Scratch,
) -> f64 {
    let (cap, m) = (sc.cap, n + 2 * RADIUS);
    let mut total = 0.0;
    for r in 0..height {
        // Horizontal pass of input row r into ring slot r % TAPS.
        let ra = &a[r * width + x0..][..m];
        let rb = &b[r * width + x0..][..m];
        let (pa, rest) = sc.prod.split_at_mut(cap + 2 * RADIUS);
        let (pb, rest) = rest.split_at_mut(cap + 2 * RADIUS);
        let (paa, rest) = rest.split_at_mut(cap + 2 * RADIUS);
        let (pbb, pab) = rest.split_at_mut(cap + 2 * RADIUS);
        for (i, (&xa, &xb)) in ra.iter().zip(rb).enumerate() {
            let (xa, xb) = (f64::from(xa), f64::from(xb));
            pa[i] = xa;
            pb[i] = xb;
            paa[i] = xa * xa;
            pbb[i] = xb * xb;
            pab[i] = xa * xb;
        }
        let slot = &mut sc.ring[(r % TAPS) * STATS * cap..][..STATS * cap];
        for (t, dst) in slot.chunks_exact_mut(cap).enumerate() {
            let p = &sc.prod[t * (cap + 2 * RADIUS)..][..m];
            let src = std::array::from_fn(|k| &p[k..]);
            filter11(src, w, &mut dst[..n]);
        }
        if r + 1 < TAPS {
            continue;
        }
        // Vertical pass for the output row centred on input row r - RADIUS.
        let top = r + 1 - TAPS;
        for (t, dst) in sc.vert.chunks_exact_mut(cap).enumerate() {
            let src =
                std::array::from_fn(|k| &sc.ring[(((top + k) % TAPS) * STATS + t) * cap..][..n]);
            filter11(src, w, &mut dst[..n]);
        }
        total += ssim_row(&sc.vert, cap, &mut sc.row[..n]);
    }
    total
}

/// Writes the SSIM of one output row into `out` and returns its sum.
fn ssim_row(vert: &[f64], cap: usize, out: &mut [f64]) -> f64 {
    let n = out.len();
    let ma = &vert[..n];
    let mb = &vert[cap..][..n];
    let eaa = &vert[2 * cap..][..n];
    let ebb = &vert[3 * cap..][..n];
    let eab = &vert[4 * cap..][..n];
    for j in 0..n {
        let (ua, ub) = (ma[j], mb[j]);
        let vx = eaa[j] - ua * ua;
        let vy = ebb[j] - ub * ub;
        let cov = eab[j] - ua * ub;
        let num = (2.0 * ua * ub + C1) * (2.0 * cov + C2);
        let den = (ua * ua + ub * ub + C1) * (vx + vy + C2);
        out[j] = num / den;
    }
    let mut lanes = [0.0f64; 8];
    let chunks = out.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    lanes.iter().sum::<f64>() + tail
}
