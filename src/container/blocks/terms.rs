//! A plane as square blocks over a smooth base layer, each block the base plus a few quantized
//! rank-one terms: the analysis (one small SVD per block, done once), the quantization at a step
//! Δ with a Lagrangian stop, and the reconstruction every decoder performs.
//!
//! The base layer is a grid of one value per block, `q_dc·Δ_dc`, interpolated bilinearly between
//! block centres ([`base_block`]): smooth gradients cost no term and leave no block edges. The
//! encoder fits the grid so that the base has each block's mean, and factorizes each block's
//! difference from the base. A block of side n is then
//! `base + Σ_t Δ·C⁻¹a_t·(C⁻¹m_t)ᵀ / ‖a_t‖` where `a_t`, `m_t` are integer vectors of length n,
//! the coefficients of the term's left and right vectors in the orthonormal cosine basis `C`
//! (`cosine`: smooth or periodic singular vectors have few large coefficients). The encoder
//! takes `a_t = round(C·σ_t·u_t / Δ)` from the block's SVD and then refits the right vector to
//! the block's remaining error by least squares (`m_t = round(C·(C⁻¹a_t)ᵀ·R / (Δ·‖a_t‖))`), so
//! each term also corrects the quantization error of the ones before it. The basis keeps norms,
//! so both vectors carry an error of Δ²/12 per coefficient times the other vector's squared
//! norm (‖Δa‖² and ‖m/‖a‖‖² ≈ 1 · …): every term costs the same distortion, whatever its
//! σ. A term is kept while the squared error it removes exceeds λ times its estimated bits.
//! The sign is fixed by the first nonzero coefficient of `a_t`, which is positive.

use super::block_svd::left_singular;
use super::cosine;
use super::range_coder::MAX_INT;
use super::ycbcr::Plane;

/// Largest magnitude of a coded grid value (half the coder's largest integer, so that every
/// difference from a prediction is codable).
pub const MAX_DC: i32 = MAX_INT / 2;

/// A plane cut into blocks, analysed once: per block its samples, mean, singular values and left
/// singular vectors (of the block minus its mean).
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Block side n.
    pub block: usize,
    /// Blocks across.
    pub blocks_x: usize,
    /// Blocks down.
    pub blocks_y: usize,
    /// Per block, n² samples (row-major), the last block row and column padded by repetition.
    samples: Vec<f32>,
    /// Per block, its value of the base layer's grid (before quantization).
    grid: Vec<f32>,
    /// Per block, n singular values.
    sigma: Vec<f32>,
    /// Per block, n left vectors of n entries.
    u: Vec<f32>,
}

/// A plane's quantized blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockCodes {
    /// Block side n.
    pub block: usize,
    /// Blocks across.
    pub blocks_x: usize,
    /// Blocks down.
    pub blocks_y: usize,
    /// Per block, its quantized grid value.
    pub dc: Vec<i32>,
    /// Per block, its number of terms (≤ n).
    pub ranks: Vec<u8>,
    /// The terms of every block in block order, each `a` then `m` (2n integers).
    pub values: Vec<i32>,
}

impl BlockCodes {
    /// Empty codes for a `blocks_x × blocks_y` grid of side-`block` blocks.
    #[must_use]
    pub fn new(block: usize, blocks_x: usize, blocks_y: usize) -> Self {
        BlockCodes {
            block,
            blocks_x,
            blocks_y,
            ..BlockCodes::default()
        }
    }

    /// Total number of terms.
    #[must_use]
    pub fn terms(&self) -> usize {
        self.ranks.iter().map(|&r| usize::from(r)).sum()
    }
}

/// The steps of a plane: Δ for the vectors, Δ_dc for the grid values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steps {
    /// Step of the vector entries.
    pub step: f32,
    /// Step of the grid values.
    pub dc_step: f32,
}

