//! `flux batch`: lines, the manifest, re-runs, and a batch killed part-way then resumed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use flux_client::mock::{Fault, MockServer};
use serde_json::{Value, json};

use crate::support::*;

fn write_input(dir: &Path, lines: &[String]) -> PathBuf {
    let path = dir.join("input.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The manifest's complete records.
fn records(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap_or_default();
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| serde_json::from_str(line).expect("a manifest record"))
        .collect()
}

fn lines_with(records: &[Value], status: &str) -> Vec<u64> {
    let mut lines: Vec<u64> = records
        .iter()
        .filter(|r| r["status"] == status)
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    lines
}

fn batch(mock: &Mock, input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    run(mock
        .flux(&["batch"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra))
}

/// How many generation requests each prompt caused.
fn prompts(mock: &Mock) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for body in mock.generations() {
        *counts
            .entry(body["prompt"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

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
fn a_killed_batch_resumes_without_paying_twice_for_finished_or_generated_lines() {
    // Slow generations and slower downloads, so the batch is killed with lines in every state.
    let mock = Mock::with_faults(&[
        Fault::Delay(Duration::from_millis(150)),
        Fault::ImageDelay(Duration::from_millis(800)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let count = 8u64;
    let lines: Vec<String> = (1..=count)
        .map(|n| json!({"prompt": format!("line {n}"), "seed": n}).to_string())
        .collect();
    let input = write_input(dir.path(), &lines);

    let mut child = mock
        .flux(&["batch", "--concurrency", "2"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a line is done and another is generated but not yet saved.
    let started = Instant::now();
    loop {
        let now = records(&out);
        let done = lines_with(&now, "done");
        let pending = lines_with(&now, "generated")
            .into_iter()
            .any(|line| !done.contains(&line));
        if !done.is_empty() && pending {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it was killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no progress: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let before = records(&out);
    let done_before: BTreeSet<u64> = lines_with(&before, "done").into_iter().collect();
    let generated_before: BTreeSet<u64> = lines_with(&before, "generated").into_iter().collect();
    assert!(done_before.len() < count as usize, "killed part-way");
    assert!(generated_before.difference(&done_before).count() >= 1);

    // What a crash can leave: a torn last record and a temporary file.
    let manifest = out.join("manifest.jsonl");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(r#"{"line": 99, "status": "do"#);
    std::fs::write(&manifest, text).unwrap();
    std::fs::write(
        out.join(".flux-line-000003-1-leftover.part"),
        b"half an image",
    )
    .unwrap();

    let output = batch(&mock, &input, &out, &["--concurrency", "2"]);
    assert_status(&output, 0);
    assert!(
        stderr(&output).contains("incomplete last line"),
        "{}",
        stderr(&output)
    );

    let after = records(&out);
    let done: Vec<u64> = lines_with(&after, "done");
    assert_eq!(
        done,
        (1..=count).collect::<Vec<_>>(),
        "every line done exactly once"
    );
    assert!(
        after.iter().all(|r| r["line"] != 99),
        "the torn record is gone"
    );

    // Generated before the kill (journaled): never generated again. Others: at most once more
    // (a generation in flight when the process died was paid for and lost).
    let counts = prompts(&mock);
    for line in 1..=count {
        let sent = counts[&format!("line {line}")];
        if generated_before.contains(&line) || done_before.contains(&line) {
            assert_eq!(sent, 1, "line {line} was generated again");
        } else {
            assert!((1..=2).contains(&sent), "line {line}: {sent} generations");
        }
    }

    // Exactly the recorded images, no temporary or stray files.
    let mut expected: Vec<String> = after
        .iter()
        .filter(|r| r["status"] == "done")
        .flat_map(|r| r["images"].as_array().unwrap().clone())
        .map(|i| {
            let path = PathBuf::from(i["path"].as_str().unwrap());
            assert!(path.exists());
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    expected.push("manifest.jsonl".to_owned());
    expected.sort();
    assert_eq!(batch_files_in(&out), expected);
}

#[test]
fn a_damaged_manifest_or_unreadable_input_exits_2() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = batch(&mock, &dir.path().join("missing.jsonl"), &out, &[]);
    assert_status(&output, 2);
    assert!(stderr(&output).contains("missing.jsonl"));

    let input = write_input(dir.path(), &[json!({"prompt": "fox"}).to_string()]);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("manifest.jsonl"),
        "garbage\n{\"line\": 1, \"status\": \"failed\"}\n",
    )
    .unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("line 1 is not a manifest record"),
        "{}",
        stderr(&output)
    );
    assert!(mock.generations().is_empty());
}

#[test]
fn ctrl_c_finishes_the_lines_in_flight_then_a_rerun_completes_the_rest() {
    let mock = Mock::with_faults(&[Fault::Delay(Duration::from_millis(300))]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let count = 6u64;
    let lines: Vec<String> = (1..=count)
        .map(|n| json!({"prompt": format!("line {n}")}).to_string())
        .collect();
    let input = write_input(dir.path(), &lines);

    let child = mock
        .flux(&["batch", "--concurrency", "2"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while lines_with(&records(&out), "done").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    interrupt(child.id());
    let output = child.wait_with_output().unwrap();
    assert_status(&output, 130);
    assert!(
        stderr(&output).contains("interrupted"),
        "{}",
        stderr(&output)
    );

    let before = records(&out);
    let done_before = lines_with(&before, "done");
    assert!(
        done_before.len() < count as usize,
        "stopped early: {done_before:?}"
    );
    assert_eq!(
        lines_with(&before, "generated"),
        done_before,
        "every line that was generated was also saved"
    );

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(
        lines_with(&records(&out), "done"),
        (1..=count).collect::<Vec<_>>()
    );
    let counts = prompts(&mock);
    assert_eq!(counts.len(), count as usize);
    assert!(
        counts.values().all(|&n| n == 1),
        "nothing paid twice: {counts:?}"
    );
    assert!(batch_files_in(&out).iter().all(|f| !f.ends_with(".part")));
}

/// Sends SIGINT, as Ctrl-C does.
pub fn interrupt(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A manifest whose line 1 was generated (journaled) but not saved, with these image URLs.
fn journal(out: &Path, request: &Value, urls: &[&str]) {
    std::fs::create_dir_all(out).unwrap();
    let images: Vec<Value> = urls
        .iter()
        .map(|url| json!({"url": url, "revised_prompt": null}))
        .collect();
    let record = json!({"line": 1, "status": "generated", "request": request, "created": 1, "images": images});
    std::fs::write(out.join("manifest.jsonl"), format!("{record}\n")).unwrap();
}

#[test]
fn a_journaled_line_is_downloaded_not_generated_again() {
    let mock = Mock::start();
    let output = run(mock.flux(&["generate", "paid for", "-n", "2", "--no-download"]));
    assert_status(&output, 0);
    let text = stdout(&output);
    let urls: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "paid for", "n": 2});
    let input = write_input(dir.path(), &[request.to_string()]);
    journal(&out, &request, &urls);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(
        mock.generations().len(),
        1,
        "only the generation that made the URLs"
    );
    assert_eq!(lines_with(&records(&out), "done"), [1]);
    assert_eq!(
        batch_files_in(&out),
        ["line-000001-1.png", "line-000001-2.png", "manifest.jsonl"]
    );
}

#[test]
fn a_journaled_line_whose_urls_are_gone_is_generated_again() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "expired"});
    let input = write_input(dir.path(), &[request.to_string()]);
    let gone = format!("{}/images/999999.png", mock.server.image_base_url());
    journal(&out, &request, &[&gone]);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert!(
        stderr(&output).contains("generating again"),
        "{}",
        stderr(&output)
    );
    assert_eq!(mock.generations().len(), 1);
    assert_eq!(
        batch_files_in(&out),
        ["line-000001-1.png", "manifest.jsonl"]
    );
}

#[test]
fn a_journaled_line_whose_image_host_fails_keeps_its_journal() {
    let mock = Mock::start();
    let output = run(mock.flux(&["generate", "paid for", "--no-download"]));
    assert_status(&output, 0);
    let url = stdout(&output).trim().to_owned();
    // An image host that answers 503 to everything.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in host.incoming() {
            let mut stream = stream.unwrap();
            let _ = stream.read(&mut [0; 4096]);
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let failing = format!("http://127.0.0.1:{port}/images/0.png");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "paid for"});
    let input = write_input(dir.path(), &[request.to_string()]);
    journal(&out, &request, &[&failing]);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    assert_eq!(mock.generations().len(), 1, "not generated again");
    let failed = records(&out);
    assert_eq!(failed.last().unwrap()["error"]["retry"], true);

    // Once the host is back (the real URL here), the journal is used.
    journal(&out, &request, &[&url]);
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 1);
}

#[test]
fn a_finished_line_that_changed_is_refused_before_anything_is_sent() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut lines = vec![
        json!({"prompt": "first"}).to_string(),
        json!({"prompt": "second"}).to_string(),
    ];
    let input = write_input(dir.path(), &lines);
    assert_status(&batch(&mock, &input, &out, &[]), 0);
    let files = batch_files_in(&out);
    let images: Vec<Vec<u8>> = files
        .iter()
        .filter(|name| name.starts_with("line-"))
        .map(|name| std::fs::read(out.join(name)).unwrap())
        .collect();
    let manifest = std::fs::read(out.join("manifest.jsonl")).unwrap();

    // A line inserted at the top moves every finished line down by one.
    lines.insert(0, json!({"prompt": "inserted"}).to_string());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 2);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("input line 1 changed since")
            && err.contains("manifest.jsonl")
            && err.contains("new --out"),
        "{err}"
    );
    assert_eq!(mock.generations().len(), 2, "nothing sent");
    assert_eq!(batch_files_in(&out), files, "no image added or removed");
    let after: Vec<Vec<u8>> = files
        .iter()
        .filter(|name| name.starts_with("line-"))
        .map(|name| std::fs::read(out.join(name)).unwrap())
        .collect();
    assert_eq!(after, images, "no image overwritten");
    assert_eq!(std::fs::read(out.join("manifest.jsonl")).unwrap(), manifest);

    // An edited finished line (same number) is refused too, naming it.
    lines.remove(0);
    lines[1] = json!({"prompt": "second, edited"}).to_string();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 2);
    assert!(stderr(&output).contains("input line 2 changed"));
    assert_eq!(mock.generations().len(), 2);

    // Restored, with a line appended: only the new line runs.
    lines[1] = json!({"prompt": "second"}).to_string();
    lines.push(json!({"prompt": "third"}).to_string());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 3);
    assert_eq!(prompts(&mock)["third"], 1);
}

#[test]
fn image_names_do_not_depend_on_the_input_length() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Base64 images are not journaled: a run killed after writing one leaves an unrecorded file.
    let line = |n: u64| json!({"prompt": format!("line {n}"), "output_format": "b64_json"});
    let mut lines: Vec<String> = (1..=2).map(|n| line(n).to_string()).collect();
    let input = write_input(dir.path(), &lines);
    assert_status(&batch(&mock, &input, &out, &[]), 0);

    // As if killed after line 2's image was written but before its `done` record.
    let manifest = out.join("manifest.jsonl");
    let kept: String = std::fs::read_to_string(&manifest)
        .unwrap()
        .split_inclusive('\n')
        .filter(|record| !record.contains(r#""line":2"#))
        .collect();
    std::fs::write(&manifest, kept).unwrap();

    // The file grows past 9 lines: line 2 is written again under the same name.
    lines.extend((3..=10).map(|n| line(n).to_string()));
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    assert_status(&batch(&mock, &input, &out, &[]), 0);
    let after = records(&out);
    assert_eq!(lines_with(&after, "done"), (1..=10).collect::<Vec<_>>());
    let mut in_line_order = after.clone();
    in_line_order.sort_by_key(|r| r["line"].as_u64());
    let mut recorded: Vec<String> = in_line_order
        .iter()
        .flat_map(|r| r["images"].as_array().unwrap().clone())
        .map(|i| {
            let path = PathBuf::from(i["path"].as_str().unwrap());
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    recorded.push("manifest.jsonl".to_owned());
    let files = batch_files_in(&out);
    let mut sorted = recorded.clone();
    sorted.sort();
    assert_eq!(files, sorted, "no stray image from the killed run");
    assert_eq!(recorded, files, "names sort by line");
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
