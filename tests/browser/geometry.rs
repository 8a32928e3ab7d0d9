//! The geometry page of `svdimg explain … --html` in headless Chromium: drag x round the circle
//! with the pointer, read the angle the page shows, see it snap to "orthogonal!" at v₁, switch to
//! A₁ with the rank slider.

use std::time::Duration;

use serde_json::json;
use svdimg::explain::geometry::{geometry, pair_at};
use svdimg::explain::{degrees, explain};

use crate::common::{run, s, tmp};
use crate::webdriver::Browser;
use crate::{browser_paths, file_url, BROWSER};

/// The text of the element `id`.
fn text(b: &Browser, id: &str) -> String {
    b.run(
        "return document.getElementById(arguments[0]).textContent;",
        json!([id]),
    )
    .as_str()
    .unwrap()
    .to_string()
}

/// The viewport position of the point at `deg` degrees on the input circle.
fn circle_point(b: &Browser, deg: f64) -> (i64, i64) {
    let p = b.run(
        "const svg = document.getElementById('input'); const t = arguments[0] * Math.PI / 180; \
         const p = svg.createSVGPoint(); p.x = Math.cos(t); p.y = -Math.sin(t); \
         const q = p.matrixTransform(svg.getScreenCTM()); return [q.x, q.y];",
        json!([deg]),
    );
    (
        p[0].as_f64().unwrap().round() as i64,
        p[1].as_f64().unwrap().round() as i64,
    )
}

/// Presses the pointer on the handle (x at `from` degrees) and drags it to `to` degrees.
fn drag(b: &Browser, from: f64, to: f64) {
    let (x0, y0) = circle_point(b, from);
    let (x1, y1) = circle_point(b, to);
    let mid = circle_point(b, (from + to) / 2.0);
    b.call(
        "POST",
        "actions",
        Some(&json!({"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [
                {"type": "pointerMove", "duration": 0, "origin": "viewport", "x": x0, "y": y0},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerMove", "duration": 100, "origin": "viewport", "x": mid.0, "y": mid.1},
                {"type": "pointerMove", "duration": 100, "origin": "viewport", "x": x1, "y": y1},
                {"type": "pointerUp", "button": 0}
            ]
        }]})),
    );
}

fn x_deg(b: &Browser) -> f64 {
    b.run("return svdimgGeometry.state().xDeg;", json!([]))
        .as_f64()
        .unwrap()
}

#[test]
fn dragging_x_shows_the_angle_and_snaps_to_orthogonal() {
    let Some((chromium, driver)) = browser_paths() else {
        return;
    };
    let _alone = BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tmp();
    let page = dir.path().join("geometry.html");
    let o = run(&["explain", "4 0; 3 5", "--html", s(&page)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = geometry(&explain(&[vec![4.0, 0.0], vec![3.0, 5.0]], 1).unwrap()).unwrap();

    let b = Browser::start(s(&chromium), s(&driver), &dir.path().join("profile"));
    b.goto(&file_url(&page));
    b.wait_for("window.svdimgGeometry", Duration::from_secs(30));
    // The page opens with x at 30°, as the figure and the walk-through do.
    let expected = degrees(g.example.angle_deg.unwrap(), 4);
    assert_eq!(text(&b, "angle"), expected);
    assert_eq!(text(&b, "status"), "skewed");

    // Drag x to about 100°: the angle shown is the one A gives for where x ended up.
    drag(&b, 30.0, 100.0);
    let at = x_deg(&b);
    assert!((at - 100.0).abs() < 3.0, "x at {at}°");
    let want = degrees(pair_at(&g.matrix, at).angle_deg.unwrap(), 4);
    assert_eq!(text(&b, "angle"), want);
    assert_ne!(want, "90.00°");

    // Drag it to within a degree of v₁ (45° here): it snaps, and the pair is orthogonal.
    let v1 = g.v[0][1].atan2(g.v[0][0]).to_degrees();
    drag(&b, at, v1 + 1.0);
    assert!((x_deg(&b) - v1).abs() < 1e-9, "snapped onto v₁");
    assert_eq!(text(&b, "angle"), "90.00°");
    assert_eq!(text(&b, "status"), "orthogonal!");
    let lengths = (text(&b, "axlen"), text(&b, "aylen"));
    assert_eq!(
        lengths,
        (format!("{:.4}", g.sigma[0]), format!("{:.4}", g.sigma[1]))
    );

    // Rank 1: A₁ sends everything onto the line of u₁, so A₁x and A₁y are parallel.
    b.run(
        "const r = document.getElementById('rank'); r.value = '1'; \
         r.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    );
    assert!(text(&b, "rank-label").starts_with("A₁"));
    assert_eq!(
        text(&b, "angle"),
        "none (a zero vector)",
        "x = v₁, so A₁y = 0"
    );
    drag(&b, v1, 120.0);
    let shown = text(&b, "angle");
    assert!(shown == "0.00°" || shown == "180.00°", "{shown}");
    let severe: Vec<_> = b
        .console()
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(severe.is_empty(), "{severe:?}");
}
