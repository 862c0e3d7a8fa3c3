//! Every API fault the mock injects, through the layer: the exact [`Error`] users see (variant,
//! fields, one-line `Display`) and how many attempts reached the server under the default retry
//! policy and the opt-ins. `docs/mock.md`'s "What the client reports for each fault" table quotes the
//! `Display` strings asserted here.

use flux_client::mock::{Fault, MockServer};
use flux_client::{Error, FluxClient, Limits};

use crate::suite_support::*;

mod bad_answers;
mod broken_connections;
mod error_statuses;
mod rate_limits;
mod timeouts;

const RATE_LIMITED: &str = "Rate limit exceeded: too many requests or concurrent tasks.";

/// A server that injects `fault` into every generation.
async fn always(fault: Fault) -> MockServer {
    MockServer::builder().fault(fault).start().await.unwrap()
}

fn status(status: u16, retry_after: Option<u64>) -> Fault {
    Fault::Status {
        status,
        retry_after,
    }
}

/// Sends one generation and returns its error (checking it is presentable).
async fn fails(client: &FluxClient, server: &MockServer) -> Error {
    let err = client.generate("a fox").send().await.unwrap_err();
    assert_presentable(&err, server);
    err
}

/// `text` as `Display` ends it for an error the mock answered: with the id of the last request
/// the API listener received (every mock answer carries one).
fn with_request_id(server: &MockServer, text: impl std::fmt::Display) -> String {
    let api = server.requests_on(flux_client::mock::Listener::Api);
    let id = &api.last().expect("a request reached the API").request_id;
    format!("{text} [request id {id}]")
}

/// A client without the limiter: a 429 is then an ordinary retry, counted by the policy.
fn unlimited(server: &MockServer) -> FluxClient {
    builder(server).limits(Limits::none()).build().unwrap()
}
