//! The limiter on Tokio's paused clock: exact times, no waiting.

use super::*;
use crate::limits::Rate;

#[tokio::test(start_paused = true)]
async fn requests_are_paced_evenly_not_in_a_burst() {
    let limiter = Limiter::new(Limits::none().rate(Rate::per_minute(600)));
    let start = Instant::now();
    let mut starts = Vec::new();
    for _ in 0..5 {
        let permit = limiter.acquire().await;
        starts.push(Instant::now() - start);
        permit.finish(Outcome::Success);
    }
    let ms: Vec<u128> = starts.iter().map(Duration::as_millis).collect();
    // Two at once after a quiet time (room to make up a late wake-up), then one per 100 ms.
    assert_eq!(ms, [0, 0, 100, 200, 300]);
}

#[tokio::test(start_paused = true)]
async fn at_most_n_in_flight() {
    let limiter = Limiter::new(Limits::none().max_concurrent(2));
    let a = limiter.acquire().await;
    let _b = limiter.acquire().await;
    let third = tokio::time::timeout(Duration::from_secs(5), limiter.acquire()).await;
    assert!(third.is_err(), "a third permit while two are held");
    a.finish(Outcome::Success);
    let _c = limiter.acquire().await;
}

#[tokio::test(start_paused = true)]
async fn a_429_at_a_new_high_of_in_flight_lowers_the_concurrent_limit() {
    let limiter = Limiter::new(Limits::default());
    let held: Vec<Permit> = futures_util::future::join_all((0..9).map(|_| limiter.acquire())).await;
    let mut held = held.into_iter();
    // The ninth was sent with eight in flight, none of which has answered yet.
    let ninth = held.next_back().unwrap();
    assert_eq!(ninth.in_flight_before, 8);
    ninth.finish(Outcome::RateLimited(None));
    assert_eq!(limiter.current().0, 8);
    assert_eq!(limiter.current().1, 10.0, "the pace is not blamed");
}

#[tokio::test(start_paused = true)]
async fn a_lowered_concurrent_limit_does_not_spend_the_pace_on_waiters_it_holds_back() {
    let limiter = Limiter::new(Limits::default());
    let mut held: Vec<Permit> = Vec::new();
    for _ in 0..5 {
        held.push(limiter.acquire().await);
    }
    // Twenty-five more hold the remaining places and wait for the pace.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..25 {
        let (limiter, tx) = (limiter.clone(), tx.clone());
        tokio::spawn(async move {
            let permit = limiter.acquire().await;
            let _ = tx.send(Instant::now());
            permit.finish(Outcome::Success);
        });
    }
    tokio::task::yield_now().await;
    // The fifth, sent with four in flight, meets 429: the account allows four.
    held.pop().unwrap().finish(Outcome::RateLimited(None));
    assert_eq!(limiter.current().0, 4);
    let freed = Instant::now();
    held.remove(0).finish(Outcome::Success);
    let next = rx.recv().await.unwrap();
    assert!(
        next - freed <= Duration::from_millis(200),
        "the next request waited {:?} for its pace",
        next - freed
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_below_what_succeeded_lowers_the_pace_once_per_round() {
    let limiter = Limiter::new(Limits::default());
    let first = limiter.acquire().await;
    let second = limiter.acquire().await;
    let third = limiter.acquire().await;
    // Sent with two in flight, and answered: two in flight is fine for the account.
    third.finish(Outcome::Success);
    second.finish(Outcome::RateLimited(None));
    let (window, pace) = limiter.current();
    assert_eq!(window, 30);
    assert!((pace - 7.5).abs() < 1e-9, "{pace}");
    // Sent before the decrease: no second decrease for the same round.
    first.finish(Outcome::RateLimited(None));
    assert!((limiter.current().1 - 7.5).abs() < 1e-9);
    // The pace grows back by 1 % of 10/s per second.
    tokio::time::advance(Duration::from_secs(5)).await;
    let _ = limiter.acquire().await;
    assert!(
        (limiter.current().1 - 8.0).abs() < 0.05,
        "{:?}",
        limiter.current()
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_every_request() {
    let limiter = Limiter::new(Limits::default());
    let start = Instant::now();
    limiter
        .acquire()
        .await
        .finish(Outcome::RateLimited(Some(Duration::from_secs(2))));
    let _next = limiter.acquire().await;
    assert!(Instant::now() - start >= Duration::from_secs(2));
}

#[test]
fn no_limits_means_no_limiter() {
    assert!(Limiter::new(Limits::none()).shared.is_none());
    assert!(!Limiter::new(Limits::none()).absorbs_429());
    assert!(Limiter::new(Limits::default()).absorbs_429());
}

/// An account that refills `rate` requests per second into a bucket of `rate` (what the mock's
/// account fault and the benchmark play), answering 429 when the bucket is empty.
struct Bucket {
    rate: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Runs `lines` generations of 0.5 s from 30 tasks, as `flux batch` does with its defaults,
/// against an account allowing `rate` per second; returns the time taken and the 429s.
async fn batch_against(rate: f64, retry_after: Option<Duration>, lines: usize) -> (f64, usize) {
    use std::sync::atomic::AtomicUsize;
    let limiter = Limiter::new(Limits::default());
    let bucket = Arc::new(Mutex::new(Bucket {
        rate,
        tokens: rate,
        at: Instant::now(),
    }));
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers = (0..30).map(|_| {
        let (limiter, bucket) = (limiter.clone(), bucket.clone());
        let (next, refused) = (next.clone(), refused.clone());
        tokio::spawn(async move {
            while next.fetch_add(1, Ordering::SeqCst) < lines {
                loop {
                    let permit = limiter.acquire().await;
                    let admitted = bucket.lock().unwrap().admit();
                    if admitted {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        permit.finish(Outcome::Success);
                        break;
                    }
                    permit.finish(Outcome::RateLimited(retry_after));
                    refused.fetch_add(1, Ordering::SeqCst);
                    if let Some(hint) = retry_after {
                        tokio::time::sleep(hint).await;
                    }
                }
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.unwrap();
    }
    let wall = (Instant::now() - start).as_secs_f64();
    (wall, refused.load(Ordering::SeqCst))
}

/// The best any client could do: the bucket's `rate` at first, then `rate` per second.
fn best(rate: f64, lines: usize) -> f64 {
    (lines as f64 - rate) / rate + 0.5
}

/// The goal of issue 13 for an account that must be adapted to, on virtual time (Tokio's paused
/// clock): exact and repeatable, not a timing of this machine (the benchmark measures that).
#[tokio::test(start_paused = true)]
async fn an_account_with_half_the_documented_rate_is_used_to_90_percent() {
    for retry_after in [None, Some(Duration::from_secs(1))] {
        let (wall, refused) = batch_against(5.0, retry_after, 120).await;
        let efficiency = best(5.0, 120) / wall;
        let share = refused as f64 / (120 + refused) as f64;
        assert!(
            efficiency >= 0.9 && share <= 0.05,
            "Retry-After {retry_after:?}: efficiency {efficiency:.3}, 429 share {share:.3}"
        );
    }
}
