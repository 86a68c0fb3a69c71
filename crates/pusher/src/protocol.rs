//! Pusher Channels protocol 7: the messages this client sends and reads, and what a
//! Pusher error code asks of it (pusher.com, "Pusher Channels Protocol").
//!
//! Every message is a JSON text frame `{"event", "channel"?, "data"}`. Servers send
//! `data` as a JSON-encoded *string*; a few send `pusher:error`'s as an object, so both
//! are read. Clients send `data` as an object.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub(crate) const CONNECTION_ESTABLISHED: &str = "pusher:connection_established";
pub(crate) const ERROR: &str = "pusher:error";
pub(crate) const PING: &str = "pusher:ping";
pub(crate) const PONG: &str = "pusher:pong";
pub(crate) const SUBSCRIPTION_SUCCEEDED: &str = "pusher_internal:subscription_succeeded";

/// What the protocol's `activity_timeout` is when the server gives none (pusher-js: 120 s).
pub(crate) const DEFAULT_ACTIVITY_TIMEOUT_SECS: u64 = 120;

/// A message from the server.
#[derive(Debug, Deserialize)]
pub(crate) struct Incoming {
    pub event: String,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub data: Value,
}

impl Incoming {
    pub(crate) fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// `pusher:…` and `pusher_internal:…` events belong to the protocol, not the app.
    pub(crate) fn is_protocol_event(&self) -> bool {
        self.event.starts_with("pusher:") || self.event.starts_with("pusher_internal:")
    }

    /// The payload as the text the server meant: the string itself, or an object's JSON.
    pub(crate) fn data_text(&self) -> String {
        match &self.data {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// The payload decoded as `T`, from a JSON-encoded string or an object.
    pub(crate) fn data_as<T: DeserializeOwned>(&self) -> Option<T> {
        match &self.data {
            Value::String(text) => serde_json::from_str(text).ok(),
            other => serde_json::from_value(other.clone()).ok(),
        }
    }
}

/// `pusher:connection_established`'s data.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectionEstablished {
    pub socket_id: String,
    /// Seconds of silence after which the client should ping.
    #[serde(default)]
    pub activity_timeout: Option<u64>,
}

/// `pusher:error`'s data; `code` is absent for errors that are not about the connection
/// (e.g. a refused subscription on pusher.com).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorData {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<u16>,
}

pub(crate) fn subscribe(channel: &str, auth: &str) -> String {
    json!({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}}).to_string()
}

pub(crate) fn ping() -> String {
    json!({"event": PING, "data": {}}).to_string()
}

pub(crate) fn pong() -> String {
    json!({"event": PONG, "data": {}}).to_string()
}

/// A server's error text, safe to keep in an error and log: pusher.com's refusal of a
/// signature quotes the signature it got, so every run of 32 or more hex digits is
/// replaced, and the text is cut at 200 characters.
pub(crate) fn redacted(message: &str) -> String {
    const MIN_RUN: usize = 32;
    let mut out = String::new();
    let mut run = String::new();
    for c in message.chars().take(200) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        flush_run(&mut out, &mut run, MIN_RUN);
        out.push(c);
    }
    flush_run(&mut out, &mut run, MIN_RUN);
    out
}

fn flush_run(out: &mut String, run: &mut String, min_run: usize) {
    if run.len() >= min_run {
        out.push_str("<redacted>");
    } else {
        out.push_str(run);
    }
    run.clear();
}

/// What a Pusher code (in a close frame or a `pusher:error`) asks of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeAction {
    /// 4000–4099: "SHOULD NOT be re-established unchanged".
    GiveUp,
    /// 4100–4199: re-establish after backing off (at least 1 s, may grow).
    Backoff,
    /// 4200–4299: re-establish immediately.
    ReconnectNow,
}

impl CodeAction {
    /// `None` for codes outside the Pusher ranges (WebSocket codes such as 1000, 1006).
    pub(crate) fn of(code: u16) -> Option<Self> {
        match code {
            4000..=4099 => Some(Self::GiveUp),
            4100..=4199 => Some(Self::Backoff),
            4200..=4299 => Some(Self::ReconnectNow),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_established_is_read_from_its_json_encoded_string() {
        let message = Incoming::parse(
            r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":120}"}"#,
        )
        .unwrap();

        let data: ConnectionEstablished = message.data_as().unwrap();

        assert_eq!(data.socket_id, "123.456");
        assert_eq!(data.activity_timeout, Some(120));
    }

    #[test]
    fn an_error_is_read_from_an_object_as_well() {
        let message = Incoming::parse(
            r#"{"event":"pusher:error","data":{"message":"Over quota","code":4004}}"#,
        )
        .unwrap();

        let data: ErrorData = message.data_as().unwrap();

        assert_eq!(data.code, Some(4004));
        assert_eq!(data.message.as_deref(), Some("Over quota"));
    }

    #[test]
    fn an_event_payload_keeps_its_text() {
        let text = Incoming::parse(r#"{"event":"e","channel":"c","data":"TEST"}"#).unwrap();
        let object = Incoming::parse(r#"{"event":"e","channel":"c","data":{"a":1}}"#).unwrap();

        assert_eq!(text.data_text(), "TEST");
        assert_eq!(object.data_text(), r#"{"a":1}"#);
        assert!(!text.is_protocol_event());
    }

    #[test]
    fn a_quoted_signature_is_redacted_from_server_messages() {
        let signature = "a".repeat(64);
        let message = format!(
            "Invalid signature: Expected HMAC SHA256 hex digest of 1.2:private-2-1, but got {signature}"
        );

        let kept = redacted(&message);

        assert!(!kept.contains(&signature), "{kept}");
        assert!(kept.ends_with("but got <redacted>"), "{kept}");
        assert_eq!(redacted("Over quota 4004"), "Over quota 4004");
    }

    #[test]
    fn the_code_ranges_decide_what_happens_next() {
        assert_eq!(CodeAction::of(4009), Some(CodeAction::GiveUp));
        assert_eq!(CodeAction::of(4100), Some(CodeAction::Backoff));
        assert_eq!(CodeAction::of(4201), Some(CodeAction::ReconnectNow));
        assert_eq!(CodeAction::of(1006), None);
        assert_eq!(CodeAction::of(4300), None);
    }
}
