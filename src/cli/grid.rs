//! `svdimg grid`: one factorization, a labelled sheet of tiles at many ranks, their numbers as
//! CSV/JSON, and a plot of quality against rank and storage.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use svdimg::grid::{grid_image, GridOptions, GridRank, GridReport, RankList};
use svdimg::plot::{quality_plot, Plot, PlotFormat};
use svdimg::{Overwrite, RankSelect};

use super::{output, parse_rank, CommonArgs, Exit, RankValue};

/// `svdimg grid`.
#[derive(Debug, Args)]
pub struct GridArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Ranks to show: numbers and percentages of min(width, height), comma-separated
    /// (1,5,10,20,50,100 or 5%,10%), or "auto" (energy milestones 50…99.9 % and percent steps).
    #[arg(long, value_name = "LIST", default_value = "auto", allow_hyphen_values = true,
          value_parser = parse_rank_list)]
    pub ranks: RankListArg,
    /// The sheet; its extension picks the format (.png .jpg .webp .bmp .tiff .gif).
    /// Default: <stem>.grid.png beside the input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Tiles per row (default: chosen for a sheet about 16:10 wide).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub cols: Option<u16>,
    /// Width of each tile in pixels (default: the image's width, kept within 160–320).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub tile_width: Option<u32>,
    /// Also write the numbers of every rank as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also plot PSNR and SSIM against rank and storage ratio (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `--ranks` as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum RankListArg {
    /// `auto`
    Auto,
    /// `1,5,10%`
    List(Vec<RankValue>),
}

