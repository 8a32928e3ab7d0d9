//! Real photos for the benches: the files named in `SVDIMG_BENCH_PHOTOS` (paths separated by
//! `:`), which `scripts/bench-photos.sh` fetches (large JPEGs from Debian's wallpaper packages,
//! kept out of the repository for their size and licences). None when the variable is unset.

use std::path::PathBuf;

/// The photos named in `SVDIMG_BENCH_PHOTOS`, each with a short name for the bench id.
pub fn photos() -> Vec<(String, PathBuf)> {
    let Some(list) = std::env::var_os("SVDIMG_BENCH_PHOTOS") else {
        return Vec::new();
    };
    std::env::split_paths(&list)
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| {
            let stem = p
                .file_stem()
                .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
            let short: String = stem.chars().take(24).collect();
            (short, p)
        })
        .collect()
}
