//! The summary table of a batch: printed after `compress` on many files, and by `svdimg summarize`
//! from the JSON Lines that batches wrote (`compress --json`), concatenated across shards and
//! runs. Both build [`Row`]s and print them with [`table`].

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use svdimg::batch::{FileOutcome, Status};

/// One file's line of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The input as given (the table shows its file name).
    pub input: String,
    /// How the file ended.
    pub status: Status,
    /// What a compressed file's row shows, when ok.
    pub result: Option<Compressed>,
    /// The error, when status is error.
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub elapsed_ms: f64,
}

/// The columns of a compressed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Compressed {
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// The rank, or the ranks joined by '-'.
    pub rank: String,
    /// PSNR in dB; `None` for identical images ("inf").
    pub psnr: Option<f64>,
    /// The storage ratio, when there is one.
    pub ratio: Option<f64>,
}

impl Row {
    /// The row of a batch outcome.
    pub fn from_outcome(o: &FileOutcome) -> Row {
        Row {
            input: o.path.display().to_string(),
            status: o.status,
            result: o.report.as_ref().map(|r| {
                let ranks: Vec<usize> = r.channels.iter().map(|c| c.rank).collect();
                Compressed {
                    width: r.header.width,
                    height: r.header.height,
                    rank: svdimg::naming::rank_tag(&ranks),
                    psnr: r.psnr,
                    ratio: r.storage_ratio,
                }
            }),
            error: o.error.clone(),
            elapsed_ms: o.elapsed_ms,
        }
    }

    /// The row of one line of `compress --json` on many files; `None` if it is not one.
    pub fn from_json(v: &Value) -> Option<Row> {
        let status = match v.get("status")?.as_str()? {
            "ok" => Status::Ok,
            "error" => Status::Error,
            "skipped" => Status::Skipped,
            _ => return None,
        };
        let result = if status == Status::Ok {
            let ranks: Option<Vec<usize>> = v
                .get("channels")?
                .as_array()?
                .iter()
                .map(|c| c.get("rank")?.as_u64().map(|r| r as usize))
                .collect();
            let dim = |k: &str| v.get(k)?.as_u64().map(|d| d as usize);
            Some(Compressed {
                width: dim("width")?,
                height: dim("height")?,
                rank: svdimg::naming::rank_tag(&ranks?),
                psnr: v.get("psnr").and_then(Value::as_f64),
                ratio: v.get("storage_ratio").and_then(Value::as_f64),
            })
        } else {
            None
        };
        Some(Row {
            input: v.get("input")?.as_str()?.to_string(),
            status,
            result,
            error: v.get("error").and_then(Value::as_str).map(str::to_string),
            elapsed_ms: v.get("elapsed_ms").and_then(Value::as_f64).unwrap_or(0.0),
        })
    }
}

/// The table: a line per row, then the counts; `not_images` (files in folders that were not
/// images) is counted when known.
pub fn table(rows: &[Row], not_images: Option<usize>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<32} {:>11} {:>9} {:>9} {:>8} {:>9}  status",
        "file", "size", "rank", "PSNR", "ratio", "time"
    );
    for row in rows {
        let name = truncate(&display_name(Path::new(&row.input)), 32);
        let time = format!("{:.0}ms", row.elapsed_ms);
        let _ = match (&row.result, row.status) {
            (Some(c), _) => writeln!(
                s,
                "{name:<32} {:>11} {:>9} {:>9} {:>8} {time:>9}  ok",
                format!("{}×{}", c.width, c.height),
                c.rank,
                c.psnr.map_or_else(|| "inf".into(), |p| format!("{p:.2}")),
                c.ratio.map_or_else(|| "n/a".into(), |x| format!("{x:.2}×")),
            ),
            (None, Status::Skipped) => writeln!(
                s,
                "{name:<32} {:>11} {:>9} {:>9} {:>8} {:>9}  skipped: output exists",
                "-", "-", "-", "-", "-"
            ),
            (None, _) => writeln!(
                s,
                "{name:<32} {:>11} {:>9} {:>9} {:>8} {time:>9}  error: {}",
                "-",
                "-",
                "-",
                "-",
                row.error.as_deref().unwrap_or("failed")
            ),
        };
    }
    let count = |status| rows.iter().filter(|r| r.status == status).count();
    let _ = write!(
        s,
        "{} of {} compressed, {} failed",
        count(Status::Ok),
        rows.len(),
        count(Status::Error)
    );
    if let Some(n) = not_images {
        let _ = write!(s, ", {n} skipped (not images)");
    }
    let done = count(Status::Skipped);
    if done > 0 {
        let _ = write!(s, ", {done} skipped (output exists)");
    }
    s.push('\n');
    s
}

/// The file name alone, for tables and progress lines.
pub fn display_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `s`, or its last `n − 1` characters after "…" when longer than `n`.
fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}
