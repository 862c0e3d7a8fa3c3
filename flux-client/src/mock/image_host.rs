//! The image host (a second listener) and the redirect target (a third): they serve the images
//! the API published, shaped by the image faults of the answer that published them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::body::{self, Body};
use super::images;
use super::listener::Answer;
use super::recording::Listener;

/// How the URL of a published image behaves.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageMode {
    /// Wait this long before answering.
    pub(crate) delay: Duration,
    /// Answer 404 (the image is never stored).
    pub(crate) missing: bool,
    /// Answer 302 to the same path on the redirect target.
    pub(crate) redirect: bool,
    /// Stream this many bytes instead of the image, announcing them in `Content-Length` or not.
    pub(crate) oversized: Option<(u64, bool)>,
    /// Answer this status the first N requests of each image.
    pub(crate) failures: Option<(u16, u32)>,
}

pub(crate) struct StoredImage {
    pub(crate) png: Bytes,
    pub(crate) mode: ImageMode,
}

/// The published images by path: the most recent [`ImageStore::limit`] of them, so that a
/// long-running mock's memory stays flat (an older URL answers 404, like an expired one).
pub(crate) struct ImageStore {
    next: AtomicU64,
    limit: u64,
    images: Mutex<HashMap<String, Stored>>,
}

#[derive(Clone)]
struct Stored {
    png: Bytes,
    mode: ImageMode,
    /// How many requests of this image were answered with the failure status.
    failed: Arc<AtomicU32>,
}

fn image_path(id: u64) -> String {
    format!("/images/{id:06}.png")
}

impl ImageStore {
    /// An empty store that keeps the most recent `limit` images (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            next: AtomicU64::new(0),
            limit: u64::try_from(limit.max(1)).unwrap_or(u64::MAX),
            images: Mutex::default(),
        }
    }

    /// Stores an image under a new unique path and returns its URL on `base`.
    pub(crate) fn publish(&self, base: &str, image: StoredImage) -> String {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let path = image_path(id);
        let mut images = self.lock();
        if let Some(old) = id.checked_sub(self.limit) {
            images.remove(&image_path(old));
        }
        if !image.mode.missing {
            let stored = Stored {
                png: image.png,
                mode: image.mode,
                failed: Arc::default(),
            };
            images.insert(path.clone(), stored);
        }
        format!("{base}{path}")
    }

    fn get(&self, path: &str) -> Option<Stored> {
        self.lock().get(path).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Stored>> {
        self.images.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(body::full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Answers a request to the image host ([`Listener::Images`]) or the redirect target
/// ([`Listener::Redirect`], which always serves the image itself).
pub(crate) async fn handle(
    store: &ImageStore,
    listener: Listener,
    redirect_base_url: &str,
    parts: &http::request::Parts,
) -> Answer {
    if parts.method != http::Method::GET && parts.method != http::Method::HEAD {
        return Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served here\n",
        ));
    }
    let path = parts.uri.path();
    let Some(image) = store.get(path) else {
        return Ok(plain(StatusCode::NOT_FOUND, "no such image\n"));
    };
    if listener == Listener::Images {
        if !image.mode.delay.is_zero() {
            tokio::time::sleep(image.mode.delay).await;
        }
        if let Some((status, times)) = image.mode.failures
            && image.failed.fetch_add(1, Ordering::SeqCst) < times
        {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Ok(plain(status, "the image host failed (mock fault)\n"));
        }
        if image.mode.redirect {
            let mut response = plain(StatusCode::FOUND, "moved\n");
            let location = format!("{redirect_base_url}{path}");
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return Ok(response);
        }
        if let Some((total, announce)) = image.mode.oversized {
            let mut response = Response::new(body::padded(images::huge_png_header(), total));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            if announce {
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(total));
            }
            return Ok(response);
        }
    }
    let length = image.png.len();
    let mut response = Response::new(body::full(image.png));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response)
}
