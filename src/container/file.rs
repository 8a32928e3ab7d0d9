//! The `.svdz` commands on files: `decompress` (a file → an image), `info` (what a file holds)
//! and `truncate` (a file → a lower-rank file, without any SVD).

use std::path::Path;

use serde::Serialize;

use super::blocks::{self, BlockFile, BlockInfo, Keep};
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
    /// Format version of the file read: 1 (whole-image factors) or 2 (blocks).
    pub version: u8,
    /// Version 1: the rank of every plane (empty for version 2).
    pub ranks: Vec<u32>,
    /// Version 2: the rank-one terms of every plane, all blocks together (empty for version 1).
    pub terms: Vec<usize>,
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
    pub file: SvdzInfo,
    /// Things the user should know (a byte budget below the file without any term).
    pub warnings: Vec<String>,
}

/// What `info` says of a file: version 1 ([`FileInfo`], schema `svdimg.info/2`) or version 2
/// ([`BlockInfo`], schema `svdimg.info/3`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SvdzInfo {
    /// Whole-image factors.
    Global(FileInfo),
    /// Blocks.
    Blocks(BlockInfo),
}

/// How far `truncate` cuts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TruncateTo {
    /// Version 1: this rank in every plane; version 2: at most this many terms in every block.
    Rank(usize),
    /// Version 2 only: the most valuable terms whose file fits in this many bytes.
    Bytes(u64),
    /// Version 2 only: as `Bytes`, in bits per pixel.
    BitsPerPixel(f64),
}

/// A file read whole: either version.
enum AnyFile {
    Global(Container),
    Blocks(BlockFile),
}

fn read_any(input: &Path, limits: &DecodeLimits) -> Result<(AnyFile, usize)> {
    let bytes = read_bounded(input, limits)?;
    let file = if blocks::is_block_file(&bytes) {
        AnyFile::Blocks(BlockFile::parse(&bytes, limits)?.file)
    } else {
        AnyFile::Global(Container::decode(&bytes, limits)?)
    };
    Ok((file, bytes.len()))
}

