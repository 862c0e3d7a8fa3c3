//! Running the binary and a mock server beside it.

use std::path::Path;
use std::process::{Command, Output};

use flux_client::mock::{Fault, Listener, MockServer};
use serde_json::Value;

/// The `flux` binary with no connection settings from the environment.
pub fn flux() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flux"));
    command
        .env_remove(flux_client::API_KEY_ENV)
        .env_remove(flux_client::BASE_URL_ENV)
        .env("RUST_BACKTRACE", "1");
    command
}

/// A mock server on its own runtime, serving while the test runs the binary.
pub struct Mock {
    pub server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl Mock {
    pub fn start() -> Self {
        Self::with_faults(&[])
    }

    pub fn with_faults(faults: &[Fault]) -> Self {
        Self::with_key(MockServer::DEFAULT_API_KEY, faults)
    }

    /// A mock that accepts `key`, with default `faults`.
    pub fn with_key(key: &str, faults: &[Fault]) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let mut builder = MockServer::builder().api_key(key);
        for fault in faults {
            builder = builder.fault(fault.clone());
        }
        let server = runtime.block_on(builder.start()).expect("the mock starts");
        Self {
            server,
            _runtime: runtime,
        }
    }

    /// `flux ARGS... --base-url <mock> --api-key <mock key>`.
    pub fn flux(&self, args: &[&str]) -> Command {
        let mut command = flux();
        command
            .args(args)
            .args(["--base-url", &self.server.base_url()])
            .args(["--api-key", self.server.api_key()]);
        command
    }

    /// The bodies of the generation requests received so far.
    pub fn generations(&self) -> Vec<Value> {
        self.server
            .requests_on(Listener::Api)
            .iter()
            .filter(|r| r.path == MockServer::GENERATIONS_PATH)
            .map(|r| r.json().expect("a JSON body"))
            .collect()
    }

    pub fn image_requests(&self) -> usize {
        self.server.requests_on(Listener::Images).len()
    }
}

/// Runs a command to the end.
pub fn run(mut command: impl std::borrow::BorrowMut<Command>) -> Output {
    command.borrow_mut().output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

/// Asserts the exit status, showing stderr when it differs.
#[track_caller]
pub fn assert_status(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    let err = stderr(output);
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "a panic: {err}"
    );
}

/// The width and height of a PNG file.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("the image exists");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is a PNG",
        path.display()
    );
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// The names of the files in a batch's `dir`, sorted, less the gallery pages (`index.html`,
/// `index-N.html`; the gallery has its own tests).
pub fn batch_files_in(dir: &Path) -> Vec<String> {
    let mut names = files_in(dir);
    names.retain(|name| !(name.starts_with("index") && name.ends_with(".html")));
    names
}

/// The names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A stand-in API on 127.0.0.1 that answers every request with `status` and `body`.
pub fn echoing_api(status: u16, body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let _ = stream.read(&mut [0; 65536]);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}")
}
