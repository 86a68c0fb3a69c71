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
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            tokens: Vec::new(),
        }
    }
}
