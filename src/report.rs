//! The report as plain data (serde). The front end renders it as text or JSON; field names are
//! part of the interface (DESIGN.md §5).

use serde::Serialize;

/// One compressed plane.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelReport {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: String,
    /// Matrix rows (image height).
    pub rows: usize,
    /// Matrix columns (image width).
    pub cols: usize,
    /// Rank kept.
    pub rank: usize,
    /// min(rows, cols).
    pub max_rank: usize,
    /// The kept singular values, on the [0, 1] sample scale.
    pub singular_values: Vec<f64>,
    /// ‖A‖_F² on the [0, 1] scale.
    pub energy_total: f64,
    /// Σ_{i≤k} σᵢ² / E (1 for an all-zero plane).
    pub energy_kept: f64,
    /// 10·log10 of the discarded energy fraction; `None` when nothing is discarded.
    pub energy_discarded_db: Option<f64>,
    /// Eckart–Young: sqrt(Σ_{i>k} σᵢ²).
    pub predicted_error: f64,
    /// ‖A − A_k‖_F measured before clamping and rounding.
    pub measured_error: f64,
    /// k·(rows + cols + 1).
    pub stored_values: u64,
}

/// Milliseconds spent in each stage.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    /// Reading and decoding the input.
    pub decode: f64,
    /// Splitting into planes and the SVDs.
    pub factorize: f64,
    /// Rebuilding the image from the factors.
    pub reconstruct: f64,
    /// MSE, PSNR, SSIM, measured errors.
    pub metrics: f64,
    /// Encoding and writing the output.
    pub encode: f64,
}

/// Everything `compress` found out.
#[derive(Debug, Clone, Serialize)]
pub struct CompressReport {
    /// `"svdimg.compress/1"`.
    pub schema: &'static str,
    /// The input path, if it came from a file.
    pub input: Option<String>,
    /// The output path, if one was written.
    pub output: Option<String>,
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// The colour mode in effect: "rgb", "luma" (also for greyscale inputs) or "ycbcr".
    pub color: &'static str,
    /// 8 or 16.
    pub bit_depth: u8,
    /// "none", "kept" (carried through exactly) or "compressed".
    pub alpha: &'static str,
    /// The SVD method that ran.
    pub method: &'static str,
    /// Why that method was chosen.
    pub method_reason: String,
    /// "f32" or "f64".
    pub precision: &'static str,
    /// Worker threads available.
    pub threads: usize,
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
