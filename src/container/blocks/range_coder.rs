//! An adaptive binary range coder (the carry-propagating coder of LZMA) and the adaptive
//! binarization of signed integers that the block codec's payloads are made of.
//!
//! Every symbol is coded as bits; each bit has a context, a [`Bit`] holding the probability of a
//! 0 on 12 bits. A context adapts fast while it is young (rate 1/2, 1/4, … ) and settles at rate
//! 1/32, so rare contexts learn quickly and busy ones stay precise. Encoder and decoder update
//! the same state in the same order, so the coded stream is exactly invertible; everything is
//! integer arithmetic and bit-identical on every platform.

/// Bits of a probability.
const PROB_BITS: u32 = 12;
/// One, on the probability scale.
const PROB_ONE: u32 = 1 << PROB_BITS;
/// Slowest adaptation: a shift of 5 (rate 1/32).
const MAX_SHIFT: u8 = 5;
/// Range below which a byte is shifted out.
const TOP: u32 = 1 << 24;

/// The adaptive state of one binary context.
#[derive(Debug, Clone, Copy)]
pub struct Bit {
    /// Probability of a 0, in (0, 4096).
    p0: u16,
    /// Adaptation shift, from 1 up to `MAX_SHIFT`.
    shift: u8,
}

impl Default for Bit {
    fn default() -> Self {
        Bit {
            p0: (PROB_ONE / 2) as u16,
            shift: 1,
        }
    }
}

impl Bit {
    fn update(&mut self, bit: bool) {
        let p = u32::from(self.p0);
        let s = u32::from(self.shift);
        let p = if bit {
            p - (p >> s)
        } else {
            p + ((PROB_ONE - p) >> s)
        };
        // Keep p inside [32, 4064] so that neither symbol ever becomes impossible.
        self.p0 = p.clamp(32, PROB_ONE - 32) as u16;
        if self.shift < MAX_SHIFT {
            self.shift += 1;
        }
    }

    /// The cost of coding `bit` in this state, in bits.
    #[cfg(test)]
    fn cost(&self, bit: bool) -> f64 {
        let p0 = f64::from(self.p0) / f64::from(PROB_ONE);
        -(if bit { 1.0 - p0 } else { p0 }).log2()
    }
}

/// Writes bits into a byte vector.
#[derive(Debug)]
pub struct Encoder {
    low: u64,
    range: u32,
    cache: u8,
    cache_size: u64,
    out: Vec<u8>,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder {
            low: 0,
            range: u32::MAX,
            cache: 0,
            cache_size: 1,
            out: Vec::new(),
        }
    }
}

impl Encoder {
    fn shift_low(&mut self) {
        if (self.low as u32) < 0xFF00_0000 || (self.low >> 32) != 0 {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            loop {
                self.out.push(byte.wrapping_add(carry));
                byte = 0xFF;
                self.cache_size -= 1;
                if self.cache_size == 0 {
                    break;
                }
            }
            self.cache = ((self.low >> 24) & 0xFF) as u8;
        }
        self.cache_size += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    fn normalize(&mut self) {
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    /// Codes `bit` in context `ctx` and adapts it.
    pub fn bit(&mut self, ctx: &mut Bit, bit: bool) {
        let bound = (self.range >> PROB_BITS) * u32::from(ctx.p0);
        if bit {
            self.low += u64::from(bound);
            self.range -= bound;
        } else {
            self.range = bound;
        }
        ctx.update(bit);
        self.normalize();
    }

    /// Codes `bit` with probability one half, without a context.
    pub fn raw_bit(&mut self, bit: bool) {
        self.range >>= 1;
        if bit {
            self.low += u64::from(self.range);
        }
        self.normalize();
    }

    /// Flushes the coder and returns the coded bytes.
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        self.out
    }
}

/// Reads bits from coded bytes. Reading past the end reads zero bytes and is recorded: the
/// caller refuses a stream that needed more bytes than it has.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    range: u32,
    code: u32,
}

impl<'a> Decoder<'a> {
    /// Starts decoding `bytes`.
    #[must_use]
    pub fn new(bytes: &'a [u8]) -> Self {
        let mut d = Decoder {
            bytes,
            at: 0,
            range: u32::MAX,
            code: 0,
        };
        for _ in 0..5 {
            d.code = (d.code << 8) | u32::from(d.next_byte());
        }
        d
    }

    fn next_byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn normalize(&mut self) {
        while self.range < TOP {
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(self.next_byte());
        }
    }

    /// Decodes a bit in context `ctx` and adapts it.
    pub fn bit(&mut self, ctx: &mut Bit) -> bool {
        let bound = (self.range >> PROB_BITS) * u32::from(ctx.p0);
        let bit = self.code >= bound;
        if bit {
            self.code -= bound;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        ctx.update(bit);
        self.normalize();
        bit
    }

    /// Decodes a bit of probability one half.
    pub fn raw_bit(&mut self) -> bool {
        self.range >>= 1;
        let bit = self.code >= self.range;
        if bit {
            self.code -= self.range;
        }
        self.normalize();
        bit
    }

    /// Whether the decoder read past the end of its bytes (a truncated or corrupt stream).
    #[must_use]
    pub fn overran(&self) -> bool {
        self.at > self.bytes.len()
    }
}

/// Largest magnitude class of an integer: |v| < 2^MAX_CLASS.
pub const MAX_CLASS: usize = 20;

/// The contexts of one kind of signed integer: whether it is zero, its sign, its magnitude
/// class (Elias-gamma prefix, one context per position) and the top bit below the class's
/// leading one; lower bits are coded raw.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntContext {
    zero: Bit,
    sign: Bit,
    class: [Bit; MAX_CLASS],
    top: [Bit; MAX_CLASS],
}

