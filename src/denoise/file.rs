//! `denoise` on files: decode, add noise when asked, denoise, measure against a reference,
//! write the result (and the comparison sheet), report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use super::{add_noise, denoise_image, DenoiseMethod, DenoiseSettings, GroupRanks, PatchParams};
use crate::error::{Error, Result};
use crate::metrics::{self, Quality};
use crate::progress::{ms, Progress};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits};
use crate::stages::encode::{check_output, write_image, Overwrite};

/// Everything that decides what `denoise` does with files.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DenoiseOptions {
    /// Method, σ and parameters.
    pub settings: DenoiseSettings,
    /// Add seeded Gaussian noise of this σ (0–255 scale) to the input first; the input is then
    /// the reference.
    ///
    /// Default: `None`.
    pub add_noise: Option<f64>,
    /// The seed of the added noise. Default: 0.
    pub seed: u64,
    /// The clean image to measure against (for an input that is already noisy).
    ///
    /// Default: `None`.
    pub reference: Option<PathBuf>,
    /// Where the comparison sheet goes (clean | noisy | global | patch, and the rank map).
    ///
    /// Default: `None`.
    pub sheet: Option<PathBuf>,
    /// Size limits for decoding. Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether existing outputs are replaced (the input never is). Default: never.
    pub overwrite: Overwrite,
}

/// Seeded noise added before denoising.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NoiseAdded {
    /// σ on the 0–255 scale.
    pub sigma: f64,
    /// The seed.
    pub seed: u64,
}

/// PSNR (dB) and SSIM against the reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QualityPair {
    /// 10·log10(peak² / MSE); `None` when identical.
    pub psnr: Option<f64>,
    /// Mean SSIM over the colour channels.
    pub ssim: Option<f64>,
}

impl From<Quality> for QualityPair {
    fn from(q: Quality) -> QualityPair {
        QualityPair {
            psnr: q.psnr,
            ssim: q.ssim,
        }
    }
}

/// Everything `denoise` found out (JSON schema `svdimg.denoise/1`).
#[derive(Debug, Clone, Serialize)]
pub struct DenoiseReport {
    /// `"svdimg.denoise/1"`.
    pub schema: &'static str,
    /// The input and its image.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The denoised image written.
    pub output: String,
    /// The method that ran.
    pub method: DenoiseMethod,
    /// The σ used, 0–255 scale.
    pub sigma: f64,
    /// `"given"` or `"estimated"`.
    pub sigma_source: &'static str,
    /// σ estimated from the (noisy) input, whether or not it was used.
    pub sigma_estimated: f64,
    /// Noise added first (`--add-noise`).
    pub noise_added: Option<NoiseAdded>,
    /// Parameters of the patch method.
    pub patch: Option<PatchParams>,
    /// Groups and the terms they kept (patch method, last pass).
    pub groups: Option<GroupRanks>,
    /// Terms kept per channel (global method): Y, U, V (or L).
    pub global_ranks: Option<Vec<usize>>,
    /// The reference measured against: the input (with `--add-noise`) or `--reference`.
    pub reference: Option<String>,
    /// The noisy image against the reference.
    pub noisy: Option<QualityPair>,
    /// The denoised image against the reference.
    pub denoised: Option<QualityPair>,
    /// The comparison sheet written, if any.
    pub sheet: Option<String>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds per stage: decode, estimate (σ), denoise, metrics, draw, encode.
    pub timings_ms: Timings,
}

