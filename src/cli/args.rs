//! The command line as clap parses it: every subcommand's arguments, with their help texts and
//! defaults. Nothing here runs anything; `convert` turns these into the library's options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use svdimg::animation::AnimationDefaults;
use svdimg::layers::LayersOptions;
use svdimg::{DecodeLimits, RandomizedParams};

/// The animation's defaults, as the library has them.
const GIF_DEFAULTS: AnimationDefaults = AnimationDefaults::DEFAULT;

use super::parse::{
    parse_block_side, parse_energy, parse_file_size, parse_non_negative, parse_positive,
    parse_quality, parse_rank, parse_rank_list, parse_shard, parse_size, RankListArg, RankValue,
};

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
    Explain(ExplainArgs),
    /// Show an image as a sum of rank-one layers: a sheet of layers and partial sums, and a
    /// GIF of the image building up from rank 1.
    Layers(LayersArgs),
    /// A sheet of tiles at many ranks from one factorization, with their numbers and a plot.
    Grid(GridArgs),
    /// Singular values of every channel and the ranks that reach given fractions of the energy.
    Spectrum(SpectrumArgs),
    /// Remove noise by low rank: groups of similar patches (or one global SVD, to compare).
    Denoise(super::denoise_args::DenoiseArgs),
    /// Write one self-contained HTML page with a live rank slider, charts and rank-one layers.
    Html(HtmlArgs),
    /// Decode a .svdz file to an image.
    Decompress(DecompressArgs),
    /// Describe a .svdz file: dimensions, colour mode, ranks, bytes per section, bits per pixel.
    Info(InfoArgs),
    /// Cut a .svdz file to a lower rank, without any SVD.
    Truncate(TruncateArgs),
    /// Rate–distortion table (and plot) of .svdz against JPEG (libjpeg-turbo), WebP (libwebp) and
    /// raw f32 factors.
    Rd(RdArgs),
    /// The summary table of batches from their JSON Lines (`compress --json` on many files),
    /// concatenated across shards and re-runs; exit 1 if a file failed.
    Summarize(SummarizeArgs),
    /// Print a shell completion script to standard output (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of svdimg or of one subcommand, or write them all to a folder.
    Man(ManArgs),
}

/// `svdimg summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// JSON Lines files written by `svdimg compress --json` on many files (`-`: standard input).
    /// An input found in several lines counts once: ok before skipped before error, else the last.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the counts and the failures as one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// `svdimg completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `svdimg man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (default: the page of svdimg itself).
    #[arg(value_name = "COMMAND", conflicts_with = "out_dir")]
    pub command: Option<String>,
    /// Write svdimg.1 and one svdimg-COMMAND.1 per subcommand into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
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
            Command::Denoise(a) => a.threads,
            Command::Html(a) => a.common.threads,
            Command::Decompress(a) => a.file.threads,
            Command::Info(_) => None,
            Command::Truncate(_) => None,
            Command::Rd(a) => a.common.threads,
            Command::Summarize(_) | Command::Completions(_) | Command::Man(_) => None,
        }
    }
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
    #[arg(long, value_name = "P", default_value_t = RandomizedParams::default().oversample_percent)]
    pub oversample: usize,
    /// Randomized method: power iterations (each reads the image twice and grows the Krylov
    /// basis by one sketch; more is more accurate).
    #[arg(long, value_name = "Q", default_value_t = RandomizedParams::default().power_iters)]
    pub power_iters: usize,
    /// Randomized method: seed of the random sketch (the same seed gives the same output).
    #[arg(long, value_name = "N", default_value_t = RandomizedParams::default().seed)]
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
    #[arg(long, value_name = "PIXELS", default_value_t = DecodeLimits::default().max_pixels,
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
    /// .svdz only: write a version-1 file, one truncated SVD of the whole image per plane (the
    /// image at rank k), instead of the block codec. Implied by -k, --energy, --psnr, --ratio
    /// and --tolerance.
    #[arg(long)]
    pub global: bool,
    /// .svdz only: the block codec's block side (4, 8, 16 or 32); default: the best of 4, 8 and
    /// 16 for each plane.
    #[arg(long, value_name = "N", conflicts_with = "global", value_parser = parse_block_side)]
    pub block_size: Option<usize>,
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
    /// Process only shard I of N (counted from 0, e.g. 3/16): a stable partition of the inputs
    /// by a hash of their paths relative to the folder given, the same on every machine. All N
    /// shards together process every input exactly once (see docs/scale-out.md).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<svdimg::batch::Shard>,
    /// Skip inputs whose output exists already (outputs are only ever renamed into place
    /// complete, so an existing one is whole): a re-run after a crash does only the rest.
    #[arg(long, conflicts_with = "force")]
    pub skip_existing: bool,
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
    /// .svdz only: the block codec's quality, 1–100, scaled like JPEG's (default 75).
    #[arg(long, value_name = "Q", value_parser = parse_quality)]
    pub quality: Option<f64>,
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
    #[arg(long, value_name = "PIXELS", default_value_t = DecodeLimits::default().max_pixels,
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
    #[arg(long, value_name = "PIXELS", default_value_t = DecodeLimits::default().max_pixels,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pixels: u64,
    /// Version 2: draw the terms each block got over the picture (an image file).
    #[arg(long, value_name = "MAP.png")]
    pub rank_map: Option<PathBuf>,
    /// Replace an existing --rank-map file.
    #[arg(short, long)]
    pub force: bool,
}

