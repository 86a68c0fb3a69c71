//! `assetrelay cursor show|reset` as a process against a real store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use support::*;

#[tokio::test]
async fn show_then_reset_then_show_again() {
    let setup = Setup::sqlite().await;
    setup.create_license().await;
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
    let stored = setup
        .store
        .cursor(CONNECTION, SMINTIO_CURSOR)
        .await
        .unwrap()
        .unwrap();
    let show = [
        "cursor",
        "show",
        "--connection",
        CONNECTION,
        "--source",
        "smintio",
    ];

    let before = setup.assetrelay(&show).await;
    let reset = setup
        .assetrelay(&[
            "cursor",
            "reset",
            "--connection",
            CONNECTION,
            "--source",
            "smintio",
            "--yes",
        ])
        .await;
    let after = setup.assetrelay(&show).await;

    assert!(before.status.success(), "{before:?}");
    assert!(
        stdout(&before).contains(&format!("continuation  {stored}")),
        "{}",
        stdout(&before)
    );
    assert!(stdout(&before).contains("stored at"));
    assert!(reset.status.success(), "{reset:?}");
    assert!(
        stdout(&reset).contains("position deleted"),
        "{}",
        stdout(&reset)
    );
    assert!(stdout(&reset).contains("from the beginning"));
    assert!(after.status.success(), "{after:?}");
    assert!(
        stdout(&after).contains(
            "no position stored (the source starts from the beginning of the license feed)"
        ),
        "{}",
        stdout(&after)
    );
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
async fn show_prints_the_photoshelter_watermark_and_what_it_remembers_as_json() {
    let setup = Setup::sqlite().await;
    setup
        .store
        .set_cursor(
            CONNECTION,
            PHOTOSHELTER_CURSOR,
            r#"{"at":"2026-12-02T10:00:00Z","seen":[["2026-12-02T10:00:00Z","I1"],["2026-12-02T09:58:00Z","I2"]]}"#,
        )
        .await
        .unwrap();

    let value = summary(
        &setup
            .assetrelay(&[
                "cursor",
                "show",
                "--connection",
                CONNECTION,
                "--source",
                "photoshelter",
                "--json",
            ])
            .await,
    );

    assert_eq!(value["watermark"], "2026-12-02T10:00:00.000000Z");
    assert_eq!(value["remembered_changes"], 2);
    assert_eq!(value["stored"], true);
    setup.finish().await;
}

#[tokio::test]
async fn reset_without_yes_and_without_a_terminal_deletes_nothing() {
    let setup = Setup::sqlite().await;
    setup
        .store
        .set_cursor(CONNECTION, SMINTIO_CURSOR, "c-1")
        .await
        .unwrap();

    let output = setup
        .assetrelay(&[
            "cursor",
            "reset",
            "--connection",
            CONNECTION,
            "--source",
            "smintio",
        ])
        .await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr(&output).contains("--yes"));
    assert_eq!(
        setup
            .store
            .cursor(CONNECTION, SMINTIO_CURSOR)
            .await
            .unwrap()
            .as_deref(),
        Some("c-1")
    );
    setup.finish().await;
}

#[tokio::test]
async fn an_unknown_connection_exits_2() {
    let setup = Setup::sqlite().await;

    let output = setup
        .assetrelay(&[
            "cursor",
            "show",
            "--connection",
            "nope",
            "--source",
            "smintio",
        ])
        .await;

    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("configured: demo"));
    setup.finish().await;
}