/// Codes `v` (|v| ≤ [`MAX_INT`]; the caller clamps).
pub fn put_int(e: &mut Encoder, c: &mut IntContext, v: i32) {
    put_int_signed(e, c, v, true);
}

/// Codes `v`, with its sign only when `code_sign` (otherwise the decoder knows `v ≥ 0`).
pub fn put_int_signed(e: &mut Encoder, c: &mut IntContext, v: i32, code_sign: bool) {
    e.bit(&mut c.zero, v != 0);
    if v == 0 {
        return;
    }
    if code_sign {
        e.bit(&mut c.sign, v < 0);
    }
    // |v| ≥ 1; its class is the position of its leading one.
    let m = v.unsigned_abs();
    let class = (31 - m.leading_zeros()) as usize;
    for i in 0..class {
        e.bit(&mut c.class[i], true);
    }
    if class + 1 < MAX_CLASS {
        e.bit(&mut c.class[class], false);
    }
    if class >= 1 {
        e.bit(&mut c.top[class], (m >> (class - 1)) & 1 == 1);
        for b in (0..class.saturating_sub(1)).rev() {
            e.raw_bit((m >> b) & 1 == 1);
        }
    }
}

/// Decodes an integer coded by [`put_int`].
pub fn get_int(d: &mut Decoder<'_>, c: &mut IntContext) -> i32 {
    get_int_signed(d, c, true)
}

/// Decodes an integer coded by [`put_int_signed`] with the same `code_sign`.
pub fn get_int_signed(d: &mut Decoder<'_>, c: &mut IntContext, code_sign: bool) -> i32 {
    if !d.bit(&mut c.zero) {
        return 0;
    }
    let negative = code_sign && d.bit(&mut c.sign);
    let mut class = 0;
    while class + 1 < MAX_CLASS && d.bit(&mut c.class[class]) {
        class += 1;
    }
    let mut m: u32 = 1;
    if class >= 1 {
        m = (m << 1) | u32::from(d.bit(&mut c.top[class]));
        for _ in 0..class.saturating_sub(1) {
            m = (m << 1) | u32::from(d.raw_bit());
        }
    }
    let v = m as i32;
    if negative {
        -v
    } else {
        v
    }
}

/// Largest magnitude [`put_int`] codes.
pub const MAX_INT: i32 = (1 << MAX_CLASS) - 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<i32> {
        let mut x: u64 = 12345;
        (0..20_000)
            .map(|i| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let r = (x >> 33) as i32;
                match i % 7 {
                    0 => MAX_INT * if r & 1 == 0 { 1 } else { -1 },
                    1..=3 => 0,
                    4 => (r % 5) - 2,
                    _ => r % 3000,
                }
            })
            .collect()
    }

    #[test]
    fn integers_and_raw_bits_round_trip() {
        let vals = values();
        let mut e = Encoder::default();
        let mut ctx = [IntContext::default(); 3];
        let mut flag = Bit::default();
        for (i, &v) in vals.iter().enumerate() {
            put_int(&mut e, &mut ctx[i % 3], v);
            e.bit(&mut flag, i % 5 == 0);
            e.raw_bit(i % 3 == 1);
        }
        let bytes = e.finish();
        let mut d = Decoder::new(&bytes);
        let mut ctx = [IntContext::default(); 3];
        let mut flag = Bit::default();
        for (i, &v) in vals.iter().enumerate() {
            assert_eq!(get_int(&mut d, &mut ctx[i % 3]), v, "value {i}");
            assert_eq!(d.bit(&mut flag), i % 5 == 0);
            assert_eq!(d.raw_bit(), i % 3 == 1);
        }
        assert!(!d.overran());
    }

    #[test]
    fn skewed_bits_cost_little_and_the_estimate_is_close() {
        let mut e = Encoder::default();
        let mut ctx = Bit::default();
        let mut est = Bit::default();
        let mut estimate = 0.0;
        for i in 0..100_000 {
            let bit = i % 50 == 0;
            estimate += est.cost(bit);
            est.update(bit);
            e.bit(&mut ctx, bit);
        }
        let bytes = e.finish();
        // Entropy of p = 0.02 is 0.1414 bits; the adaptive coder (rate 1/32) stays within 20 %.
        let bits = bytes.len() as f64 * 8.0;
        assert!(bits < 100_000.0 * 0.17, "{bits} bits");
        assert!(
            (bits - estimate).abs() < 0.02 * bits + 64.0,
            "{bits} vs {estimate}"
        );
    }

    #[test]
    fn garbage_and_empty_input_decode_without_panicking() {
        for bytes in [
            &[][..],
            &[0xFF; 3][..],
            &[0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF][..],
        ] {
            let mut d = Decoder::new(bytes);
            let mut c = IntContext::default();
            for _ in 0..1000 {
                let v = get_int(&mut d, &mut c);
                assert!(v.abs() <= MAX_INT);
            }
        }
    }
}
