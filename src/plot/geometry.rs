//! The geometry of a 2×2 SVD as a figure (`svdimg explain "4 0; 3 5" --plot geometry.svg`):
//! an orthogonal pair and its skewed image; v₁, v₂ and their orthogonal images σ₁u₁, σ₂u₂; the
//! three steps of A = UΣVᵀ carrying a letter F; and the rank-1 approximation A₁ collapsing the
//! ellipse onto a segment. Every number drawn comes from [`Geometry`] and is written with the
//! text walk-through's formatting ([`crate::explain::number`], [`crate::explain::degrees`]).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{draw, draw_error, Painter, Plot, PlotFormat, FONT};
use crate::error::Result;
use crate::explain::geometry::{apply, product, Geometry, MapKind};
use crate::explain::{degrees, number};

/// Size of the figure.
pub const GEOMETRY_SIZE: (u32, u32) = (1200, 1130);

pub(super) const X_COLOR: RGBColor = RGBColor(31, 119, 180);
pub(super) const Y_COLOR: RGBColor = RGBColor(230, 110, 0);
const SHAPE_COLOR: RGBColor = RGBColor(44, 160, 44);
pub(super) const CURVE_COLOR: RGBColor = RGBColor(40, 40, 40);
const FAINT: RGBColor = RGBColor(200, 200, 200);

/// The letter F in the unit disc, as polylines: asymmetric, so reflections show.
const LETTER_F: [&[[f64; 2]]; 2] = [
    &[[-0.25, -0.55], [-0.25, 0.5], [0.35, 0.5]],
    &[[-0.25, 0.05], [0.2, 0.05]],
];

/// Draws the geometry of `g` with numbers at `digits` decimals.
pub fn geometry_plot(g: &Geometry, digits: usize, format: PlotFormat) -> Result<Plot> {
    draw(&GeometryPlot { g, digits }, format, GEOMETRY_SIZE)
}

struct GeometryPlot<'a> {
    g: &'a Geometry,
    digits: usize,
}

/// One square panel: a title, and a map from plane coordinates within ±`extent` to pixels.
pub(super) struct Panel<DB: DrawingBackend> {
    pub(super) area: DrawingArea<DB, Shift>,
    extent: f64,
}

impl<DB: DrawingBackend> Panel<DB> {
    pub(super) fn new(area: DrawingArea<DB, Shift>, title: &str, extent: f64) -> Result<Self> {
        let panel = Self::text(area, title)?;
        let panel = Panel { extent, ..panel };
        panel.axes()?;
        Ok(panel)
    }

    /// A panel for text only: a frame and a title, no axes.
    pub(super) fn text(area: DrawingArea<DB, Shift>, title: &str) -> Result<Self> {
        area.draw(&Rectangle::new(
            [
                (2, 2),
                (
                    area.dim_in_pixel().0 as i32 - 2,
                    area.dim_in_pixel().1 as i32 - 2,
                ),
            ],
            ShapeStyle::from(&FAINT).stroke_width(1),
        ))
        .map_err(draw_error)?;
        area.draw(&Text::new(
            title.to_string(),
            (10, 8),
            (FONT, 15).into_font().color(&BLACK),
        ))
        .map_err(draw_error)?;
        Ok(Panel { area, extent: 1.0 })
    }

    fn px(&self, p: [f64; 2]) -> (i32, i32) {
        let (w, h) = self.area.dim_in_pixel();
        let top = 30.0;
        let side = f64::from(w.min(h - 30)) - 10.0;
        let scale = side / (2.0 * self.extent);
        let (cx, cy) = (f64::from(w) / 2.0, top + (f64::from(h) - top) / 2.0);
        (
            (cx + p[0] * scale).round() as i32,
            (cy - p[1] * scale).round() as i32,
        )
    }

    fn axes(&self) -> Result<()> {
        let e = self.extent * 0.95;
        for (a, b) in [([-e, 0.0], [e, 0.0]), ([0.0, -e], [0.0, e])] {
            self.line(&[a, b], FAINT, 1)?;
        }
        Ok(())
    }

    pub(super) fn line(&self, pts: &[[f64; 2]], color: RGBColor, width: u32) -> Result<()> {
        let px: Vec<(i32, i32)> = pts.iter().map(|&p| self.px(p)).collect();
        self.area
            .draw(&PathElement::new(
                px,
                ShapeStyle::from(&color).stroke_width(width),
            ))
            .map_err(draw_error)
    }

