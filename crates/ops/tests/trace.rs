//! `trace::timeline` against a real store: every behaviour on SQLite (a temp file) and on
//! PostgreSQL (a scratch schema in `ASSETRELAY_TEST_POSTGRES_URL`, default the local
//! `assetrelay_test`; `ASSETRELAY_SKIP_POSTGRES=1` skips those and says so).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_ops::OpsError;
use assetrelay_ops::trace::{self, AssetRef, Timeline, TraceQuery};
use assetrelay_store::scratch::ScratchSchema;
use assetrelay_store::{AssetKey, Decision, LedgerWrite, Outcome, SourceVersion, Store};

/// The seeded history starts here (2026-11-29T10:00:00Z).
const T0: i64 = 1_795_946_400_000;

/// Decisions for photoshelter/I0001 in `acme`: `e-retry` retried then written, `e-park`
/// parked, replayed, then written, `e-skip` skipped; interleaved in time. Also an event
/// of the same asset in `beta`, one of another asset, and two ledger rows.
async fn seed(store: &Store) {
    let rows = [
        row("e-retry", "acme", "I0001", T0 + 10, Decision::Retried)
            .failed("smintio_503: Smint.io answered 503", "503")
            .tier(5),
        row("e-park", "acme", "I0001", T0 + 20, Decision::Parked)
            .failed("smintio_400: Smint.io refused the asset", "400"),
        row("e-retry", "acme", "I0001", T0 + 5_010, Decision::Written),
        row("e-park", "acme", "I0001", T0 + 60_000, Decision::Replayed).reason("replay R1"),
        row("e-park", "acme", "I0001", T0 + 60_100, Decision::Written),
        row("e-skip", "acme", "I0001", T0 + 70_000, Decision::Skipped).reason("unchanged"),
        row("e-beta", "beta", "I0001", T0 + 80_000, Decision::Written),
        row("e-other", "acme", "I0002", T0 + 90_000, Decision::Written),
    ];
    store.record_outcomes(&rows).await.unwrap();
    for (connection, target) in [("acme", "S-acme-1"), ("beta", "S-beta-1")] {
        let key = AssetKey::new(connection, "to-smint", "photoshelter", "I0001");
        let write = LedgerWrite {
            target_ids: vec![target.into()],
            fingerprint: format!("fp-{connection}"),
            source: SourceVersion {
                modified_ms: T0 - 1_000,
                read_ms: T0 + 60_050,
            },
            outcome: "written".into(),
        };
        store.record_write(&key, &write).await.unwrap();
    }
}

fn row(event: &str, connection: &str, asset: &str, at_ms: i64, decision: Decision) -> Outcome {
    let written = decision == Decision::Written;
    Outcome {
        at_ms,
        event_id: event.into(),
        event_type: "asset.updated".into(),
        event_at_ms: Some(T0 - 500),
        flow: "to-smint".into(),
        connection: connection.into(),
        platform: "photoshelter".into(),
        asset_id: asset.into(),
        decision,
        reason: None,
        tier: None,
        target_call: written.then(|| "smintio.push_changes".into()),
        target_status: written.then(|| "ok".into()),
        duration_ms: 40,
    }
}

trait Build {
    fn failed(self, reason: &str, status: &str) -> Self;
    fn tier(self, secs: i32) -> Self;
    fn reason(self, reason: &str) -> Self;
}

impl Build for Outcome {
    fn failed(self, reason: &str, status: &str) -> Self {
        Self {
            reason: Some(reason.into()),
            target_call: Some("smintio.push_changes".into()),
            target_status: Some(status.into()),
            ..self
        }
    }
    fn tier(self, secs: i32) -> Self {
        Self {
            tier: Some(secs),
            ..self
        }
    }
    fn reason(self, reason: &str) -> Self {
        Self {
            reason: Some(reason.into()),
            ..self
        }
    }
}

fn query(asset: &str, connection: Option<&str>, limit: u32) -> TraceQuery {
    TraceQuery {
        asset: asset.parse::<AssetRef>().unwrap(),
        connection: connection.map(str::to_owned),
        limit,
    }
}

async fn trace(store: &Store, asset: &str, connection: Option<&str>, limit: u32) -> Timeline {
    trace::timeline(store, &query(asset, connection, limit))
        .await
        .unwrap()
}

