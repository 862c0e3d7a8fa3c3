//! `flux mock`: the mock server in the foreground.

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
    // The addresses are a courtesy: a stdout that cannot be written (closed by `| head -1`, a
    // full disk) does not stop the server.
    let _ = crate::output::print(&format!(
        "API:        {api}\n\
         images:     {images}\n\
         API key:    {key}\n\
         try:        ONEROUTER_BASE_URL={api} ONEROUTER_API_KEY={key} flux generate \"a red fox\"\n\
         Ctrl-C stops the server.\n",
        api = server.base_url(),
        images = server.image_base_url(),
        key = server.api_key(),
    ));
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::failed(format!("cannot wait for Ctrl-C: {e}")))?;
    server.shutdown().await;
    Ok(Status::Ok)
}
