//! Downloading images (never with the key) and writing them to disk atomically.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Url;
use tokio::io::AsyncWriteExt;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::images::ImageFormat;
use crate::metadata::{ImageMetadata, Inserter};

/// Fetches images from the image host. The client it holds carries no `Authorization` header
/// (see `http.rs`), and none is added here.
#[derive(Clone, Debug)]
pub(crate) struct Downloader {
    pub(crate) http: reqwest::Client,
    pub(crate) max_bytes: u64,
    pub(crate) timeout: Duration,
}

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
}

impl Downloader {
    /// Downloads the whole image into memory.
    pub(crate) async fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        let (host, response) = self.get(url).await?;
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| download_error(&host, None, &e))?;
            self.check_size(&host, body.len() as u64 + chunk.len() as u64)?;
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Streams the image to `target` without holding it in memory, embedding `metadata` on the
    /// way when given (see [`Inserter`]).
    pub(crate) async fn save(
        &self,
        url: &str,
        target: &Target,
        metadata: Option<&ImageMetadata>,
    ) -> Result<PathBuf> {
        let (host, response) = self.get(url).await?;
        let mut part = Part::open(target).await?;
        let mut stream = response.bytes_stream();
        let mut inserter = metadata.map(Inserter::new);
        let mut received = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| download_error(&host, None, &e))?;
            received += chunk.len() as u64;
            self.check_size(&host, received)?;
            match &mut inserter {
                Some(inserter) => part.write(&inserter.push(&chunk)?).await?,
                None => part.write(&chunk).await?,
            }
        }
        if let Some(inserter) = inserter {
            part.write(&inserter.finish()?).await?;
        }
        let format = ImageFormat::sniff(&part.head).ok_or_else(|| Error::Download {
            host: host.clone(),
            status: None,
            reason: "the body is not a PNG, JPEG or WebP image".into(),
        })?;
        part.finish(target, format).await
    }

    async fn get(&self, text: &str) -> Result<(String, reqwest::Response)> {
        let url = Url::parse(text).map_err(|e| Error::Download {
            host: String::new(),
            status: None,
            reason: format!("the image URL is malformed: {e}"),
        })?;
        let host = url.host_str().unwrap_or_default().to_owned();
        if !matches!(url.scheme(), "http" | "https") || host.is_empty() {
            return Err(Error::Download {
                host,
                status: None,
                reason: format!(
                    "only http(s) image URLs are fetched, not `{}:`",
                    url.scheme()
                ),
            });
        }
        let span = tracing::info_span!("flux.download", host = %host);
        let response = self
            .http
            .get(url)
            .timeout(self.timeout)
            .send()
            .instrument(span)
            .await
            .map_err(|e| download_error(&host, None, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Download {
                host,
                status: Some(status.as_u16()),
                reason: format!("the image host answered {status}"),
            });
        }
        if let Some(length) = response.content_length() {
            self.check_size(&host, length)?;
        }
        Ok((host, response))
    }

    fn check_size(&self, host: &str, size: u64) -> Result<()> {
        if size > self.max_bytes {
            return Err(Error::Download {
                host: host.to_owned(),
                status: None,
                reason: format!("the image is larger than the {} byte cap", self.max_bytes),
            });
        }
        Ok(())
    }
}

fn download_error(host: &str, status: Option<u16>, error: &reqwest::Error) -> Error {
    // Without the URL: image URLs may carry signatures.
    let reason = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        let mut reason = error.to_string();
        if let Some(url) = error.url() {
            reason = reason.replace(url.as_str(), host);
        }
        reason
    };
    Error::Download {
        host: host.to_owned(),
        status,
        reason,
    }
}

/// Writes in-memory bytes (decoded base64) to `target`.
pub(crate) async fn write_bytes(target: &Target, bytes: Vec<u8>) -> Result<PathBuf> {
    let format = ImageFormat::sniff(&bytes).ok_or_else(|| Error::Decode {
        status: 200,
        reason: "`b64_json` is not a PNG, JPEG or WebP image".into(),
        body: String::new(),
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
    written: u64,
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
        builder.prefix(".flux-").suffix(".part");
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
            written: 0,
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
        self.written += chunk.len() as u64;
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
    async fn finish(self, target: &Target, format: ImageFormat) -> Result<PathBuf> {
        let path = self.persist(target, format).await?;
        // Not known to be durable, or the save was dropped (cancelled) before it returned: an
        // image is saved whole or not at all.
        let guard = RemoveOnDrop::new(vec![path]);
        sync_dir(&target.dir()).await.map_err(|source| Error::Io {
            path: target.dir(),
            source,
        })?;
        Ok(guard.keep().pop().unwrap_or_default())
    }

    async fn persist(mut self, target: &Target, format: ImageFormat) -> Result<PathBuf> {
        self.file
            .flush()
            .await
            .map_err(|source| self.io_error(source))?;
        self.file
            .sync_all()
            .await
            .map_err(|source| self.io_error(source))?;
        let Part { mut temp, .. } = self;
        let replace = |temp: tempfile::NamedTempFile, path: PathBuf| {
            temp.persist(&path).map_err(|e| Error::Io {
                path: path.clone(),
                source: e.error,
            })?;
            Ok(path)
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
                        Ok(_) => return Ok(path),
                        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                            temp = e.file;
                        }
                        Err(e) => {
                            return Err(Error::Io {
                                path,
                                source: e.error,
                            });
                        }
                    }
                }
                Err(Error::Io {
                    path: Path::new(dir).join(format!("{stem}.{}", format.extension())),
                    source: std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "1000 files with this name already exist",
                    ),
                })
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
    pub(crate) fn new(paths: Vec<PathBuf>) -> Self {
        Self {
            paths: std::sync::Mutex::new(paths),
        }
    }

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
