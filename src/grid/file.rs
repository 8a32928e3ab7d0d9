//! `grid` on a file: decode, build the grid, write the sheet, the CSV and the plot.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{grid_image, GridOptions, GridRank, GridReport};
use crate::error::{Error, Result};
use crate::plot::{quality_plot, write_plot, PlotFormat, QualityPoint};
use crate::progress::{timed, Progress};
use crate::stages::decode::decode_stage;
use crate::stages::encode::{check_output, write_bytes, write_image, OutputFormat};

/// `<stem>.grid.png` beside the input.
fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}.grid.png"))
}

/// Decodes `input`, builds the grid and writes the sheet (and the CSV and plot when asked
/// for). Every output is checked before anything is computed; an error about an output names
/// it ([`Error::file`]).
pub fn grid_file(input: &Path, opts: &GridOptions, progress: &dyn Progress) -> Result<GridReport> {
    let ow = opts.overwrite;
    let out = opts.output.clone().unwrap_or_else(|| default_output(input));
    OutputFormat::from_path(&out).map_err(Error::about(&out))?;
    check_output(Some(input), &out, ow).map_err(Error::about(&out))?;
    if let Some(csv) = &opts.csv {
        check_output(Some(input), csv, ow).map_err(Error::about(csv))?;
    }
    if let Some(plot) = &opts.plot {
        PlotFormat::from_path(plot).map_err(Error::about(plot))?;
        check_output(Some(input), plot, ow).map_err(Error::about(plot))?;
    }
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let grid = grid_image(&decoded.image, opts, progress)?;
    let mut warnings = decoded.warnings;
    let written = timed(|| -> Result<(Vec<String>, GridReport)> {
        let written = write_image(&grid.sheet, &out, ow).map_err(Error::about(&out))?;
        let mut report = grid.report(opts);
        if let Some(csv) = &opts.csv {
            let text = grid_csv(&report.ranks);
            write_bytes(csv, ow, text.as_bytes()).map_err(Error::about(csv))?;
            report.csv = Some(csv.display().to_string());
        }
        if let Some(plot) = &opts.plot {
            let title = input
                .file_name()
                .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
            let format = PlotFormat::from_path(plot).map_err(Error::about(plot))?;
            let drawn = quality_plot(&quality_points(&report.ranks), &title, format)
                .map_err(Error::about(plot))?;
            write_plot(&drawn, plot, ow).map_err(Error::about(plot))?;
            report.plot = Some(plot.display().to_string());
        }
        Ok((written, report))
    });
    let ((encoder_warnings, mut report), encode_ms) = (written.0?, written.1);
    report.timings_ms.decode = Some(decode_ms);
    report.timings_ms.encode = Some(encode_ms);
    report.header.input = Some(input.display().to_string());
    report.output = Some(out.display().to_string());
    warnings.extend(encoder_warnings);
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// The plot's points: one per rank.
fn quality_points(ranks: &[GridRank]) -> Vec<QualityPoint> {
    ranks
        .iter()
        .map(|r| QualityPoint {
            rank: r.rank,
            psnr: r.psnr,
            ssim: r.ssim,
            storage_ratio: r.storage_ratio,
        })
        .collect()
}

fn opt(x: Option<f64>, inf: &str) -> String {
    x.map_or_else(|| inf.to_string(), |v| format!("{v}"))
}

/// One line per rank: rank, why, PSNR (dB; "inf" when identical), SSIM (empty below 11 px),
/// MSE, energy kept, storage ratio, stored values, then energy kept and errors per channel.
#[must_use]
pub fn grid_csv(ranks: &[GridRank]) -> String {
    let mut s =
        String::from("rank,reason,psnr_db,ssim,mse,energy_kept,storage_ratio,stored_values");
    if let Some(first) = ranks.first() {
        for c in &first.channels {
            let n = &c.name;
            let _ = write!(s, ",energy_kept_{n},predicted_error_{n},measured_error_{n}");
        }
    }
    s.push('\n');
    for r in ranks {
        let _ = write!(
            s,
            "{},{},{},{},{},{},{},{}",
            r.rank,
            r.reason,
            opt(r.psnr, "inf"),
            opt(r.ssim, ""),
            r.mse,
            r.energy_kept,
            opt(r.storage_ratio, ""),
            r.stored_values
        );
        for c in &r.channels {
            let _ = write!(
                s,
                ",{},{},{}",
                c.energy_kept, c.predicted_error, c.measured_error
            );
        }
        s.push('\n');
    }
    s
}
