//! Smint.io's push notifications: a Pusher Channels app (research/smintio.md §3.1).
//!
//! - `socket`: the protocol 7 WebSocket endpoint `GET /app/{app_key}` (pusher.com's
//!   `wss://ws-{cluster}.pusher.com/app/{key}`), verifying private-channel signatures.
//! - `auth`: `POST /consumer/v1/notifications/pusher/auth`, Smint.io's channel auth route,
//!   signing only the tenant's own channel for a valid CLAPI-C bearer token.
//! - `control`: `/_sandbox/smintio/pusher…` (stats, close every socket, trigger, pongs).
//!
//! [`PusherHub`] keeps the open sockets; the LPT control route triggers
//! `global-transaction-history-update` through it whenever the feed changes.

mod auth;
mod control;
mod socket;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// The event Smint.io triggers when a tenant's transaction history changed (DOC: SDK).
pub const TRANSACTION_HISTORY_UPDATE: &str = "global-transaction-history-update";
/// Its payload. The SDKs ignore it and Smint.io's own test sends `"TEST"`
/// (`TestPusherService.java`); the real payload is unknown (research "Unknown" #6), so
/// the sandbox sends this opaque string and clients must not read anything into it.
pub const TRANSACTION_HISTORY_UPDATE_DATA: &str = "TEST";

/// The Smint.io routes of this module.
pub(super) fn api_router() -> Router<AppState> {
    socket::router().merge(auth::router())
}

/// The `/_sandbox/smintio/pusher…` control routes.
pub(super) fn control_router() -> Router<AppState> {
    control::router()
}

/// `{app_key}:{hex HMAC-SHA256(app_secret, "{socket_id}:{channel}")}`: the `auth` of a
/// private channel's `pusher:subscribe` (Pusher's authorization signature).
pub(crate) fn channel_auth(
    app_key: &str,
    app_secret: &str,
    socket_id: &str,
    channel: &str,
) -> String {
    format!(
        "{app_key}:{}",
        hex::encode(mac(app_secret, socket_id, channel).finalize().into_bytes())
    )
}

/// Whether `auth` is the signature of `socket_id` on `channel`, compared in constant time.
pub(crate) fn verify_channel_auth(
    app_key: &str,
    app_secret: &str,
    socket_id: &str,
    channel: &str,
    auth: &str,
) -> bool {
    let Some(signature) = auth
        .strip_prefix(app_key)
        .and_then(|rest| rest.strip_prefix(':'))
    else {
        return false;
    };
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    mac(app_secret, socket_id, channel)
        .verify_slice(&signature)
        .is_ok()
}

fn mac(app_secret: &str, socket_id: &str, channel: &str) -> Hmac<Sha256> {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("{socket_id}:{channel}").as_bytes());
    mac
}

