//! The TLS connector of `wss://` connections. rustls picks its crypto provider from its
//! crate features and has none when both `ring` and `aws-lc-rs` are enabled, which a
//! workspace with several TLS users easily has; `ClientConfig::builder()` then panics.
//! So the provider is passed explicitly. Roots: the webpki (Mozilla) set, the same on
//! every machine and in containers without a system store.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::Connector;

pub(crate) fn connector() -> Result<Connector, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Connector::Rustls(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connector_builds_with_the_explicit_provider_and_the_webpki_roots() {
        let Ok(Connector::Rustls(config)) = connector() else {
            panic!("no rustls connector");
        };

        // No ALPN: offering h2 could get a server to pick HTTP/2, where the HTTP/1.1
        // upgrade a WebSocket handshake is made of does not exist.
        assert!(config.alpn_protocols.is_empty());
    }
}