impl Analysis {
    /// Cuts `plane` into blocks of side `block`, fits the grid of the base layer, and
    /// factorizes each block's difference from it.
    #[must_use]
    pub fn new(plane: &Plane, block: usize) -> Self {
        let (bx, by) = (plane.width.div_ceil(block), plane.height.div_ceil(block));
        let n2 = block * block;
        let rows: Vec<usize> = (0..by).collect();
        let samples: Vec<f32> = crate::parallel::map(&rows, |&row| {
            let mut out = Vec::with_capacity(bx * n2);
            for col in 0..bx {
                for i in 0..block {
                    for j in 0..block {
                        out.push(
                            plane
                                .at_clamped((col * block + j) as isize, (row * block + i) as isize),
                        );
                    }
                }
            }
            out
        })
        .concat();
        let means: Vec<f32> = samples
            .chunks_exact(n2)
            .map(|b| (b.iter().map(|&v| f64::from(v)).sum::<f64>() / n2 as f64) as f32)
            .collect();
        // The grid whose interpolation has the blocks' means (two corrections suffice: a block
        // holds over half of its own grid value's weight).
        let mut grid = means.clone();
        for _ in 0..GRID_FIT_ROUNDS {
            let base_means = crate::parallel::map(&rows, |&row| {
                let mut base = vec![0.0f32; n2];
                (0..bx)
                    .map(|col| {
                        base_block(&grid, bx, by, block, col, row, &mut base);
                        (base.iter().map(|&v| f64::from(v)).sum::<f64>() / n2 as f64) as f32
                    })
                    .collect::<Vec<f32>>()
            })
            .concat();
            for ((g, m), b) in grid.iter_mut().zip(&means).zip(base_means) {
                *g += m - b;
            }
        }
        let per_row = crate::parallel::map(&rows, |&row| {
            let mut sigma = Vec::with_capacity(bx * block);
            let mut u = Vec::with_capacity(bx * n2);
            let mut base = vec![0.0f32; n2];
            let mut x = vec![0.0f32; n2];
            for col in 0..bx {
                let b = row * bx + col;
                base_block(&grid, bx, by, block, col, row, &mut base);
                for (k, v) in x.iter_mut().enumerate() {
                    *v = samples[b * n2 + k] - base[k];
                }
                let (s, vecs) = left_singular(&x, block);
                sigma.extend_from_slice(&s);
                u.extend_from_slice(&vecs);
            }
            (sigma, u)
        });
        let (sigma, u): (Vec<Vec<f32>>, Vec<Vec<f32>>) = per_row.into_iter().unzip();
        Analysis {
            block,
            blocks_x: bx,
            blocks_y: by,
            samples,
            grid,
            sigma: sigma.concat(),
            u: u.concat(),
        }
    }

    /// Quantizes every block at `steps`, keeping a term while the squared error it removes is at
    /// least `lambda` times its estimated bits. Returns the codes and the squared error of the
    /// padded blocks.
    #[must_use]
    pub fn quantize(&self, steps: Steps, lambda: f64) -> (BlockCodes, f64) {
        let n = self.block;
        let dc: Vec<i32> = self
            .grid
            .iter()
            .map(|&g| {
                ((f64::from(g) / f64::from(steps.dc_step)).round() as i64)
                    .clamp(-i64::from(MAX_DC), i64::from(MAX_DC)) as i32
            })
            .collect();
        let grid = dequantized_grid(&dc, steps);
        let rows: Vec<usize> = (0..self.blocks_y).collect();
        let per_row = crate::parallel::map(&rows, |&row| {
            let mut codes = BlockCodes::new(n, self.blocks_x, 1);
            let mut err = 0.0;
            let mut scratch = Scratch::new(n);
            for col in 0..self.blocks_x {
                base_block(
                    &grid,
                    self.blocks_x,
                    self.blocks_y,
                    n,
                    col,
                    row,
                    &mut scratch.recon,
                );
                let b = row * self.blocks_x + col;
                err += self.quantize_block(b, steps, lambda, &mut scratch, &mut codes);
            }
            (codes, err)
        });
        let mut codes = BlockCodes::new(n, self.blocks_x, self.blocks_y);
        codes.dc = dc;
        let mut err = 0.0;
        for (c, e) in per_row {
            codes.ranks.extend(c.ranks);
            codes.values.extend(c.values);
            err += e;
        }
        (codes, err)
    }

