//! Naming outputs: where a command writes ([`OutputTarget`]), output name templates
//! ([`render_name`]) and the rank part of names ([`rank_tag`]). Shared by single files and batches.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::CompressReport;
use crate::stages::encode::{check_output, OutputFormat, Overwrite};

/// The rank part of output names: `50`, or `10-12-9` when planes got different ranks.
#[must_use]
pub fn rank_tag(ranks: &[usize]) -> String {
    if ranks.windows(2).all(|w| w[0] == w[1]) {
        ranks.first().copied().unwrap_or(0).to_string()
    } else {
        ranks
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// Where `compress_file` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// This file; its extension picks the format.
    File(PathBuf),
    /// `<stem>.k<rank>.png` in this folder.
    Dir(PathBuf),
    /// `<stem>.k<rank>.png` beside the input.
    BesideInput,
    /// A name made from a template (see [`NAME_PLACEHOLDERS`]) once the ranks are
    /// known, in `dir` or beside the input; `{ext}` is `ext`.
    Named {
        /// The folder; `None`: beside the input.
        dir: Option<PathBuf>,
        /// The template, e.g. `{stem}.k{rank}.{ext}`.
        template: String,
        /// What `{ext}` stands for, e.g. `png`.
        ext: String,
    },
}

/// The default output name template.
pub const DEFAULT_NAME: &str = "{stem}.k{rank}.{ext}";

/// Placeholders of output name templates (`--name`).
pub const NAME_PLACEHOLDERS: &str =
    "{stem} (input name without extension), {name} (input file name), \
{rank} (the rank, or ranks joined by '-' when channels differ), {ext} (output extension), \
{color} (colour mode), {method} (SVD method)";

/// Fills a name template: see [`NAME_PLACEHOLDERS`]. The input's name is used byte for byte, so
/// names that are not UTF-8 stay as they are.
pub fn render_name(
    template: &str,
    input: &Path,
    report: &CompressReport,
    ext: &str,
) -> Result<std::ffi::OsString> {
    let ranks: Vec<usize> = report.channels.iter().map(|c| c.rank).collect();
    let method = report
        .header
        .svd
        .as_ref()
        .map_or("exact", |s| s.method.name());
    let pieces = fill_template(template, input, ext, |placeholder| {
        Some(match placeholder {
            "rank" => rank_tag(&ranks),
            "color" => report.header.color.name().to_string(),
            _ => method.to_string(),
        })
    })?;
    let mut out = std::ffi::OsString::new();
    for piece in pieces {
        if let Piece::Text(t) = piece {
            out.push(t);
        }
    }
    if template.contains('/') || out.is_empty() || out == "." || out == ".." {
        return Err(Error::Parameter(format!(
            "name template '{template}' must give a plain file name"
        )));
    }
    Ok(out)
}

/// A part of an output name as far as it is known before an image is compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Known text.
    Text(std::ffi::OsString),
    /// `{rank}` when the ranks come from the singular values: any rank tag (`12`, `10-12-9`).
    AnyRank,
    /// `{color}` or `{method}` before the image is read: one of these names.
    AnyOf(&'static [&'static str]),
}

/// Fills `template` for `input`: `{stem}`, `{name}` and `{ext}` here, `{rank}`, `{color}` and
/// `{method}` by `late` (given the placeholder's name; `None` leaves a wildcard piece).
pub(crate) fn fill_template(
    template: &str,
    input: &Path,
    ext: &str,
    mut late: impl FnMut(&str) -> Option<String>,
) -> Result<Vec<Piece>> {
    use std::ffi::OsStr;
    let stem = input.file_stem().unwrap_or(OsStr::new("image"));
    let name = input.file_name().unwrap_or(OsStr::new("image"));
    let mut out = Vec::new();
    let text = |t: &OsStr| Piece::Text(t.to_os_string());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push(text(OsStr::new(&rest[..open])));
        let close = rest[open..].find('}').ok_or_else(|| {
            Error::Parameter(format!("unclosed '{{' in name template '{template}'"))
        })?;
        let placeholder = &rest[open + 1..open + close];
        out.push(match placeholder {
            "stem" => text(stem),
            "name" => text(name),
            "ext" => text(OsStr::new(ext)),
            "rank" | "color" | "method" => match late(placeholder) {
                Some(v) => text(OsStr::new(&v)),
                None if placeholder == "rank" => Piece::AnyRank,
                None if placeholder == "color" => Piece::AnyOf(&["rgb", "luma", "ycbcr"]),
                None => Piece::AnyOf(&["exact", "partial", "randomized"]),
            },
            other => {
                return Err(Error::Parameter(format!(
                    "unknown placeholder {{{other}}} in name template (known: {NAME_PLACEHOLDERS})"
                )))
            }
        });
        rest = &rest[open + close + 1..];
    }
    out.push(text(OsStr::new(rest)));
    Ok(out)
}

/// Whether a file name matches pieces made by [`fill_template`].
pub(crate) fn name_matches(pieces: &[Piece], name: &[u8]) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return name.is_empty();
    };
    match first {
        Piece::Text(t) => name
            .strip_prefix(t.as_encoded_bytes())
            .is_some_and(|tail| name_matches(rest, tail)),
        Piece::AnyOf(words) => words.iter().any(|w| {
            name.strip_prefix(w.as_bytes())
                .is_some_and(|tail| name_matches(rest, tail))
        }),
        // Digits, then groups of '-' and digits: try every end of such a run.
        Piece::AnyRank => (1..=name.len()).any(|end| {
            let tag = &name[..end];
            let well_formed = tag
                .split(|&b| b == b'-')
                .all(|g| !g.is_empty() && g.iter().all(u8::is_ascii_digit));
            well_formed && name_matches(rest, &name[end..])
        }),
    }
}

/// Checks what can be checked of `target` before anything is computed: a named file's format
/// and that it may be written, a folder's existence.
pub(crate) fn check_target(
    target: &OutputTarget,
    input: &Path,
    overwrite: Overwrite,
) -> Result<()> {
    match target {
        OutputTarget::File(out) => {
            OutputFormat::from_path(out)?;
            check_output(Some(input), out, overwrite)?;
        }
        OutputTarget::Dir(dir) | OutputTarget::Named { dir: Some(dir), .. } if !dir.is_dir() => {
            return Err(Error::Parameter(format!(
                "output folder {} does not exist",
                dir.display()
            )));
        }
        _ => {}
    }
    Ok(())
}

/// The path `target` stands for once the report of `input` is known (templates need the ranks),
/// checked: a known format, and writable under `overwrite`.
pub(crate) fn resolve_target(
    target: &OutputTarget,
    input: &Path,
    report: &CompressReport,
    overwrite: Overwrite,
) -> Result<PathBuf> {
    let named = |dir: Option<&Path>, template: &str, ext: &str| -> Result<PathBuf> {
        let name = render_name(template, input, report, ext)?;
        let p = match dir {
            Some(d) => d.join(name),
            None => input.with_file_name(name),
        };
        OutputFormat::from_path(&p)?;
        check_output(Some(input), &p, overwrite)?;
        Ok(p)
    };
    match target {
        OutputTarget::File(p) => Ok(p.clone()),
        OutputTarget::Dir(dir) => named(Some(dir), DEFAULT_NAME, "png"),
        OutputTarget::BesideInput => named(None, DEFAULT_NAME, "png"),
        OutputTarget::Named { dir, template, ext } => named(dir.as_deref(), template, ext),
    }
}
