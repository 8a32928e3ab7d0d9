//! Downscaling by area averaging: every output sample is the mean of the input area it covers,
//! partly covered samples weighted by the part covered. Linear and separable (no ringing), so
//! `html` applies the same weights to singular vectors and `grid` to its tiles.

use image::RgbaImage;

/// Area-averaging weights along one axis: which inputs each output averages, and how much.
#[derive(Debug, Clone)]
pub struct Resample {
    /// For every output index, the input indices it averages and their weights (summing to 1).
    pub weights: Vec<Vec<(usize, f64)>>,
}

impl Resample {
    /// Area-weighted averaging of `from` samples into `to` (`to ≤ from`): output `r` covers the
    /// input interval `[r·from/to, (r+1)·from/to)`.
    #[must_use]
    pub fn area(from: usize, to: usize) -> Self {
        assert!(to >= 1 && to <= from, "downscaling {from} to {to}");
        let step = from as f64 / to as f64;
        let weights = (0..to)
            .map(|r| {
                let (lo, hi) = (r as f64 * step, (r + 1) as f64 * step);
                let first = lo.floor() as usize;
                let last = (hi.ceil() as usize).min(from);
                (first..last)
                    .filter_map(|i| {
                        let overlap = (hi.min(i as f64 + 1.0) - lo.max(i as f64)).max(0.0);
                        (overlap > 1e-12).then_some((i, overlap / step))
                    })
                    .collect()
            })
            .collect();
        Resample { weights }
    }

    /// Output length.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether there are no outputs (never, for a built resample).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Applies the averaging to one vector.
    #[must_use]
    pub fn apply(&self, x: impl Fn(usize) -> f64) -> Vec<f64> {
        self.weights
            .iter()
            .map(|w| w.iter().map(|&(i, a)| a * x(i)).sum())
            .collect()
    }
}

/// Reduces `src` to `width × height` (each at most the source's) with [`Resample::area`] along
/// both axes, in f32: a fraction of the time of a general resampler, which matters with a dozen
/// tiles.
#[must_use]
pub fn downscale(src: &RgbaImage, width: u32, height: u32) -> RgbaImage {
    let out = downscale_samples::<4>(
        src.as_raw(),
        src.width() as usize,
        src.height() as usize,
        width.max(1) as usize,
        height.max(1) as usize,
    );
    RgbaImage::from_raw(width.max(1), height.max(1), out).expect("buffer length matches dimensions")
}

/// [`downscale`] for interleaved 8-bit samples with `C` channels each, `sw × sh` to `dw × dh`:
/// every channel is averaged on its own, so an RGB or grey image gives the same samples as its
/// RGBA conversion would.
#[must_use]
pub fn downscale_samples<const C: usize>(
    raw: &[u8],
    sw: usize,
    sh: usize,
    dw: usize,
    dh: usize,
) -> Vec<u8> {
    assert_eq!(raw.len(), sw * sh * C, "samples match dimensions");
    let (wx, wy) = (Resample::area(sw, dw), Resample::area(sh, dh));
    // Down the columns first: every output row is a weighted sum of whole input rows, a loop
    // along memory that the compiler vectorises; the horizontal pass then sees only `dh` rows.
    let stride = sw * C;
    let mut rows = Vec::with_capacity(dh * stride);
    for weights in &wy.weights {
        let start = rows.len();
        // The first row is written, the others added (never adding to zeroed fresh memory,
        // whose pages would be faulted in twice).
        let (&(i0, w0), rest) = weights.split_first().expect("every output covers an input");
        let w0 = w0 as f32;
        rows.extend(
            raw[i0 * stride..(i0 + 1) * stride]
                .iter()
                .map(|&v| w0 * f32::from(v)),
        );
        let acc = &mut rows[start..];
        for &(i, w) in rest {
            let w = w as f32;
            for (a, &v) in acc.iter_mut().zip(&raw[i * stride..(i + 1) * stride]) {
                *a += w * f32::from(v);
            }
        }
    }
    // Then along the rows. Every output reads the same number of consecutive inputs, `taps`,
    // starting at `start[j]`, with weights `weight[j·taps..]`: zero for the inputs that are not
    // its own, before or after them (adding 0·x to the running sum changes nothing, so each
    // output adds its own inputs in order, as the weights list them) — a fixed-length inner
    // loop, summed in a register.
    let taps = wx.weights.iter().map(Vec::len).max().unwrap_or(1);
    let mut start = Vec::with_capacity(dw);
    let mut weight = vec![0.0f32; taps * dw];
    for (j, w) in wx.weights.iter().enumerate() {
        let s = w[0].0.min(sw - taps);
        start.push(s * C);
        for &(i, a) in w {
            weight[j * taps + i - s] = a as f32;
        }
    }
    let mut out = vec![0u8; dh * dw * C];
    let pass = |line: &[f32], dst: &mut [u8]| match taps {
        1 => row_pass::<C>(line, &start, &weight, 1, dst),
        2 => row_pass::<C>(line, &start, &weight, 2, dst),
        3 => row_pass::<C>(line, &start, &weight, 3, dst),
        4 => row_pass::<C>(line, &start, &weight, 4, dst),
        _ => row_pass::<C>(line, &start, &weight, taps, dst),
    };
    for (line, dst) in rows.chunks_exact(stride).zip(out.chunks_exact_mut(dw * C)) {
        pass(line, dst);
    }
    out
}

