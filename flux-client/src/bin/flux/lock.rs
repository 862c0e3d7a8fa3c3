//! The batch's exclusive lock on its output directory, held for the whole run: two batches on
//! one directory would both see the same pending lines and pay for each twice.

use std::fs::{File, OpenOptions};
use std::path::Path;

use fs4::fs_std::FileExt;

use crate::exit::Failure;

/// The locked directory and its manifest, handed to
/// [`Manifest::open`](crate::manifest::Manifest::open), which reads and appends through this
/// manifest handle and keeps both while the batch runs. The operating system releases the
/// locks when the process ends, however it ends, so a killed batch never leaves a stale lock.
#[derive(Debug)]
pub struct DirLock {
    /// The directory itself, locked (on Unix): deleting or replacing the manifest does not
    /// free it. Kept open for the lock's life.
    _dir: Option<File>,
    file: File,
}

impl DirLock {
    /// Takes the lock on `dir` without waiting: another batch holding it is invalid input
    /// (exit 2), nothing is sent.
    ///
    /// On Unix the lock is taken on the directory itself, so that removing or replacing
    /// `manifest.jsonl` while a batch runs cannot let a second batch in (the first notices its
    /// manifest is gone and stops, see `Manifest::append_synced`). The manifest is locked too
    /// (the only lock elsewhere, where a directory cannot be opened): no lock file is left
    /// behind, and none is ever removed. The manifest must be a regular file: a FIFO would
    /// hang the batch and `/dev/zero` would fill its memory.
    pub fn acquire(dir: &Path) -> Result<Self, Failure> {
        let busy = |path: &Path| {
            Failure::invalid(format!(
                "another `flux batch` is running on {} (it holds {}); wait for it to finish \
                 or use another --out",
                dir.display(),
                path.display()
            ))
        };
        let dir_lock = lock_dir(dir, busy)?;
        let path = dir.join(crate::manifest::FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Failure::failed(format!("cannot open {}: {e}", path.display())))?;
        let metadata = file
            .metadata()
            .map_err(|e| Failure::failed(format!("cannot read {}: {e}", path.display())))?;
        if !metadata.is_file() {
            return Err(Failure::invalid(format!(
                "{} is not a regular file; move it away or use another --out",
                path.display()
            )));
        }
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => Ok(Self {
                _dir: dir_lock,
                file,
            }),
            Ok(false) => Err(busy(&path)),
            Err(e) => Err(Failure::failed(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// The locked manifest file, read and appended to by its one owner.
    pub fn into_parts(self) -> (File, Option<File>) {
        (self.file, self._dir)
    }
}

#[cfg(unix)]
fn lock_dir(dir: &Path, busy: impl Fn(&Path) -> Failure) -> Result<Option<File>, Failure> {
    let file = File::open(dir)
        .map_err(|e| Failure::failed(format!("cannot open {}: {e}", dir.display())))?;
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(Some(file)),
        Ok(false) => Err(busy(dir)),
        Err(e) => Err(Failure::failed(format!(
            "cannot lock {}: {e}",
            dir.display()
        ))),
    }
}

#[cfg(not(unix))]
fn lock_dir(_: &Path, _: impl Fn(&Path) -> Failure) -> Result<Option<File>, Failure> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        let err = DirLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.message.contains("another `flux batch`"),
            "{}",
            err.message
        );
        assert_eq!(err.status, crate::exit::Status::Invalid);
        drop(first);
        DirLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn removing_the_manifest_does_not_free_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let _first = DirLock::acquire(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(crate::manifest::FILE_NAME)).unwrap();
        let err = DirLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.message.contains("another `flux batch`"),
            "{}",
            err.message
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_manifest_that_is_not_a_regular_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(crate::manifest::FILE_NAME))
            .unwrap();
        let err = DirLock::acquire(dir.path()).unwrap_err();
        assert!(
            err.message.contains("not a regular file"),
            "{}",
            err.message
        );
        assert_eq!(err.status, crate::exit::Status::Invalid);
    }
}
