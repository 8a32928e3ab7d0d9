//! The decoder's reconstruction: quantized terms → planes → image, bit-identical on every platform.
//!
//! Every output sample is computed by the same sequence of IEEE-754 single-precision operations
//! whatever the machine, the thread count or the vector width:
//!
//! ```text
//! û_t[i] = q_u,t[i] · Δ_u,t          (f32 × f32)
//! c_t[j] = σ_t · (q_v,t[j] · Δ_v,t)   (f32)
//! A[i, j] = (…((0 + c_0[j]·û_0[i]) + c_1[j]·û_1[i]) + …) + c_{k−1}[j]·û_{k−1}[i]
//! ```
//!
//! summed over terms in rank order, one multiply and one add each (Rust never fuses them into an
//! FMA on its own). The loops run column by column; only whole columns are shared out between
//! threads, and every column's arithmetic is the same whichever thread does it, so threading does
//! not change a bit. No matrix-product library is used here, because those choose blocking and
//! summation order by CPU and thread count. The planes then go through [`crate::stages::planes::merge`]
//! (f64 colour conversion, clamp, round), which is deterministic too.

use faer::Mat;
use image::DynamicImage;

use super::quant::QuantPlane;
use crate::stages::planes::{self, Layout};

/// The first `k` terms of `plane` summed into a rows × cols matrix, in the fixed order above.
///
/// # Panics
/// When the plane holds fewer than `k` terms or its vectors have other lengths (caller bugs).
#[must_use]
#[track_caller]
pub fn reconstruct_plane(plane: &QuantPlane, k: usize, rows: usize, cols: usize) -> Mat<f32> {
    let terms = &plane.terms[..k];
    let us: Vec<Vec<f32>> = terms.iter().map(|t| t.u.dequantize()).collect();
    let vs: Vec<Vec<f32>> = terms.iter().map(|t| t.v.dequantize()).collect();
    for (u, v) in us.iter().zip(&vs) {
        assert_eq!(
            (u.len(), v.len()),
            (rows, cols),
            "vector lengths match the plane"
        );
    }
    let mut out = Mat::<f32>::zeros(rows, cols);
    let column = |j: usize, col: &mut [f32]| {
        for (t, term) in terms.iter().enumerate() {
            let c = term.sigma * vs[t][j];
            for (x, &u) in col.iter_mut().zip(&us[t]) {
                *x += c * u;
            }
        }
    };
    if rows == 0 {
        return out;
    }
    // Columns of a faer matrix may be padded apart: fill a plain buffer, then copy.
    let mut buf = vec![0.0f32; rows * cols];
    for_each_column(&mut buf, rows, column);
    for j in 0..cols {
        for i in 0..rows {
            out[(i, j)] = buf[j * rows + i];
        }
    }
    out
}

#[cfg(feature = "parallel")]
fn for_each_column(buf: &mut [f32], rows: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    use rayon::prelude::*;
    buf.par_chunks_mut(rows)
        .enumerate()
        .for_each(|(j, col)| f(j, col));
}

#[cfg(not(feature = "parallel"))]
fn for_each_column(buf: &mut [f32], rows: usize, f: impl Fn(usize, &mut [f32])) {
    for (j, col) in buf.chunks_mut(rows).enumerate() {
        f(j, col);
    }
}

/// Renders every plane at its rank and merges them into an image (alpha from `alpha` when kept);
/// returns the planes too.
#[must_use]
pub fn reconstruct_image(
    planes: &[QuantPlane],
    layout: &Layout,
    alpha: Option<&[u16]>,
) -> (Vec<Mat<f32>>, DynamicImage) {
    let mats: Vec<Mat<f32>> = planes
        .iter()
        .map(|p| reconstruct_plane(p, p.rank(), layout.height, layout.width))
        .collect();
    let image = planes::merge(&mats, layout, alpha);
    (mats, image)
}
