//! The coded stream of one plane: the base layer's grid values of all blocks in raster order,
//! then each block's terms and their vectors, through the adaptive range coder with contexts
//! chosen from what the decoder already knows.
//!
//! - Grid value: the difference from the median-edge prediction of the left, upper and upper-left
//!   values (LOCO-I), its context the local activity (the differences between the upper-left,
//!   upper, upper-right and left values, in five classes).
//! - Terms: before each term a "one more" bit, its context the term's index (0, 1, 2, 3+), the
//!   mean rank of the left and upper blocks (0 … 4) and the block's activity (half the sum of
//!   the grid's horizontal and vertical differences across it, five classes; the whole grid is
//!   known by then); a block stops at n terms without a bit.
//! - Vector entries (cosine coefficients, see `cosine`): integers whose context is the vector
//!   (left `a` or right `m`), the frequency band (0, 1, 2–3, 4–7, 8+), the expected magnitude
//!   (for `a`: the root-mean-square of the block's previous `a`, or "first term"; for `m`: that
//!   of its own `a`, since ‖m‖ ≈ ‖a‖), and the magnitude of the previous coefficient (0, 1, 2+).
//!   The sign of the first nonzero coefficient of `a` is not coded: it is positive.

use super::range_coder::{
    get_int, get_int_signed, put_int, put_int_signed, Bit, Decoder, Encoder, IntContext, MAX_INT,
};
use super::terms::{BlockCodes, MAX_DC};

/// Expected-magnitude classes of vector entries (the last one is "first term of a block").
const MAGNITUDES: usize = 6;
/// Classes of the previous entry's magnitude.
const PREVIOUS: usize = 3;
/// Frequency bands of a cosine coefficient: 0, 1, 2–3, 4–7, 8 and up.
const BANDS: usize = 5;

/// Classes of local activity of the grid values.
const ACTIVITY: usize = 5;

fn activity_class(sum: i64) -> usize {
    match sum {
        0 => 0,
        1..=2 => 1,
        3..=6 => 2,
        7..=14 => 3,
        _ => 4,
    }
}

/// The activity class of grid value `b` from the values already decoded before it: the
/// differences between its upper-left, upper, upper-right and left neighbours.
fn causal_activity(dc: &[i32], blocks_x: usize, b: usize) -> usize {
    let (x, y) = (b % blocks_x, b / blocks_x);
    if y == 0 {
        return if x >= 2 {
            activity_class((i64::from(dc[b - 1]) - i64::from(dc[b - 2])).abs())
        } else {
            0
        };
    }
    let u = i64::from(dc[b - blocks_x]);
    let ul = if x > 0 {
        i64::from(dc[b - blocks_x - 1])
    } else {
        u
    };
    let ur = if x + 1 < blocks_x {
        i64::from(dc[b - blocks_x + 1])
    } else {
        u
    };
    let l = if x > 0 { i64::from(dc[b - 1]) } else { u };
    activity_class((l - ul).abs() + (u - ul).abs() + (ur - u).abs())
}

/// The activity class of block `b` from the whole grid: its horizontal and vertical
/// differences across the block.
fn block_activity(dc: &[i32], blocks_x: usize, b: usize) -> usize {
    let (x, y) = (b % blocks_x, b / blocks_x);
    let blocks_y = dc.len() / blocks_x;
    let at = |xx: usize, yy: usize| i64::from(dc[yy * blocks_x + xx]);
    let (l, r) = (x.saturating_sub(1), (x + 1).min(blocks_x - 1));
    let (u, d) = (y.saturating_sub(1), (y + 1).min(blocks_y - 1));
    activity_class(((at(r, y) - at(l, y)).abs() + (at(x, d) - at(x, u)).abs()) / 2)
}

fn band(k: usize) -> usize {
    match k {
        0 => 0,
        1 => 1,
        2 | 3 => 2,
        4..=7 => 3,
        _ => 4,
    }
}

/// All contexts of a plane's stream, fresh at the start of every plane.
struct Contexts {
    dc: [IntContext; ACTIVITY],
    more: [[[Bit; ACTIVITY]; 5]; 4],
    entries: [[[[IntContext; PREVIOUS]; MAGNITUDES]; BANDS]; 2],
}

impl Contexts {
    fn new() -> Box<Self> {
        Box::new(Contexts {
            dc: [IntContext::default(); ACTIVITY],
            more: [[[Bit::default(); ACTIVITY]; 5]; 4],
            entries: [[[[IntContext::default(); PREVIOUS]; MAGNITUDES]; BANDS]; 2],
        })
    }
}

/// The median-edge prediction of a grid value from its left, upper and upper-left neighbours.
fn predict_dc(codes_dc: &[i32], blocks_x: usize, b: usize) -> i32 {
    let (x, y) = (b % blocks_x, b / blocks_x);
    match (x > 0, y > 0) {
        (false, false) => 0,
        (true, false) => codes_dc[b - 1],
        (false, true) => codes_dc[b - blocks_x],
        (true, true) => {
            let (l, u, ul) = (
                codes_dc[b - 1],
                codes_dc[b - blocks_x],
                codes_dc[b - blocks_x - 1],
            );
            if ul >= l.max(u) {
                l.min(u)
            } else if ul <= l.min(u) {
                l.max(u)
            } else {
                l + u - ul
            }
        }
    }
}

