//! Arguments → library options, once. The only code that knows both clap's types and the
//! library's.

use svdimg::{
    AlphaMode, ColorMode, CompressOptions, DecodeLimits, FactorizeOptions, Method, Overwrite,
    Precision, RandomizedParams, RankSelect,
};

use svdimg::animation::AnimationOptions;
use svdimg::container::rd::RdOptions;
use svdimg::container::{SvdzFileOptions, SvdzOptions};
use svdimg::grid::{GridOptions, RankList};
use svdimg::html::{Bits, HtmlOptions};
use svdimg::layers::{LayerView, LayersOptions};
use svdimg::spectrum::SpectrumOptions;

use super::args::{
    AlphaArg, ColorArg, CommonArgs, CompressArgs, GridArgs, HtmlArgs, LayerViewArg, LayersArgs,
    MethodArg, PrecisionArg, RankArgs, RdArgs, SpectrumArgs, SvdzFileArgs,
};
use super::parse::{RankListArg, RankValue};
use super::run::EmitFlags;

/// The rank selection the flags ask for (default: rank 50).
pub fn rank_select(r: &RankArgs) -> RankSelect {
    match (r.rank, r.energy, r.psnr, r.ratio) {
        (Some(RankValue::Count(k)), ..) => RankSelect::Rank(k),
        (Some(RankValue::Percent(p)), ..) => RankSelect::Percent(p),
        (_, Some(f), ..) => RankSelect::Energy(f),
        (_, _, Some(db), _) => RankSelect::Psnr(db),
        (_, _, _, Some(ratio)) => RankSelect::Ratio(ratio),
        _ => RankSelect::default(),
    }
}

/// The byte budget of `--size` / `--bpp`, if one was given.
pub fn budget(r: &RankArgs) -> Option<svdimg::container::Budget> {
    use svdimg::container::Budget;
    match (r.size, r.bpp) {
        (Some(b), _) => Some(Budget::Bytes(b)),
        (_, Some(bpp)) => Some(Budget::BitsPerPixel(bpp)),
        _ => None,
    }
}

/// How the image becomes factors: colour, alpha, method and its tuning, precision.
pub fn factorize_options(c: &CommonArgs) -> FactorizeOptions {
    FactorizeOptions {
        method: match c.method {
            MethodArg::Auto => Method::Auto,
            MethodArg::Exact => Method::Exact,
            MethodArg::Partial => Method::Partial,
            MethodArg::Randomized => Method::Randomized,
        },
        randomized: RandomizedParams {
            oversample_percent: c.oversample,
            power_iters: c.power_iters,
            seed: c.seed,
        },
        precision: match c.precision {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        },
        color: match c.color {
            ColorArg::Rgb => ColorMode::Rgb,
            ColorArg::Luma => ColorMode::Luma,
            ColorArg::Ycbcr => ColorMode::YCbCr,
        },
        alpha: match c.alpha {
            AlphaArg::Keep => AlphaMode::Keep,
            AlphaArg::Compress => AlphaMode::Compress,
        },
        ..FactorizeOptions::default()
    }
}

/// `--max-pixels`.
pub fn limits(max_pixels: u64) -> DecodeLimits {
    DecodeLimits { max_pixels }
}

/// `--force`.
pub fn overwrite(force: bool) -> Overwrite {
    if force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    }
}

/// Options for `compress`.
pub fn compress_options(rank: RankSelect, c: &CommonArgs) -> CompressOptions {
    CompressOptions {
        rank,
        factorize: factorize_options(c),
        limits: limits(c.max_pixels),
        overwrite: overwrite(c.force),
    }
}

/// How reports go out: `--json`, `--quiet`, `--report`, `--force`.
pub fn emit_flags(c: &CommonArgs) -> EmitFlags<'_> {
    EmitFlags {
        json: c.json,
        quiet: c.quiet,
        report: c.report.as_deref(),
        overwrite: overwrite(c.force),
    }
}

/// How reports of the `.svdz` readers go out (they have no `--report`).
pub fn svdz_emit_flags(f: &SvdzFileArgs) -> EmitFlags<'static> {
    EmitFlags {
        json: f.json,
        quiet: f.quiet,
        report: None,
        overwrite: overwrite(f.force),
    }
}

