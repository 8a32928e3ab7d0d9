//! Sections: a tag, stored and raw lengths, a CRC-32 of the stored bytes, and a zstd frame.
//! Plane payloads (quantized terms in rank order) and the lossless alpha payload.

use super::quant::{levels, QuantPlane, QuantTerm, QuantVector, MAX_BITS, MIN_BITS};
use crate::error::{Error, Result};

/// Tag of a plane section.
pub const PLANE_TAG: &[u8; 4] = b"PLNE";
/// Tag of the alpha section.
pub const ALPHA_TAG: &[u8; 4] = b"ALPH";
/// Bytes before a section's zstd frame.
pub const SECTION_HEADER: usize = 16;
/// zstd level of the files written. Finely quantized payloads (4–8 bits) barely compress by
/// matching and level 1 comes within 0.5 % of level 19; coarsely quantized ones (2–4 bits, the
/// low-bit-rate files) come out 10–20 % smaller at level 19 than at levels 1–9. Deflate at its
/// best level is 5 % larger than zstd 19 (astronaut, rank 60, τ 1.3).
pub const ZSTD_LEVEL: i32 = 19;
/// zstd level of the budget search's trial encodings (within about 8 % of level 19, 5–10× faster).
pub const SEARCH_LEVEL: i32 = 12;

/// Bits of a vector's code byte.
const BITS_MASK: u8 = 0x1f;
const DELTA: u8 = 0x20;
const WIDE: u8 = 0x40;

/// Bytes a term takes in a plane payload before its vectors' values: σ, then code and step for
/// u and for v.
pub const TERM_FIXED: usize = 4 + 2 * 5;

fn bad(m: impl Into<String>) -> Error {
    Error::Decode(format!("not a valid .svdz file: {}", m.into()))
}

/// Appends a section holding `raw`, zstd-compressed at `level`.
pub fn write_section(out: &mut Vec<u8>, tag: &[u8; 4], raw: &[u8], level: i32) -> Result<()> {
    let stored =
        zstd::bulk::compress(raw, level).map_err(|e| Error::Encode(format!("zstd failed: {e}")))?;
    let len32 =
        |n: usize| u32::try_from(n).map_err(|_| Error::Encode("section larger than 4 GiB".into()));
    out.extend_from_slice(tag);
    out.extend_from_slice(&len32(stored.len())?.to_le_bytes());
    out.extend_from_slice(&len32(raw.len())?.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&stored).to_le_bytes());
    out.extend_from_slice(&stored);
    Ok(())
}

/// A section found in a file: where it is and how large it says it is.
#[derive(Debug, Clone, Copy)]
pub struct SectionInfo {
    /// Offset of the section's first byte (its tag).
    pub offset: usize,
    /// Bytes of the zstd frame.
    pub stored: usize,
    /// Bytes once decompressed.
    pub raw: usize,
}

impl SectionInfo {
    /// Bytes of the whole section in the file.
    #[must_use]
    pub fn total(&self) -> usize {
        SECTION_HEADER + self.stored
    }
}

/// Reads the section framing at `at`: checks the tag, that the frame lies inside `bytes`, that
/// the raw length is within `raw_range`, and the checksum. Decompresses nothing.
pub fn read_section_info(
    bytes: &[u8],
    at: usize,
    tag: &[u8; 4],
    raw_range: (usize, usize),
) -> Result<SectionInfo> {
    let name = String::from_utf8_lossy(tag).into_owned();
    let head = at
        .checked_add(SECTION_HEADER)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad(format!("truncated before the {name} section")))?;
    if &bytes[at..at + 4] != tag {
        return Err(bad(format!("expected a {name} section at byte {at}")));
    }
    let stored = super::header::u32_at(bytes, at + 4) as usize;
    let raw = super::header::u32_at(bytes, at + 8) as usize;
    let crc = super::header::u32_at(bytes, at + 12);
    let end = head
        .checked_add(stored)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad(format!("truncated {name} section")))?;
    if raw < raw_range.0 || raw > raw_range.1 {
        return Err(bad(format!(
            "{name} section claims {raw} bytes, outside {}..={}",
            raw_range.0, raw_range.1
        )));
    }
    if !super::header::checksum_ok(crc32fast::hash(&bytes[head..end]), crc) {
        return Err(bad(format!(
            "{name} section checksum mismatch (corrupt file)"
        )));
    }
    Ok(SectionInfo {
        offset: at,
        stored,
        raw,
    })
}

/// Decompresses a section whose framing was checked; exactly `info.raw` bytes must come out.
/// The output buffer grows with the data actually produced, never to a size merely claimed.
pub fn inflate(bytes: &[u8], info: &SectionInfo) -> Result<Vec<u8>> {
    use std::io::Read;
    let frame = &bytes[info.offset + SECTION_HEADER..info.offset + info.total()];
    let corrupt = |e: std::io::Error| bad(format!("corrupt compressed data ({e})"));
    let decoder = zstd::stream::read::Decoder::with_buffer(frame).map_err(corrupt)?;
    let mut out = Vec::new();
    decoder
        .take(info.raw as u64 + 1)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() != info.raw {
        return Err(bad("section decompresses to the wrong length"));
    }
    Ok(out)
}

