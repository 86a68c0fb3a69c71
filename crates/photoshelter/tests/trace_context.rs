//! Every PhotoShelter request made while a delivery is handled carries a child of the
//! delivery's W3C trace context (the token login included); requests made outside one
//! carry none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_http_failure::trace::{self, TraceContext};
use assetrelay_photoshelter::client::{
    Auth, Client, ClientConfig, Upload, UploadSource, Visibility,
};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A platform that accepts the token login and a media update.
async fn platform() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let ok = json!({"status": "ok", "data": {"token": "t-1"}});
    Mock::given(method("POST"))
        .and(path("/psapi/v3/mem/authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/psapi/v3/mem/organization/O0000DEVORG00001/authenticate",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/psapi/v4.0/media/I0000AAAAAAAAAAA"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = ClientConfig::new(
        server.uri().parse().unwrap(),
        SecretString::from("key"),
        Auth::Token {
            email: "dev@example.com".into(),
            password: SecretString::from("pw"),
            org_id: "O0000DEVORG00001".into(),
        },
    );
    config.timeout = Duration::from_secs(5);
    (server, Client::new(config).unwrap())
}

async fn update(client: &Client) {
    client
        .set_media_visibility("I0000AAAAAAAAAAA", Visibility::Private)
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

    trace::scope(context, update(&client)).await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3, "login, organization login, update");
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

    update(&client).await;

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(header(request, "traceparent"), None, "{}", request.url);
        assert_eq!(header(request, "tracestate"), None, "{}", request.url);
    }
}

#[tokio::test]
async fn an_upload_and_the_file_it_streams_from_carry_the_trace() {
    let (server, client) = platform().await;
    Mock::given(method("GET"))
        .and(path("/files/hero.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"jpeg".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let uploaded = json!({"status": "ok", "data": {"Image": {"image_id": "I0000BBBBBBBBBBB"}}});
    Mock::given(method("POST"))
        .and(path("/psapi/v3/mem/image/upload"))
        .respond_with(ResponseTemplate::new(200).set_body_json(uploaded))
        .expect(1)
        .mount(&server)
        .await;
    let upload = Upload {
        gallery_id: "G0000AAAAAAAAAAA".into(),
        file_name: "hero.jpg".into(),
        content_type: None,
        searchable: None,
        source: UploadSource::Url(format!("{}/files/hero.jpg", server.uri()).parse().unwrap()),
    };
    let context = TraceContext::from_headers(Some(PARENT), None);

    trace::scope(context, async {
        client.upload(&upload).await.unwrap();
        update(&client).await;
    })
    .await;

    for request in server.received_requests().await.unwrap() {
        let sent = header(&request, "traceparent").unwrap_or_default();
        assert!(
            sent.contains(TRACE_ID),
            "{} {}: {sent:?}",
            request.method,
            request.url
        );
        assert_eq!(header(&request, "tracestate"), None);
    }
}
