//! The block encoder's choices: the step Δ from a quality or a byte budget, and the block side
//! of each plane.
//!
//! Every plane is analysed once per candidate side (one small SVD per block). A trial at quality
//! Q then only quantizes and range-codes (milliseconds a plane), so the byte budget is met by
//! bisection on Q with real encodings instead of estimates. At each Q every plane takes the side
//! whose squared error plus λ times its bits is smallest: the same Lagrangian that stops the
//! terms inside each block.

use image::DynamicImage;

use super::deblock::best_strength;
use super::image_planes::split;
use super::plane_code;
use super::terms::{Analysis, Steps};
use super::ycbcr::Plane;
use super::{BlockFile, BlockPlane};
use crate::error::{Error, Result};

/// The quality when neither a quality nor a budget is given.
pub const DEFAULT_QUALITY: f64 = 75.0;
/// Block sides the encoder tries by default.
pub const SIDES: [usize; 3] = [4, 8, 16];
/// λ = LAMBDA · Δ² (squared error per bit, on the 0–255 scale).
const LAMBDA: f64 = 0.06;
/// Δ_dc = DC_FACTOR · Δ / n: the block mean's step, as the step of the orthonormal DC
/// coefficient n·mean.
const DC_FACTOR: f32 = 0.75;
/// Step of each plane relative to Y's (Y, Cb, Cr): errors in chroma reach R, G and B with weights
/// above one and spread over four pixels.
const PLANE_STEP: [f32; 3] = [1.0, 0.5, 0.6];
/// Bisection steps of the budget search on Q ∈ [1, 100].
const SEARCH_STEPS: usize = 14;

/// What the encoder aims at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Quality Q ∈ [1, 100], scaled as libjpeg scales its tables: Y's step on the 0–255 scale
    /// is Δ = 50·(50/Q) below Q 50 and 50·(2 − Q/50) from Q 50 on, at least ½ (Q 10: 250,
    /// Q 50: 50, Q 75: 25, Q 90: 10, Q 99: 1). Higher is better and larger; every other step
    /// follows Δ.
    Quality(f64),
    /// The highest quality whose file fits in this many bytes.
    Bytes(u64),
    /// The highest quality whose file fits in this many bits per pixel (bytes · 8 / pixels).
    BitsPerPixel(f64),
}

impl Target {
    /// The byte budget for a `width × height` image, if this is a budget.
    #[must_use]
    pub fn budget_bytes(self, width: u32, height: u32) -> Option<u64> {
        match self {
            Target::Quality(_) => None,
            Target::Bytes(b) => Some(b),
            Target::BitsPerPixel(bpp) => {
                Some((bpp * f64::from(width) * f64::from(height) / 8.0).floor() as u64)
            }
        }
    }

