//! A careful user's bad day: a flaky image host, a full disk, a hand-edited manifest, output
//! that cannot be written, a bad `--out`, two batches at once, a refused key. No paid image
//! is lost, none is paid for twice.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use flux_client::mock::Fault;
use serde_json::json;

use crate::support::*;

fn input(dir: &Path, lines: &[serde_json::Value]) -> std::path::PathBuf {
    let path = dir.join("input.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn batch(mock: &Mock, input: &Path, out: &Path) -> std::process::Output {
    run(mock.flux(&["batch"]).arg(input).arg("--out").arg(out))
}

#[test]
fn an_image_host_503_once_still_saves_the_image_with_one_generation() {
    let mock = Mock::with_faults(&[Fault::ImageStatus {
        status: 503,
        times: 1,
    }]);
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["generate", "a fox"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let path = stdout(&output).trim().to_owned();
    assert!(Path::new(&path).is_file(), "{path}");
    assert_eq!(mock.generations().len(), 1);
    assert_eq!(mock.image_requests(), 2, "the 503, then the image");
}

#[test]
fn a_local_disk_error_stops_the_batch_without_a_second_generation_across_runs() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A directory where the image must go: the rename fails like a full disk would.
    std::fs::create_dir_all(out.join("line-000001-1.png")).unwrap();
    let input = input(dir.path(), &[json!({"prompt": "paid once"})]);
    for run in 1..=3 {
        let output = batch(&mock, &input, &out);
        // A disk that cannot hold a paid image stops the batch (exit 1), naming the recovery.
        assert_status(&output, 1);
        assert!(
            stderr(&output).contains("line 1 was paid for: image 1 not saved, its URL: http"),
            "run {run}: {}",
            stderr(&output)
        );
        assert!(
            !stderr(&output).contains("generating again"),
            "run {run}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("line-000001-1.png"),
            "{}",
            stderr(&output)
        );
        assert_eq!(mock.generations().len(), 1, "run {run}: paid once");
    }
    // The disk is fixed: the journal is used, still without paying again.
    std::fs::remove_dir(out.join("line-000001-1.png")).unwrap();
    let output = batch(&mock, &input, &out);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 1);
    assert!(out.join("line-000001-1.png").is_file());
}

#[test]
fn a_journaled_line_whose_urls_expired_but_whose_files_are_complete_is_not_paid_again() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let request = json!({"prompt": "saved before the crash"});
    let input = input(dir.path(), std::slice::from_ref(&request));
    let gone = format!("{}/images/999999.png", mock.server.image_base_url());
    let record = json!({"line": 1, "status": "generated", "request": request, "created": 1,
        "images": [{"url": gone, "revised_prompt": null}]});
    std::fs::write(out.join("manifest.jsonl"), format!("{record}\n")).unwrap();
    // The image was saved whole before the run was killed, but not recorded.
    let output = run(mock.flux(&["generate", "earlier"]).arg("--out").arg(&out));
    assert_status(&output, 0);
    std::fs::rename(stdout(&output).trim(), out.join("line-000001-1.png")).unwrap();
    let before = mock.generations().len();

    let output = batch(&mock, &input, &out);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), before, "not generated again");
}

#[test]
fn a_complete_last_manifest_line_that_is_not_a_record_exits_2_and_stays() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let input = input(dir.path(), &[json!({"prompt": "one"})]);
    for foreign in ["{\"v2\": {\"line\": 1}}\n", "a note by hand\n"] {
        let text = format!(
            "{}\n{foreign}",
            json!({"line": 1, "status": "failed", "request": {"prompt": "one"},
                "error": {"message": "x", "http_status": null, "retry": true}})
        );
        std::fs::write(out.join("manifest.jsonl"), &text).unwrap();
        let output = batch(&mock, &input, &out);
        assert_status(&output, 2);
        assert!(stderr(&output).contains("line 2"), "{}", stderr(&output));
        assert_eq!(
            std::fs::read_to_string(out.join("manifest.jsonl")).unwrap(),
            text
        );
        assert_eq!(mock.generations().len(), 0);
    }
}