/// Parses `auto` or a comma-separated list of ranks and percentages.
pub fn parse_rank_list(s: &str) -> Result<RankListArg, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Ok(RankListArg::Auto);
    }
    if t.is_empty() {
        return Err("the rank list is empty (try 1,5,10,50 or auto)".into());
    }
    t.split(',')
        .map(|item| {
            if item.trim().is_empty() {
                Err(format!("'{s}' has an empty item (try 1,5,10,50)"))
            } else {
                parse_rank(item)
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(RankListArg::List)
}

impl RankListArg {
    /// The library's rank list.
    pub fn to_list(&self) -> RankList {
        match self {
            RankListArg::Auto => RankList::Auto,
            RankListArg::List(v) => RankList::Fixed(
                v.iter()
                    .map(|r| match *r {
                        RankValue::Count(k) => RankSelect::Rank(k),
                        RankValue::Percent(p) => RankSelect::Percent(p),
                    })
                    .collect(),
            ),
        }
    }
}

/// `<stem>.grid.png` beside the input.
fn default_output(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}.grid.png"))
}

/// Runs `grid`.
pub fn run(args: &GridArgs) -> Exit {
    let input = &args.input;
    match grid(args) {
        Ok(report) => {
            if !args.common.quiet {
                for w in &report.warnings {
                    eprintln!("warning: {}: {w}", input.display());
                }
            }
            let text = if args.common.json {
                output::json_line(&report) + "\n"
            } else {
                grid_text(&report)
            };
            output::print_stdout(&text);
            if let Some(path) = &args.common.report {
                if let Err(e) = output::write_report(&report, path, overwrite(&args.common)) {
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

fn overwrite(c: &CommonArgs) -> Overwrite {
    if c.force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    }
}

/// Decodes, builds the grid, writes the sheet, the CSV and the plot. An error comes with the
/// file it concerns.
fn grid(args: &GridArgs) -> Result<GridReport, (PathBuf, svdimg::Error)> {
    let input = &args.input;
    let opts = super::convert::compress_options(RankSelect::default(), &args.common);
    let ow = opts.overwrite;
    let out = args.output.clone().unwrap_or_else(|| default_output(input));
    let on = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p, e)
    };
    svdimg::OutputFormat::from_path(&out).map_err(on(&out))?;
    svdimg::encode::check_output(Some(input), &out, ow).map_err(on(&out))?;
    if let Some(csv) = &args.csv {
        svdimg::encode::check_output(Some(input), csv, ow).map_err(on(csv))?;
    }
    if let Some(plot) = &args.plot {
        PlotFormat::from_path(plot).map_err(on(plot))?;
        svdimg::encode::check_output(Some(input), plot, ow).map_err(on(plot))?;
    }
    let list = args.ranks.to_list();
    let grid_opts = GridOptions {
        ranks: list.clone(),
        columns: args.cols.map(usize::from),
        tile_width: args.tile_width,
    };

    let bar = super::progress::StageBar::new(&input.display().to_string(), args.common.quiet);
    let t = Instant::now();
    let decoded = svdimg::decode_file(input, &opts.limits).map_err(on(input));
    let decode_ms = ms(t);
    let result = decoded.and_then(|d| {
        grid_image(&d.image, &opts.factorize, &grid_opts, &bar)
            .map(|g| (g, d.warnings))
            .map_err(on(input))
    });
    bar.clear();
    let (g, mut warnings) = result?;

    let t = Instant::now();
    warnings.extend(svdimg::write_image(&g.sheet, &out, ow).map_err(on(&out))?);
    let mut report = g.report(&opts.factorize, &list);
    if let Some(csv) = &args.csv {
        let text = grid_csv(&report.ranks);
        svdimg::encode::write_atomically(csv, ow, |w| {
            std::io::Write::write_all(w, text.as_bytes())
                .map_err(|e| svdimg::Error::Encode(format!("cannot write the CSV: {e}")))
        })
        .map_err(on(csv))?;
        report.csv = Some(csv.display().to_string());
    }
    if let Some(plot) = &args.plot {
        let title = input
            .file_name()
            .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
        let format = PlotFormat::from_path(plot).map_err(on(plot))?;
        let drawn = quality_plot(&report.ranks, &title, format).map_err(on(plot))?;
        write_plot(&drawn, plot, ow).map_err(on(plot))?;
        report.plot = Some(plot.display().to_string());
    }
    report.timings_ms.decode = decode_ms;
    report.timings_ms.encode = ms(t);
    report.input = Some(input.display().to_string());
    report.output = Some(out.display().to_string());
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// Writes a drawn plot: SVG text, or a PNG.
pub fn write_plot(plot: &Plot, path: &Path, ow: Overwrite) -> svdimg::Result<()> {
    match plot {
        Plot::Svg(svg) => svdimg::encode::write_atomically(path, ow, |w| {
            std::io::Write::write_all(w, svg.as_bytes())
                .map_err(|e| svdimg::Error::Encode(format!("cannot write the plot: {e}")))
        }),
        Plot::Png(img) => {
            svdimg::write_image(&image::DynamicImage::ImageRgb8(img.clone()), path, ow).map(|_| ())
        }
    }
}

fn opt(x: Option<f64>, inf: &str) -> String {
    x.map_or_else(|| inf.to_string(), |v| format!("{v}"))
}

/// One line per rank: rank, why, PSNR (dB; "inf" when identical), SSIM (empty below 11 px),
/// MSE, energy kept, storage ratio, stored values, then energy kept and errors per channel.
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

/// The grid report as text.
pub fn grid_text(r: &GridReport) -> String {
    let mut s = String::new();
    let l = &r.layout;
    let _ = writeln!(
        s,
        "{} -> {}",
        r.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        s,
        "  {}×{} {}, {}-bit, {} SVD once ({}); sheet {}×{}: {} column{} of {} px tiles",
        r.width,
        r.height,
        r.color,
        r.bit_depth,
        r.method,
        r.method_reason,
        l.width,
        l.height,
        l.columns,
        if l.columns == 1 { "" } else { "s" },
        l.tile_width
    );
    let _ = writeln!(
        s,
        "  {:>6} {:>10} {:>8} {:>10} {:>9} {:>10}  why",
        "rank", "PSNR dB", "SSIM", "energy", "ratio", "stored"
    );
    for k in &r.ranks {
        let _ = writeln!(
            s,
            "  {:>6} {:>10} {:>8} {:>9.4}% {:>9} {:>10}  {}",
            k.rank,
            k.psnr.map_or_else(|| "inf".into(), |v| format!("{v:.2}")),
            k.ssim.map_or_else(|| "n/a".into(), |v| format!("{v:.4}")),
            k.energy_kept * 100.0,
            k.storage_ratio
                .map_or_else(|| "n/a".into(), |v| format!("{v:.2}×")),
            k.stored_values,
            k.reason
        );
    }
    for (what, path) in [("csv", &r.csv), ("plot", &r.plot)] {
        if let Some(p) = path {
            let _ = writeln!(s, "  {what}: {p}");
        }
    }
    let t = &r.timings_ms;
    let _ = writeln!(
        s,
        "  time: decode {:.0} ms, factorize {:.0} ms, reconstruct {:.0} ms, metrics {:.0} ms, draw {:.0} ms, encode {:.0} ms",
        t.decode, t.factorize, t.reconstruct, t.metrics, t.draw, t.encode
    );
    s
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_lists_parse_or_say_why_not() {
        assert_eq!(parse_rank_list("auto"), Ok(RankListArg::Auto));
        assert_eq!(
            parse_rank_list("1, 5,10%"),
            Ok(RankListArg::List(vec![
                RankValue::Count(1),
                RankValue::Count(5),
                RankValue::Percent(10.0)
            ]))
        );
        for bad in ["", " ", "0", "-3", "abc", "1,,5", "5,", "150%"] {
            assert!(parse_rank_list(bad).is_err(), "{bad:?}");
        }
    }
}
