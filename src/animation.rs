//! The build-up animation of `svdimg layers --gif`: the reconstruction from rank 1 upward, ranks
//! spaced geometrically up to full rank (or a chosen maximum), every frame labelled with its rank
//! and PSNR, looping forever.
//!
//! Every frame is a real reconstruction ([`reconstruct_at_ranks`], the pixels `compress -k`
//! writes), fitted into a square box like the sheet's tiles ([`crate::draw::Fit`]), above a dark label bar of
//! [`LABEL_BAR_HEIGHT`] pixels. PSNR and energy in the labels and the report are those of the
//! reconstruction itself; the GIF then stores each frame with a 256-colour palette, which is
//! lossless for greyscale images and adds a little quantization error for colour ones.

use std::path::PathBuf;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, DynamicImage, Frame, Rgba, RgbaImage};
use serde::Serialize;

use crate::draw::{self, Fit};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::stages::factorize::Factorized;
use crate::stages::metrics;
use crate::stages::planes;
use crate::stages::rebuild::reconstruct_at_ranks;

/// Height of the label bar under every frame, in pixels.
pub const LABEL_BAR_HEIGHT: u32 = 26;
/// Most frames one animation may have.
pub const MAX_FRAMES: usize = 500;
const LABEL_PX: f32 = 15.0;
const BAR: [u8; 4] = [28, 28, 28, 255];
const TEXT: [u8; 4] = [255, 255, 255, 255];
/// NeuQuant's speed for colour frames (1 best … 30 fastest); 10 is the `gif` crate's own default.
const QUANTIZE_SPEED: i32 = 10;

/// What the animation looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnimationOptions {
    /// Where the GIF goes (must end in `.gif`).
    pub path: PathBuf,
    /// Number of frames (fewer when the image has fewer ranks).
    ///
    /// Default: `30`.
    pub frames: usize,
    /// The rank of the last frame; `None`: full rank, min(width, height).
    ///
    /// Default: `None`.
    pub max_rank: Option<usize>,
    /// The square box every frame's picture is fitted into, in pixels.
    ///
    /// Default: `480`.
    pub size: u32,
    /// How long each frame shows, in milliseconds (the last one four times as long).
    ///
    /// Default: `250`.
    pub frame_ms: u32,
}

/// The defaults of [`AnimationOptions`] (all but the path), usable in constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnimationDefaults {
    /// Frames in the animation.
    pub frames: usize,
    /// The square box each frame's picture is fitted into, in pixels.
    pub size: u32,
    /// Milliseconds each frame shows.
    pub frame_ms: u32,
}

impl AnimationDefaults {
    /// 30 frames of at most 480 × 480 pixels, 250 ms each.
    pub const DEFAULT: AnimationDefaults = AnimationDefaults {
        frames: 30,
        size: 480,
        frame_ms: 250,
    };
}

impl AnimationOptions {
    /// Options writing to `path`, everything else at its default ([`AnimationDefaults::DEFAULT`]).
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        let d = AnimationDefaults::DEFAULT;
        AnimationOptions {
            path,
            frames: d.frames,
            max_rank: None,
            size: d.size,
            frame_ms: d.frame_ms,
        }
    }

    /// Checks the values before any work.
    pub fn validate(&self) -> Result<()> {
        let ext = self.path.extension().and_then(|e| e.to_str());
        if !ext.is_some_and(|e| e.eq_ignore_ascii_case("gif")) {
            return Err(Error::Parameter(format!(
                "the animation {} must be a .gif file",
                self.path.display()
            )));
        }
        if !(1..=MAX_FRAMES).contains(&self.frames) {
            return Err(Error::Parameter(format!(
                "the number of frames must be 1 to {MAX_FRAMES}, got {}",
                self.frames
            )));
        }
        if self.max_rank == Some(0) {
            return Err(Error::Parameter(
                "the maximum rank must be at least 1".into(),
            ));
        }
        if !(32..=4096).contains(&self.size) {
            return Err(Error::Parameter(format!(
                "the frame size must be 32 to 4096 pixels, got {}",
                self.size
            )));
        }
        if !(10..=60_000).contains(&self.frame_ms) {
            return Err(Error::Parameter(format!(
                "the frame time must be 10 to 60000 ms, got {}",
                self.frame_ms
            )));
        }
        Ok(())
    }

    /// The frames' ranks for an image of full rank `full`, and notes on any clamping.
    #[must_use]
    pub fn ranks(&self, full: usize) -> (Vec<usize>, Vec<String>) {
        let mut notes = Vec::new();
        let mut top = self.max_rank.unwrap_or(full);
        if top > full {
            notes.push(format!(
                "the last frame's rank {top} is more than this image's full rank {full}: using {full}"
            ));
            top = full;
        }
        let mut frames = self.frames;
        if frames > top {
            notes.push(format!(
                "{frames} frames asked for, but ranks 1 to {top} give only {top} different frames"
            ));
            frames = top;
        }
        (frame_ranks(top, frames), notes)
    }
}

