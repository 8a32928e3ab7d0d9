//! Block matching: for each reference patch, the patches most like it nearby.

use super::params::PatchParams;

/// The groups of one row of reference patches, compactly: each match is two bytes, its offset
/// `(dy + R)·(2R + 1) + (dx + R)` from its reference's top-left corner (R the search radius,
/// at most 64, so an offset fits in 16 bits), instead of a four-byte image index in a vector
/// of its own per reference.
pub(super) struct RowGroups {
    width: usize,
    radius: usize,
    /// Per reference, the image index of its top-left corner.
    refs: Vec<u32>,
    /// Per reference, where its offsets end in `offsets`.
    ends: Vec<u32>,
    offsets: Vec<u16>,
}

impl RowGroups {
    /// References in the row.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// The top-left corners (image indices) of group `g`'s patches, nearest first, into `out`.
    pub fn group_into(&self, g: usize, out: &mut Vec<u32>) {
        let start = if g == 0 { 0 } else { self.ends[g - 1] as usize };
        let side = 2 * self.radius + 1;
        let base = self.refs[g] as isize;
        let (w, r) = (self.width as isize, self.radius as isize);
        out.clear();
        out.extend(self.offsets[start..self.ends[g] as usize].iter().map(|&o| {
            let (dy, dx) = (
                (o as usize / side) as isize - r,
                (o as usize % side) as isize - r,
            );
            (base + dy * w + dx) as u32
        }));
    }
}

/// (distance, index) slots of every reference of a row, and how many each has filled.
type Candidates = (Vec<(f32, u32)>, Vec<usize>);

/// Positions 0, step, 2·step, … up to `last`, with `last` itself always included.
pub(super) fn positions(last: usize, step: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..=last).step_by(step.max(1)).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v
}

/// For each reference patch of row `r0` (columns `cols`): the top-left corners (index
/// `row * width + col`) of the `group` patches nearest to it in the search window, nearest
/// first, the reference itself first.
///
/// Distances are computed per offset for the whole row at once: the squared differences of the
/// patch rows summed down the columns, then summed along the row (contiguous, so they
/// vectorize), instead of patch by patch.
pub(super) fn match_row(
    guide: &[f32],
    width: usize,
    height: usize,
    p: &PatchParams,
    r0: usize,
    cols: &[usize],
) -> RowGroups {
    let ps = p.patch;
    let (rmax, cmax) = (height - ps, width - ps);
    let n_off = (2 * p.search_radius + 1).pow(2);
    // Candidates of every reference, (distance, index), n_off slots each: one buffer per
    // thread, reused (allocating it per row made the allocator fault fresh pages every time).
    thread_local! {
        static CANDIDATES: std::cell::RefCell<Candidates> =
            const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    CANDIDATES.with_borrow_mut(|(cands, counts)| {
        cands.resize(cols.len() * n_off, (0.0, 0));
        counts.clear();
        counts.resize(cols.len(), 0);
        fill_candidates(
            guide,
            width,
            p,
            r0,
            cols,
            (rmax, cmax),
            n_off,
            cands,
            counts,
        );
        let by_distance = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        let side = 2 * p.search_radius + 1;
        let mut groups = RowGroups {
            width,
            radius: p.search_radius,
            refs: Vec::with_capacity(cols.len()),
            ends: Vec::with_capacity(cols.len()),
            offsets: Vec::with_capacity(cols.len() * p.group),
        };
        for (ci, &c0) in cols.iter().enumerate() {
            let c = &mut cands[ci * n_off..ci * n_off + counts[ci]];
            let n = p.group.min(c.len());
            if n < c.len() {
                c.select_nth_unstable_by(n - 1, by_distance);
            }
            let c = &mut c[..n];
            c.sort_unstable_by(by_distance);
            groups.refs.push((r0 * width + c0) as u32);
            for &(_, i) in c.iter() {
                let (r, col) = (i as usize / width, i as usize % width);
                let dy = r + p.search_radius - r0;
                let dx = col + p.search_radius - c0;
                groups.offsets.push((dy * side + dx) as u16);
            }
            groups.ends.push(groups.offsets.len() as u32);
        }
        groups
    })
}

/// The distances of [`match_row`]: slot `ci * n_off + counts[ci]` of `cands` for each
/// candidate of reference `ci`. Compiled for AVX2 too, chosen at run time (see
/// [`super::lanczos::top_terms`]).
#[allow(clippy::too_many_arguments)]
fn fill_candidates(
    guide: &[f32],
    width: usize,
    p: &PatchParams,
    r0: usize,
    cols: &[usize],
    limits: (usize, usize),
    n_off: usize,
    cands: &mut [(f32, u32)],
    counts: &mut [usize],
) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        unsafe { fill_candidates_avx2(guide, width, p, r0, cols, limits, n_off, cands, counts) };
        return;
    }
    fill_candidates_any(guide, width, p, r0, cols, limits, n_off, cands, counts);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn fill_candidates_avx2(
    guide: &[f32],
    width: usize,
    p: &PatchParams,
    r0: usize,
    cols: &[usize],
    limits: (usize, usize),
    n_off: usize,
    cands: &mut [(f32, u32)],
    counts: &mut [usize],
) {
    fill_candidates_any(guide, width, p, r0, cols, limits, n_off, cands, counts);
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fill_candidates_any(
    guide: &[f32],
    width: usize,
    p: &PatchParams,
    r0: usize,
    cols: &[usize],
    (rmax, cmax): (usize, usize),
    n_off: usize,
    cands: &mut [(f32, u32)],
    counts: &mut [usize],
) {
    let ps = p.patch;
    let rad = p.search_radius as isize;
    let mut colsum = vec![0.0f32; width];
    for dy in -rad..=rad {
        let r = r0 as isize + dy;
        if r < 0 || r > rmax as isize {
            continue;
        }
        let r = r as usize;
        for dx in -rad..=rad {
            if dx.unsigned_abs() > cmax {
                // No candidate at this offset lies in the image.
                continue;
            }
            // Columns x whose partner x + dx lies in the image.
            let lo = (-dx).max(0) as usize;
            let hi = (width as isize - dx.max(0)) as usize;
            colsum[lo..hi].iter_mut().for_each(|v| *v = 0.0);
            for i in 0..ps {
                let a = &guide[(r0 + i) * width + lo..(r0 + i) * width + hi];
                let bstart = ((r + i) * width) as isize + lo as isize + dx;
                let b = &guide[bstart as usize..bstart as usize + (hi - lo)];
                for ((s, x), y) in colsum[lo..hi].iter_mut().zip(a).zip(b) {
                    let e = x - y;
                    *s += e * e;
                }
            }
            for (ci, &c0) in cols.iter().enumerate() {
                let c = c0 as isize + dx;
                if c < 0 || c > cmax as isize || c0 < lo || c0 + ps > hi {
                    continue;
                }
                let dist = if dy == 0 && dx == 0 {
                    -1.0
                } else {
                    colsum[c0..c0 + ps].iter().sum()
                };
                cands[ci * n_off + counts[ci]] = (dist, (r * width + c as usize) as u32);
                counts[ci] += 1;
            }
        }
    }
}
