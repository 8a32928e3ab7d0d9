//! The comparison sheet of `denoise --sheet`: clean | noisy | global | patch tiles with their
//! PSNR and SSIM, and the patch groups' ranks as a heat map (where the image needed more rank).

use image::{DynamicImage, RgbaImage};

use super::{denoise_image, DenoiseMethod, DenoiseSettings, Denoised, RankMap};
use crate::draw::{draw_text_centered, fill_rect, line_height, paste, Fit};
use crate::error::Result;
use crate::metrics;
use crate::progress::Progress;

/// The box each tile is fitted into.
const TILE: u32 = 320;
const GAP: u32 = 12;
const TITLE_PX: f32 = 15.0;
const NUMBERS_PX: f32 = 13.0;
const INK: [u8; 4] = [20, 20, 20, 255];
const PAPER: [u8; 4] = [255, 255, 255, 255];

/// What the sheet shows.
pub(crate) struct SheetInputs<'a> {
    /// The clean image, when known.
    pub clean: Option<&'a DynamicImage>,
    /// The noisy input.
    pub noisy: &'a DynamicImage,
    /// The denoised result of the method asked for.
    pub denoised: &'a Denoised,
    /// The settings it ran with (the other method runs with the same σ).
    pub settings: &'a DenoiseSettings,
}

/// Draws the sheet, running the method that was not asked for with the same σ.
pub(crate) fn comparison_sheet(
    inputs: &SheetInputs<'_>,
    progress: &dyn Progress,
) -> Result<DynamicImage> {
    let d = inputs.denoised;
    let other_method = match d.method {
        DenoiseMethod::Patch => DenoiseMethod::Global,
        DenoiseMethod::Global => DenoiseMethod::Patch,
    };
    let other = denoise_image(
        inputs.noisy,
        &DenoiseSettings {
            method: other_method,
            sigma: Some(d.sigma),
            patch: inputs.settings.patch,
        },
        progress,
    )?;
    let (global, patch) = match d.method {
        DenoiseMethod::Patch => (&other, d),
        DenoiseMethod::Global => (d, &other),
    };
    let layout = &d.layout;
    let numbers = |img: &DynamicImage| {
        inputs.clean.map(|c| {
            let q = metrics::quality(c, img, layout.compared_channels(), layout.peak());
            format!(
                "{} · SSIM {}",
                q.psnr.map_or("∞ dB".into(), |p| format!("{p:.2} dB")),
                q.ssim.map_or("–".into(), |s| format!("{s:.4}"))
            )
        })
    };
    let mut tiles: Vec<(String, RgbaImage, Option<String>)> = Vec::new();
    if let Some(c) = inputs.clean {
        tiles.push(("clean".into(), c.to_rgba8(), None));
    }
    tiles.push((
        format!(
            "noisy (σ {:.1} {})",
            d.sigma,
            if inputs.settings.sigma.is_some() {
                "given"
            } else {
                "estimated"
            }
        ),
        inputs.noisy.to_rgba8(),
        numbers(inputs.noisy),
    ));
    let ranks = global.global_ranks.as_deref().unwrap_or(&[]);
    tiles.push((
        format!(
            "global SVD (rank {})",
            ranks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/")
        ),
        global.image.to_rgba8(),
        numbers(&global.image),
    ));
    tiles.push((
        "patch groups".into(),
        patch.image.to_rgba8(),
        numbers(&patch.image),
    ));
    if let (Some(map), Some(g)) = (&patch.rank_map, &patch.group_ranks) {
        tiles.push((
            "ranks kept per group".into(),
            heat_map(map),
            Some(format!("0 … {} · mean {:.2}", g.max, g.mean)),
        ));
    }
    let (w, h) = (layout.width as u32, layout.height as u32);
    let fit = Fit::new(w, h, TILE);
    let title_h = line_height(TITLE_PX).ceil() as u32 + 4;
    let numbers_h = line_height(NUMBERS_PX).ceil() as u32 + 4;
    let cell_w = fit.width.max(180);
    let n = tiles.len() as u32;
    let width = GAP + n * (cell_w + GAP);
    let height = GAP + title_h + fit.height + numbers_h + GAP;
    let mut sheet = RgbaImage::from_pixel(width, height, image::Rgba(PAPER));
    for (i, (title, img, nums)) in tiles.into_iter().enumerate() {
        let x = GAP + i as u32 * (cell_w + GAP);
        let cx = x as f32 + cell_w as f32 / 2.0;
        draw_text_centered(&mut sheet, cx, GAP as f32, TITLE_PX, &title, INK);
        let fitted = if (img.width(), img.height()) == (fit.width, fit.height) {
            img
        } else if img.width() == w {
            fit.apply(&img)
        } else {
            // The heat map: nearest neighbour, so every group stays a sharp cell.
            image::imageops::resize(
                &img,
                fit.width,
                fit.height,
                image::imageops::FilterType::Nearest,
            )
        };
        let top = GAP + title_h;
        let left = x + (cell_w - fit.width) / 2;
        fill_rect(
            &mut sheet,
            left,
            top,
            fit.width,
            fit.height,
            [200, 200, 200, 255],
        );
        paste(&mut sheet, &fitted, left, top);
        if let Some(nums) = nums {
            draw_text_centered(
                &mut sheet,
                cx,
                (top + fit.height + 3) as f32,
                NUMBERS_PX,
                &nums,
                INK,
            );
        }
    }
    Ok(DynamicImage::ImageRgba8(sheet))
}

/// One pixel per group, dark blue (rank 0) through red to yellow (the largest rank).
fn heat_map(map: &RankMap) -> RgbaImage {
    let max = f32::from(map.ranks.iter().copied().max().unwrap_or(0).max(1));
    RgbaImage::from_fn(map.cols as u32, map.rows as u32, |x, y| {
        let r = f32::from(map.ranks[y as usize * map.cols + x as usize]) / max;
        image::Rgba(crate::colormap::heat(r))
    })
}