/// (flow, decisions in order) of one event.
fn decisions(timeline: &Timeline, event_id: &str) -> Vec<(String, Vec<Decision>)> {
    let event = timeline
        .events
        .iter()
        .find(|e| e.event_id == event_id)
        .unwrap_or_else(|| panic!("no event {event_id} in {timeline:#?}"));
    event
        .flows
        .iter()
        .map(|f| {
            (
                f.flow.clone(),
                f.decisions.iter().map(|s| s.decision).collect(),
            )
        })
        .collect()
}

async fn the_timeline_groups_retries_parking_replays_and_skips_per_event(store: &Store) {
    seed(store).await;

    let timeline = trace(store, "photoshelter/I0001", Some("acme"), 200).await;

    assert!(timeline.found);
    let ids: Vec<&str> = timeline
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(ids, ["e-retry", "e-park", "e-skip"]);
    assert_eq!(timeline.outcome_rows, 6);
    assert!(!timeline.truncated);
    use Decision::{Parked, Replayed, Retried, Skipped, Written};
    let to_smint = |d: Vec<Decision>| vec![("to-smint".to_owned(), d)];
    assert_eq!(
        decisions(&timeline, "e-retry"),
        to_smint(vec![Retried, Written])
    );
    assert_eq!(
        decisions(&timeline, "e-park"),
        to_smint(vec![Parked, Replayed, Written])
    );
    assert_eq!(decisions(&timeline, "e-skip"), to_smint(vec![Skipped]));
    let retry = &timeline.events[0].flows[0];
    assert_eq!(retry.last_decision, Written);
    assert_eq!(retry.decisions[0].retry_tier_secs, Some(5));
    assert_eq!(retry.decisions[0].target_status.as_deref(), Some("503"));
    assert_eq!(
        retry.decisions[1].target_call.as_deref(),
        Some("smintio.push_changes")
    );
    let parked = &timeline.events[1].flows[0].decisions[0];
    assert!(parked.reason.as_deref().unwrap().starts_with("smintio_400"));
    assert_eq!(
        timeline.events[0].event_time.as_deref(),
        Some("2026-11-29T09:59:59.500Z")
    );
    assert_eq!(
        timeline.events[0].first_decided_at,
        "2026-11-29T10:00:00.010Z"
    );
    assert_eq!(timeline.ledger.len(), 1);
    let ledger = &timeline.ledger[0];
    assert_eq!(
        (ledger.connection.as_str(), ledger.flow.as_str()),
        ("acme", "to-smint")
    );
    assert_eq!(ledger.target_ids, ["S-acme-1"]);
    assert_eq!(
        ledger.source_modified_at.as_deref(),
        Some("2026-11-29T09:59:59.000Z")
    );
    assert_eq!(ledger.source_read_at, "2026-11-29T10:01:00.050Z");
}

async fn the_json_form_has_the_documented_field_names(store: &Store) {
    seed(store).await;

    let timeline = trace(store, "photoshelter/I0001", Some("acme"), 200).await;
    let json = serde_json::to_value(&timeline).unwrap();

    assert_eq!(json["platform"], "photoshelter");
    assert_eq!(json["asset_id"], "I0001");
    assert_eq!(json["connection"], "acme");
    assert_eq!(json["found"], true);
    assert_eq!(json["truncated"], false);
    assert_eq!(json["ledger"][0]["target_ids"][0], "S-acme-1");
    assert_eq!(json["ledger"][0]["last_outcome"], "written");
    let event = &json["events"][0];
    assert_eq!(event["event_id"], "e-retry");
    assert_eq!(event["event_type"], "asset.updated");
    assert_eq!(event["flows"][0]["flow"], "to-smint");
    assert_eq!(event["flows"][0]["last_decision"], "written");
    let step = &event["flows"][0]["decisions"][0];
    assert_eq!(step["decision"], "retried");
    assert_eq!(step["retry_tier_secs"], 5);
    assert_eq!(step["target_status"], "503");
    assert_eq!(step["duration_ms"], 40);
    assert_eq!(
        json["events"][1]["flows"][0]["decisions"][1]["decision"],
        "replayed"
    );
}

async fn every_connection_is_traced_unless_one_is_named(store: &Store) {
    seed(store).await;

    let everywhere = trace(store, "photoshelter/I0001", None, 200).await;
    let beta = trace(store, "photoshelter/I0001", Some("beta"), 200).await;

    assert_eq!(everywhere.connection, None);
    assert_eq!(everywhere.events.len(), 4);
    assert_eq!(everywhere.ledger.len(), 2);
    let ids: Vec<&str> = beta.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["e-beta"]);
    assert_eq!(beta.ledger[0].target_ids, ["S-beta-1"]);
}

