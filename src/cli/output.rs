//! Rendering: reports as human text or JSON on stdout; errors and warnings on stderr.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use svdimg::{CompressReport, Overwrite};

/// A number with `digits` decimals, or "inf" for `None` (identical images).
fn db(x: Option<f64>) -> String {
    x.map_or_else(|| "inf".to_string(), |v| format!("{v:.2}"))
}

/// The compress report as text.
pub fn compress_text(r: &CompressReport) -> String {
    let mut s = String::new();
    let input = r.input.as_deref().unwrap_or("-");
    let output = r.output.as_deref().unwrap_or("-");
    let _ = writeln!(s, "{input} -> {output}");
    let _ = writeln!(
        s,
        "  {}×{} {}, {}-bit{}, {} SVD in {} on {} thread{} ({}), {}",
        r.width,
        r.height,
        r.color,
        r.bit_depth,
        match r.alpha {
            "kept" => ", alpha kept exactly",
            "compressed" => ", alpha compressed",
            _ => "",
        },
        r.method,
        r.precision,
        r.threads,
        if r.threads == 1 { "" } else { "s" },
        r.method_reason,
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
    let t = &r.timings_ms;
    let _ = writeln!(
        s,
        "  time: decode {:.0} ms, factorize {:.0} ms, reconstruct {:.0} ms, metrics {:.0} ms, encode {:.0} ms",
        t.decode, t.factorize, t.reconstruct, t.metrics, t.encode
    );
    s
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

/// One error line: `error: <file>: <cause>`.
pub fn error_line(file: &Path, err: &dyn std::fmt::Display) -> String {
    format!("error: {}: {err}", file.display())
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
