//! Each fault, selected by header, queue or server default, produces the documented misbehaviour
//! on the wire, and what the generated client makes of it.

use flux_client::mock::MockServer;

use crate::mock_support::{minimal, post};

mod answers;
mod images;
mod selection;

const HEADER: &str = MockServer::FAULT_HEADER;

/// Generates one image with the image fault `fault`; its URL.
async fn url_with_image_fault(server: &MockServer, fault: &str) -> String {
    let (status, _, value) = post(server, &minimal("an image fault"), &[(HEADER, fault)]).await;
    assert_eq!(status, 200, "{value}");
    value["data"][0]["url"].as_str().unwrap().to_owned()
}
