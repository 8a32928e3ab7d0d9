//! The report as plain data (serde). The front end renders it as text or JSON; field names are
//! part of the interface (DESIGN.md §5).

use serde::Serialize;

use crate::stages::factorize::{Factorized, Method, Precision};
use crate::stages::planes::{AlphaHandling, ColorMode, Layout};
pub use crate::stages::rebuild::ChannelReport;

/// What every report starts with: the input and the image as its planes saw it, and, for the
/// commands that factorize, which SVD ran. Flattened into each report's JSON object.
#[derive(Debug, Clone, Serialize)]
pub struct ReportHeader {
    /// The input as given on the command line (or the name given for standard input); `None`
    /// for an image that did not come from a file.
    pub input: Option<String>,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// The colour mode in effect: `rgb`, `luma` (also for greyscale inputs) or `ycbcr`.
    pub color: ColorMode,
    /// 8 or 16.
    pub bit_depth: u8,
    /// `none`, `kept` (carried through exactly) or `compressed` (one more plane).
    pub alpha: AlphaHandling,
    /// The SVD that ran, for the commands that factorize.
    #[serde(flatten)]
    pub svd: Option<SvdRun>,
}

/// Which SVD ran, and where.
#[derive(Debug, Clone, Serialize)]
pub struct SvdRun {
    /// The SVD method that ran.
    pub method: Method,
    /// Why that method was chosen.
    pub method_reason: String,
    /// The floating-point type of the SVD.
    pub precision: Precision,
    /// Worker threads available.
    pub threads: usize,
}

impl ReportHeader {
    /// The header of an image laid out as `layout`, before anything is factorized.
    #[must_use]
    pub fn of_layout(layout: &Layout) -> ReportHeader {
        ReportHeader {
            input: None,
            width: layout.width,
            height: layout.height,
            color: layout.color,
            bit_depth: layout.bit_depth,
            alpha: AlphaHandling::of(layout.alpha),
            svd: None,
        }
    }

    /// The header of a factorized image; `precision` is the one the SVD ran in.
    #[must_use]
    pub fn of_factorized(fz: &Factorized, precision: Precision) -> ReportHeader {
        ReportHeader {
            svd: Some(SvdRun {
                method: fz.method(),
                method_reason: fz.method_reason.clone(),
                precision,
                threads: crate::parallel::threads(),
            }),
            ..ReportHeader::of_layout(&fz.planes.layout)
        }
    }
}

/// Milliseconds spent in each stage a command has; stages it does not have are left out of the
/// JSON (`None`).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Timings {
    /// Reading and decoding the input (an image, or a `.svdz` file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode: Option<f64>,
    /// Splitting into planes and the SVDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factorize: Option<f64>,
    /// Estimating the noise level (denoise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    /// Removing noise (denoise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denoise: Option<f64>,
    /// Rebuilding images from the factors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconstruct: Option<f64>,
    /// MSE, PSNR, SSIM, measured errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<f64>,
    /// Preparing what a page or file holds (downscaling, quantizing, tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepare: Option<f64>,
    /// Drawing sheets, labels and plots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draw: Option<f64>,
    /// Frames of an animation, their metrics and the GIF encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub animation: Option<f64>,
    /// Encoding and writing the outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encode: Option<f64>,
}

impl Timings {
    /// Adds `ms` to a stage's time (a stage not yet timed starts at 0).
    pub fn add(stage: &mut Option<f64>, ms: f64) {
        *stage = Some(stage.unwrap_or(0.0) + ms);
    }

    /// The stages that ran, in pipeline order, with their names.
    #[must_use]
    pub fn stages(&self) -> Vec<(&'static str, f64)> {
        [
            ("decode", self.decode),
            ("factorize", self.factorize),
            ("estimate", self.estimate),
            ("denoise", self.denoise),
            ("reconstruct", self.reconstruct),
            ("metrics", self.metrics),
            ("prepare", self.prepare),
            ("draw", self.draw),
            ("animation", self.animation),
            ("encode", self.encode),
        ]
        .into_iter()
        .filter_map(|(name, t)| t.map(|t| (name, t)))
        .collect()
    }
}

/// Everything `compress` found out.
#[derive(Debug, Clone, Serialize)]
pub struct CompressReport {
    /// `"svdimg.compress/1"`.
    pub schema: &'static str,
    /// The input, the image and the SVD that ran.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The output path, if one was written.
    pub output: Option<String>,
    /// How the rank was requested, e.g. "rank 50", "energy 0.99".
    pub rank_request: String,
    /// True when a requested rank was larger than the image allows and was clamped.
    pub rank_clamped: bool,
    /// One entry per compressed plane.
    pub channels: Vec<ChannelReport>,
    /// rows × cols × planes.
    pub samples: u64,
    /// Σ of the planes' stored values.
    pub stored_values: u64,
    /// samples / stored values; `None` when nothing is stored.
    pub storage_ratio: Option<f64>,
    /// Mean squared error on the output bit depth's scale.
    pub mse: f64,
    /// PSNR in dB; `None` (JSON null, "inf" in text) when the output equals the reference.
    pub psnr: Option<f64>,
    /// Mean SSIM over the compared channels; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds per stage.
    pub timings_ms: Timings,
}
