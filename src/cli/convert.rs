//! Arguments → library options, once. The only code that knows both clap's types and the
//! library's.

use svdimg::{
    AlphaMode, ColorMode, CompressOptions, DecodeLimits, FactorizeOptions, Method, Overwrite,
    Precision, RandomizedParams, RankSelect,
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