#[test]
fn stdout_that_cannot_be_written_never_panics_and_leaves_no_image() {
    let mock = Mock::start();
    let out = tempfile::tempdir().unwrap();
    let full = std::fs::File::create("/dev/full").unwrap();
    let output = mock
        .flux(&["generate", "a fox"])
        .arg("--out")
        .arg(out.path())
        .stdout(full)
        .output()
        .unwrap();
    assert_status(&output, 1);
    assert!(
        stderr(&output).contains("standard output"),
        "{}",
        stderr(&output)
    );
    assert_eq!(files_in(out.path()), Vec::<String>::new());

    // A closed pipe (`| head -0`): quiet, status 141, no image.
    let mut child = mock
        .flux(&["generate", "a fox"])
        .arg("--out")
        .arg(out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_status(&output, 141);
    assert_eq!(stderr(&output), "");
    assert_eq!(files_in(out.path()), Vec::<String>::new());
}

#[test]
fn a_batch_whose_stdout_fails_keeps_recorded_images_and_exits_1() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let input = input(dir.path(), &[json!({"prompt": "one"})]);
    let output = mock
        .flux(&["batch"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_status(&output, 1);
    // Recorded as done before its path was printed: kept, and not paid for again.
    assert!(out.join("line-000001-1.png").is_file());
    let output = batch(&mock, &input, &out);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 1);
}

#[test]
fn an_out_that_cannot_hold_images_exits_2_before_anything_is_sent() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    for out in [file.as_path(), Path::new("/dev/full")] {
        let output = run(mock.flux(&["generate", "a fox"]).arg("--out").arg(out));
        assert_status(&output, 2);
        assert!(stderr(&output).contains("--out"), "{}", stderr(&output));
    }
    assert_eq!(mock.generations().len(), 0, "nothing sent");
}

