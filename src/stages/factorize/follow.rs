//! Factorizing planes and working on each as soon as its factors are ready.
//!
//! `grid` rebuilds every plane at several ranks. With the partial SVD, planes are factorized
//! one per thread, and three colour planes on two threads leave one thread idle while the last
//! plane is factorized. [`factorize_planes_then`] lets that thread start on the follow-up work
//! of the planes already done instead: a small board hands out planes first (so the last plane
//! starts as early as before) and then follow-ups, each as soon as its plane is ready.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use faer::Mat;

use super::schedule::{factorize_one, resolved_schedule};
use super::Schedule;
use super::{factorize_each, Factors, Plan};
use crate::error::{Error, Result};
use crate::parallel;
use crate::progress::Progress;

/// Factorizes `planes[p]` keeping `keeps[p]` triplets, as [`factorize_each`] does, and
/// runs `follow(p, j, factors)` for every plane `p` and every `j < follow_ups` once the plane's
/// factors are ready. Returns the factors and, per plane, the follow-ups' results in order of
/// `j`.
///
/// When planes are factorized one per thread ([`Schedule::AcrossPlanes`], what `auto` does for
/// the partial SVD), a thread with no plane left to factorize takes up the follow-ups of planes
/// already done while other threads finish theirs. Otherwise every plane is factorized first
/// and the follow-ups then run side by side. Either way each follow-up sees the same factors,
/// so the results do not depend on the order things ran in.
///
/// # Errors
/// The first factorization error; follow-ups not yet started are then skipped.
pub(crate) fn factorize_planes_then<R: Send>(
    planes: &[&Mat<f32>],
    keeps: &[usize],
    plan: &Plan<'_>,
    progress: &dyn Progress,
    follow_ups: usize,
    follow: impl Fn(usize, usize, &Factors) -> R + Sync,
) -> Result<(Vec<Factors>, Vec<Vec<R>>)> {
    assert_eq!(planes.len(), keeps.len(), "one keep per plane");
    let threads = parallel::threads();
    let schedule = resolved_schedule(plan, planes, keeps);
    let overlap = cfg!(feature = "parallel") && threads > 1 && follow_ups > 0;
    let rounds = match schedule {
        Schedule::Balanced | Schedule::Auto => threads.max(1),
        Schedule::WithinPlanes => 1,
        Schedule::AcrossPlanes | Schedule::Shared => 0,
    };
    if overlap && rounds > 0 {
        return in_rounds(planes, keeps, plan, progress, rounds, follow_ups, &follow);
    }
    if !overlap || schedule != Schedule::AcrossPlanes {
        let factors = factorize_each(planes, keeps, plan, progress)?;
        let results = follow_all(&factors, 0, follow_ups, &follow);
        return Ok((factors, results));
    }
    let board = Board::new(planes.len(), follow_ups);
    let work = || loop {
        let Some(job) = board.next() else { return };
        match job {
            Job::Plane(p) => {
                let f = factorize_one(planes[p], keeps[p], plan, 1, progress);
                parallel::clear_upper();
                board.plane_done(p, f);
            }
            Job::Follow(p, j, f) => {
                let r = follow(p, j, &f);
                board.follow_done(p, j, r);
            }
        }
    };
    #[cfg(feature = "parallel")]
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| {
                let _guard = PanicGuard(&board);
                work();
            });
        }
    });
    #[cfg(not(feature = "parallel"))]
    work();
    board.finish()
}

/// `follow` for every follow-up of `factors` (planes `first..`), side by side, per plane.
pub(crate) fn follow_all<R: Send>(
    factors: &[Factors],
    first: usize,
    follow_ups: usize,
    follow: &(impl Fn(usize, usize, &Factors) -> R + Sync),
) -> Vec<Vec<R>> {
    let tasks: Vec<(usize, usize)> = (0..factors.len())
        .flat_map(|p| (0..follow_ups).map(move |j| (p, j)))
        .collect();
    let mut done = parallel::map(&tasks, |&(p, j)| follow(first + p, j, &factors[p])).into_iter();
    (0..factors.len())
        .map(|_| done.by_ref().take(follow_ups).collect())
        .collect()
}

/// The balanced schedules (planes in rounds of `per_round`, the threads shared among a round's
/// planes, exactly as [`factorize_each`] runs them), with each round's factorization
/// running beside the follow-ups of the round before: the threads that a factorization leaves
/// idle at times take them up.
fn in_rounds<R: Send>(
    planes: &[&Mat<f32>],
    keeps: &[usize],
    plan: &Plan<'_>,
    progress: &dyn Progress,
    per_round: usize,
    follow_ups: usize,
    follow: &(impl Fn(usize, usize, &Factors) -> R + Sync),
) -> Result<(Vec<Factors>, Vec<Vec<R>>)> {
    let threads = parallel::threads();
    let jobs: Vec<usize> = (0..planes.len()).collect();
    let mut factors: Vec<Factors> = Vec::with_capacity(planes.len());
    let mut results: Vec<Vec<R>> = Vec::with_capacity(planes.len());
    let mut previous = 0..0;
    for round in jobs.chunks(per_round) {
        let inner = (threads / round.len()).max(1);
        let done = &factors[previous.clone()];
        let (round_factors, followed) = join(
            || {
                parallel::map(round, |&p| {
                    factorize_one(planes[p], keeps[p], plan, inner, progress)
                })
            },
            || follow_all(done, previous.start, follow_ups, follow),
        );
        results.extend(followed);
        let start = factors.len();
        for f in round_factors {
            factors.push(f?);
        }
        previous = start..factors.len();
    }
    parallel::clear_upper();
    results.extend(follow_all(
        &factors[previous.clone()],
        previous.start,
        follow_ups,
        follow,
    ));
    Ok((factors, results))
}

