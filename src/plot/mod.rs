//! Plots with plotters: quality against rank and against storage ratio (from a grid), and the
//! singular value spectrum with cumulative energy (from a spectrum). SVG or PNG.
//!
//! Text is set in DejaVu Sans, which the binary carries: plotters' `ab_glyph` feature measures
//! and (for PNG) draws it from the font registered here, so no system font is ever looked up.
//! SVG files name the family `sans-serif` and leave the drawing of the letters to the viewer.

use std::path::Path;
use std::sync::Once;

use image::RgbImage;
use plotters::coord::Shift;
use plotters::prelude::*;

mod geometry;
mod geometry_gif;

pub use geometry::{geometry_plot, GEOMETRY_SIZE};
pub use geometry_gif::{geometry_gif, geometry_gif_frames, GIF_SIZE};

use crate::error::{Error, Result};
use crate::stages::encode::{write_bytes, write_image, Overwrite};

/// A drawn plot.
#[derive(Debug, Clone)]
pub enum Plot {
    /// An SVG document.
    Svg(String),
    /// A raster image.
    Png(RgbImage),
}

/// The file type a plot is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    /// `.svg`
    Svg,
    /// `.png`
    Png,
}

impl PlotFormat {
    /// The format for a path's extension (`.svg` or `.png`, any case).
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(PlotFormat::Svg),
            Some("png") => Ok(PlotFormat::Png),
            _ => Err(Error::Parameter(format!(
                "plot {} must end in .svg or .png",
                path.display()
            ))),
        }
    }
}

/// Size of the quality plot (two panels side by side).
pub const QUALITY_SIZE: (u32, u32) = (1200, 520);
/// Size of the spectrum plot.
pub const SPECTRUM_SIZE: (u32, u32) = (960, 560);

const FONT: &str = "sans-serif";
const PSNR_COLOR: RGBColor = RGBColor(31, 119, 180);
const SSIM_COLOR: RGBColor = RGBColor(230, 110, 0);

/// Registers the embedded DejaVu Sans with plotters, once.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are the font crate's own; parsing them cannot fail (a unit test checks it).
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

fn draw_error(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("cannot draw the plot: {e}"))
}

/// One chart body, generic over the backend.
trait Painter {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

fn draw<P: Painter>(painter: &P, format: PlotFormat, size: (u32, u32)) -> Result<Plot> {
    register_font();
    match format {
        PlotFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                painter.paint(&root)?;
                root.present().map_err(draw_error)?;
            }
            Ok(Plot::Svg(svg))
        }
        PlotFormat::Png => {
            let mut buf = vec![255u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                painter.paint(&root)?;
                root.present().map_err(draw_error)?;
            }
            RgbImage::from_raw(size.0, size.1, buf)
                .map(Plot::Png)
                .ok_or_else(|| draw_error("the bitmap has the wrong size"))
        }
    }
}

/// One point of a quality plot: a rank and what it gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityPoint {
    /// The rank k.
    pub rank: usize,
    /// PSNR in dB; `None` when the tile equals the input.
    pub psnr: Option<f64>,
    /// SSIM; `None` for images under 11 pixels.
    pub ssim: Option<f64>,
    /// Samples / stored values; `None` when nothing is stored.
    pub storage_ratio: Option<f64>,
}

/// One channel of a spectrum plot.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumSeries<'a> {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: &'a str,
    /// Its singular values, non-increasing.
    pub singular_values: &'a [f64],
    /// The fraction of the energy kept at k = 1 … len.
    pub cumulative_energy: Vec<f64>,
}

/// PSNR and SSIM against rank (left) and against storage ratio (right), for the tiles of a grid.
/// `title` names the image.
pub fn quality_plot(ranks: &[QualityPoint], title: &str, format: PlotFormat) -> Result<Plot> {
    if ranks.is_empty() {
        return Err(Error::Parameter("nothing to plot: no ranks".into()));
    }
    draw(&QualityPlot { ranks, title }, format, QUALITY_SIZE)
}

/// σᵢ of every channel on a log scale, with the cumulative energy on a second axis.
pub fn spectrum_plot(
    channels: &[SpectrumSeries<'_>],
    title: &str,
    format: PlotFormat,
) -> Result<Plot> {
    if channels.iter().all(|c| c.singular_values.is_empty()) {
        return Err(Error::Parameter(
            "nothing to plot: no singular values".into(),
        ));
    }
    draw(&SpectrumPlot { channels, title }, format, SPECTRUM_SIZE)
}

/// A tick label: 100, 10, 1, 0.1, 0.01, 2.5 — no needless decimals.
fn tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let digits = (-v.abs().log10().floor()).max(0.0) as usize;
    let s = format!("{v:.digits$}", digits = digits + 1);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A log range around `lo..hi` (both positive) with some air, spanning at least one decade so
/// that the axis has a labelled tick.
fn log_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let (lo, hi) = (lo.max(f64::MIN_POSITIVE), hi.max(lo));
    let (lo, hi) = (lo / 1.15, hi * 1.15);
    if hi / lo >= 10.0 {
        return lo..hi;
    }
    let widen = (10.0 / (hi / lo)).sqrt();
    lo / widen..hi * widen
}

