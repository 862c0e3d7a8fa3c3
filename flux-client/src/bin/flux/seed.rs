//! Seeds chosen by `flux` when the user gives none, so that every saved image can be made again.
//!
//! The library sends only what its caller set; the command always sends a seed, because the API
//! returns none: an image made without one could never be reproduced.

/// The largest seed `flux` picks. The API document says only "integer"; a non-negative 32-bit
/// signed value fits every backend's integer type (and JavaScript's), so it is never refused.
pub const MAX: i64 = i32::MAX as i64;

/// A random seed in `0..=MAX`, for `flux generate`.
pub fn pick() -> i64 {
    fastrand::i64(0..=MAX)
}

/// The seed of batch line `line` whose JSON is `text`: taken from the line's number and content,
/// so a resumed line generates with the seed the first run used and recorded, and two equal
/// lines still get different images.
pub fn for_line(line: usize, text: &str) -> i64 {
    // 64-bit FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in (line as u64).to_le_bytes().iter().chain(text.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % (MAX as u64 + 1)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_stay_in_range_and_line_seeds_are_stable() {
        for _ in 0..1000 {
            assert!((0..=MAX).contains(&pick()));
        }
        let text = r#"{"prompt": "a fox"}"#;
        assert_eq!(for_line(3, text), for_line(3, text));
        assert_ne!(for_line(3, text), for_line(4, text));
        assert!((0..=MAX).contains(&for_line(usize::MAX, "x")));
    }
}