fn describe(bytes: &[u8], limits: &DecodeLimits, file: Option<String>) -> Result<SvdzInfo> {
    Ok(if blocks::is_block_file(bytes) {
        SvdzInfo::Blocks(BlockInfo::new(
            &BlockFile::parse(bytes, limits)?,
            bytes.len(),
            file,
        ))
    } else {
        SvdzInfo::Global(FileInfo::new(
            &Container::parse(bytes, limits)?,
            bytes.len(),
            file,
        ))
    })
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
    let (read, decode_ms) = timed(|| read_any(input, &opts.limits));
    progress.end(Stage::Decode);
    let (file, input_bytes) = read?;
    progress.begin(Stage::Reconstruct, 1);
    let (image, reconstruct_ms) = timed(|| match &file {
        AnyFile::Global(c) => c.reconstruct(),
        AnyFile::Blocks(b) => b.reconstruct(),
    });
    progress.end(Stage::Reconstruct);
    progress.begin(Stage::Encode, 1);
    let (written, encode_ms) = timed(|| write_image(&image, output, opts.overwrite));
    progress.end(Stage::Encode);
    let warnings = written?;
    let input_name = Some(input.display().to_string());
    let (header, version, ranks, terms) = match &file {
        AnyFile::Global(c) => (
            ReportHeader {
                input: input_name,
                ..ReportHeader::of_layout(&c.header.layout())
            },
            super::VERSION,
            c.header.ranks.clone(),
            Vec::new(),
        ),
        AnyFile::Blocks(b) => (
            blocks::report_header(b, input_name),
            blocks::VERSION,
            Vec::new(),
            b.terms(),
        ),
    };
    Ok(DecompressReport {
        schema: "svdimg.decompress/2",
        header,
        output: Some(output.display().to_string()),
        version,
        ranks,
        terms,
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

/// Describes the `.svdz` file `input`: dimensions, colour mode, ranks or blocks, bytes per
/// section.
pub fn info_file(input: &Path, limits: &DecodeLimits) -> Result<SvdzInfo> {
    let bytes = read_bounded(input, limits)?;
    describe(&bytes, limits, Some(input.display().to_string()))
}

/// Describes the version-2 file `input` as [`info_file`] does, reading it once, and draws where
/// its bits went (its first plane's terms per block, see [`blocks::rank_map_image`]) into the
/// image file `map`.
pub fn info_with_rank_map(input: &Path, map: &Path, opts: &SvdzFileOptions) -> Result<SvdzInfo> {
    OutputFormat::from_path(map)?;
    check_output(Some(input), map, opts.overwrite)?;
    let bytes = read_bounded(input, &opts.limits)?;
    if !blocks::is_block_file(&bytes) {
        return Err(Error::Parameter(
            "a rank map needs a version-2 (block) file; version 1 has one rank per plane".into(),
        ));
    }
    let parsed = BlockFile::parse(&bytes, &opts.limits)?;
    write_image(&blocks::rank_map_image(&parsed.file), map, opts.overwrite)
        .map_err(Error::about(map))?;
    let name = Some(input.display().to_string());
    Ok(SvdzInfo::Blocks(BlockInfo::new(&parsed, bytes.len(), name)))
}

/// Cuts the `.svdz` file `input` as `to` says and writes the result to `output`, which must end
/// in `.svdz`. No SVD runs. Version 1: rank `k` in every plane (planes of lower rank keep
/// theirs), the file's first terms. Version 2: the least valuable terms of the whole image go
/// first, each block keeping a prefix of its terms (see [`blocks::truncate`]). A byte budget
/// below the smallest possible file writes that file; the caller compares sizes.
pub fn truncate_file(
    input: &Path,
    output: &Path,
    to: TruncateTo,
    opts: &SvdzFileOptions,
) -> Result<TruncateReport> {
    if !is_svdz_path(output) {
        return Err(Error::Parameter(format!(
            "output {} must end in .svdz",
            output.display()
        )));
    }
    check_output(Some(input), output, opts.overwrite)?;
    let (file, _) = read_any(input, &opts.limits)?;
    let input_name = Some(input.display().to_string());
    let mut warnings = Vec::new();
    let (header, bytes) = match file {
        AnyFile::Global(container) => {
            let TruncateTo::Rank(rank) = to else {
                return Err(Error::Parameter(
                    "a version-1 (--global) file is truncated by rank (-k); --size and --bpp \
                     need a version-2 file"
                        .into(),
                ));
            };
            let ranks = vec![rank; container.planes.len()];
            let header = ReportHeader {
                input: input_name,
                ..ReportHeader::of_layout(&container.header.layout())
            };
            (header, container.truncated(&ranks).encode()?)
        }
        AnyFile::Blocks(b) => {
            let keep = match to {
                TruncateTo::Rank(k) => Keep::Rank(k),
                TruncateTo::Bytes(n) => Keep::Bytes(n),
                TruncateTo::BitsPerPixel(bpp) => Keep::Bytes(
                    (bpp * f64::from(b.width) * f64::from(b.height) / 8.0).floor() as u64,
                ),
            };
            let bytes = blocks::truncate(&b, keep)?.1;
            if let Keep::Bytes(budget) = keep {
                if bytes.len() as u64 > budget {
                    warnings.push(format!(
                        "even the file without any term ({} bytes) exceeds the budget of \
                         {budget} bytes",
                        bytes.len()
                    ));
                }
            }
            (blocks::report_header(&b, input_name), bytes)
        }
    };
    write_bytes(output, opts.overwrite, &bytes)?;
    Ok(TruncateReport {
        schema: "svdimg.truncate/1",
        header,
        output: Some(output.display().to_string()),
        file: describe(&bytes, &opts.limits, Some(output.display().to_string()))?,
        warnings,
    })
}
