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
/// Δ_dc = DC_FACTOR · Δ / n: the grid's step, as the step of an orthonormal DC coefficient
/// (n·mean). Tuned on the samples: 0.5 → −0.26 dB, 1.5 → −0.05 dB, 2 → −0.28 dB.
const DC_FACTOR: f32 = 1.0;
/// Step of each plane relative to Y's (Y, Cb, Cr): errors in chroma reach R, G and B with weights
/// above one and spread over four pixels.
const PLANE_STEP: [f32; 3] = [1.0, 0.5, 0.6];
/// Most trials of the budget search after its probes.
const SEARCH_STEPS: usize = 10;
/// Y's coarsest step (quality 1).
const MAX_STEP_SEARCH: f64 = 2500.0;
/// The budget search's probes, coarse to fine (qualities 50, 87.5, 97.5, 99.5).
const PROBES: [f64; 4] = [50.0, 12.5, 2.5, 0.5];

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

/// The quality whose step is `step` (the inverse of [`step_of_quality`] on [½, 2500]).
#[must_use]
pub fn quality_of_step(step: f64) -> f64 {
    if step > 50.0 {
        2500.0 / step
    } else {
        100.0 - step
    }
}

/// Y's step at quality `q` (see [`Target::Quality`]).
#[must_use]
pub fn step_of_quality(q: f64) -> f32 {
    let q = q.clamp(1.0, 100.0);
    let scale = if q < 50.0 { 50.0 / q } else { 2.0 - q / 50.0 };
    (50.0 * scale).max(0.5) as f32
}

/// A plane at one side: its Lagrangian cost, contents, coded stream and side index.
type PlaneChoice = (f64, BlockPlane, Vec<u8>, usize);

/// A trial file: its contents, coded plane streams and total bytes.
type Trial = (BlockFile, Vec<Vec<u8>>, usize);

/// Every plane analysed at every side.
struct Analysed {
    width: u32,
    height: u32,
    bit_depth: u8,
    planes: Vec<(usize, usize, Vec<Analysis>)>,
    originals: Vec<Plane>,
    alpha: Option<Vec<u16>>,
    /// The `ALPH` section, compressed once (empty without alpha).
    alpha_section: Vec<u8>,
}

impl Analysed {
    fn new(img: &DynamicImage, sides: &[usize]) -> Result<Self> {
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
        Ok(Analysed {
            width: img.width(),
            height: img.height(),
            bit_depth: s.bit_depth,
            planes,
            originals: s.planes,
            alpha_section: match &s.alpha {
                Some(a) => super::alpha_section(a, s.bit_depth)?,
                None => Vec::new(),
            },
            alpha: s.alpha,
        })
    }

    /// The file at Y's step `step` with its size, and the side index of each plane.
    fn trial(&self, step: f64, fixed: Option<&[usize]>) -> (Trial, Vec<usize>) {
        let (file, streams, sides) = self.at_step(step as f32, fixed);
        let size = super::file_size(&streams) + self.alpha_section.len();
        ((file, streams, size), sides)
    }

