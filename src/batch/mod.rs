//! Batch work: expanding folders into image files, naming outputs from a template, and running many
//! images in parallel with the memory in flight kept under a budget. Results come back per file,
//! in input order, whatever order they finished in, so batch output is deterministic.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::naming::OutputTarget;
use crate::options::CompressOptions;
use crate::pipeline::compress_file;
use crate::progress::Progress;
use crate::report::CompressReport;

mod resume;
pub mod shard;

pub use shard::{shard_key, Shard};

/// Inputs found by [`expand_inputs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Files to process, in the order given (folders sorted by name).
    pub files: Vec<PathBuf>,
    /// Each file's key for sharding (see [`shard`]): its path relative to the folder it was found
    /// in, or the path as given.
    pub keys: Vec<Vec<u8>>,
    /// Files inside folders that were skipped because they are not images.
    pub skipped: Vec<PathBuf>,
}

impl Inputs {
    /// Keeps the files of one shard (see [`shard`]), in their order.
    #[must_use]
    pub fn shard(self, shard: Shard) -> Inputs {
        let (files, keys) = self
            .files
            .into_iter()
            .zip(self.keys)
            .filter(|(_, k)| shard.contains(k))
            .unzip();
        Inputs {
            files,
            keys,
            skipped: self.skipped,
        }
    }
}

/// Expands the command line's inputs: files are kept as they are (a non-image file listed by name
/// is an error later, not a skip); folders contribute the image files directly inside them, or in
/// every subfolder too with `recursive`. Images are recognised by content.
pub fn expand_inputs(paths: &[PathBuf], recursive: bool) -> Result<Inputs> {
    let mut out = Inputs::default();
    for p in paths {
        if p.is_dir() {
            walk(p, p, recursive, &mut out)?;
        } else {
            out.keys.push(shard_key(p, None));
            out.files.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, recursive: bool, out: &mut Inputs) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            if recursive {
                walk(root, &p, recursive, out)?;
            }
        } else if looks_like_image(&p) {
            out.keys.push(shard_key(&p, Some(root)));
            out.files.push(p);
        } else {
            out.skipped.push(p);
        }
    }
    Ok(())
}

/// Whether the first bytes of a file are those of a format svdimg reads.
#[must_use]
pub fn looks_like_image(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    image::guess_format(&head[..n]).is_ok_and(|f| f.reading_enabled())
}

/// A memory budget in bytes shared by the images in flight.
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

impl MemoryBudget {
    /// A budget of `total` bytes.
    #[must_use]
    pub fn new(total: u64) -> Self {
        MemoryBudget {
            total: total.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Blocks until `bytes` fit (an image larger than the whole budget waits until nothing else
    /// runs, then runs alone), and returns a guard that gives them back.
    pub fn acquire(&self, bytes: u64) -> BudgetGuard<'_> {
        let bytes = bytes.min(self.total);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        BudgetGuard {
            budget: self,
            bytes,
        }
    }
}

/// Gives its bytes back to the [`MemoryBudget`] when dropped.
#[derive(Debug)]
pub struct BudgetGuard<'a> {
    budget: &'a MemoryBudget,
    bytes: u64,
}

impl Drop for BudgetGuard<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// Peak bytes one image of `pixels` pixels needs while compressed, by the exact SVD: per plane
/// the f32 plane, its reconstruction, U and V and faer's workspace (≈ 6 plane-sized f32 buffers),
/// times 3 planes, plus the decoded input and the output (≈ 8 bytes a pixel).
#[must_use]
pub fn estimated_bytes(pixels: u64) -> u64 {
    pixels.saturating_mul(3 * 6 * 4 + 8)
}

/// Width × height from the header alone (0 when it cannot be read: the job's own error says why).
#[must_use]
pub fn header_pixels(path: &Path) -> u64 {
    header_dimensions(path).map_or(0, |(w, h)| u64::from(w) * u64::from(h))
}

/// Width and height from the header alone, when it can be read.
fn header_dimensions(path: &Path) -> Option<(u32, u32)> {
    image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .ok()
        .and_then(|r| r.into_dimensions().ok())
}

/// A default memory budget: half of the machine's physical memory (Linux: /proc/meminfo), or
/// 4 GiB when it cannot be read.
#[must_use]
pub fn default_memory_budget() -> u64 {
    let total_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        });
    total_kib.map_or(4 << 30, |k| k * 1024 / 2)
}

/// Whether one file of a batch was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Compressed and written.
    Ok,
    /// Not compressed: `error` says why.
    Error,
    /// Not compressed because its output exists already (`--skip-existing`): `output` names it.
    Skipped,
}

/// Whether [`compress_batch`] compresses inputs whose output exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resume {
    /// Compress every input (an existing output is an error unless overwriting).
    #[default]
    Everything,
    /// Skip inputs whose output exists: it is complete, since outputs are only ever renamed into
    /// place complete (see the `resume` notes in the crate's README and [`crate::encode`]).
    SkipExisting,
}

