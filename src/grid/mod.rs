//! Grid: one factorization, many ranks → a labelled contact sheet and the numbers behind it.
//!
//! The image is factorized once, with singular vectors for the largest rank asked for; every
//! tile is rebuilt from those factors with [`crate::stages::rebuild::rebuild`], the very code
//! `compress` uses, so a tile at rank k has the pixels of `compress -k k` (with the exact SVD,
//! whose factors do not depend on how many are kept).
//!
//! The sheet: the original first, then one tile per rank, in rows of [`GridLayout::columns`]
//! cells on a white background. Under each tile a label: rank, PSNR (dB), SSIM, energy kept (%)
//! and storage ratio (×), in DejaVu Sans (see `crate::draw`).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use image::{DynamicImage, RgbaImage};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::progress::{NoProgress, Progress, Stage};
use crate::report::{ChannelReport, ReportHeader, Timings};
use crate::stages::decode::DecodeLimits;
use crate::stages::encode::Overwrite;
use crate::stages::factorize::{
    factorize_image_and_follow, follow_all, FactorizeOptions, Factorized, Factors,
};
use crate::stages::metrics;
use crate::stages::planes;
use crate::stages::rank::RankSelect;
use crate::stages::rebuild::{channel_reports, rebuild};

mod file;
mod ranks;
mod sheet;
mod tiles;

pub use file::{grid_csv, grid_file};
use ranks::fixed_ranks;
pub use ranks::{resolve_ranks, RankList, AUTO_ENERGY, AUTO_PERCENT};

use sheet::{compose, layout};

/// Tile width when none is asked for: the image's width, kept between these bounds.
pub const DEFAULT_TILE_WIDTH: (u32, u32) = (160, 320);

/// Blank space around and between cells, in pixels.
pub const GAP: u32 = 8;

/// Everything that decides what `grid` does: what a grid shows, how it is laid out, and where
/// it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct GridOptions {
    /// Colour mode, alpha, method, precision.
    ///
    /// Default: `FactorizeOptions::default()`.
    pub factorize: FactorizeOptions,
    /// The ranks.
    ///
    /// Default: [`RankList::Auto`].
    pub ranks: RankList,
    /// Cells per row.
    ///
    /// Default: `None`, chosen for a sheet about 16:10 wide.
    pub columns: Option<usize>,
    /// Width of every tile in pixels (tiles are scaled, keeping the aspect ratio; tall images
    /// are held to twice this height).
    ///
    /// Default: `None`, the image's width kept within [`DEFAULT_TILE_WIDTH`].
    pub tile_width: Option<u32>,
    /// The sheet ([`grid_file`]); its extension picks the format.
    ///
    /// Default: `None`, `<stem>.grid.png` beside the input.
    pub output: Option<PathBuf>,
    /// Where the numbers of every rank go as CSV ([`grid_file`]).
    ///
    /// Default: `None`, no CSV.
    pub csv: Option<PathBuf>,
    /// Where the quality plot goes, `.svg` or `.png` ([`grid_file`]).
    ///
    /// Default: `None`, no plot.
    pub plot: Option<PathBuf>,
    /// Size limits for decoding.
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether existing outputs are replaced (the input never is).
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            factorize: FactorizeOptions::default(),
            ranks: RankList::Auto,
            columns: None,
            tile_width: None,
            output: None,
            csv: None,
            plot: None,
            limits: DecodeLimits::default(),
            overwrite: Overwrite::Never,
        }
    }
}

/// One plane at one rank.
#[derive(Debug, Clone, Serialize)]
pub struct GridChannel {
    /// "R", "G", "B", "Y", "Cb", "Cr", "L" or "A".
    pub name: String,
    /// Rank kept.
    pub rank: usize,
    /// Σ_{i≤k} σᵢ² / E of this plane.
    pub energy_kept: f64,
    /// Eckart–Young: sqrt(Σ_{i>k} σᵢ²), on the [0, 1] scale.
    pub predicted_error: f64,
    /// ‖A − A_k‖_F measured before clamping and rounding.
    pub measured_error: f64,
    /// k·(rows + cols + 1).
    pub stored_values: u64,
}

