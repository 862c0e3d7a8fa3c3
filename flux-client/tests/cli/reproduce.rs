//! Reproducible results: seeds, parameters embedded in images, `inspect`, `--from`, `--dry-run`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

/// The `iTXt` texts of a PNG file, as (keyword, text), and its pixel data (`IDAT` contents).
fn png_texts_and_pixels(path: &Path) -> (Vec<(String, String)>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (mut texts, mut pixels, mut at) = (Vec::new(), Vec::new(), 8);
    while at + 12 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        if kind == b"iTXt" {
            let end = data.iter().position(|&b| b == 0).unwrap();
            let keyword = String::from_utf8(data[..end].to_vec()).unwrap();
            // Compression flag and method, empty language tag and translated keyword.
            assert_eq!(&data[end..end + 5], &[0, 0, 0, 0, 0]);
            texts.push((
                keyword,
                String::from_utf8(data[end + 5..].to_vec()).unwrap(),
            ));
        } else if kind == b"IDAT" {
            pixels.extend_from_slice(data);
        }
        at += 12 + len;
    }
    (texts, pixels)
}

fn saved(output: &std::process::Output) -> PathBuf {
    let paths: Vec<PathBuf> = stdout(output).lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 1, "one saved image: {paths:?}");
    paths[0].clone()
}

fn inspect_json(path: &Path) -> Value {
    let output = run(flux().args(["inspect", "--json"]).arg(path));
    assert_status(&output, 0);
    let list: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    list[0].clone()
}

#[test]
fn a_saved_png_carries_prompt_and_seed_and_the_seed_makes_the_same_pixels_again() {
    let out = tempfile::tempdir().unwrap();
    let output = run(flux()
        .args([
            "generate",
            "--mock",
            "a lighthouse at dusk",
            "--size",
            "9:16",
            "--out",
        ])
        .arg(out.path()));
    assert_status(&output, 0);
    let first = saved(&output);

    let (texts, pixels) = png_texts_and_pixels(&first);
    let parameters = &texts.iter().find(|(k, _)| k == "parameters").unwrap().1;
    let mut lines = parameters.lines();
    assert_eq!(lines.next(), Some("a lighthouse at dusk"));
    let summary = lines.next().unwrap();
    assert!(summary.starts_with("Seed: "), "{summary}");
    assert!(
        summary.contains("Size: 9:16") && summary.contains("Model: "),
        "{summary}"
    );
    let embedded: Value =
        serde_json::from_str(&texts.iter().find(|(k, _)| k == "flux-client").unwrap().1).unwrap();

    let report = inspect_json(&first);
    assert_eq!(report["file"], first.to_str().unwrap());
    assert_eq!(report["request"]["prompt"], "a lighthouse at dusk");
    assert_eq!(report["request"]["size"], "9:16");
    let seed = report["request"]["seed"].as_i64().expect("a seed was sent");
    assert!((0..=i64::from(i32::MAX)).contains(&seed));
    assert_eq!(report["request"], embedded["request"]);
    assert_eq!(report["model"], "flux-pro-v1.1-ultra-text-to-image");
    assert!(report["created"].as_i64().unwrap() > 0);
    assert!(stderr(&output).contains(&format!("flux: seed {seed} (picked by flux)")));

    // The same prompt and seed again: the same pixels.
    let again = run(flux()
        .args([
            "generate",
            "--mock",
            "a lighthouse at dusk",
            "--size",
            "9:16",
        ])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(out.path()));
    assert_status(&again, 0);
    assert_ne!(saved(&again), first);
    assert_eq!(png_texts_and_pixels(&saved(&again)).1, pixels);

    // --from resends the embedded request; an option on the command line replaces its field.
    let from = run(flux()
        .args(["generate", "--mock", "--out"])
        .arg(out.path())
        .arg("--from")
        .arg(&first));
    assert_status(&from, 0);
    assert_eq!(png_texts_and_pixels(&saved(&from)).1, pixels);
    assert_eq!(inspect_json(&saved(&from))["request"], report["request"]);
    let square = run(flux()
        .args(["generate", "--mock", "--size", "1:1", "--out"])
        .arg(out.path())
        .arg("--from")
        .arg(&first));
    assert_status(&square, 0);
    let request = &inspect_json(&saved(&square))["request"];
    assert_eq!(request["size"], "1:1");
    assert_eq!(request["seed"], seed);
    assert_eq!(request["prompt"], "a lighthouse at dusk");
}

