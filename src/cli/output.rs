//! Rendering: reports as human text or JSON on stdout; errors and warnings on stderr.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use svdimg::report::{ReportHeader, Timings};
use svdimg::{AlphaHandling, CompressReport, Overwrite};

/// What the user can do about an error, in terms of the command line.
fn hint(e: &svdimg::Error) -> Option<&'static str> {
    match e {
        svdimg::Error::OutputExists(_) => Some("use --force to replace it"),
        svdimg::Error::Limits(_) => Some("see --max-pixels"),
        _ => None,
    }
}

/// `input: W×H colour, D-bit[, alpha …]`, the start of most text reports.
pub fn image_line(h: &ReportHeader) -> String {
    format!(
        "{}×{} {}, {}-bit{}",
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        match h.alpha {
            AlphaHandling::Kept => ", alpha kept exactly",
            AlphaHandling::Compressed => ", alpha compressed",
            AlphaHandling::None => "",
        }
    )
}

/// `time: decode 3 ms, factorize 40 ms, …` for the stages that ran.
pub fn timings_line(t: &Timings) -> String {
    let stages: Vec<String> = t
        .stages()
        .iter()
        .map(|(name, ms)| format!("{name} {ms:.0} ms"))
        .collect();
    format!("  time: {}\n", stages.join(", "))
}

/// A number with `digits` decimals, or "inf" for `None` (identical images).
fn db(x: Option<f64>) -> String {
    x.map_or_else(|| "inf".to_string(), |v| format!("{v:.2}"))
}

/// The report of a version-2 (block) `.svdz` file as text.
pub fn blocks_text(r: &svdimg::container::blocks::BlockReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let _ = writeln!(
        s,
        "{} -> {}",
        h.input.as_deref().unwrap_or("-"),
        r.output.as_deref().unwrap_or("-")
    );
    // A budget says which quality it came to; a quality needs no echo.
    let reached = if r.budget_bytes.is_some() {
        format!(": quality {:.2}", r.quality)
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "  {}, .svdz version {} (blocks), {}{reached}",
        image_line(h),
        r.version,
        r.target,
    );
    let _ = writeln!(
        s,
        "  {} bytes, {:.3} bits per pixel{}",
        r.file_bytes,
        r.bits_per_pixel,
        r.budget_bytes
            .map_or_else(String::new, |b| format!(" (budget {b} bytes)"))
    );
    for p in &r.planes {
        let _ = writeln!(
            s,
            "  {:<3} {:>11} in {:>2}×{:<2} blocks: {:>7} terms ({:.2} per block, at most {}), step {:.3}, {} bytes",
            p.name,
            format!("{}×{}", p.width, p.height),
            p.block,
            p.block,
            p.terms,
            p.mean_rank,
            p.max_rank,
            p.step,
            p.bytes
        );
    }
    let _ = writeln!(
        s,
        "  PSNR {} dB   SSIM {}   MSE {:.4}",
        db(r.psnr),
        r.ssim
            .map_or_else(|| "n/a (image under 11 px)".into(), |v| format!("{v:.4}")),
        r.mse
    );
    s.push_str(&timings_line(&r.timings_ms));
    s
}

