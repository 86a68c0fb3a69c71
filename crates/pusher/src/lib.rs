#![doc = include_str!("../README.md")]
//!
//! Modules:
//! - [`config`]: [`PusherConfig`] (where to connect, which channel, the timings).
//! - [`auth`]: [`ChannelAuth`], [`AuthError`] and the closure adapter [`FnAuth`].
//! - `protocol`: the protocol 7 messages and what an error code asks of the client.
//! - `connection`: one connection, from the handshake to its end.
//! - `reconnect`: [`run`], the loop around connections, and the state it reports.
//! - `tls`: the rustls connector.

pub mod auth;
pub mod config;
mod connection;
mod protocol;
mod reconnect;
mod tls;

pub use auth::{AuthError, BoxError, ChannelAuth, FnAuth};
pub use config::PusherConfig;
pub use reconnect::run;

/// Where the client stands, published on the `state` watch of [`run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening a connection, or connected and waiting for the subscription to succeed.
    Connecting,
    /// Subscribed to the channel: notifications arrive.
    Connected,
    /// Between connections (waiting to reconnect), or stopped by shutdown.
    Disconnected,
    /// Gave up: a 4000–4099 code or a refused authorization; `run` has returned.
    Failed,
}

/// One event received on the channel (never a `pusher:` / `pusher_internal:` one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The event name, e.g. `global-transaction-history-update`.
    pub event: String,
    /// The channel it came on.
    pub channel: String,
    /// The payload as the server sent it (opaque; a JSON object is kept as its text).
    pub data: String,
}