/// `svdimg truncate`.
#[derive(Debug, Args)]
#[group(id = "cut", required = true, multiple = false)]
pub struct TruncateArgs {
    /// The .svdz file.
    #[arg(value_name = "IN.svdz")]
    pub input: PathBuf,
    /// Version 1: the rank kept in every plane (planes of lower rank keep theirs); version 2:
    /// the most terms kept in any block.
    #[arg(short = 'k', long = "rank", value_name = "K", group = "cut",
          value_parser = clap::value_parser!(u32).range(0..))]
    pub rank: Option<u32>,
    /// Version 2: the most valuable terms whose file fits in this many bytes (60000, 60k).
    #[arg(long, value_name = "BYTES", group = "cut", value_parser = parse_file_size)]
    pub size: Option<u64>,
    /// Version 2: as --size, in bits per pixel.
    #[arg(long, value_name = "BPP", group = "cut", value_parser = parse_positive)]
    pub bpp: Option<f64>,
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
    /// Bits per pixel at which .svdz (with --bpp) meets JPEG and WebP head to head
    /// (comma-separated).
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

/// `svdimg explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The matrix W: rows separated by ';' (or newlines), entries by spaces or commas, at most
    /// 8×8. Example: "4 0; 3 5". Brackets are optional ("[[4, 0], [3, 5]]" works too).
    #[arg(
        value_name = "MATRIX",
        required_unless_present = "file",
        conflicts_with = "file",
        allow_hyphen_values = true
    )]
    pub matrix: Option<String>,
    /// Read the matrix from this text file instead (same syntax; one row per line works).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Rank k of the approximation A_k shown at the end (clamped to min(m, n)).
    #[arg(short = 'k', long = "rank", value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub rank: u16,
    /// Decimals shown in the text.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u8).range(0..=15))]
    pub digits: u8,
    /// Print every intermediate (Gram matrix, eigenvalues, U, Σ, V, the check, A_k) as JSON on
    /// stdout instead of the walk-through; numbers are full f64, not rounded.
    #[arg(long)]
    pub json: bool,
    /// 2×2 only: draw the geometry (unit circle → ellipse, an orthogonal pair and its image,
    /// the singular pair, A = UΣVᵀ step by step, A₁) as .svg or .png.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// 2×2 only: an animation (GIF) of the circle morphing through Vᵀ, Σ and U, then an
    /// orthogonal pair sweeping round until A keeps it orthogonal (at v₁, v₂).
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    /// 2×2 only: one self-contained HTML page where you drag x round the circle and watch A x
    /// and A y, their angle and lengths, snap to "orthogonal!" at v₁, v₂, and switch to A₁.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace existing output files.
    #[arg(long, short)]
    pub force: bool,
}

