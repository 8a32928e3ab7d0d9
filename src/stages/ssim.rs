//! Mean structural similarity (SSIM) of two planes, as DESIGN.md defines it.
//!
//! Wang et al. 2004: 11×11 separable Gaussian window (sigma 1.5, truncated at 3.5 sigma),
//! K1 = 0.01, K2 = 0.03, data range 1, population covariance; the SSIM map is averaged
//! after cropping a 5-pixel border. This matches scikit-image's `structural_similarity(a, b,
//! gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)`.
//!
//! - The crop equals the window radius, so every averaged pixel has its whole window inside
//!   the image: the mirrored borders of the reference never reach the result, and only the
//!   "valid" region is computed.
//! - vx and vy only occur as vx + vy, so four statistics are filtered: mu_a, mu_b,
//!   `E[a² + b²]` and `E[ab]`, in f64 (`E[x²] − mu²` cancels badly in f32).
//! - The image is processed in strips of columns, in parallel (their sums added in order, so
//!   the result does not depend on the thread count); within a strip a ring buffer keeps the
//!   horizontally filtered statistics of the last rows for the vertical pass.
//! - On x86-64 with AVX-512F or AVX2 the same code, compiled with that extension enabled, is
//!   chosen at run time. No version uses FMA, so all give bit-identical results.

/// Window radius (3.5 sigma, rounded as scipy does).
const RADIUS: usize = 5;
/// Window width.
const TAPS: usize = 2 * RADIUS + 1;
/// Rows kept in the ring buffer: one window plus one, to filter output rows in pairs.
const SLOTS: usize = TAPS + 1;
/// Gaussian standard deviation.
const SIGMA: f64 = 1.5;
/// (K1 L)² with K1 = 0.01 and L = 1.
const C1: f64 = 0.01 * 0.01;
/// (K2 L)² with K2 = 0.03 and L = 1.
const C2: f64 = 0.03 * 0.03;
/// Filtered statistics: mu_a, mu_b, `E[a² + b²]`, `E[ab]`.
const STATS: usize = 4;
/// Maximum output columns per strip (keeps the ring buffer in L2).
const STRIP: usize = 512;

/// Half of the symmetric kernel: `w[k]` is the weight at offsets ±k.
type Kernel = [f64; RADIUS + 1];

/// Mean SSIM of two planes of equal shape, samples on the [0, 1] scale (data range 1), row-major, `width` columns, `height` rows.
/// Returns None when width < 11 or height < 11.
///
/// # Panics
///
/// Panics if `a.len()` or `b.len()` differs from `width * height`.
#[cfg(test)]
#[must_use]
#[track_caller]
pub fn ssim_plane(a: &[f32], b: &[f32], width: usize, height: usize) -> Option<f64> {
    let len = width.checked_mul(height);
    let lens = (a.len(), b.len());
    assert!(
        len == Some(lens.0) && len == Some(lens.1),
        "ssim_plane: {lens:?} samples for {width}×{height}"
    );
    debug_assert!(a.iter().chain(b).all(|v| v.is_finite()));
    ssim_of(
        &Plane { s: a, width },
        &Plane { s: b, width },
        width,
        height,
        None,
    )
}

/// One channel of a row-major buffer of interleaved samples: sample `ch` of every `stride`.
/// A plane of its own is `stride` 1, `ch` 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Channel<'a, T> {
    /// The samples, `stride` per pixel.
    pub samples: &'a [T],
    /// Samples per pixel.
    pub stride: usize,
    /// Which sample of each pixel.
    pub ch: usize,
}

