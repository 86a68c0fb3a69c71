//! A TCP proxy in front of RabbitMQ that a test can cut and restore, to lose a broker
//! connection for real without stopping the broker every other test shares (crates.io's
//! `src/tests/util/chaosproxy.rs` does the same for PostgreSQL).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use assetrelay_config::AmqpUrl;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::env::amqp_url;

pub struct ChaosProxy {
    /// Where clients connect: `127.0.0.1:<free port>`.
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut; each proxied connection ends when it changes.
    generation: watch::Sender<u64>,
}

impl ChaosProxy {
    /// A proxy to the broker of [`amqp_url`].
    pub async fn to_broker() -> Self {
        let url: AmqpUrl = amqp_url().parse().expect("AMQP_URL is valid");
        Self::start(format!("{}:{}", url.host(), url.port())).await
    }

    /// A proxy to `upstream` (`host:port`), forwarding until cut.
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0_u64);
        let accept_up = up.clone();
        let accept_generation = generation.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                // While cut, a reconnect attempt is refused at once, as by a dead broker.
                if !accept_up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = accept_generation.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream.as_str()).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self {
            addr,
            up,
            generation,
        }
    }

    /// Drop every proxied connection and refuse new ones until [`ChaosProxy::restore`].
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accept and forward connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// [`amqp_url`] with this proxy as host and port: same credentials and vhost.
    pub fn amqp_url(&self) -> String {
        let mut url = url::Url::parse(&amqp_url()).expect("AMQP_URL is a URL");
        url.set_ip_host(self.addr.ip())
            .expect("an AMQP URL has a host");
        url.set_port(Some(self.addr.port()))
            .expect("an AMQP URL has a port");
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An upstream that echoes what it reads.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream) -> std::io::Result<[u8; 4]> {
        stream.write_all(b"ping").await?;
        let mut reply = [0; 4];
        stream.read_exact(&mut reply).await?;
        Ok(reply)
    }

    #[tokio::test]
    async fn a_cut_ends_open_connections_and_refuses_new_ones_until_restored() {
        let proxy = ChaosProxy::start(echo().await.to_string()).await;
        let mut before = TcpStream::connect(proxy.addr).await.unwrap();
        assert_eq!(&round_trip(&mut before).await.unwrap(), b"ping");

        proxy.cut();

        assert!(round_trip(&mut before).await.is_err(), "still connected");
        let mut during = TcpStream::connect(proxy.addr).await.unwrap();
        assert!(round_trip(&mut during).await.is_err(), "accepted while cut");
        proxy.restore();
        let mut after = TcpStream::connect(proxy.addr).await.unwrap();
        assert_eq!(&round_trip(&mut after).await.unwrap(), b"ping");
    }

    #[tokio::test]
    async fn its_amqp_url_keeps_the_credentials_and_vhost_of_the_broker_url() {
        let proxy = ChaosProxy::start("127.0.0.1:1".into()).await;
        let url = url::Url::parse(&proxy.amqp_url()).unwrap();
        let broker = url::Url::parse(&amqp_url()).unwrap();
        assert_eq!(url.port(), Some(proxy.addr.port()));
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert_eq!(
            (url.username(), url.password(), url.path()),
            (broker.username(), broker.password(), broker.path())
        );
    }
}
