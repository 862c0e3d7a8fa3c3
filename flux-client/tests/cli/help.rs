//! `--help` on each command shows an example and the exit statuses.

use crate::support::*;

#[test]
fn every_command_has_help_with_an_example() {
    for (args, expected) in [
        (
            &["--help"][..],
            &["generate", "batch", "mock", "Exit status", "130"][..],
        ),
        (
            &["generate", "--help"],
            &[
                "Example",
                "--mock",
                "--size",
                "9:16",
                "--safety-tolerance",
                "--seed",
                "--image-prompt-strength",
                "--enhance-prompt",
                "--raw",
                "--enable-safety-checker",
                "--image-url",
                "--model",
                "--output-format",
                "--out",
                "--no-download",
                "--json",
                "--base-url",
                "ONEROUTER_BASE_URL",
                "--api-key",
                "ONEROUTER_API_KEY",
                "--timeout",
                "--max-retries",
                "Exit status",
            ],
        ),
        (
            &["batch", "--help"],
            &[
                "Example",
                "manifest.jsonl",
                "--concurrency",
                "retry",
                "Exit status",
                "3 ",
            ],
        ),
        (&["mock", "--help"], &["Example", "--port", "--fault"]),
    ] {
        let output = run(flux().args(args));
        assert_status(&output, 0);
        let text = stdout(&output);
        for piece in expected {
            assert!(
                text.contains(piece),
                "{args:?}: {piece:?} missing from\n{text}"
            );
        }
    }
}

#[test]
fn help_never_shows_the_key_from_the_environment() {
    let output = run(flux()
        .args(["generate", "--help"])
        .env(flux_client::API_KEY_ENV, "sk-secret-value"));
    assert_status(&output, 0);
    assert!(!stdout(&output).contains("sk-secret-value"));
}
