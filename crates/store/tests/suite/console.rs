//! Console sessions, the operator audit trail and source health.

use std::time::Duration;

use assetrelay_store::OperatorAction;

use crate::support::Harness;

pub async fn a_session_is_found_by_its_hash_until_it_expires_or_is_closed(h: &Harness) {
    let store = &h.store;
    store
        .open_console_session("hash-a", "ana (token 1)", "csrf-a", Duration::from_secs(60))
        .await
        .unwrap();
    store
        .open_console_session("hash-b", "bo (token 2)", "csrf-b", Duration::from_millis(1))
        .await
        .unwrap();
    let a = store.console_session("hash-a").await.unwrap().unwrap();
    assert_eq!(
        (a.operator.as_str(), a.csrf.as_str()),
        ("ana (token 1)", "csrf-a")
    );
    assert!(a.expires_at_ms > store.now_ms().await.unwrap());
    assert_eq!(store.console_session("no-such-hash").await.unwrap(), None);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        store.console_session("hash-b").await.unwrap(),
        None,
        "expired"
    );
    assert!(store.close_console_session("hash-a").await.unwrap());
    assert_eq!(
        store.console_session("hash-a").await.unwrap(),
        None,
        "closed"
    );
    assert!(!store.close_console_session("hash-a").await.unwrap());
}

pub async fn operator_actions_are_listed_newest_first(h: &Harness) {
    let store = &h.store;
    for (i, action) in ["redrive", "purge", "replay"].iter().enumerate() {
        store
            .record_operator_action(&OperatorAction {
                at_ms: 0,
                operator: "ana (token 1)".into(),
                action: (*action).into(),
                flow: Some("to-smint".into()),
                selection: format!("event ids: e{i}"),
                result: format!("moved {i}"),
            })
            .await
            .unwrap();
    }
    let actions = store.operator_actions(2).await.unwrap();
    let names: Vec<&str> = actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(names, ["replay", "purge"]);
    assert_eq!(actions[0].selection, "event ids: e2");
    assert!(actions[0].at_ms >= actions[1].at_ms && actions[1].at_ms > 0);
}

pub async fn a_source_status_counts_failures_until_a_success(h: &Harness) {
    let store = &h.store;
    store
        .record_source_run("demo", "photoshelter-poll", "r1", Err("list"))
        .await
        .unwrap();
    store
        .record_source_run("demo", "photoshelter-poll", "r2", Err("publish"))
        .await
        .unwrap();
    store
        .record_source_state("demo", "pusher", "r1", "connected")
        .await
        .unwrap();
    let statuses = store.source_statuses().await.unwrap();
    let poll = &statuses[0];
    assert_eq!(poll.source, "photoshelter-poll");
    assert_eq!(
        (
            poll.state.as_str(),
            poll.holder.as_str(),
            poll.failures_in_row
        ),
        ("failing", "r2", 2)
    );
    assert_eq!(poll.last_error_class.as_deref(), Some("publish"));
    assert_eq!(poll.last_success_at_ms, None);
    assert_eq!(statuses[1].state, "connected");

    store
        .record_source_run("demo", "photoshelter-poll", "r2", Ok(()))
        .await
        .unwrap();
    let poll = store.source_statuses().await.unwrap().remove(0);
    assert_eq!((poll.state.as_str(), poll.failures_in_row), ("ok", 0));
    assert!(poll.last_success_at_ms.is_some());
    assert_eq!(
        poll.last_error_class.as_deref(),
        Some("publish"),
        "the last error class stays for the overview"
    );
}

pub async fn decisions_are_counted_per_flow_since_a_time(h: &Harness) {
    use assetrelay_store::{Decision, Outcome};
    let store = &h.store;
    let outcome = |at_ms: i64, flow: &str, decision: Decision| Outcome {
        at_ms,
        event_id: format!("e{at_ms}"),
        event_type: "asset.updated".into(),
        event_at_ms: None,
        flow: flow.into(),
        connection: "demo".into(),
        platform: "photoshelter".into(),
        asset_id: "I1".into(),
        decision,
        reason: None,
        tier: None,
        target_call: None,
        target_status: None,
        duration_ms: 1,
    };
    store
        .record_outcomes(&[
            outcome(1_000, "to-smint", Decision::Written),
            outcome(5_000, "to-smint", Decision::Written),
            outcome(6_000, "to-smint", Decision::Parked),
            outcome(7_000, "lifecycle", Decision::Skipped),
        ])
        .await
        .unwrap();
    let counts = store.decision_counts_since(5_000).await.unwrap();
    assert_eq!(
        counts,
        [
            ("lifecycle".to_owned(), "skipped".to_owned(), 1),
            ("to-smint".to_owned(), "parked".to_owned(), 1),
            ("to-smint".to_owned(), "written".to_owned(), 1),
        ]
    );
}
