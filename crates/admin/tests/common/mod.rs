//! What the admin's test files share: the configuration they start it with, and an admin
//! built on a store of its own.
#![allow(dead_code)] // each test file uses a part

pub mod app;

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::Path;

use assetrelay_admin::Admin;
use assetrelay_config::StoreUrl;

pub const TOKEN: &str = "test-admin-token-0123456789";

/// `config/example.toml` with a topology of its own under `prefix` and `tokens` (a TOML
/// array) as `[admin] tokens`. Its store is the example's relative path: [`build`] points
/// it at a temp file.
pub fn config(prefix: &str, tokens: &str) -> assetrelay_config::Config {
    let env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix),
        ("ASSETRELAY_TOPOLOGY__RETRY_TIERS_SECS", "[1]"),
        ("ASSETRELAY_TOPOLOGY__SCHEDULER_TIERS_SECS", "[1]"),
        ("ASSETRELAY_TOPOLOGY__ARCHIVE_MAX_AGE", "1h"),
        ("ASSETRELAY_ADMIN__TOKENS", tokens),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    assetrelay_config::load(Some(&file), &env).unwrap()
}

/// An admin and the temp directory of its SQLite store, deleted when this is dropped.
pub struct TestAdmin {
    pub admin: Admin,
    pub store_dir: tempfile::TempDir,
}

impl Deref for TestAdmin {
    type Target = Admin;
    fn deref(&self) -> &Admin {
        &self.admin
    }
}

/// `Admin::build` of `config` with its store in a fresh temp directory (migrated at
/// start, as `[store] migrate_on_start` says in the example).
pub async fn build(mut config: assetrelay_config::Config) -> TestAdmin {
    let store_dir = tempfile::tempdir().unwrap();
    config.store.url = StoreUrl::sqlite(store_dir.path().join("store.db"));
    let admin = Admin::build(&config).await.unwrap();
    TestAdmin { admin, store_dir }
}
