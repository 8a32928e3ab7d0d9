//! Threads under an address-space limit (`ulimit -v`, RLIMIT_AS, common on shared clusters).
//!
//! faer's x86 matrix-multiply kernel (private-gemm-x86) gives every thread that multiplies a
//! scratch buffer of twice the L3 size it computes: the L3 size per CPU that Linux reports in
//! `/sys/devices/system/cpu/cpu0/cache`, times the CPUs sharing an L1, times the physical cores.
//! It only reserves address space (the pages are touched as needed), but under `ulimit -v` a
//! reservation that does not fit ends the process with "memory allocation failed" and an abort:
//! 960 MiB per thread on a machine that reports 480 MiB of L3. Each thread also costs a stack,
//! allocator arenas (glibc reserves 64 MiB per thread arena) and the allocator's own reservations.
//!
//! [`threads_within`] gives the number of threads whose reservations fit, from a model measured on
//! Linux x86-64 with glibc and mimalloc (one thread needed 158 MiB under `ulimit -v` on a CPU
//! whose kernel scratch is 64 MiB, two 483 MiB, three 684 MiB, four 781 MiB; on one whose scratch
//! is 960 MiB, two threads needed about 3 300 MiB: three scratch buffers, as the main thread
//! multiplies too); the front end runs with that many, or refuses with a clear message when not
//! even one fits.

/// Address space of the process besides the matrix kernel's scratch buffers with one thread:
/// binary, libraries, main stack, allocator (measured: 94 MiB).
pub const BASE_BYTES: u64 = 200 << 20;

/// Address space each thread after the first costs besides its scratch buffer: stack, allocator
/// arenas and reservations (measured under limits: 100 to 260 MiB a thread, 200 on average).
pub const PER_THREAD_BYTES: u64 = 250 << 20;

/// The soft address-space limit of this process (`ulimit -v`), when one is set (Linux:
/// `/proc/self/limits`; `None` elsewhere or when unlimited).
#[must_use]
pub fn address_space_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Address space faer's matrix kernel reserves per multiplying thread: twice the L3 size it
/// computes (see the module documentation), 4 MiB where the caches cannot be read.
#[must_use]
pub fn matmul_scratch_bytes() -> u64 {
    2 * kernel_l3_bytes().unwrap_or(2 << 20)
}

/// The L3 size private-gemm-x86 computes on Linux, floored as it floors it.
fn kernel_l3_bytes() -> Option<u64> {
    let cache = std::path::Path::new("/sys/devices/system/cpu/cpu0/cache");
    let (mut l1, mut l2, mut l3, mut l1_shared) = (0u64, 0u64, 0u64, 1u64);
    for entry in std::fs::read_dir(cache).ok()? {
        let dir = entry.ok()?.path();
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        if !dir.file_name()?.to_str()?.starts_with("index") {
            continue;
        }
        let kind = read("type").unwrap_or_default();
        if !matches!(kind.trim(), "Data" | "Unified") {
            continue;
        }
        let level: u32 = read("level")?.trim().parse().ok()?;
        let shared = cpu_count(read("shared_cpu_list")?.trim()).max(1);
        let bytes = parse_size(read("size")?.trim())? / shared;
        match level {
            1 => {
                l1 = bytes;
                l1_shared = shared;
            }
            2 => l2 = bytes,
            3 => l3 = bytes,
            _ => {}
        }
    }
    let l1 = (l1 * l1_shared).max(32 << 10);
    let l2 = (l2 * l1_shared).max(256 << 10).max(4 * l1);
    let l3 = (l3 * l1_shared * physical_cores()).max(2 << 20).max(4 * l2);
    Some(l3)
}

/// CPUs in a list such as `0-3,8,10-11`.
fn cpu_count(list: &str) -> u64 {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|item| match item.split_once('-') {
            Some((a, b)) => match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(a), Ok(b)) if b >= a => b - a + 1,
                _ => 0,
            },
            None => 1,
        })
        .sum()
}

