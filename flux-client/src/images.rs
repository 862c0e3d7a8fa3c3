//! The generated images and what can be done with them.

mod image;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::metadata::ImageMetadata;
use crate::save::{Downloader, Saved};
use crate::types::{CreateImageBody, CreateImageResponse};

pub use image::Image;

/// The images of one successful generation, in the server's order. Never empty.
///
/// Iterate over `&images` to get each [`Image`].
#[derive(Clone, Debug)]
pub struct Images {
    created: i64,
    request_id: Option<String>,
    /// The body that was sent; `None` for images rebuilt from a kept response.
    request: Option<Arc<CreateImageBody>>,
    unrequested: usize,
    images: Vec<Image>,
}

impl Images {
    /// Turns a decoded response into images; `None` when the server produced none. Images
    /// beyond `requested` (the request's `n`, else the document's default for it) are not kept: they are counted in
    /// [`unrequested`](Self::unrequested) and a warning is logged, never silently downloaded.
    pub(crate) fn from_response(
        response: CreateImageResponse,
        request: Option<CreateImageBody>,
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
            request: request.map(Arc::new),
            unrequested,
            images,
        })
    }

    /// How many images the API returned beyond the `n` requested (with `n` unset, beyond the
    /// API document's default for `n`, one). They are not offered (nor
    /// downloaded): an answer with a thousand images for `n = 1` is a server fault, not a
    /// thousand downloads.
    #[must_use]
    pub fn unrequested(&self) -> usize {
        self.unrequested
    }

    /// When the images were created (Unix seconds, as the server reports).
    #[must_use]
    pub fn created(&self) -> i64 {
        self.created
    }

    /// The server's request id (`x-request-id`), when it sent one.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The request body these images were generated for, as sent (without
    /// [`extra_body`](crate::GenerateRequest::extra_body) fields); `None` for images rebuilt by
    /// [`FluxClient::images_from_response`](crate::FluxClient::images_from_response) until
    /// [`with_request`](Self::with_request) says.
    #[must_use]
    pub fn request(&self) -> Option<&CreateImageBody> {
        self.request.as_deref()
    }

    /// Records the request these images were made for, for images rebuilt from a kept
    /// response (a journal), so that [`with_metadata`](Self::with_metadata) can embed it.
    #[must_use]
    pub fn with_request(mut self, body: CreateImageBody) -> Self {
        self.request = Some(Arc::new(body));
        self
    }

    /// Embeds the request's parameters in every image saved from these (opt-in; off by
    /// default): the [`request`](Self::request) that made them, recorded with
    /// [`created`](Self::created), [`request_id`](Self::request_id) and this crate's version as
    /// [`ImageMetadata`] (never the API key). The pixels are not re-encoded. Images that do not
    /// know their request (rebuilt from a response, without
    /// [`with_request`](Self::with_request)) are left as they are, with a warning logged.
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
    /// let images = client
    ///     .generate("a lighthouse at dusk")
    ///     .seed(42)
    ///     .send()
    ///     .await?
    ///     .with_metadata();
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
    #[must_use]
    pub fn with_metadata(mut self) -> Self {
        let Some(body) = &self.request else {
            tracing::warn!(
                "with_metadata: these images do not know their request (call with_request \
                 first); nothing is embedded"
            );
            return self;
        };
        let metadata = Arc::new(ImageMetadata::from_body(
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
    #[must_use]
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Always `false`: a response without images is [`Error::NoImages`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The first image (there always is one).
    #[must_use]
    pub fn first(&self) -> &Image {
        &self.images[0]
    }

    /// The image at `index`, from 0.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&Image> {
        self.images.get(index)
    }

    /// The images, in the server's order.
    pub fn iter(&self) -> std::slice::Iter<'_, Image> {
        self.images.iter()
    }

    /// The images as a vector.
    #[must_use]
    pub fn into_vec(self) -> Vec<Image> {
        self.images
    }

    /// Saves every image into `dir` concurrently (see [`Image::save_in`]) and returns the paths in
    /// the images' order. All or nothing: when one image fails, every download still finishes,
    /// the files this call already saved are removed, and the first error (in the images'
    /// order) is returned. Dropping the future before it completes (a cancelled task, a
    /// `select!` that took another branch) also removes the files it had saved.
    ///
    /// # Errors
    ///
    /// The first error of [`Image::save_in`] in the images' order; the files this call saved
    /// are removed.
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
    ///
    /// # Errors
    ///
    /// As [`save_all_in`](Self::save_all_in).
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
