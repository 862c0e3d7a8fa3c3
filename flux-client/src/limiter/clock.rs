//! A governor clock on Tokio's time, so that pacing follows `tokio::time` (and its paused
//! clock in tests) and waits are Tokio sleeps.

use std::ops::Add;
use std::time::Duration;

use governor::clock::{Clock, Reference};
use governor::nanos::Nanos;

/// A point on Tokio's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TokioInstant(pub(crate) tokio::time::Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;

    fn add(self, other: Nanos) -> Self {
        Self(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        Nanos::from(self.0.saturating_duration_since(earlier.0))
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        Self(self.0.checked_sub(duration.into()).unwrap_or(self.0))
    }
}

/// Tokio's clock.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TokioClock;

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(tokio::time::Instant::now())
    }
}

/// A direct (one bucket) GCRA limiter on Tokio's clock.
pub(crate) type Gcra = governor::RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    TokioClock,
    governor::middleware::NoOpMiddleware<TokioInstant>,
>;

/// A limiter allowing `burst` cells at once and one more every `interval`.
pub(crate) fn gcra(interval: Duration, burst: u32) -> Gcra {
    let interval = interval.max(Duration::from_nanos(1));
    let quota = governor::Quota::with_period(interval)
        .expect("a positive interval")
        .allow_burst(std::num::NonZeroU32::new(burst.max(1)).expect("at least one"));
    governor::RateLimiter::direct_with_clock(quota, TokioClock)
}

/// How long until `gcra` allows one more cell, or `None` when it allowed (and counted) one now.
pub(crate) fn take(gcra: &Gcra) -> Option<Duration> {
    gcra.check()
        .err()
        .map(|not_until| not_until.wait_time_from(TokioClock.now()))
}
