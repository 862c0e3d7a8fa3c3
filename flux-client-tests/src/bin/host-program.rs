//! A program that depends on flux-client the way others do: it has reqwest clients of its own,
//! builds them before and after a `FluxClient`, and spawns generations on its runtime. Run by
//! the `it` suite (`host_program.rs`) against the mock, with `ONEROUTER_BASE_URL` and
//! `ONEROUTER_API_KEY` pointing at it. Prints one line per check and exits non-zero on the
//! first that fails.

use std::process::ExitCode;

fn check(what: &str, ok: bool) -> Result<(), String> {
    println!("{} {what}", if ok { "ok" } else { "FAILED" });
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

fn no_global_provider() -> bool {
    rustls::crypto::CryptoProvider::get_default().is_none()
}

async fn run() -> Result<(), String> {
    check(
        "no process-wide rustls provider at start",
        no_global_provider(),
    )?;
    // The host's own plain client, built before any FluxClient exists.
    let before = reqwest::Client::builder().build();
    check(
        "the host's reqwest client builds before a FluxClient",
        before.is_ok(),
    )?;

    let client = flux_client::FluxClient::from_env().map_err(|e| e.to_string())?;
    check(
        "building a FluxClient installs no provider",
        no_global_provider(),
    )?;
    let after = reqwest::Client::builder().build();
    check(
        "the host's reqwest client builds after a FluxClient",
        after.is_ok(),
    )?;

    let tasks: Vec<_> = (0..4)
        .map(|i| tokio::spawn(client.generate(format!("a red fox, take {i}")).send()))
        .collect();
    drop(client);
    let mut images = 0;
    for task in tasks {
        let generated = task.await.map_err(|e| e.to_string())?;
        images += generated.map_err(|e| e.to_string())?.len();
    }
    check("four spawned generations returned four images", images == 4)?;
    check("no provider after sending", no_global_provider())?;

    // A host that installs its own default after ours still can.
    let installed = rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .is_ok();
    check(
        "the host can still install its own default provider",
        installed,
    )?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failed) => {
            eprintln!("host-program: {failed}");
            ExitCode::FAILURE
        }
    }
}
