//! What the connection supervisor logs about the broker it cannot reach: where it is
//! (host, port, vhost), never the credentials of its URL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings};
use assetrelay_testkit::wait_until;

const PASSWORD: &str = "s3cr3tpw";

/// Formatted log lines, shared with the subscriber that writes them.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_unreachable_broker_is_logged_by_host_port_and_vhost_without_the_password() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    // The test's runtime is single-threaded: the supervisor task logs on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    // Port 1: nothing listens there, so every attempt fails and is logged.
    let url = format!("amqp://ops:{PASSWORD}@127.0.0.1:1/prod")
        .parse()
        .unwrap();
    let settings = BrokerSettings::new(url, "log-test", Duration::from_millis(100));

    let broker = Broker::start(settings.clone(), None);
    let retried = wait_until("a retry is logged", Duration::from_secs(10), || async {
        logs.text().matches("broker not available").count() >= 2
    })
    .await;
    assert!(retried.is_ok(), "{retried:?}: {}", logs.text());
    broker.close().await;

    let text = logs.text();
    assert!(
        text.contains("server.address=127.0.0.1")
            && text.contains("server.port=1")
            && text.contains("vhost=prod"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!format!("{settings:?}").contains(PASSWORD));
}
