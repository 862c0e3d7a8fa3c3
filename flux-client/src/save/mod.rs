//! Downloading images (never with the key) and writing them to disk atomically.

mod download;
mod hosts;
mod policy;

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::format::ImageFormat;

pub(crate) use download::Downloader;
pub(crate) use hosts::HostGuard;
pub use policy::DownloadPolicy;

/// Where an image goes.
pub(crate) enum Target {
    /// A new file `<stem>.<ext>` (or `<stem>-N.<ext>`) in `dir`.
    NewIn { dir: PathBuf, stem: String },
    /// Exactly this path, replacing what is there.
    Exact(PathBuf),
    /// `<stem>.<ext>` in `dir`, replacing what is there.
    Named { dir: PathBuf, stem: String },
}

impl Target {
    fn dir(&self) -> PathBuf {
        match self {
            Target::NewIn { dir, .. } | Target::Named { dir, .. } => dir.clone(),
            Target::Exact(path) => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
        }
    }

    /// The temporary file's name starts with `.flux-<stem>-`, so that a program that owns a
    /// name (a batch's `line-000007-1`) can recognise its own leftovers and no one else's.
    fn temp_prefix(&self) -> String {
        let stem = match self {
            Target::NewIn { stem, .. } | Target::Named { stem, .. } => stem.clone(),
            Target::Exact(path) => path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        format!("{TEMP_PREFIX}{stem}-")
    }
}

/// How the temporary files of a save start (see [`Target::temp_prefix`]); they end in
/// [`TEMP_SUFFIX`].
pub(crate) const TEMP_PREFIX: &str = ".flux-";
/// How the temporary files of a save end.
pub(crate) const TEMP_SUFFIX: &str = ".part";

/// A file put in place by a save.
#[derive(Debug)]
pub(crate) struct Saved {
    pub(crate) path: PathBuf,
    /// Whether a file of that name was there before (and is now gone): removing this one
    /// would lose both.
    pub(crate) replaced: bool,
}

/// Writes in-memory bytes (decoded base64) to `target`.
pub(crate) async fn write_bytes(target: &Target, bytes: Vec<u8>) -> Result<Saved> {
    let format = ImageFormat::sniff(&bytes).ok_or_else(|| {
        Error::decode(
            200,
            "`b64_json` is not a PNG, JPEG or WebP image",
            String::new(),
        )
    })?;
    let mut part = Part::open(target).await?;
    part.write(&bytes).await?;
    part.finish(target, format).await
}

/// A temporary file next to the destination; deleted on drop unless [`Part::finish`]ed.
struct Part {
    temp: tempfile::NamedTempFile,
    file: tokio::fs::File,
    head: Vec<u8>,
}

impl Part {
    async fn open(target: &Target) -> Result<Self> {
        let dir = target.dir();
        let io = |source| Error::Io {
            path: dir.clone(),
            source,
        };
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let mut builder = tempfile::Builder::new();
        let prefix = target.temp_prefix();
        builder.prefix(&prefix).suffix(TEMP_SUFFIX);
        // A saved image gets the permissions of any new file (0666 less the umask), not the
        // owner-only 0600 that temporary files get by default.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(&dir).map_err(io)?;
        let file = temp.as_file().try_clone().map_err(io)?;
        Ok(Self {
            temp,
            file: tokio::fs::File::from_std(file),
            head: Vec::with_capacity(ImageFormat::SNIFF_LEN),
        })
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        let missing = ImageFormat::SNIFF_LEN.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(&chunk[..missing.min(chunk.len())]);
        self.file
            .write_all(chunk)
            .await
            .map_err(|source| self.io_error(source))?;
        Ok(())
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.temp.path().to_path_buf(),
            source,
        }
    }

    /// Syncs the file, renames it into place and syncs the directory, so that once this returns
    /// the image survives a power loss under its name.
    ///
    /// Once renamed, the file is never removed here: it may have replaced an older one, and
    /// removing it would lose both. A directory sync that fails after the rename is reported
    /// as an [`Error::Io`] naming the saved file. Only when this future is dropped between the
    /// rename and its end is a file removed, and only a new one (the save was cancelled).
    async fn finish(self, target: &Target, format: ImageFormat) -> Result<Saved> {
        let saved = self.persist(target, format).await?;
        // Dropped (cancelled) before this returns: a new file goes, a replacing one stays.
        let guard = RemoveOnDrop::default();
        if !saved.replaced {
            guard.push(saved.path.clone());
        }
        let synced = sync_dir(&target.dir()).await;
        guard.keep();
        if let Err(e) = synced {
            return Err(Error::Io {
                path: saved.path,
                source: std::io::Error::new(
                    e.kind(),
                    format!(
                        "the image was saved, but syncing its directory failed, so it may not \
                         survive a power loss: {e}"
                    ),
                ),
            });
        }
        Ok(saved)
    }

    async fn persist(mut self, target: &Target, format: ImageFormat) -> Result<Saved> {
        self.file
            .flush()
            .await
            .map_err(|source| self.io_error(source))?;
        self.file
            .sync_all()
            .await
            .map_err(|source| self.io_error(source))?;
        let Part { mut temp, .. } = self;
        let io = |path: &Path, source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        // Without clobbering first, to learn whether a file is replaced.
        let replace =
            |temp: tempfile::NamedTempFile, path: PathBuf| match temp.persist_noclobber(&path) {
                Ok(_) => Ok(Saved {
                    path,
                    replaced: false,
                }),
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                    e.file.persist(&path).map_err(|e| io(&path, e.error))?;
                    Ok(Saved {
                        path,
                        replaced: true,
                    })
                }
                Err(e) => Err(io(&path, e.error)),
            };
        match target {
            Target::Exact(path) => replace(temp, path.clone()),
            Target::Named { dir, stem } => {
                replace(temp, dir.join(format!("{stem}.{}", format.extension())))
            }
            Target::NewIn { dir, stem } => {
                for n in 1..=1000u32 {
                    let name = match n {
                        1 => format!("{stem}.{}", format.extension()),
                        n => format!("{stem}-{n}.{}", format.extension()),
                    };
                    let path = dir.join(name);
                    match temp.persist_noclobber(&path) {
                        Ok(_) => {
                            return Ok(Saved {
                                path,
                                replaced: false,
                            });
                        }
                        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                            temp = e.file;
                        }
                        Err(e) => return Err(io(&path, e.error)),
                    }
                }
                Err(io(
                    &Path::new(dir).join(format!("{stem}.{}", format.extension())),
                    std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "1000 files with this name already exist",
                    ),
                ))
            }
        }
    }
}

/// Syncs a directory, making the renames and creations in it durable (on Unix; elsewhere a
/// directory cannot be opened to sync, and this does nothing).
pub(crate) async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    tokio::fs::File::open(dir).await?.sync_all().await?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Files removed when this is dropped, unless [`kept`](Self::keep): what a save that failed or
/// was cancelled (its future dropped) had already put in place.
#[derive(Debug, Default)]
pub(crate) struct RemoveOnDrop {
    paths: std::sync::Mutex<Vec<PathBuf>>,
}

impl RemoveOnDrop {
    pub(crate) fn push(&self, path: PathBuf) {
        self.paths
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path);
    }

    /// Keeps the files and returns their paths.
    pub(crate) fn keep(self) -> Vec<PathBuf> {
        let mut this = std::mem::ManuallyDrop::new(self);
        std::mem::take(this.paths.get_mut().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for path in self
            .paths
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = std::fs::remove_file(path);
        }
    }
}
