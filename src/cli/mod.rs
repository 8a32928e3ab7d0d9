//! The command-line interface: clap definitions (this file), argument → options conversion
//! (`convert`), indicatif progress (`progress`) and text/JSON rendering (`output`).

pub mod compress;
pub mod convert;
pub mod decompress;
pub mod explain;
pub mod grid;
pub mod html;
pub mod info;
pub mod layers;
pub mod output;
pub mod progress;
pub mod rd;
pub mod spectrum;
pub mod truncate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compress images by truncated singular value decomposition.
#[derive(Debug, Parser)]
#[command(name = "svdimg", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compress images to a chosen rank and report energy, error, PSNR, SSIM and storage.
    Compress(CompressArgs),
    /// Walk through the SVD of a small matrix step by step, as one computes it on paper.
    Explain(explain::ExplainArgs),
    /// Show an image as a sum of rank-one layers: a sheet of layers and partial sums, and a
    /// GIF of the image building up from rank 1.
    Layers(layers::LayersArgs),
    /// A sheet of tiles at many ranks from one factorization, with their numbers and a plot.
    Grid(grid::GridArgs),
    /// Singular values of every channel and the ranks that reach given fractions of the energy.
    Spectrum(spectrum::SpectrumArgs),
    /// Write one self-contained HTML page with a live rank slider, charts and rank-one layers.
    Html(HtmlArgs),
    /// Decode a .svdz file to an image.
    Decompress(DecompressArgs),
    /// Describe a .svdz file: dimensions, colour mode, ranks, bytes per section, bits per pixel.
    Info(InfoArgs),
    /// Cut a .svdz file to a lower rank, without any SVD.
    Truncate(TruncateArgs),
    /// Rate–distortion table (and plot) of .svdz against JPEG and raw f32 factors.
    Rd(RdArgs),
}

impl Command {
    /// `--threads`, where the command has it.
    pub fn threads(&self) -> Option<u16> {
        match self {
            Command::Compress(a) => a.common.threads,
            Command::Explain(_) => None,
            Command::Layers(a) => a.common.threads,
            Command::Grid(a) => a.common.threads,
            Command::Spectrum(a) => a.common.threads,
            Command::Html(a) => a.common.threads,
            Command::Decompress(a) => a.file.threads,
            Command::Info(_) => None,
            Command::Truncate(_) => None,
            Command::Rd(a) => a.common.threads,
        }
    }
}

/// Exit codes: 0 success, 1 a file could not be processed, 2 bad usage (clap's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success = 0,
    /// At least one file could not be processed.
    Failure = 1,
    /// The command line was wrong.
    Usage = 2,
}

/// Sets the size of rayon's global pool (`--threads`).
pub fn set_threads(threads: Option<u16>) {
    #[cfg(feature = "parallel")]
    if let Some(n) = threads {
        // Fails only if the pool was built already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global();
    }
    #[cfg(not(feature = "parallel"))]
    let _ = threads;
}

/// Flags every command that factorizes shares.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Print the report as JSON on stdout (nothing else goes to stdout).
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// No progress bars and no warnings on stderr (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// SVD algorithm.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Randomized method: extra sketch columns, in percent of the rank (the sketch is
    /// k + max(10, k·P/100) columns).
    #[arg(long, value_name = "P", default_value_t = 10)]
    pub oversample: usize,
    /// Randomized method: power iterations (each reads the image twice and grows the Krylov
    /// basis by one sketch; more is more accurate).
    #[arg(long, value_name = "Q", default_value_t = 3)]
    pub power_iters: usize,
    /// Randomized method: seed of the random sketch (the same seed gives the same output).
    #[arg(long, value_name = "N", default_value_t = 0x5EED)]
    pub seed: u64,
    /// Which channels become matrices.
    #[arg(long, value_enum, default_value_t = ColorArg::Rgb)]
    pub color: ColorArg,
    /// Floating-point precision of the SVD.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
    /// What happens to an alpha channel: kept exactly, or compressed like the others.
    #[arg(long, value_enum, default_value_t = AlphaArg::Keep)]
    pub alpha: AlphaArg,
    /// Replace existing output files (the input is never replaced).
    #[arg(long, short)]
    pub force: bool,
    /// Refuse images with more pixels than this (checked from the header, before decoding).
    #[arg(long, value_name = "PIXELS", default_value_t = 100_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pixels: u64,
}

