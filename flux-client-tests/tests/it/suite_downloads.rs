//! Every image fault the mock injects, through the layer's downloads: the exact
//! [`Error::Download`] users see, no file (nor temporary file) left behind, and the key never
//! reaching the image host or the host it redirects to.

use std::time::Duration;

use flux_client::mock::{Fault, Listener, MockServer};
use flux_client::{AuthScheme, Error, Images};

use crate::layer_common::files_in;
use crate::suite_support::*;

const CAP: u64 = 10_000;

/// Generates `n` images whose URLs behave as `fault` says, with a download cap of [`CAP`].
async fn images_with(server: &MockServer, fault: Fault, n: u32) -> Images {
    server.push_fault(fault);
    builder(server)
        .max_download_bytes(CAP)
        // Shorter than the 5 s image delay; the generation keeps the default timeout.
        .download_policy(
            crate::layer_common::fast_downloads()
                .timeout(Duration::from_secs(2))
                .max_retries(0),
        )
        .build()
        .unwrap()
        .generate("a fox")
        .n(n)
        .send()
        .await
        .expect("image faults leave the generation itself intact")
}

/// Every way of getting the image fails with the same error, and leaves nothing on disk.
async fn assert_every_download_fails(images: &Images, server: &MockServer) -> Error {
    let dir = tempfile::tempdir().unwrap();
    let image = images.first();
    let err = image.save_in(dir.path()).await.unwrap_err();
    assert_presentable(&err, server);
    let from_bytes = image.bytes().await.unwrap_err();
    assert_eq!(from_bytes.to_string(), err.to_string());
    let exact = dir.path().join("fox.png");
    let from_save_to = image.save_to(&exact).await.unwrap_err();
    assert_eq!(from_save_to.to_string(), err.to_string());
    let all = images.save_all_in(dir.path()).await.unwrap_err();
    assert_eq!(all.to_string(), err.to_string());
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "no file, no .part"
    );
    assert_no_key_on_image_hosts(server);
    assert_eq!(
        attempts(server),
        1,
        "a failed download never re-sends the generation"
    );
    err
}

#[tokio::test]
async fn an_image_404_is_a_download_error_with_the_status() {
    let server = MockServer::start().await.unwrap();
    let images = images_with(&server, Fault::ImageNotFound, 2).await;
    let err = assert_every_download_fails(&images, &server).await;
    assert!(
        matches!(&err, Error::Download { host, status: Some(404), reason, .. }
            if host == "127.0.0.1" && reason == "the image host answered 404 Not Found"),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        err.to_string(),
        "download from 127.0.0.1 failed: the image host answered 404 Not Found"
    );
    // save_in, bytes, save_to, and save_all_in's two images: no download is retried.
    let downloads = server.requests_on(Listener::Images).len();
    assert_eq!(downloads, 5);
}

#[tokio::test]
async fn an_image_over_the_cap_is_refused_announced_or_not() {
    for content_length in [true, false] {
        let server = MockServer::start().await.unwrap();
        let fault = Fault::ImageTooLarge {
            bytes: 1_000_000,
            content_length,
        };
        let images = images_with(&server, fault, 1).await;
        let err = assert_every_download_fails(&images, &server).await;
        assert!(
            matches!(&err, Error::Download { host, status: None, reason, .. }
                if host == "127.0.0.1" && *reason == format!("the image is larger than the {CAP} byte cap")),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "download from 127.0.0.1 failed: the image is larger than the 10000 byte cap"
        );
    }
}

#[tokio::test]
async fn a_slow_image_host_is_a_download_timeout() {
    let server = MockServer::start().await.unwrap();
    let images = images_with(&server, Fault::ImageDelay(Duration::from_secs(5)), 1).await;
    let err = assert_every_download_fails(&images, &server).await;
    assert!(
        matches!(&err, Error::Download { host, status: None, reason, .. } if host == "127.0.0.1" && reason == "timed out"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "download from 127.0.0.1 failed: timed out");
    assert!(err.is_timeout() && err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_short_image_delay_only_slows_the_download() {
    let server = MockServer::start().await.unwrap();
    let images = images_with(&server, Fault::ImageDelay(Duration::from_millis(50)), 1).await;
    let bytes = images.first().bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn a_redirect_to_another_host_is_followed_without_the_key() {
    for scheme in [AuthScheme::RawKey, AuthScheme::Bearer] {
        let server = MockServer::start().await.unwrap();
        server.push_fault(Fault::ImageRedirect);
        let images = builder(&server)
            .auth_scheme(scheme)
            .build()
            .unwrap()
            .generate("a fox")
            .n(2)
            .send()
            .await
            .unwrap();
        assert!(
            server.requests_on(Listener::Api)[0]
                .header("authorization")
                .is_some()
        );
        let dir = tempfile::tempdir().unwrap();
        let paths = images.save_all_in(dir.path()).await.unwrap();
        assert_eq!(paths.len(), 2);
        let bytes = images.first().bytes().await.unwrap();
        assert_eq!(std::fs::read(&paths[0]).unwrap(), bytes);
        assert_eq!(server.requests_on(Listener::Images).len(), 3);
        assert_eq!(
            server.requests_on(Listener::Redirect).len(),
            3,
            "{scheme:?}: every download went through the redirect"
        );
        assert_no_key_on_image_hosts(&server);
    }
}

#[tokio::test]
async fn a_failed_save_into_a_directory_with_files_adds_nothing() {
    let server = MockServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = client(&server).generate("fox").send().await.unwrap();
    let kept = good.first().save_in(dir.path()).await.unwrap();
    let before = files_in(dir.path());
    assert_eq!(before.len(), 1);
    let broken = images_with(
        &server,
        Fault::ImageTooLarge {
            bytes: 1_000_000,
            content_length: false,
        },
        1,
    )
    .await;
    broken.first().save_to(&kept).await.unwrap_err();
    broken.first().save_in(dir.path()).await.unwrap_err();
    assert_eq!(files_in(dir.path()), before);
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        good.first().bytes().await.unwrap()
    );
}
