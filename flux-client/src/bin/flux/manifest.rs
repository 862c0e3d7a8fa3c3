//! `DIR/manifest.jsonl`: what a batch did, line by line, and what a re-run may skip.
//!
//! Records are appended as single `write` calls ending in a newline and synced to disk before
//! the batch goes on, so after a crash the file holds every finished line; at most its last line
//! is torn (cut off before its newline), and that line is dropped when the manifest is opened
//! again. Any other line that is not a record, the last one included, stops the batch.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit::Failure;
use crate::lock::DirLock;

pub const FILE_NAME: &str = "manifest.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// The API answered; the images are not saved yet (a journal entry, not a finished line).
    Generated,
    /// The images are saved.
    Done,
    /// The line failed.
    Failed,
}

/// One manifest line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The input line number, from 1.
    pub line: usize,
    pub status: RecordStatus,
    /// The line as JSON, when it is JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The line's text, when it is not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageRecord>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorRecord>,
    /// On a `generated` record: which paid answer of the line it journals (1 for the first,
    /// 2 once the first one's URLs expired and the line was generated again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImageRecord {
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    pub revised_prompt: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorRecord {
    pub message: String,
    /// The HTTP status the error stands for, when the server answered.
    pub http_status: Option<u16>,
    /// Whether a re-run tries the line again.
    pub retry: bool,
}

/// An input line: JSON when it parses, else its text.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Json(Value),
    Text(String),
}

impl Input {
    pub fn parse(text: &str) -> Self {
        match serde_json::from_str(text) {
            Ok(value) => Input::Json(value),
            Err(_) => Input::Text(text.to_owned()),
        }
    }

    /// A record for this input with the given status and nothing else.
    pub fn record(&self, line: usize, status: RecordStatus) -> Record {
        let (request, input) = match self {
            Input::Json(value) => (Some(value.clone()), None),
            Input::Text(text) => (None, Some(text.clone())),
        };
        Record {
            line,
            status,
            request,
            input,
            created: None,
            images: None,
            error: None,
            paid: None,
        }
    }

    fn matches(&self, record: &Record) -> bool {
        match self {
            Input::Json(value) => record.request.as_ref() == Some(value),
            Input::Text(text) => record.input.as_ref() == Some(text),
        }
    }
}

/// What to do with a line on this run.
#[derive(Debug)]
pub enum Plan {
    /// Done earlier.
    Done,
    /// Failed earlier because of the line itself, which has not changed.
    FailedEarlier(String),
    /// Generated earlier but not saved: save from this record's URLs.
    Resume(Record),
    /// Run it.
    Run,
}

/// The manifest's records per line.
#[derive(Default)]
pub struct History {
    lines: HashMap<usize, Vec<Record>>,
}

impl History {
    /// Whether `line` has a `done` or `generated` record for an input other than `input`: its
    /// images were paid for (and named after the line) for another request, so running this
    /// input under the same line number would bill it again and overwrite them. A line with
    /// only `failed` records may change (a corrected line runs again).
    pub fn changed(&self, line: usize, input: &Input) -> bool {
        self.lines.get(&line).is_some_and(|records| {
            records.iter().any(|record| {
                matches!(record.status, RecordStatus::Done | RecordStatus::Generated)
                    && !input.matches(record)
            })
        })
    }

    /// The finished (`done` and `failed`) records, each line's in the order they were written.
    pub fn finished(&self) -> impl Iterator<Item = &Record> {
        self.lines
            .values()
            .flatten()
            .filter(|record| record.status != RecordStatus::Generated)
    }

    /// The plan for `line` with its current `input`; records of another input (the line was
    /// edited) are ignored.
    pub fn plan(&self, line: usize, input: &Input) -> Plan {
        let records = self.lines.get(&line).map(Vec::as_slice).unwrap_or_default();
        let mut journal = None;
        for record in records.iter().rev().filter(|r| input.matches(r)) {
            match record.status {
                RecordStatus::Done => return Plan::Done,
                RecordStatus::Failed => match &record.error {
                    Some(error) if !error.retry && journal.is_none() => {
                        return Plan::FailedEarlier(error.message.clone());
                    }
                    _ => {}
                },
                RecordStatus::Generated => {
                    journal.get_or_insert_with(|| record.clone());
                }
            }
        }
        journal.map_or(Plan::Run, Plan::Resume)
    }
}

/// The open manifest, appended to by concurrent lines.
pub struct Manifest {
    path: PathBuf,
    file: Mutex<File>,
    /// The open file's device and inode: a manifest removed or replaced while the batch runs is
    /// noticed before a record goes to a file no one will read.
    identity: (u64, u64),
    /// The directory's lock, held while the manifest lives.
    _dir_lock: Option<File>,
}

