//! The `build-tools` binary: `patch` and `check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn build_tools(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_build-tools"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("build-tools-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn patch_prints_the_committed_copy_and_reports_each_fix_on_stderr() {
    let stored = root().join("openapi/flux-pro.json");
    let out = build_tools(&["patch", stored.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read(root().join("openapi/flux-pro.patched.json")).unwrap();
    assert_eq!(out.stdout, committed);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<_> = stderr.lines().collect();
    let fixes = build_tools::repair_str(&std::fs::read_to_string(&stored).unwrap())
        .unwrap()
        .fixes;
    assert_eq!(lines.len(), fixes.len(), "{stderr}");
    assert!(lines.iter().any(|l| l.starts_with("operation-id /paths/~1v1~1images~1generations/post/operationId: (absent) -> \"create_image\"")), "{stderr}");
    assert!(lines.iter().all(|l| l.contains(" -> ")), "{stderr}");
}

#[test]
fn patch_out_writes_the_file_and_nothing_on_failure() {
    let dir = temp_dir("patch-out");
    let target = dir.join("patched.json");
    let stored = root().join("openapi/flux-pro.json");
    let out = build_tools(&[
        "patch",
        stored.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(written["openapi"], "3.0.3");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"openapi":"3.1.0","info":{},"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"string","enum":["a, b"],"default":"c"}}}}}}}}"#).unwrap();
    let failed = dir.join("failed.json");
    let out = build_tools(&[
        "patch",
        bad.to_str().unwrap(),
        "--out",
        failed.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("/paths/~1x/post/requestBody/content/application~1json/schema/default"),
        "{stderr}"
    );
    assert!(!failed.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn check_passes_on_the_committed_copy_and_fails_with_a_diff_when_stale() {
    let out = build_tools(&["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = temp_dir("check-stale");
    let stale = dir.join("stale.json");
    let text = std::fs::read_to_string(root().join("openapi/flux-pro.patched.json")).unwrap();
    std::fs::write(&stale, text.replace("create_image", "createImage")).unwrap();
    let out = build_tools(&["check", "--patched", stale.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("-        \"operationId\": \"createImage\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("+        \"operationId\": \"create_image\""),
        "{stderr}"
    );
    assert!(stderr.contains("refresh it with"), "{stderr}");
}

#[test]
fn bad_usage_exits_2_with_the_usage() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["patch"],
        &["patch", "a", "b"],
        &["patch", "x", "--out"],
    ] {
        let out = build_tools(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{args:?}"
        );
    }
    let out = build_tools(&["patch", "/nonexistent/doc.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/doc.json"));
}
