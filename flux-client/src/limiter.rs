//! The client's limiter: generations in flight and requests started, shared by every clone of
//! a client, adapting to `429 Too Many Requests` (the rules are documented on [`Limits`]).

mod clock;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[cfg(feature = "mock")]
pub(crate) use clock::{Gcra, gcra, take};

use crate::limits::Limits;

/// The pace never falls below this share of the configured rate.
const MIN_PACE_SHARE: f64 = 0.01;
/// A 429 blamed on the pace multiplies it by this.
const DECREASE: f64 = 0.75;
/// Without 429, the pace grows by this share of the configured rate per second.
const INCREASE_PER_SECOND: f64 = 0.01;
/// The pacer is rebuilt when the pace has grown by this share of the configured rate.
const PACE_STEP: f64 = 0.02;
/// The fewest successes in a row that raise a lowered concurrent limit by one.
const MIN_SUCCESSES_TO_GROW: u32 = 32;
/// Requests the pacer lets go at once. One more than a single request lets a request that woke
/// late (a loaded machine, the timer's millisecond ticks) be made up by the next, instead of
/// every lateness lowering the pace for good; never more than two within one interval.
const PACE_BURST: u32 = 2;
/// The longest pause a `Retry-After` imposes on every request of the client.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// Shared by every clone of a client (it sits in the client's `Arc`); cheap to clone.
#[derive(Clone)]
pub(crate) struct Limiter {
    shared: Option<Arc<Shared>>,
}

struct Shared {
    limits: Limits,
    /// The concurrent limit: permits for generations in flight.
    slots: Option<Arc<Semaphore>>,
    /// The pace: one waiter at a time (fair, first come first served) asks the GCRA.
    pacer: tokio::sync::Mutex<Option<Pacer>>,
    state: Mutex<State>,
    in_flight: AtomicU32,
}

struct Pacer {
    gcra: clock::Gcra,
    version: u64,
}

struct State {
    /// The concurrent limit in effect (the configured one until a 429 lowers it).
    window: u32,
    /// Permits still to take out of circulation as they come back.
    deficit: u32,
    successes_in_row: u32,
    /// Requests per second in effect, and the configured ceiling.
    pace: f64,
    ceiling: f64,
    /// The pace the pacer was last built with, and that build's number.
    applied: f64,
    version: u64,
    /// Bumped by every decrease: a 429 for a request sent before it does not decrease again.
    epoch: u64,
    grown_at: Instant,
    paused_until: Option<Instant>,
    /// The most generations in flight (besides itself) that a recent success was sent with.
    ok_high: u32,
    ok_high_at: Instant,
    /// A moving average of how long a successful generation takes.
    latency: Duration,
}

/// How an attempt made under a [`Permit`] ended, for the limiter to learn from.
pub(crate) enum Outcome {
    Success,
    RateLimited(Option<Duration>),
    Other,
}

/// Leave to send one generation; hold it until the answer is read.
pub(crate) struct Permit {
    shared: Option<Arc<Shared>>,
    slot: Option<OwnedSemaphorePermit>,
    in_flight_before: u32,
    epoch: u64,
    sent: Instant,
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Self {
        if limits.get_max_concurrent().is_none()
            && limits.get_rate().is_none()
            && !limits.adapts_to_429()
        {
            return Self { shared: None };
        }
        let max = limits.get_max_concurrent();
        let ceiling = limits.get_rate().map_or(0.0, |rate| rate.per_second_f64());
        let now = Instant::now();
        let pacer = limits.get_rate().map(|rate| Pacer {
            gcra: clock::gcra(rate.interval(), PACE_BURST),
            version: 0,
        });
        Self {
            shared: Some(Arc::new(Shared {
                limits,
                slots: max.map(|n| Arc::new(Semaphore::new(n as usize))),
                pacer: tokio::sync::Mutex::new(pacer),
                state: Mutex::new(State {
                    window: max.unwrap_or(u32::MAX),
                    deficit: 0,
                    successes_in_row: 0,
                    pace: ceiling,
                    ceiling,
                    applied: ceiling,
                    version: 0,
                    epoch: 0,
                    grown_at: now,
                    paused_until: None,
                    ok_high: 0,
                    ok_high_at: now,
                    latency: Duration::from_secs(1),
                }),
                in_flight: AtomicU32::new(0),
            })),
        }
    }