    /// The highest quality whose file fits in `budget` bytes (quality, file, whether even
    /// quality 1 is over the budget).
    ///
    /// A file's size falls about linearly with ln Δ, so the search runs on ln Δ: probes from
    /// coarse to fine (Δ = 2500, 50, 12.5, 2.5, ½) until one is too large, then regula falsi
    /// (Illinois) on ln(size) − ln(budget) between the finest step known to fit and the coarsest
    /// known not to, stopping within 1 % of the budget: five to eight trials in all. Each
    /// plane chooses its block side in the trials that bracket the answer; later trials keep
    /// it.
    fn fit(&self, budget: u64) -> (f64, Trial, bool) {
        let gap = |size: usize| (size as f64).ln() - (budget as f64).ln();
        let (coarsest, _) = self.trial(MAX_STEP_SEARCH, None);
        if coarsest.2 as u64 > budget {
            return (quality_of_step(MAX_STEP_SEARCH), coarsest, true);
        }
        // (ln Δ, gap) of the finest fitting and coarsest non-fitting steps.
        let mut fits = (MAX_STEP_SEARCH.ln(), gap(coarsest.2));
        let mut best = (MAX_STEP_SEARCH, coarsest);
        let mut over = None;
        let mut sides = Vec::new();
        for &step in &PROBES {
            let (t, s) = self.trial(step, None);
            sides = s;
            if t.2 as u64 <= budget {
                fits = (step.ln(), gap(t.2));
                best = (step, t);
            } else {
                over = Some((step.ln(), gap(t.2)));
                break;
            }
        }
        let Some(mut over) = over else {
            return (quality_of_step(best.0), best.1, false);
        };
        let mut moved = 0; // which end moved last: -1 the fitting one, 1 the other (Illinois)
        for n in 0..SEARCH_STEPS {
            if best.1 .2 as f64 >= 0.99 * budget as f64 || (fits.0 - over.0).abs() < 1e-3 {
                break;
            }
            let x = over.0 - over.1 * (over.0 - fits.0) / (over.1 - fits.1);
            let x = x.clamp(over.0.min(fits.0) + 1e-4, over.0.max(fits.0) - 1e-4);
            let fixed = (n >= 1).then_some(sides.as_slice());
            let (t, s) = self.trial(x.exp(), fixed);
            if n == 0 {
                sides = s;
            }
            let g = gap(t.2);
            if t.2 as u64 <= budget {
                fits = (x, g);
                best = (x.exp(), t);
                if moved == -1 {
                    over.1 *= 0.5;
                }
                moved = -1;
            } else {
                over = (x, g);
                if moved == 1 {
                    fits.1 *= 0.5;
                }
                moved = 1;
            }
        }
        (quality_of_step(best.0), best.1, false)
    }

    /// The file at Y's step `base`, each plane at the side (an index into `sides`) that `fixed`
    /// gives, or at its best side; with its coded streams and the side indices taken.
    fn at_step(&self, base: f32, fixed: Option<&[usize]>) -> (BlockFile, Vec<Vec<u8>>, Vec<usize>) {
        let jobs: Vec<(usize, usize)> = self
            .planes
            .iter()
            .enumerate()
            .flat_map(|(p, (_, _, an))| {
                let only = fixed.map(|f| f[p]);
                (0..an.len())
                    .filter(move |&s| only.is_none_or(|o| o == s))
                    .map(move |s| (p, s))
            })
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
        // Per plane: (squared error + λ·bits, plane, stream, side index) of its best side.
        let mut best: Vec<Option<PlaneChoice>> = vec![None; self.planes.len()];
        for (&(p, side), (cost, steps, codes, stream)) in jobs.iter().zip(trials) {
            if best[p].as_ref().is_none_or(|b| cost < b.0) {
                let (w, h, _) = self.planes[p];
                let plane = BlockPlane {
                    width: w,
                    height: h,
                    steps,
                    codes,
                    deblock: 0,
                };
                best[p] = Some((cost, plane, stream, side));
            }
        }
        let mut sides = Vec::with_capacity(best.len());
        let (planes, streams): (Vec<BlockPlane>, Vec<Vec<u8>>) = best
            .into_iter()
            .map(|b| {
                let (_, plane, stream, side) = b.expect("every plane has a side");
                sides.push(side);
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
        (file, streams, sides)
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
    let analysed = Analysed::new(img, &opts.sides)?;
    let finish = |(mut file, streams, _): Trial| -> Result<(BlockFile, Vec<u8>)> {
        // The deblocking strength changes no byte but the header's: chosen once, for the file
        // kept.
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
        let bytes = file.encode_with(&streams, &analysed.alpha_section)?;
        Ok((file, bytes))
    };
    let (quality, chosen, over_budget) = match opts.target.budget_bytes(img.width(), img.height()) {
        None => {
            let Target::Quality(q) = opts.target else {
                unreachable!("only a quality has no budget")
            };
            (
                q,
                analysed.trial(f64::from(step_of_quality(q)), None).0,
                false,
            )
        }
        Some(budget) => analysed.fit(budget),
    };
    let (file, bytes) = finish(chosen)?;
    Ok(BlockEncoded {
        file,
        bytes,
        quality,
        over_budget,
    })
}
