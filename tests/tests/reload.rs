//! Issue 12 item 7 with the real binaries: a connection added to the configuration file of
//! a running `assetrelay-ingress` and `assetrelay-to-smint` is served after a SIGHUP, with
//! no restart: its webhook is accepted (404 before) and the flow writes to its platform.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::time::Duration;

use assetrelay_contract::{Flow, Platform};
use assetrelay_e2e::binaries::Process;
use assetrelay_e2e::client_b::CLIENT_B_ENV;
use assetrelay_e2e::webhooks::send_signed_to;
use assetrelay_e2e::{Options, Stack, json};
use assetrelay_store::AssetKey;

const CLIENT_B_PS_SECRET: &str = "whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==";

/// `[connections.client_b]` as an operator would add it: the credentials of the stack's
/// `client_b`, its sandbox's URLs, its galleries.
fn client_b_section(stack: &Stack) -> String {
    let b = &stack.config.connections["client_b"];
    let ps = b.photoshelter.api.as_ref().unwrap();
    let smint = b.smintio.api.as_ref().unwrap();
    let urls = [
        ("photoshelter.api.base_url", ps.base_url.as_str()),
        ("smintio.api.identity_url", smint.identity_url.as_str()),
        ("smintio.api.clapi_url", smint.clapi_url.as_str()),
        (
            "smintio.api.adapter.webhook_url",
            smint.adapter.as_ref().unwrap().webhook_url.as_str(),
        ),
    ];
    let mut toml = String::from("\n[connections.client_b]\n");
    for (key, value) in CLIENT_B_ENV {
        let key = key
            .strip_prefix("ASSETRELAY_CONNECTIONS__CLIENT_B__")
            .unwrap()
            .to_lowercase()
            .replace("__", ".");
        let value = urls
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(*value, |(_, url)| url);
        let value = if value.starts_with('[') {
            value.to_owned()
        } else {
            serde_json::to_string(value).unwrap()
        };
        writeln!(toml, "{key} = {value}").unwrap();
    }
    let rules = &b.rules;
    writeln!(
        toml,
        "rules.approval.galleries = {}",
        serde_json::to_string(&rules.approval.galleries).unwrap()
    )
    .unwrap();
    toml
}

async fn reloads_applied(process: &Process) -> f64 {
    process
        .metrics()
        .await
        .sum("assetrelay_config_reloads_total", &[("outcome", "applied")])
}

async fn hang_up_and_wait(stack: &Stack, process: &Process, what: &str) {
    let before = reloads_applied(process).await;
    process.hang_up();
    stack
        .wait_for(
            &format!("{what} applied the reload"),
            Duration::from_secs(15),
            || async { (reloads_applied(process).await > before).then_some(()) },
        )
        .await;
}

#[tokio::test]
async fn a_connection_added_to_the_file_is_served_after_sighup_without_a_restart() {
    let stack = Stack::start(Options {
        flows: Vec::new(),
        second_connection: true,
        sandbox_webhooks: false,
        webhooks_off: true,
        ..Options::default()
    })
    .await;
    let file = std::env::temp_dir().join(format!(
        "assetrelay-reload-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::copy(assetrelay_e2e::example_config(), &file).unwrap();
    let flow = stack.spawn_flow_binary_with(Flow::ToSmint, &file).await;
    let ingress = stack.spawn_ingress_binary_with(&file).await;
    let ingress_url = format!("http://{}", ingress.ops);
    let (b, galleries_b) = stack.client_b();
    let media = b
        .create_media(json!({"file_name": "b.jpg", "galleries": [galleries_b.approved], "iptc": {"title": "Client B, hot-added"}}))
        .await
        .unwrap();
    let webhook = |id: &str| {
        json!({"id": id, "event": "media.updated", "occurred_at": chrono::Utc::now().to_rfc3339(),
               "org_id": "O0000CLIENTB0001", "media_id": media})
    };
    let send = |id: &'static str| {
        let payload = webhook(id);
        let url = ingress_url.clone();
        async move {
            send_signed_to(
                CLIENT_B_PS_SECRET,
                &url,
                Platform::PhotoShelter,
                "client_b",
                &payload,
                &[],
            )
            .await
            .status()
        }
    };
    assert_eq!(send("before-reload").await, 404, "not configured yet");

    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&client_b_section(&stack));
    std::fs::write(&file, text).unwrap();
    // Flows first, the ingress last: no event of the new connection reaches a flow that
    // does not know it yet (docs/operations.md).
    hang_up_and_wait(&stack, &flow, "to-smint").await;
    hang_up_and_wait(&stack, &ingress, "the ingress").await;

    assert_eq!(send("after-reload").await, 202);
    let asset = stack
        .wait_for(
            "client B's media in client B's Smint.io",
            Duration::from_secs(30),
            || async { b.smint_asset(&media).await.unwrap() },
        )
        .await;
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Client B, hot-added"))
    );
    let key = AssetKey::new("client_b", "to-smint", "photoshelter", media.as_str());
    let row = stack.store.ledger(&key).await.unwrap();
    assert!(row.is_some(), "the write is recorded under client_b");
    // Same processes: neither was restarted.
    assert!(flow.child.id().is_some() && ingress.child.id().is_some());
    // The demo connection is untouched by the reload.
    assert!(
        stack
            .control
            .smint_asset("nothing")
            .await
            .unwrap()
            .is_none()
    );
    let _ = std::fs::remove_file(&file);
    stack.stop().await;
}

/// Issue 12 item 9: a rule change re-evaluates the assets that already exist, through
/// a reload and one command, without waiting for each item's next event.
#[tokio::test]
async fn after_a_rule_reload_a_full_sync_brings_existing_media_under_the_new_rules() {
    let stack = Stack::start(Options {
        flows: Vec::new(),
        sandbox_webhooks: false,
        webhooks_off: true,
        ..Options::default()
    })
    .await;
    let file = std::env::temp_dir().join(format!(
        "assetrelay-rules-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::copy(assetrelay_e2e::example_config(), &file).unwrap();
    let flow = stack.spawn_flow_binary_with(Flow::ToSmint, &file).await;
    let c = &stack.control;
    let campaign = c
        .create_media(json!({"file_name": "campaign.jpg", "iptc": {"title": "Campaign", "keywords": ["spring-campaign"]}}))
        .await
        .unwrap();
    let sync = || async {
        let (ok, out) = stack
            .run_cli(&[
                "sync",
                "--connection",
                "demo",
                "--source",
                "photoshelter",
                "--full",
                "--json",
            ])
            .await;
        assert!(ok, "sync: {out}");
    };
    sync().await;
    stack.settle(Duration::from_millis(1_500)).await;
    assert!(
        c.smint_asset(&campaign).await.unwrap().is_none(),
        "not approved by the rules yet"
    );

    // The approval keywords live in the file (the stack's overrides set only galleries).
    let text = std::fs::read_to_string(&file).unwrap();
    let approved = text.replacen(
        "keywords = []                       # IPTC keywords, any case",
        "keywords = [\"spring-campaign\"]",
        1,
    );
    assert_ne!(
        text, approved,
        "the example file's approval keywords line moved"
    );
    std::fs::write(&file, approved).unwrap();
    hang_up_and_wait(&stack, &flow, "to-smint").await;
    sync().await;

    let asset = stack
        .wait_for(
            "the existing media exposed under the new rule",
            Duration::from_secs(30),
            || async { c.smint_asset(&campaign).await.unwrap() },
        )
        .await;
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Campaign"))
    );
    let _ = std::fs::remove_file(&file);
    stack.stop().await;
}
