#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assetrelay_config::{ConfigError, PhotoShelterAuth, SchemeName, StoreKind, load};
use assetrelay_signature::SecretError;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml")
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const MINIMAL: &str = r#"
[connections.demo.photoshelter.webhook]
scheme = "standard-webhooks"
secrets = [{ env = "PS_SECRET" }]
[connections.demo.smintio.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
"#;

#[test]
fn the_example_file_loads_with_a_demo_connection_on_standard_webhooks() {
    let config = load(Some(&example()), &BTreeMap::new()).unwrap();
    let demo = &config.connections["demo"];
    assert_eq!(
        demo.photoshelter.webhook.scheme,
        SchemeName::StandardWebhooks
    );
    assert_eq!(demo.smintio.webhook.scheme, SchemeName::StandardWebhooks);
    assert!(demo.photoshelter.webhook.verifier().is_ok());
    assert_eq!(config.topology.prefix, "assetrelay");
}

#[test]
fn the_example_demo_connection_reaches_the_sandbox_apis_with_resolved_secrets() {
    let config = load(Some(&example()), &BTreeMap::new()).unwrap();
    let demo = &config.connections["demo"];
    let ps = demo.photoshelter.api.as_ref().unwrap();
    assert_eq!(ps.base_url.as_str(), "http://127.0.0.1:8090/");
    assert_eq!(ps.api_key.expose(), "ps-dev-api-key");
    assert!(
        matches!(&ps.auth, PhotoShelterAuth::Token { org_id, .. } if org_id == "O0000DEVORG00001")
    );
    let smint = demo.smintio.api.as_ref().unwrap();
    assert_eq!(smint.refresh_token.expose(), "dev-refresh-token");
    assert_eq!(
        smint.adapter.as_ref().unwrap().secret.expose(),
        "dev-adapter-secret"
    );
}

#[test]
fn an_api_secret_from_a_missing_variable_fails_naming_its_key() {
    let err = load(
        Some(&example()),
        &env(&[(
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__CLIENT_SECRET",
            "{env=\"NOPE\"}",
        )]),
    );
    // figment parses `{env="NOPE"}` from the environment as a table.
    let err = chain(&err.unwrap_err()).join(": ");
    assert!(
        err.contains("connections.demo.smintio.api.client_secret"),
        "{err}"
    );
    assert!(err.contains("NOPE"), "{err}");
}

#[test]
fn secrets_never_show_in_debug_output() {
    let config = load(Some(&example()), &BTreeMap::new()).unwrap();
    let text = format!("{config:?}");
    for secret in [
        "dev-client-secret",
        "dev-password",
        "ps-dev-api-key",
        "ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA",
    ] {
        assert!(!text.contains(secret), "{secret} in Debug output");
    }
}

#[test]
fn environment_variables_override_the_file_with_double_underscore_nesting() {
    let config = load(
        Some(&example()),
        &env(&[
            ("ASSETRELAY_INGRESS__LISTEN", "0.0.0.0:9999"),
            (
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__WEBHOOK__TOLERANCE_SECS",
                "42",
            ),
            ("UNRELATED", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(config.ingress.listen.port(), 9999);
    assert_eq!(
        config.connections["demo"]
            .photoshelter
            .webhook
            .tolerance_secs,
        42
    );
}

#[test]
fn a_secret_is_read_from_the_named_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, MINIMAL);
    let config = load(
        Some(&path),
        &env(&[("PS_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]),
    )
    .unwrap();
    assert_eq!(
        config.connections["demo"].photoshelter.webhook.secrets[0].expose(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    );
}

#[test]
fn a_secret_is_read_from_a_file_without_its_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap();
    let text = MINIMAL.replace(
        "{ env = \"PS_SECRET\" }",
        &format!("{{ file = {:?} }}", secret.display().to_string()),
    );
    let config = load(Some(&write(&dir, &text)), &BTreeMap::new()).unwrap();
    assert!(
        config.connections["demo"]
            .photoshelter
            .webhook
            .verifier()
            .is_ok()
    );
}

#[test]
fn a_missing_secret_variable_fails_naming_the_key_but_not_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let err = chain(&load(Some(&write(&dir, MINIMAL)), &BTreeMap::new()).unwrap_err()).join(": ");
    assert!(
        err.contains("connections.demo.photoshelter.webhook.secrets[0]"),
        "{err}"
    );
    assert!(err.contains("PS_SECRET"), "{err}");
}

#[test]
fn a_secret_that_is_not_whsec_base64_fails_naming_the_key_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(
        Some(&write(&dir, MINIMAL)),
        &env(&[("PS_SECRET", "whsec_not*base64*at-all")]),
    )
    .unwrap_err();
    let err = format!("{}\n{err:?}", chain(&err).join(": "));
    assert!(
        err.contains("connections.demo.photoshelter.webhook.secrets[0]"),
        "{err}"
    );
    assert!(!err.contains("not*base64"), "{err}");
}

#[test]
fn a_wrongly_typed_value_fails_naming_the_key() {
    let err = load(
        Some(&example()),
        &env(&[("ASSETRELAY_INGRESS__LISTEN", "not-an-address")]),
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::Parse(_)));
    assert!(err.to_string().contains("ingress.listen"), "{err}");
}

#[test]
fn an_unknown_key_is_rejected_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(
        Some(&write(
            &dir,
            &format!("{MINIMAL}\n[ingress]\nlisten_port = 1\n"),
        )),
        &env(&[("PS_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("listen_port"), "{err}");
}

#[test]
fn the_hmac_scheme_requires_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let text = MINIMAL.replacen("scheme = \"standard-webhooks\"", "scheme = \"hmac\"", 1);
    let err = load(Some(&write(&dir, &text)), &env(&[("PS_SECRET", "s3cret")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("connections.demo.photoshelter.webhook.hmac"),
        "{err}"
    );
}

#[test]
fn a_connection_name_that_would_break_routing_keys_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text = MINIMAL.replace("connections.demo", "connections.\"a.b\"");
    let err = load(
        Some(&write(&dir, &text)),
        &env(&[("PS_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("connections.a.b"), "{err}");
}

#[test]
fn a_missing_config_file_is_reported_by_path() {
    let err = load(
        Some(Path::new("/nonexistent/assetrelay.toml")),
        &BTreeMap::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/assetrelay.toml"));
}

#[test]
fn an_invalid_archive_age_is_rejected_naming_the_key() {
    let err = load(
        Some(&example()),
        &env(&[("ASSETRELAY_TOPOLOGY__ARCHIVE_MAX_AGE", "7d")]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("topology.archive_max_age"),
        "{err}"
    );
}

/// The messages of `error` and of every cause after it.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    std::iter::successors(Some(error), |e| e.source())
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_missing_secret_variable_is_the_cause_of_the_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(Some(&write(&dir, MINIMAL)), &BTreeMap::new()).unwrap_err();
    let chain = chain(&err);
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(
        chain[0].contains("connections.demo.photoshelter.webhook.secrets[0]"),
        "{chain:?}"
    );
    assert_eq!(chain[1], "environment variable `PS_SECRET` is not set");
}

#[test]
fn an_unreadable_secret_file_keeps_the_io_error_as_its_cause() {
    let text = MINIMAL.replace(
        "{ env = \"PS_SECRET\" }",
        "{ file = \"/nonexistent/ps-secret\" }",
    );
    let dir = tempfile::tempdir().unwrap();
    let err = load(Some(&write(&dir, &text)), &BTreeMap::new()).unwrap_err();
    let io = std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>());
    assert_eq!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::NotFound),
        "{:?}",
        chain(&err)
    );
}

#[test]
fn a_secret_that_is_not_whsec_base64_keeps_the_key_error_as_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(
        Some(&write(&dir, MINIMAL)),
        &env(&[("PS_SECRET", "whsec_not*base64*at-all")]),
    )
    .unwrap_err();
    let cause = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<SecretError>());
    assert_eq!(cause, Some(&SecretError::NotBase64), "{:?}", chain(&err));
}

/// Everything an error can show: its Display, its causes' and its Debug.
fn shown(error: &ConfigError) -> String {
    format!("{}\n{error:?}", chain(error).join(": "))
}

#[test]
fn a_broker_url_without_slashes_fails_naming_the_key_and_never_the_password() {
    let err = load(
        Some(&example()),
        &env(&[(
            "ASSETRELAY_BROKER__URL",
            "amqp:guest:s3cr3tpw@127.0.0.1:5672",
        )]),
    )
    .unwrap_err();

    assert!(
        matches!(
            err,
            ConfigError::Url {
                key: "broker.url",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("`broker.url`"), "{err}");
    assert!(!shown(&err).contains("s3cr3tpw"), "{}", shown(&err));
}

#[test]
fn a_management_url_of_another_scheme_fails_naming_the_key_and_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("[broker]\nmanagement_url = \"ftp://ops:s3cr3tpw@rabbit:15672\"\n{MINIMAL}");
    let err = load(Some(&write(&dir, &text)), &env(&[("PS_SECRET", "x")])).unwrap_err();

    assert!(
        matches!(
            err,
            ConfigError::Url {
                key: "broker.management_url",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!shown(&err).contains("s3cr3tpw"), "{}", shown(&err));
}

#[test]
fn the_broker_urls_are_parsed_at_load_and_show_no_credentials() {
    let config = load(
        Some(&example()),
        &env(&[
            (
                "ASSETRELAY_BROKER__URL",
                "amqps://ops:s3cr3tpw@rabbit:5671/prod",
            ),
            (
                "ASSETRELAY_BROKER__MANAGEMENT_URL",
                "https://ops:s3cr3tpw@rabbit:15671",
            ),
        ]),
    )
    .unwrap();

    let url = &config.broker.url;
    assert_eq!(
        (url.host(), url.port(), url.vhost()),
        ("rabbit", 5671, "prod")
    );
    assert_eq!(
        config.broker.management_url.base().as_str(),
        "https://rabbit:15671/"
    );
    assert!(!format!("{config:?}").contains("s3cr3tpw"));
}

#[test]
fn the_store_defaults_to_an_embedded_sqlite_file_under_data() {
    let config = load(Some(&example()), &env(&[])).unwrap();

    let store = &config.store;
    assert_eq!(store.url.kind(), StoreKind::Sqlite);
    assert_eq!(
        store.url.sqlite_path(),
        Some(Path::new("data/assetrelay.db"))
    );
    assert_eq!(
        (
            store.max_connections,
            store.statement_timeout_ms,
            store.migrate_on_start,
            store.history_retention_days
        ),
        (8, 5_000, true, 30)
    );
}

#[test]
fn the_store_url_is_overridden_by_the_environment_and_shows_no_password() {
    let config = load(
        Some(&example()),
        &env(&[(
            "ASSETRELAY_STORE__URL",
            "postgres://relay:s3cr3tpw@db.internal:5432/assetrelay",
        )]),
    )
    .unwrap();

    assert_eq!(config.store.url.kind(), StoreKind::Postgres);
    assert_eq!(
        config.store.url.to_string(),
        "postgres://relay@db.internal:5432/assetrelay"
    );
    assert!(config.store.url.expose().contains("s3cr3tpw"));
    assert!(!format!("{config:?}").contains("s3cr3tpw"));
}

#[test]
fn a_store_url_of_another_scheme_fails_naming_the_key_and_never_the_password() {
    let err = load(
        Some(&example()),
        &env(&[("ASSETRELAY_STORE__URL", "mysql://relay:s3cr3tpw@db/x")]),
    )
    .unwrap_err();

    assert!(
        matches!(
            err,
            ConfigError::Url {
                key: "store.url",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!shown(&err).contains("s3cr3tpw"), "{}", shown(&err));
}