/// Everything measured at one rank (one tile).
#[derive(Debug, Clone, Serialize)]
pub struct GridRank {
    /// The rank every plane kept (after clamping to min(width, height)).
    pub rank: usize,
    /// Why this rank is in the grid: "rank 10", "5% of 400", "99% energy", …
    pub reason: String,
    /// Mean squared error on the bit depth's scale.
    pub mse: f64,
    /// PSNR in dB; `None` when the tile equals the original.
    pub psnr: Option<f64>,
    /// Mean SSIM over the compared channels; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
    /// Energy kept over all planes together: Σ_p Σ_{i≤k} σ_{p,i}² / Σ_p E_p.
    pub energy_kept: f64,
    /// Σ of the planes' stored values.
    pub stored_values: u64,
    /// samples / stored values.
    pub storage_ratio: Option<f64>,
    /// Per plane.
    pub channels: Vec<GridChannel>,
}

/// Where everything on the sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridLayout {
    /// Cells per row.
    pub columns: usize,
    /// Rows of cells.
    pub rows: usize,
    /// Width of a cell (every tile is this wide, or narrower for very tall images).
    pub tile_width: u32,
    /// Height of the tile part of a cell.
    pub tile_height: u32,
    /// Height of the label strip under each tile.
    pub label_height: u32,
    /// Blank space around and between cells.
    pub gap: u32,
    /// Sheet width: columns·tile_width + (columns + 1)·gap.
    pub width: u32,
    /// Sheet height: rows·(tile_height + label_height) + (rows + 1)·gap.
    pub height: u32,
    /// Pixel height of the label text.
    pub font_px: f32,
}

impl GridLayout {
    /// Top-left corner of cell `i` (0 is the original).
    #[must_use]
    pub fn cell_origin(&self, i: usize) -> (u32, u32) {
        let (r, c) = ((i / self.columns) as u32, (i % self.columns) as u32);
        (
            self.gap + c * (self.tile_width + self.gap),
            self.gap + r * (self.tile_height + self.label_height + self.gap),
        )
    }
}

/// A finished grid: the sheet and the numbers of every tile.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The sheet (RGB, or RGBA when the input has alpha), 8 bits.
    pub sheet: DynamicImage,
    /// One entry per rank, ascending.
    pub ranks: Vec<GridRank>,
    /// Where the cells are.
    pub layout: GridLayout,
    /// True when a requested rank was above min(width, height) and was clamped.
    pub clamped: bool,
    /// min(width, height).
    pub max_rank: usize,
    /// What the user should know (clamped or repeated ranks).
    pub warnings: Vec<String>,
    /// The factorization the tiles came from (planes, factors, energies).
    pub factorized: Factorized,
    /// Milliseconds: factorize, reconstruct (all tiles), metrics (all tiles), draw.
    pub timings_ms: Timings,
}

/// Everything `grid` reports (JSON schema `svdimg.grid/1`).
#[derive(Debug, Clone, Serialize)]
pub struct GridReport {
    /// `"svdimg.grid/1"`.
    pub schema: &'static str,
    /// The input, the image and the SVD that ran.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The sheet written, if any.
    pub output: Option<String>,
    /// The CSV written, if any.
    pub csv: Option<String>,
    /// The plot written, if any.
    pub plot: Option<String>,
    /// The rank list as asked for: "auto" or "1,5,10%".
    pub rank_request: String,
    /// True when a requested rank was above `max_rank` and was clamped.
    pub rank_clamped: bool,
    /// min(width, height).
    pub max_rank: usize,
    /// rows × cols × planes.
    pub samples: u64,
    /// Where the cells are on the sheet.
    pub layout: GridLayout,
    /// One entry per rank, ascending.
    pub ranks: Vec<GridRank>,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds per stage.
    pub timings_ms: Timings,
}

impl Grid {
    /// The report of this grid; `input`, `output`, `csv`, `plot` and the decode and encode
    /// timings are left for the caller.
    #[must_use]
    pub fn report(&self, opts: &GridOptions) -> GridReport {
        let l = &self.factorized.planes.layout;
        GridReport {
            schema: "svdimg.grid/1",
            header: ReportHeader::of_factorized(&self.factorized, opts.factorize.precision),
            output: None,
            csv: None,
            plot: None,
            rank_request: match &opts.ranks {
                RankList::Auto => "auto".into(),
                RankList::Fixed(list) => list
                    .iter()
                    .map(RankSelect::list_item)
                    .collect::<Vec<_>>()
                    .join(","),
            },
            rank_clamped: self.clamped,
            max_rank: self.max_rank,
            samples: (l.width * l.height * self.factorized.factors.len()) as u64,
            layout: self.layout,
            ranks: self.ranks.clone(),
            warnings: self.warnings.clone(),
            timings_ms: self.timings_ms,
        }
    }
}