/// `rayon::join`, or one after the other without the `parallel` feature.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// What a thread does next.
enum Job {
    /// Factorize plane p.
    Plane(usize),
    /// Follow-up j of plane p, with the plane's factors.
    Follow(usize, usize, Arc<Factors>),
}

/// Shared state of [`factorize_planes_then`]: planes not yet started, follow-ups ready to run,
/// and what is done.
struct Board<R> {
    state: Mutex<State<R>>,
    changed: Condvar,
}

struct State<R> {
    planes: usize,
    next_plane: usize,
    planes_done: usize,
    factors: Vec<Option<Arc<Factors>>>,
    ready: VecDeque<(usize, usize)>,
    results: Vec<Vec<Option<R>>>,
    follow_ups: usize,
    error: Option<Error>,
    aborted: bool,
}

impl<R> Board<R> {
    fn new(planes: usize, follow_ups: usize) -> Self {
        Board {
            state: Mutex::new(State {
                planes,
                next_plane: 0,
                planes_done: 0,
                factors: (0..planes).map(|_| None).collect(),
                ready: VecDeque::new(),
                results: (0..planes)
                    .map(|_| (0..follow_ups).map(|_| None).collect())
                    .collect(),
                follow_ups,
                error: None,
                aborted: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<R>> {
        // A panic elsewhere is reported by the scope; the state itself stays consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next job: a plane while any is left, then a ready follow-up; waits while follow-ups
    /// may still come; `None` when nothing is left (or something failed).
    fn next(&self) -> Option<Job> {
        let mut s = self.lock();
        loop {
            if s.aborted || s.error.is_some() {
                return None;
            }
            if s.next_plane < s.planes {
                s.next_plane += 1;
                return Some(Job::Plane(s.next_plane - 1));
            }
            if let Some((p, j)) = s.ready.pop_front() {
                let f = Arc::clone(s.factors[p].as_ref().expect("ready planes hold factors"));
                return Some(Job::Follow(p, j, f));
            }
            if s.planes_done == s.planes {
                return None;
            }
            s = self
                .changed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn plane_done(&self, p: usize, f: Result<Factors>) {
        let mut s = self.lock();
        s.planes_done += 1;
        match f {
            Ok(f) => {
                s.factors[p] = Some(Arc::new(f));
                let n = s.follow_ups;
                s.ready.extend((0..n).map(|j| (p, j)));
            }
            Err(e) => {
                if s.error.is_none() {
                    s.error = Some(e);
                }
            }
        }
        drop(s);
        self.changed.notify_all();
    }

    fn follow_done(&self, p: usize, j: usize, r: R) {
        self.lock().results[p][j] = Some(r);
    }

    #[cfg(feature = "parallel")]
    fn abort(&self) {
        self.lock().aborted = true;
        self.changed.notify_all();
    }

    fn finish(self) -> Result<(Vec<Factors>, Vec<Vec<R>>)> {
        let s = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = s.error {
            return Err(e);
        }
        let factors = s
            .factors
            .into_iter()
            .map(|f| {
                let f = f.expect("every plane was factorized");
                Arc::try_unwrap(f).unwrap_or_else(|f| (*f).clone())
            })
            .collect();
        let results = s
            .results
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|r| r.expect("every follow-up ran"))
                    .collect()
            })
            .collect();
        Ok((factors, results))
    }
}

/// Wakes the other threads when a job panics, so they stop waiting for a plane that will not
/// come (the scope then passes the panic on).
#[cfg(feature = "parallel")]
struct PanicGuard<'a, R>(&'a Board<R>);

#[cfg(feature = "parallel")]
impl<R> Drop for PanicGuard<'_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use crate::stages::factorize::{Method, Precision, RandomizedParams};

    #[test]
    fn follow_ups_see_the_factors_of_their_plane_whatever_the_schedule() {
        let planes: Vec<Mat<f32>> = (0..3)
            .map(|p| {
                Mat::from_fn(300, 200, |i, j| {
                    ((i * (p + 3) + j * 7) % 17) as f32 / 17.0 + (i as f32 * 0.01).sin()
                })
            })
            .collect();
        let refs: Vec<&Mat<f32>> = planes.iter().collect();
        let params = RandomizedParams::default();
        for schedule in [Schedule::AcrossPlanes, Schedule::Balanced] {
            let plan = Plan {
                method: Method::Partial,
                precision: Precision::F32,
                params: &params,
                schedule,
            };
            let (factors, results) =
                factorize_planes_then(&refs, &[5, 5, 5], &plan, &NoProgress, 4, |p, j, f| {
                    (p, j, f.s[0].to_bits())
                })
                .unwrap();
            let alone = factorize_each(&refs, &[5, 5, 5], &plan, &NoProgress).unwrap();
            for (p, r) in results.iter().enumerate() {
                assert_eq!(r.len(), 4);
                for (j, &(rp, rj, s0)) in r.iter().enumerate() {
                    assert_eq!((rp, rj), (p, j));
                    assert_eq!(s0, factors[p].s[0].to_bits());
                }
                assert_eq!(factors[p].s, alone[p].s, "{schedule:?}: plane {p}");
            }
        }
    }
}
