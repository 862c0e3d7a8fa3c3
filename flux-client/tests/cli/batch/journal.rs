//! Lines generated (journaled) but not saved: downloaded on the next run, not generated again.

use std::path::Path;

use serde_json::{Value, json};

use super::{batch, lines_with, records, write_input};
use crate::support::*;

/// A manifest whose line 1 was generated (journaled) but not saved, with these image URLs.
fn journal(out: &Path, request: &Value, urls: &[&str]) {
    std::fs::create_dir_all(out).unwrap();
    let images: Vec<Value> = urls
        .iter()
        .map(|url| json!({"url": url, "revised_prompt": null}))
        .collect();
    let record = json!({"line": 1, "status": "generated", "request": request, "created": 1, "images": images});
    std::fs::write(out.join("manifest.jsonl"), format!("{record}\n")).unwrap();
}

#[test]
fn a_journaled_line_is_downloaded_not_generated_again() {
    let mock = Mock::start();
    let output = run(mock.flux(&["generate", "paid for", "-n", "2", "--no-download"]));
    assert_status(&output, 0);
    let text = stdout(&output);
    let urls: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "paid for", "n": 2});
    let input = write_input(dir.path(), &[request.to_string()]);
    journal(&out, &request, &urls);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(
        mock.generations().len(),
        1,
        "only the generation that made the URLs"
    );
    assert_eq!(lines_with(&records(&out), "done"), [1]);
    assert_eq!(
        batch_files_in(&out),
        ["line-000001-1.png", "line-000001-2.png", "manifest.jsonl"]
    );
}

#[test]
fn a_journaled_line_whose_urls_are_gone_is_generated_again() {
    let mock = Mock::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "expired"});
    let input = write_input(dir.path(), &[request.to_string()]);
    let gone = format!("{}/images/999999.png", mock.server.image_base_url());
    journal(&out, &request, &[&gone]);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert!(
        stderr(&output).contains("generating again"),
        "{}",
        stderr(&output)
    );
    assert_eq!(mock.generations().len(), 1);
    assert_eq!(
        batch_files_in(&out),
        ["line-000001-1.png", "manifest.jsonl"]
    );
}

#[test]
fn a_journaled_line_whose_image_host_fails_keeps_its_journal() {
    let mock = Mock::start();
    let output = run(mock.flux(&["generate", "paid for", "--no-download"]));
    assert_status(&output, 0);
    let url = stdout(&output).trim().to_owned();
    // An image host that answers 503 to everything.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in host.incoming() {
            let mut stream = stream.unwrap();
            let _ = stream.read(&mut [0; 4096]);
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let failing = format!("http://127.0.0.1:{port}/images/0.png");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let request = json!({"prompt": "paid for"});
    let input = write_input(dir.path(), &[request.to_string()]);
    journal(&out, &request, &[&failing]);

    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 3);
    assert_eq!(mock.generations().len(), 1, "not generated again");
    let failed = records(&out);
    assert_eq!(failed.last().unwrap()["error"]["retry"], true);

    // Once the host is back (the real URL here), the journal is used.
    journal(&out, &request, &[&url]);
    let output = batch(&mock, &input, &out, &[]);
    assert_status(&output, 0);
    assert_eq!(mock.generations().len(), 1);
}
