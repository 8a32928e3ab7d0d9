//! The core stages of the pipeline, one per module: decode → planes → factorize → rank →
//! reconstruct (rebuild: reconstruct and measure at chosen ranks) → metrics → encode. Everything
//! else in the crate (compress, batches, grids, layers, pages, the container) is built on these.

mod complete;
pub mod decode;
pub mod encode;
pub mod factorize;
pub mod metrics;
pub mod planes;
pub mod rank;
pub mod rebuild;
pub mod reconstruct;
pub(crate) mod ssim;
