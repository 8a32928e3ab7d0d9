//! `svdimg rd`: the rate–distortion table of .svdz against JPEG and raw f32 factors, as text,
//! JSON, CSV and an SVG plot.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use svdimg::container::rd::{rate_distortion, RdTable};
use svdimg::{decode_file, Overwrite};

use super::{output, Exit, RdArgs};

/// Runs the comparison on one image.
pub fn run(args: &RdArgs) -> Exit {
    let overwrite = if args.common.force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    };
    match rd(args, overwrite) {
        Ok(table) => {
            let text = if args.common.json {
                output::json_line(&table) + "\n"
            } else {
                table_text(&table)
            };
            output::print_stdout(&text);
            Exit::Success
        }
        Err((path, e)) => {
            eprintln!("{}", output::error_line(&path, &e));
            Exit::Failure
        }
    }
}

type Failed = (std::path::PathBuf, svdimg::Error);

fn rd(args: &RdArgs, overwrite: Overwrite) -> Result<RdTable, Failed> {
    let on = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p, e)
    };
    for out in [&args.csv, &args.plot, &args.common.report]
        .into_iter()
        .flatten()
    {
        svdimg::encode::check_output(Some(&args.input), out, overwrite).map_err(on(out))?;
    }
    if args.ranks.is_empty() || args.ranks.contains(&0) {
        return Err((
            args.input.clone(),
            svdimg::Error::Parameter("--ranks takes ranks ≥ 1".into()),
        ));
    }
    let opts = super::convert::compress_options(svdimg::RankSelect::Rank(1), &args.common);
    let decoded = decode_file(&args.input, &opts.limits).map_err(on(&args.input))?;
    let mut table = rate_distortion(&decoded.image, &args.ranks, &args.at_bpp, &opts.factorize)
        .map_err(on(&args.input))?;
    table.input = Some(args.input.display().to_string());
    if let Some(path) = &args.csv {
        let csv = table_csv(&table);
        svdimg::container::write_file(csv.as_bytes(), path, overwrite).map_err(on(path))?;
    }
    if let Some(path) = &args.plot {
        let svg = plot_svg(&table);
        svdimg::container::write_file(svg.as_bytes(), path, overwrite).map_err(on(path))?;
    }
    if let Some(path) = &args.common.report {
        output::write_report(&table, path, overwrite).map_err(on(path))?;
    }
    Ok(table)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "inf".into(), |v| format!("{v:.digits$}"))
}

fn ranks(r: &[usize]) -> String {
    if r.iter().all(|&k| k == r[0]) {
        r[0].to_string()
    } else {
        r.iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The table as text.
pub fn table_text(t: &RdTable) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}×{}): .svdz against raw f32 factors and JPEG (quality matched to the .svdz size)",
        t.input.as_deref().unwrap_or("-"),
        t.width,
        t.height
    );
    let _ = writeln!(
        s,
        "  {:<5} {:<6} {:>11} {:>8} {:>6} {:>7} {:>6} | {:>8} {:>6} {:>6} | {:>3} {:>8} {:>6} {:>6} {:>6}",
        "mode", "color", "rank", "bytes", "bpp", "PSNR", "SSIM", "raw f32", "PSNR", "ratio",
        "q", "bytes", "bpp", "PSNR", "SSIM"
    );
    for r in &t.rows {
        let _ = writeln!(
            s,
            "  {:<5} {:<6} {:>11} {:>8} {:>6.3} {:>7} {:>6} | {:>8} {:>6} {:>5.1}× | {:>3} {:>8} {:>6.3} {:>6} {:>6}",
            r.mode,
            r.color,
            ranks(&r.ranks),
            r.svdz_bytes,
            r.svdz_bpp,
            opt(r.svdz_psnr, 2),
            opt(r.svdz_ssim, 4),
            r.raw_f32_bytes,
            opt(r.raw_f32_psnr, 2),
            r.raw_over_svdz,
            r.jpeg_quality.map_or_else(|| "-".into(), |q| q.to_string()),
            r.jpeg_bytes,
            r.jpeg_bpp,
            opt(r.jpeg_psnr, 2),
            opt(r.jpeg_ssim, 4)
        );
    }
    s
}

