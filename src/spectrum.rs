//! Spectrum: the singular values of every plane, without singular vectors, and the ranks that
//! reach given fractions of the energy.
//!
//! Values come from faer's dense SVD asked for no vectors (`faer::linalg::svd::svd` with `u` and
//! `v` set to `None`). The energy milestones follow DESIGN.md §2: the rank for a fraction F is
//! the smallest k ≥ 1 with Σ_{i≤k} σᵢ² ≥ F·E, where E = ‖A‖_F² is summed from the samples.

use std::time::Instant;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};
use image::DynamicImage;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::factorize::FactorizeOptions;
use crate::factorize::Precision;
use crate::metrics;
use crate::parallel;
use crate::planes;
use crate::progress::{Progress, Stage};
use crate::rank::energy_rank;

/// The energy fractions whose ranks a spectrum reports.
pub const MILESTONES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 0.999];

/// The rank that reaches one energy fraction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Milestone {
    /// The fraction of the energy (0.99 = 99 %).
    pub energy: f64,
    /// The smallest rank keeping at least that fraction.
    pub rank: usize,
}

/// The spectrum of one plane.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelSpectrum {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: String,
    /// Matrix rows (image height).
    pub rows: usize,
    /// Matrix columns (image width).
    pub cols: usize,
    /// All min(rows, cols) singular values, non-increasing, on the [0, 1] sample scale.
    pub singular_values: Vec<f64>,
    /// ‖A‖_F², summed from the samples.
    pub energy_total: f64,
    /// The rank reaching each fraction of [`MILESTONES`].
    pub milestones: Vec<Milestone>,
}

impl ChannelSpectrum {
    /// The fraction of the energy kept at each rank 1, 2, …, min(rows, cols).
    #[must_use]
    pub fn cumulative_energy(&self) -> Vec<f64> {
        cumulative_energy(&self.singular_values, self.energy_total)
    }
}

/// Milliseconds per stage of `spectrum`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SpectrumTimings {
    /// Reading and decoding the input (filled in by the caller).
    pub decode: f64,
    /// Splitting into planes and the values-only SVDs.
    pub svd: f64,
    /// Drawing and writing the plot and CSV (filled in by the caller).
    pub write: f64,
}

/// Everything `spectrum` found out (JSON schema `svdimg.spectrum/1`).
#[derive(Debug, Clone, Serialize)]
pub struct SpectrumReport {
    /// `"svdimg.spectrum/1"`.
    pub schema: &'static str,
    /// The input path, if it came from a file.
    pub input: Option<String>,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// The colour mode in effect.
    pub color: &'static str,
    /// 8 or 16.
    pub bit_depth: u8,
    /// "none", "kept" (not analysed) or "compressed" (analysed as one more plane).
    pub alpha: &'static str,
    /// "f32" or "f64".
    pub precision: &'static str,
    /// Worker threads available.
    pub threads: usize,
    /// One entry per plane.
    pub channels: Vec<ChannelSpectrum>,
    /// The plot written, if any.
    pub plot: Option<String>,
    /// The CSV written, if any.
    pub csv: Option<String>,
    /// Milliseconds per stage.
    pub timings_ms: SpectrumTimings,
}

/// The fraction of the energy kept at k = 1 … len, as [`crate::metrics::energy_kept`] computes it
/// for a whole spectrum (1 − Σ_{i>k} σᵢ² / E); 1 everywhere for an all-zero plane.
#[must_use]
pub fn cumulative_energy(s: &[f64], total: f64) -> Vec<f64> {
    if total <= 0.0 {
        return vec![1.0; s.len()];
    }
    // Suffix sums, as rank::energy_rank forms them, so the two agree to the last digit.
    let mut out = vec![0.0; s.len()];
    let mut tail = 0.0f64;
    for k in (1..=s.len()).rev() {
        out[k - 1] = (1.0 - tail / total).clamp(0.0, 1.0);
        tail += s[k - 1] * s[k - 1];
    }
    out
}

/// The singular values of `plane` alone (no vectors), non-increasing, in the given precision.
pub fn singular_values(plane: MatRef<'_, f32>, precision: Precision, par: Par) -> Result<Vec<f64>> {
    match precision {
        Precision::F32 => values_in::<f32>(plane, par),
        Precision::F64 => {
            let wide = Mat::<f64>::from_fn(plane.nrows(), plane.ncols(), |i, j| {
                f64::from(plane[(i, j)])
            });
            values_in::<f64>(wide.as_ref(), par)
        }
    }
}

