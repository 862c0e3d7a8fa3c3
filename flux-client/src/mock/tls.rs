//! HTTPS for the mock: a throwaway certificate authority, generated at start, that signs one
//! certificate for `127.0.0.1` and `localhost`; clients trust the authority's PEM.

use std::io;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the listeners need to serve HTTPS, and what a client needs to trust them.
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// The authority's certificate in PEM form.
    pub(crate) ca_pem: String,
}

fn tls_error(what: &str, error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("mock TLS setup: {what}: {error}"))
}

/// Generates the authority and the server certificate, and a rustls configuration with aws-lc-rs
/// (passed explicitly, so no process-wide provider needs installing) offering HTTP/1.1.
pub(crate) fn generate() -> io::Result<Tls> {
    let ca_key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA parameters", e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "flux-client mock CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| tls_error("CA certificate", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(|e| tls_error("server key", e))?;
    let mut server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .map_err(|e| tls_error("server parameters", e))?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "flux-client mock server");
    let server_cert = server_params
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_error("server certificate", e))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| tls_error("server configuration", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca_cert.pem(),
    })
}