    /// The image of the unit circle under `m` (the circle itself for the identity).
    pub(super) fn conic(&self, m: &[[f64; 2]; 2], color: RGBColor) -> Result<()> {
        let pts: Vec<[f64; 2]> = (0..=180)
            .map(|i| {
                let t = f64::from(i) * std::f64::consts::TAU / 180.0;
                apply(m, [t.cos(), t.sin()])
            })
            .collect();
        self.line(&pts, color, 2)
    }

    /// The letter F mapped by `m`.
    pub(super) fn letter(&self, m: &[[f64; 2]; 2]) -> Result<()> {
        for stroke in LETTER_F {
            let pts: Vec<[f64; 2]> = stroke.iter().map(|&p| apply(m, p)).collect();
            self.line(&pts, SHAPE_COLOR, 3)?;
        }
        Ok(())
    }

    /// An arrow from the origin to `p`, labelled near its tip.
    pub(super) fn arrow(&self, p: [f64; 2], color: RGBColor, label: &str) -> Result<()> {
        self.line(&[[0.0, 0.0], p], color, 3)?;
        let (x0, y0) = self.px([0.0, 0.0]);
        let (x1, y1) = self.px(p);
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let len = dx.hypot(dy);
        if len >= 1.0 {
            let (ux, uy) = (dx / len, dy / len);
            let head = 11.0_f64.min(len * 0.5);
            let base = (f64::from(x1) - ux * head, f64::from(y1) - uy * head);
            let wing = |s: f64| {
                (
                    (base.0 - uy * head * 0.45 * s).round() as i32,
                    (base.1 + ux * head * 0.45 * s).round() as i32,
                )
            };
            self.area
                .draw(&Polygon::new(
                    vec![(x1, y1), wing(1.0), wing(-1.0)],
                    ShapeStyle::from(&color).filled(),
                ))
                .map_err(draw_error)?;
        }
        let (lx, ly) = if len >= 1.0 {
            (x1 + (dx / len * 8.0) as i32, y1 + (dy / len * 8.0) as i32)
        } else {
            (x1 + 6, y1 - 6)
        };
        self.area
            .draw(&Text::new(
                label.to_string(),
                (lx, ly - 7),
                (FONT, 14).into_font().color(&color),
            ))
            .map_err(draw_error)
    }

    /// A line of text under the title.
    pub(super) fn note(&self, row: i32, text: &str) -> Result<()> {
        let h = self.area.dim_in_pixel().1 as i32;
        self.area
            .draw(&Text::new(
                text.to_string(),
                (10, h - 22 - 18 * row),
                (FONT, 14).into_font().color(&BLACK),
            ))
            .map_err(draw_error)
    }
}