fn values_in<T: faer::traits::RealField + Copy + Into<f64>>(
    a: MatRef<'_, T>,
    par: Par,
) -> Result<Vec<f64>> {
    let (m, n) = a.shape();
    let r = m.min(n);
    let mut s = faer::diag::Diag::<T>::zeros(r);
    let no = ComputeSvdVectors::No;
    let req = svd_scratch::<T>(m, n, no, no, par, Default::default());
    let mut mem = MemBuffer::try_new(req)
        .map_err(|_| Error::Limits(format!("not enough memory for the SVD of a {m}×{n} plane")))?;
    svd(
        a,
        s.as_mut(),
        None,
        None,
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|_| Error::NoConvergence(format!("{m}×{n} plane")))?;
    let mut values: Vec<f64> = (0..r).map(|i| s[i].into().max(0.0)).collect();
    // faer sorts them already; make the promise hold whatever happens to rounding.
    values.sort_by(|a, b| b.total_cmp(a));
    Ok(values)
}

/// Splits `img` into planes (colour mode and alpha from `opts`) and computes every plane's
/// singular values and energy milestones. Planes run side by side, as many at once as there are
/// threads, each with an equal share of the threads inside faer.
pub fn spectrum_image(
    img: &DynamicImage,
    opts: &FactorizeOptions,
    progress: &dyn Progress,
) -> Result<SpectrumReport> {
    let t = Instant::now();
    let planes = planes::split(img, opts.color, opts.alpha);
    let layout = &planes.layout;
    let threads = parallel::threads();
    progress.begin(Stage::Factorize, planes.planes.len() as u64);
    let mut values = Vec::with_capacity(planes.planes.len());
    for round in planes.planes.chunks(threads.max(1)) {
        let inner = (threads / round.len()).max(1);
        values.extend(parallel::map(round, |p| {
            let s = singular_values(p.as_ref(), opts.precision, parallel::par(inner));
            progress.advance(Stage::Factorize, 1);
            s
        }));
    }
    progress.end(Stage::Factorize);
    let energies = parallel::map(&planes.planes, |p| metrics::energy(p.as_ref()));
    let channels = values
        .into_iter()
        .zip(energies)
        .enumerate()
        .map(|(p, (s, e))| {
            let s = s?;
            let milestones = MILESTONES
                .iter()
                .map(|&f| Milestone {
                    energy: f,
                    rank: energy_rank(&s, e, f, true),
                })
                .collect();
            Ok(ChannelSpectrum {
                name: layout.names[p].to_string(),
                rows: layout.height,
                cols: layout.width,
                singular_values: s,
                energy_total: e,
                milestones,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SpectrumReport {
        schema: "svdimg.spectrum/1",
        input: None,
        width: layout.width,
        height: layout.height,
        color: layout.color.name(),
        bit_depth: layout.bit_depth,
        alpha: layout.alpha_name(),
        precision: opts.precision.name(),
        threads,
        channels,
        plot: None,
        csv: None,
        timings_ms: SpectrumTimings {
            svd: t.elapsed().as_secs_f64() * 1e3,
            ..SpectrumTimings::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_values_alone() {
        // W = [[4, 0], [3, 5]]: σ = (√40, √10); rank 1 keeps 80 % of the energy.
        let w = faer::mat![[4.0f32, 0.0], [3.0, 5.0]];
        let s = singular_values(w.as_ref(), Precision::F32, Par::Seq).unwrap();
        assert!((s[0] - 40f64.sqrt()).abs() < 1e-5, "{s:?}");
        assert!((s[1] - 10f64.sqrt()).abs() < 1e-5, "{s:?}");
        let cum = cumulative_energy(&s, 50.0);
        assert!((cum[0] - 0.8).abs() < 1e-6);
        assert!((cum[1] - 1.0).abs() < 1e-6);
        assert_eq!(energy_rank(&s, 50.0, 0.79, true), 1);
        assert_eq!(energy_rank(&s, 50.0, 0.81, true), 2);
    }

    #[test]
    fn wide_and_tall_and_zero_planes() {
        let wide = Mat::<f32>::from_fn(3, 17, |i, j| ((i * 7 + j * 3) % 5) as f32);
        let tall = wide.transpose().to_owned();
        let a = singular_values(wide.as_ref(), Precision::F32, Par::Seq).unwrap();
        let b = singular_values(tall.as_ref(), Precision::F64, Par::Seq).unwrap();
        assert_eq!(a.len(), 3);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-4 * a[0], "{a:?} {b:?}");
        }
        let zero = Mat::<f32>::zeros(4, 6);
        let z = singular_values(zero.as_ref(), Precision::F32, Par::Seq).unwrap();
        assert!(z.iter().all(|&x| x == 0.0));
        assert_eq!(cumulative_energy(&z, 0.0), vec![1.0; 4]);
    }
}
