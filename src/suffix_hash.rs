//! FNV-1a over a host's bytes from last to first: the hash of every label-boundary suffix
//! (`com`, `example.com`, `www.example.com`) falls out of one pass from the right. The host
//! index files names by it, and the Public Suffix List pre-checks (private rules; all rules and
//! wildcard bases) compare it with hashes that `build.rs` computed (it includes this file), so
//! build time and run time share one definition. [`table_hash`] mixes it for the host index's
//! slots.

/// FNV-1a's offset basis: the hash of the empty suffix.
pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The hash after one more byte to the left.
#[inline]
pub fn step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// The hash of the whole of `s`.
pub fn reverse_hash(s: &[u8]) -> u64 {
    s.iter().rev().fold(OFFSET, |h, &b| step(h, b))
}

/// `hash` made fit for a hash table: FNV's low bits (which pick a bucket) are weak, so they are
/// mixed with one folded multiply.
#[inline]
pub fn table_hash(hash: u64) -> u64 {
    let m = u128::from(hash) * 0x9e37_79b9_7f4a_7c15_u128;
    (m as u64) ^ ((m >> 64) as u64)
}

/// The word and bit of `hash` in a bit filter of 2^`bits` bits (the host index's filter, and the
/// private-rule and public-rule filters `build.rs` writes): the multiply spreads FNV's bits to the top ones taken.
#[inline]
pub fn filter_slot(hash: u64, bits: u32) -> (usize, u64) {
    let i = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits);
    ((i / 64) as usize, 1u64 << (i % 64))
}

/// Bits of the private-rule filter: 8 KB, which stays in the first-level cache.
pub const PRIVATE_FILTER_BITS: u32 = 16;

/// Bits of the filter of all the list's rule names: 16 KB for about 10,000 names, so that most
/// names that are no rule's are answered by a clear bit.
pub const PUBLIC_FILTER_BITS: u32 = 17;
