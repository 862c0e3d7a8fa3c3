//! The mock playing an account: a concurrent limit and a rate limit on generations, answering
//! 429 with the documented body beyond either ([`Fault::Account`](super::Fault::Account)).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::Rate;
use crate::limiter::{Gcra, gcra, take};

/// The limits of an account the mock plays, the parameters of
/// [`Fault::Account`](super::Fault::Account).
///
/// ```
/// use flux_client::Rate;
/// use flux_client::mock::{Account, Fault};
///
/// let fault: Fault = "account;concurrent=8;rate=5/s;retry-after=1".parse().unwrap();
/// let account = Account::new().concurrent(8).rate(Rate::per_second(5)).retry_after(1);
/// assert_eq!(fault, Fault::Account(account));
/// assert_eq!(Fault::Account(account).to_string(), "account;concurrent=8;rate=5/s;retry-after=1");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Account {
    /// At most this many generations in flight at once.
    pub concurrent: Option<u32>,
    /// At most this many generations started per period, counted by a token bucket holding
    /// [`burst`](Self::burst) tokens.
    pub rate: Option<Rate>,
    /// The bucket's size: requests allowed at once after a quiet time. Default: one second's
    /// worth of the rate (at least 1), so a client that sends a minute's budget at once meets
    /// 429 even under a per-minute rate.
    pub burst: Option<u32>,
    /// The `Retry-After` header (seconds) sent with the 429, if any.
    pub retry_after: Option<u64>,
}

impl Account {
    /// An account without limits; add them with the setters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`concurrent`](Self::concurrent).
    #[must_use]
    pub fn concurrent(mut self, n: u32) -> Self {
        self.concurrent = Some(n);
        self
    }

    /// Sets [`rate`](Self::rate).
    #[must_use]
    pub fn rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Sets [`burst`](Self::burst).
    #[must_use]
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// Sets [`retry_after`](Self::retry_after).
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    fn bucket(&self) -> u32 {
        self.burst.unwrap_or_else(|| {
            self.rate
                .map_or(1, |rate| rate.per_second_f64().floor().max(1.0) as u32)
        })
    }
}

/// What the accounts the mock played did, summed over all of them
/// ([`MockServer::account_stats`](super::MockServer::account_stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountStats {
    /// Generation requests let through.
    pub admitted: u64,
    /// Requests answered 429 because the concurrent limit was reached.
    pub refused_concurrent: u64,
    /// Requests answered 429 because the rate limit was reached.
    pub refused_rate: u64,
    /// The most generations in flight at once on one account.
    pub max_in_flight: u32,
}

impl AccountStats {
    /// Every request answered 429.
    #[must_use]
    pub fn refused(&self) -> u64 {
        self.refused_concurrent + self.refused_rate
    }
}

/// The state of one account (one set of limits), shared by the requests that name it.
pub(crate) struct AccountState {
    account: Account,
    in_flight: AtomicU32,
    bucket: Option<Gcra>,
    admitted: AtomicU64,
    refused_concurrent: AtomicU64,
    refused_rate: AtomicU64,
    max_in_flight: AtomicU32,
}

/// A generation admitted by an account; frees its place when dropped.
pub(crate) struct Slot(Arc<AccountState>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AccountState {
    fn new(account: Account) -> Self {
        Self {
            account,
            in_flight: AtomicU32::new(0),
            bucket: account
                .rate
                .filter(|rate| rate.requests() > 0)
                .map(|rate| gcra(rate.interval(), account.bucket())),
            admitted: AtomicU64::new(0),
            refused_concurrent: AtomicU64::new(0),
            refused_rate: AtomicU64::new(0),
            max_in_flight: AtomicU32::new(0),
        }
    }

    /// Lets a generation in, or `None` (answer 429). A refused request takes neither a place
    /// nor a token.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Slot> {
        let limit = self.account.concurrent.unwrap_or(u32::MAX);
        let taken = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            });
        let Ok(before) = taken else {
            self.refused_concurrent.fetch_add(1, Ordering::SeqCst);
            return None;
        };
        let slot = Slot(self.clone());
        if self
            .bucket
            .as_ref()
            .is_some_and(|bucket| take(bucket).is_some())
        {
            self.refused_rate.fetch_add(1, Ordering::SeqCst);
            return None;
        }
        self.admitted.fetch_add(1, Ordering::SeqCst);
        self.max_in_flight.fetch_max(before + 1, Ordering::SeqCst);
        Some(slot)
    }

    pub(crate) fn retry_after(&self) -> Option<u64> {
        self.account.retry_after
    }

    fn stats(&self) -> AccountStats {
        AccountStats {
            admitted: self.admitted.load(Ordering::SeqCst),
            refused_concurrent: self.refused_concurrent.load(Ordering::SeqCst),
            refused_rate: self.refused_rate.load(Ordering::SeqCst),
            max_in_flight: self.max_in_flight.load(Ordering::SeqCst),
        }
    }
}

/// The accounts a server plays, one state per distinct set of limits.
#[derive(Default)]
pub(crate) struct Accounts(Mutex<HashMap<Account, Arc<AccountState>>>);

impl Accounts {
    pub(crate) fn get(&self, account: &Account) -> Arc<AccountState> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(*account)
            .or_insert_with(|| Arc::new(AccountState::new(*account)))
            .clone()
    }

    pub(crate) fn stats(&self) -> AccountStats {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.values()
            .map(|state| state.stats())
            .fold(AccountStats::default(), |sum, one| AccountStats {
                admitted: sum.admitted + one.admitted,
                refused_concurrent: sum.refused_concurrent + one.refused_concurrent,
                refused_rate: sum.refused_rate + one.refused_rate,
                max_in_flight: sum.max_in_flight.max(one.max_in_flight),
            })
    }
}