#[test]
fn two_batches_on_one_directory_never_pay_for_a_line_twice() {
    let mock = Mock::with_faults(&[Fault::Delay(Duration::from_millis(200))]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // A `flux generate` still downloading into the same directory.
    std::fs::write(out.join(".flux-flux-1700000000-1-abcdef.part"), b"half").unwrap();
    let lines: Vec<_> = (0..6)
        .map(|i| json!({"prompt": format!("line {i}")}))
        .collect();
    let input = input(dir.path(), &lines);
    let start = |_| {
        mock.flux(&["batch", "--concurrency", "1"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..2).map(start).collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for output in &outputs {
        let code = output.status.code();
        assert!(code == Some(0) || code == Some(2), "{}", stderr(output));
        if code == Some(2) {
            assert!(
                stderr(output).contains("another `flux batch`"),
                "{}",
                stderr(output)
            );
        }
    }
    assert_eq!(mock.generations().len(), 6, "each line paid for once");
    assert!(out.join(".flux-flux-1700000000-1-abcdef.part").exists());
}

#[test]
fn a_refused_key_stops_the_whole_batch_at_once() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let lines: Vec<_> = (0..5)
        .map(|i| json!({"prompt": format!("line {i}")}))
        .collect();
    let input = input(dir.path(), &lines);
    let output = run(flux()
        .args(["batch", "--concurrency", "1"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .args(["--base-url", &mock.server.base_url()])
        .args(["--api-key", "sk-wrong-key-000000"]));
    assert_status(&output, 1);
    assert!(stderr(&output).contains("401"), "{}", stderr(&output));
    assert_eq!(
        mock.server
            .requests_on(flux_client::mock::Listener::Api)
            .len(),
        1,
        "one refused request, not one per line"
    );
}

#[test]
fn verbose_shows_attempts_retry_waits_and_downloads_with_the_key_redacted() {
    let key = "sk-verbose-secret-0123456789";
    let mock = Mock::with_key(key, &[]);
    mock.server.push_fault(Fault::Status {
        status: 503,
        retry_after: None,
    });
    let out = tempfile::tempdir().unwrap();
    let output = run(mock
        .flux(&["-v", "generate", "a fox"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let err = stderr(&output);
    for needle in [
        "attempt",
        "retrying",
        "wait_ms",
        "flux.download",
        "downloaded",
    ] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
    assert!(!err.contains(key), "{err}");
    let quiet = run(mock
        .flux(&["generate", "a fox"])
        .arg("--out")
        .arg(out.path()));
    let quiet = stderr(&quiet);
    assert!(
        quiet.starts_with("flux: seed ") && quiet.lines().count() == 1,
        "only the seed line without -v or RUST_LOG: {quiet}"
    );
}

#[test]
fn server_text_is_cleaned_and_an_echoed_key_redacted() {
    let key = "sk-echo-secret-0123456789";
    let message = format!("invalid key {key}\u{1b}[2J\u{7} try again");
    let body = json!({"error": {"code": 400, "message": message, "type": "invalid_request_error"}});
    let base = echoing_api(400, body.to_string());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    let output = run(flux()
        .args(["generate", "a fox", "--base-url", &base, "--api-key", key])
        .arg("--out")
        .arg(&out));
    assert_status(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("invalid key [redacted][2J try again"),
        "{err:?}"
    );
    assert!(
        !err.contains(key) && !err.contains('\u{1b}') && !err.contains('\u{7}'),
        "{err:?}"
    );

    let input = input(dir.path(), &[json!({"prompt": "a fox"})]);
    let output = run(flux()
        .args(["batch", "--base-url", &base, "--api-key", key])
        .arg(&input)
        .arg("--out")
        .arg(&out));
    assert_status(&output, 3);
    let err = stderr(&output);
    assert!(!err.contains(key) && !err.contains('\u{1b}'), "{err:?}");
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    assert!(manifest.contains("[redacted]"), "{manifest}");
    assert!(!manifest.contains(key), "{manifest}");
}

#[test]
fn batch_no_download_prints_the_server_s_urls_cleaned_one_per_line() {
    let url = "http://h.test/a.png\u{1b}]0;owned\u{7}\nforged line";
    let body = json!({"created": 1_700_000_000, "data": [{"url": url}]});
    let base = echoing_api(200, body.to_string());
    let dir = tempfile::tempdir().unwrap();
    let input = input(dir.path(), &[json!({"prompt": "a fox"})]);
    let output = run(flux()
        .args(["batch", "--no-download", "--base-url", &base])
        .args(["--api-key", "sk-test-key-0000"])
        .arg(&input)
        .arg("--out")
        .arg(dir.path().join("out")));
    assert_status(&output, 0);
    assert_eq!(
        stdout(&output),
        "http://h.test/a.png]0;owned forged line\n",
        "control characters dropped, the newline a space"
    );
}

#[test]
fn no_download_saves_base64_images_instead_of_printing_an_empty_line() {
    use base64::Engine;
    let png = b"\x89PNG\r\n\x1a\n-a-paid-image-";
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let body = json!({"created": 1_700_000_000, "data": [{"url": "", "b64_json": data}]});
    let base = echoing_api(200, body.to_string());
    let out = tempfile::tempdir().unwrap();
    let output = run(flux()
        .args(["generate", "a fox", "--no-download", "--base-url", &base])
        .args(["--api-key", "sk-test-key-0000"])
        .arg("--out")
        .arg(out.path()));
    assert_status(&output, 0);
    let path = stdout(&output).trim().to_owned();
    assert!(!path.is_empty(), "never an empty line");
    assert_eq!(std::fs::read(&path).unwrap(), png);
    assert!(stderr(&output).contains("base64"), "{}", stderr(&output));
}

#[test]
fn a_journaled_line_whose_image_host_answers_html_keeps_its_journal_and_is_not_paid_again() {
    let mock = Mock::start();
    let host = echoing_api(200, "<html>a captive portal</html>".to_owned());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let request = json!({"prompt": "paid for"});
    let input = input(dir.path(), std::slice::from_ref(&request));
    let record = json!({"line": 1, "status": "generated", "request": request, "created": 1,
        "images": [{"url": format!("{host}/images/0.png"), "revised_prompt": null}]});
    std::fs::write(out.join("manifest.jsonl"), format!("{record}\n")).unwrap();
    for _ in 0..2 {
        let output = batch(&mock, &input, &out);
        assert_status(&output, 3);
        assert!(stderr(&output).contains("not a PNG"), "{}", stderr(&output));
    }
    assert_eq!(mock.generations().len(), 0, "never generated again");
}
