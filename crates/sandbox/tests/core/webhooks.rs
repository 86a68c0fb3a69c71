//! The webhook emitter: signing, retries, giving up, 4xx, no ingress URL.

use assetrelay_sandbox::config::{DEV_PHOTOSHELTER_WEBHOOK_SECRET, DEV_SMINTIO_WEBHOOK_SECRET};
use assetrelay_sandbox::{Delivery, DeliveryStatus, Platform, SandboxConfig, spawn};
use assetrelay_signature::{StandardWebhooks, decode_whsec};
use serde_json::json;

use crate::support::{eventually, now, receiver};

pub fn config_for(url: &str) -> SandboxConfig {
    SandboxConfig {
        ingress_url: Some(url.to_owned()),
        ..SandboxConfig::for_tests()
    }
}

pub fn verifier(secret: &str) -> StandardWebhooks {
    StandardWebhooks::new(vec![decode_whsec(secret).unwrap()], 300)
}

pub fn media_updated() -> serde_json::Value {
    json!({"id": "evt_1", "event": "media.updated", "occurred_at": "2026-11-29T10:00:00Z",
           "org_id": "O0000DEVORG00001", "media_id": "I0000abcdefghijk"})
}

#[tokio::test]
async fn emitted_photoshelter_webhooks_verify_with_standard_webhooks() {
    let mut rx = receiver(&[], 202).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Delivered);
    let got = rx.drain();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/webhooks/photoshelter/demo");
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert_eq!(got[0].headers["webhook-id"], "evt_1");
    let verified =
        verifier(DEV_PHOTOSHELTER_WEBHOOK_SECRET).verify(&got[0].headers, &got[0].body, now());
    assert!(verified.is_ok(), "{verified:?}");
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, media_updated());
    sandbox.stop().await;
}

#[tokio::test]
async fn webhooks_emitted_through_the_control_api_are_signed_with_the_smintio_secret() {
    let mut rx = receiver(&[], 200).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();
    let http = reqwest::Client::new();
    let payload = json!({"id": "evt_2", "event": "global-transaction-history-update",
                         "occurred_at": "2026-11-29T10:00:00Z", "tenant_id": "devtenant"});

    let answer = http
        .post(format!("{}/_sandbox/webhooks", sandbox.base_url))
        .json(&json!({"platform": "smintio", "payload": payload}))
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 202);
    let list = eventually("the delivery", || async {
        let list: Vec<Delivery> = http
            .get(format!("{}/_sandbox/webhooks", sandbox.base_url))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (list.first()?.status == DeliveryStatus::Delivered).then_some(list)
    })
    .await;
    assert_eq!(list[0].attempts.len(), 1);
    assert_eq!(list[0].attempts[0].status, Some(200));
    let got = rx.drain();
    assert_eq!(got[0].path, "/webhooks/smintio/demo");
    assert!(
        verifier(DEV_SMINTIO_WEBHOOK_SECRET)
            .verify(&got[0].headers, &got[0].body, now())
            .is_ok()
    );
    assert!(
        verifier(DEV_PHOTOSHELTER_WEBHOOK_SECRET)
            .verify(&got[0].headers, &got[0].body, now())
            .is_err()
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn the_emitter_retries_on_5xx_until_the_receiver_accepts() {
    let mut rx = receiver(&[503, 500], 202).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Delivered);
    let statuses: Vec<_> = outcome.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(503), Some(500), Some(202)]);
    let got = rx.drain();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| r.headers["webhook-id"] == "evt_1"),
        "retries keep the id"
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn the_emitter_gives_up_after_the_configured_number_of_attempts() {
    let mut rx = receiver(&[], 503).await;
    let config = SandboxConfig {
        webhook_max_attempts: 3,
        ..config_for(&rx.url)
    };
    let sandbox = spawn(config).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::Smintio, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::GaveUp);
    assert_eq!(outcome.attempts.len(), 3);
    assert_eq!(rx.drain().len(), 3);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_4xx_answer_is_not_retried() {
    let mut rx = receiver(&[], 422).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Rejected);
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(outcome.attempts[0].status, Some(422));
    assert_eq!(rx.drain().len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn an_unreachable_ingress_is_retried_as_a_connection_error() {
    // Bind and drop a listener: nothing listens on that port any more.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let config = SandboxConfig {
        webhook_max_attempts: 2,
        ..config_for(&format!("http://{closed}"))
    };
    let sandbox = spawn(config).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::GaveUp);
    assert_eq!(outcome.attempts.len(), 2);
    assert!(outcome.attempts.iter().all(|a| a.status.is_none()));
    assert!(
        outcome.attempts[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("connect")
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn without_an_ingress_url_webhooks_are_recorded_as_not_sent() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();

    let id = sandbox
        .state()
        .emitter
        .emit(Platform::PhotoShelter, json!({"event": "media.created"}));

    let deliveries = sandbox.state().emitter.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, DeliveryStatus::NotSent);
    assert!(
        id.starts_with("msg_"),
        "a payload without id gets a generated one: {id}"
    );
    assert_eq!(deliveries[0].event.as_deref(), Some("media.created"));
    sandbox.stop().await;
}

