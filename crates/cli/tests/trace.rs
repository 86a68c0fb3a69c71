//! `assetrelay trace`: the binary against a SQLite store seeded with a retried, a parked
//! then re-driven, and a skipped event.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::process::Output;

use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_store::{AssetKey, Decision, LedgerWrite, Outcome, SourceVersion, Store};
use serde_json::Value;

/// 2026-11-29T10:00:00Z.
const T0: i64 = 1_795_946_400_000;

struct Seeded {
    url: String,
    _dir: tempfile::TempDir,
}

async fn seeded() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let config = StoreConfig {
        url: StoreUrl::sqlite(path.clone()),
        ..StoreConfig::default()
    };
    let store = Store::connect(&config).await.unwrap();
    let row = |event: &str, at: i64, decision, reason: Option<&str>, tier, status: &str| Outcome {
        at_ms: T0 + at,
        event_id: event.into(),
        event_type: "asset.updated".into(),
        event_at_ms: Some(T0),
        flow: "to-smint".into(),
        connection: "acme".into(),
        platform: "photoshelter".into(),
        asset_id: "I0001".into(),
        decision,
        reason: reason.map(str::to_owned),
        tier,
        target_call: Some("smintio.push_changes".into()),
        target_status: Some(status.into()),
        duration_ms: 25,
    };
    store
        .record_outcomes(&[
            row(
                "e-retry",
                1,
                Decision::Retried,
                Some("smintio_503: busy"),
                Some(30),
                "503",
            ),
            row("e-retry", 30_001, Decision::Written, None, None, "ok"),
            row(
                "e-park",
                40_000,
                Decision::Parked,
                Some("smintio_400: refused"),
                None,
                "400",
            ),
            row(
                "e-park",
                90_000,
                Decision::Replayed,
                Some("replay R7"),
                None,
                "ok",
            ),
            row("e-park", 90_100, Decision::Written, None, None, "ok"),
            row(
                "e-skip",
                95_000,
                Decision::Skipped,
                Some("unchanged"),
                None,
                "ok",
            ),
        ])
        .await
        .unwrap();
    let key = AssetKey::new("acme", "to-smint", "photoshelter", "I0001");
    let write = LedgerWrite {
        target_ids: vec!["S-0001".into()],
        fingerprint: "fp".into(),
        source: SourceVersion {
            modified_ms: T0,
            read_ms: T0 + 90_050,
        },
        outcome: "written".into(),
    };
    store.record_write(&key, &write).await.unwrap();
    store.close().await;
    Seeded {
        url: format!("sqlite://{}", path.display()),
        _dir: dir,
    }
}

async fn cli(url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .args(args)
        .env_clear()
        .env("ASSETRELAY_STORE__URL", url)
        .output()
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_table_shows_the_ledger_and_each_event_with_its_decisions() {
    let store = seeded().await;

    let output = cli(&store.url, &["trace", "photoshelter/I0001"]).await;

    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with("photoshelter/I0001 (every connection): 1 ledger row(s), 3 event(s) from 6 outcome row(s)"),
        "{text}"
    );
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle}:\n{text}"))
    };
    assert!(
        line("S-0001").contains("acme") && line("S-0001").contains("to-smint"),
        "{text}"
    );
    assert!(
        line("retried").contains("30s") && line("retried").contains("smintio_503: busy"),
        "{text}"
    );
    assert!(line("parked").contains("400"), "{text}");
    assert!(line("replayed").contains("replay R7"), "{text}");
    assert!(line("skipped").contains("unchanged"), "{text}");
    let writes = text
        .lines()
        .filter(|l| l.contains(" written ") && l.contains("smintio.push_changes"))
        .count();
    assert_eq!(writes, 2, "{text}");
}

#[tokio::test]
async fn json_is_the_timeline_with_its_documented_fields() {
    let store = seeded().await;

    let output = cli(
        &store.url,
        &[
            "trace",
            "photoshelter/I0001",
            "--connection",
            "acme",
            "--json",
        ],
    )
    .await;

    assert!(output.status.success(), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["connection"], "acme");
    assert_eq!(json["found"], true);
    assert_eq!(
        json["ledger"][0]["target_ids"],
        serde_json::json!(["S-0001"])
    );
    let events = json["events"].as_array().unwrap();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e-retry", "e-park", "e-skip"]);
    let park: Vec<&str> = events[1]["flows"][0]["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision"].as_str().unwrap())
        .collect();
    assert_eq!(park, ["parked", "replayed", "written"]);
    assert_eq!(events[0]["flows"][0]["decisions"][0]["retry_tier_secs"], 30);
}

#[tokio::test]
async fn an_unknown_asset_says_so_and_exits_zero() {
    let store = seeded().await;

    let other_connection = cli(
        &store.url,
        &["trace", "photoshelter/I0001", "--connection", "beta"],
    )
    .await;
    let json = cli(&store.url, &["trace", "smintio/nope", "--json"]).await;

    assert!(other_connection.status.success(), "{other_connection:?}");
    assert!(
        stdout(&other_connection)
            .starts_with("no record of photoshelter/I0001 (connection beta) in the store"),
        "{}",
        stdout(&other_connection)
    );
    assert!(json.status.success(), "{json:?}");
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["found"], false);
    assert_eq!(json["events"], serde_json::json!([]));
}

#[tokio::test]
async fn a_bad_asset_is_refused_naming_the_accepted_platforms() {
    let store = seeded().await;

    for bad in ["I0001", "flickr/I0001"] {
        let output = cli(&store.url, &["trace", bad]).await;

        assert!(!output.status.success(), "{bad}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("photoshelter, smintio"), "{bad}: {stderr}");
    }
}
