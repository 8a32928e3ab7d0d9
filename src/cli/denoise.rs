//! `svdimg denoise`: remove noise by low rank (patch groups, or one global SVD to compare), with
//! seeded noise for teaching and PSNR/SSIM against a reference.

use std::fmt::Write as _;

use svdimg::denoise::{
    denoise_file, DenoiseMethod, DenoiseOptions, DenoiseReport, DenoiseSettings,
};

use super::denoise_args::{DenoiseArgs, DenoiseMethodArg};
use super::run::{run_and_emit, EmitFlags};
use super::{output, Exit};

/// The library's options for these arguments.
#[must_use]
pub fn denoise_options(args: &DenoiseArgs) -> DenoiseOptions {
    let method = match args.method {
        DenoiseMethodArg::Patch => DenoiseMethod::Patch,
        DenoiseMethodArg::Global => DenoiseMethod::Global,
    };
    let tuned = [
        args.iterations,
        args.step,
        args.group,
        args.patch,
        args.stages.map(u16::from),
    ];
    // Without σ the defaults depend on the estimate: only fix them when something was given.
    let patch = tuned.iter().any(Option::is_some).then(|| {
        let sigma = args.sigma.or(args.add_noise).unwrap_or(25.0);
        let mut p = svdimg::denoise::PatchParams::for_sigma(sigma);
        let set = |v: Option<u16>, field: &mut usize| {
            if let Some(v) = v {
                *field = usize::from(v);
            }
        };
        set(args.iterations, &mut p.iterations);
        set(args.step, &mut p.step);
        set(args.group, &mut p.group);
        set(args.patch, &mut p.patch);
        if let Some(n) = args.stages {
            p.second_stage = n == 2;
        }
        p
    });
    DenoiseOptions {
        settings: DenoiseSettings {
            method,
            sigma: args.sigma,
            patch,
        },
        add_noise: args.add_noise,
        seed: args.seed,
        reference: args.reference.clone(),
        sheet: args.sheet.clone(),
        limits: super::convert::limits(args.max_pixels),
        overwrite: super::convert::overwrite(args.force),
    }
}

/// Denoising frees and allocates many row-sized buffers on every thread over a long run; mimalloc
/// by default keeps freed pages for 10 ms and commits whole arenas, which showed as a peak RSS
/// about 20 % above the live data (2.1 MP: 215 MB, 181 MB with these options set here, same
/// time; 162 MB with both set through the environment before the first allocation, when the
/// first arena is mapped lazily too). The other commands keep the defaults (grid and batch gain
/// from the reuse).
fn return_freed_memory_at_once() {
    // mimalloc.h's mi_option_arena_eager_commit and mi_option_purge_delay.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option is a plain store mimalloc reads when it next purges or maps an
    // arena; any value is valid for these two.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// Runs `denoise`.
pub fn run(args: &DenoiseArgs) -> Exit {
    return_freed_memory_at_once();
    let opts = denoise_options(args);
    super::run::install_interrupt_handler();
    let flags = EmitFlags {
        json: args.json,
        quiet: args.quiet,
        report: args.report.as_deref(),
        overwrite: opts.overwrite,
    };
    run_and_emit(
        &args.input,
        &flags,
        |progress| denoise_file(&args.input, &args.output, &opts, progress),
        |r| &r.warnings,
        denoise_text,
    )
}

/// The report as text.
#[must_use]
pub fn denoise_text(r: &DenoiseReport) -> String {
    let mut s = String::new();
    let h = &r.header;
    let _ = writeln!(
        s,
        "{} -> {}\n  {}×{} {}, {}-bit; method {}",
        h.input.as_deref().unwrap_or("-"),
        r.output,
        h.width,
        h.height,
        h.color.name(),
        h.bit_depth,
        r.method.name()
    );
    if let Some(n) = &r.noise_added {
        let _ = writeln!(s, "  added noise: σ {} (seed {})", n.sigma, n.seed);
    }
    let _ = writeln!(
        s,
        "  σ {:.2} ({}; estimated from the input: {:.2})",
        r.sigma, r.sigma_source, r.sigma_estimated
    );
    if let (Some(p), Some(g)) = (&r.patch, &r.groups) {
        let _ = writeln!(
            s,
            "  {} groups of {} patches {}×{}, step {}, {} passes; terms kept per group: mean {:.2}, \
             max {}, none in {:.0} %",
            g.groups,
            p.group,
            p.patch,
            p.patch,
            p.step,
            p.iterations,
            g.mean,
            g.max,
            100.0 * g.zero_fraction
        );
    }
    if let Some(k) = &r.global_ranks {
        let _ = writeln!(s, "  ranks kept per channel: {k:?}");
    }
    if let (Some(n), Some(d)) = (&r.noisy, &r.denoised) {
        let db = |p: Option<f64>| p.map_or("∞".into(), |p| format!("{p:.2}"));
        let ss = |p: Option<f64>| p.map_or("–".into(), |p| format!("{p:.4}"));
        let _ = writeln!(
            s,
            "  against {}: noisy {} dB, SSIM {}; denoised {} dB, SSIM {}",
            r.reference.as_deref().unwrap_or("-"),
            db(n.psnr),
            ss(n.ssim),
            db(d.psnr),
            ss(d.ssim)
        );
    }
    if let Some(sheet) = &r.sheet {
        let _ = writeln!(s, "  sheet: {sheet}");
    }
    s + &output::timings_line(&r.timings_ms)
}
