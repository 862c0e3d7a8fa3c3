//! Each line's outcome: generated, refused, or tried again on the next run.

use std::collections::BTreeSet;
use std::path::Path;

use flux_client::mock::{Fault, MockServer};
use serde_json::{Value, json};

use super::{batch, lines_with, prompts, records, write_input};
use crate::support::*;

#[test]
fn each_line_is_generated_and_bad_lines_are_reported_without_stopping_the_others() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The last ratio the document lists (tests follow the document, whatever ratios it holds).
    let sizes = flux_client::fields::field("size").unwrap().values;
    let every_field = json!({
        "prompt": "every field", "model": flux_client::DEFAULT_MODEL, "size": sizes[sizes.len() - 1], "seed": 7,
        "n": 1, "image_url": "https://images.example.com/a.png", "image_prompt_strength": 0.5,
        "enhance_prompt": false, "raw": true, "enable_safety_checker": true,
        "safety_tolerance": "3", "output_format": "b64_json",
    });
    let mut lines = vec![
        r#"{"prompt": "one", "size": "1:1", "seed": 1}"#.to_owned(),
        String::new(),
        r#"{"prompt": "two", "n": 2}"#.to_owned(),
        r#"{"prompt": "bad size", "size": "16/9"}"#.to_owned(),
        "not json".to_owned(),
        r#"{"prompt": "tolerance as a number", "safety_tolerance": 2}"#.to_owned(),
        every_field.to_string(),
    ];
    let input = write_input(dir.path(), &lines);

    let output = batch(&mock, &input, &out, &["--concurrency", "2"]);
    assert_status(&output, 3);
    let first = records(&out);
    assert_eq!(lines_with(&first, "done"), [1, 3, 7]);
    assert_eq!(lines_with(&first, "failed"), [4, 5, 6]);
    let err = stderr(&output);
    for (line, reason) in [(4, "`size`"), (5, "not JSON"), (6, "`safety_tolerance`")] {
        let record = first
            .iter()
            .find(|r| r["line"] == line && r["status"] == "failed")
            .unwrap();
        assert_eq!(record["error"]["retry"], false);
        let message = record["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "line {line}: {message}");
        assert!(err.contains(&format!("line {line}: ")), "{err}");
    }
    let bodies = mock.generations();
    assert_eq!(bodies.len(), 3);
    let mut expected_every = every_field.clone();
    expected_every["n"] = json!(1);
    assert!(bodies.contains(&expected_every), "{bodies:?}");
    assert!(bodies.contains(
        &json!({"model": flux_client::DEFAULT_MODEL, "prompt": "one", "size": "1:1", "seed": 1})
    ));

    let mut expected_files = vec![
        "line-000001-1.png",
        "line-000003-1.png",
        "line-000003-2.png",
        "line-000007-1.png",
        "manifest.jsonl",
    ];
    assert_eq!(batch_files_in(&out), expected_files);
    let done_paths: BTreeSet<String> = first
        .iter()
        .filter(|r| r["status"] == "done")
        .flat_map(|r| r["images"].as_array().unwrap().clone())
        .map(|i| i["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(done_paths.len(), 4);
    assert!(done_paths.iter().all(|p| Path::new(p).exists()));
    assert_eq!(stdout(&output).lines().count(), 4, "the saved paths");

    // The same command again: nothing is done twice, nothing is paid for.
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    assert_eq!(mock.generations().len(), 3);
    assert_eq!(records(&out).len(), first.len());

    // A corrected line runs again; the unchanged bad ones do not.
    lines[3] = r#"{"prompt": "bad size", "size": "16:9"}"#.to_owned();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    assert_eq!(prompts(&mock)["bad size"], 1);
    assert_eq!(mock.generations().len(), 4);
    assert_eq!(lines_with(&records(&out), "done"), [1, 3, 4, 7]);
    expected_files.insert(3, "line-000004-1.png");
    assert_eq!(batch_files_in(&out), expected_files);
}

#[test]
fn transient_failures_are_tried_again_and_refusals_are_not() {
    let mock = Mock::start();
    mock.server.push_fault(Fault::Status {
        status: 502,
        retry_after: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let blocked = format!("a {} prompt", MockServer::BLOCKED_PROMPT_MARKER);
    let input = write_input(
        dir.path(),
        &[
            json!({"prompt": "first"}).to_string(),
            json!({"prompt": blocked}).to_string(),
        ],
    );
    let output = batch(
        &mock,
        &input,
        &out,
        &["--concurrency", "1", "--max-retries", "0"],
    );
    assert_status(&output, 3);
    let first = records(&out);
    let failed: Vec<&Value> = first.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["line"], 1);
    assert_eq!(failed[0]["error"]["http_status"], 502);
    assert_eq!(failed[0]["error"]["retry"], true);
    assert_eq!(failed[1]["line"], 2);
    assert_eq!(failed[1]["error"]["http_status"], 422);
    assert_eq!(failed[1]["error"]["retry"], false);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    assert_eq!(prompts(&mock)["first"], 2, "the 502 line ran again");
    assert_eq!(prompts(&mock)[&blocked], 1, "the refused line did not");
    assert_eq!(lines_with(&records(&out), "done"), [1]);
}

#[test]
fn a_line_with_a_key_the_document_does_not_declare_fails_naming_the_key_and_line() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let lines = vec![
        r#"{"prompt": "fine"}"#.to_owned(),
        r#"{"prompt": "typo", "sise": "1:1"}"#.to_owned(),
    ];
    let input = write_input(dir.path(), &lines);
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    let records = records(&out);
    assert_eq!(lines_with(&records, "done"), [1]);
    assert_eq!(lines_with(&records, "failed"), [2]);
    let err = stderr(&output);
    assert!(err.contains("line 2: ") && err.contains("`sise`"), "{err}");
}
