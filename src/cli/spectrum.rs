//! `svdimg spectrum`: the singular values of every channel (values only, no vectors), the ranks
//! that reach 50, 90, 95, 99 and 99.9 % of the energy, a plot and a CSV of all of them.

use std::fmt::Write as _;
use svdimg::spectrum::{spectrum_file, SpectrumReport};
use svdimg::AlphaHandling;

use super::args::SpectrumArgs;
use super::{run, Exit};

/// Runs `spectrum`.
pub fn run(args: &SpectrumArgs) -> Exit {
    let opts = super::convert::spectrum_options(args);
    run::run_and_emit(
        &args.input,
        &super::convert::emit_flags(&args.common),
        |progress| spectrum_file(&args.input, &opts, progress),
        |r| &r.warnings,
        spectrum_text,
    )
}

/// σ₁…σ₁₀ and the milestone ranks of every channel, as text.
pub fn spectrum_text(r: &SpectrumReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let _ = writeln!(
        s,
        "{}: {}×{} {}, {}-bit{}; singular values alone ({}, {} ms)",
        h.input.as_deref().unwrap_or("-"),
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        match h.alpha {
            AlphaHandling::Kept => ", alpha not analysed (--alpha compress adds it)",
            AlphaHandling::Compressed => ", alpha analysed as a channel",
            AlphaHandling::None => "",
        },
        h.svd.as_ref().map_or("f32", |x| x.precision.name()),
        r.timings_ms.factorize.unwrap_or(0.0).round()
    );
    let top = r
        .channels
        .iter()
        .map(|c| c.singular_values.len().min(10))
        .max()
        .unwrap_or(0);
    let _ = write!(s, "  {:<3}", "ch");
    for i in 1..=top {
        let _ = write!(s, " {:>9}", format!("σ{}", subscript(i)));
    }
    s.push('\n');
    for c in &r.channels {
        let _ = write!(s, "  {:<3}", c.name);
        for x in c.singular_values.iter().take(10) {
            let _ = write!(s, " {x:>9.4}");
        }
        s.push('\n');
    }
    let _ = write!(
        s,
        "  rank needed for energy (of min(w, h) = {}):\n  {:<3}",
        h.width.min(h.height),
        "ch"
    );
    if let Some(c) = r.channels.first() {
        for m in &c.milestones {
            let _ = write!(s, " {:>7}", format!("{}%", m.energy * 100.0));
        }
    }
    s.push('\n');
    for c in &r.channels {
        let _ = write!(s, "  {:<3}", c.name);
        for m in &c.milestones {
            let _ = write!(s, " {:>7}", m.rank);
        }
        s.push('\n');
    }
    for (what, path) in [("plot", &r.plot), ("csv", &r.csv)] {
        if let Some(p) = path {
            let _ = writeln!(s, "  {what}: {p}");
        }
    }
    s
}

/// 12 → "₁₂".
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|d| char::from_u32(0x2080 + d.to_digit(10).unwrap_or(0)).unwrap_or(d))
        .collect()
}
