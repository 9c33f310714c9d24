//! FNV-1a over a host's bytes from last to first: the hash of every label-boundary suffix
//! (`com`, `example.com`, `www.example.com`) falls out of one pass from the right. The host
//! index files names by it, and the Public Suffix List pre-check compares it with hashes that
//! `build.rs` computed (it includes this file), so build time and run time share one definition.

/// FNV-1a's offset basis: the hash of the empty suffix.
pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The hash after one more byte to the left.
#[inline]
pub fn step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// The hash of the whole of `s`.
pub fn reverse_hash(s: &str) -> u64 {
    s.bytes().rev().fold(OFFSET, step)
}
