//! The `svdimg` binary: parse, convert to options, run, render, exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};

/// mimalloc keeps freed pages for reuse: `grid` and `batch` allocate and free full-size planes
/// many times over, and the system allocator returned each to the kernel, which then faulted
/// fresh zeroed pages in again for the next.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = cli::set_threads(cli.command.threads()) {
        eprintln!("error: {e}");
        return ExitCode::from(cli::Exit::Failure as u8);
    }
    let code = match &cli.command {
        Command::Compress(args) => cli::compress::run(args),
        Command::Explain(args) => cli::explain::run(args),
        Command::Layers(args) => cli::layers::run(args),
        Command::Grid(args) => cli::grid::run(args),
        Command::Spectrum(args) => cli::spectrum::run(args),
        Command::Denoise(args) => cli::denoise::run(args),
        Command::Html(args) => cli::html::run(args),
        Command::Decompress(args) => cli::decompress::run(args),
        Command::Info(args) => cli::info::run(args),
        Command::Truncate(args) => cli::truncate::run(args),
        Command::Rd(args) => cli::rd::run(args),
        Command::Summarize(args) => cli::summarize::run(args),
        Command::Completions(args) => cli::manual::completions(args),
        Command::Man(args) => cli::manual::man(args),
    };
    ExitCode::from(code as u8)
}
