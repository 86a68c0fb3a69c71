//! `run` against the sandbox's Pusher endpoint, spawned for real, with the Smint.io
//! client's channel auth call as the authorizer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_pusher::config::{SMINTIO_APP_KEY, TRANSACTION_HISTORY_UPDATE};
use assetrelay_pusher::{AuthError, ConnectionState, FnAuth, Notification};
use assetrelay_sandbox::SandboxConfig;
use serde_json::json;

use support::{CHANNEL, Harness, eventually};

#[tokio::test]
async fn a_subscribed_client_receives_the_update_a_license_change_triggers() {
    let harness = Harness::start().await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Connected).await;

    harness.create_lpt().await;

    let notification = client.next_event().await;
    assert_eq!(
        notification,
        Notification {
            event: TRANSACTION_HISTORY_UPDATE.into(),
            channel: CHANNEL.into(),
            data: "TEST".into(),
        }
    );
    client.stop().await;
}

#[tokio::test]
async fn a_connection_the_server_closes_with_4200_is_reopened_and_resubscribed() {
    let harness = Harness::start().await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Connected).await;

    let closed = harness
        .post("/_sandbox/smintio/pusher/close", json!({"code": 4200}))
        .await;

    assert_eq!(closed["closed"], 1);
    harness.subscribed_after(2).await;
    harness
        .post("/_sandbox/smintio/pusher/trigger", json!({}))
        .await;
    assert_eq!(client.next_event().await.event, TRANSACTION_HISTORY_UPDATE);
    client.stop().await;
}

#[tokio::test]
async fn a_connection_closed_without_a_pusher_code_is_reopened_after_the_error_wait() {
    let harness = Harness::start().await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Connected).await;
    let closed_at = Instant::now();

    harness
        .post("/_sandbox/smintio/pusher/close", json!({"code": 1011}))
        .await;

    harness.subscribed_after(2).await;
    assert!(
        closed_at.elapsed() >= Duration::from_millis(200),
        "reopened after {:?}, before reconnect_after_error",
        closed_at.elapsed()
    );
    harness.create_lpt().await;
    assert_eq!(client.next_event().await.data, "TEST");
    client.stop().await;
}

#[tokio::test]
async fn failed_handshakes_are_retried_until_the_endpoint_answers() {
    let harness = Harness::start().await;
    harness
        .post(
            "/_sandbox/faults",
            json!({"surface": "smintio", "endpoint": "/app/{app_key}", "error_rate": 1.0}),
        )
        .await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Disconnected).await;

    harness.delete("/_sandbox/faults").await;

    client.reaches(ConnectionState::Connected).await;
    client.stop().await;
}

#[tokio::test]
async fn a_wrong_signature_ends_in_failed_without_events() {
    let harness = Harness::start().await;
    let wrong = Arc::new(FnAuth::new(|_socket_id: String, _channel: String| async {
        Ok::<_, AuthError>(format!("{SMINTIO_APP_KEY}:{}", "0".repeat(64)))
    }));
    let mut client = harness.run(harness.config(), wrong);

    client.reaches(ConnectionState::Failed).await;

    // `run` returned on its own (no panic) and so dropped its sender: no event can come.
    tokio::time::timeout(Duration::from_secs(5), &mut client.task)
        .await
        .unwrap()
        .unwrap();
    harness.create_lpt().await;
    assert_eq!(client.events.recv().await, None);
    assert_eq!(harness.pusher_stats().await["connections_total"], 1);
}

#[tokio::test]
async fn an_authorization_refused_for_another_channel_ends_in_failed() {
    let harness = Harness::start().await;
    let mut config = harness.config();
    config.channel = "private-2-2".into();
    let mut client = harness.run(config, harness.smintio_auth());

    client.reaches(ConnectionState::Failed).await;

    tokio::time::timeout(Duration::from_secs(5), &mut client.task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(harness.pusher_stats().await["subscribed"], 0);
}

#[tokio::test]
async fn pings_keep_a_quiet_connection_open() {
    let harness = Harness::with(SandboxConfig {
        pusher: assetrelay_sandbox::config::PusherSettings {
            activity_timeout_secs: 1,
            ..Default::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Connected).await;

    eventually("two pings", || async {
        (harness.pusher_stats().await["pings"].as_u64() >= Some(2)).then_some(())
    })
    .await;

    assert_eq!(harness.pusher_stats().await["connections_total"], 1);
    assert_eq!(*client.state.borrow(), ConnectionState::Connected);
    harness.create_lpt().await;
    assert_eq!(client.next_event().await.event, TRANSACTION_HISTORY_UPDATE);
    client.stop().await;
}

#[tokio::test]
async fn a_ping_without_a_pong_makes_the_client_reconnect() {
    let harness = Harness::with(SandboxConfig {
        pusher: assetrelay_sandbox::config::PusherSettings {
            activity_timeout_secs: 1,
            ..Default::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await;
    let client = harness.run(harness.config(), harness.smintio_auth());
    harness.subscribed_after(1).await;

    harness
        .post("/_sandbox/smintio/pusher/pings", json!({"answer": false}))
        .await;

    eventually("a second connection", || async {
        (harness.pusher_stats().await["connections_total"].as_u64() >= Some(2)).then_some(())
    })
    .await;
    client.stop().await;
}

#[tokio::test]
async fn shutdown_ends_run_and_closes_the_connection() {
    let harness = Harness::start().await;
    let mut client = harness.run(harness.config(), harness.smintio_auth());
    client.reaches(ConnectionState::Connected).await;
    let state = client.state.clone();

    client.stop().await;

    assert_eq!(*state.borrow(), ConnectionState::Disconnected);
    eventually("the socket closed", || async {
        (harness.pusher_stats().await["connections"] == 0).then_some(())
    })
    .await;
}
