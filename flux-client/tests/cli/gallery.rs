//! `DIR/index.html`, rendered by a real headless Chromium: every image loads, every prompt shows
//! as text, failed lines show their errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// Set (as `.ci/run` does) to fail instead of skipping when no Chromium is installed.
const REQUIRE: &str = "FLUX_REQUIRE_CHROMIUM";

/// The Chromium binary: `$FLUX_CHROMIUM`, or the first of the Debian packages' names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FLUX_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = [
        "chromium-headless-shell",
        "chromium",
        "chromium-browser",
        "google-chrome",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium's DOM of `page` after its scripts ran and its images loaded.
fn dump_dom(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A check run inside the page: loads every lazy image, then writes what it found into the DOM
/// as JSON in `<pre id="check">`. Only this test's copy of the page gets it.
const CHECK: &str = r#"<script>
window.addEventListener('load', async () => {
  const images = [...document.images];
  for (const image of images) image.loading = 'eager';
  await Promise.all(images.map(image => image.complete ? null :
    new Promise(done => { image.onload = done; image.onerror = done; })));
  const pre = document.createElement('pre');
  pre.id = 'check';
  pre.textContent = JSON.stringify({
    images: images.length,
    loaded: images.filter(image => image.complete && image.naturalWidth > 0).length,
    broken: images.filter(image => !(image.naturalWidth > 0)).map(image => image.src),
    prompts: [...document.querySelectorAll('.prompt')].map(p => p.textContent),
    errors: [...document.querySelectorAll('.failed .error')].map(p => p.textContent),
    scripts: document.scripts.length,
  });
  document.body.appendChild(pre);
});
</script>"#;

#[test]
fn chromium_shows_every_image_prompt_and_failed_line_of_a_batch() {
    let Some(chromium) = chromium() else {
        if std::env::var_os(REQUIRE).is_some() {
            panic!("{REQUIRE} is set but no Chromium was found (set FLUX_CHROMIUM)");
        }
        eprintln!(
            "\n*** SKIPPED chromium_shows_every_image_prompt_and_failed_line_of_a_batch: no Chromium \
             (apt-get install chromium-headless-shell; .ci/run installs it) ***\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompts.jsonl");
    let prompts = [
        "a red fox in fresh snow",
        "<script>alert(1)</script> & \"quoted\" <img src=x onerror=alert(2)>",
        "a lighthouse at dusk",
    ];
    let lines = [
        serde_json::json!({"prompt": prompts[0]}).to_string(),
        serde_json::json!({"prompt": prompts[1], "size": "1:1", "n": 2}).to_string(),
        r#"{"prompt": "bad size", "size": "7:5"}"#.to_owned(),
        serde_json::json!({"prompt": prompts[2], "size": "9:16", "seed": 5}).to_string(),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = dir.path().join("out");
    let output = run(flux()
        .args(["batch", "--mock", "--out"])
        .arg(&out)
        .arg(&file));
    assert_status(&output, 3);

    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !html.contains("<script"),
        "the gallery has no script of its own"
    );
    assert!(!html.contains("<img src=x"), "a prompt's markup stays text");
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//"),
        "no network resource: {html}"
    );
    let page = out.join("check.html");
    std::fs::write(&page, html.replace("</body>", &format!("{CHECK}</body>"))).unwrap();

    let dom = dump_dom(&chromium, &page);
    let start = dom.find("<pre id=\"check\">").expect("the check ran") + "<pre id=\"check\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let check: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(check["images"], 4, "{check}");
    assert_eq!(check["loaded"], 4, "every image loaded: {check}");
    assert_eq!(check["scripts"], 1, "only the test's script runs: {check}");
    let shown: Vec<&str> = check["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for prompt in prompts.iter().chain(&["bad size"]) {
        assert!(
            shown.contains(prompt),
            "{prompt:?} shows as text: {shown:?}"
        );
    }
    let errors = check["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{check}");
    assert!(errors[0].as_str().unwrap().contains("`size`"), "{check}");
}

#[test]
fn a_resumed_batch_shows_the_lines_done_earlier_and_the_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompts.jsonl");
    std::fs::write(&file, "{\"prompt\": \"first & only\"}\n").unwrap();
    let out = dir.path().join("out");
    assert_status(
        &run(flux()
            .args(["batch", "--mock", "--out"])
            .arg(&out)
            .arg(&file)),
        0,
    );
    std::fs::write(
        &file,
        "{\"prompt\": \"first & only\"}\n{\"prompt\": \"appended\"}\n",
    )
    .unwrap();
    assert_status(
        &run(flux()
            .args(["batch", "--mock", "--out"])
            .arg(&out)
            .arg(&file)),
        0,
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains("first &amp; only") && html.contains("appended"),
        "{html}"
    );
    assert!(
        html.contains("src=\"line-000001-1.png\"") && html.contains("src=\"line-000002-1.png\"")
    );
    assert!(html.contains("2 done, 0 failed, 0 not finished"), "{html}");
    assert!(
        !files_in(&out).iter().any(|f| f.ends_with(".part")),
        "no temporary page left"
    );
}
