//! Builds the client from the connection options, starting the in-process mock for --mock.

use flux_client::mock::MockServer;
use flux_client::{DownloadPolicy, FluxClient, Limits, RetryPolicy};

use crate::args::ConnectionArgs;
use crate::exit::Failure;

/// A client, and the mock it talks to when there is one (kept alive as long as the client).
pub struct Connection {
    pub client: FluxClient,
    /// Kept alive as long as the client; stopped when dropped.
    _mock: Option<MockServer>,
}

impl Connection {
    /// Builds the client; no request is sent. A missing key or a bad setting is invalid input.
    pub async fn open(args: &ConnectionArgs) -> Result<Self, Failure> {
        Self::open_with_limits(args, Limits::default()).await
    }

    /// [`open`](Self::open), with the client keeping to `limits`.
    pub async fn open_with_limits(args: &ConnectionArgs, limits: Limits) -> Result<Self, Failure> {
        let mut builder = FluxClient::builder().limits(limits);
        let mut mock = None;
        if args.mock {
            let mut server = MockServer::builder();
            for fault in &args.mock_fault {
                server = server.fault(fault.clone());
            }
            let server = server
                .start()
                .await
                .map_err(|e| Failure::failed(format!("cannot start the mock server: {e}")))?;
            crate::output::redact_key(server.api_key());
            builder = builder
                .base_url(server.base_url())
                .api_key(server.api_key());
            mock = Some(server);
        } else {
            let key = args
                .api_key
                .as_deref()
                .filter(|key| !key.trim().is_empty())
                .ok_or_else(|| {
                    Failure::invalid(format!(
                        "no API key: pass --api-key or set {} (or try --mock)",
                        flux_client::API_KEY_ENV
                    ))
                })?;
            crate::output::redact_key(key);
            builder = builder.api_key(key);
            if let Some(url) = args.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
                builder = builder.base_url(url);
            }
        }
        if let Some(timeout) = args.timeout {
            builder = builder.timeout(timeout);
        }
        if args.allow_any_image_host {
            builder = builder.download_policy(DownloadPolicy::default().allow_any_host(true));
        }
        if let Some(retries) = args.max_retries {
            builder = builder.retry_policy(RetryPolicy::default().max_retries(retries));
        }
        Ok(Self {
            client: builder.build()?,
            _mock: mock,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_timeout_longer_than_the_default_deadline_gets_a_deadline_as_long() {
        let args = ConnectionArgs {
            mock: true,
            mock_fault: Vec::new(),
            base_url: None,
            api_key: None,
            timeout: Some(Duration::from_secs(600)),
            max_retries: Some(1),
            allow_any_image_host: false,
        };
        let connection = Connection::open(&args).await.unwrap();
        let config = connection.client.config();
        assert_eq!(config.timeout(), Duration::from_secs(600));
        assert_eq!(config.deadline(), Duration::from_secs(600));
    }
}
