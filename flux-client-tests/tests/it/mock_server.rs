//! The mock's lifecycle: concurrency, connection accounting, shutdown and drop.

use std::time::Duration;

use flux_client::mock::{Listener, MockServer};

use crate::mock_support::{api_client, body, minimal, post};

/// Polls `condition` until it holds or five seconds pass (connection closes are asynchronous).
async fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    condition()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_requests_through_one_client() {
    let server = MockServer::start().await.unwrap();
    let client = api_client(&server);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let client = client.clone();
        tasks.spawn(async move {
            let prompt = format!("concurrent {i}");
            client
                .create_image()
                .body(body(&prompt))
                .send()
                .await
                .map(|r| r.into_inner())
        });
    }
    let mut ok = 0;
    while let Some(result) = tasks.join_next().await {
        let response = result.unwrap().unwrap();
        assert_eq!(response.data.len(), 1);
        ok += 1;
    }
    assert_eq!(ok, 300);
    assert_eq!(server.requests_on(Listener::Api).len(), 300);
    assert!(server.connections_accepted() >= 1);
    assert!(server.open_connections() >= 1, "the client keeps its pool");

    drop(client);
    assert!(
        eventually(|| server.open_connections() == 0).await,
        "{} open",
        server.open_connections()
    );
}

#[tokio::test]
async fn shutdown_stops_every_listener() {
    let server = MockServer::start().await.unwrap();
    assert_eq!(post(&server, &minimal("p"), &[]).await.0, 200);
    let urls = [
        server.base_url(),
        server.image_base_url(),
        server.redirect_base_url(),
    ];
    server.shutdown().await;
    let client = reqwest::Client::new();
    for url in urls {
        let error = client.get(&url).send().await.unwrap_err();
        assert!(error.is_connect(), "{url}: {error:?}");
    }
}

#[tokio::test]
async fn shutdown_lets_an_exchange_in_progress_finish() {
    let server = MockServer::start().await.unwrap();
    let url = format!("{}/v1/images/generations", server.base_url());
    let request = crate::mock_support::authed_client(&server)
        .post(url)
        .header(MockServer::FAULT_HEADER, "delay;ms=300")
        .json(&minimal("p"))
        .send();
    let pending = tokio::spawn(request);
    assert!(eventually(|| !server.requests().is_empty()).await);
    server.shutdown().await;
    assert_eq!(pending.await.unwrap().unwrap().status(), 200);
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = MockServer::start().await.unwrap();
    let url = server.base_url();
    drop(server);
    let client = reqwest::Client::new();
    let mut refused = false;
    for _ in 0..100 {
        match client.get(&url).send().await {
            Err(error) if error.is_connect() => {
                refused = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    assert!(refused);
}

#[test]
fn the_server_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<MockServer>();
    assert_send_sync::<flux_client::mock::RecordedRequest>();
    assert_send_sync::<flux_client::mock::Fault>();
}
