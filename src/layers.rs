//! Layers: an image is a sum of rank-one layers σᵢ uᵢ vᵢᵀ, largest σ first. `svdimg layers`
//! shows them on a contact sheet — the first layers (signed, see [`LayerView`]) over the partial
//! sums A₁…A_k, which are real reconstructions, pixel for pixel what `compress -k` writes (both
//! go through [`reconstruct_at_ranks`]) — and, through [`crate::animation`], as a GIF of the
//! image building up from rank 1.
//!
//! Energy shares combine the planes: the share of layer i is Σ_p σ_{p,i}² / Σ_p ‖A_p‖_F², and the
//! cumulative energy of A_k is the planes' kept fractions (as `compress -k` reports them, DESIGN.md
//! §2) weighted by their energies (an all-zero image keeps 100 %).

mod sheet;

use std::path::{Path, PathBuf};
use std::time::Instant;

use faer::Mat;
use image::{DynamicImage, RgbaImage};
use serde::Serialize;

use crate::animation::{self, AnimationOptions, AnimationReport};
use crate::error::{Error, Result};
use crate::parallel;
use crate::progress::{ms, Progress, Stage};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::{decode_stage, DecodeLimits, Decoded};
use crate::stages::encode::{check_output, write_bytes, write_image, OutputFormat, Overwrite};
use crate::stages::factorize::{factorize_image, FactorizeOptions, Factorized};
use crate::stages::metrics;
use crate::stages::planes::{self, ColorMode};
use crate::stages::rebuild::reconstruct_at_ranks;
use crate::stages::reconstruct;

pub use crate::draw::Fit;
use sheet::layer_picture;
pub use sheet::{SheetLayout, GAP, HEADER_HEIGHT, LABEL_HEIGHT};

/// Largest number of layers on one sheet.
pub const MAX_COUNT: usize = 64;
/// Smallest and largest tile box, in pixels.
pub const TILE_RANGE: std::ops::RangeInclusive<u32> = 32..=1024;

/// How a signed rank-one layer is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerView {
    /// One signed field per layer through a blue–white–red map, scaled by its own max |value|:
    /// the mean of the R, G and B layers, the Y layer in `ycbcr` mode, the only one for grey.
    #[default]
    Luma,
    /// The signed colour layer itself, every channel shown as 0.5 + x / (2·max |x|).
    Channels,
}

impl LayerView {
    /// The name used in reports and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            LayerView::Luma => "luma",
            LayerView::Channels => "channels",
        }
    }
}

/// Everything that decides what `layers` does.
#[derive(Debug, Clone, PartialEq)]
pub struct LayersOptions {
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
    /// Layers (and partial sums) on the sheet, clamped to min(width, height).
    ///
    /// Default: `8`.
    pub count: usize,
    /// The square box each tile is fitted into, in pixels (see [`crate::draw::Fit`]).
    ///
    /// Default: `192`.
    pub tile: u32,
    /// How signed layers are shown.
    ///
    /// Default: `LayerView::Luma`.
    pub view: LayerView,
    /// Where the sheet goes (its extension picks the format); `None`: no sheet.
    ///
    /// Default: `None`.
    pub sheet: Option<PathBuf>,
    /// The build-up animation; `None`: no GIF.
    ///
    /// Default: `None`.
    pub animation: Option<AnimationOptions>,
}

impl Default for LayersOptions {
    fn default() -> Self {
        LayersOptions {
            factorize: FactorizeOptions::default(),
            limits: DecodeLimits::default(),
            overwrite: Overwrite::Never,
            count: 8,
            tile: 192,
            view: LayerView::Luma,
            sheet: None,
            animation: None,
        }
    }
}

/// One layer i and the partial sum A_i.
#[derive(Debug, Clone, Serialize)]
pub struct LayerEntry {
    /// i, from 1.
    pub index: usize,
    /// σᵢ of every plane, on the [0, 1] sample scale.
    pub singular_values: Vec<f64>,
    /// Σ_p σ_{p,i}² / total energy.
    pub energy_share: f64,
    /// Energy kept by A_i (the shares of layers 1..=i).
    pub energy_cumulative: f64,
    /// PSNR of A_i in dB, as `compress -k i` reports it; `None` when A_i equals the input.
    pub psnr: Option<f64>,
    /// SSIM of A_i; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
}

/// The sheet that was written.
#[derive(Debug, Clone, Serialize)]
pub struct SheetReport {
    /// Its path.
    pub output: String,
    /// Sheet width in pixels.
    pub width: u32,
    /// Sheet height in pixels.
    pub height: u32,
    /// Width of one tile.
    pub tile_width: u32,
    /// Height of one tile.
    pub tile_height: u32,
    /// How signed layers were shown.
    pub layer_view: LayerView,
}

