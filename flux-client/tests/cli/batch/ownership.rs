//! The batch owns its directory, not a path inside it (issue 22, case 10 and 11): removing or
//! replacing the manifest neither lets a second batch in nor sends records to a lost file, and
//! manifests and inputs that are not regular files, or hold endless lines, are refused.

use std::process::Stdio;
use std::time::{Duration, Instant};

use flux_client::mock::Fault;
use serde_json::json;

use super::{batch, records, write_input};
use crate::support::*;

fn slow_batch(mock: &Mock, input: &std::path::Path, out: &std::path::Path) -> std::process::Child {
    mock.flux(&["batch", "--concurrency", "1"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_a_record(out: &std::path::Path) {
    let started = Instant::now();
    while records(out).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "no record");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_removed_or_replaced_manifest_stops_the_batch_and_a_second_batch_is_refused() {
    for replace in [false, true] {
        let mock = Mock::with_faults(&[Fault::Delay(Duration::from_millis(500))]);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let lines: Vec<String> = (1..=40)
            .map(|n| json!({"prompt": format!("line {n}")}).to_string())
            .collect();
        let input = write_input(dir.path(), &lines);
        let first = slow_batch(&mock, &input, &out);
        wait_for_a_record(&out);
        if replace {
            std::fs::rename(&out, dir.path().join("out.old")).unwrap();
            std::fs::create_dir(&out).unwrap();
        } else {
            std::fs::remove_file(out.join("manifest.jsonl")).unwrap();
            // The directory is still the first batch's.
            let second = batch(&mock, &input, &out, &[]);
            assert_status(&second, 2);
            assert!(
                stderr(&second).contains("another `flux batch`"),
                "{}",
                stderr(&second)
            );
        }
        let output = first.wait_with_output().unwrap();
        assert_status(&output, 1);
        assert!(
            stderr(&output).contains("removed or replaced"),
            "{}",
            stderr(&output)
        );
        assert!(
            mock.generations().len() < lines.len(),
            "replace={replace}: the first batch went on paying"
        );
    }
}

#[test]
fn manifests_and_inputs_that_are_not_regular_files_or_hold_endless_lines_are_refused() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), &[json!({"prompt": "a fox"}).to_string()]);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink("/dev/zero", out.join("manifest.jsonl")).unwrap();
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("not a regular file"),
        "{}",
        stderr(&output)
    );

    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for bad in [std::path::Path::new("/dev/zero"), fifo.as_path()] {
        let output = batch(&mock, bad, &dir.path().join("out2"), &[]);
        assert_status(&output, 2);
        assert!(
            stderr(&output).contains("not a regular file"),
            "{}",
            stderr(&output)
        );
    }

    let out3 = dir.path().join("out3");
    std::fs::create_dir(&out3).unwrap();
    std::fs::write(out3.join("manifest.jsonl"), "x".repeat(9 << 20)).unwrap();
    let output = batch(&mock, &input, &out3, &[]);
    assert_status(&output, 2);
    assert!(
        stderr(&output).contains("line 1 is longer"),
        "{}",
        stderr(&output)
    );
    assert!(mock.generations().is_empty(), "nothing is sent");
}