#[tokio::test]
async fn webhooks_can_be_signed_with_a_generic_hmac_scheme() {
    let mut rx = receiver(&[], 200).await;
    let scheme = assetrelay_signature::HmacScheme::timestamp_dot_body("X-Sig", "X-Ts");
    let config = SandboxConfig {
        smintio_webhook: assetrelay_sandbox::WebhookSigning::Hmac {
            scheme: scheme.clone(),
            secret: "hmac-secret".into(),
        },
        ..config_for(&rx.url)
    };
    let sandbox = spawn(config).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::Smintio, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Delivered);
    let got = rx.drain();
    let key = assetrelay_signature::SigningKey::from_bytes(b"hmac-secret".to_vec()).unwrap();
    let verified = scheme.verify(&[key], &got[0].headers, &got[0].body, now());
    assert!(verified.is_ok(), "{verified:?}");
    sandbox.stop().await;
}

#[tokio::test]
async fn stopping_the_sandbox_cancels_a_pending_retry_without_waiting_for_it() {
    let rx = receiver(&[], 503).await;
    let config = SandboxConfig {
        webhook_initial_backoff_ms: 60_000,
        ..config_for(&rx.url)
    };
    let sandbox = spawn(config).await.unwrap();
    let state = sandbox.state();
    state.emitter.emit(Platform::PhotoShelter, media_updated());
    eventually("the first attempt", || async {
        (state.emitter.deliveries()[0].attempts.len() == 1).then_some(())
    })
    .await;

    let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), sandbox.stop()).await;

    assert!(stopped.is_ok(), "stop does not wait out the backoff");
    assert_eq!(
        state.emitter.deliveries()[0].status,
        DeliveryStatus::Cancelled
    );
}

#[tokio::test]
async fn the_webhook_list_filters_by_platform_and_status() {
    let rx = receiver(&[], 200).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();
    let emitter = sandbox.state().emitter;
    emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;
    emitter
        .emit_and_wait(Platform::Smintio, json!({"id": "evt_s"}))
        .await;

    let url = format!(
        "{}/_sandbox/webhooks?platform=smintio&status=delivered",
        sandbox.base_url
    );
    let list: Vec<Delivery> = reqwest::get(url).await.unwrap().json().await.unwrap();

    let ids: Vec<_> = list.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["evt_s"]);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_408_and_a_429_answer_are_retried() {
    let rx = receiver(&[408, 429], 200).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Delivered);
    let statuses: Vec<_> = outcome.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(408), Some(429), Some(200)]);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_receiver_that_does_not_answer_in_time_is_retried_as_a_timeout() {
    // Accepts connections and never answers; the accepted sockets stay open.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let config = SandboxConfig {
        webhook_max_attempts: 2,
        webhook_timeout_ms: 200,
        ..config_for(&format!("http://{addr}"))
    };
    let sandbox = spawn(config).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::Smintio, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::GaveUp);
    assert_eq!(outcome.attempts.len(), 2);
    for attempt in &outcome.attempts {
        assert!(
            attempt.error.as_deref().unwrap().starts_with("timeout"),
            "{attempt:?}"
        );
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn retry_delays_double_from_the_initial_backoff_up_to_the_maximum() {
    let rx = receiver(&[], 503).await;
    let config = SandboxConfig {
        webhook_max_attempts: 5,
        webhook_initial_backoff_ms: 40,
        webhook_max_backoff_ms: 80,
        ..config_for(&rx.url)
    };
    let sandbox = spawn(config).await.unwrap();

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::GaveUp);
    let gaps: Vec<i64> = outcome
        .attempts
        .windows(2)
        .map(|w| (w[1].at - w[0].at).num_milliseconds())
        .collect();
    // Lower bounds are exact: 40, 80, then capped at 80. Uncapped, the last gap would be
    // 320 ms, far above the 250 ms bound that leaves room for a busy machine.
    for (gap, least) in gaps.iter().zip([40, 80, 80, 80]) {
        assert!(*gap >= least, "gaps {gaps:?}");
    }
    assert!(
        gaps[3] < 250,
        "the delay stops growing at the maximum: {gaps:?}"
    );
    sandbox.stop().await;
}
