//! The generated images and what can be done with them.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::error::{Error, Result};
use crate::metadata::ImageMetadata;
use crate::save::{Downloader, Saved};
use crate::types::{CreateImageResponse, ImageData};

/// The images of one successful generation, in the server's order. Never empty.
///
/// Iterate over `&images` to get each [`Image`].
#[derive(Clone, Debug)]
pub struct Images {
    created: i64,
    request_id: Option<String>,
    unrequested: usize,
    images: Vec<Image>,
}

impl Images {
    /// Turns a decoded response into images; `None` when the server produced none. Images
    /// beyond `requested` (the request's `n`) are not kept: they are counted in
    /// [`unrequested`](Self::unrequested) and a warning is logged, never silently downloaded.
    pub(crate) fn from_response(
        response: CreateImageResponse,
        request_id: Option<String>,
        requested: Option<usize>,
        downloader: Downloader,
    ) -> Result<Self> {
        if response.data.is_empty() {
            return Err(Error::NoImages { request_id });
        }
        let created = response.created;
        let mut data = response.data;
        let unrequested = requested.map_or(0, |n| data.len().saturating_sub(n));
        if unrequested > 0 {
            tracing::warn!(
                requested = data.len() - unrequested,
                received = data.len(),
                "the API returned more images than requested; the extra ones are not kept"
            );
            data.truncate(data.len() - unrequested);
        }
        let images = data
            .into_iter()
            .enumerate()
            .map(|(index, data)| Image::new(index, created, data, downloader.clone()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            created,
            request_id,
            unrequested,
            images,
        })
    }

    /// How many images the API returned beyond the `n` requested. They are not offered (nor
    /// downloaded): an answer with a thousand images for `n = 1` is a server fault, not a
    /// thousand downloads.
    pub fn unrequested(&self) -> usize {
        self.unrequested
    }

    /// When the images were created (Unix seconds, as the server reports).
    pub fn created(&self) -> i64 {
        self.created
    }

    /// The server's request id (`x-request-id`), when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Embeds the request's parameters in every image saved from these (opt-in; off by
    /// default): `body` is the request that was sent ([`GenerateRequest::body`]), recorded with
    /// [`created`](Self::created), [`request_id`](Self::request_id) and this crate's version as
    /// [`ImageMetadata`] (never the API key). The pixels are not re-encoded.
    ///
    /// Downloads still stream to disk: a PNG's chunks go in after its `IHDR`, a JPEG's comment
    /// after its `APPn` segments, as the bytes pass (only a WebP file, which the API does not
    /// send, is held whole, within the download cap), all before the one atomic rename. A paid
    /// image is never dropped for its metadata: one whose container cannot be edited (damaged,
    /// unusual) is saved as received, with a warning logged (`tracing`).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use flux_client::{FluxClient, ImageMetadata};
    ///
    /// let server = flux_client::mock::MockServer::start().await?;
    /// let client = FluxClient::builder()
    ///     .base_url(server.base_url())
    ///     .api_key(server.api_key())
    ///     .build()?;
    /// let request = client.generate("a lighthouse at dusk").seed(42);
    /// let body = request.body()?;
    /// let images = request.send().await?.with_metadata(&body);
    ///
    /// let dir = std::env::temp_dir().join(format!("flux-metadata-{}", std::process::id()));
    /// let path = images.first().save_in(&dir).await?;
    /// let metadata = ImageMetadata::read_file(&path)?.expect("embedded");
    /// assert_eq!(metadata.prompt(), Some("a lighthouse at dusk"));
    /// assert_eq!(metadata.seed(), Some(42));
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    ///
    /// [`GenerateRequest::body`]: crate::GenerateRequest::body
    pub fn with_metadata(mut self, body: &crate::types::CreateImageBody) -> Self {
        let metadata = std::sync::Arc::new(ImageMetadata::from_body(
            body,
            self.created,
            self.request_id.clone(),
        ));
        for image in &mut self.images {
            image.metadata = Some(metadata.clone());
        }
        self
    }

    /// How many images there are.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Always `false`: a response without images is [`Error::NoImages`].
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The first image (there always is one).
    pub fn first(&self) -> &Image {
        &self.images[0]
    }

    /// The image at `index`, from 0.
    pub fn get(&self, index: usize) -> Option<&Image> {
        self.images.get(index)
    }

