//! The client over real HTTP against the in-process sandbox: every operation, token
//! refresh on 401 and before expiry, 429 with `Retry-After`, feed paging, binaries and
//! data-adapter pushes.

// Helpers outside #[test] fns panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use assetrelay_smintio::client::{
    AdapterConfig, AssetDataObject, Change, ClientConfig, PortalsContentType, RetryPolicy,
    SmintioClient,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

struct Harness {
    sandbox: RunningSandbox,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        Self::with(SandboxConfig::for_tests()).await
    }

    async fn with(config: SandboxConfig) -> Self {
        Self {
            sandbox: spawn(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    fn config(&self) -> ClientConfig {
        let adapter = AdapterConfig::new(
            Url::parse(&self.url("/portals/data-adapter/webhook")).unwrap(),
            SecretString::from("dev-adapter-secret"),
        );
        ClientConfig::new(
            Url::parse(&self.sandbox.base_url).unwrap(),
            Url::parse(&self.url("/consumer/v1")).unwrap(),
            "assetrelay-dev",
            SecretString::from("dev-client-secret"),
            SecretString::from("dev-refresh-token"),
        )
        .with_adapter(adapter)
        .with_retry(RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        })
    }

    fn client(&self) -> SmintioClient {
        SmintioClient::new(self.config()).unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn create_lpt(&self, name: &str) -> String {
        let body = self
            .post(
                "/_sandbox/smintio/license-purchase-transactions",
                json!({"action": "create", "name": name}),
            )
            .await;
        body["license_purchase_transaction"]["uuid"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn token_grants(&self) -> u64 {
        self.get("/_sandbox/smintio/tokens").await.1["grants"]
            .as_u64()
            .unwrap()
    }
}

#[tokio::test]
async fn fetches_the_generic_metadata() {
    let harness = Harness::start().await;
    let metadata = harness.client().generic_metadata().await.unwrap();
    let languages = metadata.license_languages.as_deref().unwrap();
    assert!(
        languages
            .iter()
            .any(|e| e.metadata_element.key.as_deref() == Some("language_german"))
    );
}

#[tokio::test]
async fn pages_the_feed_until_count_is_zero_and_resumes_from_the_continuation() {
    let harness = Harness::start().await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(harness.create_lpt(&format!("image {n}")).await);
    }
    let client = harness.client();
    let mut feed = client.feed(None, 2);
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    while let Some(page) = feed.next_page().await.unwrap() {
        sizes.push(page.transactions.len());
        seen.extend(page.transactions.into_iter().map(|l| l.uuid));
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen, created);

    let saved = feed.continuation().map(str::to_owned);
    let newer = harness.create_lpt("image 5").await;
    let mut resumed = client.feed(saved, 2);
    let page = resumed.next_page().await.unwrap().unwrap();
    assert_eq!(page.transactions.len(), 1);
    assert_eq!(page.transactions[0].uuid, newer);
    assert_eq!(page.transactions[0].version, Some(1));
    assert!(resumed.next_page().await.unwrap().is_none());
}

#[tokio::test]
async fn reads_license_terms_and_cancellation_from_the_feed() {
    let harness = Harness::start().await;
    let uuid = harness.create_lpt("hero").await;
    let path = "/_sandbox/smintio/license-purchase-transactions";
    harness
        .post(path, json!({"action": "update", "uuid": uuid, "license_terms": [{"restricted_geographies": ["geography_germany"]}], "valid_until": "2030-06-30T00:00:00Z"}))
        .await;
    harness
        .post(path, json!({"action": "cancel", "uuid": uuid}))
        .await;
    let client = harness.client();
    let page = client.feed(None, 10).next_page().await.unwrap().unwrap();
    let lpt = &page.transactions[0];
    assert_eq!(lpt.is_cancelled(), Some(true));
    assert_eq!(lpt.version, Some(3));
    let term = &lpt.license_terms.as_ref().unwrap()[0];
    assert_eq!(
        term.restricted_geographies.as_deref(),
        Some(&["geography_germany".to_owned()][..])
    );
    assert_eq!(
        term.valid_until.map(|t| t.to_rfc3339()),
        Some("2030-06-30T00:00:00+00:00".into())
    );
    assert_eq!(term.is_editorial_use, None, "unknown stays unknown");
}

#[tokio::test]
async fn lists_the_binaries_of_a_transaction_with_their_download_url() {
    let harness = Harness::start().await;
    harness.create_lpt("harbour").await;
    let client = harness.client();
    let page = client.feed(None, 10).next_page().await.unwrap().unwrap();
    let lpt = &page.transactions[0];

    let binaries = client
        .license_purchase_transaction_binaries(
            lpt.cart_purchase_transaction_uuid.as_deref().unwrap(),
            &lpt.uuid,
        )
        .await
        .unwrap();

    assert!(!binaries.is_empty());
    let url = binaries[0].download_url.as_deref().unwrap();
    assert!(url.contains("/consumer/v1/_files/"), "{url}");
    assert!(
        !format!("{:?}", binaries[0]).contains(url),
        "Debug shows no pre-signed URL"
    );
}

#[tokio::test]
async fn refreshes_the_token_exactly_once_after_the_sandbox_expired_it() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.generic_metadata().await.unwrap();
    assert_eq!(client.token_refreshes(), 1);

    harness
        .post("/_sandbox/smintio/tokens/expire", json!({}))
        .await;
    client.generic_metadata().await.unwrap();
    assert_eq!(client.token_refreshes(), 2);
    assert_eq!(harness.token_grants().await, 2);
    client.generic_metadata().await.unwrap();
    assert_eq!(
        harness.token_grants().await,
        2,
        "the refreshed token is reused"
    );
}

#[tokio::test]
async fn refreshes_the_token_before_it_expires() {
    // Lifetime 30 s is inside the client's 60 s margin: each call refreshes first, so the
    // sandbox never has to refuse a token (a refusal would show as an extra grant).
    let harness = Harness::with(SandboxConfig {
        token_lifetime_secs: 30,
        ..SandboxConfig::for_tests()
    })
    .await;
    let client = harness.client();
    client.generic_metadata().await.unwrap();
    client.generic_metadata().await.unwrap();
    assert_eq!(client.token_refreshes(), 2);
    assert_eq!(harness.token_grants().await, 2);
}

#[tokio::test]
async fn keeps_the_refresh_token_the_sandbox_rotated() {
    let harness = Harness::start().await;
    let client = harness.client();
    client.generic_metadata().await.unwrap();
    harness
        .post("/_sandbox/smintio/tokens/expire", json!({}))
        .await;
    // The second refresh must present the rotated (one-time) token, or the sandbox refuses.
    client.generic_metadata().await.unwrap();
    assert_ne!(
        client.current_refresh_token().await.expose_secret(),
        "dev-refresh-token"
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_a_permanent_failure() {
    let harness = Harness::start().await;
    let config = ClientConfig {
        refresh_token: SecretString::from("stolen"),
        ..harness.config()
    };
    let err = SmintioClient::new(config)
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(err.to_string().contains("invalid_grant"), "{err}");
}

#[tokio::test]
async fn honours_the_retry_after_of_injected_429s() {
    let harness = Harness::start().await;
    // Enough tries that a run of 429s cannot exhaust them, whatever the RNG draws.
    let config = harness.config().with_retry(RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    });
    let client = SmintioClient::new(config).unwrap();
    client.generic_metadata().await.unwrap();
    let rule = json!({"surface": "smintio", "endpoint": "/consumer/v1/sync/generic-metadata", "rate_limit_rate": 0.5, "retry_after_secs": 1});
    harness.post("/_sandbox/faults", rule).await;
    // The seeded RNG makes the sequence of 429s the same on every run.
    let started = Instant::now();
    let mut rate_limited = 0;
    for _ in 0..4 {
        let call = Instant::now();
        client.generic_metadata().await.unwrap();
        if call.elapsed() >= Duration::from_secs(1) {
            rate_limited += 1;
        }
    }
    assert!(
        rate_limited >= 1,
        "no call met a 429 in {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_injected_server_error_is_transient_and_returned_at_once() {
    let harness = Harness::start().await;
    let client = harness.client();
    let rule = json!({"surface": "smintio", "endpoint": "/consumer/v1/sync/license-purchase-transactions", "error_rate": 1.0, "error_status": 503});
    harness.post("/_sandbox/faults", rule).await;
    let err = client.feed(None, 10).next_page().await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        err.to_string().contains("service_unavailable"),
        "the platform's error code is kept: {err}"
    );
}

#[tokio::test]
async fn a_hanging_platform_times_out_as_transient() {
    let harness = Harness::start().await;
    let rule = json!({"surface": "smintio", "endpoint": "/consumer/v1/sync/generic-metadata", "hang": true});
    harness.post("/_sandbox/faults", rule).await;
    let config = harness
        .config()
        .with_timeout(Duration::from_millis(300))
        .with_retry(RetryPolicy::none());
    let err = SmintioClient::new(config)
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn pushes_updates_and_deletions_the_data_adapter_applies() {
    let harness = Harness::start().await;
    let client = harness.client();
    let mut asset = AssetDataObject::new("I0000AAA");
    asset.name = Some([("x-default".to_owned(), "Harbour".to_owned())].into());
    asset.content_type = Some(PortalsContentType::Image);
    asset.localized_tags = Some([("en".to_owned(), vec!["harbour".to_owned()])].into());
    asset.publish_until = Some("2030-01-01T00:00:00Z".parse().unwrap());
    asset.version = Some("2026-11-29T10:00:00Z".into());
    asset.raw_data = Some(
        json!({"license": {"restricted_geographies": ["geography_germany"]}})
            .as_object()
            .unwrap()
            .clone(),
    );
    let ack = client
        .push_changes(&[
            Change::update("I0000AAA", asset),
            Change::update("I0000BBB", AssetDataObject::new("I0000BBB")),
        ])
        .await
        .unwrap();
    assert_eq!(ack.accepted, Some(2));

    let (status, held) = harness.get("/_sandbox/smintio/assets/I0000AAA").await;
    assert_eq!(status, 200);
    assert_eq!(
        held["asset_data_object"]["LocalizedTags"]["en"][0],
        "harbour"
    );
    assert_eq!(
        held["asset_data_object"]["PublishUntil"],
        "2030-01-01T00:00:00Z"
    );

    client
        .push_changes(&[Change::deletion("I0000BBB")])
        .await
        .unwrap();
    assert_eq!(
        harness.get("/_sandbox/smintio/assets/I0000BBB").await.0,
        404
    );
    let log = harness.sandbox.state().log.entries(Some("smintio"));
    assert_eq!(log.len(), 2, "one write per delivery");
}

#[tokio::test]
async fn a_wrong_adapter_secret_is_refused_permanently() {
    let harness = Harness::start().await;
    let mut config = harness.config();
    config.adapter.as_mut().unwrap().signing_secret = SecretString::from("wrong-secret");
    let err = SmintioClient::new(config)
        .unwrap()
        .push_changes(&[Change::deletion("I1")])
        .await
        .unwrap_err();
    assert!(!err.is_transient());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(!format!("{err:?}").contains("wrong-secret"));
}
