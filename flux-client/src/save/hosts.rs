//! [`HostGuard`]: the image URLs a download refuses before connecting. An answer comes from the
//! API's server, but its image URLs point wherever that server says; a URL that carries the key
//! would hand it to another host, and one on an address a public API never uses (a link-local
//! metadata service, loopback when the API is not on loopback, the API's own origin) makes the
//! client a proxy into the caller's network.

use std::net::IpAddr;

use reqwest::Url;

use crate::error::{Error, Result};

/// What a download checks each URL against, from the client's configuration.
#[derive(Clone, Debug)]
pub(crate) struct HostGuard {
    /// The API's origin (host, port).
    api: (String, u16),
    api_on_loopback: bool,
    /// The key, never sent to an image host (trimmed; `None` when too short to search for).
    key: Option<String>,
    /// [`DownloadPolicy::allow_any_host`](crate::DownloadPolicy::allow_any_host).
    allow_any_host: bool,
}

impl HostGuard {
    pub(crate) fn new(api: &Url, key: &str, allow_any_host: bool) -> Self {
        let host = api.host_str().unwrap_or_default().to_owned();
        let api_on_loopback = is_loopback(&host);
        let key = key.trim();
        Self {
            api: (host, api.port_or_known_default().unwrap_or(0)),
            api_on_loopback,
            key: (key.len() >= 8).then(|| key.to_owned()),
            allow_any_host,
        }
    }

    /// Refuses `url` (`text` as the server wrote it) when it carries the key, or, unless any
    /// host is allowed, when its host is one a public API would never use.
    pub(crate) fn check(&self, url: &Url, text: &str) -> Result<()> {
        let host = url.host_str().unwrap_or_default();
        if let Some(key) = &self.key
            && (text.contains(key.as_str()) || url.as_str().contains(key.as_str()))
        {
            return Err(Error::download(
                host,
                None,
                "the image URL carries the API key; it is not fetched (the key would go to the \
                 image host)",
            ));
        }
        if self.allow_any_host {
            return Ok(());
        }
        let origin = (host.to_owned(), url.port_or_known_default().unwrap_or(0));
        let refused = if origin == self.api {
            Some("the API's own address")
        } else if is_link_local(host) {
            Some("a link-local address")
        } else if is_loopback(host) && !self.api_on_loopback {
            Some("a loopback address while the API is not on loopback")
        } else {
            None
        };
        match refused {
            Some(what) => Err(Error::download(
                host,
                None,
                format!(
                    "the image URL points at {what}, which a public API never uses; it is not \
                     fetched (DownloadPolicy::allow_any_host, or `--allow-any-image-host`, \
                     allows it)"
                ),
            )),
            None => Ok(()),
        }
    }
}

fn ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || ip(host).is_some_and(|ip| ip.is_loopback())
}

fn is_link_local(host: &str) -> bool {
    match ip(host) {
        Some(IpAddr::V4(v4)) => v4.is_link_local(),
        Some(IpAddr::V6(v6)) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(api: &str, image: &str, allow: bool) -> Result<()> {
        let guard = HostGuard::new(&Url::parse(api).unwrap(), "sk-secret-123456", allow);
        guard.check(&Url::parse(image).unwrap(), image)
    }

    #[test]
    fn addresses_a_public_api_never_uses_are_refused_unless_allowed() {
        let api = "https://image.onerouter.pro";
        assert!(check(api, "https://cdn.example/a.png", false).is_ok());
        for image in [
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]/a.png",
            "http://127.0.0.1:8080/a.png",
            "http://localhost/a.png",
            "https://image.onerouter.pro/a.png",
        ] {
            let error = check(api, image, false).unwrap_err().to_string();
            assert!(error.contains("not fetched"), "{image}: {error}");
            assert!(check(api, image, true).is_ok(), "{image} allowed");
        }
        // An API on loopback (a mock, a local proxy) serves its images there too.
        assert!(
            check(
                "http://127.0.0.1:9000",
                "http://127.0.0.1:9001/a.png",
                false
            )
            .is_ok()
        );
        assert!(
            check(
                "http://127.0.0.1:9000",
                "http://127.0.0.1:9000/a.png",
                false
            )
            .is_err()
        );
    }

    #[test]
    fn a_url_carrying_the_key_is_never_fetched_even_when_any_host_is_allowed() {
        let error = check(
            "https://image.onerouter.pro",
            "https://cdn.example/a.png?token=sk-secret-123456",
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("carries the API key"), "{error}");
        assert!(!error.contains("sk-secret"), "{error}");
    }
}
