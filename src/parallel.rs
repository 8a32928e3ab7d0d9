//! Thread helpers: rayon when the `parallel` feature is on, a sequential stand-in otherwise
//! (as oxipng's `rayon.rs` does).

use faer::Par;

/// Worker threads available to the current pool.
#[must_use]
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// faer parallelism over `n` threads (sequential for one).
#[must_use]
pub fn par(n: usize) -> Par {
    #[cfg(feature = "parallel")]
    if n > 1 {
        return Par::rayon(n);
    }
    let _ = n;
    Par::Seq
}

/// Clears the upper halves of this thread's vector registers (`vzeroupper`), when the CPU has
/// AVX.
///
/// faer's kernels run AVX-512/AVX2 code and can return with those halves in use. Code compiled
/// for baseline x86-64 (SSE encoding: ours, and the image codecs) then pays a state-transition
/// penalty on every vector instruction on that thread: merging planes into an image measured
/// 7.0 ms after an SVD and 2.0 ms with this call first. The helpers below call it at the start
/// of every task; the pipeline calls it after each stage that ran faer.
#[inline]
pub fn clear_upper() {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above). `vzeroupper` only clears the upper
        // halves of the vector registers; code compiled without AVX, like this function's
        // callers, never keeps values there.
        unsafe { std::arch::x86_64::_mm256_zeroupper() }
    }
}

/// Runs `a` and `b` side by side (rayon's `join`), or one after the other without the feature.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(
            || {
                clear_upper();
                a()
            },
            || {
                clear_upper();
                b()
            },
        )
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// Maps `f` over `items` in parallel (in order), or sequentially without the feature.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items
            .par_iter()
            .map(|x| {
                clear_upper();
                f(x)
            })
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// Calls `f(index, item)` on every item, in parallel, or sequentially without the feature.
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter_mut().enumerate().for_each(|(i, item)| {
            clear_upper();
            f(i, item)
        });
    }
    #[cfg(not(feature = "parallel"))]
    {
        items
            .iter_mut()
            .enumerate()
            .for_each(|(i, item)| f(i, item));
    }
}

/// `m` cut into consecutive blocks of `rows` rows (the last may be shorter), to be filled side
/// by side with [`for_each_mut`]. For blocks of columns, pass `m.transpose_mut()`.
pub fn row_blocks<T>(m: faer::MatMut<'_, T>, rows: usize) -> Vec<faer::MatMut<'_, T>> {
    let mut blocks = Vec::with_capacity(m.nrows().div_ceil(rows.max(1)));
    let mut rest = m;
    while rest.nrows() > rows {
        let (top, bottom) = rest.split_at_row_mut(rows);
        blocks.push(top);
        rest = bottom;
    }
    blocks.push(rest);
    blocks
}

/// Calls `f(index, chunk)` on consecutive chunks of `chunk_len` items of `items` (the last may be
/// shorter), in parallel, or sequentially without the feature.
pub fn for_each_chunk<T: Send>(
    items: &mut [T],
    chunk_len: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items
            .par_chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| {
                clear_upper();
                f(i, c)
            });
    }
    #[cfg(not(feature = "parallel"))]
    {
        items
            .chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
}
