//! `flux mock`: a foreground server that `flux generate` can use, stopped by Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::batch::interrupt;
use crate::support::*;

#[test]
fn the_foreground_mock_serves_generate_and_stops_on_ctrl_c() {
    let mut child = flux()
        .args(["mock", "--port", "0", "--api-key", "sk-foreground"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut api, mut images, mut key) = (None, None, None);
    let mut line = String::new();
    while api.is_none() || images.is_none() || key.is_none() {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the mock printed its URLs"
        );
        let value = |prefix: &str| line.strip_prefix(prefix).map(|v| v.trim().to_owned());
        api = api.or(value("API:"));
        images = images.or(value("images:"));
        key = key.or(value("API key:"));
    }
    assert_eq!(key.as_deref(), Some("sk-foreground"));

    let output = run(flux().args([
        "generate",
        "fox",
        "--no-download",
        "--base-url",
        api.as_deref().unwrap(),
        "--api-key",
        "sk-foreground",
    ]));
    assert_status(&output, 0);
    assert!(stdout(&output).starts_with(images.as_deref().unwrap()));

    interrupt(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_stdout_that_cannot_be_written_does_not_stop_the_mock() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = flux()
        .args(["mock", "--port", &port.to_string(), "--api-key", "sk-full"])
        .stdout(full)
        .spawn()
        .unwrap();
    let listening = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(listening, "the mock listens on port {port}");
    // It failed writing its addresses by now (they are written right after it binds).
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the mock stopped");
    let base = format!("http://127.0.0.1:{port}");
    let output = run(flux().args(["generate", "fox", "--no-download"]).args([
        "--base-url",
        &base,
        "--api-key",
        "sk-full",
    ]));
    assert_status(&output, 0);
    interrupt(child.id());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
