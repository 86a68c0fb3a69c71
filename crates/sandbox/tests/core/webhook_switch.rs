//! The webhook switch: off (config, flag or control API) sends no webhook of either
//! platform; on again, the next event is delivered.

use assetrelay_sandbox::{DeliveryStatus, SandboxConfig, spawn};
use serde_json::{Value, json};

use crate::support::{eventually, receiver};

#[tokio::test]
async fn webhooks_switched_off_send_nothing_for_either_platform() {
    let mut rx = receiver(&[], 200).await;
    let sandbox = spawn(SandboxConfig {
        ingress_url: Some(rx.url.clone()),
        webhooks_enabled: false,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", sandbox.base_url);

    let media = http
        .post(url("/_sandbox/photoshelter/media"))
        .json(&json!({"file_name": "a.jpg"}))
        .send()
        .await
        .unwrap();
    let lpt = http
        .post(url("/_sandbox/smintio/license-purchase-transactions"))
        .json(&json!({"action": "create"}))
        .send()
        .await
        .unwrap();
    let by_hand = http
        .post(url("/_sandbox/webhooks"))
        .json(&json!({"platform": "smintio", "payload": {"id": "evt_1"}}))
        .send()
        .await
        .unwrap();

    assert_eq!(
        [media.status(), lpt.status(), by_hand.status()].map(|s| s.as_u16()),
        [201, 201, 202]
    );
    let deliveries = sandbox.state().emitter.deliveries();
    assert_eq!(
        deliveries.len(),
        4,
        "media.created, the two license webhooks, the one by hand"
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Disabled && d.attempts.is_empty())
    );
    // Disabled deliveries start no task, so nothing can still be on its way.
    assert!(rx.drain().is_empty());
    sandbox.stop().await;
}

#[tokio::test]
async fn the_control_api_switches_webhooks_off_and_on_again() {
    let mut rx = receiver(&[], 200).await;
    let sandbox = spawn(SandboxConfig {
        ingress_url: Some(rx.url.clone()),
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let switch = format!("{}/_sandbox/webhooks/switch", sandbox.base_url);
    let emit = || {
        http.post(format!("{}/_sandbox/webhooks", sandbox.base_url))
            .json(&json!({"platform": "photoshelter", "payload": {"id": "evt_2"}}))
            .send()
    };
    let initially: Value = http
        .get(&switch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let off: Value = http
        .post(&switch)
        .json(&json!({"webhooks": "off"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    emit().await.unwrap();
    let on: Value = http
        .post(&switch)
        .json(&json!({"webhooks": "on"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    emit().await.unwrap();

    assert_eq!(initially, json!({"webhooks": "on"}));
    assert_eq!(off, json!({"webhooks": "off"}));
    assert_eq!(on, json!({"webhooks": "on"}));
    let statuses = eventually("the second webhook delivered", || async {
        let statuses: Vec<_> = sandbox
            .state()
            .emitter
            .deliveries()
            .iter()
            .map(|d| d.status)
            .collect();
        (statuses.get(1) == Some(&DeliveryStatus::Delivered)).then_some(statuses)
    })
    .await;
    assert_eq!(
        statuses,
        [DeliveryStatus::Disabled, DeliveryStatus::Delivered]
    );
    assert_eq!(rx.drain().len(), 1);
    let refused = http
        .post(&switch)
        .json(&json!({"webhooks": "maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    sandbox.stop().await;
}
