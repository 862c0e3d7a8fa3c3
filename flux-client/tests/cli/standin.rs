//! The Python stand-in API and image host (`tests/standin/api.py`), which the crate's authors
//! did not write to fit the crate: started per test on 127.0.0.1, stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The key the stand-in accepts; long enough for the command to redact it.
pub const KEY: &str = "sk-secret-123456";

pub struct StandIn {
    pub api: String,
    /// The image host, for tests that build their own image URLs.
    pub images: String,
    child: Child,
    _stdin: ChildStdin,
}

impl StandIn {
    pub fn start() -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standin/api.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--key", KEY])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the stand-in");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|part| part.strip_prefix(name))
                .unwrap_or_else(|| panic!("the stand-in printed {line:?}"))
                .to_owned()
        };
        Self {
            api: field("api="),
            images: field("images="),
            child,
            _stdin: stdin,
        }
    }

    /// `flux ARGS... --base-url <stand-in> --api-key KEY`.
    pub fn flux(&self, args: &[&str]) -> Command {
        let mut command = crate::support::flux();
        command
            .args(args)
            .args(["--base-url", &self.api])
            .args(["--api-key", KEY]);
        command
    }

    /// The prompts of the generations the stand-in accepted (each one paid), in order.
    pub fn generations(&self) -> Vec<String> {
        let address = self.api.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET /log HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        let log: serde_json::Value = serde_json::from_str(body).unwrap();
        log["generations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect()
    }

    /// How many times `prompt` was paid for.
    pub fn paid(&self, prompt: &str) -> usize {
        self.generations().iter().filter(|p| *p == prompt).count()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
