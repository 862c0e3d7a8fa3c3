//! `flux batch`: lines, the manifest, re-runs, and a batch killed part-way then resumed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

mod journal;
mod lines;
mod ownership;
mod refusals;
mod resume;

fn write_input(dir: &Path, lines: &[String]) -> PathBuf {
    let path = dir.join("input.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The manifest's complete records.
fn records(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap_or_default();
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| serde_json::from_str(line).expect("a manifest record"))
        .collect()
}

fn lines_with(records: &[Value], status: &str) -> Vec<u64> {
    let mut lines: Vec<u64> = records
        .iter()
        .filter(|r| r["status"] == status)
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    lines
}

fn batch(mock: &Mock, input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    run(mock
        .flux(&["batch"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra))
}

/// How many generation requests each prompt caused.
fn prompts(mock: &Mock) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for body in mock.generations() {
        *counts
            .entry(body["prompt"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// Sends SIGINT, as Ctrl-C does.
pub fn interrupt(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
