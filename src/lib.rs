//! # svdimg
//!
//! Compress images by truncated singular value decomposition.
//!
//! An image is split into one matrix per channel ([`planes`]), each matrix is factorized with
//! faer's SVD ([`factorize`]), the top singular values are kept ([`rank`]), and the image is
//! rebuilt from them ([`reconstruct`]) and measured ([`metrics`]). The library never prints:
//! progress goes through the [`Progress`] trait and results come back as data ([`report`]).
//!
//! ```
//! use svdimg::{compress_image, CompressOptions, NoProgress, RankSelect};
//!
//! # fn main() -> Result<(), svdimg::Error> {
//! // A 64×48 gradient: smooth, so a handful of singular values describe it well.
//! let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
//!     image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
//! }));
//! let out = compress_image(&img, &CompressOptions::with_rank(RankSelect::Rank(2)), &NoProgress)?;
//! assert_eq!(out.report.channels.len(), 3);
//! assert!(out.report.psnr.unwrap_or(f64::INFINITY) > 40.0);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

// The core stages (`stages/`), and the compress command and batches built on them.
pub mod stages;
pub use stages::{decode, encode, factorize, metrics, planes, rank, rebuild, reconstruct};
pub mod address_space;
pub mod batch;
#[cfg(any(feature = "sheets", feature = "svdz"))]
mod colormap;
pub mod denoise;
pub mod error;
pub mod explain;
pub mod naming;
pub mod options;
mod parallel;
pub mod pipeline;
pub mod progress;
mod random;
pub mod report;
mod simd;

// Features built on the core, each behind its Cargo feature.
#[cfg(feature = "sheets")]
pub mod animation;
#[cfg(feature = "svdz")]
pub mod container;
#[cfg(feature = "sheets")]
mod draw;
#[cfg(all(feature = "sheets", feature = "plots"))]
pub mod grid;
#[cfg(feature = "html")]
pub mod html;
#[cfg(feature = "sheets")]
pub mod layers;
#[cfg(feature = "plots")]
pub mod plot;
#[cfg(any(feature = "sheets", feature = "html"))]
pub mod resample;
#[cfg(feature = "plots")]
pub mod spectrum;

pub use decode::{decode_bytes, decode_file, DecodeLimits, Decoded};
pub use encode::{write_image, OutputFormat, Overwrite};
pub use error::{Error, Result};
pub use factorize::{
    factorize_image, factorize_plane, FactorizeOptions, Factorized, Factors, Method, Precision,
    RandomizedParams, Schedule,
};
pub use naming::OutputTarget;
pub use options::CompressOptions;
pub use pipeline::{compress_file, compress_image, Compressed};
pub use planes::{AlphaHandling, AlphaMode, ColorMode, Layout, Planes};
pub use progress::{NoProgress, Progress, Stage};
pub use rank::{RankChoice, RankSelect};
pub use rebuild::{rebuild, Rebuilt};
pub use report::{ChannelReport, CompressReport, ReportHeader, SvdRun, Timings};
