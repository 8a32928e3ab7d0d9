//! Factorizing every plane of an image: how planes share the threads ([`Schedule`]), and the
//! adaptive rank of the truncated methods ([`grow`]).
//!
//! `--energy`, `--psnr` and `--ratio` choose ranks from the singular values, which a truncated
//! method computes only as far as it was asked. The total energy E = ‖A‖_F² is known without any
//! SVD, so a truncated spectrum already tells whether the target is reached within it: [`grow`]
//! computes `k` triplets per plane, checks, and recomputes with a larger `k` (at least twice as
//! many, more when the missing energy says so) only the planes whose target lies beyond what was
//! computed. The ranks then chosen are those the whole spectrum would give, up to the accuracy of
//! the computed singular values.

use faer::Mat;

use super::{
    factorize_plane, largest_truncated, resolve, Factors, Method, Precision, RandomizedParams,
};
use crate::error::Result;
use crate::parallel;
use crate::progress::{Progress, Stage};
use crate::stages::rank::RankSelect;

/// How planes share the worker threads during the SVD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// By the method that runs, from the measurements in the README's Performance section:
    /// `randomized` → [`Schedule::Shared`] (its products split into blocks that run in
    /// parallel, between QRs that do not), `partial` → [`Schedule::AcrossPlanes`] (it is
    /// sequential inside a plane), `exact` → [`Schedule::Balanced`].
    #[default]
    Auto,
    /// Planes run side by side, as many at once as there are threads; when fewer planes than
    /// threads remain, each gets an equal share of the threads for faer's own parallelism
    /// (3 planes on 2 cores: two side by side, then the third on both cores).
    Balanced,
    /// Every plane at once, faer sequential inside each.
    AcrossPlanes,
    /// One plane after another, faer using every thread inside each.
    WithinPlanes,
    /// Every plane at once, each also splitting its work over every thread; rayon shares the
    /// threads, so one plane's sequential steps overlap another's parallel ones.
    Shared,
}

/// Triplets computed per plane in the first round of `grow`.
pub const FIRST_ROUND: usize = 32;

/// What one call factorizes: the method, its tuning, and how planes share threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan<'a> {
    /// The method asked for (`Auto` resolves per plane and rank).
    pub method: Method,
    /// The floating-point type of the SVD.
    pub precision: Precision,
    /// Tuning of the randomized method.
    pub params: &'a RandomizedParams,
    /// How planes share the threads.
    pub schedule: Schedule,
}

/// Factorizes `planes[p]` keeping `keeps[p]` triplets (`usize::MAX`: all), sharing the threads
/// as `plan.schedule` says. Advances [`Stage::Factorize`] by one per plane.
pub(crate) fn factorize_each(
    planes: &[&Mat<f32>],
    keeps: &[usize],
    plan: &Plan<'_>,
    progress: &dyn Progress,
) -> Result<Vec<Factors>> {
    assert_eq!(planes.len(), keeps.len(), "one keep per plane");
    let threads = parallel::threads();
    let jobs: Vec<(usize, &Mat<f32>)> = keeps.iter().copied().zip(planes.iter().copied()).collect();
    let one = |&(keep, p): &(usize, &Mat<f32>), inner: usize| {
        factorize_one(p, keep, plan, inner, progress)
    };
    let schedule = resolved_schedule(plan, planes, keeps);
    let results: Vec<Result<Factors>> = match schedule {
        Schedule::AcrossPlanes => parallel::map(&jobs, |j| one(j, 1)),
        Schedule::Shared => parallel::map(&jobs, |j| one(j, threads)),
        Schedule::WithinPlanes => jobs.iter().map(|j| one(j, threads)).collect(),
        Schedule::Balanced | Schedule::Auto => {
            let mut out = Vec::with_capacity(jobs.len());
            for round in jobs.chunks(threads.max(1)) {
                let inner = (threads / round.len()).max(1);
                out.extend(parallel::map(round, |j| one(j, inner)));
            }
            out
        }
    };
    parallel::clear_upper();
    results.into_iter().collect()
}

/// Factorizes one plane on `inner` threads and advances [`Stage::Factorize`] by one.
pub(super) fn factorize_one(
    plane: &Mat<f32>,
    keep: usize,
    plan: &Plan<'_>,
    inner: usize,
    progress: &dyn Progress,
) -> Result<Factors> {
    let f = factorize_plane(
        plane.as_ref(),
        plan.method,
        plan.precision,
        keep,
        plan.params,
        parallel::par(inner),
    );
    progress.advance(Stage::Factorize, 1);
    f
}

/// The schedule `plan` runs with: [`Schedule::Auto`] resolved by the method that will run on
/// the first plane (one plane per thread for the partial SVD, which is sequential inside; all
/// threads on every plane for the randomized method; planes and threads balanced otherwise).
pub(super) fn resolved_schedule(
    plan: &Plan<'_>,
    planes: &[&Mat<f32>],
    keeps: &[usize],
) -> Schedule {
    match (plan.schedule, planes.first(), keeps.first()) {
        (Schedule::Auto, Some(p), Some(&keep)) => {
            match resolve(plan.method, p.nrows(), p.ncols(), keep, plan.params) {
                Method::Randomized => Schedule::Shared,
                Method::Partial => Schedule::AcrossPlanes,
                _ => Schedule::Balanced,
            }
        }
        (s, ..) => s,
    }
}

