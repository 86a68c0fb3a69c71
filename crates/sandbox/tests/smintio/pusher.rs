//! The simulated Pusher app: the channel auth route, the protocol 7 WebSocket, the
//! trigger on every license change, and its control routes.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::support::Smint;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const APP_KEY: &str = "32f31c26a83e09dc401b";
const CHANNEL: &str = "private-2-1";

fn signature(socket_id: &str, channel: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"dev-pusher-app-secret").unwrap();
    mac.update(format!("{socket_id}:{channel}").as_bytes());
    format!("{APP_KEY}:{}", hex::encode(mac.finalize().into_bytes()))
}

async fn auth_route(
    smint: &Smint,
    token: Option<&str>,
    socket_id: &str,
    channel: &str,
) -> reqwest::Response {
    let mut request = smint
        .http
        .post(smint.url("/consumer/v1/notifications/pusher/auth"))
        .form(&[("socket_id", socket_id), ("channel_name", channel)]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn connect(smint: &Smint, app_key: &str) -> Ws {
    let url = format!(
        "ws://{}/app/{app_key}?protocol=7&client=test&version=1",
        smint.sandbox.addr
    );
    connect_async(url).await.unwrap().0
}

/// The next text message as JSON, its `data` decoded when it is a JSON-encoded string.
async fn next_message(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The code of the close frame that ends the socket.
async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("the close within 5 s");
        match message {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return None,
        }
    }
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

/// Connects and reads `pusher:connection_established`; returns the socket id too.
async fn established(smint: &Smint) -> (Ws, String, Value) {
    let mut ws = connect(smint, APP_KEY).await;
    let message = next_message(&mut ws).await;
    assert_eq!(message["event"], "pusher:connection_established");
    let data: Value = serde_json::from_str(message["data"].as_str().unwrap()).unwrap();
    let socket_id = data["socket_id"].as_str().unwrap().to_owned();
    (ws, socket_id, data)
}

async fn subscribed(smint: &Smint) -> Ws {
    let (mut ws, socket_id, _) = established(smint).await;
    let token = smint.access_token().await;
    let auth: Value = auth_route(smint, Some(&token), &socket_id, CHANNEL)
        .await
        .json()
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"event": "pusher:subscribe", "data": {"channel": CHANNEL, "auth": auth["auth"]}}),
    )
    .await;
    let message = next_message(&mut ws).await;
    assert_eq!(message["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(message["channel"], CHANNEL);
    ws
}

async fn stats(smint: &Smint) -> Value {
    smint.get_json("/_sandbox/smintio/pusher").await.1
}

#[tokio::test]
async fn the_auth_route_signs_the_tenants_channel_for_a_valid_token() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;

    let response = auth_route(&smint, Some(&token), "123.456", CHANNEL).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"auth": signature("123.456", CHANNEL)}));
}

