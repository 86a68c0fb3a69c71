//! Where the client connects, which channel it subscribes to, and its timings.

use std::time::Duration;

use url::Url;

/// Smint.io's Pusher app key (research/smintio.md §3.1, both SDKs).
pub const SMINTIO_APP_KEY: &str = "32f31c26a83e09dc401b";
/// Smint.io's Pusher cluster (same source).
pub const SMINTIO_CLUSTER: &str = "eu";
/// The event Smint.io triggers when a tenant's transaction history changed.
pub const TRANSACTION_HISTORY_UPDATE: &str = "global-transaction-history-update";

/// Wait before reconnecting after a network error: Smint.io's Java SDK waits 30 s
/// (`PUSHER__RECONNECT_WAIT_TIME`).
pub const DEFAULT_RECONNECT_AFTER_ERROR: Duration = Duration::from_secs(30);
/// How long a `pusher:ping` may go unanswered (the protocol's and pusher-js's 30 s).
pub const DEFAULT_PONG_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection to one channel.
#[derive(Clone, Debug)]
pub struct PusherConfig {
    /// `ws(s)://host[:port]` base; the client appends `/app/{app_key}?protocol=7&...`.
    pub url: Url,
    /// The Pusher app key (not a secret: every client of the app knows it).
    pub app_key: String,
    /// The channel to subscribe to, e.g. `private-2-{channelId}`.
    pub channel: String,
    /// Wait before reconnecting after a network error, and the upper bound of the
    /// backoff that 4100–4199 codes ask for.
    pub reconnect_after_error: Duration,
    /// How long an answer may take: to a `pusher:ping`, and to the connection's own
    /// handshake (WebSocket upgrade, then `pusher:connection_established`).
    pub pong_timeout: Duration,
}

impl PusherConfig {
    /// A connection to `wss://ws-{cluster}.pusher.com` with the default timings.
    pub fn for_cluster(
        cluster: &str,
        app_key: impl Into<String>,
        channel: impl Into<String>,
    ) -> Self {
        // Cluster names are short lowercase words (`eu`, `mt1`, `ap2`); anything else is
        // dropped so the host always parses, and a wrong name fails at connect time like
        // any unreachable host.
        let cluster: String = cluster
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        #[allow(
            clippy::expect_used,
            reason = "letters, digits and hyphens always make a valid host"
        )]
        let url = Url::parse(&format!("wss://ws-{cluster}.pusher.com"))
            .expect("a wss URL with an alphanumeric host");
        Self::new(url, app_key, channel)
    }

    /// A connection to `url` (the sandbox, or a self-hosted Pusher-compatible server)
    /// with the default timings.
    pub fn new(url: Url, app_key: impl Into<String>, channel: impl Into<String>) -> Self {
        Self {
            url,
            app_key: app_key.into(),
            channel: channel.into(),
            reconnect_after_error: DEFAULT_RECONNECT_AFTER_ERROR,
            pong_timeout: DEFAULT_PONG_TIMEOUT,
        }
    }

    /// Smint.io's channel for `channel_id` (issued per customer): `private-2-{channelId}`.
    pub fn smintio_channel(channel_id: i64) -> String {
        format!("private-2-{channel_id}")
    }

    /// `{url}/app/{app_key}?protocol=7&client=assetrelay-pusher&version=..`; `None` when
    /// `url` cannot take a path (not a `ws`/`wss` base).
    pub(crate) fn connection_url(&self) -> Option<Url> {
        if !matches!(self.url.scheme(), "ws" | "wss") {
            return None;
        }
        let mut url = self.url.clone();
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(["app", &self.app_key]);
        url.query_pairs_mut()
            .clear()
            .append_pair("protocol", "7")
            .append_pair("client", "assetrelay-pusher")
            .append_pair("version", env!("CARGO_PKG_VERSION"))
            .append_pair("flash", "false");
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_names_the_host_and_the_key_the_path() {
        let config = PusherConfig::for_cluster(SMINTIO_CLUSTER, SMINTIO_APP_KEY, "private-2-7");

        let url = config.connection_url().unwrap();

        assert_eq!(url.host_str(), Some("ws-eu.pusher.com"));
        assert_eq!(url.path(), "/app/32f31c26a83e09dc401b");
        assert!(
            url.query()
                .unwrap()
                .starts_with("protocol=7&client=assetrelay-pusher&version=")
        );
        assert_eq!(config.reconnect_after_error, Duration::from_secs(30));
        assert_eq!(config.pong_timeout, Duration::from_secs(30));
    }

    #[test]
    fn a_cluster_name_that_is_no_host_part_still_makes_a_config() {
        for cluster in ["", "e u!/x", "ÉU"] {
            let config = PusherConfig::for_cluster(cluster, "k", "c");

            assert!(config.connection_url().is_some(), "{cluster}");
        }
    }

    #[test]
    fn a_base_with_a_path_keeps_it() {
        let config = PusherConfig::new(Url::parse("ws://127.0.0.1:9/pusher/").unwrap(), "k", "c");

        assert_eq!(config.connection_url().unwrap().path(), "/pusher/app/k");
    }

    #[test]
    fn an_http_url_is_no_connection_url() {
        let config = PusherConfig::new(Url::parse("http://127.0.0.1:9").unwrap(), "k", "c");

        assert_eq!(config.connection_url(), None);
    }

    #[test]
    fn the_smintio_channel_carries_the_channel_id() {
        assert_eq!(PusherConfig::smintio_channel(42), "private-2-42");
    }
}
