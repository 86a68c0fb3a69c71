//! Connection `client_b`: another PhotoShelter organization and Smint.io tenant with
//! credentials of its own (the sandbox serving it accepts only these), and an id space of
//! its own, so an id names one tenant's asset only and a test can tell whose asset it sees.

use assetrelay_sandbox::SandboxConfig;
use secrecy::SecretString;

/// `client_b`'s sandbox numbers media and licenses in this id space (`SandboxConfig::id_seed`);
/// `demo`'s keeps the historical ids (0).
pub const CLIENT_B_ID_SEED: u16 = 2;

/// The configuration of `client_b`, as `ASSETRELAY_*` overrides of the example file.
pub const CLIENT_B_ENV: &[(&str, &str)] = &[
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==\"]",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=\"]",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__BASE_URL",
        "http://127.0.0.1:1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__API_KEY",
        "client-b-ps-key",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__MODE",
        "token",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__EMAIL",
        "ops@client-b.example",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__PASSWORD",
        "client-b-password",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__ORG_ID",
        "O0000CLIENTB0001",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__IDENTITY_URL",
        "http://127.0.0.1:1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLAPI_URL",
        "http://127.0.0.1:1/consumer/v1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLIENT_ID",
        "client-b",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLIENT_SECRET",
        "client-b-secret",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__REFRESH_TOKEN",
        "client-b-refresh",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__WEBHOOK_URL",
        "http://127.0.0.1:1/portals/data-adapter/webhook",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__SECRET",
        "client-b-adapter-secret",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__SIGNATURE_HEADER",
        "X-Assetrelay-Signature",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__TIMESTAMP_HEADER",
        "X-Assetrelay-Timestamp",
    ),
];

/// The sandbox serving `client_b`: its credentials, secrets and id space.
pub fn client_b_sandbox() -> SandboxConfig {
    let mut config = SandboxConfig::for_tests();
    config.connection = "client_b".into();
    config.id_seed = CLIENT_B_ID_SEED;
    config.photoshelter_webhook = assetrelay_sandbox::WebhookSigning::standard(
        "whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==",
    );
    config.smintio_webhook =
        assetrelay_sandbox::WebhookSigning::standard("whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=");
    config.photoshelter.api_key = SecretString::from("client-b-ps-key");
    config.photoshelter.email = "ops@client-b.example".into();
    config.photoshelter.password = SecretString::from("client-b-password");
    config.photoshelter.org_id = "O0000CLIENTB0001".into();
    config.smintio.client_id = "client-b".into();
    config.smintio.client_secret = SecretString::from("client-b-secret");
    config.smintio.refresh_token = SecretString::from("client-b-refresh");
    config.data_adapter.secret = SecretString::from("client-b-adapter-secret");
    config
}
