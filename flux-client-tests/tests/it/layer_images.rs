//! Images: bytes, saving (names, extensions, no partial files) and downloads that never carry
//! the key.

use flux_client::Error;
use flux_client_tests::scripted::{Reply, ScriptedServer};
use serde_json::json;

use crate::layer_common::*;

/// An API server answering with `urls`, and its client, which asked for as many images (with
/// `n` unset only the document's default, one, would be kept).
async fn generate(urls: &[String]) -> (flux_client::Images, ScriptedServer) {
    let api = ScriptedServer::start().await;
    api.push(images_reply(urls));
    let n = i64::try_from(urls.len()).unwrap();
    let images = client_for(&api).generate("fox").n(n).send().await.unwrap();
    (images, api)
}

fn image_reply(bytes: &[u8]) -> Reply {
    Reply::status(200)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
}

#[tokio::test]
async fn the_image_host_never_sees_the_key() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(PNG));
    host.push(image_reply(PNG));
    let (images, api) = generate(&[format!("{}/img/a.png?sig=1", host.url())]).await;
    let image = images.iter().next().unwrap();

    assert_eq!(image.bytes().await.unwrap(), PNG);
    let dir = tempfile::tempdir().unwrap();
    image.save_in(dir.path()).await.unwrap();

    assert_eq!(api.requests()[0].header("authorization"), Some(KEY));
    let downloads = host.requests();
    assert_eq!(downloads.len(), 2);
    for request in downloads {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/img/a.png?sig=1");
        assert_eq!(request.header("authorization"), None);
        assert!(!request.contains(KEY), "{request:?}");
    }
}

#[tokio::test]
async fn save_in_names_files_by_their_bytes_and_never_overwrites() {
    let host = ScriptedServer::start().await;
    for bytes in [PNG, JPEG, WEBP, PNG] {
        host.push(image_reply(bytes));
    }
    let urls: Vec<String> = (1..=3).map(|i| format!("{}/{i}", host.url())).collect();
    let (images, _api) = generate(&urls).await;
    assert_eq!(images.created(), 1_700_000_000);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for image in &images {
        paths.push(image.save_in(dir.path()).await.unwrap());
    }
    // The first image again: its name is taken, so a new one is chosen.
    paths.push(
        images
            .iter()
            .next()
            .unwrap()
            .save_in(dir.path())
            .await
            .unwrap(),
    );

    let names: Vec<_> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "flux-1700000000-1.png",
            "flux-1700000000-2.jpg",
            "flux-1700000000-3.webp",
            "flux-1700000000-1-2.png",
        ]
    );
    for (path, bytes) in paths.iter().zip([PNG, JPEG, WEBP, PNG]) {
        assert_eq!(std::fs::read(path).unwrap(), bytes);
    }
    assert_eq!(files_in(dir.path()).len(), 4, "no temporary files left");
}

#[tokio::test]
async fn save_in_creates_the_directory() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(JPEG));
    let (images, _api) = generate(&[format!("{}/a", host.url())]).await;
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("out/today");
    let path = images
        .iter()
        .next()
        .unwrap()
        .save_in(&nested)
        .await
        .unwrap();
    assert_eq!(path.parent().unwrap(), nested);
    assert_eq!(std::fs::read(path).unwrap(), JPEG);
}

#[tokio::test]
async fn save_all_in_downloads_concurrently_in_order() {
    let host = ScriptedServer::start().await;
    // The first answer is slow: order of results must still follow the images.
    host.push(image_reply(PNG).delay(std::time::Duration::from_millis(200)));
    host.push(image_reply(JPEG));
    let urls = vec![format!("{}/1", host.url()), format!("{}/2", host.url())];
    let (images, _api) = generate(&urls).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = images.save_all_in(dir.path()).await.unwrap();
    assert_eq!(paths.len(), 2);
    let mut contents: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    contents.sort();
    let mut expected = vec![PNG.to_vec(), JPEG.to_vec()];
    expected.sort();
    assert_eq!(contents, expected);
    assert_eq!(host.requests().len(), 2);
}