/// Decodes `input`, denoises it into `output` and reports. Outputs are checked before any work;
/// nothing partial is written.
pub fn denoise_file(
    input: &Path,
    output: &Path,
    opts: &DenoiseOptions,
    progress: &dyn Progress,
) -> Result<DenoiseReport> {
    let ow = opts.overwrite;
    check_output(Some(input), output, ow).map_err(Error::about(output))?;
    crate::encode::OutputFormat::from_path(output).map_err(Error::about(output))?;
    if let Some(sheet) = &opts.sheet {
        check_sheet(input, sheet, ow)?;
        if sheet == output {
            return Err(Error::Parameter(
                "the sheet and the output must be different files".into(),
            ));
        }
    }
    if let Some(s) = opts.add_noise {
        if !(s.is_finite() && s >= 0.0) {
            return Err(Error::Parameter(format!(
                "--add-noise must be ≥ 0, got {s}"
            )));
        }
        if opts.reference.is_some() {
            return Err(Error::Parameter(
                "--add-noise makes the input the reference; --reference is not needed".into(),
            ));
        }
    }
    let (decoded, decode_ms) = decode_stage(input, &opts.limits, progress)?;
    let mut timings = Timings {
        decode: Some(decode_ms),
        ..Timings::default()
    };
    let mut warnings = decoded.warnings;
    let (noisy, reference, reference_name) = match (opts.add_noise, &opts.reference) {
        (Some(s), _) => (
            add_noise(&decoded.image, s, opts.seed),
            Some(decoded.image.clone()),
            Some(input.display().to_string()),
        ),
        (None, Some(path)) => {
            let (r, t) = decode_stage(path, &opts.limits, progress)?;
            Timings::add(&mut timings.decode, t);
            warnings.extend(r.warnings);
            let r = match_layout(&decoded.image, r.image).map_err(Error::about(path))?;
            (decoded.image, Some(r), Some(path.display().to_string()))
        }
        (None, None) => (decoded.image, None, None),
    };
    let denoised = denoise_image(&noisy, &opts.settings, progress)?;
    timings.estimate = Some(denoised.estimate_ms);
    timings.denoise = Some(denoised.denoise_ms);
    let t = Instant::now();
    let layout = &denoised.layout;
    let measure = |img: &DynamicImage| {
        reference.as_ref().map(|r| {
            QualityPair::from(metrics::quality(
                r,
                img,
                layout.compared_channels(),
                layout.peak(),
            ))
        })
    };
    let noisy_q = measure(&noisy);
    let denoised_q = measure(&denoised.image);
    timings.metrics = Some(ms(t));
    #[cfg_attr(not(feature = "sheets"), allow(unused_mut))]
    let mut sheet_written = None;
    #[cfg(feature = "sheets")]
    if let Some(sheet) = &opts.sheet {
        let t = Instant::now();
        let drawn = super::sheet::comparison_sheet(
            &super::sheet::SheetInputs {
                clean: reference.as_ref(),
                noisy: &noisy,
                denoised: &denoised,
                settings: &opts.settings,
            },
            progress,
        )?;
        timings.draw = Some(ms(t));
        let t = Instant::now();
        write_image(&drawn, sheet, ow).map_err(Error::about(sheet))?;
        Timings::add(&mut timings.encode, ms(t));
        sheet_written = Some(sheet.display().to_string());
    }
    let t = Instant::now();
    warnings.extend(write_image(&denoised.image, output, ow).map_err(Error::about(output))?);
    Timings::add(&mut timings.encode, ms(t));
    Ok(DenoiseReport {
        schema: "svdimg.denoise/1",
        header: ReportHeader {
            input: Some(input.display().to_string()),
            ..ReportHeader::of_layout(layout)
        },
        output: output.display().to_string(),
        method: denoised.method,
        sigma: denoised.sigma,
        sigma_source: if opts.settings.sigma.is_some() {
            "given"
        } else {
            "estimated"
        },
        sigma_estimated: denoised.sigma_estimated,
        noise_added: opts.add_noise.map(|sigma| NoiseAdded {
            sigma,
            seed: opts.seed,
        }),
        patch: denoised.patch,
        groups: denoised.group_ranks,
        global_ranks: denoised.global_ranks,
        reference: reference_name,
        noisy: noisy_q,
        denoised: denoised_q,
        sheet: sheet_written,
        warnings,
        timings_ms: timings,
    })
}

#[cfg(feature = "sheets")]
fn check_sheet(input: &Path, sheet: &Path, ow: Overwrite) -> Result<()> {
    check_output(Some(input), sheet, ow).map_err(Error::about(sheet))?;
    crate::encode::OutputFormat::from_path(sheet).map_err(Error::about(sheet))?;
    Ok(())
}

#[cfg(not(feature = "sheets"))]
fn check_sheet(_: &Path, _: &Path, _: Overwrite) -> Result<()> {
    Err(Error::Parameter(
        "comparison sheets need svdimg built with the `sheets` feature".into(),
    ))
}

/// The reference in the input's layout: same size required; colour type and bit depth converted.
fn match_layout(input: &DynamicImage, reference: DynamicImage) -> Result<DynamicImage> {
    if (input.width(), input.height()) != (reference.width(), reference.height()) {
        return Err(Error::Parameter(format!(
            "the reference is {}×{} but the input is {}×{}",
            reference.width(),
            reference.height(),
            input.width(),
            input.height()
        )));
    }
    let (a, b) = (
        crate::planes::canonical(input),
        crate::planes::canonical(&reference),
    );
    if a.color() == b.color() {
        return Ok(b.into_owned());
    }
    use image::ColorType as C;
    Ok(match a.color() {
        C::L8 => b.to_luma8().into(),
        C::La8 => b.to_luma_alpha8().into(),
        C::Rgb8 => b.to_rgb8().into(),
        C::Rgba8 => b.to_rgba8().into(),
        C::L16 => b.to_luma16().into(),
        C::La16 => b.to_luma_alpha16().into(),
        C::Rgb16 => b.to_rgb16().into(),
        _ => b.to_rgba16().into(),
    })
}
