//! The batch's exclusive lock on its output directory, held for the whole run: two batches on
//! one directory would both see the same pending lines and pay for each twice.

use std::fs::{File, OpenOptions};
use std::path::Path;

use fs4::fs_std::FileExt;

use crate::exit::Failure;

/// The locked manifest, handed to [`Manifest::open`](crate::manifest::Manifest::open), which
/// reads and appends through this same handle (on Windows a locked file refuses writes through
/// any other) and keeps it while the batch runs. The operating system releases the lock when
/// the process ends, however it ends, so a killed batch never leaves a stale lock.
#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl DirLock {
    /// Takes the lock on `dir` without waiting: another batch holding it is invalid input
    /// (exit 2), nothing is sent.
    ///
    /// The lock is taken on the directory's manifest, the file every batch there opens anyway:
    /// no lock file is left behind, and none is ever removed (removing a lock file lets a
    /// third process lock a new file while a second holds the old one).
    pub fn acquire(dir: &Path) -> Result<Self, Failure> {
        let path = dir.join(crate::manifest::FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Failure::failed(format!("cannot open {}: {e}", path.display())))?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => Ok(Self { file }),
            Ok(false) => Err(Failure::invalid(format!(
                "another `flux batch` is running on {} (it holds {}); wait for it to finish \
                 or use another --out",
                dir.display(),
                path.display()
            ))),
            Err(e) => Err(Failure::failed(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// The locked manifest file, read and appended to by its one owner.
    pub fn into_file(self) -> File {
        self.file
    }
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
}
