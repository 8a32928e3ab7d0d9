//! A deterministic photo-like test image, shared by the benches and the examples
//! (`#[path = "../benches/support/photo.rs"] mod photo;`).
//!
//! Real photos have singular values that decay like a power law: smooth illumination, objects
//! with edges at every angle, texture at every scale, and a little sensor noise. This generator
//! builds the same ingredients: a lit gradient, rotated ellipses and bars with soft edges,
//! multi-octave value noise (a 1/f texture) and ±2 levels of pixel noise. Nothing here is random
//! at run time: the same size and seed give the same pixels.
#![allow(dead_code)]

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Shape {
    cx: f64,
    cy: f64,
    a: f64,
    b: f64,
    cos: f64,
    sin: f64,
    colour: [f64; 3],
    ellipse: bool,
}

/// Value noise lattice of one octave.
struct Octave {
    cells: usize,
    values: Vec<f32>,
    amplitude: f64,
}

impl Octave {
    fn at(&self, fx: f64, fy: f64) -> f64 {
        let c = self.cells as f64;
        let (x, y) = (fx * c, fy * c);
        let (i, j) = (x.floor() as usize, y.floor() as usize);
        let (tx, ty) = (x - i as f64, y - j as f64);
        let (sx, sy) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
        let w = self.cells + 1;
        let v =
            |a: usize, b: usize| f64::from(self.values[b.min(self.cells) * w + a.min(self.cells)]);
        let top = v(i, j) * (1.0 - sx) + v(i + 1, j) * sx;
        let bottom = v(i, j + 1) * (1.0 - sx) + v(i + 1, j + 1) * sx;
        self.amplitude * (top * (1.0 - sy) + bottom * sy)
    }
}

/// An RGB photo-like image of `width`×`height`, the same for the same seed.
pub fn photo_like(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut rng = Rng(seed);
    let aspect = f64::from(width) / f64::from(height);
    let shapes: Vec<Shape> = (0..40)
        .map(|_| {
            let angle = rng.unit() * std::f64::consts::PI;
            Shape {
                cx: rng.unit() * aspect,
                cy: rng.unit(),
                a: 0.02 + 0.25 * rng.unit(),
                b: 0.01 + 0.12 * rng.unit(),
                cos: angle.cos(),
                sin: angle.sin(),
                colour: [rng.unit() - 0.5, rng.unit() - 0.5, rng.unit() - 0.5],
                ellipse: rng.unit() < 0.6,
            }
        })
        .collect();
    let octaves: Vec<Octave> = (0..7)
        .map(|o| {
            let cells = 4usize << o;
            Octave {
                cells,
                values: (0..(cells + 1) * (cells + 1))
                    .map(|_| rng.unit() as f32 - 0.5)
                    .collect(),
                amplitude: 0.35 / (1u32 << o) as f64,
            }
        })
        .collect();
    let noise_seed = rng.next_u64();
    let (w, h) = (width as usize, height as usize);
    let mut buf = vec![0u8; w * h * 3];
    let edge = 1.5 / f64::from(height);
    let fill_row = |y: usize, row: &mut [u8]| {
        let mut noise = Rng(noise_seed ^ (y as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let fy = (y as f64 + 0.5) / h as f64;
        for x in 0..w {
            let fx = (x as f64 + 0.5) / h as f64;
            let light = 0.35 + 0.3 * (1.0 - fy) + 0.1 * (fx * 1.7).sin();
            let mut c = [light * 1.05, light, light * 0.9];
            for s in &shapes {
                let (dx, dy) = (fx - s.cx, fy - s.cy);
                let (u, v) = (dx * s.cos + dy * s.sin, -dx * s.sin + dy * s.cos);
                let d = if s.ellipse {
                    ((u / s.a).powi(2) + (v / s.b).powi(2)).sqrt() - 1.0
                } else {
                    (u.abs() / s.a).max(v.abs() / s.b) - 1.0
                };
                let inside = (0.5 - d * s.b / edge).clamp(0.0, 1.0);
                if inside > 0.0 {
                    for (ck, sk) in c.iter_mut().zip(s.colour) {
                        *ck += inside * sk * 0.5;
                    }
                }
            }
            let t: f64 = octaves.iter().map(|o| o.at(fx / aspect, fy)).sum();
            for (k, ck) in c.iter().enumerate() {
                let n = (noise.unit() - 0.5) * 4.0 / 255.0;
                let v = (ck + t * (1.0 - 0.2 * k as f64) + n).clamp(0.0, 1.0);
                row[x * 3 + k] = (v * 255.0).round() as u8;
            }
        }
    };
    use rayon::prelude::*;
    buf.par_chunks_mut(w * 3)
        .enumerate()
        .for_each(|(y, row)| fill_row(y, row));
    image::RgbImage::from_raw(width, height, buf).expect("buffer matches the size")
}
