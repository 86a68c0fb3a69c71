//! What the admin's test files share: the configuration they start it with.

use std::collections::BTreeMap;
use std::path::Path;

pub const TOKEN: &str = "test-admin-token-0123456789";

/// `config/example.toml` with a topology of its own under `prefix` and `tokens` (a TOML
/// array) as `[admin] tokens`.
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
