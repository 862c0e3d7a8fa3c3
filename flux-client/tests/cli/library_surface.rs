//! The library's escape hatches and aids as the command offers them: `flux mock -v` logging each
//! request it answers, `generate --extra` and `--header`, and `flux schema`.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::batch::interrupt;
use crate::support::*;

#[test]
fn the_verbose_mock_logs_each_request_with_the_key_redacted_and_its_request_id() {
    let mut child = flux()
        .args(["mock", "-v", "--port", "0", "--api-key", "sk-logged"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut api = None;
    let mut line = String::new();
    while api.is_none() {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the mock printed its URL"
        );
        api = line.strip_prefix("API:").map(|v| v.trim().to_owned());
    }
    let api = api.unwrap();
    let output = run(flux().args([
        "generate",
        "a fox named sk-logged",
        "--no-download",
        "--extra",
        r#"x_client_tag="t-7""#,
        "--header",
        "x-trace-id: t-1",
        "--base-url",
        &api,
        "--api-key",
        "sk-logged",
    ]));
    assert_status(&output, 0);
    let refused = run(flux().args([
        "generate",
        "fox",
        "--no-download",
        "--extra",
        "seed=1",
        "--base-url",
        &api,
        "--api-key",
        "sk-logged",
    ]));
    assert_status(&refused, 2);
    assert!(stderr(&refused).contains("seed"), "{}", stderr(&refused));

    interrupt(child.id());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let answered: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("mock answered a request"))
        .collect();
    assert_eq!(answered.len(), 1, "one request reached the mock:\n{log}");
    let entry = answered[0];
    for part in [
        "method=POST",
        "path=\"/v1/images/generations\"",
        "status=\"200\"",
        "request_id=\"mock-1\"",
        r#""x_client_tag":"t-7""#,
        "a fox named <redacted>",
    ] {
        assert!(entry.contains(part), "{part} in {entry}");
    }
    assert!(!log.contains("sk-logged"), "{log}");
}

#[test]
fn flux_schema_prints_the_batch_lines_schema() {
    let output = run(flux().args(["schema"]));
    assert_status(&output, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(printed, flux_client::GenerateRequest::batch_line_schema());
    let body = run(flux().args(["schema", "--body"]));
    assert_status(&body, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout(&body)).unwrap();
    assert_eq!(printed, flux_client::GenerateRequest::json_schema());
}

#[test]
fn generate_help_lists_verbose_after_every_option_and_json_with_its_seed() {
    let output = run(flux().args(["generate", "--help"]));
    assert_status(&output, 0);
    let help = stdout(&output);
    let options: Vec<&str> = help
        .lines()
        .filter(|l| l.starts_with("  -") || l.starts_with("      --"))
        .collect();
    let verbose = options
        .iter()
        .position(|l| l.contains("--verbose"))
        .unwrap();
    let last_own = options
        .iter()
        .rposition(|l| !l.contains("--verbose") && !l.contains("--help"))
        .unwrap();
    assert!(verbose > last_own, "-v among the options:\n{help}");
    let json = help.split("      --json").nth(1).unwrap();
    let json = &json[..json.find("\n\n").unwrap()];
    assert!(json.contains("\"seed\""), "--json without its seed: {json}");
}
