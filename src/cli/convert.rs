//! Arguments → library options, once. The only code that knows both clap's types and the
//! library's.

use svdimg::{
    AlphaMode, ColorMode, CompressOptions, DecodeLimits, Method, Overwrite, Precision,
    RandomizedParams, RankSelect,
};

use super::{AlphaArg, ColorArg, CommonArgs, MethodArg, PrecisionArg, RankArgs, RankValue};

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

/// Options for everything that factorizes.
pub fn compress_options(rank: RankSelect, c: &CommonArgs) -> CompressOptions {
    CompressOptions {
        rank,
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
        limits: DecodeLimits {
            max_pixels: c.max_pixels,
        },
        overwrite: if c.force {
            Overwrite::Replace
        } else {
            Overwrite::Never
        },
        ..CompressOptions::default()
    }
}
