//! `svdimg explain`: the SVD of a small matrix, step by step, as one does it on paper.

use serde::Serialize;
use std::io::Read;
use std::path::Path;

use svdimg::explain::geometry::{geometry, Geometry};
use svdimg::explain::{explain, parse_matrix, Explanation};
use svdimg::html::geometry_page;
use svdimg::plot::{geometry_gif, geometry_plot, write_plot, PlotFormat};

use super::args::ExplainArgs;
use super::{output, run, Exit};

/// A matrix file larger than this cannot hold an 8×8 matrix anyone would type.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The JSON object `--json` prints: the explanation's fields after a schema tag.
#[derive(Serialize)]
struct ExplainJson<'a> {
    schema: &'static str,
    #[serde(flatten)]
    explanation: &'a Explanation,
    /// For a 2×2 matrix, the numbers the geometry pictures are drawn from.
    #[serde(skip_serializing_if = "Option::is_none")]
    geometry: Option<Geometry>,
}

/// Reads, explains and prints. A bad matrix is a usage error (exit 2); an unreadable file exit 1.
pub fn run(args: &ExplainArgs) -> Exit {
    let (source, text) = match (&args.file, &args.matrix) {
        (Some(path), _) => match read_matrix_file(path) {
            Ok(text) => (path.display().to_string(), text),
            Err((e, exit)) => {
                eprintln!("{}", output::error_line(path, &e));
                return exit;
            }
        },
        (None, Some(m)) => (quoted(m), m.clone()),
        (None, None) => unreachable!("clap requires MATRIX or --file"),
    };
    let explanation = parse_matrix(&text).and_then(|w| explain(&w, usize::from(args.rank)));
    let e = match explanation {
        Ok(e) => e,
        Err(err) => {
            eprintln!("error: {source}: {err}");
            return Exit::Usage;
        }
    };
    if let Err(exit) = write_geometry(&e, args) {
        return exit;
    }
    let out = if args.json {
        output::json_line(&ExplainJson {
            schema: "svdimg.explain/1",
            explanation: &e,
            geometry: geometry(&e).ok(),
        }) + "\n"
    } else {
        e.render_text(usize::from(args.digits))
    };
    output::print_stdout(&out);
    Exit::Success
}

/// Draws the geometry of a 2×2 explanation to `--plot` and `--gif`. Another shape or an
/// unknown plot format is a usage error (exit 2), an output that cannot be written a failure
/// (exit 1); outputs are checked before either is drawn.
fn write_geometry(e: &Explanation, args: &ExplainArgs) -> Result<(), Exit> {
    let outputs: Vec<&Path> = [&args.plot, &args.gif, &args.html]
        .into_iter()
        .flatten()
        .map(|p| p.as_path())
        .collect();
    let Some(&first) = outputs.first() else {
        return Ok(());
    };
    let overwrite = super::convert::overwrite(args.force);
    let usage = |path: &Path, err: &dyn std::fmt::Display| {
        eprintln!("error: {}: {err}", path.display());
        Exit::Usage
    };
    let g = geometry(e).map_err(|err| usage(first, &err))?;
    let format = match &args.plot {
        Some(path) => Some(PlotFormat::from_path(path).map_err(|err| usage(path, &err))?),
        None => None,
    };
    let mut distinct = outputs.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < outputs.len() {
        return Err(usage(
            first,
            &"--plot, --gif and --html must be different files",
        ));
    }
    for path in &outputs {
        svdimg::encode::check_output(None, path, overwrite).map_err(|err| run::fail(path, &err))?;
    }
    let digits = usize::from(args.digits);
    if let (Some(path), Some(format)) = (&args.plot, format) {
        let drawn = geometry_plot(&g, digits, format).map_err(|err| run::fail(path, &err))?;
        write_plot(&drawn, path, overwrite).map_err(|err| run::fail(path, &err))?;
    }
    if let Some(path) = &args.gif {
        let written = geometry_gif(&g, digits)
            .and_then(|bytes| svdimg::encode::write_bytes(path, overwrite, &bytes));
        written.map_err(|err| run::fail(path, &err))?;
    }
    if let Some(path) = &args.html {
        let made_by = format!("made by {}", super::html::command_line());
        let page = geometry_page(&g, digits, &made_by);
        let written = svdimg::encode::write_bytes(path, overwrite, page.as_bytes());
        written.map_err(|err| run::fail(path, &err))?;
    }
    Ok(())
}

/// The matrix argument as it appears in an error line: quoted, escaped onto one line, shortened.
fn quoted(m: &str) -> String {
    const KEEP: usize = 40;
    if m.chars().count() > KEEP {
        let head: String = m.chars().take(KEEP).collect();
        format!("matrix {:?}", head + "…")
    } else {
        format!("matrix {m:?}")
    }
}

/// The file's text (bytes that are not UTF-8 become U+FFFD and fail to parse as numbers).
fn read_matrix_file(path: &std::path::Path) -> Result<String, (svdimg::Error, Exit)> {
    let io = |source| {
        let action = "cannot read".to_string();
        (svdimg::Error::Io { action, source }, Exit::Failure)
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        let e = svdimg::Error::Parameter("is a directory, not a matrix file".into());
        return Err((e, Exit::Failure));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let e = svdimg::Error::Parameter(format!(
            "larger than {} KiB: not a matrix of at most 8×8",
            MAX_FILE_BYTES / 1024
        ));
        return Err((e, Exit::Usage));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
