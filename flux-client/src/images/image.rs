//! One generated image: its data or URL, and saving it.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::error::{Error, Result};
use crate::metadata::ImageMetadata;
use crate::save::{Downloader, Saved};
use crate::types::ImageData;

/// One generated image: a URL on the image host, or base64 data, and the revised prompt.
///
/// Empty strings from the server count as absent. Exactly one of [`url`](Self::url) and
/// [`b64_json`](Self::b64_json) is usually present; when both are, the data is used.
#[derive(Clone)]
pub struct Image {
    index: usize,
    created: i64,
    url: Option<String>,
    b64_json: Option<String>,
    revised_prompt: Option<String>,
    downloader: Downloader,
    /// Embedded on save when set ([`Images::with_metadata`]).
    ///
    /// [`Images::with_metadata`]: crate::Images::with_metadata
    pub(super) metadata: Option<std::sync::Arc<ImageMetadata>>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl Image {
    pub(super) fn new(
        index: usize,
        created: i64,
        data: ImageData,
        downloader: Downloader,
    ) -> Result<Self> {
        let image = Self {
            index,
            created,
            url: non_empty(data.url),
            b64_json: non_empty(data.b64_json),
            revised_prompt: non_empty(data.revised_prompt),
            downloader,
            metadata: None,
        };
        if image.url.is_none() && image.b64_json.is_none() {
            return Err(Error::decode(
                200,
                format!("image {} has neither `url` nor `b64_json`", index + 1),
                String::new(),
            ));
        }
        Ok(image)
    }

    /// The image's position in the response, from 0.
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// When the image was created (Unix seconds).
    #[must_use]
    pub fn created(&self) -> i64 {
        self.created
    }

    /// Where the image host serves the image (or a `data:` URL, which is decoded, not fetched).
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The image as base64 text, when asked for with `output_format("b64_json")`.
    #[must_use]
    pub fn b64_json(&self) -> Option<&str> {
        self.b64_json.as_deref()
    }

    /// The prompt the server actually used, when it changed it.
    #[must_use]
    pub fn revised_prompt(&self) -> Option<&str> {
        self.revised_prompt.as_deref()
    }

    /// The image's bytes: the base64 data decoded, or the URL downloaded (without the API key,
    /// within the client's download size cap, retried per its
    /// [`DownloadPolicy`](crate::DownloadPolicy)).
    ///
    /// # Errors
    ///
    /// [`Error::Download`](crate::Error::Download) when the URL cannot be fetched within the
    /// client's size cap and download policy; [`Error::Decode`](crate::Error::Decode) for
    /// base64 data that does not decode.
    pub async fn bytes(&self) -> Result<Vec<u8>> {
        match (&self.b64_json, &self.url) {
            (Some(data), _) => decode_b64(data),
            (None, Some(url)) => self.downloader.fetch(url).await,
            (None, None) => unreachable!("checked when the image was built"),
        }
    }

    /// Saves the image into `dir` (created if missing) under a new name such as
    /// `flux-1700000000-1.png` and returns its path. The extension comes from the bytes (PNG,
    /// JPEG or WebP); an existing file is never overwritten (`-2`, `-3`, ... are tried). Data is
    /// streamed to a temporary file in `dir` and renamed at the end, so a failure leaves no file.
    ///
    /// # Errors
    ///
    /// The errors of [`bytes`](Self::bytes), [`Error::Io`](crate::Error::Io) when `dir` cannot
    /// be created or written, and an error for bytes that are not a PNG, JPEG or WebP image. No
    /// file is left behind.
    pub async fn save_in(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
        Ok(self.save_target(self.new_in(dir.as_ref())).await?.path)
    }

    /// Saves the image as `dir/<stem>.<ext>` (`dir` created if missing, the extension from the
    /// bytes), replacing a file of that name: for names you manage yourself, such as one per
    /// line of a batch that may be resumed. Written through a temporary file like
    /// [`save_in`](Self::save_in).
    ///
    /// ```
    /// # async fn demo(image: &flux_client::Image) -> Result<(), flux_client::Error> {
    /// let path = image.save_as("out", "line-7-1").await?; // out/line-7-1.png (or .jpg, .webp)
    /// # Ok(()) }
    /// ```
    ///
    /// A stem that is empty or contains a path separator is refused ([`Error::Io`],
    /// `InvalidInput`) before anything is written.
    ///
    /// # Errors
    ///
    /// As [`save_in`](Self::save_in), and [`Error::Io`](crate::Error::Io) with `InvalidInput`
    /// for a bad stem.
    pub async fn save_as(&self, dir: impl AsRef<Path>, stem: &str) -> Result<PathBuf> {
        let target = self.named(dir.as_ref(), stem)?;
        Ok(self.save_target(target).await?.path)
    }

    /// Saves the image at exactly `path`, replacing a file already there, through a temporary
    /// file in the same directory (a failure leaves the old file or none). The bytes must be a
    /// PNG, JPEG or WebP image; the extension of `path` is yours to choose.
    ///
    /// # Errors
    ///
    /// As [`save_in`](Self::save_in).
    pub async fn save_to(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        let target = crate::save::Target::Exact(path.as_ref().to_path_buf());
        Ok(self.save_target(target).await?.path)
    }

    /// The parameters embedded when this image is saved, if any ([`Images::with_metadata`]).
    ///
    /// [`Images::with_metadata`]: crate::Images::with_metadata
    #[must_use]
    pub fn metadata(&self) -> Option<&ImageMetadata> {
        self.metadata.as_deref()
    }

    pub(super) fn new_in(&self, dir: &Path) -> crate::save::Target {
        crate::save::Target::NewIn {
            dir: dir.to_path_buf(),
            stem: format!("flux-{}-{}", self.created, self.index + 1),
        }
    }

    pub(super) fn named(&self, dir: &Path, stem: &str) -> Result<crate::save::Target> {
        if stem.is_empty() || stem == ".." || stem.contains(['/', '\\']) {
            return Err(Error::Io {
                path: dir.join(stem),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the file name stem must be a plain name",
                ),
            });
        }
        Ok(crate::save::Target::Named {
            dir: dir.to_path_buf(),
            stem: stem.to_owned(),
        })
    }

    pub(super) fn concurrency(&self) -> usize {
        self.downloader.concurrency()
    }

    pub(super) async fn save_target(&self, target: crate::save::Target) -> Result<Saved> {
        let metadata = self.metadata.as_deref();
        match (&self.b64_json, &self.url) {
            (Some(data), _) => {
                let mut bytes = decode_b64(data)?;
                if let Some(metadata) = metadata {
                    bytes = crate::metadata::embed_or_keep(metadata, bytes);
                }
                crate::save::write_bytes(&target, bytes).await
            }
            (None, Some(url)) => self.downloader.save(url, &target, metadata).await,
            (None, None) => unreachable!("checked when the image was built"),
        }
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("index", &self.index)
            .field("created", &self.created)
            .field("url", &self.url)
            .field(
                "b64_json",
                &self
                    .b64_json
                    .as_ref()
                    .map(|d| format!("<{} base64 chars>", d.len())),
            )
            .field("revised_prompt", &self.revised_prompt)
            .finish()
    }
}

fn decode_b64(data: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| {
            Error::decode(
                200,
                format!("`b64_json` is not valid base64: {e}"),
                crate::error::excerpt(data.as_bytes()),
            )
        })
}
