//! `assetrelay sync` as a process against the sandbox, RabbitMQ and a real store: the
//! events the running sources would publish, under the same ids, the stored positions it
//! moves (or, full or dry, leaves alone), the lease, the rate cap and the exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::time::{Duration, Instant};

use assetrelay_sources::lease::lease_name;
use support::*;

#[tokio::test]
async fn a_smintio_sync_publishes_one_event_per_license_and_stores_the_continuation() {
    let setup = Setup::sqlite().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(setup.create_license().await);
    }

    let report = summary(
        &setup
            .assetrelay(&[
                "sync",
                "--connection",
                CONNECTION,
                "--source",
                "smintio",
                "--json",
            ])
            .await,
    );

    let published = setup.license_events().await;
    assert_eq!(subjects(&published), sorted(created));
    assert_eq!(report["published"], 5);
    assert_eq!(report["read"], 5);
    assert_eq!(report["pages"], 3, "two transactions a page");
    assert_eq!(report["position_stored"], true);
    for event in &published {
        assert_eq!(event.data.hint["source"], SMINTIO_CURSOR);
        assert!(
            event.data.state.is_some(),
            "the event carries the transaction"
        );
    }
    assert!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap()
            .is_some()
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_second_smintio_sync_publishes_nothing() {
    let setup = Setup::sqlite().await;
    for _ in 0..3 {
        setup.create_license().await;
    }
    let args = [
        "sync",
        "--connection",
        CONNECTION,
        "--source",
        "smintio",
        "--json",
    ];
    summary(&setup.assetrelay(&args).await);
    setup.license_events().await;

    let again = summary(&setup.assetrelay(&args).await);

    assert_eq!(again["published"], 0);
    assert!(setup.license_events().await.is_empty());
    setup.finish().await;
}

#[tokio::test]
async fn a_full_smintio_sync_republishes_every_license_under_the_same_ids_and_leaves_the_continuation()
 {
    let setup = Setup::sqlite().await;
    for _ in 0..4 {
        setup.create_license().await;
    }
    summary(
        &setup
            .assetrelay(&[
                "sync",
                "--connection",
                CONNECTION,
                "--source",
                "smintio",
                "--json",
            ])
            .await,
    );
    let first = setup.license_events().await;
    let stored = setup
        .store
        .cursor(CONNECTION, SMINTIO_CURSOR)
        .await
        .unwrap();

    let full = summary(
        &setup
            .assetrelay(&[
                "sync",
                "--connection",
                CONNECTION,
                "--source",
                "smintio",
                "--full",
                "--json",
            ])
            .await,
    );

    assert_eq!(full["published"], 4);
    assert_eq!(full["position_stored"], false);
    assert_eq!(ids(&setup.license_events().await), ids(&first));
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap(),
        stored
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_dry_run_counts_what_it_would_publish_and_publishes_and_stores_nothing() {
    let setup = Setup::sqlite().await;
    for _ in 0..3 {
        setup.create_license().await;
    }

    let output = setup
        .assetrelay(&[
            "sync",
            "--connection",
            CONNECTION,
            "--source",
            "smintio",
            "--dry-run",
        ])
        .await;

    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with("dry-run sync of smintio.sync on connection demo"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["to", "publish", "3"]),
        "{text}"
    );
    assert!(setup.license_events().await.is_empty());
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap(),
        None
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_photoshelter_sync_publishes_every_media_item_with_the_pollers_ids() {
    let setup = Setup::sqlite().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(setup.create_media().await);
    }

    let report = summary(
        &setup
            .assetrelay(&[
                "sync",
                "--connection",
                CONNECTION,
                "--source",
                "photoshelter",
                "--json",
            ])
            .await,
    );

    let published = setup.media_events().await;
    assert_eq!(report["published"], 5);
    assert_eq!(report["position_stored"], false);
    assert_eq!(subjects(&published), sorted(created));
    // The poller's id of each change: (connection, media id, modification time).
    for event in &published {
        let change = assetrelay_sources::photoshelter::Change {
            media_id: event.subject.clone().unwrap(),
            modified_at: Some(event.time),
        };
        let polled = assetrelay_sources::photoshelter::event::change_event(
            CONNECTION,
            "O0000DEVORG00001",
            &change,
            chrono::Utc::now(),
        );
        assert_eq!(event.id, polled.id);
        assert_eq!(event.data.hint["source"], PHOTOSHELTER_CURSOR);
    }
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, PHOTOSHELTER_CURSOR)
            .await
            .unwrap(),
        None,
        "the watermark is the poller's"
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_photoshelter_sync_without_full_stops_at_the_watermark_and_skips_what_it_remembers() {
    let setup = Setup::sqlite().await;
    // Whole seconds: the listing's times are what the watermark remembers, to the µs.
    let now = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
    let old = setup.create_media().await;
    setup
        .set_modified(&old, now - chrono::Duration::days(2))
        .await;
    let remembered = setup.create_media().await;
    let fresh = setup.create_media().await;
    setup
        .set_modified(&remembered, now - chrono::Duration::minutes(1))
        .await;
    setup.set_modified(&fresh, now).await;
    // As the poller stores it: everything from an hour ago on, `remembered` published.
    let seen = [(now - chrono::Duration::minutes(1), remembered.clone())];
    let watermark = serde_json::json!({"at": now - chrono::Duration::hours(1), "seen": seen});
    setup
        .store
        .set_cursor(CONNECTION, PHOTOSHELTER_CURSOR, &watermark.to_string())
        .await
        .unwrap();
    let sync = [
        "sync",
        "--connection",
        CONNECTION,
        "--source",
        "photoshelter",
        "--json",
    ];

    let caught_up = summary(&setup.assetrelay(&sync).await);
    let after_catch_up = setup.media_events().await;
    let full = summary(&setup.assetrelay(&[&sync[..], &["--full"]].concat()).await);

    assert_eq!(subjects(&after_catch_up), std::slice::from_ref(&fresh));
    assert_eq!(
        caught_up["read"], 2,
        "the listing stops at the watermark minus the overlap"
    );
    assert_eq!(full["published"], 3);
    assert_eq!(
        subjects(&setup.media_events().await),
        sorted(vec![old, remembered, fresh])
    );
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, PHOTOSHELTER_CURSOR)
            .await
            .unwrap(),
        Some(watermark.to_string())
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_held_lease_makes_sync_exit_1_naming_the_holder() {
    let setup = Setup::sqlite().await;
    setup.create_license().await;
    let holder = "assetrelay-sources/host-a/42/abcd1234";
    let lease = lease_name(CONNECTION, SMINTIO_CURSOR);
    assert!(
        setup
            .store
            .try_acquire_lease(&lease, holder, Duration::from_secs(60))
            .await
            .unwrap()
    );

    let output = setup
        .assetrelay(&["sync", "--connection", CONNECTION, "--source", "smintio"])
        .await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = stderr(&output);
    assert!(err.contains(holder), "{err}");
    assert!(err.contains("stop assetrelay-sources"), "{err}");
    assert!(setup.license_events().await.is_empty());
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap(),
        None
    );
    setup.finish().await;
}