/// Factorizes `img` once and builds the grid of `grid.ranks`.
pub fn grid_image(img: &DynamicImage, grid: &GridOptions, progress: &dyn Progress) -> Result<Grid> {
    let opts = &grid.factorize;
    grid.ranks.validate()?;
    if grid.columns == Some(0) {
        return Err(Error::Parameter("columns must be at least 1".into()));
    }
    if grid.tile_width == Some(0) {
        return Err(Error::Parameter("tile width must be at least 1".into()));
    }
    let mut timings = Timings::default();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let tile_width = grid
        .tile_width
        .unwrap_or_else(|| (w as u32).clamp(DEFAULT_TILE_WIDTH.0, DEFAULT_TILE_WIDTH.1));
    let tile = tiles::tile_size(w as u32, h as u32, tile_width);
    // Fixed ranks are known before the SVD, so their tiles can be made plane by plane as soon
    // as each plane is factorized (see `tiles`); `auto` ranks need the spectrum first.
    let fixed = match &grid.ranks {
        RankList::Fixed(list) => Some(fixed_ranks(list, h, w)),
        RankList::Auto => None,
    };
    let keep = fixed.as_ref().map_or(usize::MAX, |(r, _)| {
        r.iter().map(|x| x.0).max().unwrap_or(1)
    });
    let reference_cell = OnceLock::new();
    let reference_of =
        |planes: &planes::Planes| &**reference_cell.get_or_init(|| planes::reference(img, planes));
    let channels_cell = OnceLock::new();
    let follow_ups = fixed.as_ref().map_or(0, |(r, _)| r.len());
    let t = Instant::now();
    let (fz, followed) =
        factorize_image_and_follow(img, opts, keep, progress, follow_ups, |pl, p, j, f| {
            if !tiles::by_plane(&pl.layout, tile_width) {
                return None;
            }
            let channels = channels_cell.get_or_init(|| tiles::channels8(reference_of(pl)));
            // Follow-ups run highest rank first (the rebuild costs grow with the rank), so
            // the last ones to start are the shortest; see the reversal below.
            let k = fixed.as_ref().map_or(1, |(r, _)| r[follow_ups - 1 - j].0);
            Some(tiles::plane_tile(pl, p, f, k, &channels[p], tile))
        })?;
    timings.factorize = Some(ms(t));
    let (ranks, clamped) = match fixed {
        Some(fixed) => fixed,
        None => resolve_ranks(&grid.ranks, &fz),
    };
    let max_rank = h.min(w);
    let warnings = rank_warnings(&grid.ranks, ranks.len(), clamped, w, h);

    let t = Instant::now();
    let reference = reference_of(&fz.planes);
    Timings::add(&mut timings.metrics, ms(t));
    let mut tiles = Vec::with_capacity(ranks.len() + 1);
    let t = Instant::now();
    tiles.push(tiles::scale_tile(reference, tile_width));
    Timings::add(&mut timings.draw, ms(t));
    let planes_n = fz.factors.len();
    let made: Vec<Vec<tiles::PlaneTile>> = followed
        .into_iter()
        .map(|v| v.into_iter().rev().collect::<Option<Vec<_>>>())
        .collect::<Option<_>>()
        .filter(|_| follow_ups > 0 && planes_n > 0)
        .unwrap_or_else(|| {
            // `auto` ranks became known only now: their tiles are made plane by plane after
            // the SVD, side by side.
            if !tiles::by_plane(&fz.planes.layout, tile_width) {
                return Vec::new();
            }
            let channels = channels_cell.get_or_init(|| tiles::channels8(reference));
            progress.begin(Stage::Reconstruct, (planes_n * ranks.len()) as u64);
            let made = follow_all(&fz.factors, 0, ranks.len(), &|p, j, f: &Factors| {
                let made = tiles::plane_tile(&fz.planes, p, f, ranks[j].0, &channels[p], tile);
                progress.advance(Stage::Reconstruct, 1);
                made
            });
            progress.end(Stage::Reconstruct);
            made
        });
    let results = if made.is_empty() || ranks.is_empty() {
        by_image(
            &fz,
            &ranks,
            reference,
            tile_width,
            &mut tiles,
            &mut timings,
            progress,
        )
    } else {
        from_plane_tiles(&fz, &ranks, &made, tile, &mut tiles, &mut timings)
    };

    let t = Instant::now();
    let labels: Vec<Vec<Vec<String>>> = std::iter::once(original_label(&fz))
        .chain(results.iter().map(rank_label))
        .collect();
    let layout = layout(&tiles, &labels, tile_width, grid.columns);
    let sheet = compose(&tiles, &labels, &layout, fz.planes.layout.alpha.is_some());
    Timings::add(&mut timings.draw, ms(t));
    Ok(Grid {
        sheet,
        ranks: results,
        layout,
        clamped,
        max_rank,
        warnings,
        factorized: fz,
        timings_ms: timings,
    })
}

