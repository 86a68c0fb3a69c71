//! `GET /app/{app_key}?protocol=7&client=..&version=..`: a Pusher Channels protocol 7
//! WebSocket (pusher.com, "Pusher Channels Protocol"), what Smint.io's SDKs connect to.
//!
//! - On connect: `pusher:connection_established` with a `socket_id` and the configured
//!   `activity_timeout`; an unknown app key gets `pusher:error` 4001 and a close with
//!   4001, a protocol other than 7 gets 4007 (the protocol's codes).
//! - `pusher:subscribe`: a `private-`/`presence-` channel needs `auth` =
//!   `{app_key}:{HMAC-SHA256(secret, "{socket_id}:{channel}")}`; a wrong one gets
//!   `pusher:error` 4009 and a close with 4009 (ASSUMED: pusher.com answers a bad
//!   signature with a code-less error and keeps the socket; the sandbox is stricter, as
//!   4009 "connection is unauthorized" is the protocol's code for it). Success:
//!   `pusher_internal:subscription_succeeded`. Public channels need no auth.
//! - `pusher:ping` → `pusher:pong` (unless switched off by the control API);
//!   `pusher:unsubscribe` is honoured; client events (`client-…`) are refused with a
//!   code-less `pusher:error`, as on an app that does not enable them.
//! - The server never pings or times a client out (pusher.com does, after
//!   `activity_timeout` plus 30 s); clients are tested against their own timers.
//!
//! Data the server sends is a JSON-encoded string, as the protocol says; client data is
//! read as an object or a string.

use std::collections::HashMap;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Outbound, PusherHub, verify_channel_auth};
use crate::state::AppState;

/// Largest client message read; clients send only small control messages.
const MAX_MESSAGE: usize = 64 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/app/{app_key}", get(upgrade))
}

async fn upgrade(
    State(app): State<AppState>,
    Path(app_key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(app, socket, app_key, query))
}

#[derive(Deserialize)]
struct ClientMessage {
    event: String,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct SubscribeData {
    channel: String,
    #[serde(default)]
    auth: Option<String>,
}

/// Why the server ends a socket.
enum End {
    /// The client left or the connection broke.
    Gone,
    /// Close with this Pusher code.
    Refuse { code: u16, message: String },
}

fn error_message(code: Option<u16>, message: &str) -> String {
    json!({"event": "pusher:error", "data": {"code": code, "message": message}}).to_string()
}

async fn serve(app: AppState, socket: WebSocket, app_key: String, query: HashMap<String, String>) {
    let (mut sink, mut stream) = socket.split();
    let settings = &app.config.pusher;
    let refusal = if app_key != settings.app_key {
        Some((4001, format!("App key {app_key} not in this cluster")))
    } else if query.get("protocol").map(String::as_str) != Some("7") {
        Some((4007, "Unsupported protocol version".to_owned()))
    } else {
        None
    };
    if let Some((code, message)) = refusal {
        let _ = sink
            .send(Message::Text(error_message(Some(code), &message).into()))
            .await;
        let _ = sink.send(close_frame(code, &message)).await;
        return;
    }
    let hub = app.pusher.clone();
    let (id, mut outbox) = hub.register();
    let socket_id = format!("{}.{}", rand::random::<u32>(), rand::random::<u32>());
    let established =
        json!({"socket_id": socket_id, "activity_timeout": settings.activity_timeout_secs});
    let greeting =
        json!({"event": "pusher:connection_established", "data": established.to_string()});
    tracing::debug!(%socket_id, "Pusher socket connected");
    let end = if sink
        .send(Message::Text(greeting.to_string().into()))
        .await
        .is_err()
    {
        End::Gone
    } else {
        loop {
            tokio::select! {
                () = hub.inner.stop.cancelled() => {
                    break End::Refuse { code: 4200, message: "Server is going away".into() };
                }
                outbound = outbox.recv() => match outbound {
                    Some(Outbound::Text(text)) => {
                        if sink.send(Message::Text(text.into())).await.is_err() {
                            break End::Gone;
                        }
                    }
                    Some(Outbound::Close { code, reason }) => break End::Refuse { code, message: reason },
                    None => break End::Gone,
                },
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        match handle(&app, &hub, id, &socket_id, &text) {
                            Ok(replies) => {
                                for reply in replies {
                                    if sink.send(Message::Text(reply.into())).await.is_err() {
                                        break;
                                    }
                                }
                            }
                            Err(end) => break end,
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break End::Gone,
                    // WebSocket pings are answered by the library; binary is not Pusher.
                    Some(Ok(_)) => {}
                },
            }
        }
    };
    hub.unregister(id);
    if let End::Refuse { code, message } = end {
        // A code that forbids reconnecting is also said as `pusher:error`, so a client
        // that reads messages but not close codes learns why.
        if (4000..=4099).contains(&code) {
            let _ = sink
                .send(Message::Text(error_message(Some(code), &message).into()))
                .await;
        }
        let _ = sink.send(close_frame(code, &message)).await;
    }
    tracing::debug!(%socket_id, "Pusher socket closed");
}

fn close_frame(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// The replies to one client message, or why the socket must close.
fn handle(
    app: &AppState,
    hub: &PusherHub,
    id: u64,
    socket_id: &str,
    text: &str,
) -> Result<Vec<String>, End> {
    let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
        return Ok(vec![error_message(None, "Invalid JSON")]);
    };
    let data = match message.data {
        // Be lenient: some clients send data JSON-encoded, as servers do.
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        other => other,
    };
    match message.event.as_str() {
        "pusher:ping" => Ok(if hub.count_ping() {
            vec![json!({"event": "pusher:pong", "data": "{}"}).to_string()]
        } else {
            Vec::new()
        }),
        "pusher:pong" => Ok(Vec::new()),
        "pusher:subscribe" => {
            let Ok(subscribe) = serde_json::from_value::<SubscribeData>(data) else {
                return Ok(vec![error_message(None, "Invalid subscribe data")]);
            };
            let settings = &app.config.pusher;
            let private = subscribe.channel.starts_with("private-")
                || subscribe.channel.starts_with("presence-");
            if private
                && !subscribe.auth.as_deref().is_some_and(|auth| {
                    verify_channel_auth(
                        &settings.app_key,
                        settings.app_secret.expose_secret(),
                        socket_id,
                        &subscribe.channel,
                        auth,
                    )
                })
            {
                tracing::info!(channel = %subscribe.channel, "Pusher subscription with a wrong signature refused");
                return Err(End::Refuse {
                    code: 4009,
                    message: format!("Invalid signature for {}", subscribe.channel),
                });
            }
            hub.subscribe(id, &subscribe.channel, true);
            Ok(vec![
                json!({"event": "pusher_internal:subscription_succeeded", "channel": subscribe.channel, "data": "{}"})
                    .to_string(),
            ])
        }
        "pusher:unsubscribe" => {
            if let Some(channel) = data.get("channel").and_then(Value::as_str) {
                hub.subscribe(id, channel, false);
            }
            Ok(Vec::new())
        }
        event if event.starts_with("client-") => Ok(vec![error_message(
            None,
            "client events are not enabled for this app",
        )]),
        _ => Ok(Vec::new()),
    }
}