/// The table as CSV (one header line; empty cells for "identical" PSNR or missing values).
pub fn table_csv(t: &RdTable) -> String {
    let mut s = String::from(
        "mode,color,ranks,svdz_bytes,svdz_bpp,svdz_psnr,svdz_ssim,raw_f32_bytes,raw_f32_psnr,\
         raw_over_svdz,jpeg_quality,jpeg_bytes,jpeg_bpp,jpeg_psnr,jpeg_ssim\n",
    );
    let o = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &t.rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.4},{},{},{},{},{:.3},{},{},{:.4},{},{}",
            r.mode,
            r.color,
            r.ranks
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join("/"),
            r.svdz_bytes,
            r.svdz_bpp,
            o(r.svdz_psnr),
            o(r.svdz_ssim),
            r.raw_f32_bytes,
            o(r.raw_f32_psnr),
            r.raw_over_svdz,
            r.jpeg_quality.map_or_else(String::new, |q| q.to_string()),
            r.jpeg_bytes,
            r.jpeg_bpp,
            o(r.jpeg_psnr),
            o(r.jpeg_ssim)
        );
    }
    s
}

/// PSNR against bits per pixel: .svdz rgb and ycbcr, raw f32 factors, JPEG's own curve.
pub fn plot_svg(t: &RdTable) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let series = series(t);
        let max_bpp = series
            .iter()
            .flat_map(|s| s.2.iter().map(|p| p.0))
            .filter(|&b| b <= 8.0)
            .fold(0.5f64, f64::max)
            .min(4.0);
        let (lo, hi) = series
            .iter()
            .flat_map(|s| s.2.iter().map(|p| p.1))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
                (a.min(y), b.max(y))
            });
        let (lo, hi) = if lo.is_finite() {
            ((lo - 1.0).floor(), (hi + 1.0).ceil())
        } else {
            (10.0, 50.0)
        };
        let caption = format!(
            "{}: PSNR (dB) against bits per pixel",
            t.input.as_deref().map_or("image", |p| {
                Path::new(p)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(p)
            })
        );
        let chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..max_bpp, lo..hi);
        let Ok(mut chart) = chart else {
            return svg_fallback();
        };
        let _ = chart
            .configure_mesh()
            .x_desc("bits per pixel")
            .y_desc("PSNR (dB)")
            .draw();
        for (name, color, points) in series {
            let style = ShapeStyle::from(&color).stroke_width(2);
            let pts: Vec<(f64, f64)> = points.into_iter().filter(|p| p.0 <= max_bpp).collect();
            let _ = chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, style.filled())));
            if let Ok(a) = chart.draw_series(LineSeries::new(pts, style)) {
                a.label(name).legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 20, y)],
                        ShapeStyle::from(&color).stroke_width(2),
                    )
                });
            }
        }
        let _ = chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw();
        let _ = root.present();
    }
    svg
}

fn svg_fallback() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"520\"/>\n".into()
}

type Series = (&'static str, RGBColor, Vec<(f64, f64)>);

fn series(t: &RdTable) -> Vec<Series> {
    let pick = |mode: &str, color: &str, raw: bool| -> Vec<(f64, f64)> {
        let mut v: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.mode == mode && r.color == color)
            .filter_map(|r| {
                if raw {
                    let bpp = r.raw_f32_bytes as f64 * 8.0 / (t.width * t.height) as f64;
                    r.raw_f32_psnr.map(|p| (bpp, p))
                } else {
                    r.svdz_psnr.map(|p| (r.svdz_bpp, p))
                }
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    let mut out = vec![
        (
            ".svdz rgb, -k",
            RGBColor(200, 30, 30),
            pick("rank", "rgb", false),
        ),
        (
            ".svdz ycbcr, -k",
            RGBColor(30, 90, 200),
            pick("rank", "ycbcr", false),
        ),
        (
            ".svdz luma, -k",
            RGBColor(200, 30, 30),
            pick("rank", "luma", false),
        ),
        (
            ".svdz ycbcr, --bpp",
            RGBColor(120, 40, 170),
            pick("bpp", "ycbcr", false),
        ),
        (
            ".svdz luma, --bpp",
            RGBColor(120, 40, 170),
            pick("bpp", "luma", false),
        ),
        (
            "raw f32 factors (rgb)",
            RGBColor(150, 150, 150),
            pick("rank", "rgb", true),
        ),
        (
            "raw f32 factors",
            RGBColor(150, 150, 150),
            pick("rank", "luma", true),
        ),
        (
            "JPEG (image crate)",
            RGBColor(20, 140, 60),
            t.jpeg_curve
                .iter()
                .filter_map(|p| p.psnr.map(|y| (p.bpp, y)))
                .collect(),
        ),
    ];
    out.retain(|s| !s.2.is_empty());
    out
}
