//! `svdimg spectrum`: the singular values of every channel (values only, no vectors), the ranks
//! that reach 50, 90, 95, 99 and 99.9 % of the energy, a plot and a CSV of all of them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use svdimg::plot::{spectrum_plot, PlotFormat};
use svdimg::spectrum::{spectrum_image, ChannelSpectrum, SpectrumReport};
use svdimg::{Overwrite, RankSelect};

use super::{output, CommonArgs, Exit};

/// `svdimg spectrum`.
#[derive(Debug, Args)]
pub struct SpectrumArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Plot σᵢ per channel on a log scale with the energy kept on a second axis (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Write every singular value and the cumulative energy per channel as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// Runs `spectrum`.
pub fn run(args: &SpectrumArgs) -> Exit {
    match spectrum(args) {
        Ok(report) => {
            let text = if args.common.json {
                output::json_line(&report) + "\n"
            } else {
                spectrum_text(&report)
            };
            output::print_stdout(&text);
            if let Some(path) = &args.common.report {
                let ow = if args.common.force {
                    Overwrite::Replace
                } else {
                    Overwrite::Never
                };
                if let Err(e) = output::write_report(&report, path, ow) {
                    eprintln!("{}", output::error_line(path, &e));
                    return Exit::Failure;
                }
            }
            Exit::Success
        }
        Err((path, e)) => {
            eprintln!("{}", output::error_line(&path, &e));
            Exit::Failure
        }
    }
}

fn spectrum(args: &SpectrumArgs) -> Result<SpectrumReport, (PathBuf, svdimg::Error)> {
    let input = &args.input;
    let opts = super::convert::compress_options(RankSelect::default(), &args.common);
    let ow = opts.overwrite;
    let on = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p, e)
    };
    if let Some(plot) = &args.plot {
        PlotFormat::from_path(plot).map_err(on(plot))?;
        svdimg::encode::check_output(Some(input), plot, ow).map_err(on(plot))?;
    }
    if let Some(csv) = &args.csv {
        svdimg::encode::check_output(Some(input), csv, ow).map_err(on(csv))?;
    }
    let bar = super::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
    let t = Instant::now();
    let decoded = svdimg::decode_file(input, &opts.limits).map_err(on(input));
    let decode_ms = ms(t);
    let result =
        decoded.and_then(|d| spectrum_image(&d.image, &opts.factorize, &bar).map_err(on(input)));
    bar.clear();
    let mut report = result?;
    report.timings_ms.decode = decode_ms;
    report.input = Some(input.display().to_string());

    let t = Instant::now();
    if let Some(plot) = &args.plot {
        let title = input
            .file_name()
            .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let format = PlotFormat::from_path(plot).map_err(on(plot))?;
        let drawn = spectrum_plot(&report.channels, &title, format).map_err(on(plot))?;
        super::grid::write_plot(&drawn, plot, ow).map_err(on(plot))?;
        report.plot = Some(plot.display().to_string());
    }
    if let Some(csv) = &args.csv {
        let text = spectrum_csv(&report.channels);
        svdimg::encode::write_atomically(csv, ow, |w| {
            std::io::Write::write_all(w, text.as_bytes())
                .map_err(|e| svdimg::Error::Encode(format!("cannot write the CSV: {e}")))
        })
        .map_err(on(csv))?;
        report.csv = Some(csv.display().to_string());
    }
    report.timings_ms.write = ms(t);
    Ok(report)
}

/// `i,sigma_R,…,energy_kept_R,…`: one line per index i (from 1), all singular values.
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

/// σ₁…σ₁₀ and the milestone ranks of every channel, as text.
pub fn spectrum_text(r: &SpectrumReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {}×{} {}, {}-bit{}; singular values alone ({}, {} ms)",
        r.input.as_deref().unwrap_or("-"),
        r.width,
        r.height,
        r.color,
        r.bit_depth,
        match r.alpha {
            "kept" => ", alpha not analysed (--alpha compress adds it)",
            "compressed" => ", alpha analysed as a channel",
            _ => "",
        },
        r.precision,
        r.timings_ms.svd.round()
    );
    let top = r
        .channels
        .iter()
        .map(|c| c.singular_values.len().min(10))
        .max()
        .unwrap_or(0);
    let _ = write!(s, "  {:<3}", "ch");
    for i in 1..=top {
        let _ = write!(s, " {:>9}", format!("σ{}", subscript(i)));
    }
    s.push('\n');
    for c in &r.channels {
        let _ = write!(s, "  {:<3}", c.name);
        for x in c.singular_values.iter().take(10) {
            let _ = write!(s, " {x:>9.4}");
        }
        s.push('\n');
    }
    let _ = write!(
        s,
        "  rank needed for energy (of min(w, h) = {}):\n  {:<3}",
        r.width.min(r.height),
        "ch"
    );
    if let Some(c) = r.channels.first() {
        for m in &c.milestones {
            let _ = write!(s, " {:>7}", format!("{}%", m.energy * 100.0));
        }
    }
    s.push('\n');
    for c in &r.channels {
        let _ = write!(s, "  {:<3}", c.name);
        for m in &c.milestones {
            let _ = write!(s, " {:>7}", m.rank);
        }
        s.push('\n');
    }
    for (what, path) in [("plot", &r.plot), ("csv", &r.csv)] {
        if let Some(p) = path {
            let _ = writeln!(s, "  {what}: {p}");
        }
    }
    s
}

/// 12 → "₁₂".
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|d| char::from_u32(0x2080 + d.to_digit(10).unwrap_or(0)).unwrap_or(d))
        .collect()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