/// One plane: its name and energy.
#[derive(Debug, Clone, Serialize)]
pub struct PlaneSummary {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: &'static str,
    /// ‖A‖_F² on the [0, 1] scale.
    pub energy_total: f64,
    /// min(rows, cols).
    pub max_rank: usize,
}

/// Everything `layers` found out (`"schema": "svdimg.layers/2"`).
#[derive(Debug, Clone, Serialize)]
pub struct LayersReport {
    /// `"svdimg.layers/2"`.
    pub schema: &'static str,
    /// The input, the image and the SVD that ran.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The planes that were factorized.
    pub channels: Vec<PlaneSummary>,
    /// Layers i = 1..=count, with the partial sums A_i.
    pub layers: Vec<LayerEntry>,
    /// The sheet, when one was asked for.
    pub sheet: Option<SheetReport>,
    /// The animation, when one was asked for.
    pub animation: Option<AnimationReport>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds per stage.
    pub timings_ms: Timings,
}

/// The signed rank-one layer σᵢ uᵢ vᵢᵀ of every plane (`i` counts from 0).
///
/// # Panics
/// When a plane holds fewer than `i + 1` triplets.
#[must_use]
#[track_caller]
pub fn layer_planes(fz: &Factorized, i: usize) -> Vec<Mat<f32>> {
    parallel::map(&fz.factors, |f| reconstruct::layer(f, i, faer::Par::Seq))
}

/// The share of the energy in layer `i` (from 0), planes combined: Σ_p σ_{p,i}² / Σ_p E_p.
#[must_use]
pub fn energy_share(fz: &Factorized, i: usize) -> f64 {
    let total: f64 = fz.energies.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let layer: f64 = fz.factors.iter().map(|f| f.s[i] * f.s[i]).sum();
    (layer / total).clamp(0.0, 1.0)
}

/// Layers 1..=`count`: σ, energy share and cumulative energy, and the partial sums A_i with their
/// quality against the input. Returns the entries and the partial-sum images.
pub fn partial_sums(
    img: &DynamicImage,
    fz: &Factorized,
    count: usize,
    progress: &dyn Progress,
) -> (Vec<LayerEntry>, Vec<DynamicImage>) {
    let layout = &fz.planes.layout;
    let reference = planes::reference(img, &fz.planes);
    let mut entries = Vec::with_capacity(count);
    let mut sums = Vec::with_capacity(count);
    for i in 1..=count {
        let ranks = vec![i; fz.factors.len()];
        let image = reconstruct_at_ranks(fz, &ranks, progress);
        let q = metrics::quality(
            &reference,
            &image,
            layout.compared_channels(),
            layout.peak(),
        );
        let cumulative = fz.energy_kept(i);
        entries.push(LayerEntry {
            index: i,
            singular_values: fz.factors.iter().map(|f| f.s[i - 1]).collect(),
            energy_share: energy_share(fz, i - 1),
            energy_cumulative: cumulative,
            psnr: q.psnr,
            ssim: q.ssim,
        });
        sums.push(image);
    }
    (entries, sums)
}

/// The sheet: the first `count` layers over the partial sums A₁…A_count, labelled. Returns the
/// sheet, its layout and the entries.
pub fn render_sheet(
    img: &DynamicImage,
    fz: &Factorized,
    count: usize,
    tile: u32,
    view: LayerView,
    progress: &dyn Progress,
) -> (RgbaImage, SheetLayout, Vec<LayerEntry>) {
    let layout = &fz.planes.layout;
    let (entries, sums) = partial_sums(img, fz, count, progress);
    let colour_planes = if layout.color == ColorMode::Luma {
        1
    } else {
        3
    };
    let columns: Vec<sheet::Column<'_>> = entries
        .iter()
        .zip(&sums)
        .map(|(entry, sum)| {
            let layers = layer_planes(fz, entry.index - 1);
            sheet::Column {
                layer: layer_picture(&layers[..colour_planes], layout, view),
                sum: sum.to_rgba8(),
                entry,
            }
        })
        .collect();
    let geometry = SheetLayout::new(
        layout.width as u32,
        layout.height as u32,
        count as u32,
        tile,
    );
    let image = sheet::draw_sheet(&geometry, &columns, view, layout.color);
    (image, geometry, entries)
}