/// `svdimg grid`.
#[derive(Debug, Args)]
pub struct GridArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Ranks to show: numbers and percentages of min(width, height), comma-separated
    /// (1,5,10,20,50,100 or 5%,10%), or "auto" (energy milestones 50…99.9 % and percent steps).
    #[arg(long, value_name = "LIST", default_value = "auto", allow_hyphen_values = true,
          value_parser = parse_rank_list)]
    pub ranks: RankListArg,
    /// The sheet; its extension picks the format (.png .jpg .webp .bmp .tiff .gif).
    /// Default: <stem>.grid.png beside the input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Tiles per row (default: chosen for a sheet about 16:10 wide).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub cols: Option<u16>,
    /// Width of each tile in pixels (default: the image's width, kept within 160–320).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(64..=8192))]
    pub tile_width: Option<u32>,
    /// Also write the numbers of every rank as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also plot PSNR and SSIM against rank and storage ratio (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `svdimg spectrum`.
#[derive(Debug, Args)]
pub struct SpectrumArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Plot σᵢ per channel on a log scale with the energy kept on a second axis (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Write every singular value and the cumulative energy per channel as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `svdimg layers`.
#[derive(Debug, Args)]
pub struct LayersArgs {
    /// Input image (read by content, not by extension).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The sheet: the first layers σᵢuᵢvᵢᵀ over the partial sums A₁…A_count. Its extension picks
    /// the format (.png recommended).
    #[arg(short, long, value_name = "OUT", required_unless_present = "gif")]
    pub output: Option<PathBuf>,
    /// Layers (and partial sums) on the sheet.
    #[arg(short = 'n', long, value_name = "N", default_value_t = LayersOptions::default().count as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub count: u16,
    /// Each tile is fitted into a square of this many pixels (enlarged by whole factors when
    /// the image is small, so pixels stay exact).
    #[arg(long, value_name = "PX", default_value_t = LayersOptions::default().tile,
          value_parser = clap::value_parser!(u32).range(32..=1024))]
    pub tile: u32,
    /// How signed layers are shown: `luma` (one blue–white–red map per layer) or `channels`
    /// (the colour layer, each channel as 0.5 + x / (2·max |x|)).
    #[arg(long, value_enum, value_name = "VIEW", default_value_t = LayerViewArg::Luma)]
    pub layer_view: LayerViewArg,
    /// Also (or instead) write an animation of the image building up from rank 1 (a looping GIF).
    #[arg(long, value_name = "GIF")]
    pub gif: Option<PathBuf>,
    /// Frames in the animation (ranks spaced geometrically from 1).
    #[arg(long, value_name = "N", default_value_t = GIF_DEFAULTS.frames as u16, requires = "gif",
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub frames: u16,
    /// Rank of the last frame (default: full rank, min(width, height)).
    #[arg(long, value_name = "R", requires = "gif",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rank: Option<u32>,
    /// Each frame's picture is fitted into a square of this many pixels.
    #[arg(long, value_name = "PX", default_value_t = GIF_DEFAULTS.size, requires = "gif",
          value_parser = clap::value_parser!(u32).range(32..=4096))]
    pub gif_size: u32,
    /// Milliseconds each frame shows (the last one four times as long).
    #[arg(long, value_name = "MS", default_value_t = GIF_DEFAULTS.frame_ms, requires = "gif",
          value_parser = clap::value_parser!(u32).range(10..=60_000))]
    pub frame_ms: u32,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `--layer-view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayerViewArg {
    /// One signed field per layer (mean of R, G, B; Y for ycbcr), blue < 0 < red.
    Luma,
    /// The signed colour layer, every channel as 0.5 + x / (2·max |x|).
    Channels,
}