#[tokio::test]
async fn the_auth_route_refuses_a_missing_or_unknown_token() {
    let smint = Smint::start().await;

    let missing = auth_route(&smint, None, "123.456", CHANNEL).await;
    let unknown = auth_route(&smint, Some("not-a-token"), "123.456", CHANNEL).await;

    assert_eq!(missing.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        unknown.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn the_auth_route_refuses_another_channel_and_a_malformed_socket_id() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;

    let other = auth_route(&smint, Some(&token), "123.456", "private-2-2").await;
    let malformed = auth_route(&smint, Some(&token), "123", CHANNEL).await;

    assert_eq!(other.status(), 403);
    let body: Value = other.json().await.unwrap();
    assert_eq!(body["error_code"], "forbidden");
    assert_eq!(malformed.status(), 400);
}

#[tokio::test]
async fn the_handshake_gives_a_socket_id_and_the_activity_timeout() {
    let smint = Smint::start().await;

    let (_ws, socket_id, data) = established(&smint).await;

    let (a, b) = socket_id.split_once('.').unwrap();
    assert!(
        a.parse::<u64>().is_ok() && b.parse::<u64>().is_ok(),
        "{socket_id}"
    );
    assert_eq!(data["activity_timeout"], 120);
}

#[tokio::test]
async fn a_subscribed_socket_receives_the_update_when_a_license_changes() {
    let smint = Smint::start().await;
    let mut ws = subscribed(&smint).await;
    assert_eq!(stats(&smint).await["subscribed"], 1);

    smint.create_lpt("pushed").await;

    let message = next_message(&mut ws).await;
    assert_eq!(message["event"], "global-transaction-history-update");
    assert_eq!(message["channel"], CHANNEL);
    assert_eq!(message["data"], "TEST");
    assert_eq!(stats(&smint).await["events_sent"], 1);
}

#[tokio::test]
async fn a_socket_that_did_not_subscribe_gets_no_update() {
    let smint = Smint::start().await;
    let (mut ws, _, _) = established(&smint).await;

    smint.create_lpt("unseen").await;
    send(&mut ws, json!({"event": "pusher:ping", "data": {}})).await;

    assert_eq!(next_message(&mut ws).await["event"], "pusher:pong");
    assert_eq!(stats(&smint).await["events_sent"], 0);
}

#[tokio::test]
async fn a_wrong_signature_gets_4009_and_a_close() {
    let smint = Smint::start().await;
    let (mut ws, socket_id, _) = established(&smint).await;

    let wrong = signature(&socket_id, "private-2-2");
    send(
        &mut ws,
        json!({"event": "pusher:subscribe", "data": {"channel": CHANNEL, "auth": wrong}}),
    )
    .await;

    let error = next_message(&mut ws).await;
    assert_eq!(error["event"], "pusher:error");
    assert_eq!(error["data"]["code"], 4009);
    assert_eq!(close_code(&mut ws).await, Some(4009));
    assert_eq!(stats(&smint).await["subscribed"], 0);
}

#[tokio::test]
async fn an_unknown_app_key_gets_4001_and_a_close() {
    let smint = Smint::start().await;
    let mut ws = connect(&smint, "not-the-key").await;

    let error = next_message(&mut ws).await;

    assert_eq!(error["event"], "pusher:error");
    assert_eq!(error["data"]["code"], 4001);
    assert_eq!(close_code(&mut ws).await, Some(4001));
}

#[tokio::test]
async fn pings_get_pongs_until_the_control_api_turns_them_off() {
    let smint = Smint::start().await;
    let mut ws = subscribed(&smint).await;

    send(&mut ws, json!({"event": "pusher:ping", "data": {}})).await;
    assert_eq!(next_message(&mut ws).await["event"], "pusher:pong");
    let off = smint
        .http
        .post(smint.url("/_sandbox/smintio/pusher/pings"))
        .json(&json!({"answer": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);
    send(&mut ws, json!({"event": "pusher:ping", "data": {}})).await;
    smint
        .http
        .post(smint.url("/_sandbox/smintio/pusher/trigger"))
        .send()
        .await
        .unwrap();

    // The trigger comes next: the second ping got no pong.
    assert_eq!(
        next_message(&mut ws).await["event"],
        "global-transaction-history-update"
    );
    let stats = stats(&smint).await;
    assert_eq!(stats["pings"], 2);
    assert_eq!(stats["answer_pings"], false);
}

#[tokio::test]
async fn the_control_api_closes_every_socket_with_the_given_code() {
    let smint = Smint::start().await;
    let mut first = subscribed(&smint).await;
    let (mut second, _, _) = established(&smint).await;

    let answer = smint
        .http
        .post(smint.url("/_sandbox/smintio/pusher/close"))
        .json(&json!({"code": 4100}))
        .send()
        .await
        .unwrap();

    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["closed"], 2);
    assert_eq!(close_code(&mut first).await, Some(4100));
    assert_eq!(close_code(&mut second).await, Some(4100));
    let bad = smint
        .http
        .post(smint.url("/_sandbox/smintio/pusher/close"))
        .json(&json!({"code": 1006}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