/// The longest manifest line read (8 MiB): records are far shorter (`n` is bounded, server text
/// is cleaned); a longer line is a damaged or foreign file, refused by its number.
pub const MAX_LINE: usize = 8 << 20;

impl Manifest {
    /// Reads the history of the manifest `lock` holds (`dir/manifest.jsonl`, opened and locked
    /// by [`DirLock::acquire`]; the manifest keeps it, and so the lock, while it lives). A torn
    /// last line (a crash while writing) is removed; any other line that is not a record is an
    /// error.
    pub fn open(dir: &Path, lock: DirLock) -> Result<(Self, History), Failure> {
        let path = dir.join(FILE_NAME);
        let io =
            |e: std::io::Error| Failure::failed(format!("cannot open {}: {e}", path.display()));
        let (mut file, dir_lock) = lock.into_parts();
        // The directory entry of a new manifest, durable like the records synced into it.
        sync_dir(dir).map_err(io)?;
        let text = read_bounded(&mut file, &path)?;

        let mut history = History::default();
        let mut offset = 0usize;
        let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
        for (index, raw) in lines.iter().enumerate() {
            let number = index + 1;
            let last = index + 1 == lines.len();
            let parsed = serde_json::from_slice::<Record>(raw);
            let complete = raw.ends_with(b"\n");
            match parsed {
                Ok(record) => {
                    if !complete {
                        // The record was written whole but its newline was not: keep it (its
                        // line may be paid for), and end it so that the next one starts anew.
                        file.write_all(b"\n").map_err(io)?;
                        file.sync_data().map_err(io)?;
                    }
                    history.lines.entry(record.line).or_default().push(record);
                }
                Err(_) if last && !complete => {
                    // Torn by a crash while it was written: that line had not finished. Only
                    // a last line without its newline can be torn (records are written whole,
                    // newline included, in one call).
                    crate::output::eprint_line(&format!(
                        "flux: {}: ignoring its incomplete last line (an interrupted write)",
                        path.display()
                    ));
                    file.set_len(offset as u64).map_err(io)?;
                    file.seek(SeekFrom::End(0)).map_err(io)?;
                    file.sync_data().map_err(io)?;
                }
                Err(e) => {
                    // A complete line that is not a record (a hand edit, a newer version's
                    // record) is never deleted: the batch stops and names it.
                    return Err(Failure::invalid(format!(
                        "{} line {number} is not a manifest record ({e}); repair or remove it",
                        path.display()
                    )));
                }
            }
            offset += raw.len();
        }
        let identity = identity(&file).map_err(io)?;
        let manifest = Self {
            path,
            file: Mutex::new(file),
            identity,
            _dir_lock: dir_lock,
        };
        Ok((manifest, history))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends whole records (each ending in a newline) and syncs them to disk, once the
    /// manifest's path still names the file this batch opened: records written to a removed or
    /// replaced manifest would be lost, and the lines paid for again.
    pub fn append_synced(&self, lines: &[u8]) -> std::io::Result<()> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::fs::metadata(&self.path).map(|m| meta_identity(&m));
        if now.ok() != Some(self.identity) {
            return Err(std::io::Error::other(
                "the manifest was removed or replaced while the batch ran; the batch stopped \
                 (its records so far are in the file that was moved, if it was)",
            ));
        }
        file.write_all(lines)?;
        file.sync_data()
    }
}

fn identity(file: &File) -> std::io::Result<(u64, u64)> {
    Ok(meta_identity(&file.metadata()?))
}

#[cfg(unix)]
fn meta_identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn meta_identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The whole manifest, refused (exit 2, naming the line) when a line is longer than
/// [`MAX_LINE`]: memory stays bounded whatever the file holds.
fn read_bounded(file: &mut File, path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::BufRead;
    let io = |e: std::io::Error| Failure::failed(format!("cannot read {}: {e}", path.display()));
    let mut reader = std::io::BufReader::new(file);
    let mut text = Vec::new();
    for number in 1.. {
        let start = text.len();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut text)
            .map_err(io)?;
        if read == 0 {
            break;
        }
        if text.len() - start > MAX_LINE {
            return Err(Failure::invalid(format!(
                "{} line {number} is longer than {} MiB: not a manifest record; repair or \
                 remove it",
                path.display(),
                MAX_LINE >> 20
            )));
        }
    }
    Ok(text)
}

/// Syncs a directory so that a file created in it survives a power loss (Unix only; elsewhere a
/// directory cannot be opened to sync).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
