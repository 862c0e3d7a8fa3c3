//! `flux batch` against an account tighter than its defaults: the batch adapts, and no line
//! fails because of rate limiting.

use std::collections::BTreeMap;
use std::time::Duration;

use flux_client::Rate;
use flux_client::mock::{Account, Fault};
use serde_json::Value;

use crate::support::*;

#[test]
fn an_account_tighter_than_the_defaults_finishes_every_line_once_with_none_failed() {
    // Half the documented rate and a few places left, generations scaled down to 0.3 s.
    let mock = Mock::with_faults(&[
        Fault::Account(Account::new().concurrent(4).rate(Rate::per_second(5))),
        Fault::Delay(Duration::from_millis(300)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.jsonl");
    let lines: Vec<String> = (1..=40)
        .map(|n| format!(r#"{{"prompt": "line {n}", "seed": {n}}}"#))
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");

    // The batch's defaults: 30 in flight, 600/min.
    let output = run(mock.flux(&["batch"]).arg(&input).arg("--out").arg(&out));
    assert_status(&output, 0);
    let stats = mock.server.account_stats();
    assert!(stats.refused() > 0, "the account was tighter: {stats:?}");
    assert_eq!(stats.admitted, 40, "each line generated once: {stats:?}");

    let text = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    let mut statuses: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for record in text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
    {
        statuses
            .entry(record["line"].as_u64().unwrap())
            .or_default()
            .push(record["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses.len(), 40);
    for (line, list) in statuses {
        assert_eq!(list, ["generated", "done"], "line {line}");
    }
    let summary = stderr(&output);
    assert!(
        summary.contains("40 done, 0 done earlier, 0 failed; 40 lines in "),
        "{summary}"
    );
    assert!(summary.contains("lines/s"), "{summary}");
}

#[test]
fn rate_and_concurrency_flags_are_checked() {
    for (flag, value, reason) in [
        ("--rate", "10/week", "the unit must be s, min or h"),
        ("--rate", "0/s", "positive integer"),
        ("--concurrency", "0", "0"),
    ] {
        let output = run(flux().args(["batch", "in.jsonl", "--out", "out", "--mock", flag, value]));
        assert_status(&output, 2);
        assert!(
            stderr(&output).contains(reason),
            "{flag} {value}: {}",
            stderr(&output)
        );
    }
}
