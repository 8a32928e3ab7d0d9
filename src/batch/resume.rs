//! Resuming a batch (`--skip-existing`): which inputs already have their output.
//!
//! Every output is written to a temporary file (`.svdimg-*.tmp`) in the output folder, flushed to
//! disk (`fsync`) and only then renamed into place (see [`crate::encode::write_atomically`]). A
//! rename is atomic, so a file under an output's name is always a complete output: a batch
//! stopped by a crash, a kill or Ctrl-C leaves whole outputs and, at worst, stray temporary
//! files, never a partial output under the real name. A re-run with `--skip-existing` therefore
//! skips exactly the inputs whose output exists and does the rest.
//!
//! The output's name is found before compressing: `{stem}`, `{name}` and `{ext}` from the input
//! and the options; `{rank}` from a fixed rank (`-k 50`, `-k 10%`) and the image's header (the
//! rank is clamped to the smaller side); with `--energy`, `--psnr` or `--ratio` the rank comes
//! from the singular values, so any rank tag matches (`photo.k*.png`). `{color}` and `{method}`
//! match any colour mode or method name.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::naming::{fill_template, name_matches, OutputTarget, Piece, DEFAULT_NAME};
use crate::options::CompressOptions;

/// Finds existing outputs, listing each output folder at most once (for names with wildcards).
#[derive(Debug, Default)]
pub(crate) struct ExistingOutputs {
    listings: Mutex<HashMap<PathBuf, std::sync::Arc<Vec<OsString>>>>,
}

impl ExistingOutputs {
    /// The existing output of `input` under `target`, if there is one. `dims` are the image's
    /// width and height from its header (`None` when unreadable: then nothing is skipped).
    pub(crate) fn find(
        &self,
        target: &OutputTarget,
        input: &Path,
        opts: &CompressOptions,
        dims: Option<(u32, u32)>,
    ) -> Option<PathBuf> {
        let (dir, template, ext) = match target {
            OutputTarget::File(p) => return p.is_file().then(|| p.clone()),
            OutputTarget::Dir(d) => (Some(d.as_path()), DEFAULT_NAME, "png"),
            OutputTarget::BesideInput => (None, DEFAULT_NAME, "png"),
            OutputTarget::Named { dir, template, ext } => {
                (dir.as_deref(), template.as_str(), ext.as_str())
            }
        };
        let dir = dir.map_or_else(
            || input.parent().unwrap_or(Path::new(".")).to_path_buf(),
            Path::to_path_buf,
        );
        let (w, h) = dims?;
        let fixed = opts
            .rank
            .fixed_rank(h as usize, w as usize)
            .map(|k| k.to_string());
        let pieces = fill_template(template, input, ext, |p| {
            (p == "rank").then(|| fixed.clone()).flatten()
        })
        .ok()?;
        if let [Piece::Text(name)] = pieces.as_slice() {
            let p = dir.join(name);
            return p.is_file().then_some(p);
        }
        // The listing is sorted: only the names that start with the known prefix are tried.
        let prefix: &[u8] = match pieces.first() {
            Some(Piece::Text(t)) => t.as_encoded_bytes(),
            _ => &[],
        };
        let listing = self.listing(&dir);
        let from = listing.partition_point(|n| n.as_encoded_bytes() < prefix);
        listing[from..]
            .iter()
            .take_while(|n| n.as_encoded_bytes().starts_with(prefix))
            .find(|n| name_matches(&pieces, n.as_encoded_bytes()))
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
    }

    fn listing(&self, dir: &Path) -> std::sync::Arc<Vec<OsString>> {
        let mut map = self.listings.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(dir.to_path_buf())
            .or_insert_with(|| {
                let mut names: Vec<OsString> = std::fs::read_dir(dir)
                    .map(|entries| {
                        entries
                            .filter_map(|e| e.ok().map(|e| e.file_name()))
                            .collect()
                    })
                    .unwrap_or_default();
                names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
                std::sync::Arc::new(names)
            })
            .clone()
    }
}
