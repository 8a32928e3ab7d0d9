//! Quantization of singular vectors for the page: every vector is stored as signed 8- or 16-bit
//! integers with its own scale (its largest magnitude), so `x ≈ q · scale / Q` with
//! `Q = 127` or `32767` and `|x − x̃| ≤ scale / (2Q)` for every entry.
//!
//! The error this puts into a rank-k reconstruction is bounded entry by entry by
//! `Σ_{i≤k} σᵢ (e_uᵢ‖vᵢ‖∞ + ‖uᵢ‖∞ e_vᵢ + e_uᵢ e_vᵢ)`, with `e = scale / (2Q)` the vector's
//! largest entry error ([`error_bound`]).

use serde::Serialize;

/// Bits per stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Bits {
    /// Signed 8-bit: half the size; the page may then differ from `compress` by a level or more.
    #[serde(rename = "8")]
    Eight,
    /// Signed 16-bit: the page's pixels match `compress` up to rare ±1 rounding flips.
    #[default]
    #[serde(rename = "16")]
    Sixteen,
}

impl Bits {
    /// The largest stored magnitude Q (127 or 32767).
    #[must_use]
    pub fn levels(self) -> f64 {
        match self {
            Bits::Eight => 127.0,
            Bits::Sixteen => 32767.0,
        }
    }

    /// Bytes per stored value.
    #[must_use]
    pub fn bytes(self) -> usize {
        match self {
            Bits::Eight => 1,
            Bits::Sixteen => 2,
        }
    }

    /// 8 or 16.
    #[must_use]
    pub fn count(self) -> u8 {
        match self {
            Bits::Eight => 8,
            Bits::Sixteen => 16,
        }
    }
}

/// One quantized vector: its scale and its values appended to a byte buffer (little-endian).
///
/// Returns the scale (the vector's largest magnitude; 0 for a zero vector).
pub fn push_vector(values: &[f64], bits: Bits, out: &mut Vec<u8>) -> f64 {
    let scale = values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let q = bits.levels();
    let code = |x: f64| {
        if scale > 0.0 {
            (x / scale * q).round().clamp(-q, q)
        } else {
            0.0
        }
    };
    match bits {
        Bits::Eight => out.extend(values.iter().map(|&x| code(x) as i8 as u8)),
        Bits::Sixteen => {
            for &x in values {
                out.extend_from_slice(&(code(x) as i16).to_le_bytes());
            }
        }
    }
    scale
}

/// Decodes `len` values stored by [`push_vector`] starting at byte `offset`.
#[must_use]
#[track_caller]
pub fn read_vector(bytes: &[u8], offset: usize, len: usize, scale: f64, bits: Bits) -> Vec<f64> {
    let step = scale / bits.levels();
    match bits {
        Bits::Eight => bytes[offset..offset + len]
            .iter()
            .map(|&b| f64::from(b as i8) * step)
            .collect(),
        Bits::Sixteen => bytes[offset..offset + 2 * len]
            .chunks_exact(2)
            .map(|c| f64::from(i16::from_le_bytes([c[0], c[1]])) * step)
            .collect(),
    }
}

/// The largest error of one stored entry: half a quantization step.
#[must_use]
pub fn entry_error(scale: f64, bits: Bits) -> f64 {
    scale / (2.0 * bits.levels())
}

/// A bound on `max |A_k − Ã_k|` over all entries for the first `k` triplets, where `Ã_k` is
/// rebuilt from quantized vectors: `Σ σᵢ (e_uᵢ‖vᵢ‖∞ + ‖uᵢ‖∞ e_vᵢ + e_uᵢ e_vᵢ)`.
#[must_use]
pub fn error_bound(sigma: &[f64], scale_u: &[f64], scale_v: &[f64], bits: Bits, k: usize) -> f64 {
    (0..k)
        .map(|i| {
            let (eu, ev) = (entry_error(scale_u[i], bits), entry_error(scale_v[i], bits));
            sigma[i] * (eu * scale_v[i] + scale_u[i] * ev + eu * ev)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_stays_within_half_a_step() {
        let v: Vec<f64> = (0..101).map(|i| ((i as f64) * 0.37).sin() * 0.2).collect();
        for bits in [Bits::Eight, Bits::Sixteen] {
            let mut buf = Vec::new();
            let scale = push_vector(&v, bits, &mut buf);
            assert_eq!(buf.len(), v.len() * bits.bytes());
            let back = read_vector(&buf, 0, v.len(), scale, bits);
            let worst = v
                .iter()
                .zip(&back)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= entry_error(scale, bits) * (1.0 + 1e-12),
                "{bits:?}"
            );
            assert!(worst > 0.0);
        }
    }

    #[test]
    fn zero_vector_is_stored_as_zeros() {
        let mut buf = Vec::new();
        let scale = push_vector(&[0.0; 5], Bits::Sixteen, &mut buf);
        assert_eq!(scale, 0.0);
        assert_eq!(read_vector(&buf, 0, 5, scale, Bits::Sixteen), vec![0.0; 5]);
    }
}