/// How one file of a batch ended.
#[derive(Debug, Serialize)]
pub struct FileOutcome {
    /// The input path.
    #[serde(skip)]
    pub path: PathBuf,
    /// The input path, in JSON for failures (a success's report names it already).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Whether the file was compressed.
    pub status: Status,
    /// The error, one line, when status is `error`.
    pub error: Option<String>,
    /// The error itself, when status is `error`.
    #[serde(skip)]
    pub failure: Option<Error>,
    /// Wall time for this file in milliseconds.
    pub elapsed_ms: f64,
    /// The existing output, when status is `skipped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The report, when status is "ok".
    #[serde(flatten)]
    pub report: Option<CompressReport>,
}

/// Receives the events of a batch: a [`Progress`] per file and each outcome, in input order.
pub trait BatchReporter: Send + Sync {
    /// A file starts; the returned progress receives its stages.
    fn started(&self, index: usize, input: &Path) -> Box<dyn Progress + '_>;
    /// A file is done. Called in input order (a finished file waits for those before it).
    fn finished(&self, index: usize, outcome: &FileOutcome);
}

/// Compresses every file, several at once, never more at once than `budget` bytes allow; with
/// [`Resume::SkipExisting`], files whose output exists are skipped. Returns the outcomes in input
/// order.
pub fn compress_batch(
    files: &[PathBuf],
    target: &OutputTarget,
    opts: &CompressOptions,
    budget: &MemoryBudget,
    resume: Resume,
    reporter: &dyn BatchReporter,
) -> Vec<FileOutcome> {
    let order = OrderedSink::new(files.len());
    let existing = resume::ExistingOutputs::default();
    let run_one = |index: usize| {
        let input = &files[index];
        let t = Instant::now();
        let dims = header_dimensions(input);
        if resume == Resume::SkipExisting {
            if let Some(out) = existing.find(target, input, opts, dims) {
                let outcome = FileOutcome {
                    path: input.clone(),
                    input: Some(input.display().to_string()),
                    status: Status::Skipped,
                    error: None,
                    failure: None,
                    elapsed_ms: t.elapsed().as_secs_f64() * 1e3,
                    output: Some(out.display().to_string()),
                    report: None,
                };
                order.push(index, outcome, |i, o| reporter.finished(i, o));
                return;
            }
        }
        let pixels = dims
            .map_or(0, |(w, h)| u64::from(w) * u64::from(h))
            .min(opts.limits.max_pixels);
        let _guard = budget.acquire(estimated_bytes(pixels));
        let progress = reporter.started(index, input);
        let result = compress_file(input, target, opts, progress.as_ref());
        drop(progress);
        let elapsed_ms = t.elapsed().as_secs_f64() * 1e3;
        let outcome = match result {
            Ok(report) => FileOutcome {
                path: input.clone(),
                input: None,
                status: Status::Ok,
                error: None,
                failure: None,
                elapsed_ms,
                output: None,
                report: Some(report),
            },
            Err(e) => FileOutcome {
                path: input.clone(),
                input: Some(input.display().to_string()),
                status: Status::Error,
                error: Some(e.to_string()),
                failure: Some(e),
                elapsed_ms,
                output: None,
                report: None,
            },
        };
        order.push(index, outcome, |i, o| reporter.finished(i, o));
    };
    let indices: Vec<usize> = (0..files.len()).collect();
    crate::parallel::map(&indices, |&i| run_one(i));
    order.into_results()
}

/// Collects results and hands them on in index order as soon as every earlier one is in.
struct OrderedSink {
    state: Mutex<(usize, Vec<Option<FileOutcome>>, Vec<bool>)>,
}

impl OrderedSink {
    fn new(n: usize) -> Self {
        OrderedSink {
            state: Mutex::new((0, (0..n).map(|_| None).collect(), vec![false; n])),
        }
    }

    fn push(&self, index: usize, outcome: FileOutcome, mut emit: impl FnMut(usize, &FileOutcome)) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.1[index] = Some(outcome);
        st.2[index] = true;
        while st.0 < st.2.len() && st.2[st.0] {
            let i = st.0;
            if let Some(o) = &st.1[i] {
                emit(i, o);
            }
            st.0 += 1;
        }
    }

    fn into_results(self) -> Vec<FileOutcome> {
        let st = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        st.1.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_lets_big_jobs_run_alone() {
        let b = MemoryBudget::new(100);
        let g1 = b.acquire(60);
        let g2 = b.acquire(40);
        drop(g1);
        drop(g2);
        let _huge = b.acquire(1_000);
        assert_eq!(*b.used.lock().unwrap(), 100);
    }
}
