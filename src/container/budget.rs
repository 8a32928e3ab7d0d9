//! Byte budgets (`--size 60k`, `--bpp 0.8`): the best quality whose `.svdz` file fits.
//!
//! Every rank-one term costs about the same bytes in every plane (its vectors have the same
//! lengths) and is worth σ², so terms are taken greedily by σ across planes. For each of a few
//! quantization shares (how much of the truncation error quantization may add, see
//! [`super::quant::default_tolerance`]) a binary search finds the most terms whose encoded file
//! fits; the candidate whose decoded pixels have the smallest squared error wins. Sizes are real
//! encoded sizes, never estimates, so the file always fits unless even one term per plane does
//! not (then the smallest file is written and the report says so).

use image::DynamicImage;

use super::quant::default_tolerance;
use super::section::{SEARCH_LEVEL, ZSTD_LEVEL};
use super::Container;
use crate::error::{Error, Result};
use crate::stages::factorize::Factorized;
use crate::stages::rank::RankChoice;

/// A size the file must fit in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// At most this many bytes.
    Bytes(u64),
    /// At most this many bits per pixel (file bytes · 8 / pixels).
    BitsPerPixel(f64),
}

/// Quantization shares tried (multiples of the truncation error that quantization may add).
pub const SHARES: [f64; 3] = [0.2, 0.5, 1.0];

impl Budget {
    /// Checks the value.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Budget::Bytes(0) => Err(Error::Parameter("size budget must be positive".into())),
            Budget::BitsPerPixel(b) if !(b.is_finite() && b > 0.0) => Err(Error::Parameter(
                format!("bits per pixel must be positive, got {b}"),
            )),
            _ => Ok(()),
        }
    }

    /// The budget in bytes for a width × height image.
    #[must_use]
    pub fn bytes(&self, width: usize, height: usize) -> u64 {
        match *self {
            Budget::Bytes(b) => b,
            Budget::BitsPerPixel(bpp) => (bpp * (width * height) as f64 / 8.0).floor() as u64,
        }
    }

    /// "size 60000 bytes", "0.8 bits per pixel".
    #[must_use]
    pub fn describe(&self) -> String {
        match *self {
            Budget::Bytes(b) => format!("size {b} bytes"),
            Budget::BitsPerPixel(b) => format!("{b} bits per pixel"),
        }
    }

    /// More terms per plane than this cannot fit: even at 2 bits a term's vectors compress to
    /// well over (rows + cols) / 16 bytes.
    #[must_use]
    pub fn max_useful_rank(&self, width: usize, height: usize) -> usize {
        let per_term = ((width + height) / 16).max(1) as u64;
        let k = self.bytes(width, height) / per_term + 8;
        usize::try_from(k)
            .unwrap_or(usize::MAX)
            .min(width.min(height))
    }
}

/// Terms ordered by σ across planes (ties: lower plane first), for as many as `fz` holds.
fn term_order(fz: &Factorized) -> Vec<usize> {
    let mut all: Vec<(f64, usize)> = fz
        .factors
        .iter()
        .enumerate()
        .flat_map(|(p, f)| f.s[..f.rank()].iter().map(move |&s| (s, p)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter().map(|(_, p)| p).collect()
}

fn ranks_for(order: &[usize], planes: usize, n: usize) -> Vec<usize> {
    let mut ranks = vec![0; planes];
    for &p in &order[..n] {
        ranks[p] += 1;
    }
    ranks
}

/// Σ of squared sample differences (alpha kept exactly contributes nothing).
fn squared_error(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let (x, y) = (
        crate::stages::planes::samples_u16(a),
        crate::stages::planes::samples_u16(b),
    );
    x.iter()
        .zip(&y)
        .map(|(&p, &q)| {
            let d = f64::from(p) - f64::from(q);
            d * d
        })
        .sum()
}

/// Finds the ranks and tolerance of the best file within `budget`; returns the choice, the
/// container and its bytes. With `tolerance` given, only the ranks are searched.
pub fn fit(
    img: &DynamicImage,
    fz: &Factorized,
    budget: Budget,
    tolerance: Option<f64>,
) -> Result<(RankChoice, Container, Vec<u8>)> {
    let layout = &fz.planes.layout;
    let target = budget.bytes(layout.width, layout.height);
    let order = term_order(fz);
    let planes = fz.factors.len();
    let spectra = fz.spectra();
    let build_n = |n: usize, share: f64| -> Result<Container> {
        let ranks = ranks_for(&order, planes, n);
        let tau =
            tolerance.unwrap_or_else(|| default_tolerance(&spectra, &fz.energies, &ranks, share));
        Container::from_factors(fz, &ranks, tau)
    };
    let size_at = |n: usize, share: f64, level: i32| -> Result<usize> {
        Ok(build_n(n, share)?.encode_at(level)?.len())
    };
    let reference = crate::stages::planes::reference(img, &fz.planes);
    let shares: &[f64] = if tolerance.is_some() {
        &SHARES[..1]
    } else {
        &SHARES
    };
    let mut best: Option<(f64, Container, Vec<u8>)> = None;
    for &share in shares {
        // Largest n whose trial encoding (fast level) fits a target; n = 0 is the fallback.
        let search = |goal: f64, (mut lo, mut hi): (usize, usize)| -> Result<usize> {
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if size_at(mid, share, SEARCH_LEVEL)? as f64 <= goal {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            Ok(lo)
        };
        let first = search(target as f64, (0, order.len()))?;
        // The final level compresses better by a ratio that is nearly constant near the answer:
        // search again at the fast level for the budget scaled by it, then step at the final
        // level until the file fits and one more term would not.
        let ratio = size_at(first, share, ZSTD_LEVEL)? as f64
            / size_at(first, share, SEARCH_LEVEL)?.max(1) as f64;
        let gap = (first / 2 + 8).min(order.len() - first);
        let mut n = search(target as f64 / ratio.clamp(0.5, 1.0), (first, first + gap))?;
        let fits =
            |n: usize| -> Result<bool> { Ok(size_at(n, share, ZSTD_LEVEL)? as u64 <= target) };
        if fits(n)? {
            while n < order.len() && fits(n + 1)? {
                n += 1;
            }
        } else {
            while n > 0 && !fits(n)? {
                n -= 1;
            }
        }
        let container = build_n(n, share)?;
        let bytes = container.encode()?;
        let error = squared_error(&reference, &container.reconstruct());
        if best.as_ref().is_none_or(|b| error < b.0) {
            best = Some((error, container, bytes));
        }
    }
    let (_, container, bytes) = best.expect("at least one share is tried");
    let choice = RankChoice {
        ranks: container.planes.iter().map(|p| p.rank()).collect(),
        clamped: false,
    };
    Ok((choice, container, bytes))
}
