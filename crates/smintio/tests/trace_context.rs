//! Every Smint.io request made while a delivery is handled carries a child of the
//! delivery's W3C trace context; requests made outside one carry none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assetrelay_http_failure::trace::{self, TraceContext};
use assetrelay_smintio::client::{AdapterConfig, AssetDataObject, Change, SmintioClient};
use secrecy::SecretString;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod support;

use support::{config, mount_token};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn platform() -> (MockServer, SmintioClient) {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path("/consumer/v1/sync/generic-metadata"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"accepted": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = AdapterConfig::new(
        Url::parse(&format!("{}/hook", server.uri())).unwrap(),
        SecretString::from("k"),
    );
    let client = SmintioClient::new(config(&server).with_adapter(adapter)).unwrap();
    (server, client)
}

/// Token refresh, a CLAPI-C read and a data-adapter push: one of each kind of request.
async fn calls(client: &SmintioClient) {
    client.generic_metadata().await.unwrap();
    client
        .push_changes(&[Change::update("I1", AssetDataObject::new("I1"))])
        .await
        .unwrap();
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_request_inside_a_delivery_carries_a_child_of_its_trace_and_the_tracestate() {
    let (server, client) = platform().await;
    let context = TraceContext::from_headers(Some(PARENT), Some("vendor=abc"));

    trace::scope(context, calls(&client)).await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "token, metadata, push");
    let mut span_ids = Vec::new();
    for request in &requests {
        let sent = header(request, "traceparent")
            .unwrap_or_else(|| panic!("{} {} carries no traceparent", request.method, request.url));
        let parts: Vec<&str> = sent.split('-').collect();
        assert_eq!(parts[0], "00", "{sent}");
        assert_eq!(parts[1], TRACE_ID, "{sent}");
        assert_eq!(parts[3], "01", "{sent}");
        assert_ne!(
            parts[2], "00f067aa0ba902b7",
            "a child needs its own span id"
        );
        span_ids.push(parts[2].to_owned());
        assert_eq!(header(request, "tracestate"), Some("vendor=abc"));
    }
    span_ids.sort();
    span_ids.dedup();
    assert_eq!(span_ids.len(), 3, "each call is its own span: {span_ids:?}");
}

#[tokio::test]
async fn requests_outside_a_delivery_carry_no_trace_headers() {
    let (server, client) = platform().await;

    calls(&client).await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(header(request, "traceparent"), None, "{}", request.url);
        assert_eq!(header(request, "tracestate"), None, "{}", request.url);
    }
}