/// Factors good enough for `select`, and how they were found.
#[derive(Debug, Clone)]
pub(crate) struct Grown {
    /// One factorization per plane; truncated ones hold at least the triplets `select` takes.
    pub factors: Vec<Factors>,
    /// Triplets asked for in each round, per plane (`usize::MAX`: the whole spectrum).
    pub rounds: Vec<Vec<usize>>,
}

/// Factorizes `planes` (of `rows`×`cols`, with energies ‖A_p‖_F²) until the spectra are long
/// enough for `select` to choose the ranks the whole spectra would give.
pub(crate) fn grow(
    planes: &[Mat<f32>],
    energies: &[f64],
    select: &RankSelect,
    plan: &Plan<'_>,
    progress: &dyn Progress,
) -> Result<Grown> {
    let (rows, cols) = planes.first().map_or((0, 0), |p| p.shape());
    let r = rows.min(cols);
    let first = first_round(select, planes.len(), rows, cols);
    let resolved = |k: usize| resolve(plan.method, rows, cols, k, plan.params);
    let ceiling = largest_truncated(plan.method, rows, cols, plan.params);
    let full = |k: usize| {
        if resolved(k) == Method::Exact {
            usize::MAX
        } else {
            k
        }
    };
    let mut keeps = vec![full(first); planes.len()];
    let mut factors: Vec<Option<Factors>> = vec![None; planes.len()];
    let mut pending: Vec<usize> = (0..planes.len()).collect();
    let mut rounds = Vec::new();
    while !pending.is_empty() {
        rounds.push(pending.iter().map(|&p| keeps[p]).collect());
        let subset: Vec<&Mat<f32>> = pending.iter().map(|&p| &planes[p]).collect();
        let sub_keeps: Vec<usize> = pending.iter().map(|&p| keeps[p]).collect();
        let done = factorize_each(&subset, &sub_keeps, plan, progress)?;
        for (&p, f) in pending.iter().zip(done) {
            factors[p] = Some(f);
        }
        let current: Vec<&Factors> = factors.iter().map(|f| f.as_ref().expect("set")).collect();
        pending = short(&current, energies, select, rows, cols);
        for &p in &pending {
            let k = current[p].s.len();
            let mut want = next_keep(select, current[p], energies[p], k).min(r);
            // Before giving up on the truncated method, try the most triplets it can compute.
            if resolved(want) == Method::Exact && ceiling > k {
                want = ceiling;
            }
            keeps[p] = full(want);
        }
    }
    Ok(Grown {
        factors: factors.into_iter().map(|f| f.expect("set")).collect(),
        rounds,
    })
}

/// Triplets per plane in the first round.
fn first_round(select: &RankSelect, planes: usize, rows: usize, cols: usize) -> usize {
    let r = rows.min(cols);
    let k = match *select {
        RankSelect::Ratio(ratio) => {
            // The ranks sum to a known number of terms; planes usually share them about evenly.
            let terms = (rows * cols * planes) as f64 / ratio / (rows + cols + 1) as f64;
            let each = (terms / planes.max(1) as f64 * 1.25).ceil() as usize + 8;
            each.min(terms.floor() as usize + 1)
        }
        _ => FIRST_ROUND,
    };
    k.clamp(1, r.max(1))
}

/// The planes whose computed spectrum is too short for `select` to be sure.
fn short(
    factors: &[&Factors],
    energies: &[f64],
    select: &RankSelect,
    rows: usize,
    cols: usize,
) -> Vec<usize> {
    let open = |f: &Factors| !f.complete && f.s.len() < rows.min(cols);
    match *select {
        RankSelect::Rank(_) | RankSelect::Percent(_) => Vec::new(),
        RankSelect::Energy(target) => (0..factors.len())
            .filter(|&p| {
                let kept: f64 = factors[p].s.iter().map(|x| x * x).sum();
                open(factors[p]) && energies[p] > 0.0 && kept < target * energies[p]
            })
            .collect(),
        RankSelect::Psnr(_) | RankSelect::Ratio(_) => {
            // Each open spectrum gets one sentinel: its last value again, an upper bound of the
            // next unknown one. If the greedy allocation never takes a sentinel, it never needed
            // an unknown value, and it takes exactly what it would take from the whole spectra.
            let padded: Vec<Vec<f64>> = factors
                .iter()
                .map(|f| {
                    let mut s = f.s.clone();
                    if open(f) {
                        s.push(s.last().copied().unwrap_or(f64::INFINITY));
                    }
                    s
                })
                .collect();
            let views: Vec<&[f64]> = padded.iter().map(Vec::as_slice).collect();
            match select.select(&views, energies, rows, cols) {
                Ok(choice) => (0..factors.len())
                    .filter(|&p| open(factors[p]) && choice.ranks[p] > factors[p].s.len())
                    .collect(),
                // Errors (an unreachable ratio) do not depend on the spectra: the caller's own
                // selection reports them.
                Err(_) => Vec::new(),
            }
        }
    }
}

/// How many triplets to ask for next, after `k` were not enough.
fn next_keep(select: &RankSelect, f: &Factors, energy: f64, k: usize) -> usize {
    let doubled = (2 * k).max(1);
    if let RankSelect::Energy(target) = *select {
        // Every unknown σᵢ² is at most the last computed one: at least this many more are needed.
        let kept: f64 = f.s.iter().map(|x| x * x).sum();
        let last = f.s.last().copied().unwrap_or(0.0);
        if last > 0.0 {
            let more = ((target * energy - kept) / (last * last)).ceil();
            if more.is_finite() && more > 0.0 {
                let more = more.min(usize::MAX as f64 / 4.0) as usize;
                return doubled.max(k + more + more / 4);
            }
        }
    }
    doubled
}