/// `32768K`, `1M`, `2G` or a number of bytes.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1 << 10),
        b'M' => (&s[..s.len() - 1], 1 << 20),
        b'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

/// Physical cores (distinct physical id / core id pairs in /proc/cpuinfo), or the CPUs available.
fn physical_cores() -> u64 {
    let pairs: std::collections::BTreeSet<(String, String)> =
        std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .split("\n\n")
            .filter_map(|cpu| {
                let field = |name: &str| {
                    cpu.lines()
                        .find(|l| l.starts_with(name))
                        .and_then(|l| l.split(':').nth(1))
                        .map(|v| v.trim().to_string())
                };
                Some((field("physical id").unwrap_or_default(), field("core id")?))
            })
            .collect();
    if pairs.is_empty() {
        std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
    } else {
        pairs.len() as u64
    }
}

/// The address space `threads` threads need when each multiplying thread reserves `scratch`:
/// one thread [`BASE_BYTES`] + scratch; t ≥ 2 threads [`BASE_BYTES`] + (t + 1) · scratch + (t − 1)
/// · [`PER_THREAD_BYTES`] — the t workers and the main thread each multiply. (An upper bound of
/// what was measured: with 64 MiB of scratch 483 MiB for 2 threads, 684 for 3, 781 for 4; with
/// 960 MiB, 3 250–3 300 MiB for 2 and 4 300–4 500 for 3.)
#[must_use]
pub fn bytes_for_threads(threads: usize, scratch: u64) -> u64 {
    let t = threads.max(1) as u64;
    if t == 1 {
        BASE_BYTES + scratch
    } else {
        BASE_BYTES
            .saturating_add((t + 1).saturating_mul(scratch))
            .saturating_add((t - 1).saturating_mul(PER_THREAD_BYTES))
    }
}

/// How many of `wanted` threads fit under `limit` bytes of address space when each multiplying
/// thread reserves `scratch` ([`bytes_for_threads`]). `Err(bytes needed for one)` when not even
/// one fits.
pub fn threads_within(limit: u64, scratch: u64, wanted: usize) -> Result<usize, u64> {
    let one = bytes_for_threads(1, scratch);
    if limit < one {
        return Err(one);
    }
    let mut fit = 1;
    while fit < wanted && bytes_for_threads(fit + 1, scratch) <= limit {
        fit += 1;
    }
    Ok(fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_counts_under_limits() {
        let mib = 1u64 << 20;
        // The machine: 480 MiB of L3, so 960 MiB per thread, under `ulimit -v 2G`.
        assert_eq!(threads_within(2048 * mib, 960 * mib, 64), Ok(1));
        assert_eq!(threads_within(3330 * mib, 960 * mib, 64), Ok(2));
        assert_eq!(threads_within(8192 * mib, 960 * mib, 64), Ok(6));
        assert_eq!(threads_within(8192 * mib, 960 * mib, 2), Ok(2));
        assert_eq!(threads_within(1024 * mib, 960 * mib, 4), Err(1160 * mib));
        // Here (64 MiB per thread): what the measurements needed, with room to spare.
        assert_eq!(threads_within(264 * mib, 64 * mib, 8), Ok(1));
        assert_eq!(threads_within(641 * mib, 64 * mib, 8), Ok(1));
        assert_eq!(threads_within(642 * mib, 64 * mib, 8), Ok(2));
        assert_eq!(threads_within(956 * mib, 64 * mib, 8), Ok(3));
        eprintln!(
            "here: matrix kernel scratch {} MiB per thread, limit {:?}",
            matmul_scratch_bytes() >> 20,
            address_space_limit()
        );
    }

    #[test]
    fn sizes_and_cpu_lists() {
        assert_eq!(parse_size("32768K"), Some(32 << 20));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(cpu_count("0-3,8,10-11"), 7);
        assert_eq!(cpu_count("0"), 1);
    }
}