/// `svdimg compress`.
#[derive(Debug, Args)]
pub struct CompressArgs {
    /// Input images (read by content, not by extension) or folders of images; `-` reads one
    /// image from standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// How the rank is chosen (default: -k 50).
    #[command(flatten)]
    pub rank: RankArgs,
    /// Output file; its extension picks the format (.png .jpg .webp .bmp .tiff .gif, or .svdz
    /// for svdimg's compressed factors); `-` writes to standard output in --format.
    /// Default: <stem>.k<rank>.png beside the input.
    #[arg(short, long, value_name = "OUT", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Write outputs into this folder, named by --name.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// .svdz only: the quantization tolerance τ (`svdimg info` prints a file's). Default: chosen
    /// from the truncation error so quantization costs about 0.1 dB of PSNR. Two files made with
    /// one τ agree term for term, which is what `truncate` relies on.
    #[arg(long, value_name = "TAU", value_parser = parse_non_negative)]
    pub tolerance: Option<f64>,
    /// Output name template. Placeholders: {stem} (input name without extension), {name} (input
    /// file name), {rank} (the rank, or ranks joined by '-'), {ext} (--format), {color}, {method}.
    #[arg(long, value_name = "TEMPLATE", default_value = "{stem}.k{rank}.{ext}")]
    pub name: String,
    /// Output format for {ext} in --name and for `-o -` (standard output).
    #[arg(long, value_name = "FORMAT", default_value = "png",
          value_parser = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"])]
    pub format: String,
    /// Also read images in subfolders of folder inputs (folders are read one level by default).
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Memory that images in flight may use together, e.g. 4G, 512M (default: half the RAM).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `svdimg html`.
#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Output page. Default: <stem>.html beside the input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The slider's highest rank (clamped to min(width, height)).
    #[arg(long, value_name = "K", default_value_t = svdimg::html::DEFAULT_MAX_RANK as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rank: u32,
    /// Bits per stored singular-vector value: 16 (the page matches `compress`) or 8 (half the
    /// factor bytes, approximate pixels).
    #[arg(long, value_name = "BITS", default_value = "16", value_parser = ["8", "16"])]
    pub bits: String,
    /// Largest number of pixels the page redraws live; larger images are downscaled for the view
    /// (the full-size PSNR is still exact).
    #[arg(long, value_name = "PIXELS", default_value_t = svdimg::html::DEFAULT_VIEW_PIXELS as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub view_pixels: u64,
    /// Rank-one layers shown in the strip.
    #[arg(long, value_name = "N", default_value_t = svdimg::html::DEFAULT_LAYERS)]
    pub layers: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// The four ways of choosing a rank; at most one may be given.
#[derive(Debug, Args, Clone)]
#[group(multiple = false)]
pub struct RankArgs {
    /// Rank kept in every channel: a number (50) or a percentage of min(width, height) (10%).
    #[arg(short = 'k', long = "rank", value_name = "K", value_parser = parse_rank)]
    pub rank: Option<RankValue>,
    /// Smallest rank per channel that keeps this fraction of the energy (0 < F ≤ 1).
    #[arg(long, value_name = "F", value_parser = parse_energy)]
    pub energy: Option<f64>,
    /// Least storage whose predicted PSNR reaches this many dB (ranks allocated across channels).
    #[arg(long, value_name = "DB", value_parser = parse_positive)]
    pub psnr: Option<f64>,
    /// Best predicted quality storing at most samples / R values (ranks allocated across channels).
    #[arg(long, value_name = "R", value_parser = parse_positive)]
    pub ratio: Option<f64>,
    /// .svdz only: the best quality whose file fits in this many bytes (60000, 60k, 1.5M).
    #[arg(long, value_name = "BYTES", value_parser = parse_file_size)]
    pub size: Option<u64>,
    /// .svdz only: the best quality whose file fits in this many bits per pixel.
    #[arg(long, value_name = "BPP", value_parser = parse_positive)]
    pub bpp: Option<f64>,
}

/// Parses a file size: `60000`, `60k` (×1000), `1.5M` (×10⁶), `64KiB` (×1024), `2MiB`.
pub fn parse_file_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let (num, mult) = [
        ("kib", 1024.0),
        ("mib", 1024.0 * 1024.0),
        ("kb", 1e3),
        ("mb", 1e6),
        ("k", 1e3),
        ("m", 1e6),
        ("b", 1.0),
    ]
    .iter()
    .find_map(|&(suf, m)| lower.strip_suffix(suf).map(|n| (n.trim().to_string(), m)))
    .unwrap_or((lower.clone(), 1.0));
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{t}' is not a size (try 60000, 60k or 1.5M)"))?;
    let bytes = (v * mult).floor();
    if v.is_finite() && (1.0..1e15).contains(&bytes) {
        Ok(bytes as u64)
    } else {
        Err(format!("size must be at least 1 byte, got {t}"))
    }
}

fn parse_non_negative(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f.is_finite() && f >= 0.0 {
        Ok(f)
    } else {
        Err(format!("must be a number ≥ 0, got {s}"))
    }
}

