#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! `[connections.<c>.photoshelter.poll]`: defaults, the example file, environment overrides
//! and the bounds that are checked at load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assetrelay_config::{ConfigError, PhotoShelterPoll, load};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml")
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const WITHOUT_POLL: &str = r#"
[connections.demo.photoshelter.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
[connections.demo.smintio.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
"#;

fn load_text(text: &str, vars: &[(&str, &str)]) -> Result<assetrelay_config::Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    load(Some(&path), &env(vars))
}

#[test]
fn a_connection_without_a_poll_table_polls_every_minute_with_the_defaults() {
    let config = load_text(WITHOUT_POLL, &[]).unwrap();
    let poll = &config.connections["demo"].photoshelter.poll;
    assert_eq!(poll, &PhotoShelterPoll::default());
    assert!(poll.enabled);
    assert_eq!(poll.interval_secs, 60);
    assert!(
        poll.overlap_secs > 0,
        "an overlap of zero could lose equal times"
    );
}

#[test]
fn the_example_file_documents_every_poll_setting_with_its_default() {
    let config = load(Some(&example()), &BTreeMap::new()).unwrap();
    assert_eq!(
        config.connections["demo"].photoshelter.poll,
        PhotoShelterPoll::default()
    );
    let text = std::fs::read_to_string(example()).unwrap();
    for key in ["enabled", "interval_secs", "overlap_secs", "page_size"] {
        assert!(
            text.contains(&format!("\n{key} = ")),
            "{key} missing in example.toml"
        );
    }
}

#[test]
fn environment_variables_override_the_poll_settings() {
    let config = load(
        Some(&example()),
        &env(&[
            (
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__ENABLED",
                "false",
            ),
            (
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__INTERVAL_SECS",
                "7",
            ),
            (
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__OVERLAP_SECS",
                "0",
            ),
            (
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__PAGE_SIZE",
                "50",
            ),
        ]),
    )
    .unwrap();
    let poll = &config.connections["demo"].photoshelter.poll;
    assert_eq!(
        poll,
        &PhotoShelterPoll {
            enabled: false,
            interval_secs: 7,
            overlap_secs: 0,
            page_size: 50,
        }
    );
}

#[test]
fn an_out_of_range_interval_overlap_or_page_size_fails_naming_the_key() {
    for (var, value, key) in [
        (
            "INTERVAL_SECS",
            "0",
            "connections.demo.photoshelter.poll.interval_secs",
        ),
        (
            "OVERLAP_SECS",
            "86401",
            "connections.demo.photoshelter.poll.overlap_secs",
        ),
        (
            "PAGE_SIZE",
            "0",
            "connections.demo.photoshelter.poll.page_size",
        ),
        (
            "PAGE_SIZE",
            "1001",
            "connections.demo.photoshelter.poll.page_size",
        ),
    ] {
        let name = format!("ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__{var}");
        let err = load_text(WITHOUT_POLL, &[(name.as_str(), value)]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { key: k, .. } if k == key),
            "{var}={value}: {err}"
        );
    }
}

#[test]
fn an_unknown_poll_key_is_refused() {
    let text =
        format!("{WITHOUT_POLL}\n[connections.demo.photoshelter.poll]\nintervall_secs = 5\n");
    let err = load_text(&text, &[]).unwrap_err().to_string();
    assert!(err.contains("intervall_secs"), "{err}");
}
