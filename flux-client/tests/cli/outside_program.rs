//! The library as a program outside the workspace meets it: `tests/outside-program` is copied to
//! a temporary directory, depends on flux-client by path (feature `blocking`), and is built and
//! run there against `flux mock -v`, whose log must show each request the program reports.
//!
//! The program has a target directory of its own (`target/outside-program`, kept between runs):
//! the first build compiles flux-client's dependencies once more (measured 2026-12-03 on the
//! 2-core machine shared with five other builds: see the commit that added it).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::batch::interrupt;
use crate::support::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The program's project in a fresh temporary directory, pointing at this flux-client.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[package]\nname = \"outside-program\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n[dependencies]\nflux-client = {{ path = {:?}, features = [\"blocking\"] }}\n\
         serde_json = \"1\"\n\n[workspace]\n",
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    // The workspace's versions, so the build is offline and reuses nothing new.
    std::fs::copy(
        workspace().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/outside-program/src/main.rs"),
        dir.path().join("src/main.rs"),
    )
    .unwrap();
    dir
}

#[test]
fn a_program_outside_the_workspace_uses_extras_call_options_blocking_and_the_schema() {
    let mut mock = flux()
        .args(["mock", "-v", "--port", "0", "--api-key", "sk-outside"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(mock.stdout.take().unwrap());
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

    let project = project();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(project.path().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(workspace().join("target/outside-program"))
        .env("ONEROUTER_BASE_URL", api.unwrap())
        .env("ONEROUTER_API_KEY", "sk-outside")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    interrupt(mock.id());
    assert_eq!(mock.wait().unwrap().code(), Some(0));
    let mut log = String::new();
    mock.stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let field = |prefix: &str, key: &str| -> String {
        let line = printed
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line in {printed}"));
        let start = line.find(&format!("{key}=")).unwrap() + key.len() + 1;
        line[start..].split_whitespace().next().unwrap().to_owned()
    };
    let generated = field("generated", "request_id");
    let refused = field("rate_limited", "request_id");
    assert!(printed.contains("saved 1"), "{printed}");
    assert!(
        printed.contains("rate_limited status=Some(429) retry_after=Some(7s)"),
        "{printed}"
    );
    assert!(printed.contains("\"image_prompt_strength\""), "{printed}");

    let answered: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("mock answered a request"))
        .collect();
    // The generation, its image download, the 429: each once (no retry of the 429).
    assert_eq!(answered.len(), 3, "{log}");
    let api: Vec<&&str> = answered
        .iter()
        .filter(|l| l.contains("listener=Api"))
        .collect();
    assert_eq!(api.len(), 2, "{log}");
    assert!(
        api[0].contains(&format!("request_id=\"{generated}\"")),
        "{}",
        api[0]
    );
    assert!(api[0].contains(r#""x_client_tag":"t-7""#), "{}", api[0]);
    assert!(api[0].contains("status=\"200\""), "{}", api[0]);
    assert!(
        api[1].contains(&format!("request_id=\"{refused}\"")),
        "{}",
        api[1]
    );
    assert!(api[1].contains("status=\"429\""), "{}", api[1]);
    assert!(!log.contains("sk-outside"), "{log}");
}