/// Flags of the commands that read a .svdz file.
#[derive(Debug, Args, Clone)]
pub struct SvdzFileArgs {
    /// Print the report as JSON on stdout (nothing else goes to stdout).
    #[arg(long)]
    pub json: bool,
    /// No warnings on stderr (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace existing output files (the input is never replaced).
    #[arg(long, short)]
    pub force: bool,
    /// Refuse files that describe more pixels than this (checked from the header).
    #[arg(long, value_name = "PIXELS", default_value_t = 100_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pixels: u64,
    /// Worker threads (default: all cores); the decoded pixels do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// `svdimg decompress`.
#[derive(Debug, Args)]
pub struct DecompressArgs {
    /// The .svdz file.
    #[arg(value_name = "IN.svdz")]
    pub input: PathBuf,
    /// Output image; its extension picks the format (.png .jpg .webp .bmp .tiff .gif).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub file: SvdzFileArgs,
}

/// `svdimg info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The .svdz file.
    #[arg(value_name = "IN.svdz")]
    pub input: PathBuf,
    /// Print the description as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Refuse files that describe more pixels than this (checked from the header).
    #[arg(long, value_name = "PIXELS", default_value_t = 100_000_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pixels: u64,
}

/// `svdimg truncate`.
#[derive(Debug, Args)]
pub struct TruncateArgs {
    /// The .svdz file.
    #[arg(value_name = "IN.svdz")]
    pub input: PathBuf,
    /// Rank kept in every plane (planes of lower rank keep theirs).
    #[arg(short = 'k', long = "rank", value_name = "K",
          value_parser = clap::value_parser!(u32).range(0..))]
    pub rank: u32,
    /// The smaller .svdz file.
    #[arg(short, long, value_name = "OUT.svdz")]
    pub output: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub file: SvdzFileArgs,
}

/// `svdimg rd`.
#[derive(Debug, Args)]
pub struct RdArgs {
    /// The image.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Ranks to encode (comma-separated).
    #[arg(
        long,
        value_name = "K,K,…",
        value_delimiter = ',',
        default_value = "1,2,4,8,12,16,24,32,48,64,96,128,192"
    )]
    pub ranks: Vec<usize>,
    /// Bits per pixel at which .svdz (with --bpp) meets JPEG head to head (comma-separated).
    #[arg(
        long,
        value_name = "BPP,…",
        value_delimiter = ',',
        default_value = "0.5,1,2"
    )]
    pub at_bpp: Vec<f64>,
    /// Write the table as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Draw PSNR against bits per pixel as SVG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// A rank as typed: a count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankValue {
    /// `-k 50`
    Count(usize),
    /// `-k 10%`
    Percent(f64),
}

/// Parses `50` or `10%`.
pub fn parse_rank(s: &str) -> Result<RankValue, String> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("'{s}' is not a percentage (try 10%)"))?;
        if !(p > 0.0 && p <= 100.0) {
            return Err(format!("percentage must be in (0, 100], got {p}"));
        }
        return Ok(RankValue::Percent(p));
    }
    match s.parse::<usize>() {
        Ok(0) => Err("rank must be at least 1".into()),
        Ok(k) => Ok(RankValue::Count(k)),
        Err(_) => Err(format!(
            "'{s}' is not a rank (a whole number ≥ 1, or a percentage like 10%)"
        )),
    }
}

/// Parses a byte size: `4G`, `512M`, `100k`, or a plain number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let mult: u64 = match t[i..].to_ascii_lowercase().trim_end_matches(['b', 'i']) {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => return Err(format!("'{s}' is not a size (try 4G or 512M)")),
            };
            (&t[..i], mult)
        }
        None => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a size (try 4G or 512M)"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("size must be positive, got '{s}'"));
    }
    Ok((n * mult as f64) as u64)
}

fn parse_energy(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f > 0.0 && f <= 1.0 {
        Ok(f)
    } else if f > 1.0 && f <= 100.0 {
        Err(format!(
            "energy must be in (0, 1], got {s} (for {s} %, write {})",
            (f * 1e10).round() / 1e12
        ))
    } else {
        Err(format!("energy must be in (0, 1], got {s}"))
    }
}

fn parse_positive(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if f.is_finite() && f > 0.0 {
        Ok(f)
    } else {
        Err(format!("must be a positive number, got {s}"))
    }
}

/// `--method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Pick by shape and rank (the report says which ran and why).
    Auto,
    /// faer's dense thin SVD: every singular value.
    Exact,
    /// faer's Krylov–Schur partial SVD: only the singular values kept.
    Partial,
    /// Halko–Martinsson–Tropp randomized SVD: only the singular values kept (seeded).
    Randomized,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// R, G and B as they are.
    Rgb,
    /// One plane, BT.601 luma; greyscale output.
    Luma,
    /// Full-range BT.601 Y, Cb, Cr (as JPEG); RGB output.
    Ycbcr,
}

/// `--precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// Single precision.
    F32,
    /// Double precision.
    F64,
}

/// `--alpha`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlphaArg {
    /// Copy alpha to the output exactly.
    Keep,
    /// Compress alpha as one more channel.
    Compress,
}