#[tokio::test]
async fn save_all_in_and_save_all_as_save_all_or_nothing() {
    for named in [false, true] {
        let host = ScriptedServer::start().await;
        // Whichever download comes first succeeds; the other fails later, after that file is
        // in place.
        host.push(image_reply(PNG));
        host.push(Reply::status(404).delay(std::time::Duration::from_millis(200)));
        let urls = vec![format!("{}/1", host.url()), format!("{}/2", host.url())];
        let (images, _api) = generate(&urls).await;
        let dir = tempfile::tempdir().unwrap();
        let err = if named {
            images
                .save_all_as(dir.path(), |image| format!("line-7-{}", image.index() + 1))
                .await
        } else {
            images.save_all_in(dir.path()).await
        }
        .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Download {
                    status: Some(404),
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(host.requests().len(), 2, "both downloads ran");
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "named: {named}: the saved image is removed"
        );
    }
    // And when all succeed, the stems name the files.
    let host = ScriptedServer::start().await;
    host.push(image_reply(PNG));
    host.push(image_reply(PNG));
    let urls = vec![format!("{}/1", host.url()), format!("{}/2", host.url())];
    let (images, _api) = generate(&urls).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = images
        .save_all_as(dir.path(), |image| format!("line-7-{}", image.index() + 1))
        .await
        .unwrap();
    assert_eq!(
        paths,
        [
            dir.path().join("line-7-1.png"),
            dir.path().join("line-7-2.png")
        ]
    );
}

#[tokio::test]
async fn a_dropped_save_all_in_removes_what_it_saved() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(PNG));
    host.push(image_reply(PNG).delay(std::time::Duration::from_secs(600)));
    let urls = vec![format!("{}/1", host.url()), format!("{}/2", host.url())];
    let (images, _api) = generate(&urls).await;
    let dir = tempfile::tempdir().unwrap();
    let first_saved = async {
        while !files_in(dir.path()).iter().any(|f| f.ends_with(".png")) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        result = images.save_all_in(dir.path()) => panic!("finished: {result:?}"),
        () = first_saved => {}
    }
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn save_to_writes_exactly_there_and_replaces() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(WEBP));
    let (images, _api) = generate(&[format!("{}/a", host.url())]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fox.img");
    std::fs::write(&path, b"old").unwrap();
    let saved = images.iter().next().unwrap().save_to(&path).await.unwrap();
    assert_eq!(saved, path);
    assert_eq!(std::fs::read(&path).unwrap(), WEBP);
    assert_eq!(files_in(dir.path()), ["fox.img"]);
}

#[tokio::test]
async fn save_as_names_by_stem_and_format_and_replaces() {
    let host = ScriptedServer::start().await;
    host.push(image_reply(JPEG));
    let (images, _api) = generate(&[format!("{}/a", host.url())]).await;
    let image = images.first();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("line-7-1.jpg"), b"a killed run's file").unwrap();
    let saved = image.save_as(dir.path(), "line-7-1").await.unwrap();
    assert_eq!(saved, dir.path().join("line-7-1.jpg"));
    assert_eq!(std::fs::read(&saved).unwrap(), JPEG);
    assert_eq!(files_in(dir.path()), ["line-7-1.jpg"]);

    for stem in ["", "..", "../escape", "a/b", "a\\b"] {
        match image.save_as(dir.path(), stem).await {
            Err(Error::Io { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::InvalidInput, "{stem:?}")
            }
            other => panic!("{stem:?}: {other:?}"),
        }
    }
    assert_eq!(host.requests().len(), 1, "refused stems download nothing");
}

