//! The retry policy's details that the fault table (`suite_faults`) does not show, against the
//! mock: a retried request is the same request, which statuses are never retried by default,
//! the retry limit, the deadline cutting a hanging attempt, a refused connection retried until
//! the server is up. `Retry-After` as an HTTP date is the one case on the scripted server: the
//! mock's faults state `Retry-After` in seconds.

use std::time::{Duration, Instant, SystemTime};

use flux_client::mock::{Fault, MockServer};
use flux_client::{Error, FluxClient};
use flux_client_tests::scripted::ScriptedServer;

use crate::layer_common::{client_for, error_reply, fast_retry, images_reply};
use crate::suite_support::*;

fn status(status: u16) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
    }
}

#[tokio::test]
async fn a_retried_request_is_sent_again_unchanged() {
    for code in [429, 503] {
        let server = MockServer::start().await.unwrap();
        server.push_fault(status(code));
        let images = client(&server).generate("fox").seed(7).send().await;
        assert!(images.is_ok(), "{code}: {images:?}");
        let sent = server.requests_on(flux_client::mock::Listener::Api);
        assert_eq!(sent.len(), 2, "{code}");
        assert_eq!(sent[0].body, sent[1].body, "the same request is sent again");
    }
}

#[tokio::test]
async fn statuses_that_may_have_started_work_are_not_retried_by_default() {
    for code in [400, 402, 408, 500, 502, 504] {
        let server = MockServer::builder()
            .fault(status(code))
            .start()
            .await
            .unwrap();
        let err = client(&server).generate("fox").send().await.unwrap_err();
        assert_eq!(err.status(), Some(code));
        assert_eq!(attempts(&server), 1, "{code} must not be retried");
    }
}

#[tokio::test]
async fn retries_stop_at_the_maximum() {
    let server = MockServer::builder()
        .fault(status(503))
        .start()
        .await
        .unwrap();
    let err = builder(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(attempts(&server), 3, "one attempt and two retries");
}

#[tokio::test]
async fn the_deadline_cuts_a_hanging_attempt() {
    let server = MockServer::builder()
        .fault(Fault::Delay(Duration::from_secs(30)))
        .start()
        .await
        .unwrap();
    let client = builder(&server)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.generate("fox").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(attempts(&server), 1);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() {
    let port = crate::layer_errors::free_port().await;
    let client = FluxClient::builder()
        .api_key(MockServer::DEFAULT_API_KEY)
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
    let server = MockServer::builder().port(port).start().await.unwrap();
    let images = request.await.unwrap();
    assert!(images.is_ok(), "{images:?}");
    assert_eq!(attempts(&server), 1);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = ScriptedServer::start().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    server.push(error_reply(503, 503, "busy").header("retry-after", &when));
    server.push(images_reply(&["https://cdn.example/a.png".into()]));
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
