//! `[admin]`: the operations HTTP API (`assetrelay-admin`), a separate process and listener
//! so no admin route is ever reachable on the public webhook listener.

use std::net::SocketAddr;

use serde::Deserialize;

use crate::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Address of the admin listener; keep it on a private network.
    pub listen: SocketAddr,
    /// Bearer tokens accepted (several during a rotation). Required by `assetrelay-admin`;
    /// give them as `{ env = "…" }` or `{ file = "…" }`.
    pub tokens: Vec<Secret>,
    /// `[admin.console]`: the operator console served at `/` of the same listener.
    pub console: ConsoleConfig,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            tokens: Vec::new(),
            console: ConsoleConfig::default(),
        }
    }
}

/// The operator console: signed in with one of `[admin] tokens`, kept signed in by a
/// session cookie.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// `false` serves the JSON API alone (`/` answers 404).
    pub enabled: bool,
    /// How long a sign-in lasts, in minutes (8 hours unless set): the session ends then
    /// whatever the operator does, and at sign-out on every admin replica at once.
    pub session_minutes: u64,
    /// Mark the session cookie `Secure` (sent over HTTPS only). Also set on its own for a
    /// request that arrived over TLS at a proxy (`X-Forwarded-Proto: https`); set it when
    /// a TLS proxy in front of the admin does not say so.
    pub secure_cookie: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            session_minutes: 480,
            secure_cookie: false,
        }
    }
}
