//! A batch killed or interrupted part-way, then run again: every line done once, nothing paid
//! for twice, no stray file.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use flux_client::mock::Fault;
use serde_json::json;

use super::{batch, interrupt, lines_with, prompts, records, write_input};
use crate::support::*;

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
    // The `done` records name every file (the `generated` journal before each names them too).
    let mut in_line_order: Vec<_> = after.iter().filter(|r| r["status"] == "done").collect();
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
