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
    // The pace grows back by 2 % of 10/s per second.
    tokio::time::advance(Duration::from_secs(5)).await;
    let _ = limiter.acquire().await;
    assert!(
        (limiter.current().1 - 8.5).abs() < 0.05,
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