/// Options for `compress -o photo.svdz`.
pub fn svdz_options(args: &CompressArgs, compress: CompressOptions) -> SvdzOptions {
    SvdzOptions {
        compress,
        tolerance: args.tolerance,
        budget: budget(&args.rank),
    }
}

/// Options for the block codec (`compress -o photo.svdz` without a rank or --global).
pub fn block_options(args: &CompressArgs) -> svdimg::container::blocks::BlockOptions {
    use svdimg::container::blocks::{BlockOptions, Target, DEFAULT_QUALITY, SIDES};
    let r = &args.rank;
    BlockOptions {
        target: match (r.quality, r.size, r.bpp) {
            (Some(q), ..) => Target::Quality(q),
            (_, Some(b), _) => Target::Bytes(b),
            (.., Some(bpp)) => Target::BitsPerPixel(bpp),
            _ => Target::Quality(DEFAULT_QUALITY),
        },
        sides: args.block_size.map_or_else(|| SIDES.to_vec(), |n| vec![n]),
    }
}

/// Options for `decompress` and `truncate`.
pub fn svdz_file_options(f: &SvdzFileArgs) -> SvdzFileOptions {
    SvdzFileOptions {
        limits: limits(f.max_pixels),
        overwrite: overwrite(f.force),
    }
}

/// Options for `grid`.
pub fn grid_options(args: &GridArgs) -> GridOptions {
    GridOptions {
        factorize: factorize_options(&args.common),
        ranks: match &args.ranks {
            RankListArg::Auto => RankList::Auto,
            RankListArg::List(v) => RankList::Fixed(v.iter().map(|&r| rank_value(r)).collect()),
        },
        columns: args.cols.map(usize::from),
        tile_width: args.tile_width,
        output: args.output.clone(),
        csv: args.csv.clone(),
        plot: args.plot.clone(),
        limits: limits(args.common.max_pixels),
        overwrite: overwrite(args.common.force),
    }
}

/// A rank as typed → the library's selection.
fn rank_value(r: RankValue) -> RankSelect {
    match r {
        RankValue::Count(k) => RankSelect::Rank(k),
        RankValue::Percent(p) => RankSelect::Percent(p),
    }
}

/// Options for `spectrum`.
pub fn spectrum_options(args: &SpectrumArgs) -> SpectrumOptions {
    SpectrumOptions {
        factorize: factorize_options(&args.common),
        plot: args.plot.clone(),
        csv: args.csv.clone(),
        limits: limits(args.common.max_pixels),
        overwrite: overwrite(args.common.force),
    }
}

/// Options for `layers`.
pub fn layers_options(args: &LayersArgs) -> LayersOptions {
    LayersOptions {
        factorize: factorize_options(&args.common),
        limits: limits(args.common.max_pixels),
        overwrite: overwrite(args.common.force),
        count: usize::from(args.count),
        tile: args.tile,
        view: match args.layer_view {
            LayerViewArg::Luma => LayerView::Luma,
            LayerViewArg::Channels => LayerView::Channels,
        },
        sheet: args.output.clone(),
        animation: args.gif.as_ref().map(|path| AnimationOptions {
            frames: usize::from(args.frames),
            max_rank: args.max_rank.map(|r| r as usize),
            size: args.gif_size,
            frame_ms: args.frame_ms,
            ..AnimationOptions::new(path.clone())
        }),
    }
}

/// Options for `html`; `command` is the command line the page shows.
pub fn html_options(args: &HtmlArgs, command: String) -> HtmlOptions {
    HtmlOptions {
        factorize: factorize_options(&args.common),
        limits: limits(args.common.max_pixels),
        overwrite: overwrite(args.common.force),
        max_rank: args.max_rank as usize,
        bits: if args.bits == "8" {
            Bits::Eight
        } else {
            Bits::Sixteen
        },
        view_pixels: usize::try_from(args.view_pixels).unwrap_or(usize::MAX),
        layers: args.layers,
        name: args.input.file_name().map_or_else(
            || args.input.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        command,
    }
}

/// Options for `rd`.
pub fn rd_options(args: &RdArgs) -> RdOptions {
    RdOptions {
        factorize: factorize_options(&args.common),
        ranks: args.ranks.clone(),
        at_bpp: args.at_bpp.clone(),
        csv: args.csv.clone(),
        plot: args.plot.clone(),
        limits: limits(args.common.max_pixels),
        overwrite: overwrite(args.common.force),
    }
}
