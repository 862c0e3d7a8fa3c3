//! Paid once, kept always (issue 22), against the Python stand-in: answers that take another
//! path than a plain URL (base64, both, a URL that fails) are journaled before anything else
//! happens to them, kept when partly saved, and never paid for twice after they arrived.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::standin::StandIn;
use crate::support::*;

/// An input of one line per prompt, each asking for two images.
fn input(dir: &Path, prompts: &[&str]) -> std::path::PathBuf {
    let path = dir.join("input.jsonl");
    let lines: Vec<String> = prompts
        .iter()
        // Two images each (the stand-in's mixed and second-404 answers have two).
        .map(|p| json!({"prompt": p, "n": 2}).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn batch(standin: &StandIn, input: &Path, out: &Path) -> std::process::Output {
    run(standin
        .flux(&["batch", "--concurrency", "2"])
        .arg(input)
        .arg("--out")
        .arg(out))
}

fn manifest(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("manifest.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_mixed_answer_killed_while_its_url_downloads_is_not_paid_for_again() {
    let standin = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Image 1 comes as base64, image 2 as a URL whose first download never ends.
    let input = input(dir.path(), &["mixed hang"]);
    let mut child = standin
        .flux(&["batch"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while standin.paid("mixed hang") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "never sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The answer arrived; its download hangs. A quarter of a second later: kill -9.
    std::thread::sleep(Duration::from_millis(250));
    child.kill().unwrap();
    child.wait().unwrap();

    let output = batch(&standin, &input, &out);
    assert_status(&output, 0);
    assert_eq!(standin.paid("mixed hang"), 1, "paid again after a kill");
    assert_eq!(
        batch_files_in(&out),
        ["line-000001-1.png", "line-000001-2.png", "manifest.jsonl"]
    );
}

#[test]
fn a_base64_answer_is_journaled_with_its_path_before_its_line_is_done() {
    let standin = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let input = input(dir.path(), &["b64 one"]);
    assert_status(&batch(&standin, &input, &out), 0);
    let records = manifest(&out);
    let statuses: Vec<&str> = records
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["generated", "done"]);
    assert!(
        records[0]["images"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("line-000001-1.png"),
        "{records:?}"
    );
}

#[test]
fn a_partly_saved_answer_is_kept_and_paid_for_again_at_most_once() {
    let standin = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Two URL images; the second answers 404 every time.
    let input = input(dir.path(), &["second-404"]);
    for run in 1..=3 {
        let output = batch(&standin, &input, &out);
        assert_status(&output, 3);
        assert!(
            out.join("line-000001-1.png").is_file(),
            "run {run}: the saved image was deleted: {:?}",
            files_in(&out)
        );
    }
    assert_eq!(
        standin.paid("second-404"),
        2,
        "a line whose URLs expire is paid for again once, not every run"
    );
    let output = batch(&standin, &input, &out);
    assert!(
        stderr(&output).contains("failed earlier"),
        "{}",
        stderr(&output)
    );
    assert_eq!(standin.paid("second-404"), 2);
}