#[tokio::test]
async fn failed_downloads_leave_no_file() {
    let host = ScriptedServer::start().await;
    let mut truncated = PNG.to_vec();
    truncated.extend_from_slice(&[7; 4096]);
    host.push(Reply::status(404).body("not found"));
    // A body that breaks off is retried (three times by default), a 404 or HTML is not.
    for _ in 0..4 {
        host.push(image_reply(&truncated).truncate_at(100));
    }
    host.push(image_reply(b"<html>not an image</html>"));
    let urls: Vec<String> = (1..=3).map(|i| format!("{}/{i}", host.url())).collect();
    let (images, _api) = generate(&urls).await;
    let dir = tempfile::tempdir().unwrap();
    let images: Vec<_> = images.into_iter().collect();

    let err = images[0].save_in(dir.path()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Download { host, status: Some(404), .. } if host == "127.0.0.1"),
        "{err:?}"
    );
    let err = images[1].save_in(dir.path()).await.unwrap_err();
    assert!(
        matches!(err, Error::Download { status: None, .. }),
        "{err:?}"
    );
    let err = images[2].save_in(dir.path()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Download { reason, .. } if reason.contains("not a PNG")),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("/3"),
        "the URL path is not shown: {err}"
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
    assert_eq!(host.pending(), 0, "each answer was asked for exactly once");
}

#[tokio::test]
async fn a_failed_save_to_leaves_the_old_file() {
    let host = ScriptedServer::start().await;
    host.push(Reply::status(500));
    let (images, _api) = generate(&[format!("{}/a", host.url())]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.png");
    std::fs::write(&path, b"old").unwrap();
    images
        .iter()
        .next()
        .unwrap()
        .save_to(&path)
        .await
        .unwrap_err();
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(files_in(dir.path()), ["keep.png"]);
}

#[tokio::test]
async fn downloads_are_capped() {
    let host = ScriptedServer::start().await;
    let mut big = PNG.to_vec();
    big.extend_from_slice(&[0; 10_000]);
    host.push(image_reply(&big));
    host.push(image_reply(&big));
    let api = ScriptedServer::start().await;
    api.push(images_reply(&[format!("{}/big", host.url())]));
    let client = builder_for(&api).max_download_bytes(1_000).build().unwrap();
    let images = client.generate("fox").send().await.unwrap();
    let image = images.iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = image.save_in(dir.path()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Download { reason, .. } if reason.contains("cap")),
        "{err:?}"
    );
    let err = image.bytes().await.unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err:?}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn only_http_urls_are_downloaded() {
    let (images, _api) = generate(&["file:///etc/passwd".into()]).await;
    let image = images.iter().next().unwrap();
    assert_eq!(image.url(), Some("file:///etc/passwd"));
    let err = image.bytes().await.unwrap_err();
    assert!(
        matches!(&err, Error::Download { reason, .. } if reason.contains("http")),
        "{err:?}"
    );
}

#[tokio::test]
async fn base64_images_decode_and_save_without_a_download() {
    let api = ScriptedServer::start().await;
    api.push(b64_reply(JPEG));
    let images = client_for(&api)
        .generate("fox")
        .output_format("b64_json")
        .send()
        .await
        .unwrap();
    let image = images.iter().next().unwrap();
    assert_eq!(image.url(), None, "an empty url counts as absent");
    assert!(image.b64_json().is_some());
    assert_eq!(image.revised_prompt(), Some("a fox, revised"));
    assert_eq!(image.bytes().await.unwrap(), JPEG);
    let dir = tempfile::tempdir().unwrap();
    let path = image.save_in(dir.path()).await.unwrap();
    assert_eq!(path.extension().unwrap(), "jpg");
    assert_eq!(std::fs::read(path).unwrap(), JPEG);
    assert_eq!(api.requests().len(), 1);
}

#[tokio::test]
async fn empty_strings_are_absent_and_bad_base64_is_a_decode_error() {
    let api = ScriptedServer::start().await;
    api.push(Reply::json(
        200,
        &json!({"created": 5, "data": [{"url": "", "b64_json": "***", "revised_prompt": ""}]}),
    ));
    let images = client_for(&api).generate("fox").send().await.unwrap();
    let image = images.iter().next().unwrap();
    assert_eq!(image.url(), None);
    assert_eq!(image.revised_prompt(), None);
    let err = image.bytes().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let dir = tempfile::tempdir().unwrap();
    image.save_in(dir.path()).await.unwrap_err();
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}
