//! The `.svdz` commands on files: `decompress` (a file → an image), `info` (what a file holds)
//! and `truncate` (a file → a lower-rank file, without any SVD).

use std::path::Path;

use serde::Serialize;

use super::{is_svdz_path, read_bounded, Container, FileInfo};
use crate::error::{Error, Result};
use crate::progress::{timed, Progress, Stage};
use crate::report::{ReportHeader, Timings};
use crate::stages::decode::DecodeLimits;
use crate::stages::encode::{check_output, write_bytes, write_image, OutputFormat, Overwrite};

/// Everything that decides how a `.svdz` file is read and what may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SvdzFileOptions {
    /// Files describing more pixels than this are refused (checked from the header).
    ///
    /// Default: 100 megapixels.
    pub limits: DecodeLimits,
    /// Whether an existing output is replaced (the input never is).
    ///
    /// Default: `Overwrite::Never`.
    pub overwrite: Overwrite,
}

/// What `decompress` reports (JSON schema `svdimg.decompress/2`).
#[derive(Debug, Clone, Serialize)]
pub struct DecompressReport {
    /// `"svdimg.decompress/2"`.
    pub schema: &'static str,
    /// The file read and the image it holds.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The image written.
    pub output: Option<String>,
    /// The rank of every plane.
    pub ranks: Vec<u32>,
    /// Bytes of the `.svdz` file.
    pub input_bytes: usize,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// Milliseconds: decode (reading and parsing the file), reconstruct, encode.
    pub timings_ms: Timings,
}

/// What `truncate` reports (JSON schema `svdimg.truncate/1`): the file read, and a description
/// of the file written.
#[derive(Debug, Clone, Serialize)]
pub struct TruncateReport {
    /// `"svdimg.truncate/1"`.
    pub schema: &'static str,
    /// The file read and the image it holds.
    #[serde(flatten)]
    pub header: ReportHeader,
    /// The file written.
    pub output: Option<String>,
    /// The file written, as `info` describes it.
    pub file: FileInfo,
}

/// Reads a whole `.svdz` file within `limits` and parses it; returns it with its size in bytes.
fn read_container(input: &Path, limits: &DecodeLimits) -> Result<(Container, usize)> {
    let bytes = read_bounded(input, limits)?;
    Ok((Container::decode(&bytes, limits)?, bytes.len()))
}

/// Decodes the `.svdz` file `input` and writes the image it holds to `output` (its extension
/// picks the format).
pub fn decompress_file(
    input: &Path,
    output: &Path,
    opts: &SvdzFileOptions,
    progress: &dyn Progress,
) -> Result<DecompressReport> {
    OutputFormat::from_path(output)?;
    check_output(Some(input), output, opts.overwrite)?;
    progress.begin(Stage::Decode, 1);
    let (read, decode_ms) = timed(|| read_container(input, &opts.limits));
    progress.end(Stage::Decode);
    let (container, input_bytes) = read?;
    progress.begin(Stage::Reconstruct, 1);
    let (image, reconstruct_ms) = timed(|| container.reconstruct());
    progress.end(Stage::Reconstruct);
    progress.begin(Stage::Encode, 1);
    let (written, encode_ms) = timed(|| write_image(&image, output, opts.overwrite));
    progress.end(Stage::Encode);
    let warnings = written?;
    let h = &container.header;
    Ok(DecompressReport {
        schema: "svdimg.decompress/2",
        header: ReportHeader {
            input: Some(input.display().to_string()),
            ..ReportHeader::of_layout(&h.layout())
        },
        output: Some(output.display().to_string()),
        ranks: h.ranks.clone(),
        input_bytes,
        warnings,
        timings_ms: Timings {
            decode: Some(decode_ms),
            reconstruct: Some(reconstruct_ms),
            encode: Some(encode_ms),
            ..Timings::default()
        },
    })
}

/// Describes the `.svdz` file `input`: dimensions, colour mode, ranks, bytes per section.
pub fn info_file(input: &Path, limits: &DecodeLimits) -> Result<FileInfo> {
    let bytes = read_bounded(input, limits)?;
    let parsed = Container::parse(&bytes, limits)?;
    Ok(FileInfo::new(
        &parsed,
        bytes.len(),
        Some(input.display().to_string()),
    ))
}

/// Cuts the `.svdz` file `input` to rank `rank` in every plane (planes of lower rank keep
/// theirs) and writes the result to `output`, which must end in `.svdz`. No SVD runs: the
/// terms kept are the file's first ones.
pub fn truncate_file(
    input: &Path,
    output: &Path,
    rank: usize,
    opts: &SvdzFileOptions,
) -> Result<TruncateReport> {
    if !is_svdz_path(output) {
        return Err(Error::Parameter(format!(
            "output {} must end in .svdz",
            output.display()
        )));
    }
    check_output(Some(input), output, opts.overwrite)?;
    let (container, _) = read_container(input, &opts.limits)?;
    let ranks = vec![rank; container.planes.len()];
    let bytes = container.truncated(&ranks).encode()?;
    write_bytes(output, opts.overwrite, &bytes)?;
    let parsed = Container::parse(&bytes, &opts.limits)?;
    Ok(TruncateReport {
        schema: "svdimg.truncate/1",
        header: ReportHeader {
            input: Some(input.display().to_string()),
            ..ReportHeader::of_layout(&container.header.layout())
        },
        output: Some(output.display().to_string()),
        file: FileInfo::new(&parsed, bytes.len(), Some(output.display().to_string())),
    })
}
