//! Each exit status, with one line on stderr naming the cause.

use std::time::Duration;

use flux_client::mock::Fault;

use crate::support::*;

/// Asserts one `flux: ...` line on stderr containing every piece of `expected`.
#[track_caller]
fn assert_one_line(output: &std::process::Output, expected: &[&str]) {
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("flux: "), "{err}");
    for piece in expected {
        assert!(err.contains(piece), "{piece:?} in {err}");
    }
}

#[test]
fn invalid_input_exits_2_before_any_request() {
    let mock = Mock::start();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["generate", "fox", "--size", "16/9"],
            &["16/9", "--size", "9:16"],
        ),
        (
            &["generate", "fox", "--safety-tolerance", "7"],
            &["'7'", "--safety-tolerance"],
        ),
        (
            &["generate", "fox", "--safety-tolerance", "0"],
            &["--safety-tolerance"],
        ),
        (
            &["generate", "fox", "--image-prompt-strength", "1.5"],
            &["image_prompt_strength", "1.5"],
        ),
        (
            &["generate", "fox", "--image-prompt-strength", "-0.1"],
            &["image_prompt_strength"],
        ),
        (&["generate", "  "], &["prompt", "empty"]),
        (&["generate", "fox", "-n", "0"], &["`n`"]),
        (
            &["generate", "fox", "--image-url", "ftp://example.com/a.png"],
            &["image_url"],
        ),
        (
            &["generate", "fox", "--output-format", "png"],
            &["--output-format"],
        ),
        (&["generate", "fox", "--raw=maybe"], &["--raw"]),
        (&["generate", "fox", "--timeout", "0"], &["--timeout"]),
        (
            &[
                "generate",
                "fox",
                "--no-download",
                "--output-format",
                "b64_json",
            ],
            &["--no-download"],
        ),
        (&["generate", "fox", "--frobnicate"], &["--frobnicate"]),
        (&["generate"], &["PROMPT"]),
        (&["fly"], &["fly"]),
    ];
    for (args, expected) in cases {
        let output = run(&mut mock.flux(args));
        assert_status(&output, 2);
        assert_one_line(&output, expected);
        assert_eq!(output.stdout, b"", "{args:?}");
    }
    assert!(mock.server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_missing_key_exits_2() {
    let mock = Mock::start();
    let output = run(crate::support::flux()
        .args(["generate", "fox", "--base-url", &mock.server.base_url()])
        .env(flux_client::API_KEY_ENV, ""));
    assert_status(&output, 2);
    assert_one_line(
        &output,
        &["API key", "--api-key", "ONEROUTER_API_KEY", "--mock"],
    );
    assert!(mock.server.requests().is_empty());
}

#[test]
fn a_bad_base_url_exits_2() {
    let output = run(crate::support::flux().args([
        "generate",
        "fox",
        "--api-key",
        "sk-x",
        "--base-url",
        "http://images.example.com",
    ]));
    assert_status(&output, 2);
    assert_one_line(&output, &["base_url", "plain http"]);
}

#[test]
fn api_errors_exit_1_with_status_and_message() {
    for (fault, expected) in [
        ("status;code=402", &["402"][..]),
        ("status;code=500", &["500"][..]),
        ("error-in-200;code=403", &["403"][..]),
        ("empty-data", &["no image"][..]),
        ("malformed-json", &["decode", "200"][..]),
        ("image-404", &["download", "404"][..]),
        (
            "image-too-large;bytes=100000000",
            &["download", "larger"][..],
        ),
    ] {
        let mock = Mock::start();
        mock.server.push_fault(fault.parse().unwrap());
        let out = tempfile::tempdir().unwrap();
        let output = run(mock
            .flux(&["generate", "fox", "-n", "2"])
            .arg("-o")
            .arg(out.path()));
        assert_status(&output, 1);
        assert_one_line(&output, expected);
        assert_eq!(output.stdout, b"", "{fault}");
        assert!(files_in(out.path()).is_empty(), "{fault}: no file left");
    }
}

#[test]
fn a_wrong_key_exits_1_with_401() {
    let mock = Mock::start();
    let output = run(crate::support::flux().args([
        "generate",
        "fox",
        "--base-url",
        &mock.server.base_url(),
        "--api-key",
        "sk-wrong",
    ]));
    assert_status(&output, 1);
    assert_one_line(&output, &["401"]);
    let err = stderr(&output);
    assert!(!err.contains("sk-wrong"), "the key is never printed: {err}");
}

#[test]
fn connection_refused_exits_1() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let output = run(crate::support::flux().args([
        "generate",
        "fox",
        "--api-key",
        "sk-x",
        "--max-retries",
        "0",
        "--base-url",
        &format!("http://127.0.0.1:{port}"),
    ]));
    assert_status(&output, 1);
    assert_one_line(&output, &["connect"]);
}

#[test]
fn a_timeout_exits_1() {
    let mock = Mock::with_faults(&[Fault::Delay(Duration::from_secs(5))]);
    let output = run(mock.flux(&["generate", "fox", "--timeout", "0.3", "--no-download"]));
    assert_status(&output, 1);
    assert_one_line(&output, &["timed out"]);
}
