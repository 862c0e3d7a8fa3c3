//! The command, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::*;

fn write(name: &str, document: &Value) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, document.to_string()).unwrap();
    path
}

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_build-tools"))
        .arg("diff")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn command_exits_1_and_groups_lines_when_something_breaks() {
    let old = write(
        "breaks-old.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let new = write(
        "breaks-new.json",
        &pair(json!({"style": {"type": "string"}}), json!({})),
    );
    let output = run(&[&old, &new]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "breaking (1):",
            &format!(
                "  breaking    api   {BODY}/properties/seed: field-removed: \"optional integer\" -> (absent)"
            ),
            "compatible (1):",
            &format!(
                "  compatible  api   {BODY}/properties/style: field-added: (absent) -> \"optional string\""
            ),
            "suggested version bump: major (a 0.x crate bumps its minor number)",
        ]
    );
}

#[test]
fn command_exits_0_when_only_compatible_changes() {
    let old = write("compatible-old.json", &pair(json!({}), json!({})));
    let new = write(
        "compatible-new.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let output = run(&[&old, &new]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .ends_with("suggested version bump: minor (a 0.x crate bumps its patch number)\n"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("breaking"));
}

#[test]
fn command_json_is_one_document_on_stdout() {
    let old = write(
        "json-old.json",
        &pair(json!({"seed": {"type": "integer"}}), json!({})),
    );
    let new = write(
        "json-new.json",
        &pair(json!({"seed": {"type": "number"}}), json!({})),
    );
    let output = run(&[&old, &"--json", &new]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let document: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(
        document,
        json!({
            "changes": [{
                "pointer": format!("{BODY}/properties/seed"),
                "kind": "type-changed",
                "old": "integer",
                "new": "number",
                "verdict": "breaking",
                "surface": "api"
            }],
            "suggested_bump": "major"
        })
    );
}

#[test]
fn command_exits_2_on_unreadable_or_unrepairable_documents_and_bad_usage() {
    let good = write("good.json", &pair(json!({}), json!({})));
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests/missing.json");
    let output = run(&[&good, &missing]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("missing.json"));
    assert!(output.stdout.is_empty());

    let not_json = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-tests/not-json.json");
    std::fs::write(&not_json, "{\"openapi\": ").unwrap();
    let output = run(&[&not_json, &good, &"--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not valid JSON"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());

    let mut bad = pair(json!({}), json!({}));
    bad["paths"]["/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
        ["size"] = json!({"type": "string", "enum": [" , "]});
    let bad = write("unrepairable.json", &bad);
    let output = run(&[&good, &bad]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("unrepairable.json"), "{message}");
    assert!(
        message.contains(&format!("{BODY}/properties/size/enum")),
        "{message}"
    );
    assert!(message.contains("no usable member"), "{message}");

    for args in [
        vec![&good as &dyn AsRef<std::ffi::OsStr>],
        vec![&good, &good, &good],
        vec![&good, &good, &"--yaml"],
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains("Usage:"));
    }
}

#[test]
fn the_stored_document_against_itself_and_its_patched_copy_reports_nothing() {
    let stored = build_tools::cli::stored_document();
    let patched = build_tools::cli::patched_document();
    for other in [&stored, &patched] {
        let output = run(&[&stored, other]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "no changes to the generated API or the wire\nsuggested version bump: patch (a 0.x crate bumps its patch number)\n"
        );
        let output = run(&[&stored, other, &"--json"]);
        assert_eq!(output.status.code(), Some(0));
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(document, json!({"changes": [], "suggested_bump": "patch"}));
    }
}