/// Mean SSIM of two channels of `width × height` pixels (each from interleaved samples of its
/// own layout), each sample scaled by `scale` in f32 — the same as [`ssim_plane`] of the two
/// channels extracted as planes, without making the planes. `mean`, when given, is the
/// [`reference_mean`] of channel `a` (same scale), made once to measure many channels against
/// it: the same result, bit for bit, a quarter of the filtering sooner.
///
/// # Panics
///
/// Panics if a buffer does not hold `width * height * stride` samples or `ch >= stride`, or if
/// `mean` was made for another size.
#[must_use]
#[track_caller]
pub(crate) fn ssim_channel<T: Copy + Into<f32> + Sync>(
    a: Channel<'_, T>,
    b: Channel<'_, T>,
    mean: Option<&ReferenceMean>,
    scale: f32,
    width: usize,
    height: usize,
) -> Option<f64> {
    if let Some(mean) = mean {
        assert_eq!(
            mean.size,
            (width, height),
            "ssim_channel: mean of another size"
        );
    }
    let (a, b) = (
        interleaved(a, width, height, scale),
        interleaved(b, width, height, scale),
    );
    ssim_of(&a, &b, width, height, mean.map(|m| &m.strips[..]))
}

/// The [`Source`] of a channel, its length checked.
#[track_caller]
fn interleaved<T>(
    c: Channel<'_, T>,
    width: usize,
    height: usize,
    scale: f32,
) -> Interleaved<'_, T> {
    let len = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(c.stride));
    assert!(
        c.ch < c.stride && len == Some(c.samples.len()),
        "ssim_channel: {} samples for {width}×{height}×{}",
        c.samples.len(),
        c.stride
    );
    Interleaved {
        s: c.samples,
        width,
        stride: c.stride,
        ch: c.ch,
        scale,
    }
}

/// The filtered mean `mu_a` of a reference channel over the valid region, kept to measure many
/// channels against it ([`ssim_channel`]): a quarter of the filtering of each measurement.
/// Values are exactly those [`ssim_channel`] filters itself, so results are bit-identical.
#[derive(Debug)]
pub(crate) struct ReferenceMean {
    /// One buffer per strip of [`ssim_of`], its output rows of the strip's columns.
    strips: Vec<Vec<f64>>,
    /// Size of the channel it was made of.
    size: (usize, usize),
}

/// [`ReferenceMean`] of channel `a` of `width × height` pixels, samples scaled by `scale`;
/// None below 11 pixels on a side.
#[must_use]
#[track_caller]
#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(dead_code))]
pub(crate) fn reference_mean<T: Copy + Into<f32> + Sync>(
    a: Channel<'_, T>,
    scale: f32,
    width: usize,
    height: usize,
) -> Option<ReferenceMean> {
    let a = interleaved(a, width, height, scale);
    let (x0s, n) = strips(width, height)?;
    let strips = crate::parallel::map(&x0s, |&x0| {
        let out_w = width - 2 * RADIUS;
        vectorised(StripMean {
            a: &a,
            height,
            x0,
            n: n.min(out_w - x0),
        })
    });
    Some(ReferenceMean {
        strips,
        size: (width, height),
    })
}

/// Where a strip reads its input rows from.
trait Source: Sync {
    /// Writes samples `x0 .. x0 + out.len()` of row `r`, as f64, into `out`.
    fn row(&self, r: usize, x0: usize, out: &mut [f64]);
}

/// A plane of f32 samples, row-major.
#[cfg(test)]
struct Plane<'a> {
    s: &'a [f32],
    width: usize,
}

#[cfg(test)]
impl Source for Plane<'_> {
    #[inline(always)]
    fn row(&self, r: usize, x0: usize, out: &mut [f64]) {
        let src = &self.s[r * self.width + x0..][..out.len()];
        for (o, &x) in out.iter_mut().zip(src) {
            *o = f64::from(x);
        }
    }
}

/// One channel of interleaved samples, scaled in f32 as a plane of them would be.
struct Interleaved<'a, T> {
    s: &'a [T],
    width: usize,
    stride: usize,
    ch: usize,
    scale: f32,
}

impl<T: Copy + Into<f32> + Sync> Source for Interleaved<'_, T> {
    #[inline(always)]
    fn row(&self, r: usize, x0: usize, out: &mut [f64]) {
        let start = (r * self.width + x0) * self.stride;
        let src = &self.s[start..start + out.len() * self.stride];
        for (o, px) in out.iter_mut().zip(src.chunks_exact(self.stride)) {
            let x: f32 = px[self.ch].into();
            *o = f64::from(x * self.scale);
        }
    }
}

