//! Exponential backoff with jitter, for the API's retries and the image downloads' alike.

use std::time::Duration;

/// The wait before retry number `retry` (1-based): `initial` doubled for each retry after the
/// first, at most `max`, then scaled by a random factor in [50 %, 100 %] so that many clients
/// failing at once do not come back in step.
pub(crate) fn backoff(initial: Duration, max: Duration, retry: u32) -> Duration {
    let exp = initial.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
    exp.min(max).mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_jitters_within_half() {
        let ms = Duration::from_millis;
        for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 500), (40, 500)] {
            for _ in 0..50 {
                let wait = backoff(ms(100), ms(500), retry);
                assert!(
                    wait >= ms(full) / 2 && wait <= ms(full),
                    "{retry}: {wait:?}"
                );
            }
        }
    }
}
