//! The template: `template.html`, `style.css` and `app.js`, compiled into the binary and filled
//! with the page's data. The Rust side only fills in data; everything the page shows is drawn by
//! `app.js` from it.
//!
//! Placeholders are `{{NAME}}`; values are inserted verbatim in one pass, so data can never be
//! read as a placeholder. The data sits in three inert elements:
//!
//! | element | content |
//! |---|---|
//! | `<script type="application/json" id="svdimg-data">` | the metadata below, with `<` written as `\u003c` |
//! | `<script type="text/plain" id="svdimg-factors">` | the quantized vectors, base64 |
//! | `<img id="original" src="data:image/png;base64,…">` | the view's original, 8-bit PNG |
//!
//! Metadata (`svdimg.page/1`): `name`, `command`, `version`, `width`, `height`, `bit_depth`,
//! `color` (`rgb`, `luma`, `ycbcr`), `view` (`width`, `height`, `downscaled`), `max_rank`, `bits`,
//! `layers`, `method`, `planes` (per plane: `name`, `sigma` — every singular value on the [0, 1]
//! scale —, `complete`, `energy` = ‖A‖_F², `scale_u`, `scale_v`), `psnr_full` (null, or the
//! full-size PSNR for ranks 1..=max_rank, null entries for identical images), `quantization`
//! (per plane `bound` and `measured`, in 8-bit levels) and `pixel_error_bound`.
//!
//! The factors are, plane after plane, `max_rank` vectors uᵢ (view height values each) then
//! `max_rank` vectors vᵢ (view width values each), each value a little-endian signed integer of
//! `bits` bits; a vector is decoded as `q · scale / Q` with Q = 32767 (16 bits) or 127 (8 bits).

use base64::Engine as _;
use serde::Serialize;

use super::{HtmlOptions, PageBytes, PageData, PlaneData, QuantError};

const TEMPLATE: &str = include_str!("template.html");
const STYLE: &str = include_str!("style.css");
const APP: &str = include_str!("app.js");

#[derive(Serialize)]
struct Meta<'a> {
    schema: &'static str,
    name: &'a str,
    command: &'a str,
    version: &'static str,
    width: usize,
    height: usize,
    bit_depth: u8,
    color: &'static str,
    view: View,
    max_rank: usize,
    bits: u8,
    layers: usize,
    method: &'static str,
    planes: &'a [PlaneData],
    psnr_full: Option<&'a [Option<f64>]>,
    quantization: &'a [QuantError],
    pixel_error_bound: f64,
}

#[derive(Serialize)]
struct View {
    width: usize,
    height: usize,
    downscaled: bool,
}

/// Fills the template; returns the page and the sizes of its parts.
#[must_use]
pub fn render(data: &PageData, opts: &HtmlOptions) -> (String, PageBytes) {
    let name = if opts.name.is_empty() {
        "image"
    } else {
        &opts.name
    };
    let meta = Meta {
        schema: "svdimg.page/1",
        name,
        command: &opts.command,
        version: env!("CARGO_PKG_VERSION"),
        width: data.width,
        height: data.height,
        bit_depth: data.layout.bit_depth,
        color: data.layout.color.name(),
        view: View {
            width: data.view_w,
            height: data.view_h,
            downscaled: data.downscaled,
        },
        max_rank: data.max_rank,
        bits: data.bits.count(),
        layers: opts.layers.min(data.max_rank),
        method: data.method,
        planes: &data.planes,
        psnr_full: data.psnr_full.as_deref(),
        quantization: &data.quant,
        pixel_error_bound: data.pixel_bound,
    };
    let json = serde_json::to_string(&meta)
        .expect("page metadata serializes")
        .replace('<', "\\u003c");
    let b64 = base64::engine::general_purpose::STANDARD;
    let factors = b64.encode(&data.factors);
    let original = format!("data:image/png;base64,{}", b64.encode(&data.original_png));
    let title = escape_html(&format!("{name} — svdimg rank slider"));
    let html = fill(
        TEMPLATE,
        &[
            ("TITLE", &title),
            ("STYLE", STYLE),
            ("APP", APP),
            ("DATA", &json),
            ("FACTORS", &factors),
            ("ORIGINAL", &original),
        ],
    );
    let bytes = PageBytes {
        total: html.len(),
        original: original.len(),
        factors: factors.len(),
        metadata: json.len(),
        code: html.len() - original.len() - factors.len() - json.len(),
    };
    (html, bytes)
}

/// Replaces every `{{KEY}}` of `template` by its value, in one pass.
///
/// # Panics
/// On a placeholder with no value (a bug in the template).
#[must_use]
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let extra: usize = values.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..]
            .find("}}")
            .map(|e| start + e)
            .expect("placeholder closed");
        let key = &rest[start + 2..end];
        let value = values
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("no value for placeholder {key}"))
            .1;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML element content and attribute values.
#[must_use]
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_inserts_values_verbatim_once() {
        let out = fill("a{{X}}b{{Y}}c", &[("X", "{{Y}}"), ("Y", "<y>")]);
        assert_eq!(out, "a{{Y}}b<y>c");
    }

    #[test]
    fn template_has_only_known_placeholders() {
        let keys = ["TITLE", "STYLE", "APP", "DATA", "FACTORS", "ORIGINAL"];
        let values: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "")).collect();
        let out = fill(TEMPLATE, &values);
        assert!(!out.contains("{{"));
        // The page loads nothing from the network.
        for page in [TEMPLATE, STYLE, APP] {
            assert!(!page.contains("http://") && !page.contains("https://"));
            assert!(!page.contains("@import") && !page.contains("url("));
        }
    }
}
