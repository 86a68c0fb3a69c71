//! Deadlines that are the sender's fault: a body that does not arrive within
//! `ingress.request_timeout_ms` is a 408, not a 503 (which would say the broker is down),
//! and it is not counted as one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::time::Duration;

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The answer is complete once its head and `content-length` bytes of body are in.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    body.len() >= length
}

/// Declares `Content-Length: 50`, sends 7 bytes of body, then nothing: the answer.
async fn send_a_short_body(app: &TestApp) -> String {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /webhooks/photoshelter/demo HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{{\"id\":1"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0_u8; 4096];
        while !complete(&answer) {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("no answer within 10 s");
    String::from_utf8(answer).unwrap()
}

async fn metrics(app: &TestApp) -> String {
    app.http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_body_shorter_than_its_declared_length_is_a_408_and_not_counted_as_a_broker_failure() {
    let app = TestApp::spawn_with(&[("ASSETRELAY_INGRESS__REQUEST_TIMEOUT_MS", "300")]).await;

    let answer = send_a_short_body(&app).await;

    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 408"), "{answer}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(!head.contains("retry-after"), "{answer}");
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["type"], "urn:assetrelay:problem:request_timeout");
    assert_eq!(problem["status"], 408);
    let text = metrics(&app).await;
    assert!(
        text.contains(r#"assetrelay_ingress_requests_total{platform="photoshelter",connection="demo",outcome="request_timeout"} "#),
        "{text}"
    );
    for broker_failure in [r#"outcome="timeout""#, r#"outcome="broker_unavailable""#] {
        assert!(!text.contains(broker_failure), "{text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_chunked_body_that_stalls_past_the_deadline_is_a_408() {
    let app = TestApp::spawn_with(&[("ASSETRELAY_INGRESS__REQUEST_TIMEOUT_MS", "300")]).await;
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Vec<u8>, std::io::Error>>();
    tx.unbounded_send(Ok(b"{".to_vec())).unwrap();

    let response = app
        .http
        .post(app.url("/webhooks/photoshelter/demo"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(rx))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 408);
    assert!(response.headers().get("retry-after").is_none());
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:assetrelay:problem:request_timeout");
    drop(tx);
    app.stop().await;
}
