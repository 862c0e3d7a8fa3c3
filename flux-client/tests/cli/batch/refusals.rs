//! What stops a batch before anything is sent (exit 2): unreadable input, a damaged manifest,
//! finished lines that changed.

use serde_json::json;

use super::{batch, prompts, write_input};
use crate::support::*;

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
