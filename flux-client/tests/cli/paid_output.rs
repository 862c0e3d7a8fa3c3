//! Issue 22 against the Python stand-in: the one output boundary (server text cleaned, then the
//! key redacted, everywhere it goes), the images an answer may bring bounded, and a paid image
//! whose save fails named with what it takes to recover it.

use std::path::Path;

use serde_json::json;

use crate::standin::{KEY, StandIn};
use crate::support::*;

fn batch_one(standin: &StandIn, dir: &Path, prompt: &str) -> (std::process::Output, String) {
    let input = dir.join("input.jsonl");
    std::fs::write(&input, json!({"prompt": prompt}).to_string() + "\n").unwrap();
    let out = dir.join("out");
    let output = run(standin.flux(&["batch"]).arg(&input).arg("--out").arg(&out));
    let files: String = files_in(&out)
        .iter()
        .filter(|name| name.ends_with(".jsonl") || name.ends_with(".html"))
        .map(|name| std::fs::read_to_string(out.join(name)).unwrap())
        .collect();
    (output, files)
}

/// The key with the punctuation and control characters a server could put inside it removed.
fn leaks(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_control()).collect();
    squeezed.contains(KEY) || text.contains(KEY)
}

#[test]
fn a_key_echoed_with_a_control_character_inside_is_redacted_on_stderr_and_in_every_file() {
    let standin = StandIn::start();
    for prompt in ["key-ctrl", "key-prompt"] {
        let dir = tempfile::tempdir().unwrap();
        let (output, files) = batch_one(&standin, dir.path(), prompt);
        assert_status(&output, 0);
        assert!(!leaks(&stderr(&output)), "{prompt}: {}", stderr(&output));
        assert!(
            !leaks(&files),
            "{prompt}: the key is in the manifest or gallery: {files}"
        );
        assert!(files.contains("[redacted]"), "{prompt}: {files}");

        let dir = tempfile::tempdir().unwrap();
        let output = run(standin
            .flux(&["generate", prompt, "--json"])
            .arg("--out")
            .arg(dir.path()));
        assert_status(&output, 0);
        assert!(!leaks(&stdout(&output)), "{prompt}: {}", stdout(&output));
        assert!(!leaks(&stderr(&output)), "{prompt}: {}", stderr(&output));
    }
}

#[test]
fn an_image_url_carrying_the_key_is_not_fetched_and_said_so() {
    let standin = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let output = run(standin
        .flux(&["generate", "key-url"])
        .arg("--out")
        .arg(dir.path()));
    assert_status(&output, 1);
    let err = stderr(&output);
    assert!(err.contains("carries the API key"), "{err}");
    assert!(!leaks(&err), "{err}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn ten_thousand_urls_for_an_unset_n_fetch_the_document_s_default_of_one() {
    let standin = StandIn::start();
    let dir = tempfile::tempdir().unwrap();
    let output = run(standin
        .flux(&["generate", "many"])
        .arg("--out")
        .arg(dir.path()));
    assert_status(&output, 0);
    assert_eq!(files_in(dir.path()).len(), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("9999 more image(s)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_generation_whose_save_fails_names_its_urls_on_stderr_with_json_too() {
    let standin = StandIn::start();
    for json in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut command = standin.flux(&["generate", "second-404", "-n", "2"]);
        if json {
            command.arg("--json");
        }
        let output = run(command.arg("--out").arg(dir.path()));
        assert_status(&output, 1);
        let err = stderr(&output);
        assert!(err.contains("paid for"), "{err}");
        assert!(
            err.contains(&format!("{}/img/", standin.images)),
            "the saved-then-removed image's URL: {err}"
        );
    }
}

#[test]
fn a_schema_quibble_beside_a_good_url_keeps_the_paid_image() {
    let standin = StandIn::start();
    for prompt in ["bad-utf8", "huge-created"] {
        let dir = tempfile::tempdir().unwrap();
        let output = run(standin
            .flux(&["generate", prompt])
            .arg("--out")
            .arg(dir.path()));
        assert_status(&output, 0);
        assert_eq!(
            files_in(dir.path()).len(),
            1,
            "{prompt}: {}",
            stderr(&output)
        );
    }
}