/// Checks the options and the outputs before any work.
fn check(input: &Path, opts: &LayersOptions) -> Result<()> {
    if opts.sheet.is_none() && opts.animation.is_none() {
        return Err(Error::Parameter(
            "nothing to write: neither a sheet nor an animation was asked for".into(),
        ));
    }
    if !(1..=MAX_COUNT).contains(&opts.count) {
        return Err(Error::Parameter(format!(
            "the layer count must be 1 to {MAX_COUNT}, got {}",
            opts.count
        )));
    }
    if !TILE_RANGE.contains(&opts.tile) {
        return Err(Error::Parameter(format!(
            "the tile size must be {} to {} pixels, got {}",
            TILE_RANGE.start(),
            TILE_RANGE.end(),
            opts.tile
        )));
    }
    let overwrite = opts.overwrite;
    if let Some(path) = &opts.sheet {
        OutputFormat::from_path(path)?;
        check_output(Some(input), path, overwrite)?;
    }
    if let Some(a) = &opts.animation {
        a.validate()?;
        check_output(Some(input), &a.path, overwrite)?;
        if opts.sheet.as_deref() == Some(a.path.as_path()) {
            return Err(Error::Parameter(
                "the sheet and the animation cannot be the same file".into(),
            ));
        }
    }
    Ok(())
}

/// Decodes `input`, factorizes it once, renders the sheet and/or the animation, and writes them
/// atomically. When anything fails nothing is left behind (a sheet already written is removed
/// if the animation then cannot be written).
pub fn layers_file(
    input: &Path,
    opts: &LayersOptions,
    progress: &dyn Progress,
) -> Result<LayersReport> {
    check(input, opts)?;
    let mut timings = Timings::default();
    let (
        Decoded {
            image: img,
            mut warnings,
            ..
        },
        decode_ms,
    ) = decode_stage(input, &opts.limits, progress)?;
    timings.decode = Some(decode_ms);

    let (w, h) = (img.width() as usize, img.height() as usize);
    let full = w.min(h);
    let mut count = opts.count;
    if count > full {
        warnings.push(format!(
            "this image has only {full} layers per plane: showing {full}, not {count}"
        ));
        count = full;
    }
    let mut frames = None;
    if let Some(a) = &opts.animation {
        let (ranks, notes) = a.ranks(full);
        warnings.extend(notes);
        frames = Some(ranks);
    }
    let keep = frames
        .as_ref()
        .and_then(|r| r.last().copied())
        .unwrap_or(0)
        .max(if opts.sheet.is_some() { count } else { 0 });

    let t = Instant::now();
    let fz = factorize_image(&img, &opts.factorize, keep.max(1), progress)?;
    timings.factorize = Some(ms(t));
    let planes = fz.factors.len() as u64;
    let units = (count + frames.as_ref().map_or(0, Vec::len)) as u64 * planes;
    progress.begin(Stage::Reconstruct, units);

    let t = Instant::now();
    let (layers, sheet) = match &opts.sheet {
        Some(path) => {
            let (image, geometry, entries) =
                render_sheet(&img, &fz, count, opts.tile, opts.view, progress);
            (entries, Some((path, image, geometry)))
        }
        None => (partial_sums(&img, &fz, count, progress).0, None),
    };
    timings.draw = Some(ms(t));

    let t = Instant::now();
    let mut gif = None;
    if let (Some(a), Some(ranks)) = (&opts.animation, &frames) {
        gif = Some((a, animation::build_up_gif(&img, &fz, ranks, a, progress)?));
    }
    if gif.is_some() {
        timings.animation = Some(ms(t));
    }
    progress.end(Stage::Reconstruct);

    let t = Instant::now();
    progress.begin(Stage::Encode, 1);
    let overwrite = opts.overwrite;
    let with_alpha = fz.planes.layout.alpha.is_some();
    let mut sheet_report = None;
    if let Some((path, image, geometry)) = sheet {
        let image = if with_alpha {
            DynamicImage::ImageRgba8(image)
        } else {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(image).to_rgb8())
        };
        warnings.extend(write_image(&image, path, overwrite)?);
        sheet_report = Some(SheetReport {
            output: path.display().to_string(),
            width: geometry.width,
            height: geometry.height,
            tile_width: geometry.tile.width,
            tile_height: geometry.tile.height,
            layer_view: opts.view,
        });
    }
    let mut animation_report = None;
    if let Some((a, (bytes, mut report))) = gif {
        let written = write_bytes(&a.path, overwrite, &bytes);
        if let Err(e) = written {
            if let Some(s) = &sheet_report {
                let _ = std::fs::remove_file(&s.output);
            }
            return Err(e);
        }
        report.output = a.path.display().to_string();
        animation_report = Some(report);
    }
    progress.end(Stage::Encode);
    timings.encode = Some(ms(t));

    let layout = &fz.planes.layout;
    Ok(LayersReport {
        schema: "svdimg.layers/2",
        header: ReportHeader {
            input: Some(input.display().to_string()),
            ..ReportHeader::of_factorized(&fz, opts.factorize.precision)
        },
        channels: layout
            .names
            .iter()
            .zip(&fz.energies)
            .map(|(&name, &energy_total)| PlaneSummary {
                name,
                energy_total,
                max_rank: full,
            })
            .collect(),
        layers,
        sheet: sheet_report,
        animation: animation_report,
        warnings,
        timings_ms: timings,
    })
}
