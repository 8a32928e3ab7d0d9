//! The integration tests, as one test binary (one to compile and link instead of one per file).
//! Each module is one subject; `common` is the harness they share. The real-browser test of
//! `svdimg html` is a binary of its own, `tests/browser/`, using the same harness.

mod common;

mod address_space;
mod blocks;
mod cli_batch;
mod cli_compress;
mod cli_hostile;
mod container;
mod denoise;
mod explain;
mod geometry;
mod golden;
mod grid;
mod html;
mod layers;
mod linear_algebra;
mod manual;
mod methods;
mod privacy;
mod rd;
mod scale_out;
mod sharding;
mod spectrum;
mod summarize;
mod truncated;