/// The first output column of every strip, and the strips' width (the last may be narrower);
/// None when the image is smaller than the window.
fn strips(width: usize, height: usize) -> Option<(Vec<usize>, usize)> {
    if width < TAPS || height < TAPS {
        return None;
    }
    let out_w = width - 2 * RADIUS;
    let n = out_w.div_ceil(out_w.div_ceil(STRIP));
    Some(((0..out_w).step_by(n).collect(), n))
}

/// Mean SSIM of two sources of `width × height` samples, with the filtered mean of `a` per
/// strip when it was made beforehand.
fn ssim_of<S: Source>(
    a: &S,
    b: &S,
    width: usize,
    height: usize,
    mean: Option<&[Vec<f64>]>,
) -> Option<f64> {
    // Strips of at most STRIP output columns, computed in parallel, their sums added in order:
    // the result does not depend on the thread count.
    let (x0s, n) = strips(width, height)?;
    let (out_w, out_h) = (width - 2 * RADIUS, height - 2 * RADIUS);
    let jobs: Vec<(usize, usize)> = x0s.into_iter().enumerate().collect();
    let sums = crate::parallel::map(&jobs, |&(s, x0)| {
        let job = &mut Job::new(a, b, height, n, mean.map(|m| &m[s][..]));
        vectorised(StripSum {
            job,
            x0,
            n: n.min(out_w - x0),
        })
    });
    Some(sums.iter().fold(0.0, |total, s| total + s) / (out_w * out_h) as f64)
}

/// The filtered mean of `a` over output columns `x0 .. x0 + n` of every output row, row after
/// row: the same sums, in the same order, as [`Job::strip_sum`] forms for `mu_a`.
#[inline(always)]
#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(dead_code))]
fn mean_of_strip<S: Source>(a: &S, height: usize, x0: usize, n: usize) -> Vec<f64> {
    let (w, m) = (kernel(), n + 2 * RADIUS);
    let mut row = vec![0.0; m];
    let mut ring = vec![0.0; TAPS * n];
    let mut out = Vec::with_capacity((height - 2 * RADIUS) * n);
    for r in 0..height {
        a.row(r, x0, &mut row);
        let slot = &mut ring[(r % TAPS) * n..][..n];
        filter11(std::array::from_fn(|k| &row[k..]), &w, slot);
        if r >= 2 * RADIUS {
            let first = r - 2 * RADIUS;
            let start = out.len();
            out.resize(start + n, 0.0);
            let ring = &ring;
            let src = std::array::from_fn(|k| &ring[((first + k) % TAPS) * n..][..n]);
            filter11(src, &w, &mut out[start..]);
        }
    }
    out
}

/// A computation whose inner loops are worth compiling for wider vectors.
trait Vectorised {
    type Output;
    /// Runs the computation; `#[inline(always)]`, so that it is compiled into each of
    /// [`run_avx2`] and [`run_avx512`] with their extension enabled.
    fn run(self) -> Self::Output;
}

/// Runs `job` with AVX-512 or AVX2 when the CPU has it. No version uses FMA, so all give
/// bit-identical results.
fn vectorised<V: Vectorised>(job: V) -> V::Output {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: the running CPU supports AVX-512F, checked just above.
        return unsafe { run_avx512(job) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the running CPU supports AVX2, checked just above.
        return unsafe { run_avx2(job) };
    }
    job.run()
}

/// [`Vectorised::run`] compiled with AVX2 enabled.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<V: Vectorised>(job: V) -> V::Output {
    job.run()
}

/// [`Vectorised::run`] compiled with AVX-512F enabled.
///
/// # Safety
///
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<V: Vectorised>(job: V) -> V::Output {
    job.run()
}

/// [`Job::strip_sum`] of one strip.
struct StripSum<'j, 'a, S> {
    job: &'j mut Job<'a, S>,
    x0: usize,
    n: usize,
}

impl<S: Source> Vectorised for StripSum<'_, '_, S> {
    type Output = f64;
    #[inline(always)]
    fn run(self) -> f64 {
        self.job.strip_sum(self.x0, self.n)
    }
}

