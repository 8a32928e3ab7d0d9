//! The geometry of a 2×2 SVD as an animation (`svdimg explain "4 0; 3 5" --gif geometry.gif`):
//! the unit circle (carrying a letter F) morphs through Vᵀ, then Σ, then U into A's ellipse;
//! then an orthogonal pair x ⊥ y sweeps round the circle while A x and A y move on the
//! ellipse, the angle between them written under it, until the pair lines up with v₁, v₂ and the
//! angle reaches 90° ("orthogonal!").

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbaImage};
use plotters::prelude::*;

use super::geometry::{Panel, CURVE_COLOR, X_COLOR, Y_COLOR};
use super::{draw_error, register_font};
use crate::error::{Error, Result};
use crate::explain::degrees;
use crate::explain::geometry::{blend, pair_at, product, Geometry, MapKind};

/// Size of every frame: the input side and the output side.
pub const GIF_SIZE: (u32, u32) = (760, 400);
/// Frames per step of the morph (Vᵀ, Σ, U).
const MORPH_FRAMES: usize = 14;
/// Degrees between the sweep's frames.
const SWEEP_STEP: f64 = 5.0;
/// Milliseconds a frame shows; the frames where something is reached hold longer.
const FRAME_MS: u32 = 90;
const HOLD_MS: u32 = 1200;

/// What one frame shows.
enum Scene {
    /// The circle mapped by `m`, in step `label`.
    Morph { m: [[f64; 2]; 2], label: String },
    /// x at `deg` degrees and y ⊥ x, with their images.
    Sweep { deg: f64, aligned: bool },
}

/// The animation's frames (scene, milliseconds), in order.
fn scenes(g: &Geometry) -> Vec<(Scene, u32)> {
    let id = [[1.0, 0.0], [0.0, 1.0]];
    let [vt, s, u] = g.steps();
    let mut out = vec![(
        Scene::Morph {
            m: id,
            label: "the unit circle".into(),
        },
        HOLD_MS / 2,
    )];
    let stages = [
        (vt, id, "Vᵀ: rotate or reflect"),
        (s, vt, "Σ: stretch along the axes"),
        (u, product(&s, &vt), "U: rotate or reflect"),
    ];
    for (step, before, label) in stages {
        for i in 1..=MORPH_FRAMES {
            let t = i as f64 / MORPH_FRAMES as f64;
            let ms = if i == MORPH_FRAMES {
                HOLD_MS / 2
            } else {
                FRAME_MS
            };
            out.push((
                Scene::Morph {
                    m: product(&blend(&step, t), &before),
                    label: label.into(),
                },
                ms,
            ));
        }
    }
    // The sweep, with the singular direction v₁ (mod 180°) inserted where it falls.
    let v1 = g.v[0][1].atan2(g.v[0][0]).to_degrees().rem_euclid(180.0);
    let mut angles: Vec<(f64, bool)> = (0..)
        .map(|i| f64::from(i) * SWEEP_STEP)
        .take_while(|&d| d < 180.0)
        .map(|d| (d, false))
        .collect();
    if g.kind == MapKind::General {
        angles.retain(|&(d, _)| (d - v1).abs() > 1e-9);
        angles.push((v1, true));
        angles.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    for (deg, aligned) in angles {
        let ms = if aligned { HOLD_MS } else { FRAME_MS };
        out.push((Scene::Sweep { deg, aligned }, ms));
    }
    out
}

/// The GIF bytes of the animation, numbers at `digits` decimals.
pub fn geometry_gif(g: &Geometry, digits: usize) -> Result<Vec<u8>> {
    register_font();
    let scenes = scenes(g);
    let extent = 1.35 * g.sigma[0].max(1.0);
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        let encode = |e: image::ImageError| Error::Encode(format!("cannot encode the GIF: {e}"));
        encoder.set_repeat(Repeat::Infinite).map_err(encode)?;
        for (scene, ms) in &scenes {
            let frame = draw_frame(g, scene, extent, digits)?;
            let delay = Delay::from_numer_denom_ms(*ms, 1);
            encoder
                .encode_frame(Frame::from_parts(frame, 0, 0, delay))
                .map_err(encode)?;
        }
    }
    Ok(bytes)
}

/// Frames the animation has for `g` (for tests and reports).
#[must_use]
pub fn geometry_gif_frames(g: &Geometry) -> usize {
    scenes(g).len()
}

fn draw_frame(g: &Geometry, scene: &Scene, extent: f64, digits: usize) -> Result<RgbaImage> {
    let (w, h) = GIF_SIZE;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let halves = root.split_evenly((1, 2));
        let id = [[1.0, 0.0], [0.0, 1.0]];
        match scene {
            Scene::Morph { m, label } => {
                let p = Panel::new(halves[0].clone(), "the unit circle", 1.35)?;
                p.conic(&id, CURVE_COLOR)?;
                p.letter(&id)?;
                let p = Panel::new(halves[1].clone(), label, extent)?;
                p.conic(m, CURVE_COLOR)?;
                p.letter(m)?;
            }
            Scene::Sweep { deg, aligned } => {
                let pair = pair_at(&g.matrix, *deg);
                let p = Panel::new(halves[0].clone(), "x ⊥ y sweeping round", 1.35)?;
                p.conic(&id, CURVE_COLOR)?;
                p.arrow(pair.x, X_COLOR, if *aligned { "x = v₁" } else { "x" })?;
                p.arrow(pair.y, Y_COLOR, "y")?;
                p.note(0, &format!("x at {}", degrees(*deg, digits)))?;
                let title = if *aligned {
                    "orthogonal! A x = σ₁u₁, A y = ±σ₂u₂"
                } else {
                    "A x and A y on the ellipse"
                };
                let p = Panel::new(halves[1].clone(), title, extent)?;
                p.conic(&g.matrix, CURVE_COLOR)?;
                p.arrow(pair.ax, X_COLOR, "Ax")?;
                p.arrow(pair.ay, Y_COLOR, "Ay")?;
                let angle = pair
                    .angle_deg
                    .map_or_else(|| "none (a zero vector)".into(), |a| degrees(a, digits));
                p.note(0, &format!("angle between Ax and Ay: {angle}"))?;
            }
        }
        root.present().map_err(draw_error)?;
    }
    let rgb = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| draw_error("the frame has the wrong size"))?;
    Ok(image::DynamicImage::ImageRgb8(rgb).to_rgba8())
}
