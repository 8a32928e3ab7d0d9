//! Spectrum: the singular values of every plane, without singular vectors, and the ranks that
//! reach given fractions of the energy.
//!
//! Values come from faer's dense SVD asked for no vectors (`faer::linalg::svd::svd` with `u` and
//! `v` set to `None`). The energy milestones follow DESIGN.md §2: the rank for a fraction F is
//! the smallest k ≥ 1 with Σ_{i≤k} σᵢ² ≥ F·E, where E = ‖A‖_F² is summed from the samples.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};
use image::DynamicImage;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::parallel;
use crate::plot::{spectrum_plot, write_plot, PlotFormat, SpectrumSeries};
use crate::progress::{ms, Progress, Stage};
use crate::report::{ReportHeader, SvdRun, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, write_bytes, Overwrite};
use crate::stages::factorize::{FactorizeOptions, Method, Precision};
use crate::stages::metrics;
use crate::stages::planes;
use crate::stages::rank::energy_rank;

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

/// Everything that decides what `spectrum` does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpectrumOptions {
    /// Colour mode, alpha and precision (the method is always the exact SVD, values only).
    ///
    /// Default: `FactorizeOptions::default()`.
    pub factorize: FactorizeOptions,
    /// Where the plot goes, `.svg` or `.png`.
    ///
    /// Default: `None`, no plot.
    pub plot: Option<PathBuf>,
    /// Where every singular value and the cumulative energy go as CSV.
    ///
    /// Default: `None`, no CSV.
    pub csv: Option<PathBuf>,
    /// Size limits for decoding.
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether existing outputs are replaced (the input never is).
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
}

/// Everything `spectrum` found out (JSON schema `svdimg.spectrum/2`).
#[derive(Debug, Clone, Serialize)]
pub struct SpectrumReport {
    /// `"svdimg.spectrum/2"`.
    pub schema: &'static str,
    /// The input, the image and the SVD that ran (exact, values only).
    #[serde(flatten)]
    pub header: ReportHeader,
    /// One entry per plane.
    pub channels: Vec<ChannelSpectrum>,
    /// The plot written, if any.
    pub plot: Option<String>,
    /// The CSV written, if any.
    pub csv: Option<String>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds per stage: decode, factorize (the values-only SVDs), encode (plot and CSV).
    pub timings_ms: Timings,
}

/// The fraction of the energy kept at k = 1 … len, as [`crate::stages::metrics::energy_kept`] computes it
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
        schema: "svdimg.spectrum/2",
        header: ReportHeader {
            svd: Some(SvdRun {
                method: Method::Exact,
                method_reason: "the spectrum takes every singular value (values only, no vectors)"
                    .into(),
                precision: opts.precision,
                threads,
            }),
            ..ReportHeader::of_layout(layout)
        },
        channels,
        plot: None,
        csv: None,
        warnings: Vec::new(),
        timings_ms: Timings {
            factorize: Some(ms(t)),
            ..Timings::default()
        },
    })
}

/// Decodes `input`, computes its spectrum, and writes the plot and CSV when asked for. Every
/// output is checked before anything is computed; an error about an output names it
/// ([`Error::file`]).
pub fn spectrum_file(
    input: &Path,
    opts: &SpectrumOptions,
    progress: &dyn Progress,
) -> Result<SpectrumReport> {
    let ow = opts.overwrite;
    if let Some(plot) = &opts.plot {
        PlotFormat::from_path(plot).map_err(Error::about(plot))?;
        check_output(Some(input), plot, ow).map_err(Error::about(plot))?;
    }
    if let Some(csv) = &opts.csv {
        check_output(Some(input), csv, ow).map_err(Error::about(csv))?;
    }
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let mut report = spectrum_image(&decoded.image, &opts.factorize, progress)?;
    report.timings_ms.decode = Some(decode_ms);
    report.header.input = Some(input.display().to_string());
    report.warnings = decoded.warnings;
    let t = Instant::now();
    if let Some(plot) = &opts.plot {
        let title = input
            .file_name()
            .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let format = PlotFormat::from_path(plot).map_err(Error::about(plot))?;
        let series: Vec<SpectrumSeries<'_>> = report
            .channels
            .iter()
            .map(|c| SpectrumSeries {
                name: &c.name,
                singular_values: &c.singular_values,
                cumulative_energy: c.cumulative_energy(),
            })
            .collect();
        let drawn = spectrum_plot(&series, &title, format).map_err(Error::about(plot))?;
        write_plot(&drawn, plot, ow).map_err(Error::about(plot))?;
        report.plot = Some(plot.display().to_string());
    }
    if let Some(csv) = &opts.csv {
        let text = spectrum_csv(&report.channels);
        write_bytes(csv, ow, text.as_bytes()).map_err(Error::about(csv))?;
        report.csv = Some(csv.display().to_string());
    }
    report.timings_ms.encode = Some(ms(t));
    Ok(report)
}

/// `i,sigma_R,…,energy_kept_R,…`: one line per index i (from 1), all singular values.
#[must_use]
pub fn spectrum_csv(channels: &[ChannelSpectrum]) -> String {
    let mut s = String::from("i");
    for c in channels {
        let _ = write!(s, ",sigma_{}", c.name);
    }
    for c in channels {
        let _ = write!(s, ",energy_kept_{}", c.name);
    }
    s.push('\n');
    let cumulative: Vec<Vec<f64>> = channels
        .iter()
        .map(ChannelSpectrum::cumulative_energy)
        .collect();
    let n = channels
        .iter()
        .map(|c| c.singular_values.len())
        .max()
        .unwrap_or(0);
    for i in 0..n {
        let _ = write!(s, "{}", i + 1);
        for c in channels {
            let _ = write!(s, ",{}", c.singular_values[i]);
        }
        for e in &cumulative {
            let _ = write!(s, ",{}", e[i]);
        }
        s.push('\n');
    }
    s
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