/// The warnings of a grid: clamped ranks, and requested ranks that came out the same.
fn rank_warnings(
    request: &RankList,
    shown: usize,
    clamped: bool,
    w: usize,
    h: usize,
) -> Vec<String> {
    let max_rank = h.min(w);
    let mut warnings = Vec::new();
    if clamped {
        warnings.push(format!(
            "ranks above {max_rank} (the smaller side of this {w}×{h} image) were clamped to {max_rank}"
        ));
    }
    if let RankList::Fixed(list) = request {
        if shown < list.len() {
            warnings.push(format!(
                "{} of the {} requested ranks came out the same and are shown once",
                list.len() - shown,
                list.len()
            ));
        }
    }
    warnings
}

/// The tiles and entries of every rank from tiles made plane by plane (`made[p][j]`: plane p at
/// rank j): channels assembled, numbers combined. Pushes the tiles and returns the entries.
fn from_plane_tiles(
    fz: &Factorized,
    ranks: &[(usize, String)],
    made: &[Vec<tiles::PlaneTile>],
    tile: (u32, u32),
    tiles: &mut Vec<RgbaImage>,
    timings: &mut Timings,
) -> Vec<GridRank> {
    let t = Instant::now();
    let (w, h) = (fz.planes.layout.width, fz.planes.layout.height);
    let planes_n = fz.factors.len();
    let kept_alpha = tiles::kept_alpha_tile(&fz.planes, tile);
    let peak = fz.planes.layout.peak();
    let mut results = Vec::with_capacity(ranks.len());
    for (j, (k, reason)) in ranks.iter().enumerate() {
        let of_rank: Vec<&tiles::PlaneTile> = made.iter().map(|p| &p[j]).collect();
        let measured: Vec<f64> = of_rank.iter().map(|t| t.measured_error).collect();
        let channels = channel_reports(fz, &vec![*k; planes_n], &measured);
        let measures: Vec<_> = of_rank.iter().map(|t| t.quality).collect();
        let quality = metrics::combine_channels(&measures, w * h, peak);
        let parts: Vec<&[u8]> = of_rank.iter().map(|t| &t.tile[..]).collect();
        tiles.push(tiles::assemble(&parts, kept_alpha.as_deref(), tile));
        results.push(grid_rank(fz, *k, reason.clone(), &channels, &quality));
        for t in of_rank {
            Timings::add(&mut timings.reconstruct, t.ms[0]);
            Timings::add(&mut timings.metrics, t.ms[1]);
            Timings::add(&mut timings.draw, t.ms[2]);
        }
    }
    Timings::add(&mut timings.draw, ms(t));
    results
}

