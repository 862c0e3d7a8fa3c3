//! `DIR/index.html`: a static page of a batch's results (no script, no network resource),
//! rewritten atomically as lines finish so that it can be watched during a long batch.
//!
//! Lines are split into pages of [`PAGE_LINES`] (`index.html`, `index-2.html`, ...) in input
//! order, so a finished line rewrites one page of bounded size, and a page of a 10,000-line batch
//! opens as fast as one of a 10-line batch.

mod html;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use crate::manifest::{Record, RecordStatus};

/// Lines per page.
pub const PAGE_LINES: usize = 200;

/// One input line, as the gallery shows it.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    pub line: usize,
    pub state: State,
    pub prompt: Option<String>,
    /// The line's text, when it is not a JSON object with a prompt.
    pub input: Option<String>,
    pub seed: Option<i64>,
    pub size: Option<String>,
    /// Image file names in the batch directory, in the server's order.
    pub images: Vec<String>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum State {
    #[default]
    Pending,
    Done,
    Failed,
}

pub struct Gallery {
    dir: PathBuf,
    inner: Mutex<Pages>,
}

struct Pages {
    /// Line numbers of each page, in input order.
    lines: Vec<Vec<usize>>,
    page_of: HashMap<usize, usize>,
    entries: HashMap<usize, Entry>,
}

/// The file name of page `index` (from 0).
pub fn page_name(index: usize) -> String {
    match index {
        0 => "index.html".to_owned(),
        n => format!("index-{}.html", n + 1),
    }
}

impl Gallery {
    /// A gallery of the non-blank input `lines` (number, text), with what `records` (the
    /// manifest so far) say about them; every page is written.
    pub fn open<'r>(
        dir: &Path,
        lines: &[(usize, &str)],
        records: impl IntoIterator<Item = &'r Record>,
    ) -> Result<Self, String> {
        crate::resume::remove_parts(dir, TEMP_PREFIX);
        let mut pages = Pages {
            lines: Vec::new(),
            page_of: HashMap::new(),
            entries: HashMap::new(),
        };
        for (index, chunk) in lines.chunks(PAGE_LINES).enumerate() {
            pages
                .lines
                .push(chunk.iter().map(|(line, _)| *line).collect());
            for &(line, text) in chunk {
                pages.page_of.insert(line, index);
                pages.entries.insert(line, pending(line, text));
            }
        }
        if pages.lines.is_empty() {
            pages.lines.push(Vec::new());
        }
        for record in records {
            if pages.entries.contains_key(&record.line) {
                let entry = from_record(record);
                pages.entries.insert(record.line, entry);
            }
        }
        let gallery = Self {
            dir: dir.to_path_buf(),
            inner: Mutex::new(pages),
        };
        {
            let pages = gallery.lock();
            for page in 0..pages.lines.len() {
                gallery.write_page(&pages, page)?;
            }
        }
        Ok(gallery)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pages> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Shows a finished line (a `done` or `failed` record) and rewrites its page.
    pub fn record(&self, record: &Record) -> Result<(), String> {
        if record.status == RecordStatus::Generated {
            return Ok(());
        }
        let mut pages = self.lock();
        let Some(&page) = pages.page_of.get(&record.line) else {
            return Ok(());
        };
        pages.entries.insert(record.line, from_record(record));
        self.write_page(&pages, page)
    }

    /// Renders page `index` and puts it in place atomically (a temporary file renamed). Called
    /// with the lock held, so that a page rendered from older entries never replaces a newer one.
    fn write_page(&self, pages: &Pages, index: usize) -> Result<(), String> {
        let entries: Vec<&Entry> = pages.lines[index]
            .iter()
            .filter_map(|line| pages.entries.get(line))
            .collect();
        let text = html::page(&entries, index, pages.lines.len());
        let path = self.dir.join(page_name(index));
        write_atomically(&self.dir, &path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

const TEMP_PREFIX: &str = ".flux-gallery-";

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(".part");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A line not finished yet: what its text says.
fn pending(line: usize, text: &str) -> Entry {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => request_entry(line, &value),
        Err(_) => Entry {
            line,
            input: Some(text.to_owned()),
            ..Entry::default()
        },
    }
}

fn request_entry(line: usize, value: &Value) -> Entry {
    let prompt = value
        .get("prompt")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Entry {
        line,
        input: prompt.is_none().then(|| value.to_string()),
        prompt,
        seed: value
            .is_object()
            .then(|| crate::repro::line_seed(line, value))
            .flatten(),
        size: value.get("size").and_then(Value::as_str).map(str::to_owned),
        ..Entry::default()
    }
}

fn from_record(record: &Record) -> Entry {
    let mut entry = match (&record.request, &record.input) {
        (Some(value), _) => request_entry(record.line, value),
        (None, input) => Entry {
            line: record.line,
            input: input.clone(),
            ..Entry::default()
        },
    };
    entry.state = match record.status {
        RecordStatus::Done => State::Done,
        RecordStatus::Failed => State::Failed,
        RecordStatus::Generated => State::Pending,
    };
    entry.images = record
        .images
        .iter()
        .flatten()
        .filter_map(|image| image.path.as_deref())
        .filter_map(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    entry.error = record.error.as_ref().map(|error| error.message.clone());
    entry
}