/// [`mean_of_strip`] of one strip.
#[cfg_attr(not(all(feature = "sheets", feature = "plots")), allow(dead_code))]
struct StripMean<'a, S> {
    a: &'a S,
    height: usize,
    x0: usize,
    n: usize,
}

impl<S: Source> Vectorised for StripMean<'_, S> {
    type Output = Vec<f64>;
    #[inline(always)]
    fn run(self) -> Vec<f64> {
        mean_of_strip(self.a, self.height, self.x0, self.n)
    }
}

/// The normalised Gaussian, computed as `scipy.ndimage.gaussian_filter` does.
fn kernel() -> Kernel {
    let full: [f64; TAPS] = std::array::from_fn(|i| {
        let x = i as f64 - RADIUS as f64;
        (-0.5 / (SIGMA * SIGMA) * (x * x)).exp()
    });
    let sum: f64 = full.iter().sum();
    std::array::from_fn(|k| full[RADIUS + k] / sum)
}

/// The two sources, the kernel, and buffers for strips of at most `n` output columns.
struct Job<'a, S> {
    a: &'a S,
    b: &'a S,
    height: usize,
    w: Kernel,
    n: usize,
    /// Row pitch of `ring` and `vert`: an odd number of cache lines, so the rows read
    /// together never compete for L1 sets (as multiples of 4 KiB would).
    cap: usize,
    /// Per-pixel statistics of one input row, `n + 2 * RADIUS` apart.
    prod: Vec<f64>,
    /// Horizontally filtered statistics of the last `SLOTS` rows, `cap` apart.
    ring: Vec<f64>,
    /// Fully filtered statistics of two output rows, `cap` apart.
    vert: Vec<f64>,
    /// SSIM map of one output row.
    row: Vec<f64>,
    /// The filtered mean of `a` over the strip (output rows of the strip's columns) when made
    /// beforehand; then `mu_a` is neither filtered here nor read from `vert`.
    mean: Option<&'a [f64]>,
}

impl<'a, S: Source> Job<'a, S> {
    fn new(a: &'a S, b: &'a S, height: usize, n: usize, mean: Option<&'a [f64]>) -> Self {
        let cap = n.div_ceil(16) * 16 + 8;
        let (w, prod) = (kernel(), vec![0.0; STATS * (n + 2 * RADIUS)]);
        let (ring, vert) = (vec![0.0; SLOTS * STATS * cap], vec![0.0; 2 * STATS * cap]);
        let row = vec![0.0; n];
        Job {
            a,
            b,
            height,
            w,
            n,
            cap,
            prod,
            ring,
            vert,
            row,
            mean,
        }
    }

