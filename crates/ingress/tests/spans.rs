//! Spans record the route template and the request id, never the raw path (a connection
//! name from the internet). In a test binary of its own: the capturing subscriber is set
//! for this thread only, and tests running beside it on other threads could otherwise
//! register the same callsites first, with no subscriber, while it runs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use support::*;
use tower::ServiceExt;

#[tokio::test]
async fn spans_record_the_route_template_and_the_request_id_never_the_raw_path() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let config = assetrelay_config::load(
        Some(&example_config()),
        &test_env(
            &unique_prefix(LABEL),
            &[("ASSETRELAY_TOPOLOGY__DECLARE_ON_START", "false")],
        ),
    )
    .unwrap();
    let router = assetrelay_ingress::Ingress::build(&config)
        .unwrap()
        .router();

    for path in [
        "/webhooks/photoshelter/no-such-connection-4711",
        "/webhooks/photoshelter/demo",
    ] {
        let request = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .header("x-request-id", "trace-me-42")
            .body(Body::from(ps_body("d", "media.updated")))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_client_error(), "{path}");
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("webhook refused"), "{logs}");
    assert!(
        logs.contains(r#"http.route="/webhooks/{platform}/{connection}""#),
        "{logs}"
    );
    assert!(logs.contains(r#"request_id="trace-me-42""#), "{logs}");
    assert!(!logs.contains("no-such-connection-4711"), "{logs}");
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