    /// Whether a 429 is left to the limiter (waited for, not counted as a retry).
    pub(crate) fn absorbs_429(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|shared| shared.limits.adapts_to_429())
    }

    /// Waits for a free slot, then for the pace (and any `Retry-After` pause).
    pub(crate) async fn acquire(&self) -> Permit {
        let Some(shared) = &self.shared else {
            return Permit {
                shared: None,
                slot: None,
                in_flight_before: 0,
                epoch: 0,
                sent: Instant::now(),
            };
        };
        let slot = match &shared.slots {
            None => {
                shared.wait_for_pace(&mut None).await;
                None
            }
            Some(slots) => loop {
                // The semaphore is never closed.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break None;
                };
                let mut slot = Some(slot);
                if shared.wait_for_pace(&mut slot).await {
                    break slot;
                }
            },
        };
        let in_flight_before = shared.in_flight.fetch_add(1, Ordering::SeqCst);
        let epoch = shared.state().epoch;
        Permit {
            shared: Some(shared.clone()),
            slot,
            in_flight_before,
            epoch,
            sent: Instant::now(),
        }
    }

    /// The concurrent limit and the pace (requests per second) in effect now.
    #[cfg(test)]
    fn current(&self) -> (u32, f64) {
        let shared = self.shared.as_ref().expect("limited");
        let state = shared.state();
        (state.window, state.pace)
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for the pace (and any `Retry-After` pause) for a request holding `slot`. Returns
    /// `false`, without using up the pace, when a lowered concurrent limit takes the slot out of
    /// circulation meanwhile: waiters give back their places before the pace lets them go, so
    /// that a lowered limit does not spend the pace on requests it then holds back.
    async fn wait_for_pace(&self, slot: &mut Option<OwnedSemaphorePermit>) -> bool {
        let mut pacer = self.pacer.lock().await;
        loop {
            let now = Instant::now();
            let (paused_until, pace, version) = {
                let mut state = self.state();
                if state.deficit > 0
                    && let Some(slot) = slot.take()
                {
                    state.deficit -= 1;
                    slot.forget();
                    return false;
                }
                state.grow_pace(now);
                (state.paused_until, state.applied, state.version)
            };
            if let Some(until) = paused_until.filter(|until| *until > now) {
                tokio::time::sleep_until(until).await;
                continue;
            }
            let Some(pacer) = pacer.as_mut() else {
                return true;
            };
            // The request waits as the old pace says, then the new pace takes over.
            if let Some(wait) = clock::take(&pacer.gcra) {
                tokio::time::sleep(wait).await;
                continue;
            }
            if pacer.version != version {
                pacer.gcra = clock::gcra(Duration::from_secs_f64(1.0 / pace), PACE_BURST);
                pacer.version = version;
                // This request's cell and the burst's: the new pace starts an interval from now.
                let _ = clock::take(&pacer.gcra);
                let _ = clock::take(&pacer.gcra);
            }
            return true;
        }
    }
}

impl State {
    /// Additive increase of the pace, applied in steps.
    fn grow_pace(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.grown_at).as_secs_f64();
        self.grown_at = now;
        if self.pace >= self.ceiling {
            return;
        }
        self.pace = (self.pace + self.ceiling * INCREASE_PER_SECOND * elapsed).min(self.ceiling);
        if self.pace - self.applied >= self.ceiling * PACE_STEP || self.pace >= self.ceiling {
            self.applied = self.pace;
            self.version += 1;
        }
    }

    fn horizon(&self) -> Duration {
        (self.latency * 4).max(Duration::from_secs(1))
    }
}

impl Permit {
    /// Tells the limiter how the attempt ended, and frees the slot.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let now = Instant::now();
        {
            let mut state = shared.state();
            match outcome {
                Outcome::Success => self.succeeded(&shared, &mut state, now),
                Outcome::RateLimited(retry_after) => {
                    self.rate_limited(&shared, &mut state, now, retry_after)
                }
                Outcome::Other => {}
            }
        }
        self.release(&shared);
    }

    fn succeeded(&self, shared: &Shared, state: &mut State, now: Instant) {
        let took = now.saturating_duration_since(self.sent);
        state.latency = state.latency.mul_f64(0.8) + took.mul_f64(0.2);
        if self.in_flight_before >= state.ok_high
            || now.saturating_duration_since(state.ok_high_at) > state.horizon()
        {
            state.ok_high = self.in_flight_before;
            state.ok_high_at = now;
        }
        let Some(max) = shared.limits.get_max_concurrent() else {
            return;
        };
        state.successes_in_row += 1;
        if state.window < max
            && state.successes_in_row >= (2 * state.window).max(MIN_SUCCESSES_TO_GROW)
        {
            state.window += 1;
            state.successes_in_row = 0;
            if state.deficit > 0 {
                state.deficit -= 1;
            } else if let Some(slots) = &shared.slots {
                slots.add_permits(1);
            }
        }
    }

    fn rate_limited(
        &self,
        shared: &Shared,
        state: &mut State,
        now: Instant,
        retry_after: Option<Duration>,
    ) {
        if !shared.limits.adapts_to_429() {
            return;
        }
        if let Some(hint) = retry_after {
            let until = now + hint.min(MAX_PAUSE);
            state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
        }
        // Sent with more in flight than any recent success: the account's concurrent limit (what
        // is left of it) is likely what refused this one. Otherwise the pace is to blame.
        let recent = now.saturating_duration_since(state.ok_high_at) <= state.horizon();
        let concurrency = shared.slots.is_some()
            && self.in_flight_before >= 1
            && (!recent || self.in_flight_before > state.ok_high);
        if concurrency {
            state.successes_in_row = 0;
            let window = self.in_flight_before;
            if window < state.window {
                state.deficit += state.window - window;
                state.window = window;
                if let Some(slots) = &shared.slots {
                    let taken = slots.forget_permits(state.deficit as usize);
                    state.deficit -= taken as u32;
                }
            }
        } else if state.ceiling > 0.0 && self.epoch == state.epoch {
            state.pace = (state.pace * DECREASE).max(state.ceiling * MIN_PACE_SHARE);
            state.applied = state.pace;
            state.version += 1;
            state.epoch += 1;
            state.grown_at = now;
        }
    }

    fn release(&mut self, shared: &Shared) {
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Some(slot) = self.slot.take() {
            let mut state = shared.state();
            if state.deficit > 0 {
                state.deficit -= 1;
                slot.forget();
            }
        }
    }
}

impl Drop for Permit {
    /// An attempt dropped unfinished (cancelled, timed out) frees its slot and teaches nothing.
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            self.release(&shared);
        }
    }
}

#[cfg(test)]
mod tests;