/// A linear range around `lo..hi` with some air.
fn lin_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let pad = ((hi - lo) * 0.08).max(0.5);
    lo - pad..hi + pad
}

struct QualityPlot<'a> {
    ranks: &'a [QualityPoint],
    title: &'a str,
}

impl Painter for QualityPlot<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        let root = root
            .titled(
                &format!("{}: quality against rank and storage", self.title),
                (FONT, 24).into_font().color(&BLACK),
            )
            .map_err(draw_error)?;
        let (left, right) = root.split_horizontally(QUALITY_SIZE.0 / 2);
        let by_rank: Vec<(f64, Option<f64>, Option<f64>)> = self
            .ranks
            .iter()
            .map(|r| (r.rank as f64, r.psnr, r.ssim))
            .collect();
        let by_ratio: Vec<(f64, Option<f64>, Option<f64>)> = self
            .ranks
            .iter()
            .filter_map(|r| r.storage_ratio.map(|x| (x, r.psnr, r.ssim)))
            .collect();
        panel(
            &left,
            &by_rank,
            "rank k (log scale)",
            "against rank",
            SeriesLabelPosition::LowerRight,
        )?;
        panel(
            &right,
            &by_ratio,
            "storage ratio, samples / stored values (×, log scale)",
            "against storage ratio",
            SeriesLabelPosition::LowerLeft,
        )?;
        Ok(())
    }
}

/// One panel: PSNR on the left axis, SSIM on the right, x on a log scale.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(f64, Option<f64>, Option<f64>)],
    x_desc: &str,
    caption: &str,
    legend: SeriesLabelPosition,
) -> Result<()> {
    let xs = || points.iter().map(|p| p.0);
    let (x_lo, x_hi) = (
        xs().fold(f64::INFINITY, f64::min),
        xs().fold(0.0f64, f64::max),
    );
    let psnr: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.1.map(|v| (p.0, v)))
        .collect();
    let ssim: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.2.map(|v| (p.0, v)))
        .collect();
    let (p_lo, p_hi) = psnr
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let p_range = if psnr.is_empty() {
        0.0..60.0
    } else {
        lin_range(p_lo, p_hi)
    };
    let s_lo = ssim.iter().map(|p| p.1).fold(1.0f64, f64::min);
    let s_range = (s_lo - 0.05).clamp(-1.0, 0.95).min(0.0f64.max(s_lo - 0.05))..1.02;
    let x_range = if points.is_empty() {
        1.0..10.0
    } else {
        log_range(x_lo, x_hi)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(60)
        .right_y_label_area_size(60)
        .build_cartesian_2d(x_range.clone().log_scale(), p_range)
        .map_err(draw_error)?
        .set_secondary_coord(x_range.log_scale(), s_range);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_desc("PSNR (dB)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(draw_error)?;
    chart
        .configure_secondary_axes()
        .y_desc("SSIM (1 = identical)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(draw_error)?;
    let psnr_style = PSNR_COLOR.stroke_width(2);
    chart
        .draw_series(LineSeries::new(psnr.iter().copied(), psnr_style))
        .map_err(draw_error)?
        .label("PSNR (dB, left axis)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], psnr_style));
    chart
        .draw_series(psnr.iter().map(|&p| Circle::new(p, 3, PSNR_COLOR.filled())))
        .map_err(draw_error)?;
    let ssim_style = SSIM_COLOR.stroke_width(2);
    chart
        .draw_secondary_series(LineSeries::new(ssim.iter().copied(), ssim_style))
        .map_err(draw_error)?
        .label("SSIM (right axis)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], ssim_style));
    chart
        .draw_secondary_series(
            ssim.iter()
                .map(|&p| TriangleMarker::new(p, 4, SSIM_COLOR.filled())),
        )
        .map_err(draw_error)?;
    chart
        .configure_series_labels()
        .position(legend)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(draw_error)?;
    Ok(())
}

/// The colour a channel is drawn in.
fn channel_color(name: &str) -> RGBColor {
    match name {
        "R" | "Cr" => RGBColor(214, 39, 40),
        "G" => RGBColor(44, 160, 44),
        "B" | "Cb" => RGBColor(31, 119, 180),
        "A" => RGBColor(148, 103, 189),
        _ => RGBColor(60, 60, 60),
    }
}

struct SpectrumPlot<'a> {
    channels: &'a [SpectrumSeries<'a>],
    title: &'a str,
}

impl Painter for SpectrumPlot<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        let top = self
            .channels
            .iter()
            .flat_map(|c| c.singular_values.first().copied())
            .fold(0.0f64, f64::max);
        // σ far below the largest are rounding noise; the log axis stops 10⁻⁷ below the top.
        let floor = if top > 0.0 { top * 1e-7 } else { 1e-7 };
        let bottom = self
            .channels
            .iter()
            .flat_map(|c| c.singular_values.iter().copied())
            .filter(|&s| s >= floor)
            .fold(top.max(1e-6), f64::min);
        let n = self
            .channels
            .iter()
            .map(|c| c.singular_values.len())
            .max()
            .unwrap_or(1)
            .max(2);
        let x_range = (0.9f64..n as f64 * 1.1).log_scale();
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("{}: singular values and energy kept", self.title),
                (FONT, 22),
            )
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .right_y_label_area_size(64)
            .build_cartesian_2d(
                x_range.clone(),
                log_range(bottom, top.max(1e-6)).log_scale(),
            )
            .map_err(draw_error)?
            .set_secondary_coord(x_range, 0.0f64..101.0);
        chart
            .configure_mesh()
            .x_desc("index i (log scale)")
            .y_desc("singular value σ (samples on 0–1, log scale)")
            .y_label_formatter(&|v| tick(*v))
            .x_label_formatter(&|v| tick(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_error)?;
        chart
            .configure_secondary_axes()
            .y_desc("energy kept by ranks 1…i (%)")
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(draw_error)?;
        for c in self.channels {
            let color = channel_color(c.name);
            let sigma: Vec<(f64, f64)> = c
                .singular_values
                .iter()
                .enumerate()
                .filter(|(_, &s)| s >= floor)
                .map(|(i, &s)| ((i + 1) as f64, s))
                .collect();
            let style = color.stroke_width(2);
            if sigma.len() <= 40 {
                // Few values: mark each, so that even a single one shows.
                chart
                    .draw_series(sigma.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(draw_error)?;
            }
            chart
                .draw_series(LineSeries::new(sigma, style))
                .map_err(draw_error)?
                .label(format!("σ {}", c.name))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            let energy: Vec<(f64, f64)> = c
                .cumulative_energy
                .iter()
                .enumerate()
                .map(|(i, &e)| ((i + 1) as f64, e * 100.0))
                .collect();
            let soft = color.mix(0.6).stroke_width(1);
            if energy.len() <= 40 {
                chart
                    .draw_secondary_series(
                        energy
                            .iter()
                            .map(|&p| Circle::new(p, 2, color.mix(0.6).filled())),
                    )
                    .map_err(draw_error)?;
            }
            chart
                .draw_secondary_series(LineSeries::new(energy, soft))
                .map_err(draw_error)?
                .label(format!("energy kept {} (right axis)", c.name))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], soft));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(draw_error)?;
        Ok(())
    }
}