    /// The images, in the server's order.
    pub fn iter(&self) -> std::slice::Iter<'_, Image> {
        self.images.iter()
    }

    /// The images as a vector.
    pub fn into_vec(self) -> Vec<Image> {
        self.images
    }

    /// Saves every image into `dir` concurrently (see [`Image::save_in`]) and returns the paths in
    /// the images' order. All or nothing: when one image fails, every download still finishes,
    /// the files this call already saved are removed, and the first error (in the images'
    /// order) is returned. Dropping the future before it completes (a cancelled task, a
    /// `select!` that took another branch) also removes the files it had saved.
    pub async fn save_all_in(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        let dir = dir.as_ref();
        self.save_all(|image| image.save_target(image.new_in(dir)))
            .await
    }

    /// Saves every image concurrently as `dir/<stem>.<ext>` with the stem `stem(image)` gives
    /// (see [`Image::save_as`]; files of those names are replaced) and returns the paths in the
    /// images' order. All or nothing, like [`save_all_in`](Self::save_all_in): on failure or
    /// when the future is dropped, the files this call saved are removed.
    ///
    /// ```
    /// # async fn demo(images: &flux_client::Images) -> Result<(), flux_client::Error> {
    /// // out/line-7-1.png, out/line-7-2.png, ...
    /// let paths = images
    ///     .save_all_as("out", |image| format!("line-7-{}", image.index() + 1))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_all_as(
        &self,
        dir: impl AsRef<Path>,
        stem: impl Fn(&Image) -> String,
    ) -> Result<Vec<PathBuf>> {
        let dir = dir.as_ref();
        self.save_all(|image| {
            let target = image.named(dir, &stem(image));
            async move { image.save_target(target?).await }
        })
        .await
    }

    async fn save_all<'a, F, Fut>(&'a self, save: F) -> Result<Vec<PathBuf>>
    where
        F: Fn(&'a Image) -> Fut,
        Fut: std::future::Future<Output = Result<Saved>>,
    {
        use futures_util::StreamExt;
        // Removes the files this call created on failure, and when this future is dropped
        // part-way. A file that replaced an older one is never removed: that would lose both.
        let created = crate::save::RemoveOnDrop::default();
        let limit = self.images.first().map_or(1, Image::concurrency);
        // Futures do nothing until polled: `buffered` runs at most `limit` of them at once.
        let savings: Vec<_> = self
            .images
            .iter()
            .map(|image| {
                let saving = save(image);
                let created = &created;
                async move {
                    let saved = saving.await?;
                    if !saved.replaced {
                        created.push(saved.path.clone());
                    }
                    Ok(saved.path)
                }
            })
            .collect();
        let results: Vec<Result<PathBuf>> = futures_util::stream::iter(savings)
            .buffered(limit)
            .collect()
            .await;
        let paths = results.into_iter().collect::<Result<Vec<PathBuf>>>()?;
        created.keep();
        Ok(paths)
    }
}

impl<'a> IntoIterator for &'a Images {
    type Item = &'a Image;
    type IntoIter = std::slice::Iter<'a, Image>;
    fn into_iter(self) -> Self::IntoIter {
        self.images.iter()
    }
}

impl IntoIterator for Images {
    type Item = Image;
    type IntoIter = std::vec::IntoIter<Image>;
    fn into_iter(self) -> Self::IntoIter {
        self.images.into_iter()
    }
}

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
    metadata: Option<std::sync::Arc<ImageMetadata>>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl Image {
    fn new(index: usize, created: i64, data: ImageData, downloader: Downloader) -> Result<Self> {
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
    pub fn index(&self) -> usize {
        self.index
    }

    /// When the image was created (Unix seconds).
    pub fn created(&self) -> i64 {
        self.created
    }

    /// Where the image host serves the image (or a `data:` URL, which is decoded, not fetched).
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The image as base64 text, when asked for with `output_format("b64_json")`.
    pub fn b64_json(&self) -> Option<&str> {
        self.b64_json.as_deref()
    }

    /// The prompt the server actually used, when it changed it.
    pub fn revised_prompt(&self) -> Option<&str> {
        self.revised_prompt.as_deref()
    }

    /// The image's bytes: the base64 data decoded, or the URL downloaded (without the API key,
    /// within the client's download size cap, retried per its
    /// [`DownloadPolicy`](crate::DownloadPolicy)).
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
    pub async fn save_as(&self, dir: impl AsRef<Path>, stem: &str) -> Result<PathBuf> {
        let target = self.named(dir.as_ref(), stem)?;
        Ok(self.save_target(target).await?.path)
    }

    /// Saves the image at exactly `path`, replacing a file already there, through a temporary
    /// file in the same directory (a failure leaves the old file or none). The bytes must be a
    /// PNG, JPEG or WebP image; the extension of `path` is yours to choose.
    pub async fn save_to(&self, path: impl AsRef<Path>) -> Result<PathBuf> {
        let target = crate::save::Target::Exact(path.as_ref().to_path_buf());
        Ok(self.save_target(target).await?.path)
    }

    /// The parameters embedded when this image is saved, if any ([`Images::with_metadata`]).
    pub fn metadata(&self) -> Option<&ImageMetadata> {
        self.metadata.as_deref()
    }

    fn new_in(&self, dir: &Path) -> crate::save::Target {
        crate::save::Target::NewIn {
            dir: dir.to_path_buf(),
            stem: format!("flux-{}-{}", self.created, self.index + 1),
        }
    }

    fn named(&self, dir: &Path, stem: &str) -> Result<crate::save::Target> {
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

    fn concurrency(&self) -> usize {
        self.downloader.concurrency()
    }

    async fn save_target(&self, target: crate::save::Target) -> Result<Saved> {
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

/// An image encoding recognised from its first bytes.
///
/// ```
/// use flux_client::ImageFormat;
/// assert_eq!(ImageFormat::sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageFormat::Png));
/// assert_eq!(ImageFormat::sniff(b"\xff\xd8\xff\xe0"), Some(ImageFormat::Jpeg));
/// assert_eq!(ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormat::Webp));
/// assert_eq!(ImageFormat::sniff(b"<html>"), None);
/// assert_eq!(ImageFormat::Jpeg.extension(), "jpg");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
}

impl ImageFormat {
    /// The longest prefix [`sniff`](Self::sniff) looks at.
    pub const SNIFF_LEN: usize = 12;

    /// Recognises the format from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if head.starts_with(b"\xff\xd8\xff") {
            Some(Self::Jpeg)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
}
