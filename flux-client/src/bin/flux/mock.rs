//! `flux mock`: the mock server in the foreground.

use std::io::Write;

use flux_client::mock::MockServer;

use crate::args::MockArgs;
use crate::exit::{Failure, Status};

pub async fn run(args: MockArgs) -> Result<Status, Failure> {
    let mut builder = MockServer::builder()
        .port(args.port)
        .api_key(&args.api_key)
        .history(args.history);
    for fault in args.fault {
        builder = builder.fault(fault);
    }
    let server = builder.start().await.map_err(|e| {
        Failure::failed(format!(
            "cannot start the mock server on port {}: {e}",
            args.port
        ))
    })?;
    println!("API:        {}", server.base_url());
    println!("images:     {}", server.image_base_url());
    println!("API key:    {}", server.api_key());
    println!(
        "try:        ONEROUTER_BASE_URL={} ONEROUTER_API_KEY={} flux generate \"a red fox\"",
        server.base_url(),
        server.api_key()
    );
    println!("Ctrl-C stops the server.");
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::failed(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown().await;
    Ok(Status::Ok)
}
