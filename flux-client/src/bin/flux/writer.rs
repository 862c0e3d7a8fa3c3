//! The manifest's writer: one thread appends records and syncs them, in groups. A line waiting
//! for its record to reach the disk holds no runtime thread, and lines finishing together share
//! one `fsync` (each line still goes on only once its own record is synced).

use std::path::PathBuf;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::exit::Failure;
use crate::manifest::{Manifest, Record};

struct Write {
    line: Vec<u8>,
    done: oneshot::Sender<Result<(), String>>,
}

/// Appends records through the writer thread; the thread ends when this is dropped.
pub struct ManifestWriter {
    path: PathBuf,
    queue: mpsc::Sender<Write>,
}

impl ManifestWriter {
    pub fn start(manifest: Manifest) -> Result<Self, Failure> {
        let path = manifest.path().to_owned();
        let (queue, writes) = mpsc::channel::<Write>();
        std::thread::Builder::new()
            .name("flux-manifest".into())
            .spawn(move || {
                while let Ok(first) = writes.recv() {
                    let mut group = vec![first];
                    group.extend(writes.try_iter());
                    let bytes: Vec<u8> =
                        group.iter().flat_map(|w| w.line.iter().copied()).collect();
                    let result = manifest.append_synced(&bytes).map_err(|e| e.to_string());
                    for write in group {
                        let _ = write.done.send(result.clone());
                    }
                }
            })
            .map_err(|e| Failure::failed(format!("cannot start the manifest writer: {e}")))?;
        Ok(Self { path, queue })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one record; returns once it is synced to disk.
    pub async fn append(&self, record: &Record) -> Result<(), Failure> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| Failure::failed(format!("cannot encode a manifest record: {e}")))?;
        line.push(b'\n');
        let failed =
            |e: String| Failure::failed(format!("cannot write {}: {e}", self.path.display()));
        let (done, synced) = oneshot::channel();
        self.queue
            .send(Write { line, done })
            .map_err(|_| failed("the writer stopped".into()))?;
        synced
            .await
            .map_err(|_| failed("the writer stopped".into()))?
            .map_err(failed)
    }
}
