//! Hundreds of generations and downloads at once through ONE `FluxClient`: no error, every image
//! saved whole, and no connection left open once the client is gone.

use std::time::Duration;

use flux_client::mock::{Fault, Listener, MockServer};
use flux_client::{FluxClient, Limits, RetryPolicy};

use crate::layer_common::files_in;
use crate::suite_support::*;

const TASKS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_generations_and_downloads_through_one_client() {
    let server = MockServer::start().await.unwrap();
    // Without the limiter (layer_limits tests it): all 300 at once, not paced at 10/s.
    let client = builder(&server).limits(Limits::none()).build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TASKS {
        let client = client.clone();
        let dir = dir.path().to_path_buf();
        tasks.spawn(async move {
            let images = client
                .generate(format!("concurrent fox {i}"))
                .seed(i as i64)
                .send()
                .await?;
            let image = images.first();
            // Half download into memory, half stream to disk.
            if i % 2 == 0 {
                let bytes = image.bytes().await?;
                assert!(bytes.starts_with(b"\x89PNG"), "task {i}");
            } else {
                let path = image.save_in(&dir).await?;
                assert!(
                    std::fs::read(path).unwrap().starts_with(b"\x89PNG"),
                    "task {i}"
                );
            }
            Ok::<_, flux_client::Error>(())
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.unwrap().unwrap();
    }
    assert_eq!(server.requests_on(Listener::Api).len(), TASKS);
    assert_eq!(server.requests_on(Listener::Images).len(), TASKS);
    let saved = files_in(dir.path());
    assert_eq!(saved.len(), TASKS / 2, "one file per saved image");
    assert!(
        saved.iter().all(|name| name.ends_with(".png")),
        "no .part left"
    );
    assert_no_key_on_image_hosts(&server);

    assert!(
        server.open_connections() >= 1,
        "the client pools its connections"
    );
    drop(client);
    assert!(
        eventually(Duration::from_secs(10), || server.open_connections() == 0).await,
        "{} connections still open after the client was dropped",
        server.open_connections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rate_limits_are_retried_once_each() {
    const LIMITED: usize = 50;
    let server = MockServer::start().await.unwrap();
    for _ in 0..LIMITED {
        server.push_fault(Fault::Status {
            status: 429,
            retry_after: None,
        });
    }
    // Generous retries: which request meets which queued 429 is up to the scheduler.
    // Without the limiter, whose pace these 429s would lower: each is an ordinary retry here.
    let client = builder(&server)
        .limits(Limits::none())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(LIMITED as u32)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let client: FluxClient = client.clone();
        tasks.spawn(async move { client.generate(format!("fox {i}")).send().await });
    }
    while let Some(outcome) = tasks.join_next().await {
        assert_eq!(outcome.unwrap().unwrap().len(), 1);
    }
    assert_eq!(server.queued_faults(), 0);
    assert_eq!(
        attempts(&server),
        200 + LIMITED,
        "each 429 cost exactly one more attempt"
    );
    drop(client);
    assert!(eventually(Duration::from_secs(10), || server.open_connections() == 0).await);
}