#[test]
fn the_seed_is_sent_printed_in_json_and_the_key_is_never_embedded() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "a fox", "--json"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let printed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let seed = printed["seed"].as_i64().unwrap();
    assert_eq!(mock.generations()[0]["seed"], seed);
    let path = PathBuf::from(printed["images"][0]["path"].as_str().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    let key = mock.server.api_key().as_bytes();
    assert!(
        !bytes.windows(key.len()).any(|w| w == key),
        "the key is in the image"
    );

    // A seed given is sent as given; without --json it is printed on stderr. Negative unless
    // the document's range says otherwise.
    let given = flux_client::fields::field("seed")
        .and_then(|seed| seed.minimum)
        .map_or(-3, |minimum| minimum as i64 + 3);
    let given_text = given.to_string();
    let output = run(mock
        .flux(&["generate", "a fox", "--seed", &given_text])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    assert_eq!(mock.generations()[1]["seed"], given);
    assert!(stderr(&output).contains(&format!("flux: seed {given}\n")));
}

#[test]
fn no_metadata_saves_a_bare_image_and_inspect_says_so() {
    let out = tempfile::tempdir().unwrap();
    let output = run(flux()
        .args(["generate", "--mock", "a fox", "--no-metadata", "--out"])
        .arg(out.path()));
    assert_status(&output, 0);
    let path = saved(&output);
    assert!(png_texts_and_pixels(&path).0.is_empty());

    let inspect = run(flux().arg("inspect").arg(&path));
    assert_status(&inspect, 2);
    let message = stderr(&inspect);
    assert!(message.contains(path.to_str().unwrap()), "{message}");
    assert!(message.contains("carries no flux parameters"), "{message}");
    let from = run(flux().args(["generate", "--mock", "--from"]).arg(&path));
    assert_status(&from, 2);
}

#[test]
fn a_dry_run_sends_nothing_hides_the_key_and_its_curl_sends_the_same_body() {
    let mock = Mock::start();
    let prompt = "it's a \"quoted\" $HOME `date` prompt\nsecond line — ünïcödé 🦊";
    let output = run(flux()
        .args(["generate", "--dry-run", prompt, "--size", "9:16", "-n", "2"])
        .args(["--base-url", &mock.server.base_url()])
        .args(["--api-key", "K-secret-do-not-print"]));
    assert_status(&output, 0);
    assert!(mock.generations().is_empty(), "a dry run sent a request");
    let text = stdout(&output);
    assert!(!text.contains("K-secret") && !stderr(&output).contains("K-secret"));

    let curl = text
        .lines()
        .find(|l| l.starts_with("curl "))
        .expect("a curl command");
    let body_text = &text[..text.find("\ncurl ").unwrap()];
    let body: Value = serde_json::from_str(body_text).unwrap();
    assert_eq!(body["prompt"], prompt);
    assert!(body["seed"].is_i64(), "a seed is chosen: {body}");

    let sent = std::process::Command::new("sh")
        .arg("-c")
        .arg(curl)
        .env(flux_client::API_KEY_ENV, mock.server.api_key())
        .output()
        .expect("sh runs curl");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert_eq!(mock.generations(), std::slice::from_ref(&body));
    // Byte for byte what the client would send.
    let recorded = mock.server.requests_on(flux_client::mock::Listener::Api);
    assert_eq!(recorded[0].body, serde_json::to_vec(&body).unwrap());
    assert_eq!(
        recorded[0].header("authorization"),
        Some(mock.server.api_key())
    );
}

#[test]
fn a_batch_dry_run_prints_each_line_and_sends_nothing() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompts.jsonl");
    std::fs::write(&file, "{\"prompt\": \"a fox\", \"seed\": 1}\n\n{\"prompt\": \"x\", \"size\": \"7:5\"}\n{\"prompt\": \"a dog\"}\n").unwrap();
    let output = run(mock
        .flux(&["batch", "--dry-run"])
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg(&file));
    assert_status(&output, 2);
    assert!(mock.generations().is_empty());
    assert!(!dir.path().join("out").exists(), "a dry run writes nothing");
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[1]["line"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(lines[0]["request"]["seed"], 1);
    assert!(lines[1]["request"]["seed"].is_i64());
    assert!(stderr(&output).contains("line 3: invalid input"));
}

#[test]
fn batch_images_carry_the_line_seed_which_stays_the_same_on_a_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompts.jsonl");
    std::fs::write(&file, "{\"prompt\": \"a fox\"}\n").unwrap();
    let out = dir.path().join("out");
    let output = run(flux()
        .args(["batch", "--mock", "--out"])
        .arg(&out)
        .arg(&file));
    assert_status(&output, 0);
    let path = saved(&output);
    let seed = inspect_json(&path)["request"]["seed"].as_i64().unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains(&format!("seed {seed}")), "{html}");

    // Another directory, the same line: the same seed and pixels.
    let again = run(flux()
        .args(["batch", "--mock", "--out"])
        .arg(dir.path().join("again"))
        .arg(&file));
    assert_status(&again, 0);
    assert_eq!(
        png_texts_and_pixels(&saved(&again)).1,
        png_texts_and_pixels(&path).1
    );
}
