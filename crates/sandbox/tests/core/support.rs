//! Helpers: a tiny webhook receiver on 127.0.0.1:0 and polling with a deadline.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;

/// One request the receiver got.
#[derive(Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A receiver answering the scripted statuses in order, then `then` forever.
pub struct Receiver {
    pub url: String,
    pub requests: mpsc::UnboundedReceiver<Received>,
}

#[derive(Clone)]
struct Script {
    statuses: Arc<Mutex<VecDeque<u16>>>,
    then: u16,
    tx: mpsc::UnboundedSender<Received>,
}

pub async fn receiver(statuses: &[u16], then: u16) -> Receiver {
    let (tx, requests) = mpsc::unbounded_channel();
    let script = Script {
        statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
        then,
        tx,
    };
    let app = Router::new().fallback(answer).with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, requests }
}

async fn answer(State(script): State<Script>, request: Request) -> StatusCode {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let _ = script.tx.send(Received {
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
    });
    let status = script
        .statuses
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(script.then);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Every request received so far.
    pub fn drain(&mut self) -> Vec<Received> {
        let mut out = Vec::new();
        while let Ok(r) = self.requests.try_recv() {
            out.push(r);
        }
        out
    }
}

/// Polls `check` until it returns `Some`, failing after five seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