/// `frames` ranks from 1 to `top`, spaced geometrically (1, 2, 3, 5, 8, 13, …), strictly
/// increasing, the last one `top`. Needs 1 ≤ frames ≤ top.
///
/// # Panics
/// When `frames` is 0 or larger than `top` (a caller bug).
#[must_use]
#[track_caller]
pub(crate) fn frame_ranks(top: usize, frames: usize) -> Vec<usize> {
    assert!(
        frames >= 1 && frames <= top,
        "{frames} frames between ranks 1 and {top}"
    );
    if frames == 1 {
        return vec![top];
    }
    let mut ranks = Vec::with_capacity(frames);
    let mut previous = 0;
    for j in 0..frames {
        let geometric = (top as f64).powf(j as f64 / (frames - 1) as f64).round() as usize;
        let room = top - (frames - 1 - j); // leave one rank for every later frame
        let r = geometric.max(previous + 1).min(room);
        ranks.push(r);
        previous = r;
    }
    ranks
}

/// One frame of the animation.
#[derive(Debug, Clone, Serialize)]
pub struct FrameEntry {
    /// The rank of every plane in this frame.
    pub rank: usize,
    /// Energy kept at this rank, planes combined.
    pub energy_kept: f64,
    /// PSNR of the reconstruction in dB; `None` when it equals the input.
    pub psnr: Option<f64>,
    /// SSIM of the reconstruction; `None` below 11 pixels in either direction.
    pub ssim: Option<f64>,
}

/// The animation that was written.
#[derive(Debug, Clone, Serialize)]
pub struct AnimationReport {
    /// Its path.
    pub output: String,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels (picture and label bar).
    pub height: u32,
    /// The rank of the last frame.
    pub max_rank: usize,
    /// Milliseconds each frame shows (the last one four times as long).
    pub frame_ms: u32,
    /// The frames, in order.
    pub frames: Vec<FrameEntry>,
}

