//! `flux generate`: what is sent, what is saved, what is printed.

use std::path::PathBuf;

use flux_client::mock::Fault;
use serde_json::{Value, json};

use crate::support::*;

#[test]
fn every_option_reaches_the_request_body_and_the_images_are_saved() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "a red fox in fresh snow"])
        .args(["--model", "flux-pro-v1.1-ultra-text-to-image"])
        .args(["--size", "9:16", "--seed", "42", "-n", "2"])
        .args(["--image-url", "https://images.example.com/fox.png"])
        .args(["--image-prompt-strength", "0.25"])
        .args([
            "--enhance-prompt",
            "--raw=false",
            "--enable-safety-checker=false",
        ])
        .args(["--safety-tolerance", "5", "--output-format", "url"])
        .args(["--timeout", "30", "--max-retries", "1"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);

    assert_eq!(
        mock.generations(),
        [json!({
            "model": "flux-pro-v1.1-ultra-text-to-image",
            "prompt": "a red fox in fresh snow",
            "size": "9:16",
            "seed": 42,
            "n": 2,
            "image_url": "https://images.example.com/fox.png",
            "image_prompt_strength": 0.25,
            "enhance_prompt": true,
            "raw": false,
            "enable_safety_checker": false,
            "safety_tolerance": "5",
            "output_format": "url",
        })]
    );
    let paths: Vec<PathBuf> = stdout(&output).lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 2, "one saved path per image");
    for path in &paths {
        assert!(path.starts_with(out.path()));
        assert_eq!(path.extension().unwrap(), "png");
        let (width, height) = png_size(path);
        assert_eq!(width * 16, height * 9, "a 9:16 image, got {width}x{height}");
    }
    assert_ne!(paths[0], paths[1]);

    // Saved images get the permissions of any new file, not a temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let reference = out.path().join("reference");
        std::fs::write(&reference, b"").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&paths[0]), mode(&reference));
    }
}

#[test]
fn a_prompt_alone_sends_only_model_and_prompt() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "a lighthouse"])
        .arg("-o")
        .arg(out.path()));
    assert_status(&output, 0);
    assert_eq!(
        mock.generations(),
        [json!({"model": flux_client::DEFAULT_MODEL, "prompt": "a lighthouse"})]
    );
    assert_eq!(files_in(out.path()).len(), 1);
}

#[test]
fn saving_twice_never_overwrites() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let output = run(mock
            .flux(&["generate", "fox", "--seed", "1"])
            .arg("--out")
            .arg(out.path()));
        assert_status(&output, 0);
    }
    assert_eq!(files_in(out.path()).len(), 2);
}

#[test]
fn json_prints_one_object_and_nothing_else() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "fox", "-n", "2", "--json"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert!(value["created"].is_i64());
    let images = value["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    for image in images {
        let url = image["url"].as_str().unwrap();
        assert!(url.starts_with(&mock.server.image_base_url()), "{url}");
        let path = PathBuf::from(image["path"].as_str().unwrap());
        assert!(path.exists());
        assert_eq!(image["revised_prompt"], Value::Null);
        assert_eq!(image.as_object().unwrap().len(), 3);
    }
    assert_eq!(stderr(&output), "", "quiet with --json");
}

#[test]
fn no_download_prints_urls_and_fetches_nothing() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "fox", "-n", "3", "--no-download"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let urls: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(urls.len(), 3);
    assert!(
        urls.iter()
            .all(|u| u.starts_with(&mock.server.image_base_url()))
    );
    assert_eq!(mock.image_requests(), 0);
    assert!(files_in(out.path()).is_empty());

    let output = run(mock.flux(&["generate", "fox", "--no-download", "--json"]));
    assert_status(&output, 0);
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["images"][0]["path"], Value::Null);
    assert!(value["images"][0]["url"].is_string());
}

#[test]
fn base64_images_are_decoded_and_saved() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&[
            "generate",
            "fox",
            "--output-format",
            "b64_json",
            "--size",
            "1:1",
            "--json",
        ])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["images"][0]["url"], Value::Null);
    let (width, height) = png_size(&PathBuf::from(value["images"][0]["path"].as_str().unwrap()));
    assert_eq!(width, height);
    assert_eq!(mock.image_requests(), 0);
}

#[test]
fn builtin_mock_needs_no_key() {
    let out = tempfile::tempdir().unwrap();
    let output = run(flux()
        .args([
            "generate",
            "--mock",
            "a red fox in fresh snow, golden hour",
            "--json",
        ])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(PathBuf::from(value["images"][0]["path"].as_str().unwrap()).exists());
}

#[test]
fn builtin_mock_takes_faults() {
    let output = run(flux().args([
        "generate",
        "--mock",
        "fox",
        "--mock-fault",
        "status;code=402",
        "--no-download",
    ]));
    assert_status(&output, 1);
    assert!(stderr(&output).contains("402"), "{}", stderr(&output));
}

#[test]
fn connection_settings_come_from_the_environment() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(flux()
        .args(["generate", "fox", "--out"])
        .arg(out.path())
        .env(flux_client::BASE_URL_ENV, mock.server.base_url())
        .env(flux_client::API_KEY_ENV, mock.server.api_key()));
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 1);
}

#[test]
fn max_retries_bounds_the_attempts() {
    let mock = Mock::start();
    mock.server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some(0),
    });
    let output = run(mock.flux(&["generate", "fox", "--no-download", "--max-retries", "1"]));
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 2, "one retry after the 503");

    let mock = Mock::start();
    mock.server.push_fault(Fault::Status {
        status: 503,
        retry_after: Some(0),
    });
    let output = run(mock.flux(&["generate", "fox", "--no-download", "--max-retries", "0"]));
    assert_status(&output, 1);
    assert_eq!(mock.generations().len(), 1, "no retry");
}