    fn quantize_block(
        &self,
        b: usize,
        steps: Steps,
        lambda: f64,
        scratch: &mut Scratch,
        codes: &mut BlockCodes,
    ) -> f64 {
        let n = self.block;
        let x = &self.samples[b * n * n..(b + 1) * n * n];
        let Scratch {
            recon,
            trial,
            a,
            m,
            spatial,
            coef,
            a_shape,
        } = scratch;
        let mut err = squared_error(x, recon);
        let sigma = &self.sigma[b * n..(b + 1) * n];
        let u = &self.u[b * n * n..(b + 1) * n * n];
        let step = f64::from(steps.step);
        let mut rank = 0u8;
        for t in 0..n {
            let s = f64::from(sigma[t]);
            if s < 0.5 * step {
                break;
            }
            let ut = &u[t * n..(t + 1) * n];
            for (c, &v) in spatial.iter_mut().zip(ut) {
                *c = s * f64::from(v) / step;
            }
            cosine::forward(spatial, coef);
            for (q, &c) in a.iter_mut().zip(coef.iter()) {
                *q = quantize(c);
            }
            if let Some(first) = a.iter().find(|&&v| v != 0) {
                if *first < 0 {
                    a.iter_mut().for_each(|v| *v = -*v);
                }
            } else {
                break;
            }
            let norm = (a.iter().map(|&v| i64::from(v) * i64::from(v)).sum::<i64>() as f64).sqrt();
            cosine::inverse(a, 1.0, a_shape);
            for (j, mj) in spatial.iter_mut().enumerate() {
                let mut dot = 0.0;
                for (i, &ai) in a_shape.iter().enumerate() {
                    dot += f64::from(ai) * (f64::from(x[i * n + j]) - f64::from(recon[i * n + j]));
                }
                *mj = dot / (step * norm);
            }
            cosine::forward(spatial, coef);
            for (q, &c) in m.iter_mut().zip(coef.iter()) {
                *q = quantize(c);
            }
            if m.iter().all(|&v| v == 0) {
                break;
            }
            trial.copy_from_slice(recon);
            add_term(trial, n, a, m, steps.step);
            let trial_err = squared_error(x, trial);
            let bits = vector_bits(a) + vector_bits(m) + 1.0;
            if err - trial_err < lambda * bits {
                break;
            }
            recon.copy_from_slice(trial);
            err = trial_err;
            codes.values.extend_from_slice(a);
            codes.values.extend_from_slice(m);
            rank += 1;
        }
        codes.ranks.push(rank);
        err
    }
}

/// A row's working buffers for [`Analysis::quantize_block`]: the block as decoded so far
/// (starting as its base layer), a candidate with one more term, and that term's vectors.
struct Scratch {
    recon: Vec<f32>,
    trial: Vec<f32>,
    a: Vec<i32>,
    m: Vec<i32>,
    spatial: Vec<f64>,
    coef: Vec<f64>,
    a_shape: Vec<f32>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            recon: vec![0.0; n * n],
            trial: vec![0.0; n * n],
            a: vec![0; n],
            m: vec![0; n],
            spatial: vec![0.0; n],
            coef: vec![0.0; n],
            a_shape: vec![0.0; n],
        }
    }
}

/// Longest block side.
const MAX_SIDE: usize = 32;

/// Rounds of the encoder's fit of the base layer's grid to the block means.
const GRID_FIT_ROUNDS: usize = 2;

/// The base layer's grid values of quantized `dc` codes.
fn dequantized_grid(dc: &[i32], steps: Steps) -> Vec<f32> {
    dc.iter().map(|&q| q as f32 * steps.dc_step).collect()
}

/// The base layer over block (`col`, `row`) of a `bx × by` grid of side-`n` blocks, into `out`
/// (n² samples, row-major): the grid values, one per block centre, interpolated bilinearly
/// (clamped at the grid's edges). Single precision, in this order, in every decoder.
pub fn base_block(
    grid: &[f32],
    bx: usize,
    by: usize,
    n: usize,
    col: usize,
    row: usize,
    out: &mut [f32],
) {
    let half = n / 2;
    let nf = n as f32;
    // For sample k of a block: the lower grid index (relative: −1 or 0) and the weight of the
    // upper one.
    let along = |k: usize| -> (isize, f32) {
        let f = (k as f32 + 0.5) / nf - 0.5;
        if k < half {
            (-1, 1.0 + f)
        } else {
            (0, f)
        }
    };
    let clampx = |c: isize| c.clamp(0, bx as isize - 1) as usize;
    let clampy = |r: isize| r.clamp(0, by as isize - 1) as usize;
    for i in 0..n {
        let (dy, fy) = along(i);
        let (r0, r1) = (clampy(row as isize + dy), clampy(row as isize + dy + 1));
        for j in 0..n {
            let (dx, fx) = along(j);
            let (c0, c1) = (clampx(col as isize + dx), clampx(col as isize + dx + 1));
            let top = (1.0 - fx) * grid[r0 * bx + c0] + fx * grid[r0 * bx + c1];
            let bottom = (1.0 - fx) * grid[r1 * bx + c0] + fx * grid[r1 * bx + c1];
            out[i * n + j] = (1.0 - fy) * top + fy * bottom;
        }
    }
}

fn quantize(v: f64) -> i32 {
    (v.round() as i64).clamp(-i64::from(MAX_INT), i64::from(MAX_INT)) as i32
}

fn squared_error(x: &[f32], y: &[f32]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| {
            let d = f64::from(a) - f64::from(b);
            d * d
        })
        .sum()
}