/// A Pusher socket id: two decimal numbers joined by a dot, as pusher.com issues them.
pub(crate) fn is_socket_id(value: &str) -> bool {
    value.split_once('.').is_some_and(|(a, b)| {
        [a, b].iter().all(|part| {
            !part.is_empty() && part.len() <= 20 && part.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// What the hub asks a socket's task to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Send this text frame.
    Text(String),
    /// Send a close frame with this code and reason, then end.
    Close { code: u16, reason: String },
}

struct Socket {
    subscriptions: BTreeSet<String>,
    outbox: mpsc::UnboundedSender<Outbound>,
}

/// The open Pusher sockets and their counters. Cloning shares them.
#[derive(Clone)]
pub struct PusherHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    sockets: Mutex<BTreeMap<u64, Socket>>,
    next_id: AtomicU64,
    connections_total: AtomicU64,
    pings: AtomicU64,
    events_sent: AtomicU64,
    answer_pings: AtomicBool,
    /// The sandbox's stop: every socket closes with it.
    stop: CancellationToken,
}

/// What `GET /_sandbox/smintio/pusher` shows.
#[derive(Debug, Serialize)]
pub struct HubStats {
    /// Open sockets.
    pub connections: usize,
    /// Open sockets subscribed to `channel`.
    pub subscribed: usize,
    /// Sockets accepted since start.
    pub connections_total: u64,
    /// `pusher:ping`s received.
    pub pings: u64,
    /// Events sent to sockets (one per socket reached).
    pub events_sent: u64,
    /// Whether `pusher:ping`s are answered.
    pub answer_pings: bool,
}

impl PusherHub {
    pub fn new(stop: CancellationToken) -> Self {
        Self {
            inner: Arc::new(HubInner {
                sockets: Mutex::new(BTreeMap::new()),
                next_id: AtomicU64::new(1),
                connections_total: AtomicU64::new(0),
                pings: AtomicU64::new(0),
                events_sent: AtomicU64::new(0),
                answer_pings: AtomicBool::new(true),
                stop,
            }),
        }
    }

    fn sockets(&self) -> MutexGuard<'_, BTreeMap<u64, Socket>> {
        // Every update is a single insert/remove, so data behind a poisoned lock is sound.
        self.inner
            .sockets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self) -> (u64, mpsc::UnboundedReceiver<Outbound>) {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (outbox, inbox) = mpsc::unbounded_channel();
        self.sockets().insert(
            id,
            Socket {
                subscriptions: BTreeSet::new(),
                outbox,
            },
        );
        self.inner.connections_total.fetch_add(1, Ordering::Relaxed);
        (id, inbox)
    }

    fn unregister(&self, id: u64) {
        self.sockets().remove(&id);
    }

    fn subscribe(&self, id: u64, channel: &str, subscribed: bool) {
        if let Some(socket) = self.sockets().get_mut(&id) {
            if subscribed {
                socket.subscriptions.insert(channel.to_owned());
            } else {
                socket.subscriptions.remove(channel);
            }
        }
    }

    fn count_ping(&self) -> bool {
        self.inner.pings.fetch_add(1, Ordering::Relaxed);
        self.inner.answer_pings.load(Ordering::Relaxed)
    }

    /// Sends `event` with `data` to every socket subscribed to `channel`; returns how
    /// many it reached.
    pub fn trigger(&self, channel: &str, event: &str, data: &str) -> usize {
        let message =
            serde_json::json!({"event": event, "channel": channel, "data": data}).to_string();
        let reached = self
            .sockets()
            .values()
            .filter(|s| s.subscriptions.contains(channel))
            .filter(|s| s.outbox.send(Outbound::Text(message.clone())).is_ok())
            .count();
        self.inner
            .events_sent
            .fetch_add(reached as u64, Ordering::Relaxed);
        tracing::debug!(%channel, %event, reached, "Pusher event triggered");
        reached
    }

    /// Closes every open socket with `code`; returns how many.
    pub fn close_all(&self, code: u16, reason: &str) -> usize {
        self.sockets()
            .values()
            .filter(|s| {
                s.outbox
                    .send(Outbound::Close {
                        code,
                        reason: reason.to_owned(),
                    })
                    .is_ok()
            })
            .count()
    }

    /// Whether `pusher:ping`s get their `pusher:pong` (off: to test a client's pong timeout).
    pub fn set_answer_pings(&self, answer: bool) {
        self.inner.answer_pings.store(answer, Ordering::Relaxed);
    }

    pub fn stats(&self, channel: &str) -> HubStats {
        let sockets = self.sockets();
        HubStats {
            connections: sockets.len(),
            subscribed: sockets
                .values()
                .filter(|s| s.subscriptions.contains(channel))
                .count(),
            connections_total: self.inner.connections_total.load(Ordering::Relaxed),
            pings: self.inner.pings.load(Ordering::Relaxed),
            events_sent: self.inner.events_sent.load(Ordering::Relaxed),
            answer_pings: self.inner.answer_pings.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_for_its_socket_and_channel_only() {
        let auth = channel_auth("key", "secret", "1.2", "private-2-1");

        assert!(auth.starts_with("key:") && auth.len() == 4 + 64, "{auth}");
        assert!(verify_channel_auth(
            "key",
            "secret",
            "1.2",
            "private-2-1",
            &auth
        ));
        assert!(!verify_channel_auth(
            "key",
            "secret",
            "1.3",
            "private-2-1",
            &auth
        ));
        assert!(!verify_channel_auth(
            "key",
            "secret",
            "1.2",
            "private-2-2",
            &auth
        ));
        assert!(!verify_channel_auth(
            "key",
            "other",
            "1.2",
            "private-2-1",
            &auth
        ));
        assert!(!verify_channel_auth(
            "key",
            "secret",
            "1.2",
            "private-2-1",
            "key:zz"
        ));
    }

    #[test]
    fn socket_ids_are_two_numbers() {
        assert!(is_socket_id("123.456"));
        for bad in ["123", "a.1", "1.", ".1", "1.2.3", "1:2"] {
            assert!(!is_socket_id(bad), "{bad}");
        }
    }
}
