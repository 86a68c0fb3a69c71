//! What happens when the broker or the clients misbehave: 503 with Retry-After, readiness,
//! recovery without restart, bounded concurrency and time (a stalled body is the
//! sender's fault: `deadlines.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use assetrelay_testkit::{ChaosProxy, declare, wait_until};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn assert_unavailable(response: &reqwest::Response) {
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn an_unreachable_broker_gives_503_with_retry_after_and_readyz_503() {
    let app = TestApp::spawn_opts(
        &[(
            "ASSETRELAY_BROKER__URL",
            "amqp://guest:guest@127.0.0.1:1/%2f",
        )],
        false,
    )
    .await;

    let response = app
        .post_signed("photoshelter", &ps_body("d-1", "media.updated"))
        .await;

    assert_unavailable(&response);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(!problem.to_string().contains("guest"), "{problem}");
    assert_eq!(status_of(&app, "/readyz").await, 503);
    assert_eq!(status_of(&app, "/healthz").await, 200);
    app.shutdown.cancel();
}

#[tokio::test]
async fn an_unroutable_event_is_a_503_not_a_silent_202() {
    let prefix_owner =
        TestApp::spawn_with(&[("ASSETRELAY_TOPOLOGY__DECLARE_ON_START", "false")]).await;
    // Only the exchange exists: nothing is bound, not even the archive.
    let (_c, channel) = test_channel().await;
    declare::exchange(&channel, &prefix_owner.topology.exchange()).await;

    let response = prefix_owner
        .post_signed("photoshelter", &ps_body("d-u", "media.updated"))
        .await;

    assert_unavailable(&response);
    channel
        .exchange_delete(
            prefix_owner.topology.exchange().as_str().into(),
            Default::default(),
        )
        .await
        .unwrap();
    prefix_owner.shutdown.cancel();
}

#[tokio::test]
async fn losing_the_broker_gives_503_and_readyz_503_then_recovers_without_restart() {
    let proxy = ChaosProxy::to_broker().await;
    let url = proxy.amqp_url();
    let app = TestApp::spawn_with(&[("ASSETRELAY_BROKER__URL", &url)]).await;
    assert_eq!(
        app.post_signed("photoshelter", &ps_body("before", "media.updated"))
            .await
            .status(),
        202
    );

    proxy.cut();
    wait_until("readyz answers 503", PATIENCE, || async {
        status_of(&app, "/readyz").await == 503
    })
    .await
    .unwrap();
    assert_unavailable(
        &app.post_signed("photoshelter", &ps_body("during", "media.updated"))
            .await,
    );

    proxy.restore();
    wait_until("readyz answers 200 again", PATIENCE, || async {
        status_of(&app, "/readyz").await == 200
    })
    .await
    .unwrap();
    let after = app
        .post_signed("photoshelter", &ps_body("after", "media.updated"))
        .await;
    assert_eq!(after.status(), 202);
    let ids = drain_ids(&to_smint(&app)).await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    app.stop().await;
}

#[tokio::test]
async fn beyond_the_concurrency_limit_requests_get_503_instead_of_queueing() {
    let app = TestApp::spawn_with(&[("ASSETRELAY_INGRESS__CONCURRENCY_LIMIT", "1")]).await;
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Vec<u8>, std::io::Error>>();
    tx.unbounded_send(Ok(b"{".to_vec())).unwrap();
    let held = tokio::spawn(
        app.http
            .post(app.url("/webhooks/photoshelter/demo"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(rx))
            .send(),
    );
    // Wait until the held request occupies the only slot.
    let metrics_url = app.url("/metrics");
    let http = app.http.clone();
    wait_until("one request is in flight", PATIENCE, || async {
        http.get(&metrics_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("assetrelay_ingress_in_flight_requests 1")
    })
    .await
    .unwrap();

    let refused = app
        .post_signed("photoshelter", &ps_body("d-c", "media.updated"))
        .await;

    assert_unavailable(&refused);
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "urn:assetrelay:problem:over_capacity");
    drop(tx);
    let _ = held.await;
    app.stop().await;
}

#[tokio::test]
async fn a_nacked_publish_is_a_503() {
    let app = TestApp::spawn_with(&[("ASSETRELAY_TOPOLOGY__DECLARE_ON_START", "false")]).await;
    let (_c, channel) = test_channel().await;
    let exchange = app.topology.exchange();
    declare::exchange(&channel, &exchange).await;
    // A full queue that rejects new messages makes RabbitMQ nack the publish.
    let full = format!("{}.full", app.topology.prefix);
    declare::capped_queue(&channel, &full, 0).await;
    declare::bind_everything(&channel, &full, &exchange).await;

    let response = app
        .post_signed("photoshelter", &ps_body("d-n", "media.updated"))
        .await;

    assert_unavailable(&response);
    channel
        .queue_delete(full.as_str().into(), Default::default())
        .await
        .unwrap();
    channel
        .exchange_delete(exchange.as_str().into(), Default::default())
        .await
        .unwrap();
    app.shutdown.cancel();
}

/// A TCP proxy to RabbitMQ that, frozen, holds back what the broker sends without closing
/// anything: publishes still go out, their confirms never come back.
struct FreezingProxy {
    addr: std::net::SocketAddr,
    frozen: tokio::sync::watch::Sender<bool>,
}

impl FreezingProxy {
    async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (frozen, _) = tokio::sync::watch::channel(false);
        let watch = frozen.clone();
        let upstream = upstream.to_owned();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                let mut frozen = watch.subscribe();
                tokio::spawn(async move {
                    let mut buf = vec![0_u8; 16 * 1024];
                    loop {
                        let Ok(n @ 1..) = server_read.read(&mut buf).await else {
                            return;
                        };
                        if frozen.wait_for(|f| !f).await.is_err() {
                            return;
                        }
                        if client_write.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, frozen }
    }

    fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@{}/%2f", self.addr)
    }
}

#[tokio::test]
async fn a_confirm_that_does_not_come_within_the_deadline_is_a_503_with_retry_after() {
    let proxy = FreezingProxy::start("127.0.0.1:5672").await;
    let url = proxy.amqp_url();
    let app = TestApp::spawn_with(&[
        ("ASSETRELAY_BROKER__URL", &url),
        ("ASSETRELAY_INGRESS__REQUEST_TIMEOUT_MS", "500"),
        ("ASSETRELAY_BROKER__CONFIRM_TIMEOUT_MS", "30000"),
    ])
    .await;
    let warm = app
        .post_signed("photoshelter", &ps_body("warm", "media.updated"))
        .await;
    assert_eq!(warm.status(), 202);

    proxy.frozen.send_replace(true);
    let response = app
        .post_signed("photoshelter", &ps_body("frozen", "media.updated"))
        .await;

    assert_unavailable(&response);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:assetrelay:problem:timeout");
    proxy.frozen.send_replace(false);
    app.stop().await;
}