/// Writes a drawn plot to `path`: SVG text, or a PNG.
pub fn write_plot(plot: &Plot, path: &Path, overwrite: Overwrite) -> Result<()> {
    match plot {
        Plot::Svg(svg) => write_bytes(path, overwrite, svg.as_bytes()),
        Plot::Png(img) => write_image(
            &image::DynamicImage::ImageRgb8(img.clone()),
            path,
            overwrite,
        )
        .map(|_| ()),
    }
}

/// One curve of a rate–distortion plot: its legend, colour and (bits per pixel, PSNR) points.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCurve {
    /// The legend.
    pub name: &'static str,
    /// Red, green, blue.
    pub color: (u8, u8, u8),
    /// (bits per pixel, PSNR in dB), by increasing bits per pixel.
    pub points: Vec<(f64, f64)>,
}

/// PSNR against bits per pixel, one line per curve, as an SVG document titled for `title`.
pub fn rate_plot_svg(title: &str, series: &[RateCurve]) -> String {
    // Without the font the caption cannot be laid out and the chart would be the empty fallback.
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let max_bpp = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|&b| b <= 8.0)
            .fold(0.5f64, f64::max)
            .min(4.0);
        let (lo, hi) = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
                (a.min(y), b.max(y))
            });
        let (lo, hi) = if lo.is_finite() {
            ((lo - 1.0).floor(), (hi + 1.0).ceil())
        } else {
            (10.0, 50.0)
        };
        let caption = format!("{title}: PSNR (dB) against bits per pixel");
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
        for curve in series {
            let (name, (r, g, b)) = (curve.name, curve.color);
            let color = RGBColor(r, g, b);
            let style = ShapeStyle::from(&color).stroke_width(2);
            let pts: Vec<(f64, f64)> = curve
                .points
                .iter()
                .copied()
                .filter(|p| p.0 <= max_bpp)
                .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(100.0), "100");
        assert_eq!(tick(10.0), "10");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.1), "0.1");
        assert_eq!(tick(0.01), "0.01");
    }

    #[test]
    fn the_embedded_font_registers() {
        assert!(plotters::style::register_font(
            "svdimg-test",
            FontStyle::Normal,
            dejavu::sans::regular()
        )
        .is_ok());
    }
}
