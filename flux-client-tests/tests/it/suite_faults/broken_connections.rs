//! Connections that break after the request was read, and bodies that break off.

use flux_client::Error;
use flux_client::mock::{Fault, MockServer};

use super::{always, fails};
use crate::layer_common::fast_retry;
use crate::suite_support::*;

/// The faults that break the connection after the request was read: the server may have started
/// (and billed) the work, so they are retried only with `retry_interrupted(true)`.
#[tokio::test]
async fn broken_connections_are_connection_errors_retried_only_when_opted_in() {
    for (fault, cause) in [
        (
            Fault::CloseBeforeResponse,
            "connection closed before message completed",
        ),
        (
            Fault::TruncatedBody,
            "end of file before message length reached",
        ),
        (
            Fault::CloseMidResponse,
            "unexpected EOF during chunk size line",
        ),
    ] {
        let server = always(fault.clone()).await;
        let err = fails(&client(&server), &server).await;
        match &err {
            Error::Connection { reason, .. } => {
                assert!(reason.ends_with(cause), "{fault}: {reason}")
            }
            other => panic!("{fault}: {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("connection to the API failed: "),
            "{err}"
        );
        assert_eq!(err.status(), None);
        assert_eq!(attempts(&server), 1, "{fault}");

        let server = MockServer::start().await.unwrap();
        server.push_fault(fault.clone());
        builder(&server)
            .retry_policy(fast_retry().retry_interrupted(true))
            .build()
            .unwrap()
            .generate("fox")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert_eq!(attempts(&server), 2, "{fault}");
    }
}

/// A body that breaks off after a 200 is reported as a broken answer, not as a decoding problem
/// (reqwest's own text for it starts "error decoding response body").
#[tokio::test]
async fn a_body_that_breaks_off_says_so() {
    for (fault, cause) in [
        (
            Fault::TruncatedBody,
            "error reading a body from connection: end of file before message length reached",
        ),
        (
            Fault::CloseMidResponse,
            "error reading a body from connection: unexpected EOF during chunk size line",
        ),
    ] {
        let server = always(fault.clone()).await;
        let err = fails(&client(&server), &server).await;
        assert_eq!(
            err.to_string(),
            format!("connection to the API failed: the answer (HTTP 200) broke off: {cause}"),
            "{fault}"
        );
    }
}
