//! The decoder's deblocking filter: small steps across block edges are smoothed, large ones (real
//! edges of the picture) are left alone.
//!
//! For every line of samples `p1 p0 | q0 q1` across a block edge, with d = q0 − p0:
//! when |d| < t (t = strength · Δ / 4), `p0` and `q0` move towards each other by
//! δ = clamp((4·d + p1 − q1) / 8, −c, c) with c = strength · Δ / 16. Vertical edges are filtered
//! first, then horizontal ones; a filtered sample is never read by another edge of the same
//! direction (blocks are at least 4 wide), so the result does not depend on the order of the
//! edges. The encoder picks each plane's strength (0, off, to 15) by the squared error it leaves.

use super::ycbcr::Plane;

/// Strengths the encoder tries.
pub const STRENGTHS: [u8; 10] = [0, 1, 2, 3, 4, 6, 8, 10, 12, 15];
/// Largest strength a file may give.
pub const MAX_STRENGTH: u8 = 15;

#[inline]
fn smooth(p1: f32, p0: f32, q0: f32, q1: f32, t: f32, c: f32) -> Option<(f32, f32)> {
    let d = q0 - p0;
    if d.abs() >= t {
        return None;
    }
    let delta = ((4.0 * d + p1 - q1) / 8.0).clamp(-c, c);
    Some((p0 + delta, q0 - delta))
}

/// Filters the edges of the side-`n` blocks of `plane` at `strength` for step `step`.
pub fn deblock(plane: &mut Plane, n: usize, step: f32, strength: u8) {
    if strength == 0 {
        return;
    }
    let s = f32::from(strength);
    let (t, c) = (s * step / 4.0, s * step / 16.0);
    let (w, h) = (plane.width, plane.height);
    let d = &mut plane.data;
    for y in 0..h {
        let row = &mut d[y * w..(y + 1) * w];
        let mut x = n;
        while x + 1 < w {
            if let Some((a, b)) = smooth(row[x - 2], row[x - 1], row[x], row[x + 1], t, c) {
                row[x - 1] = a;
                row[x] = b;
            }
            x += n;
        }
    }
    let mut y = n;
    while y + 1 < h {
        for x in 0..w {
            let at = |r: usize| r * w + x;
            if let Some((a, b)) = smooth(d[at(y - 2)], d[at(y - 1)], d[at(y)], d[at(y + 1)], t, c) {
                d[at(y - 1)] = a;
                d[at(y)] = b;
            }
        }
        y += n;
    }
}

/// The strength among [`STRENGTHS`] that leaves the least squared error against `original`.
#[must_use]
pub fn best_strength(decoded: &Plane, original: &Plane, n: usize, step: f32) -> u8 {
    let err = |p: &Plane| -> f64 {
        p.data
            .iter()
            .zip(&original.data)
            .map(|(&a, &b)| f64::from(a - b) * f64::from(a - b))
            .sum()
    };
    let mut best = (err(decoded), 0);
    for &s in &STRENGTHS[1..] {
        let mut p = decoded.clone();
        deblock(&mut p, n, step, s);
        let e = err(&p);
        if e < best.0 {
            best = (e, s);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_steps_are_smoothed_and_real_edges_kept() {
        // Two flat 4-wide blocks a little apart, then a strong edge.
        let row = [
            10.0, 10.0, 10.0, 10.0, 12.0, 12.0, 12.0, 12.0, 200.0, 200.0, 200.0, 200.0,
        ];
        let mut p = Plane {
            width: 12,
            height: 1,
            data: row.to_vec(),
        };
        deblock(&mut p, 4, 4.0, 4);
        assert!(p.data[3] > 10.0 && p.data[4] < 12.0, "{:?}", p.data);
        assert_eq!((p.data[7], p.data[8]), (12.0, 200.0));
        let mut off = Plane {
            width: 12,
            height: 1,
            data: row.to_vec(),
        };
        deblock(&mut off, 4, 4.0, 0);
        assert_eq!(off.data, row.to_vec());
    }
}