/// The smallest and largest payload of a plane of rank `k` with vectors of `rows` and `cols`
/// entries, or `None` when it overflows.
#[must_use]
pub fn plane_payload_range(k: usize, rows: usize, cols: usize) -> Option<(usize, usize)> {
    let per_term_min = TERM_FIXED.checked_add(rows.checked_add(cols)?)?;
    let per_term_max = TERM_FIXED.checked_add(rows.checked_add(cols)?.checked_mul(2)?)?;
    Some((k.checked_mul(per_term_min)?, k.checked_mul(per_term_max)?))
}

/// Serialises a plane's terms in rank order.
#[must_use]
pub fn plane_payload(plane: &QuantPlane) -> Vec<u8> {
    let mut out = Vec::new();
    for t in &plane.terms {
        out.extend_from_slice(&t.sigma.to_le_bytes());
        write_vector(&mut out, &t.u);
        write_vector(&mut out, &t.v);
    }
    out
}

/// The coded values of a vector: the values themselves, or their differences from the previous
/// one (wrapping in i16), whichever looks cheaper.
fn coded(values: &[i16]) -> (bool, Vec<i16>) {
    let cost = |c: &[i16]| -> u64 {
        c.iter()
            .map(|&x| u64::from(16 - (x.unsigned_abs()).leading_zeros() as u16))
            .sum()
    };
    let mut prev = 0i16;
    let delta: Vec<i16> = values
        .iter()
        .map(|&q| {
            let d = q.wrapping_sub(prev);
            prev = q;
            d
        })
        .collect();
    if cost(&delta) < cost(values) {
        (true, delta)
    } else {
        (false, values.to_vec())
    }
}

fn write_vector(out: &mut Vec<u8>, v: &QuantVector) {
    let (delta, c) = coded(&v.values);
    let wide = c.iter().any(|&x| i8::try_from(x).is_err());
    let code = v.bits | if delta { DELTA } else { 0 } | if wide { WIDE } else { 0 };
    out.push(code);
    out.extend_from_slice(&v.step.to_le_bytes());
    if wide {
        // Low bytes, then high bytes: the high bytes are nearly constant and compress well.
        out.extend(c.iter().map(|&x| x.to_le_bytes()[0]));
        out.extend(c.iter().map(|&x| x.to_le_bytes()[1]));
    } else {
        out.extend(c.iter().map(|&x| x as i8 as u8));
    }
}

/// A cursor over a payload that fails, never panics, when it runs out.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| bad("plane data ends in the middle of a term"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
}

/// Parses a plane payload of `k` terms with vectors of `rows` and `cols` entries.
pub fn parse_plane(raw: &[u8], k: usize, rows: usize, cols: usize) -> Result<QuantPlane> {
    let mut r = Reader { bytes: raw, at: 0 };
    let mut terms = Vec::with_capacity(k);
    for t in 0..k {
        let sigma = r.f32()?;
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(bad(format!("singular value {t} is not a number ≥ 0")));
        }
        let u = read_vector(&mut r, rows)?;
        let v = read_vector(&mut r, cols)?;
        terms.push(QuantTerm { sigma, u, v });
    }
    if r.at != raw.len() {
        return Err(bad("plane data longer than its terms"));
    }
    Ok(QuantPlane { terms })
}

fn read_vector(r: &mut Reader<'_>, len: usize) -> Result<QuantVector> {
    let code = r.take(1)?[0];
    let bits = code & BITS_MASK;
    if code & 0x80 != 0 || !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(bad(format!("invalid vector code {code:#04x}")));
    }
    let step = r.f32()?;
    if !(step.is_finite() && step >= 0.0) {
        return Err(bad("quantization step is not a number ≥ 0"));
    }
    let mut values: Vec<i16> = if code & WIDE != 0 {
        let b = r.take(len.checked_mul(2).ok_or_else(|| bad("vector too long"))?)?;
        let (lo, hi) = b.split_at(len);
        lo.iter()
            .zip(hi)
            .map(|(&l, &h)| i16::from_le_bytes([l, h]))
            .collect()
    } else {
        r.take(len)?.iter().map(|&b| i16::from(b as i8)).collect()
    };
    if code & DELTA != 0 {
        let mut prev = 0i16;
        for x in &mut values {
            prev = prev.wrapping_add(*x);
            *x = prev;
        }
    }
    let l = levels(bits);
    if values.iter().any(|&q| i32::from(q).abs() > l) {
        return Err(bad(format!("value outside the range of {bits}-bit vector")));
    }
    Ok(QuantVector { bits, step, values })
}

/// Serialises alpha samples: one byte each at 8 bits, little-endian u16 at 16 bits.
#[must_use]
pub fn alpha_payload(alpha: &[u16], bit_depth: u8) -> Vec<u8> {
    if bit_depth == 16 {
        alpha.iter().flat_map(|a| a.to_le_bytes()).collect()
    } else {
        alpha.iter().map(|&a| a as u8).collect()
    }
}

/// Parses alpha samples (the length was checked against the header).
#[must_use]
pub fn parse_alpha(raw: &[u8], bit_depth: u8) -> Vec<u16> {
    if bit_depth == 16 {
        raw.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    } else {
        raw.iter().map(|&a| u16::from(a)).collect()
    }
}
