//! `svdimg decompress`: a .svdz file → an image.

use std::time::Instant;

use serde::Serialize;
use svdimg::container::{read_bounded, Container};
use svdimg::{DecodeLimits, Overwrite};

use super::{output, DecompressArgs, Exit};

/// What `decompress` reports.
#[derive(Debug, Serialize)]
struct DecompressReport {
    schema: &'static str,
    input: String,
    output: String,
    width: u32,
    height: u32,
    color: &'static str,
    bit_depth: u8,
    ranks: Vec<u32>,
    input_bytes: usize,
    warnings: Vec<String>,
    timings_ms: Timings,
}

#[derive(Debug, Serialize)]
struct Timings {
    read: f64,
    reconstruct: f64,
    encode: f64,
}

/// Decodes one .svdz file and writes the image.
pub fn run(args: &DecompressArgs) -> Exit {
    match decompress(args) {
        Ok(r) => {
            if !args.file.quiet {
                for w in &r.warnings {
                    eprintln!("warning: {}: {w}", args.input.display());
                }
            }
            let text = if args.file.json {
                output::json_line(&r) + "\n"
            } else {
                format!(
                    "{} -> {}\n  {}×{} {}, {}-bit, ranks {:?}; read {:.0} ms, reconstruct {:.0} ms, encode {:.0} ms\n",
                    r.input, r.output, r.width, r.height, r.color, r.bit_depth, r.ranks,
                    r.timings_ms.read, r.timings_ms.reconstruct, r.timings_ms.encode
                )
            };
            output::print_stdout(&text);
            Exit::Success
        }
        Err(e) => {
            eprintln!("{}", output::error_line(&args.input, &e));
            Exit::Failure
        }
    }
}

fn decompress(args: &DecompressArgs) -> svdimg::Result<DecompressReport> {
    let overwrite = if args.file.force {
        Overwrite::Replace
    } else {
        Overwrite::Never
    };
    svdimg::OutputFormat::from_path(&args.output)?;
    svdimg::encode::check_output(Some(&args.input), &args.output, overwrite)?;
    let limits = DecodeLimits {
        max_pixels: args.file.max_pixels,
    };
    let t = Instant::now();
    let bytes = read_bounded(&args.input, &limits)?;
    let container = Container::decode(&bytes, &limits)?;
    let read = ms(t);
    let t = Instant::now();
    let image = container.render();
    let reconstruct = ms(t);
    let t = Instant::now();
    let warnings = svdimg::write_image(&image, &args.output, overwrite)?;
    let h = &container.header;
    Ok(DecompressReport {
        schema: "svdimg.decompress/1",
        input: args.input.display().to_string(),
        output: args.output.display().to_string(),
        width: h.width,
        height: h.height,
        color: h.color.name(),
        bit_depth: h.bit_depth,
        ranks: h.ranks.clone(),
        input_bytes: bytes.len(),
        warnings,
        timings_ms: Timings {
            read,
            reconstruct,
            encode: ms(t),
        },
    })
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