/// A rough estimate of the bits the coder spends on a vector: half a bit for a zero (most
/// zeros are high frequencies in a context that expects them), and three plus two per binary
/// order of magnitude for anything else.
pub(super) fn vector_bits(v: &[i32]) -> f64 {
    v.iter()
        .map(|&q| {
            if q == 0 {
                0.5
            } else {
                3.0 + 2.0 * f64::from(31 - q.unsigned_abs().leading_zeros())
            }
        })
        .sum()
}

/// Adds the term `Δ·(C⁻¹a)·(C⁻¹m)ᵀ / ‖a‖` (`a`, `m` cosine coefficients) to the `n × n`
/// row-major block `block`, in the order every decoder uses: both inverse transforms in single
/// precision ([`cosine::inverse`], the left one scaled by Δ/‖a‖), then the outer product.
pub fn add_term(block: &mut [f32], n: usize, a: &[i32], m: &[i32], step: f32) {
    let norm2: i64 = a.iter().map(|&v| i64::from(v) * i64::from(v)).sum();
    if norm2 == 0 {
        return;
    }
    let mut left = [0.0f32; MAX_SIDE];
    let mut right = [0.0f32; MAX_SIDE];
    cosine::inverse(a, step / (norm2 as f32).sqrt(), &mut left[..n]);
    cosine::inverse(m, 1.0, &mut right[..n]);
    for i in 0..n {
        let ai = left[i];
        let row = &mut block[i * n..(i + 1) * n];
        for (r, &mj) in row.iter_mut().zip(&right[..n]) {
            *r += ai * mj;
        }
    }
}

/// The plane of `width × height` samples that `codes` describe at `steps`.
#[must_use]
pub fn reconstruct(codes: &BlockCodes, steps: Steps, width: usize, height: usize) -> Plane {
    let n = codes.block;
    let mut plane = Plane::zeros(width, height);
    let mut block = vec![0.0f32; n * n];
    let grid = dequantized_grid(&codes.dc, steps);
    let mut at = 0;
    for by in 0..codes.blocks_y {
        for bx in 0..codes.blocks_x {
            let b = by * codes.blocks_x + bx;
            base_block(&grid, codes.blocks_x, codes.blocks_y, n, bx, by, &mut block);
            for _ in 0..codes.ranks[b] {
                let (a, m) = codes.values[at..at + 2 * n].split_at(n);
                add_term(&mut block, n, a, m, steps.step);
                at += 2 * n;
            }
            for i in 0..n {
                let y = by * n + i;
                if y >= height {
                    break;
                }
                for j in 0..n {
                    let x = bx * n + j;
                    if x < width {
                        plane.data[y * width + x] = block[i * n + j];
                    }
                }
            }
        }
    }
    plane
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textured(width: usize, height: usize) -> Plane {
        Plane {
            width,
            height,
            data: (0..width * height)
                .map(|k| {
                    let (x, y) = ((k % width) as f32, (k / width) as f32);
                    128.0 + 60.0 * (x * 0.3).sin() * (y * 0.17).cos() + 0.5 * x - 0.3 * y
                })
                .collect(),
        }
    }

    fn mse(a: &Plane, b: &Plane) -> f64 {
        squared_error(&a.data, &b.data) / a.data.len() as f64
    }

    #[test]
    fn finer_steps_give_smaller_errors_and_more_terms() {
        let p = textured(37, 29);
        let an = Analysis::new(&p, 8);
        let mut last = (f64::INFINITY, 0);
        for step in [16.0, 4.0, 1.0, 0.25] {
            let steps = Steps {
                step,
                dc_step: step / 8.0,
            };
            let (codes, _) = an.quantize(steps, 0.12 * f64::from(step * step));
            let out = reconstruct(&codes, steps, p.width, p.height);
            let e = mse(&p, &out);
            assert!(e < last.0, "step {step}: {e} ≥ {}", last.0);
            assert!(codes.terms() >= last.1);
            last = (e, codes.terms());
        }
        assert!(last.0 < 0.05, "{}", last.0);
    }

    #[test]
    fn the_encoders_error_is_the_decoders() {
        let p = textured(32, 24);
        let an = Analysis::new(&p, 8);
        let steps = Steps {
            step: 2.0,
            dc_step: 0.25,
        };
        let (codes, err) = an.quantize(steps, 0.5);
        let out = reconstruct(&codes, steps, p.width, p.height);
        // 32×24 has no padding: the quantizer's own error is the decoded plane's.
        assert!((err - squared_error(&p.data, &out.data)).abs() < 1e-6 * err.max(1.0));
        for (&r, &dc) in codes.ranks.iter().zip(&codes.dc) {
            assert!(usize::from(r) <= 8 && dc.abs() <= MAX_DC);
        }
        assert_eq!(codes.values.len(), codes.terms() * 16);
    }
}