    /// Sum of the SSIM map over output columns `x0 .. x0 + n` of every output row.
    #[inline(always)]
    fn strip_sum(&mut self, x0: usize, n: usize) -> f64 {
        let (w, cap, m, pitch) = (&self.w, self.cap, n + 2 * RADIUS, self.n + 2 * RADIUS);
        let (mut total, mut next) = (0.0, 0);
        // Statistics filtered here: all but mu_a when its filtered values are given.
        let first = usize::from(self.mean.is_some());
        for r in 0..self.height {
            // Horizontal pass of input row r into ring slot r % SLOTS.
            let (pa, rest) = self.prod.split_at_mut(pitch);
            let (pb, rest) = rest.split_at_mut(pitch);
            let (psq, pab) = rest.split_at_mut(pitch);
            let (pa, pb) = (&mut pa[..m], &mut pb[..m]);
            self.a.row(r, x0, pa);
            self.b.row(r, x0, pb);
            for (i, (&xa, &xb)) in pa.iter().zip(pb.iter()).enumerate() {
                (psq[i], pab[i]) = (xa * xa + xb * xb, xa * xb);
            }
            let slot = &mut self.ring[(r % SLOTS) * STATS * cap..][..STATS * cap];
            for (t, dst) in slot.chunks_exact_mut(cap).enumerate().skip(first) {
                let src = &self.prod[t * pitch..][..m];
                filter11(std::array::from_fn(|k| &src[k..]), w, &mut dst[..n]);
            }
            // Output row i needs input rows i ..= i + 2 * RADIUS. Rows are filtered in
            // pairs; a last odd row is paired with a stale slot whose result is dropped.
            let ready = (r + 1).saturating_sub(2 * RADIUS);
            let pair = ready >= next + 2;
            if !pair && (r + 1 < self.height || next == ready) {
                continue;
            }
            let ring = &self.ring;
            let src = |k: usize, t: usize| &ring[(((next + k) % SLOTS) * STATS + t) * cap..][..n];
            let (v0, v1) = self.vert.split_at_mut(STATS * cap);
            for t in first..STATS {
                let (d0, d1) = (&mut v0[t * cap..][..n], &mut v1[t * cap..][..n]);
                filter11x2(std::array::from_fn(|k| src(k, t)), w, d0, d1);
            }
            let ma0 = self.mean.map_or(&v0[..n], |m| &m[next * n..][..n]);
            total += ssim_row(ma0, v0, cap, &mut self.row[..n]);
            if pair {
                let ma1 = self.mean.map_or(&v1[..n], |m| &m[(next + 1) * n..][..n]);
                total += ssim_row(ma1, v1, cap, &mut self.row[..n]);
            }
            next += if pair { 2 } else { 1 };
        }
        total
    }
}

/// `sum_k w[|k|] * v(RADIUS + k)` over k in -RADIUS..=RADIUS, outer taps paired.
#[inline(always)]
fn sym11(v: impl Fn(usize) -> f64, w: &Kernel) -> f64 {
    let mut acc = w[0] * v(RADIUS);
    for (k, wk) in (1..).zip(&w[1..]) {
        acc += wk * (v(RADIUS - k) + v(RADIUS + k));
    }
    acc
}

/// `dst[j] = sym11(|k| s[k][j])`; every source must hold `dst.len()` samples.
#[inline(always)]
fn filter11(s: [&[f64]; TAPS], w: &Kernel, dst: &mut [f64]) {
    let s = s.map(|x| &x[..dst.len()]);
    for (j, d) in dst.iter_mut().enumerate() {
        *d = sym11(|k| s[k][j], w);
    }
}

/// [`filter11`] of `s[..TAPS]` into `d0` and of `s[1..]` into `d1`, sharing loads.
#[inline(always)]
fn filter11x2(s: [&[f64]; TAPS + 1], w: &Kernel, d0: &mut [f64], d1: &mut [f64]) {
    let n = d0.len();
    let (s, d1) = (s.map(|x| &x[..n]), &mut d1[..n]);
    for j in 0..n {
        d0[j] = sym11(|k| s[k][j], w);
        d1[j] = sym11(|k| s[k + 1][j], w);
    }
}

/// Writes the SSIM of one output row into `out` and returns its sum: `ma` holds `mu_a`, `vert`
/// the other statistics (`cap` apart, after a slot for `mu_a`).
#[inline(always)]
fn ssim_row(ma: &[f64], vert: &[f64], cap: usize, out: &mut [f64]) -> f64 {
    let n = out.len();
    let (ma, mb) = (&ma[..n], &vert[cap..][..n]);
    let (esq, eab) = (&vert[2 * cap..][..n], &vert[3 * cap..][..n]);
    for j in 0..n {
        let (ua, ub) = (ma[j], mb[j]);
        let lum = ua * ua + ub * ub;
        // vx + vy and cov: when a == b, var_sum is exactly 2 cov and the ratio exactly 1.
        let (var_sum, cov) = (esq[j] - lum, eab[j] - ua * ub);
        out[j] = (2.0 * ua * ub + C1) * (2.0 * cov + C2) / ((lum + C1) * (var_sum + C2));
    }
    // Eight partial sums, so that the loop vectorises.
    let mut lanes = [0.0f64; 8];
    let chunks = out.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        lanes.iter_mut().zip(c).for_each(|(l, v)| *l += v);
    }
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests;
