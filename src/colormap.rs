//! The heat ramp of svdimg's rank maps (denoise's sheet, the block codec's `--rank-map`).

/// A perceptually ordered ramp: 0 → dark blue, 0.5 → red, 1 → light yellow (RGBA, opaque).
#[must_use]
pub fn heat(t: f32) -> [u8; 4] {
    const STOPS: [[f32; 3]; 5] = [
        [13.0, 8.0, 135.0],
        [126.0, 3.0, 168.0],
        [204.0, 71.0, 120.0],
        [248.0, 149.0, 64.0],
        [240.0, 249.0, 33.0],
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f32;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f32;
    let c = |k: usize| (STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f).round() as u8;
    [c(0), c(1), c(2), 255]
}