    /// "quality 60", "size 60000 bytes", "0.5 bits per pixel".
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Target::Quality(q) => format!("quality {q}"),
            Target::Bytes(b) => format!("size {b} bytes"),
            Target::BitsPerPixel(b) => format!("{b} bits per pixel"),
        }
    }

    fn validate(self) -> Result<()> {
        match self {
            Target::Quality(q) if !(1.0..=100.0).contains(&q) => {
                Err(Error::Parameter(format!("quality {q} is not in 1–100")))
            }
            Target::Bytes(0) => Err(Error::Parameter("size budget must be positive".into())),
            Target::BitsPerPixel(b) if !(b.is_finite() && b > 0.0) => Err(Error::Parameter(
                format!("bits per pixel must be positive, got {b}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Everything that decides what the block encoder does.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockOptions {
    /// Quality or byte budget.
    ///
    /// Default: `Target::Quality(DEFAULT_QUALITY)` (75).
    pub target: Target,
    /// Block sides to choose from, per plane (each 4, 8, 16 or 32).
    ///
    /// Default: 4, 8 and 16.
    pub sides: Vec<usize>,
}

impl Default for BlockOptions {
    fn default() -> Self {
        BlockOptions {
            target: Target::Quality(DEFAULT_QUALITY),
            sides: SIDES.to_vec(),
        }
    }
}

/// A block-coded image.
#[derive(Debug, Clone)]
pub struct BlockEncoded {
    /// The file's contents.
    pub file: BlockFile,
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// The quality it was encoded at.
    pub quality: f64,
    /// Whether a byte budget could not be met even at quality 1.
    pub over_budget: bool,
}

/// Y's step at quality `q` (see [`Target::Quality`]).
#[must_use]
pub fn step_of_quality(q: f64) -> f32 {
    let q = q.clamp(1.0, 100.0);
    let scale = if q < 50.0 { 50.0 / q } else { 2.0 - q / 50.0 };
    (50.0 * scale).max(0.5) as f32
}

/// Every plane analysed at every side.
struct Analysed {
    width: u32,
    height: u32,
    bit_depth: u8,
    planes: Vec<(usize, usize, Vec<Analysis>)>,
    originals: Vec<Plane>,
    alpha: Option<Vec<u16>>,
}

impl Analysed {
    fn new(img: &DynamicImage, sides: &[usize]) -> Self {
        let s = split(img);
        let jobs: Vec<(usize, usize)> = (0..s.planes.len())
            .flat_map(|p| sides.iter().map(move |&n| (p, n)))
            .collect();
        let analyses = crate::parallel::map(&jobs, |&(p, n)| Analysis::new(&s.planes[p], n));
        let mut planes: Vec<(usize, usize, Vec<Analysis>)> = s
            .planes
            .iter()
            .map(|p| (p.width, p.height, Vec::new()))
            .collect();
        for (&(p, _), a) in jobs.iter().zip(analyses) {
            planes[p].2.push(a);
        }
        Analysed {
            width: img.width(),
            height: img.height(),
            bit_depth: s.bit_depth,
            planes,
            originals: s.planes,
            alpha: s.alpha,
        }
    }

    /// The file at quality `q`, with its coded plane streams.
    fn at_quality(&self, q: f64) -> (BlockFile, Vec<Vec<u8>>) {
        let base = step_of_quality(q);
        let jobs: Vec<(usize, usize)> = self
            .planes
            .iter()
            .enumerate()
            .flat_map(|(p, (_, _, an))| (0..an.len()).map(move |s| (p, s)))
            .collect();
        let trials = crate::parallel::map(&jobs, |&(p, s)| {
            let an = &self.planes[p].2[s];
            let step = base * PLANE_STEP[p.min(2)];
            let steps = Steps {
                step,
                dc_step: DC_FACTOR * step / an.block as f32,
            };
            let lambda = LAMBDA * f64::from(step) * f64::from(step);
            let (codes, err) = an.quantize(steps, lambda);
            let stream = plane_code::encode(&codes);
            let cost = err + lambda * 8.0 * stream.len() as f64;
            (cost, steps, codes, stream)
        });
        let mut best: Vec<Option<(f64, BlockPlane, Vec<u8>)>> = vec![None; self.planes.len()];
        for (&(p, _), (cost, steps, codes, stream)) in jobs.iter().zip(trials) {
            if best[p].as_ref().is_none_or(|b| cost < b.0) {
                let (w, h, _) = self.planes[p];
                let plane = BlockPlane {
                    width: w,
                    height: h,
                    steps,
                    codes,
                    deblock: 0,
                };
                best[p] = Some((cost, plane, stream));
            }
        }
        let (planes, streams): (Vec<BlockPlane>, Vec<Vec<u8>>) = best
            .into_iter()
            .map(|b| {
                let (_, plane, stream) = b.expect("every plane has a side");
                (plane, stream)
            })
            .unzip();
        let file = BlockFile {
            width: self.width,
            height: self.height,
            bit_depth: self.bit_depth,
            planes,
            alpha: self.alpha.clone(),
        };
        (file, streams)
    }
}

/// Encodes `img` as a version-2 file.
pub fn encode_image(img: &DynamicImage, opts: &BlockOptions) -> Result<BlockEncoded> {
    if opts.sides.is_empty() || opts.sides.iter().any(|n| ![4, 8, 16, 32].contains(n)) {
        return Err(Error::Parameter(
            "block sides must be 4, 8, 16 or 32".into(),
        ));
    }
    opts.target.validate()?;
    let analysed = Analysed::new(img, &opts.sides);
    let encode = |q: f64| -> Result<(BlockFile, Vec<u8>)> {
        let (mut file, streams) = analysed.at_quality(q);
        // The deblocking strength changes no byte but the header's: choose it per plane.
        let strengths = crate::parallel::map(
            &file
                .planes
                .iter()
                .zip(&analysed.originals)
                .collect::<Vec<_>>(),
            |(p, original)| best_strength(&p.decode(), original, p.codes.block, p.steps.step),
        );
        for (p, s) in file.planes.iter_mut().zip(strengths) {
            p.deblock = s;
        }
        let bytes = file.encode_with(&streams)?;
        Ok((file, bytes))
    };
    match opts.target.budget_bytes(img.width(), img.height()) {
        None => {
            let Target::Quality(q) = opts.target else {
                unreachable!("only a quality has no budget")
            };
            let (file, bytes) = encode(q)?;
            Ok(BlockEncoded {
                file,
                bytes,
                quality: q,
                over_budget: false,
            })
        }
        Some(budget) => {
            let (file, bytes) = encode(1.0)?;
            if bytes.len() as u64 > budget {
                return Ok(BlockEncoded {
                    file,
                    bytes,
                    quality: 1.0,
                    over_budget: true,
                });
            }
            let mut best = (1.0, file, bytes);
            let (mut lo, mut hi) = (1.0, 100.0);
            for _ in 0..SEARCH_STEPS {
                let mid = 0.5 * (lo + hi);
                let (file, bytes) = encode(mid)?;
                if bytes.len() as u64 <= budget {
                    lo = mid;
                    best = (mid, file, bytes);
                } else {
                    hi = mid;
                }
            }
            let (quality, file, bytes) = best;
            Ok(BlockEncoded {
                file,
                bytes,
                quality,
                over_budget: false,
            })
        }
    }
}
