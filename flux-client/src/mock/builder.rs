//! Settings for a mock server, and starting one: binding its listeners and serving them.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::account::Accounts;
use super::faults::Fault;
use super::image_host::ImageStore;
use super::listener::{self, Connections};
use super::recording::{Listener, Recorder};
use super::shared::Shared;
use super::{MockServer, tls};

/// Settings for a [`MockServer`], from [`MockServer::builder`].
#[derive(Clone, Debug)]
pub struct MockServerBuilder {
    api_key: Option<String>,
    port: u16,
    tls: bool,
    faults: Vec<Fault>,
    history: usize,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            port: 0,
            tls: false,
            faults: Vec::new(),
            history: MockServer::DEFAULT_HISTORY,
        }
    }
}

impl MockServerBuilder {
    /// How many recent requests the server records, and how many recent images its image host
    /// keeps (default [`MockServer::DEFAULT_HISTORY`]). Older ones are forgotten (an older
    /// image URL answers 404, like an expired one), so a long-running mock's memory stays flat.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = flux_client::mock::MockServer::builder().history(100).start().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn history(mut self, requests: usize) -> Self {
        self.history = requests;
        self
    }

    /// The key the API accepts (default [`MockServer::DEFAULT_API_KEY`]).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API listener's port (default 0: any free port). The other listeners always take a
    /// free port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serve HTTPS on every listener with a certificate for `127.0.0.1` and `localhost`, signed by
    /// an authority generated at start ([`MockServer::ca_certificate_pem`]).
    #[must_use]
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Adds a default fault, applied to every generation request that selects none by header or
    /// queue.
    #[must_use]
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Binds the listeners and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of binding a listener (a port in use, say) or of the TLS setup.
    pub async fn start(self) -> io::Result<MockServer> {
        let localhost = |port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        let api_listener = localhost(self.port).await?;
        let image_listener = localhost(0).await?;
        let redirect_listener = localhost(0).await?;
        let (api, images, redirect) = (
            api_listener.local_addr()?,
            image_listener.local_addr()?,
            redirect_listener.local_addr()?,
        );
        let tls = if self.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };

        let shared = Arc::new(Shared {
            api_key: self
                .api_key
                .unwrap_or_else(|| MockServer::DEFAULT_API_KEY.to_owned()),
            default_faults: self.faults,
            queue: Mutex::default(),
            recorder: Recorder::new(self.history),
            images: ImageStore::new(self.history),
            image_base_url: format!("{scheme}://{images}"),
            redirect_base_url: format!("{scheme}://{redirect}"),
            seeds: AtomicU64::new(0),
            request_ids: AtomicU64::new(0),
            accounts: Accounts::default(),
        });
        let connections = Arc::new(Connections::default());
        let (stop, stopped) = watch::channel(false);
        let acceptor = tls.as_ref().map(|tls| tls.acceptor.clone());

        let mut tasks = Vec::new();
        for (listener, role) in [
            (api_listener, Listener::Api),
            (image_listener, Listener::Images),
            (redirect_listener, Listener::Redirect),
        ] {
            let shared = shared.clone();
            let handler = move |request| {
                let shared = shared.clone();
                async move { shared.answer(role, request).await }
            };
            tasks.push(tokio::spawn(listener::serve(
                listener,
                acceptor.clone(),
                handler,
                connections.clone(),
                stopped.clone(),
            )));
        }

        Ok(MockServer {
            shared,
            api,
            images,

            scheme,
            ca_pem: tls.map(|tls| tls.ca_pem),
            connections,
            stop,
            tasks,
        })
    }
}
