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

/// The mock's faults are listed where people look for them: `flux mock --help` and the
/// `--mock-fault` option of `generate` and `batch`.
#[test]
fn the_faults_are_listed_in_help() {
    for args in [
        &["mock", "--help"][..],
        &["generate", "--help"],
        &["batch", "--help"],
    ] {
        let out = flux().args(args).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for entry in flux_client::mock::FAULT_CATALOG {
            assert!(text.contains(entry.syntax), "{args:?}: {}", entry.syntax);
        }
    }
}

/// An unset variable is shown by name only, not as `NAME=` (which reads as "set to empty").
#[test]
fn help_names_environment_variables_without_values() {
    let out = flux()
        .args(["generate", "--help"])
        .env_remove("ONEROUTER_BASE_URL")
        .env("ONEROUTER_API_KEY", "sk-secret-in-env")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[env: ONEROUTER_BASE_URL]"), "{text}");
    assert!(text.contains("[env: ONEROUTER_API_KEY]"), "{text}");
    assert!(!text.contains("sk-secret-in-env"));
}
