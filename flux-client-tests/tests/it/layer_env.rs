//! `FluxClient::from_env` reads `ONEROUTER_API_KEY` and `ONEROUTER_BASE_URL`.
//!
//! The environment is process-wide and changing it while other tests run is unsound, so the
//! checks run in a child process of this test binary with the variables set.

use std::process::Command;

use flux_client::{Error, FluxClient};

const CHILD: &str = "layer_env::child_checks_the_environment";

fn run_child(vars: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--ignored", "--exact", CHILD, "--nocapture"])
        .env_remove("ONEROUTER_API_KEY")
        .env_remove("ONEROUTER_BASE_URL");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed for {vars:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn from_env_reads_the_key_and_base_url() {
    run_child(&[
        ("FLUX_ENV_EXPECT", "configured"),
        ("ONEROUTER_API_KEY", "sk-env"),
        ("ONEROUTER_BASE_URL", "http://127.0.0.1:4010"),
    ]);
    run_child(&[
        ("FLUX_ENV_EXPECT", "default-url"),
        ("ONEROUTER_API_KEY", "sk-env"),
        ("ONEROUTER_BASE_URL", ""),
    ]);
    run_child(&[("FLUX_ENV_EXPECT", "no-key")]);
    run_child(&[
        ("FLUX_ENV_EXPECT", "insecure"),
        ("ONEROUTER_API_KEY", "sk-env"),
        ("ONEROUTER_BASE_URL", "http://images.example.com"),
    ]);
}

#[cfg(unix)]
#[test]
fn a_key_that_is_not_utf8_is_refused_without_echoing_it() {
    use std::os::unix::ffi::OsStrExt;
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", CHILD, "--nocapture"])
        .env_remove("ONEROUTER_BASE_URL")
        .env("FLUX_ENV_EXPECT", "not-utf8")
        .env(
            "ONEROUTER_API_KEY",
            std::ffi::OsStr::from_bytes(b"sk-\xffsecret"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}"
    );
}

#[test]
#[ignore = "run by from_env_reads_the_key_and_base_url in a child process"]
fn child_checks_the_environment() {
    let expect = std::env::var("FLUX_ENV_EXPECT").expect("run by the parent test");
    let result = FluxClient::from_env();
    match expect.as_str() {
        "configured" => {
            let client = result.unwrap();
            assert_eq!(client.config().api_key().expose(), "sk-env");
            assert_eq!(
                client.config().base_url().as_str(),
                "http://127.0.0.1:4010/"
            );
        }
        "default-url" => {
            let client = result.unwrap();
            // The document's server, whatever it is.
            assert_eq!(
                client.config().base_url().as_str().trim_end_matches('/'),
                flux_client::DEFAULT_BASE_URL
            );
        }
        "no-key" => assert!(
            matches!(
                result,
                Err(Error::InvalidConfig {
                    field: "ONEROUTER_API_KEY",
                    ..
                })
            ),
            "{result:?}"
        ),
        "insecure" => assert!(
            matches!(
                result,
                Err(Error::InvalidConfig {
                    field: "base_url",
                    ..
                })
            ),
            "{result:?}"
        ),
        "not-utf8" => {
            let err = result.unwrap_err();
            assert_eq!(
                err.to_string(),
                "invalid configuration: `ONEROUTER_API_KEY` is not valid UTF-8"
            );
            assert!(!format!("{err:?}").contains("secret"), "{err:?}");
        }
        other => panic!("unknown expectation {other}"),
    }
}
