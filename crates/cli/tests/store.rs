//! `assetrelay store migrate|status`: the binary against a fresh SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::process::Output;

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
async fn status_shows_pending_migrations_until_migrate_applies_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("state/store.db").display());

    let before = cli(&url, &["store", "status"]).await;
    let migrate = cli(&url, &["store", "migrate"]).await;
    let again = cli(&url, &["store", "migrate"]).await;
    let after = cli(&url, &["store", "status"]).await;

    assert!(before.status.success(), "{before:?}");
    assert_eq!(
        stdout(&before).matches("PENDING").count(),
        8,
        "{}",
        stdout(&before)
    );
    assert!(migrate.status.success(), "{migrate:?}");
    assert!(
        stdout(&migrate).contains("8 migration(s) applied"),
        "{}",
        stdout(&migrate)
    );
    assert!(
        stdout(&again).contains("0 migration(s) applied"),
        "{}",
        stdout(&again)
    );
    let after = stdout(&after);
    assert!(!after.contains("PENDING"), "{after}");
    assert_eq!(after.matches("applied").count(), 8, "{after}");
    assert!(
        after.contains("asset_ledger") && after.contains("outcomes"),
        "{after}"
    );
}

#[tokio::test]
async fn a_store_url_with_a_password_is_never_printed() {
    let output = cli(
        "postgres://relay:s3cr3tpw@127.0.0.1:1/none",
        &["store", "status"],
    )
    .await;

    assert!(!output.status.success());
    let all = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("postgres://relay@127.0.0.1:1/none"), "{all}");
    assert!(!all.contains("s3cr3tpw"), "{all}");
}
