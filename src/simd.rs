//! Run-time CPU feature checks for the few loops compiled twice (baseline and AVX2).

/// Whether this x86-64 CPU has AVX2 and FMA (checked once, then cached by std).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}
