//! flux-client inside another program's process (`src/bin/host-program.rs`): no global TLS
//! provider, the host's own reqwest clients unaffected, spawned generations against the mock.

use flux_client::mock::MockServer;

#[tokio::test]
async fn a_host_program_keeps_its_tls_and_spawns_generations() {
    let server = MockServer::start().await.unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_host-program"))
        .env("ONEROUTER_BASE_URL", server.base_url())
        .env("ONEROUTER_API_KEY", server.api_key())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        7,
        "{stdout}"
    );
    let generations = server.requests_on(flux_client::mock::Listener::Api).len();
    assert_eq!(generations, 4);
}