/// The compress report as text.
pub fn compress_text(r: &CompressReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let input = h.input.as_deref().unwrap_or("-");
    let output = r.output.as_deref().unwrap_or("-");
    let _ = writeln!(s, "{input} -> {output}");
    let _ = writeln!(
        s,
        "  {}, {}, {}",
        image_line(h),
        svd_words(h),
        r.rank_request
    );
    let _ = writeln!(
        s,
        "  {:<4} {:>11} {:>11} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10}",
        "ch",
        "shape",
        "rank",
        "σ₁",
        "σ_k",
        "energy",
        "discarded",
        "predicted",
        "measured",
        "stored"
    );
    for c in &r.channels {
        let sk = c.singular_values.last().copied().unwrap_or(0.0);
        let s1 = c.singular_values.first().copied().unwrap_or(0.0);
        let _ = writeln!(
            s,
            "  {:<4} {:>11} {:>11} {:>9.4} {:>9.4} {:>8.4}% {:>10} {:>10.4} {:>10.4} {:>10}",
            c.name,
            format!("{}×{}", c.rows, c.cols),
            format!("{}/{}", c.rank, c.max_rank),
            s1,
            sk,
            c.energy_kept * 100.0,
            c.energy_discarded_db
                .map_or_else(|| "none".to_string(), |d| format!("{d:.1} dB")),
            c.predicted_error,
            c.measured_error,
            c.stored_values
        );
    }
    let _ = writeln!(
        s,
        "  PSNR {} dB   SSIM {}   MSE {:.4}   storage ratio {} ({} of {} values)",
        db(r.psnr),
        r.ssim
            .map_or_else(|| "n/a (image under 11 px)".into(), |v| format!("{v:.4}")),
        r.mse,
        r.storage_ratio
            .map_or_else(|| "n/a".into(), |v| format!("{v:.2}×")),
        r.stored_values,
        r.samples
    );
    s.push_str(&timings_line(&r.timings_ms));
    s
}

/// `exact SVD in f32 on 2 threads (why)`, or nothing when no SVD ran.
pub fn svd_words(h: &ReportHeader) -> String {
    h.svd.as_ref().map_or_else(String::new, |svd| {
        format!(
            "{} SVD in {} on {} thread{} ({})",
            svd.method.name(),
            svd.precision.name(),
            svd.threads,
            if svd.threads == 1 { "" } else { "s" },
            svd.method_reason
        )
    })
}

/// Serialises a report as one line of JSON.
pub fn json_line<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Writes a report as pretty JSON to `path`, atomically.
pub fn write_report<T: Serialize>(
    value: &T,
    path: &Path,
    overwrite: Overwrite,
) -> svdimg::Result<()> {
    svdimg::encode::check_output(None, path, overwrite)?;
    svdimg::encode::write_atomically(path, overwrite, |w| {
        serde_json::to_writer_pretty(&mut *w, value)
            .map_err(|e| svdimg::Error::Encode(format!("cannot write the report: {e}")))?;
        std::io::Write::write_all(w, b"\n")
            .map_err(|e| svdimg::Error::Encode(format!("cannot write the report: {e}")))
    })
}

/// One error line: `error: <file>: <cause>[ (<hint>)]`, naming the file the error is about (an
/// output, when it is about one; else `file`).
pub fn error_line(file: &Path, err: &svdimg::Error) -> String {
    let file = err.file().unwrap_or(file);
    let cause = err.cause();
    match hint(cause) {
        Some(h) => format!("error: {}: {cause} ({h})", file.display()),
        None => format!("error: {}: {cause}", file.display()),
    }
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The `.svdz` line under a compress report.
pub fn container_line(c: &svdimg::container::ContainerReport) -> String {
    let planes: Vec<String> = c.plane_bytes.iter().map(|b| b.to_string()).collect();
    let mut s = format!(
        "  .svdz: {} bytes, {:.3} bits per pixel (header {}, planes {}{}), τ {:.3e}, \
         mean {:.2} bits per entry, {:.1}× smaller than raw f32 factors ({} bytes)",
        c.file_bytes,
        c.bits_per_pixel,
        c.header_bytes,
        planes.join(" + "),
        c.alpha_bytes
            .map_or_else(String::new, |a| format!(", alpha {a}")),
        c.tolerance,
        c.mean_bits,
        c.raw_f32_bytes as f64 / c.file_bytes.max(1) as f64,
        c.raw_f32_bytes
    );
    if let Some(b) = c.budget_bytes {
        let _ = write!(s, ", budget {b} bytes");
    }
    s.push('\n');
    s
}
