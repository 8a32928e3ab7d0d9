//! A page made by `svdimg html`, taken apart independently of the library: its metadata, its
//! factors decoded (base64 → signed integers → q · scale / Q) and rebuilt, its original.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

/// One plane's decoded vectors: σᵢ·ũᵢ and ṽᵢ for every i.
type PlaneVectors = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// A page taken apart: its metadata, its decoded factors, its original.
pub struct ParsedPage {
    pub html: String,
    pub meta: Value,
    /// Per plane: `us[i]` = σᵢ·ũᵢ (view height), `v[i]` = ṽᵢ (view width).
    pub planes: Vec<PlaneVectors>,
    pub original: image::DynamicImage,
}

/// The text between `start` (exclusive) and the next `end`.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("page lacks {start}"))
        + start.len();
    let to = from + text[from..].find(end).expect("element closed");
    &text[from..to]
}

pub fn parse(path: &Path) -> ParsedPage {
    let html = std::fs::read_to_string(path).unwrap();
    let json = between(
        &html,
        r#"<script type="application/json" id="svdimg-data">"#,
        "</script>",
    );
    let meta: Value = serde_json::from_str(json).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let factors = b64
        .decode(
            between(
                &html,
                r#"<script type="text/plain" id="svdimg-factors">"#,
                "</script>",
            )
            .trim(),
        )
        .unwrap();
    let png = b64
        .decode(between(&html, r#"src="data:image/png;base64,"#, "\""))
        .unwrap();
    let original = image::load_from_memory(&png).unwrap();
    let (vh, vw) = (
        meta["view"]["height"].as_u64().unwrap() as usize,
        meta["view"]["width"].as_u64().unwrap() as usize,
    );
    let k = meta["max_rank"].as_u64().unwrap() as usize;
    let bits = meta["bits"].as_u64().unwrap();
    let (q, size) = if bits == 16 { (32767.0, 2) } else { (127.0, 1) };
    let mut at = 0usize;
    let mut read = |len: usize, factor: f64| -> Vec<f64> {
        let out = (0..len)
            .map(|i| {
                let o = at + i * size;
                let stored = if size == 2 {
                    f64::from(i16::from_le_bytes([factors[o], factors[o + 1]]))
                } else {
                    f64::from(factors[o] as i8)
                };
                stored * factor
            })
            .collect();
        at += len * size;
        out
    };
    let mut planes = Vec::new();
    for p in meta["planes"].as_array().unwrap() {
        let f = |key: &str, i: usize| p[key][i].as_f64().unwrap();
        let us: Vec<Vec<f64>> = (0..k)
            .map(|i| {
                read(vh, f("scale_u", i) / q)
                    .into_iter()
                    .map(|x| x * f("sigma", i))
                    .collect()
            })
            .collect();
        let v: Vec<Vec<f64>> = (0..k).map(|i| read(vw, f("scale_v", i) / q)).collect();
        planes.push((us, v));
    }
    assert_eq!(
        at,
        factors.len(),
        "the factor block holds exactly K vectors per side"
    );
    ParsedPage {
        html,
        meta,
        planes,
        original,
    }
}

impl ParsedPage {
    pub fn view(&self) -> (usize, usize) {
        (
            self.meta["view"]["height"].as_u64().unwrap() as usize,
            self.meta["view"]["width"].as_u64().unwrap() as usize,
        )
    }

    /// Σ_{i<k} σᵢ ũᵢ ṽᵢᵀ of plane `p`, row-major, in f64.
    pub fn rebuild(&self, p: usize, k: usize) -> Vec<f64> {
        let (vh, vw) = self.view();
        let (us, v) = &self.planes[p];
        let mut out = vec![0.0; vh * vw];
        for i in 0..k {
            for r in 0..vh {
                let a = us[i][r];
                for c in 0..vw {
                    out[r * vw + c] += a * v[i][c];
                }
            }
        }
        out
    }

    /// The 8-bit RGB (or grey) image the page shows at rank k, as svdimg rounds.
    pub fn pixels(&self, k: usize) -> Vec<u8> {
        let planes: Vec<Vec<f64>> = (0..self.planes.len()).map(|p| self.rebuild(p, k)).collect();
        let to8 = |x: f64| (x.clamp(0.0, 1.0) * 255.0).round() as u8;
        let color = self.meta["color"].as_str().unwrap();
        let mut out = Vec::new();
        #[allow(clippy::needless_range_loop)] // one index into several planes
        for px in 0..planes[0].len() {
            match color {
                "luma" => out.push(to8(planes[0][px])),
                "ycbcr" => {
                    let (y, cb, cr) = (planes[0][px], planes[1][px] - 0.5, planes[2][px] - 0.5);
                    out.push(to8(y + 1.402 * cr));
                    out.push(to8(y
                        - 0.344_136_286_201_022 * cb
                        - 0.714_136_286_201_022 * cr));
                    out.push(to8(y + 1.772 * cb));
                }
                _ => out.extend((0..3).map(|c| to8(planes[c][px]))),
            }
        }
        out
    }

    pub fn original_samples(&self) -> Vec<u8> {
        match self.meta["color"].as_str().unwrap() {
            "luma" => self.original.to_luma8().into_raw(),
            _ => self.original.to_rgb8().into_raw(),
        }
    }

    pub fn quant_bound(&self) -> f64 {
        self.meta["pixel_error_bound"].as_f64().unwrap()
    }
}
