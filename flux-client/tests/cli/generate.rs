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
fn a_prompt_alone_sends_model_prompt_and_the_seed_flux_picked() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "a lighthouse"])
        .arg("-o")
        .arg(out.path()));
    assert_status(&output, 0);
    let seed = mock.generations()[0]["seed"].as_i64().expect("a seed");
    assert!(stderr(&output).contains(&format!("flux: seed {seed} (picked by flux)")));
    assert_eq!(
        mock.generations(),
        [json!({"model": flux_client::DEFAULT_MODEL, "prompt": "a lighthouse", "seed": seed})]
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
    assert_eq!(value["seed"], mock.generations()[0]["seed"]);
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

/// Reads one HTTP request (headers and a `Content-Length` body) from `stream`; returns its path.
fn read_request(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut data = Vec::new();
    let mut buf = [0; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the request ended early");
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if data.len() >= end + 4 + length {
            return head.split(' ').nth(1).unwrap_or_default().to_owned();
        }
    }
}

#[test]
fn ctrl_c_while_saving_leaves_no_image_behind() {
    use std::io::Write;
    use std::net::TcpListener;

    // A real image, from the mock.
    let mock = Mock::start();
    let made = tempfile::tempdir().unwrap();
    let made_dir = made.path().to_str().unwrap();
    let output = run(mock.flux(&["generate", "fox", "--out", made_dir]));
    assert_status(&output, 0);
    let png = std::fs::read(PathBuf::from(stdout(&output).trim())).unwrap();

    // An image host that serves /a.png at once and never answers /b.png.
    let host = TcpListener::bind("127.0.0.1:0").unwrap();
    let host_url = format!("http://{}", host.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut hanging = Vec::new();
        for stream in host.incoming() {
            let mut stream = stream.unwrap();
            if read_request(&mut stream) == "/a.png" {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    png.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&png);
            } else {
                hanging.push(stream);
            }
        }
    });
    // An API answering every request with those two images.
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    let api_url = format!("http://{}", api.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in api.incoming() {
            let mut stream = stream.unwrap();
            read_request(&mut stream);
            let body = json!({"created": 1, "data": [
                {"url": format!("{host_url}/a.png")},
                {"url": format!("{host_url}/b.png")},
            ]})
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });

    let out = tempfile::tempdir().unwrap();
    let child = flux()
        .args(["generate", "fox", "-n", "2", "--out"])
        .arg(out.path())
        .args(["--base-url", &api_url, "--api-key", "k"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first image is in place and the second is still downloading.
    let started = std::time::Instant::now();
    while !files_in(out.path()).iter().any(|f| f.ends_with(".png")) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no image saved: {:?}",
            files_in(out.path())
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    crate::batch::interrupt(child.id());
    let output = child.wait_with_output().unwrap();
    assert_status(&output, 130);
    assert_eq!(stdout(&output), "");
    assert_eq!(files_in(out.path()), Vec::<String>::new());
}
