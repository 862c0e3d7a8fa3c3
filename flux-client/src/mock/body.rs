//! Response bodies: whole ones, and streamed ones that a producer task feeds (so large or broken
//! answers are never held in memory).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use tokio::sync::mpsc;

/// The body type of every mock response.
pub(crate) type Body = BoxBody<Bytes, io::Error>;

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A body fed through a channel; an `Err` item makes hyper abort the connection.
struct Channel(mpsc::Receiver<io::Result<Bytes>>);

impl HttpBody for Channel {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.0
            .poll_recv(cx)
            .map(|item| item.map(|chunk| chunk.map(Frame::data)))
    }
}

/// A body that sends `prefix`, then pauses (so hyper flushes what it has) and aborts the
/// connection: the client receives a partial body and then a closed connection.
pub(crate) fn broken(prefix: Bytes) -> Body {
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(async move {
        if tx.send(Ok(prefix)).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = tx
                .send(Err(io::Error::other("mock fault: connection cut")))
                .await;
        }
    });
    Channel(rx).boxed()
}

/// A body of exactly `total` bytes: `prefix` then zeros, produced 16 KiB at a time as the client
/// reads (the channel holds at most a few chunks). Stops when the client goes away.
pub(crate) fn padded(prefix: Vec<u8>, total: u64) -> Body {
    const CHUNK: usize = 16 * 1024;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut remaining = total;
        let mut first = Some(prefix);
        while remaining > 0 {
            let mut chunk = first.take().unwrap_or_default();
            chunk.truncate(remaining.min(CHUNK as u64) as usize);
            let len = (remaining.min(CHUNK as u64) as usize).max(chunk.len());
            chunk.resize(len, 0);
            remaining -= len as u64;
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
        }
    });
    Channel(rx).boxed()
}
