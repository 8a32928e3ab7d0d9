//! The interactive report: one self-contained HTML page with a live rank slider.
//!
//! The page redraws the rank-k approximation in the browser from the truncated factors embedded
//! in it, so this module's work is data preparation:
//!
//! - factorize the image once ([`crate::factorize_image`]), keeping `max_rank` triplets;
//! - choose the live view's size (`view`): the image itself up to one megapixel by default,
//!   otherwise an area-averaged downscale, to which the factors are downscaled exactly;
//! - quantize every singular vector to 8 or 16 bits with its own scale (`quantize`) and state
//!   the error that puts into the picture: a worst-case bound and the measured maximum;
//! - when the page cannot compute svdimg's own PSNR itself (a downscaled view, or a 16-bit image
//!   the 8-bit canvas cannot hold), compute the exact full-size PSNR of every rank here;
//! - fill the template (`page`): HTML, CSS and JavaScript compiled into the binary, the
//!   original as a PNG data URI, the factors as base64, everything else as JSON.

mod geometry;
mod page;
mod quantize;
mod view;

use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat};
use image::DynamicImage;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::{ms, Progress, Stage};
use crate::report::{ReportHeader, Timings};
use crate::resample::Resample;
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, encode_to, write_bytes, OutputFormat, Overwrite};
use crate::stages::factorize::{factorize_image, FactorizeOptions, Factorized};
use crate::stages::planes::{self, AlphaMode, ColorMode};

pub use geometry::geometry_page;
pub use quantize::Bits;
pub use view::DEFAULT_VIEW_PIXELS;

/// Default highest rank the slider reaches.
pub const DEFAULT_MAX_RANK: usize = 100;

/// Default number of rank-one layers shown in the strip.
pub const DEFAULT_LAYERS: usize = 8;

/// Everything that decides what the page holds.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlOptions {
    /// Colour mode, alpha, method, precision.
    ///
    /// Default: `FactorizeOptions::default()`.
    pub factorize: FactorizeOptions,
    /// Size limits for decoding.
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether existing outputs are replaced (the input never is).
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
    /// The slider's highest rank, clamped to min(width, height).
    ///
    /// Default: [`DEFAULT_MAX_RANK`] (100).
    pub max_rank: usize,
    /// Bits per stored value of the singular vectors.
    ///
    /// Default: `Bits::Sixteen`.
    pub bits: Bits,
    /// Largest number of pixels redrawn live; larger images are downscaled for the view.
    ///
    /// Default: [`DEFAULT_VIEW_PIXELS`] (1024 × 1024).
    pub view_pixels: usize,
    /// Rank-one layers shown in the strip.
    ///
    /// Default: [`DEFAULT_LAYERS`] (8).
    pub layers: usize,
    /// The image's name as the page shows it.
    ///
    /// Default: empty (the page then says "image").
    pub name: String,
    /// The command line that made the page, as the page shows it.
    ///
    /// Default: empty.
    pub command: String,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            factorize: FactorizeOptions::default(),
            limits: DecodeLimits::default(),
            overwrite: Overwrite::Never,
            max_rank: DEFAULT_MAX_RANK,
            bits: Bits::default(),
            view_pixels: DEFAULT_VIEW_PIXELS,
            layers: DEFAULT_LAYERS,
            name: String::new(),
            command: String::new(),
        }
    }
}

/// The quantization error of one plane at the highest rank, in 8-bit levels.
#[derive(Debug, Clone, Serialize)]
pub struct QuantError {
    /// Plane name.
    pub name: String,
    /// Worst-case bound on `max |A_K − Ã_K|` from the vectors' scales (`quantize::error_bound`).
    pub bound: f64,
    /// The maximum actually measured over the view's pixels.
    pub measured: f64,
}

/// Sizes of the page's parts in bytes.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PageBytes {
    /// The whole file.
    pub total: usize,
    /// The original as a base64 PNG data URI.
    pub original: usize,
    /// The quantized factors as base64.
    pub factors: usize,
    /// The JSON metadata (singular values, scales, tables).
    pub metadata: usize,
    /// HTML, CSS and JavaScript.
    pub code: usize,
}

