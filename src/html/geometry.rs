//! The geometry page of `svdimg explain … --html page.html`: one self-contained page (no
//! network) where the reader drags x round the unit circle, sees A x and A y move on the
//! ellipse with their angle and lengths, sees the pair snap to "orthogonal!" at v₁, v₂, and
//! switches between A and A₁ with a rank slider. The numbers are those of [`Geometry`], embedded
//! as JSON, and written with the walk-through's rounding.

use serde::Serialize;

use super::page::{escape_html, fill};
use crate::explain::geometry::Geometry;
use crate::explain::number;

const TEMPLATE: &str = include_str!("geometry.html");

#[derive(Serialize)]
struct Data<'a> {
    schema: &'static str,
    geometry: &'a Geometry,
    digits: usize,
}

/// The page for `g`, numbers at `digits` decimals; `made_by` (e.g. the command line) is shown
/// at the foot of the page.
#[must_use]
pub fn geometry_page(g: &Geometry, digits: usize, made_by: &str) -> String {
    let m = g.matrix;
    let title = format!(
        "The geometry of A = [[{}, {}], [{}, {}]]: orthogonal in, orthogonal out",
        number(m[0][0], digits),
        number(m[0][1], digits),
        number(m[1][0], digits),
        number(m[1][1], digits)
    );
    let data = Data {
        schema: "svdimg.geometry-page/1",
        geometry: g,
        digits,
    };
    // Embedded in a <script> element: "<" is escaped so that no "</script>" can end it early.
    let json = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    fill(
        TEMPLATE,
        &[
            ("title", &escape_html(&title)),
            ("made_by", &escape_html(made_by)),
            ("data", &json),
        ],
    )
}
