//! Factorizing a whole image: split it into planes ([`crate::stages::planes::split`]), factorize every
//! plane, and keep what later stages need ([`Factorized`]).

use faer::Mat;
use image::DynamicImage;

use super::{
    choose, factorize_each, factorize_planes_then, grow, Factors, Method, Plan, Precision,
    RandomizedParams, Schedule,
};
use crate::error::Result;
use crate::parallel;
use crate::progress::{Progress, Stage};
use crate::stages::metrics;
use crate::stages::planes::{self, AlphaMode, ColorMode, Planes};
use crate::stages::rank::{RankChoice, RankSelect};

/// How an image becomes factors: which planes, which SVD, how planes share the threads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactorizeOptions {
    /// Which planes colour channels become.
    ///
    /// Default: `ColorMode::Rgb`.
    pub color: ColorMode,
    /// What happens to alpha.
    ///
    /// Default: `AlphaMode::Keep` (carried through exactly).
    pub alpha: AlphaMode,
    /// The SVD algorithm.
    ///
    /// Default: `Method::Auto`.
    pub method: Method,
    /// Tuning of the randomized method (also used when `auto` picks it).
    ///
    /// Default: `RandomizedParams::default()` (sketch k + max(10, k/10), 3 power iterations, seed `0x5EED`).
    pub randomized: RandomizedParams,
    /// The floating-point type of the SVD.
    ///
    /// Default: `Precision::F32`.
    pub precision: Precision,
    /// How planes share threads.
    ///
    /// Default: `Schedule::Auto`.
    pub schedule: Schedule,
}

impl FactorizeOptions {
    /// The factorization plan of these options.
    pub(crate) fn plan(&self) -> Plan<'_> {
        Plan {
            method: self.method,
            precision: self.precision,
            params: &self.randomized,
            schedule: self.schedule,
        }
    }
}

/// An image split into planes and factorized: what every later stage (compress, grid, layers,
/// html, the container) starts from.
#[derive(Debug, Clone)]
pub struct Factorized {
    /// The planes that were factorized.
    pub planes: Planes,
    /// One factorization per plane.
    pub factors: Vec<Factors>,
    /// ‖A_p‖_F² of every plane.
    pub energies: Vec<f64>,
    /// Why the method that ran was chosen.
    pub method_reason: String,
}

impl Factorized {
    /// The SVD method that ran (exact for an image without planes).
    #[must_use]
    pub fn method(&self) -> Method {
        self.factors.first().map_or(Method::Exact, |f| f.method)
    }

    /// Singular values of every plane.
    #[must_use]
    pub fn spectra(&self) -> Vec<&[f64]> {
        self.factors.iter().map(|f| f.s.as_slice()).collect()
    }

    /// Energy kept by rank `k` in every plane, the planes combined: Σ_p E_p · kept_p / Σ_p E_p
    /// with each plane's kept fraction as `compress` reports it ([`metrics::energy_kept`]); 1
    /// for an all-zero image.
    #[must_use]
    pub fn energy_kept(&self, k: usize) -> f64 {
        let total: f64 = self.energies.iter().sum();
        if total <= 0.0 {
            return 1.0;
        }
        let kept: f64 = self
            .factors
            .iter()
            .zip(&self.energies)
            .map(|(f, &e)| e * metrics::energy_kept(&f.s, k, e, f.complete))
            .sum();
        (kept / total).clamp(0.0, 1.0)
    }

    /// Chooses ranks with `select`.
    pub fn select(&self, select: &RankSelect) -> Result<RankChoice> {
        let l = &self.planes.layout;
        select.select(&self.spectra(), &self.energies, l.height, l.width)
    }
}

/// Splits `img` into planes and factorizes them, computing at most `keep` triplets per plane
/// (`usize::MAX`: all).
///
/// With a truncated method (`partial`, `randomized`, or `auto` choosing one) only `keep`
/// triplets are computed: every [`Factors`] then has `complete == false` and `s` holds exactly
/// those `keep` leading singular values. `method_reason` says which method ran and why.
pub fn factorize_image(
    img: &DynamicImage,
    opts: &FactorizeOptions,
    keep: usize,
    progress: &dyn Progress,
) -> Result<Factorized> {
    factorize_image_and_follow(img, opts, keep, progress, 0, |_, _, _, _| ()).map(|(fz, _)| fz)
}