async fn the_limit_keeps_the_latest_rows_and_says_older_ones_exist(store: &Store) {
    seed(store).await;

    let latest = trace(store, "photoshelter/I0001", Some("acme"), 2).await;
    let exact = trace(store, "photoshelter/I0001", Some("acme"), 6).await;

    assert!(latest.truncated);
    assert_eq!(latest.outcome_rows, 2);
    assert_eq!(
        decisions(&latest, "e-park"),
        [("to-smint".to_owned(), vec![Decision::Written])]
    );
    assert_eq!(decisions(&latest, "e-skip").len(), 1);
    assert!(trace::render_text(&latest).contains("only the latest 2 outcome rows"));
    assert!(!exact.truncated);
    assert_eq!(exact.outcome_rows, 6);
    let error = trace::timeline(store, &query("photoshelter/I0001", None, 0)).await;
    assert!(matches!(error, Err(OpsError::Invalid(_))), "{error:?}");
}

async fn an_unknown_asset_is_an_empty_timeline_that_says_so(store: &Store) {
    seed(store).await;

    let unknown = trace(store, "smintio/I0001", None, 200).await;
    let text = trace::render_text(&unknown);

    assert!(!unknown.found);
    assert!(unknown.events.is_empty() && unknown.ledger.is_empty());
    assert!(
        text.starts_with("no record of smintio/I0001 (every connection)"),
        "{text}"
    );
}

async fn the_text_form_shows_each_decision_with_its_tier_call_and_reason(store: &Store) {
    seed(store).await;

    let text = trace::render_text(&trace(store, "photoshelter/I0001", Some("acme"), 200).await);

    assert!(
        text.starts_with("photoshelter/I0001 (connection acme): 1 ledger row(s), 3 event(s) from 6 outcome row(s)"),
        "{text}"
    );
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{text}"))
            .to_owned()
    };
    let retried = line("retried");
    assert!(
        retried.contains(" 5s ") && retried.contains("503"),
        "{retried}"
    );
    assert!(line("parked").contains("smintio_400: Smint.io refused the asset"));
    assert!(line("replayed").contains("replay R1"));
    assert!(line("skipped").contains("unchanged"));
    assert!(line("S-acme-1").contains("2026-11-29T09:59:59.000Z"));
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("asset.updated"))
        .collect();
    assert_eq!(headings.len(), 3, "{text}");
}

/// A test per behaviour and backend.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod on_sqlite {
            use assetrelay_config::StoreUrl;

            $(#[tokio::test]
            async fn $name() {
                let dir = tempfile::tempdir().unwrap();
                let store = super::connect(StoreUrl::sqlite(dir.path().join("store.db"))).await;
                super::$name(&store).await;
                store.close().await;
            })+
        }
        mod on_postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(schema) = super::scratch().await else { return };
                let store = super::connect(schema.url.clone()).await;
                super::$name(&store).await;
                store.close().await;
                schema.drop_schema().await.unwrap();
            })+
        }
    };
}

on_both_backends!(
    the_timeline_groups_retries_parking_replays_and_skips_per_event,
    the_json_form_has_the_documented_field_names,
    every_connection_is_traced_unless_one_is_named,
    the_limit_keeps_the_latest_rows_and_says_older_ones_exist,
    an_unknown_asset_is_an_empty_timeline_that_says_so,
    the_text_form_shows_each_decision_with_its_tier_call_and_reason,
);

async fn connect(url: StoreUrl) -> Store {
    let config = StoreConfig {
        url,
        ..StoreConfig::default()
    };
    Store::connect(&config).await.unwrap()
}

/// A scratch schema, or `None` (said on stderr) with `ASSETRELAY_SKIP_POSTGRES=1`; an
/// unreachable PostgreSQL fails the test.
async fn scratch() -> Option<ScratchSchema> {
    if std::env::var("ASSETRELAY_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        eprintln!("!!! ASSETRELAY_SKIP_POSTGRES=1: this PostgreSQL test was NOT run");
        return None;
    }
    let base = std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/assetrelay_test".to_owned());
    Some(ScratchSchema::create(&base).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is not reachable for the trace tests ({e}); ASSETRELAY_SKIP_POSTGRES=1 skips them")
    }))
}
