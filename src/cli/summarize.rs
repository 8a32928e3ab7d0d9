//! `svdimg summarize`: the summary table of batches from their JSON Lines (`compress --json`),
//! concatenated across shards and re-runs.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use serde::Serialize;

use svdimg::batch::Status;

use super::args::SummarizeArgs;
use super::summary::{table, Row};
use super::{output, Exit};

/// The counts, as `summarize --json` prints them.
#[derive(Debug, Serialize)]
struct Counts {
    schema: &'static str,
    files: usize,
    ok: usize,
    failed: usize,
    skipped: usize,
    failures: Vec<Failure>,
}

#[derive(Debug, Serialize)]
struct Failure {
    input: String,
    error: String,
}

/// Reads every file (`-`: standard input), keeps one row per input, prints the table; exit 1 if
/// a file failed or a line is not a batch record.
pub fn run(args: &SummarizeArgs) -> Exit {
    let mut rows: BTreeMap<PathBuf, Row> = BTreeMap::new();
    for path in &args.files {
        let name = path.display().to_string();
        let text = if name == "-" {
            let mut t = String::new();
            std::io::stdin().read_to_string(&mut t).map(|_| t)
        } else {
            std::fs::read_to_string(path)
        };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {name}: cannot read: {e}");
                return Exit::Failure;
            }
        };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let row = serde_json::from_str(line)
                .ok()
                .and_then(|v| Row::from_json(&v));
            let Some(row) = row else {
                eprintln!(
                    "error: {name}: line {}: not a record of `svdimg compress --json` on many files",
                    i + 1
                );
                return Exit::Failure;
            };
            merge(&mut rows, row);
        }
    }
    let rows: Vec<Row> = rows.into_values().collect();
    let count = |s| rows.iter().filter(|r| r.status == s).count();
    if args.json {
        let counts = Counts {
            schema: "svdimg.summary/1",
            files: rows.len(),
            ok: count(Status::Ok),
            failed: count(Status::Error),
            skipped: count(Status::Skipped),
            failures: rows
                .iter()
                .filter(|r| r.status == Status::Error)
                .map(|r| Failure {
                    input: r.input.clone(),
                    error: r.error.clone().unwrap_or_default(),
                })
                .collect(),
        };
        output::print_stdout(&(output::json_line(&counts) + "\n"));
    } else {
        output::print_stdout(&table(&rows, None));
    }
    if count(Status::Error) > 0 {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// One row per input, in the order a batch lists paths (component by component): a success beats
/// a skip (the output exists), which beats an error (a later run did it); among equals the later
/// line wins.
fn merge(rows: &mut BTreeMap<PathBuf, Row>, row: Row) {
    let rank = |s: Status| match s {
        Status::Ok => 2,
        Status::Skipped => 1,
        Status::Error => 0,
    };
    let key = PathBuf::from(&row.input);
    match rows.get(&key) {
        Some(old) if rank(old.status) > rank(row.status) => {}
        _ => {
            rows.insert(key, row);
        }
    }
}