/// Reconstructs at every rank in `ranks`, measures, draws and encodes the looping GIF in memory.
/// Returns its bytes and the report (whose `output` the caller fills in).
pub fn build_up_gif(
    img: &DynamicImage,
    fz: &Factorized,
    ranks: &[usize],
    opts: &AnimationOptions,
    progress: &dyn Progress,
) -> Result<(Vec<u8>, AnimationReport)> {
    let layout = &fz.planes.layout;
    let fit = Fit::new(layout.width as u32, layout.height as u32, opts.size);
    let (width, height) = (fit.width, fit.height + LABEL_BAR_HEIGHT);
    let reference = planes::reference(img, &fz.planes);
    let full = layout.width.min(layout.height);
    let encode_err = |e: image::ImageError| Error::Encode(format!("cannot encode the GIF: {e}"));
    let mut bytes = Vec::new();
    let mut entries = Vec::with_capacity(ranks.len());
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, QUANTIZE_SPEED);
        encoder.set_repeat(Repeat::Infinite).map_err(encode_err)?;
        for (n, &rank) in ranks.iter().enumerate() {
            let image = reconstruct_at_ranks(fz, &vec![rank; fz.factors.len()], progress);
            let q = metrics::quality(
                &reference,
                &image,
                layout.compared_channels(),
                layout.peak(),
            );
            let entry = FrameEntry {
                rank,
                energy_kept: fz.energy_kept(rank),
                psnr: q.psnr,
                ssim: q.ssim,
            };
            let frame = draw_frame(&fit.apply(&image.to_rgba8()), &entry, full);
            debug_assert_eq!(frame.dimensions(), (width, height));
            let last = n + 1 == ranks.len();
            let ms = if last {
                opts.frame_ms * 4
            } else {
                opts.frame_ms
            };
            let delay = Delay::from_numer_denom_ms(ms, 1);
            encoder
                .encode_frame(Frame::from_parts(frame, 0, 0, delay))
                .map_err(encode_err)?;
            entries.push(entry);
        }
    }
    let report = AnimationReport {
        output: String::new(),
        width,
        height,
        max_rank: ranks.last().copied().unwrap_or(0),
        frame_ms: opts.frame_ms,
        frames: entries,
    };
    Ok((bytes, report))
}

/// The picture above a dark bar saying "rank k / r · PSNR x dB".
fn draw_frame(picture: &RgbaImage, e: &FrameEntry, full: usize) -> RgbaImage {
    let (w, h) = picture.dimensions();
    let mut frame = RgbaImage::from_pixel(w, h + LABEL_BAR_HEIGHT, Rgba(BAR));
    // Transparent input pixels are shown over the bar's colour, as GIF cannot blend.
    for (x, y, p) in picture.enumerate_pixels() {
        let a = f32::from(p.0[3]) / 255.0;
        let blend =
            |c: usize| (f32::from(p.0[c]) * a + f32::from(BAR[c]) * (1.0 - a)).round() as u8;
        frame.put_pixel(x, y, Rgba([blend(0), blend(1), blend(2), 255]));
    }
    let psnr = e.psnr.map_or_else(
        || "PSNR ∞ (identical)".to_string(),
        |p| format!("PSNR {p:.2} dB"),
    );
    let candidates = [
        format!("rank {} / {full} · {psnr}", e.rank),
        format!("rank {} · {psnr}", e.rank),
        format!("k = {}", e.rank),
    ];
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let (text, px) = draw::fitted_choice(&refs, w as f32, LABEL_PX);
    let y = h as f32 + (LABEL_BAR_HEIGHT as f32 - draw::line_height(px)) / 2.0;
    draw::draw_text_centered(&mut frame, w as f32 / 2.0, y, px, text, TEXT);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_geometric_increasing_and_end_at_the_top() {
        assert_eq!(frame_ranks(10, 1), vec![10]);
        assert_eq!(frame_ranks(5, 5), vec![1, 2, 3, 4, 5]);
        let r = frame_ranks(400, 30);
        assert_eq!((r.len(), r[0], r[29]), (30, 1, 400));
        assert!(r.windows(2).all(|w| w[0] < w[1]), "{r:?}");
        assert!(r[15] < 40, "geometric, not linear: {r:?}");
        let opts = AnimationOptions::new("a.gif".into());
        let (r, notes) = opts.ranks(12);
        assert_eq!((r.len(), notes.len()), (12, 1));
        let opts = AnimationOptions {
            max_rank: Some(100),
            ..AnimationOptions::new("a.gif".into())
        };
        let (r, notes) = opts.ranks(50);
        assert_eq!((r[r.len() - 1], notes.len()), (50, 1));
    }

    #[test]
    fn options_are_checked() {
        assert!(AnimationOptions::new("a.gif".into()).validate().is_ok());
        assert!(AnimationOptions::new("a.png".into()).validate().is_err());
        let zero = AnimationOptions {
            frames: 0,
            ..AnimationOptions::new("a.GIF".into())
        };
        assert!(zero.validate().is_err());
    }
}