/// What `svdimg html` reports.
#[derive(Debug, Clone, Serialize)]
pub struct HtmlReport {
    /// `svdimg.html/2`.
    pub schema: &'static str,
    /// The input, the image and the SVD that ran.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// Output path.
    pub output: Option<String>,
    /// The slider's highest rank.
    pub max_rank: usize,
    /// Whether `max_rank` was lowered to min(width, height).
    pub max_rank_clamped: bool,
    /// Width of the live view.
    pub view_width: usize,
    /// Height of the live view.
    pub view_height: usize,
    /// Whether the view is a downscale of the image.
    pub downscaled: bool,
    /// Bits per stored vector value.
    pub bits: u8,
    /// Quantization error per plane at `max_rank`.
    pub quantization: Vec<QuantError>,
    /// The worst-case quantization error of a displayed pixel, in 8-bit levels (after colour
    /// conversion for `ycbcr`).
    pub pixel_error_bound: f64,
    /// Whether the exact full-size PSNR of every rank was computed here (downscaled or 16-bit)
    /// rather than by the page.
    pub psnr_table: bool,
    /// Sizes of the page's parts.
    pub bytes: PageBytes,
    /// Stage timings.
    pub timings_ms: Timings,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// A built page: the HTML text and its report.
#[derive(Debug, Clone)]
pub struct Page {
    /// The whole self-contained HTML document.
    pub html: String,
    /// What it holds.
    pub report: HtmlReport,
}

/// Builds the page for a decoded image.
pub fn build_page(img: &DynamicImage, opts: &HtmlOptions, progress: &dyn Progress) -> Result<Page> {
    if opts.factorize.alpha == AlphaMode::Compress && img.color().has_alpha() {
        return Err(Error::Parameter(
            "the page shows the colour channels only: compressing alpha is not supported by html"
                .into(),
        ));
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let max_rank = opts.max_rank.max(1).min(w.min(h));
    let t = Instant::now();
    // The page charts the whole spectrum and its energy curve, which only the exact SVD gives:
    // `auto` means exact here (a truncated method is used only when asked for by name).
    let mut factorize = opts.factorize.clone();
    if factorize.method == crate::Method::Auto {
        factorize.method = crate::Method::Exact;
    }
    let fz = factorize_image(img, &factorize, max_rank, progress)?;
    let factorize_ms = ms(t);

    let t = Instant::now();
    progress.begin(Stage::Reconstruct, 1);
    let data = prepare(img, &fz, opts, max_rank)?;
    progress.end(Stage::Reconstruct);
    let prepare_ms = ms(t);

    let t = Instant::now();
    let (html, bytes) = page::render(&data, opts);
    let layout = &fz.planes.layout;
    let mut warnings = Vec::new();
    if layout.alpha.is_some() {
        warnings.push("the page shows the colour channels; alpha is not shown".into());
    }
    if data.downscaled {
        warnings.push(format!(
            "the live view is downscaled to {}×{}; the page states the exact full-size PSNR",
            data.view_w, data.view_h
        ));
    }
    let report = HtmlReport {
        schema: "svdimg.html/2",
        header: ReportHeader::of_factorized(&fz, factorize.precision),
        output: None,
        max_rank,
        max_rank_clamped: max_rank < opts.max_rank,
        view_width: data.view_w,
        view_height: data.view_h,
        downscaled: data.downscaled,
        bits: opts.bits.count(),
        quantization: data.quant.clone(),
        pixel_error_bound: data.pixel_bound,
        psnr_table: data.psnr_full.is_some(),
        bytes,
        timings_ms: Timings {
            factorize: Some(factorize_ms),
            prepare: Some(prepare_ms),
            encode: Some(ms(t)),
            ..Timings::default()
        },
        warnings,
    };
    Ok(Page { html, report })
}

/// Decodes `input`, builds its page and writes it to `output` atomically.
pub fn html_file(
    input: &Path,
    output: &Path,
    opts: &HtmlOptions,
    progress: &dyn Progress,
) -> Result<HtmlReport> {
    check_output(Some(input), output, opts.overwrite)?;
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let Page { html, mut report } = build_page(&decoded.image, opts, progress)?;
    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    write_bytes(output, opts.overwrite, html.as_bytes())?;
    progress.end(Stage::Encode);
    report.timings_ms.decode = Some(decode_ms);
    Timings::add(&mut report.timings_ms.encode, ms(t));
    report.header.input = Some(input.display().to_string());
    report.output = Some(output.display().to_string());
    let mut warnings = decoded.warnings;
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// Everything the template is filled with.
#[derive(Debug, Clone)]
pub struct PageData {
    /// Image size.
    pub width: usize,
    /// Image size.
    pub height: usize,
    /// The planes' layout.
    pub layout: planes::Layout,
    /// Live view size.
    pub view_w: usize,
    /// Live view size.
    pub view_h: usize,
    /// Whether the view is a downscale.
    pub downscaled: bool,
    /// Triplets embedded per plane.
    pub max_rank: usize,
    /// The SVD method that ran.
    pub method: &'static str,
    /// Per plane: all singular values, whether they are all of them, ‖A‖_F², vector scales.
    pub planes: Vec<PlaneData>,
    /// The quantized vectors: per plane, `max_rank` U vectors (view rows) then `max_rank` V
    /// vectors (view columns), little-endian.
    pub factors: Vec<u8>,
    /// The view's original as PNG bytes.
    pub original_png: Vec<u8>,
    /// Full-size PSNR per rank 1..=max_rank, when the page cannot compute it itself.
    pub psnr_full: Option<Vec<Option<f64>>>,
    /// Quantization error per plane.
    pub quant: Vec<QuantError>,
    /// Worst-case error of a displayed pixel in 8-bit levels.
    pub pixel_bound: f64,
    /// Bits per stored value.
    pub bits: Bits,
}

/// One plane's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct PlaneData {
    /// "R", "G", "B", "L", "Y", "Cb", "Cr".
    pub name: String,
    /// Every singular value known (all of them when `complete`).
    pub sigma: Vec<f64>,
    /// Whether `sigma` holds all min(width, height) values.
    pub complete: bool,
    /// ‖A‖_F² on the [0, 1] scale.
    pub energy: f64,
    /// Scale of each quantized U vector.
    pub scale_u: Vec<f64>,
    /// Scale of each quantized V vector.
    pub scale_v: Vec<f64>,
}

/// Downscale, quantize, measure, and (when needed) tabulate the full-size PSNR.
fn prepare(
    img: &DynamicImage,
    fz: &Factorized,
    opts: &HtmlOptions,
    max_rank: usize,
) -> Result<PageData> {
    let layout = fz.planes.layout.clone();
    let (m, n) = (layout.height, layout.width);
    let (vh, vw) = view::view_size(m, n, opts.view_pixels);
    let downscaled = (vh, vw) != (m, n);
    let rows = Resample::area(m, vh);
    let cols = Resample::area(n, vw);
    let reference = planes::reference(img, &fz.planes);

    let bits = opts.bits;
    let mut factors = Vec::with_capacity(fz.factors.len() * max_rank * (vh + vw) * bits.bytes());
    let mut planes_meta = Vec::new();
    let mut quant = Vec::new();
    for (p, f) in fz.factors.iter().enumerate() {
        let start = factors.len();
        let vectors: Vec<(Vec<f64>, Vec<f64>)> = (0..max_rank)
            .map(|i| view::view_vectors(f, i, &rows, &cols))
            .collect();
        let scale_u: Vec<f64> = vectors
            .iter()
            .map(|(u, _)| quantize::push_vector(u, bits, &mut factors))
            .collect();
        let scale_v: Vec<f64> = vectors
            .iter()
            .map(|(_, v)| quantize::push_vector(v, bits, &mut factors))
            .collect();
        let bound = quantize::error_bound(&f.s, &scale_u, &scale_v, bits, max_rank);
        let measured = measured_error(
            &f.s,
            &vectors,
            &factors[start..],
            &scale_u,
            &scale_v,
            bits,
            vh,
            vw,
        );
        quant.push(QuantError {
            name: layout.names[p].to_string(),
            bound: bound * 255.0,
            measured: measured * 255.0,
        });
        planes_meta.push(PlaneData {
            name: layout.names[p].to_string(),
            sigma: f.s.clone(),
            complete: f.complete,
            energy: fz.energies[p],
            scale_u,
            scale_v,
        });
    }
    let pixel_bound = pixel_bound(layout.color, &quant);

    let original = view::view_original(&reference, &layout, &rows, &cols);
    let original_png = encode_png(original, vw, vh, view::colour_channels(&layout))?;

    let psnr_full = (downscaled || layout.bit_depth == 16).then(|| {
        view::psnr_by_rank(
            &fz.factors,
            &layout,
            fz.planes.alpha.as_deref(),
            &reference,
            max_rank,
        )
    });
    Ok(PageData {
        width: n,
        height: m,
        layout,
        view_w: vw,
        view_h: vh,
        downscaled,
        max_rank,
        method: fz.method().name(),
        planes: planes_meta,
        factors,
        original_png,
        psnr_full,
        quant,
        pixel_bound,
        bits,
    })
}

/// max |A_K − Ã_K| over the view, on the [0, 1] scale: both built in f64 from the unquantized and
/// the quantized view vectors.
#[allow(clippy::too_many_arguments)]
fn measured_error(
    sigma: &[f64],
    vectors: &[(Vec<f64>, Vec<f64>)],
    stored: &[u8],
    scale_u: &[f64],
    scale_v: &[f64],
    bits: Bits,
    vh: usize,
    vw: usize,
) -> f64 {
    let k = vectors.len();
    let b = bits.bytes();
    let u_at = |i: usize| quantize::read_vector(stored, i * vh * b, vh, scale_u[i], bits);
    let v_at =
        |i: usize| quantize::read_vector(stored, (k * vh + i * vw) * b, vw, scale_v[i], bits);
    // [U σ | −Ũ σ] · [V | Ṽ]ᵀ = A_K − Ã_K in one product.
    let mut left = Mat::<f64>::zeros(vh, 2 * k);
    let mut right = Mat::<f64>::zeros(vw, 2 * k);
    for (i, (u, v)) in vectors.iter().enumerate() {
        let (uq, vq) = (u_at(i), v_at(i));
        for r in 0..vh {
            left[(r, i)] = sigma[i] * u[r];
            left[(r, k + i)] = -sigma[i] * uq[r];
        }
        for c in 0..vw {
            right[(c, i)] = v[c];
            right[(c, k + i)] = vq[c];
        }
    }
    let mut diff = Mat::<f64>::zeros(vh, vw);
    let par = crate::parallel::par(crate::parallel::threads());
    matmul(
        diff.as_mut(),
        Accum::Replace,
        left.as_ref(),
        right.as_ref().transpose(),
        1.0,
        par,
    );
    let mut worst = 0.0f64;
    for j in 0..vw {
        for i in 0..vh {
            worst = worst.max(diff[(i, j)].abs());
        }
    }
    worst
}

/// The worst-case error of a displayed 8-bit pixel from the planes' bounds: the largest plane
/// bound, or for `ycbcr` the largest of the RGB combinations.
fn pixel_bound(color: ColorMode, quant: &[QuantError]) -> f64 {
    let b: Vec<f64> = quant.iter().map(|q| q.bound).collect();
    match color {
        ColorMode::YCbCr if b.len() >= 3 => {
            let (y, cb, cr) = (b[0], b[1], b[2]);
            [
                y + 1.402 * cr,
                y + 0.344_136_286_201_022 * cb + 0.714_136_286_201_022 * cr,
                y + 1.772 * cb,
            ]
            .into_iter()
            .fold(0.0, f64::max)
        }
        _ => b.into_iter().fold(0.0, f64::max),
    }
}

fn encode_png(samples: Vec<u8>, w: usize, h: usize, channels: usize) -> Result<Vec<u8>> {
    const MSG: &str = "buffer length matches dimensions";
    let img = if channels == 1 {
        DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(w as u32, h as u32, samples).expect(MSG),
        )
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(w as u32, h as u32, samples).expect(MSG))
    };
    let mut out = Cursor::new(Vec::new());
    encode_to(&img, OutputFormat::Png, &mut out)?;
    Ok(out.into_inner())
}
