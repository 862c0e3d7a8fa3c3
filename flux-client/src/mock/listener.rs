//! Accepting connections and serving HTTP/1.1 on them (plain or TLS), with graceful shutdown and
//! connection counts.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::body::Body;

/// A handler's signal to drop the connection without answering.
#[derive(Debug)]
pub(crate) struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("mock fault: connection closed without a response")
    }
}

impl std::error::Error for Abort {}

pub(crate) type Answer = Result<http::Response<Body>, Abort>;

/// Connection counters, shared by all listeners.
#[derive(Default)]
pub(crate) struct Connections {
    pub(crate) accepted: AtomicUsize,
    pub(crate) open: AtomicUsize,
}

/// Decrements the open count when a connection task ends, however it ends.
struct OpenGuard(Arc<Connections>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `listener` until `shutdown` turns true, then stops accepting, asks open connections to
/// finish their current exchange, and returns once they have.
pub(crate) async fn serve<H, F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    handler: H,
    connections: Arc<Connections>,
    mut shutdown: watch::Receiver<bool>,
) where
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Answer> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                // Accept errors (such as running out of descriptors) are transient: keep going.
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.accepted.fetch_add(1, Ordering::SeqCst);
                connections.open.fetch_add(1, Ordering::SeqCst);
                let guard = OpenGuard(connections.clone());
                let handler = handler.clone();
                let shutdown = shutdown.clone();
                let tls = tls.clone();
                tasks.spawn(async move {
                    let _guard = guard;
                    match tls {
                        None => serve_connection(stream, handler, shutdown).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve_connection(stream, handler, shutdown).await;
                            }
                        }
                    }
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = stopped(&mut shutdown) => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

async fn serve_connection<I, H, F>(io: I, handler: H, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Answer> + Send + 'static,
{
    let service = service_fn(handler);
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Resolves once the shutdown flag is set (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