#[tokio::test]
async fn the_rate_cap_spaces_the_publishes() {
    let setup = Setup::sqlite().await;
    for _ in 0..20 {
        setup.create_license().await;
    }

    let started = Instant::now();
    let report = summary(
        &setup
            .assetrelay(&[
                "sync",
                "--connection",
                CONNECTION,
                "--source",
                "smintio",
                "--rate",
                "10",
                "--json",
            ])
            .await,
    );
    let took = started.elapsed();

    assert_eq!(report["published"], 20);
    // The 20th publish starts 1.9 s after the first at 10/s; only a lower bound holds.
    assert!(took >= Duration::from_millis(1_500), "{took:?}");
    setup.finish().await;
}

#[tokio::test]
async fn an_unknown_connection_exits_2_naming_the_configured_ones() {
    let setup = Setup::sqlite().await;

    let output = setup
        .assetrelay(&["sync", "--connection", "nope", "--source", "smintio"])
        .await;

    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = stderr(&output);
    assert!(err.contains("unknown connection `nope`"), "{err}");
    assert!(err.contains("configured: demo"), "{err}");
    setup.finish().await;
}

#[tokio::test]
async fn a_source_without_its_api_section_exits_2_naming_the_key() {
    let setup = Setup::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("no-api.toml");
    // Webhooks only: the connection's platforms are heard, never called.
    std::fs::write(
        &config,
        r#"
[connections.webhooks-only.photoshelter.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA=="]
[connections.webhooks-only.smintio.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_ZGV2LXNtaW50aW8td2ViaG9vay1zZWNyZXQtMDAwMA=="]
"#,
    )
    .unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .arg("--config")
        .arg(&config)
        .args([
            "sync",
            "--connection",
            "webhooks-only",
            "--source",
            "photoshelter",
        ])
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        stderr(&output).contains("[connections.webhooks-only.photoshelter.api]"),
        "{}",
        stderr(&output)
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_smintio_sync_on_postgresql_stores_the_continuation_and_a_rerun_publishes_nothing() {
    let setup = Setup::postgres().await;
    for _ in 0..3 {
        setup.create_license().await;
    }
    let args = [
        "sync",
        "--connection",
        CONNECTION,
        "--source",
        "smintio",
        "--json",
    ];

    let first = summary(&setup.assetrelay(&args).await);
    let again = summary(&setup.assetrelay(&args).await);

    assert_eq!(first["published"], 3);
    assert_eq!(again["published"], 0);
    assert_eq!(setup.license_events().await.len(), 3);
    assert!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap()
            .is_some()
    );
    setup.finish().await;
}