/// The horizontal pass of [`downscale_samples`] over one row: output j is
/// `Σ_t weight[j·taps + t] · line[start[j] + t·C]` per channel, rounded. Inlined into calls with
/// a constant `taps`, whose loops the compiler then unrolls.
#[inline(always)]
fn row_pass<const C: usize>(
    line: &[f32],
    start: &[usize],
    weight: &[f32],
    taps: usize,
    dst: &mut [u8],
) {
    for ((px_out, &s), w) in dst
        .chunks_exact_mut(C)
        .zip(start)
        .zip(weight.chunks_exact(taps))
    {
        let src = &line[s..s + taps * C];
        for (c, o) in px_out.iter_mut().enumerate() {
            let mut a = 0.0f32;
            for (&w, px) in w.iter().zip(src.chunks_exact(C)) {
                a += w * px[c];
            }
            *o = round_sample(a);
        }
    }
}

/// An averaged sample, rounded half up to 8 bits.
#[inline]
fn round_sample(a: f32) -> u8 {
    (a + 0.5).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn area_weights_sum_to_one_and_cover_the_input() {
        for (from, to) in [(10, 10), (10, 3), (1000, 777), (7, 1)] {
            let r = Resample::area(from, to);
            assert_eq!(r.len(), to);
            let mut cover = vec![0.0; from];
            for w in &r.weights {
                let s: f64 = w.iter().map(|x| x.1).sum();
                assert!((s - 1.0).abs() < 1e-12, "{from}->{to}: {s}");
                for &(i, a) in w {
                    cover[i] += a;
                }
            }
            // Every input sample contributes the same total weight, to/from.
            for c in cover {
                assert!((c - to as f64 / from as f64).abs() < 1e-9);
            }
        }
    }

    /// The weights applied literally, in the order `downscale_samples` documents: down the
    /// columns first (in f32, from the first weight's product), then along the rows from zero.
    fn literal<const C: usize>(raw: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
        let (wx, wy) = (Resample::area(sw, dw), Resample::area(sh, dh));
        let mut out = Vec::new();
        for wr in &wy.weights {
            let column = |x: usize, c: usize| {
                let v = |i: usize| f32::from(raw[(i * sw + x) * C + c]);
                let (&(i0, a0), rest) = wr.split_first().unwrap();
                rest.iter()
                    .fold(a0 as f32 * v(i0), |s, &(i, a)| s + a as f32 * v(i))
            };
            for wc in &wx.weights {
                for c in 0..C {
                    let a = wc
                        .iter()
                        .fold(0.0f32, |s, &(x, a)| s + a as f32 * column(x, c));
                    out.push((a + 0.5).clamp(0.0, 255.0) as u8);
                }
            }
        }
        out
    }

    #[test]
    fn every_tap_count_gives_the_literal_average() {
        let (sw, sh) = (53, 31);
        let raw: Vec<u8> = (0..sw * sh * 4).map(|i| (i * 37 % 251) as u8).collect();
        // Ratios from 1 to 53: one to many taps, windows shifted at the right edge.
        for (dw, dh) in [
            (53, 31),
            (40, 30),
            (27, 16),
            (18, 10),
            (13, 7),
            (9, 5),
            (4, 3),
            (1, 1),
        ] {
            let grey = &raw[..sw * sh];
            assert_eq!(
                downscale_samples::<1>(grey, sw, sh, dw, dh),
                literal::<1>(grey, sw, sh, dw, dh),
                "grey {dw}×{dh}"
            );
            let rgb = &raw[..sw * sh * 3];
            assert_eq!(
                downscale_samples::<3>(rgb, sw, sh, dw, dh),
                literal::<3>(rgb, sw, sh, dw, dh),
                "RGB {dw}×{dh}"
            );
            assert_eq!(
                downscale_samples::<4>(&raw, sw, sh, dw, dh),
                literal::<4>(&raw, sw, sh, dw, dh),
                "RGBA {dw}×{dh}"
            );
        }
    }

    #[test]
    fn downscale_averages_areas() {
        // 4×2 → 2×1: each output pixel is the mean of a 2×2 block.
        let src = RgbaImage::from_fn(4, 2, |x, y| {
            let v = (x * 40 + y * 20) as u8;
            Rgba([v, 255 - v, 7, 255])
        });
        let out = downscale(&src, 2, 1);
        assert_eq!(out.get_pixel(0, 0).0, [30, 225, 7, 255]);
        assert_eq!(out.get_pixel(1, 0).0, [110, 145, 7, 255]);
        // 3 → 2: the middle pixel is split between both outputs.
        let src = RgbaImage::from_fn(3, 1, |x, _| Rgba([[0, 90, 180][x as usize], 0, 0, 255]));
        let out = downscale(&src, 2, 1);
        assert_eq!(out.get_pixel(0, 0).0[0], 30);
        assert_eq!(out.get_pixel(1, 0).0[0], 150);
        // A flat image stays flat, at any ratio.
        let flat = RgbaImage::from_pixel(37, 23, Rgba([200, 100, 50, 255]));
        let out = downscale(&flat, 11, 5);
        assert!(out.pixels().all(|p| p.0 == [200, 100, 50, 255]));
    }
}
