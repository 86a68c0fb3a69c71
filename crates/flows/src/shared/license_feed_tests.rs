//! The license feed against a wiremock CLAPI-C: it reads to the end and resumes, a page
//! that does not advance ends the read, and the cache stays within its bound without
//! losing a license.

use std::time::Duration;

use assetrelay_smintio::client::{ClientConfig, RetryPolicy};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const FEED: &str = "/consumer/v1/sync/license-purchase-transactions";

async fn clapi() -> (MockServer, Arc<SmintioClient>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "t1", "refresh_token": "r1", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    let config = ClientConfig::new(
        Url::parse(&server.uri()).unwrap(),
        Url::parse(&format!("{}/consumer/v1", server.uri())).unwrap(),
        "client-id",
        SecretString::from("secret"),
        SecretString::from("r0"),
    )
    .with_retry(RetryPolicy::none())
    .with_timeout(Duration::from_secs(5));
    (server, Arc::new(SmintioClient::new(config).unwrap()))
}

/// Serve `uuids` with `next` to a read from `from`, exactly `times` times.
async fn page(
    server: &MockServer,
    from: Option<&str>,
    uuids: &[&str],
    next: Option<&str>,
    times: u64,
) {
    let transactions: Vec<_> = uuids
        .iter()
        .map(|u| json!({"uuid": u, "version": 1}))
        .collect();
    let body = json!({"count": uuids.len(), "continuation_uuid": next, "license_purchase_transactions": transactions});
    let mock = Mock::given(method("GET")).and(path(FEED));
    let mock = match from {
        Some(continuation) => mock.and(query_param("continuation_uuid", continuation)),
        None => mock.and(query_param_is_missing("continuation_uuid")),
    };
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

fn uuids(lpts: &[LicensePurchaseTransaction]) -> Vec<&str> {
    lpts.iter().map(|l| l.uuid.as_str()).collect()
}

#[tokio::test]
async fn a_page_that_does_not_advance_ends_the_read_instead_of_looping() {
    let (server, client) = clapi().await;
    page(&server, None, &["a"], None, 1).await;
    let feed = LicenseFeed::new("demo", client);

    let read = tokio::time::timeout(Duration::from_secs(5), feed.refresh())
        .await
        .expect("the read re-requested the same page until the deadline")
        .unwrap();

    assert_eq!(read.len(), 1);
    assert!(feed.cached("a").await.is_some());
}

#[tokio::test]
async fn reads_the_feed_to_its_end_and_resumes_where_it_stopped() {
    let (server, client) = clapi().await;
    page(&server, None, &["a", "b"], Some("c-1"), 1).await;
    page(&server, Some("c-1"), &["c", "a"], Some("c-2"), 1).await;
    page(&server, Some("c-2"), &[], Some("c-3"), 1).await;
    page(&server, Some("c-3"), &[], Some("c-3"), 1).await;
    let feed = LicenseFeed::new("demo", client);

    let first = feed.refresh().await.unwrap();
    let second = feed.refresh().await.unwrap();

    assert_eq!(
        uuids(&first),
        ["b", "c", "a"],
        "each once, at its last change"
    );
    assert!(second.is_empty());
    for uuid in ["a", "b", "c"] {
        assert!(feed.cached(uuid).await.is_some(), "{uuid}");
    }
}

#[tokio::test]
async fn keeps_at_most_its_capacity_and_finds_an_evicted_license_from_the_beginning() {
    let (server, client) = clapi().await;
    // Read 1: start, c-1. `get("a")`: c-1 (forward), then start and c-1 (from the start).
    page(&server, None, &["a", "b", "c"], Some("c-1"), 2).await;
    page(&server, Some("c-1"), &[], Some("c-1"), 3).await;
    let feed = LicenseFeed::with_capacity("demo", client, 2);

    feed.refresh().await.unwrap();
    feed.latest.run_pending_tasks().await;

    assert_eq!(feed.latest.entry_count(), 2);
    assert!(
        feed.cached("a").await.is_none(),
        "the least recently changed goes"
    );
    let found = feed.get("a").await.unwrap();
    assert_eq!(found.map(|l| l.uuid).as_deref(), Some("a"));
}

#[tokio::test]
async fn a_license_not_in_the_feed_costs_no_full_read_while_nothing_was_evicted() {
    let (server, client) = clapi().await;
    page(&server, None, &["a"], Some("c-1"), 1).await;
    page(&server, Some("c-1"), &[], Some("c-1"), 1).await;
    let feed = LicenseFeed::new("demo", client);

    assert_eq!(feed.get("not-yet").await.unwrap(), None);
}