/// The neighbour class of a block's rank bits: the mean rank of the left and upper blocks.
fn neighbour_class(ranks: &[u8], blocks_x: usize, b: usize) -> usize {
    let (x, y) = (b % blocks_x, b / blocks_x);
    let left = if x > 0 { usize::from(ranks[b - 1]) } else { 0 };
    let up = if y > 0 {
        usize::from(ranks[b - blocks_x])
    } else {
        0
    };
    (left + up).div_ceil(2).min(4)
}

/// The expected-magnitude class of a vector with squared norm `norm2` over `n` entries.
fn magnitude_class(norm2: i64, n: usize) -> usize {
    // Root-mean-square below ½, 1, 2, 4, and above: compare squares (n·rms² = norm2).
    let n = n as i64;
    let rms2x4 = 4 * norm2; // 4·n·rms²
    if rms2x4 < n {
        0
    } else if norm2 < n {
        1
    } else if norm2 < 4 * n {
        2
    } else if norm2 < 16 * n {
        3
    } else {
        4
    }
}

fn previous_class(v: i32) -> usize {
    (v.unsigned_abs() as usize).min(PREVIOUS - 1)
}

fn norm2(v: &[i32]) -> i64 {
    v.iter().map(|&x| i64::from(x) * i64::from(x)).sum()
}

/// Codes `codes` (block side n ≤ 32) into bytes.
#[must_use]
pub fn encode(codes: &BlockCodes) -> Vec<u8> {
    let n = codes.block;
    let mut e = Encoder::default();
    let mut c = Contexts::new();
    let mut at = 0;
    for b in 0..codes.dc.len() {
        let pred = predict_dc(&codes.dc, codes.blocks_x, b);
        let act = causal_activity(&codes.dc, codes.blocks_x, b);
        put_int(&mut e, &mut c.dc[act], codes.dc[b] - pred);
    }
    for b in 0..codes.dc.len() {
        let nb = neighbour_class(&codes.ranks, codes.blocks_x, b);
        let act = block_activity(&codes.dc, codes.blocks_x, b);
        let rank = usize::from(codes.ranks[b]);
        let mut prev_a: Option<i64> = None;
        for t in 0..n {
            e.bit(&mut c.more[t.min(3)][nb][act], t < rank);
            if t >= rank {
                break;
            }
            let (a, m) = codes.values[at..at + 2 * n].split_at(n);
            at += 2 * n;
            let class = prev_a.map_or(MAGNITUDES - 1, |p| magnitude_class(p, n));
            put_vector(&mut e, &mut c, 0, class, a);
            let na = norm2(a);
            put_vector(&mut e, &mut c, 1, magnitude_class(na, n), m);
            prev_a = Some(na);
        }
    }
    e.finish()
}

/// Codes a vector; for `a` (kind 0) the sign of the first nonzero entry is implied.
fn put_vector(e: &mut Encoder, c: &mut Contexts, kind: usize, class: usize, v: &[i32]) {
    let mut prev = 0;
    let mut signed = kind == 1;
    for (k, &q) in v.iter().enumerate() {
        let ctx = &mut c.entries[kind][band(k)][class][previous_class(prev)];
        put_int_signed(e, ctx, q, signed);
        signed |= q != 0;
        prev = q;
    }
}

/// Decodes a plane of `blocks_x × blocks_y` blocks of side `n` from `bytes`. A stream that
/// runs out before the last block is refused.
pub fn decode(bytes: &[u8], n: usize, blocks_x: usize, blocks_y: usize) -> Option<BlockCodes> {
    let mut d = Decoder::new(bytes);
    let mut c = Contexts::new();
    let mut codes = BlockCodes::new(n, blocks_x, blocks_y);
    let count = blocks_x * blocks_y;
    codes.dc.reserve(count);
    codes.ranks.reserve(count);
    let mut a = vec![0i32; n];
    let mut m = vec![0i32; n];
    for b in 0..count {
        let pred = predict_dc(&codes.dc, blocks_x, b);
        let act = causal_activity(&codes.dc, blocks_x, b);
        let dc = (i64::from(pred) + i64::from(get_int(&mut d, &mut c.dc[act])))
            .clamp(-i64::from(MAX_DC), i64::from(MAX_DC)) as i32;
        codes.dc.push(dc);
        if d.overran() {
            return None;
        }
    }
    for b in 0..count {
        let nb = neighbour_class(&codes.ranks, blocks_x, b);
        let act = block_activity(&codes.dc, blocks_x, b);
        let mut rank = 0u8;
        let mut prev_a: Option<i64> = None;
        for t in 0..n {
            if !d.bit(&mut c.more[t.min(3)][nb][act]) {
                break;
            }
            let class = prev_a.map_or(MAGNITUDES - 1, |p| magnitude_class(p, n));
            get_vector(&mut d, &mut c, 0, class, &mut a);
            let na = norm2(&a);
            get_vector(&mut d, &mut c, 1, magnitude_class(na, n), &mut m);
            codes.values.extend_from_slice(&a);
            codes.values.extend_from_slice(&m);
            prev_a = Some(na);
            rank += 1;
        }
        codes.ranks.push(rank);
        if d.overran() {
            return None;
        }
    }
    Some(codes)
}

fn get_vector(d: &mut Decoder<'_>, c: &mut Contexts, kind: usize, class: usize, v: &mut [i32]) {
    let mut prev = 0;
    let mut signed = kind == 1;
    for (k, q) in v.iter_mut().enumerate() {
        let ctx = &mut c.entries[kind][band(k)][class][previous_class(prev)];
        *q = get_int_signed(d, ctx, signed).clamp(-MAX_INT, MAX_INT);
        signed |= *q != 0;
        prev = *q;
    }
}