impl Painter for GeometryPlot<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let (g, d) = (self.g, self.digits);
        root.fill(&WHITE).map_err(draw_error)?;
        let m = g.matrix;
        let title = format!(
            "A = [[{}, {}], [{}, {}]]: the unit circle and where A sends it",
            number(m[0][0], d),
            number(m[0][1], d),
            number(m[1][0], d),
            number(m[1][1], d)
        );
        let root = root
            .titled(&title, (FONT, 22).into_font().color(&BLACK))
            .map_err(draw_error)?;
        let rows = root.split_evenly((3, 4));
        let id = [[1.0, 0.0], [0.0, 1.0]];
        let unit = 1.35;
        let wide = 1.35 * g.sigma[0].max(1.0);
        let angle =
            |a: Option<f64>| a.map_or_else(|| "no angle (a zero vector)".into(), |a| degrees(a, d));

        // 1. An orthogonal pair and its image.
        let ex = &g.example;
        let p = Panel::new(rows[0].clone(), "1. x ⊥ y on the unit circle", unit)?;
        p.conic(&id, CURVE_COLOR)?;
        p.arrow(ex.x, X_COLOR, "x")?;
        p.arrow(ex.y, Y_COLOR, "y")?;
        p.note(0, &format!("x at {}, y at 90° to it", degrees(30.0, d)))?;
        let skewed = ex.angle_deg.is_none_or(|a| (a - 90.0).abs() > 1e-9);
        let title = if skewed {
            "   A x and A y: skewed"
        } else {
            "   A x and A y: still orthogonal"
        };
        let p = Panel::new(rows[1].clone(), title, wide)?;
        p.conic(&m, CURVE_COLOR)?;
        p.arrow(ex.ax, X_COLOR, "Ax")?;
        p.arrow(ex.ay, Y_COLOR, "Ay")?;
        p.note(
            1,
            &format!("angle between Ax and Ay: {}", angle(ex.angle_deg)),
        )?;
        p.note(
            0,
            &format!(
                "|Ax| = {}, |Ay| = {}",
                number(ex.ax_length, d),
                number(ex.ay_length, d)
            ),
        )?;

        // 2. The singular pair and its image.
        let sg = &g.singular;
        let p = Panel::new(rows[2].clone(), "2. v₁ ⊥ v₂ (right singular vectors)", unit)?;
        p.conic(&id, CURVE_COLOR)?;
        p.arrow(sg.x, X_COLOR, "v₁")?;
        p.arrow(sg.y, Y_COLOR, "v₂")?;
        if g.kind == MapKind::Conformal {
            p.note(0, "σ₁ = σ₂: every pair works")?;
        }
        let title = match g.kind {
            MapKind::Singular | MapKind::Zero => "   σ₁u₁, and σ₂u₂ = 0",
            _ => "   σ₁u₁ ⊥ σ₂u₂: still orthogonal",
        };
        let p = Panel::new(rows[3].clone(), title, wide)?;
        p.conic(&m, CURVE_COLOR)?;
        p.arrow(sg.ax, X_COLOR, "σ₁u₁")?;
        p.arrow(sg.ay, Y_COLOR, "σ₂u₂")?;
        p.note(
            1,
            &format!("angle between σ₁u₁ and σ₂u₂: {}", angle(sg.angle_deg)),
        )?;
        p.note(
            0,
            &format!(
                "σ₁ = {}, σ₂ = {}",
                number(g.sigma[0], d),
                number(g.sigma[1], d)
            ),
        )?;

        // 3. A = UΣVᵀ in three steps, carrying the letter F.
        let [vt, sigma, u] = g.steps();
        let svt = product(&sigma, &vt);
        let steps: [(&str, [[f64; 2]; 2], f64, &str); 4] = [
            ("3. the unit circle", id, unit, ""),
            (
                "   after Vᵀ: turned, not stretched",
                vt,
                unit,
                if det(&vt) < 0.0 {
                    "Vᵀ reflects"
                } else {
                    "Vᵀ rotates"
                },
            ),
            (
                "   after ΣVᵀ: stretched along the axes",
                svt,
                wide,
                "semi-axes σ₁, σ₂ on the axes",
            ),
            (
                "   after UΣVᵀ = A",
                product(&u, &svt),
                wide,
                if det(&u) < 0.0 {
                    "U reflects"
                } else {
                    "U rotates"
                },
            ),
        ];
        for (i, (title, mat, extent, text)) in steps.iter().enumerate() {
            let p = Panel::new(rows[4 + i].clone(), title, *extent)?;
            p.conic(mat, CURVE_COLOR)?;
            p.letter(mat)?;
            if i == 2 {
                p.arrow([g.sigma[0], 0.0], X_COLOR, "σ₁")?;
                p.arrow([0.0, g.sigma[1]], Y_COLOR, "σ₂")?;
            }
            if !text.is_empty() {
                p.note(0, text)?;
            }
        }

        // 4. A and its rank-1 approximation.
        let title = match g.kind {
            MapKind::Singular | MapKind::Zero => "4. A: the ellipse, flat (σ₂ = 0)",
            MapKind::Conformal => "4. A: the ellipse, a circle (σ₁ = σ₂)",
            MapKind::General => "4. A: the ellipse",
        };
        let p = Panel::new(rows[8].clone(), title, wide)?;
        p.conic(&m, CURVE_COLOR)?;
        p.letter(&m)?;
        p.arrow(sg.ax, X_COLOR, "σ₁u₁")?;
        let a1 = g.rank_one;
        let p = Panel::new(rows[9].clone(), "   A₁ = σ₁u₁v₁ᵀ: collapsed onto u₁", wide)?;
        p.conic(&a1, CURVE_COLOR)?;
        p.letter(&a1)?;
        p.arrow(sg.ax, X_COLOR, "σ₁u₁")?;
        p.note(
            0,
            &format!("a segment of half-length σ₁ = {}", number(g.sigma[0], d)),
        )?;
        let notes = Panel::text(rows[10].clone(), "Notes")?;
        let mut lines: Vec<String> = vec![format!("det A = {}", number(g.determinant, d))];
        for n in &g.notes {
            lines.extend(wrap(n, 34));
        }
        for (i, l) in lines.iter().enumerate().take(12) {
            notes
                .area
                .draw(&Text::new(
                    l.clone(),
                    (10, 36 + 18 * i as i32),
                    (FONT, 14).into_font().color(&BLACK),
                ))
                .map_err(draw_error)?;
        }
        Ok(())
    }
}

fn det(m: &[[f64; 2]; 2]) -> f64 {
    m[0][0] * m[1][1] - m[0][1] * m[1][0]
}

/// Words of `text` in lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}
