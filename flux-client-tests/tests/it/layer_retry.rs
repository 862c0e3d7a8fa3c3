//! Retries happen where the policy says and nowhere else, honouring `Retry-After` and the
//! deadline.

use std::time::{Duration, Instant, SystemTime};

use flux_client::{Error, FluxClient};
use flux_client_tests::scripted::{Reply, ScriptedServer};

use crate::layer_common::*;

fn ok() -> Reply {
    images_reply(&["https://cdn.example/a.png".into()])
}

#[tokio::test]
async fn a_429_and_a_503_are_retried_by_default() {
    for status in [429, 503] {
        let server = ScriptedServer::start().await;
        server.push(error_reply(status, status.into(), "busy"));
        server.push(ok());
        let images = client_for(&server).generate("fox").send().await;
        assert!(images.is_ok(), "{status}: {images:?}");
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{status}");
        assert_eq!(
            requests[0].body, requests[1].body,
            "the same request is sent again"
        );
    }
}

#[tokio::test]
async fn statuses_that_may_have_started_work_are_not_retried_by_default() {
    for status in [400, 402, 408, 500, 502, 504] {
        let server = ScriptedServer::start().await;
        server.push(error_reply(status, status.into(), "no"));
        server.push(ok());
        let err = client_for(&server)
            .generate("fox")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.requests().len(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn more_statuses_are_retried_when_opted_in() {
    let server = ScriptedServer::start().await;
    server.push(error_reply(502, 502, "gateway"));
    server.push(ok());
    builder_for(&server)
        .retry_policy(fast_retry().retry_status(502))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retries_stop_at_the_maximum() {
    let server = ScriptedServer::start().await;
    for _ in 0..4 {
        server.push(error_reply(503, 503, "busy"));
    }
    let err = builder_for(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = ScriptedServer::start().await;
    server.push(error_reply(429, 429, "slow down").header("retry-after", "1"));
    server.push(ok());
    let started = Instant::now();
    client_for(&server).generate("fox").send().await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = ScriptedServer::start().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    server.push(error_reply(503, 503, "busy").header("retry-after", &when));
    server.push(ok());
    let started = Instant::now();
    client_for(&server).generate("fox").send().await.unwrap();
    assert_eq!(server.requests().len(), 2);
    // The date has one-second resolution, so at least one full second remains.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_ends_the_retries() {
    let server = ScriptedServer::start().await;
    server.push(error_reply(429, 429, "come back tomorrow").header("retry-after", "86400"));
    server.push(ok());
    let err = client_for(&server)
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(86400)),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_deadline_holds_across_attempts() {
    let server = ScriptedServer::start().await;
    // Each attempt is answered after 150 ms with a retryable 503; the deadline allows about two.
    for _ in 0..10 {
        server.push(error_reply(503, 503, "busy").delay(Duration::from_millis(150)));
    }
    let client = builder_for(&server)
        .retry_policy(
            fast_retry()
                .max_retries(10)
                .deadline(Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { .. } | Error::Api { status: 503, .. }),
        "{err:?}"
    );
    let sent = server.requests().len();
    assert!(
        (1..=3).contains(&sent),
        "{sent} attempts within a 400 ms deadline"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_deadline_cuts_a_hanging_attempt() {
    let server = ScriptedServer::start().await;
    server.push(ok().delay(Duration::from_secs(30)));
    let client = builder_for(&server)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_connection_dropped_after_sending_is_retried_only_when_opted_in() {
    let server = ScriptedServer::start().await;
    server.push(Reply::drop_connection());
    server.push(ok());
    let err = client_for(&server)
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);

    let server = ScriptedServer::start().await;
    server.push(Reply::drop_connection());
    server.push(ok());
    builder_for(&server)
        .retry_policy(fast_retry().retry_interrupted(true))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn timeouts_are_retried_only_when_opted_in() {
    let server = ScriptedServer::start().await;
    server.push(ok().delay(Duration::from_secs(30)));
    server.push(ok());
    builder_for(&server)
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retry().retry_timeouts(true))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() {
    let port = crate::layer_errors::free_port().await;
    let client = FluxClient::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(
            fast_retry()
                .max_retries(20)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    let request = tokio::spawn(async move { client.generate("fox").send().await });
    // Let at least one attempt be refused before the server appears.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let server = ScriptedServer::start_on(port).await;
    server.push(ok());
    let images = request.await.unwrap();
    assert!(images.is_ok(), "{images:?}");
    assert_eq!(server.requests().len(), 1);
}