/// [`factorize_image`], running `follow(planes, p, j, factors)` for every plane `p` and every
/// `j < follow_ups` as soon as that plane's factors are ready (see
/// `factorize_planes_then`). Returns the follow-ups' results per plane.
pub fn factorize_image_and_follow<R: Send>(
    img: &DynamicImage,
    opts: &FactorizeOptions,
    keep: usize,
    progress: &dyn Progress,
    follow_ups: usize,
    follow: impl Fn(&Planes, usize, usize, &Factors) -> R + Sync,
) -> Result<(Factorized, Vec<Vec<R>>)> {
    let planes = planes::split(img, opts.color, opts.alpha);
    let (rows, cols) = (planes.layout.height, planes.layout.width);
    let choice = choose(opts.method, rows, cols, keep, &opts.randomized);
    // The bar counts planes and their follow-ups together.
    let units = planes.planes.len() * (1 + follow_ups);
    progress.begin(Stage::Factorize, units as u64);
    let refs: Vec<&Mat<f32>> = planes.planes.iter().collect();
    let keeps = vec![keep; refs.len()];
    let (factors, followed) = factorize_planes_then(
        &refs,
        &keeps,
        &opts.plan(),
        progress,
        follow_ups,
        |p, j, f| {
            let r = follow(&planes, p, j, f);
            progress.advance(Stage::Factorize, 1);
            r
        },
    )?;
    progress.end(Stage::Factorize);
    let method_reason = with_fallbacks(choice.reason, choice.method, &factors, &planes);
    let energies = energies(&planes);
    Ok((
        Factorized {
            planes,
            factors,
            energies,
            method_reason,
        },
        followed,
    ))
}

/// Splits `img` into planes and factorizes them as far as `select` needs: everything for the
/// exact method; for a truncated method, a number of triplets per plane grown until the ranks
/// `select` picks are those the whole spectrum would give (see `grow`).
pub fn factorize_image_for(
    img: &DynamicImage,
    opts: &FactorizeOptions,
    select: &RankSelect,
    progress: &dyn Progress,
) -> Result<Factorized> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if let Some(k) = select.fixed_rank(h, w) {
        return factorize_image(img, opts, k, progress);
    }
    let planes = planes::split(img, opts.color, opts.alpha);
    let energies = energies(&planes);
    progress.begin(Stage::Factorize, planes.planes.len() as u64);
    let grown = grow(&planes.planes, &energies, select, &opts.plan(), progress)?;
    progress.end(Stage::Factorize);
    let (rows, cols) = (planes.layout.height, planes.layout.width);
    let first = grown.rounds.first().and_then(|r| r.first()).copied();
    let choice = choose(
        opts.method,
        rows,
        cols,
        first.unwrap_or(0),
        &opts.randomized,
    );
    let mut reason = choice.reason;
    if choice.method != Method::Exact {
        let steps: Vec<String> = grown
            .rounds
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.dedup();
                r.iter()
                    .map(|&k| {
                        if k == usize::MAX {
                            "all".into()
                        } else {
                            k.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        reason.push_str(&format!(
            "; rank found adaptively, triplets computed per round: {}",
            steps.join(" → ")
        ));
    }
    let method_reason = with_fallbacks(reason, choice.method, &grown.factors, &planes);
    Ok(Factorized {
        planes,
        factors: grown.factors,
        energies,
        method_reason,
    })
}

/// E = ‖A‖_F² of every plane, summed in f64 from the samples: exact, and known without any SVD.
fn energies(planes: &Planes) -> Vec<f64> {
    parallel::map(&planes.planes, |p| metrics::energy(p.as_ref()))
}

/// `reason`, plus a note for every plane where a method other than `expected` ran.
fn with_fallbacks(
    mut reason: String,
    expected: Method,
    factors: &[Factors],
    planes: &Planes,
) -> String {
    for (f, name) in factors.iter().zip(&planes.layout.names) {
        if f.method != expected {
            reason.push_str(&format!("; plane {name}: {} ran", f.method.name()));
            if expected == Method::Partial {
                reason.push_str(" (the partial SVD did not converge)");
            }
        }
    }
    reason
}

/// Factorizes every plane keeping `keep` triplets (`usize::MAX`: all), with the method,
/// precision and thread schedule of `opts` (its colour and alpha modes play no part here).
/// Advances [`Stage::Factorize`] by one per plane.
pub fn factorize_planes(
    planes: &[Mat<f32>],
    keep: usize,
    opts: &FactorizeOptions,
    progress: &dyn Progress,
) -> Result<Vec<Factors>> {
    let refs: Vec<&Mat<f32>> = planes.iter().collect();
    factorize_each(&refs, &vec![keep; refs.len()], &opts.plan(), progress)
}
