//! The client's limiter: shared by every clone, and a 429 it absorbs costs no retry.

use std::time::Duration;

use flux_client::mock::{Account, Fault, Listener, MockServer};
use flux_client::{Error, FluxClient, Limits, Rate};

use crate::suite_support::builder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_used_from_many_tasks_share_one_limiter() {
    // The account refuses a fourth generation in flight; the client allows three and neither
    // adapts nor retries, so a client (or a clone) keeping its own count would fail lines.
    let server = MockServer::builder()
        .fault(Fault::Account(Account::new().concurrent(3)))
        .fault(Fault::Delay(Duration::from_millis(30)))
        .start()
        .await
        .unwrap();
    let client = builder(&server)
        .limits(Limits::none().max_concurrent(3))
        .max_retries(0)
        .build()
        .unwrap();
    let clone = client.clone();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let client: FluxClient = if i % 2 == 0 {
                client.clone()
            } else {
                clone.clone()
            };
            tokio::spawn(async move { client.generate(format!("fox {i}")).send().await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no generation meets the account's limit");
    }
    let stats = server.account_stats();
    assert_eq!(stats.admitted, 24);
    assert_eq!(stats.refused(), 0);
    assert!(stats.max_in_flight <= 3, "{stats:?}");
}

#[tokio::test]
async fn a_429_left_to_the_limiter_does_not_use_up_retries() {
    let server = MockServer::start().await.unwrap();
    for _ in 0..5 {
        server.push_fault(Fault::Status {
            status: 429,
            retry_after: None,
        });
    }
    let client = builder(&server)
        .limits(Limits::default().rate(Rate::per_second(100)))
        .max_retries(1)
        .build()
        .unwrap();
    client
        .generate("fox")
        .send()
        .await
        .expect("sent until accepted");
    assert_eq!(server.requests_on(Listener::Api).len(), 6);

    // Without the limiter the same 429s are ordinary retries, and the budget runs out.
    for _ in 0..5 {
        server.push_fault(Fault::Status {
            status: 429,
            retry_after: None,
        });
    }
    let err = builder(&server)
        .limits(Limits::none())
        .max_retries(1)
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn when_the_deadline_passes_waiting_the_caller_learns_it_was_rate_limited() {
    let server = MockServer::builder()
        .fault(Fault::Status {
            status: 429,
            retry_after: None,
        })
        .start()
        .await
        .unwrap();
    let err = builder(&server)
        .timeout(Duration::from_millis(500))
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap()
        .generate("fox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(server.requests_on(Listener::Api).len() > 1);
}

#[test]
fn impossible_limits_are_refused_naming_the_setting() {
    let err = FluxClient::builder()
        .api_key("sk-test")
        .limits(Limits::default().max_concurrent(0))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                field: "limits.max_concurrent",
                ..
            }
        ),
        "{err:?}"
    );
    let err = FluxClient::builder()
        .api_key("sk-test")
        .limits(Limits::default().rate(Rate::new(0, Duration::from_secs(1))))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidConfig {
                field: "limits.rate",
                ..
            }
        ),
        "{err:?}"
    );
}
