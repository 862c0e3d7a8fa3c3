//! Seeds chosen by `flux` when the user gives none, so that every saved image can be made again.
//!
//! The library sends only what its caller set; the command always sends a seed, because the API
//! returns none: an image made without one could never be reproduced.

use flux_client::fields::{WireType, field};

/// The largest seed `flux` picks. The API document says only "integer"; a non-negative 32-bit
/// signed value fits every backend's integer type (and JavaScript's), so it is never refused.
pub const MAX: i64 = i32::MAX as i64;

/// The seeds `flux` picks from: `0..=MAX`, narrowed to the document's `minimum` and `maximum`
/// for `seed`; `None` when the document has no integer `seed` field (then none is sent).
pub fn range() -> Option<(i64, i64)> {
    let seed = field("seed").filter(|f| f.wire_type == WireType::Integer)?;
    // Bounds beyond i64 saturate; a fractional bound is rounded inwards.
    let low = seed.minimum.map_or(0, |m| (m.ceil() as i64).max(0));
    let high = seed.maximum.map_or(MAX, |m| (m.floor() as i64).min(MAX));
    (low <= high).then_some((low, high))
}

/// A random seed in [`range`], for `flux generate`.
pub fn pick() -> Option<i64> {
    let (low, high) = range()?;
    Some(fastrand::i64(low..=high))
}

/// The seed of batch line `line` whose JSON is `text`: taken from the line's number and content,
/// so a resumed line generates with the seed the first run used, and two equal lines still get
/// different images.
pub fn for_line(line: usize, text: &str) -> Option<i64> {
    let (low, high) = range()?;
    // 64-bit FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in (line as u64).to_le_bytes().iter().chain(text.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let span = (high - low) as u64 + 1;
    Some(low + (hash % span) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_stay_in_range_and_line_seeds_are_stable() {
        let (low, high) = range().expect("the document has an integer seed");
        assert!(0 <= low && high <= MAX);
        for _ in 0..1000 {
            assert!((low..=high).contains(&pick().unwrap()));
        }
        let text = r#"{"prompt": "a fox"}"#;
        assert_eq!(for_line(3, text), for_line(3, text));
        assert_ne!(for_line(3, text), for_line(4, text));
        assert!((low..=high).contains(&for_line(usize::MAX, "x").unwrap()));
    }
}