/// Every tile rebuilt as a whole image with [`rebuild`], the code `compress` runs (for layouts
/// and tile sizes that [`tiles::by_plane`] does not cover). Pushes the tiles and returns the
/// entries.
fn by_image(
    fz: &Factorized,
    ranks: &[(usize, String)],
    reference: &DynamicImage,
    tile_width: u32,
    tiles: &mut Vec<RgbaImage>,
    timings: &mut Timings,
    progress: &dyn Progress,
) -> Vec<GridRank> {
    progress.begin(Stage::Reconstruct, ranks.len() as u64);
    // Tiles side by side (each rebuild also runs its planes in parallel). rayon's workers take
    // one tile at a time, so only about as many full-size reconstructions as there are threads
    // exist at once; each is dropped as soon as its tile is scaled. Every tile is rebuilt the
    // same way whatever the order, so the pixels do not depend on the thread count.
    let planes_n = fz.factors.len();
    let done = crate::parallel::map(ranks, |(k, reason)| {
        let rebuilt = rebuild(fz, &vec![*k; planes_n], reference, &NoProgress);
        let t = Instant::now();
        let tile = tiles::scale_tile(&rebuilt.image, tile_width);
        let draw_ms = ms(t);
        progress.advance(Stage::Reconstruct, 1);
        let entry = grid_rank(fz, *k, reason.clone(), &rebuilt.channels, &rebuilt.quality);
        (
            entry,
            tile,
            rebuilt.reconstruct_ms,
            rebuilt.metrics_ms,
            draw_ms,
        )
    });
    progress.end(Stage::Reconstruct);
    let mut results = Vec::with_capacity(ranks.len());
    for (entry, tile, reconstruct_ms, metrics_ms, draw_ms) in done {
        Timings::add(&mut timings.reconstruct, reconstruct_ms);
        Timings::add(&mut timings.metrics, metrics_ms);
        Timings::add(&mut timings.draw, draw_ms);
        tiles.push(tile);
        results.push(entry);
    }
    results
}

fn grid_rank(
    fz: &Factorized,
    k: usize,
    reason: String,
    channels: &[ChannelReport],
    quality: &metrics::Quality,
) -> GridRank {
    let layout = &fz.planes.layout;
    let samples = (layout.width * layout.height * fz.factors.len()) as u64;
    let stored: u64 = channels.iter().map(|c| c.stored_values).sum();
    let total: f64 = fz.energies.iter().sum();
    // As metrics::energy_kept does it: from the discarded tail when every σ is known, which is
    // exact to the last digit when little is discarded.
    let complete = fz.factors.iter().all(|f| f.complete);
    let kept = if complete {
        let tail: f64 = fz
            .factors
            .iter()
            .map(|f| f.s.iter().skip(k).map(|x| x * x).sum::<f64>())
            .sum();
        1.0 - tail / total
    } else {
        fz.factors
            .iter()
            .map(|f| metrics::kept_energy(&f.s, k))
            .sum::<f64>()
            / total
    };
    GridRank {
        rank: k,
        reason,
        mse: quality.mse,
        psnr: quality.psnr,
        ssim: quality.ssim,
        energy_kept: if total > 0.0 {
            kept.clamp(0.0, 1.0)
        } else {
            1.0
        },
        stored_values: stored,
        storage_ratio: (stored > 0).then(|| samples as f64 / stored as f64),
        channels: channels
            .iter()
            .map(|c| GridChannel {
                name: c.name.clone(),
                rank: c.rank,
                energy_kept: c.energy_kept,
                predicted_error: c.predicted_error,
                measured_error: c.measured_error,
                stored_values: c.stored_values,
            })
            .collect(),
    }
}

/// The label of the original's cell, line by line.
fn original_label(fz: &Factorized) -> Vec<Vec<String>> {
    let l = &fz.planes.layout;
    vec![
        vec!["original".into()],
        vec![
            format!("{}×{}", l.width, l.height),
            format!("{} {}-bit", l.color.name(), l.bit_depth),
        ],
    ]
}

/// The label of a rank's cell, line by line: rank; PSNR and SSIM; energy kept and storage
/// ratio. Items of a line that does not fit the cell go on lines of their own.
#[must_use]
pub(crate) fn rank_label(r: &GridRank) -> Vec<Vec<String>> {
    vec![
        vec![format!("rank {}", r.rank)],
        vec![
            r.psnr
                .map_or_else(|| "PSNR ∞".into(), |p| format!("PSNR {p:.2} dB")),
            r.ssim
                .map_or_else(|| "SSIM n/a".into(), |s| format!("SSIM {s:.4}")),
        ],
        vec![
            format!("energy {}", percent(r.energy_kept)),
            r.storage_ratio
                .map_or_else(|| "ratio n/a".into(), |x| format!("ratio {x:.1}×")),
        ],
    ]
}

/// A fraction as a percentage with enough decimals to tell 99.9 % from 100 %.
fn percent(f: f64) -> String {
    let p = f * 100.0;
    if p >= 99.995 && f < 1.0 {
        format!("{:.4} %", p.min(99.9999))
    } else {
        format!("{p:.2} %")
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_tell_nearly_all_from_all() {
        assert_eq!(percent(0.5), "50.00 %");
        assert_eq!(percent(0.99999), "99.9990 %");
        assert_eq!(percent(1.0), "100.00 %");
    }
}
