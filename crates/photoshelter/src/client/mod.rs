//! PhotoShelter REST client (v3 and v4), one [`Client`] per connection.
//!
//! - [`config`]: [`ClientConfig`] and [`Auth`] (token login or OAuth bearer).
//! - `transport`: sends a call with the API key and auth headers, re-logs in once on 401,
//!   retries a short 429 in-process, and classifies failures into [`Error`].
//! - `auth`: v3 token login plus organization authentication.
//! - `oauth`: the OAuth bearer, renewed through the refresh-token grant.
//! - [`snapshot`]: a media item read consistently ([`MediaSnapshot`]) and the
//!   [`SourceVersion`] that orders reads of it.
//! - `read` / `write`: the endpoints, each commented with its evidence level
//!   (DOC / SPEC-DRAFT / CLIENT / UNVERIFIED / ASSUMED, see `docs/platforms.md`).
//! - [`model`]: typed results ([`Media`], [`Iptc`], ...); missing means unknown.
//! - `envelope` / `parse`: lenient decoding of the v3 and v4 envelopes.

mod auth;
mod collections;
pub mod config;
mod envelope;
mod error;
mod links;
pub mod model;
mod oauth;
mod parse;
mod read;
pub mod snapshot;
mod transport;
mod write;

use std::sync::atomic::{AtomicU64, Ordering};

pub use config::{Auth, ClientConfig, OAuthRefresh};
pub use error::Error;
pub use model::{
    GalleryRef, Iptc, Media, MediaPage, MediaSummary, MediaUpdate, Upload, UploadSource, Uploaded,
    Visibility,
};
pub use snapshot::{MediaSnapshot, SourceVersion};

/// Result of every client call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A PhotoShelter API client for one connection. Cheap to share behind an `Arc`; calls may
/// run concurrently (they share one login session).
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    /// Base URL without a trailing slash; paths are appended.
    base: String,
    session: tokio::sync::Mutex<auth::Session>,
    bearer: tokio::sync::Mutex<oauth::Bearer>,
    logins: AtomicU64,
    refreshes: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client; no call is made until the first request (login is lazy).
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .user_agent(concat!("assetrelay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config_from("the HTTP client could not be built", e))?;
        let base = config.base_url.as_str().trim_end_matches('/').to_owned();
        Ok(Client {
            http,
            config,
            base,
            session: tokio::sync::Mutex::new(auth::Session::default()),
            bearer: tokio::sync::Mutex::new(oauth::Bearer::default()),
            logins: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
        })
    }

    /// How many token logins this client performed (the first one plus re-logins).
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Rejects ids that would change the request path (ids reach us from webhook payloads).
/// PhotoShelter ids are 16 characters of `[A-Za-z0-9._]` [SPEC-DRAFT]; we accept up to 64.
pub(crate) fn checked_id<'a>(what: &'static str, id: &'a str) -> Result<&'a str> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if valid {
        Ok(id)
    } else {
        Err(Error::InvalidId { what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// Flows spawn client calls on a multi-threaded runtime: every future must be `Send`.
    #[allow(dead_code)]
    fn every_call_is_send(c: &Client, u: &Upload, i: &Iptc, m: &MediaUpdate) {
        let since = chrono::Utc::now();
        assert_send(&c.media("x"));
        assert_send(&c.media_snapshot("x"));
        assert_send(&c.media_modified_since(since));
        assert_send(&c.media_modified_since_paged(since, 50));
        assert_send(&c.gallery_children("x"));
        assert_send(&c.upload(u));
        assert_send(&c.update_iptc("x", i));
        assert_send(&c.update_media("x", m));
        assert_send(&c.remove_from_gallery("g", "x"));
    }

    #[test]
    fn refuses_ids_that_would_escape_the_path() {
        assert!(checked_id("media", "I0000AbCdEfGh.12").is_ok());
        for bad in ["", "..", "a/b", "I0000?x=1", "a b"] {
            assert!(checked_id("media", bad).is_err(), "{bad:?}");
        }
    }
}
