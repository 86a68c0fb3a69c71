//! The whole system in one process: sandbox, ingress, flows and sources, against the
//! configured RabbitMQ. `assetrelay dev` runs it for people; the end-to-end tests run it with a
//! private topology prefix.

use std::net::SocketAddr;

use anyhow::Context;
use assetrelay_config::Config;
use assetrelay_flows::{Flow, FlowService};
use assetrelay_ingress::Ingress;
use assetrelay_sandbox::SandboxConfig;
use assetrelay_sources::Sources;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running part of the stack.
pub struct Part {
    pub name: String,
    pub token: CancellationToken,
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl Part {
    /// Ask it to stop and wait until it did.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.token.cancel();
        self.task
            .await
            .with_context(|| format!("{} panicked", self.name))?
    }
}

/// Start the sandbox on `listener`, sending its webhooks to `ingress_url`.
pub fn start_sandbox(mut config: SandboxConfig, listener: TcpListener, ingress_url: &str) -> Part {
    config.ingress_url = Some(ingress_url.to_owned());
    let token = CancellationToken::new();
    let shutdown = token.clone();
    let task = tokio::spawn(async move {
        assetrelay_sandbox::serve(config, listener, shutdown)
            .await
            .context("sandbox stopped with an error")
    });
    Part {
        name: "sandbox".into(),
        token,
        task,
    }
}

/// Point the platform APIs of every connection (or only `only`) at the sandbox at `sandbox_url`.
pub fn use_sandbox(
    config: &mut Config,
    only: Option<&str>,
    sandbox_url: &str,
) -> anyhow::Result<()> {
    let base = url::Url::parse(sandbox_url).context("sandbox URL")?;
    for (name, connection) in &mut config.connections {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        if let Some(api) = connection.photoshelter.api.as_mut() {
            api.base_url = base.clone();
        }
        if let Some(api) = connection.smintio.api.as_mut() {
            api.identity_url = base.clone();
            api.clapi_url = base.join("consumer/v1")?;
            if let Some(adapter) = api.adapter.as_mut() {
                adapter.webhook_url = base.join("portals/data-adapter/webhook")?;
            }
            // The sandbox's Pusher app (its default channel id, unless one is configured).
            let mut ws = base.clone();
            ws.set_scheme(if base.scheme() == "https" {
                "wss"
            } else {
                "ws"
            })
            .map_err(|()| anyhow::anyhow!("sandbox URL {base} cannot become a WebSocket URL"))?;
            let pusher = connection.smintio.sync.pusher.get_or_insert_with(|| {
                assetrelay_config::SmintioPusher::for_channel(SANDBOX_PUSHER_CHANNEL)
            });
            pusher.url = Some(ws);
        }
    }
    Ok(())
}

/// The sandbox's Pusher channel id (its default).
const SANDBOX_PUSHER_CHANNEL: i64 = 1;

/// Start the sources (pollers, Smint.io syncs), with their operations listener if given.
pub async fn start_sources(config: &Config, ops: Option<TcpListener>) -> anyhow::Result<Part> {
    let sources = Sources::build(config).await.context("sources")?;
    let token = CancellationToken::new();
    let shutdown = token.clone();
    let task = tokio::spawn(async move {
        sources.run(ops, shutdown).await;
        Ok(())
    });
    Ok(Part {
        name: "sources".into(),
        token,
        task,
    })
}

/// Start the admin API and the operator console on `listener`.
pub async fn start_admin(config: &Config, listener: TcpListener) -> anyhow::Result<Part> {
    let admin = assetrelay_admin::Admin::build(config)
        .await
        .context("admin")?;
    let token = CancellationToken::new();
    let shutdown = token.clone();
    let task = tokio::spawn(async move {
        admin
            .run(listener, shutdown)
            .await
            .context("admin stopped with an error")
    });
    Ok(Part {
        name: "admin".into(),
        token,
        task,
    })
}

/// Start the ingress on `listener`.
pub fn start_ingress(config: &Config, listener: TcpListener) -> anyhow::Result<Part> {
    let ingress = Ingress::build(config).context("ingress")?;
    let token = CancellationToken::new();
    let shutdown = token.clone();
    let task = tokio::spawn(async move {
        ingress
            .run(listener, shutdown)
            .await
            .context("ingress stopped with an error")
    });
    Ok(Part {
        name: "ingress".into(),
        token,
        task,
    })
}

/// Start one replica of `flow`, with its operations listener if given.
pub async fn start_flow(
    config: &Config,
    flow: Flow,
    ops: Option<TcpListener>,
) -> anyhow::Result<Part> {
    let service = FlowService::build(flow, config).await?;
    let token = CancellationToken::new();
    let shutdown = token.clone();
    let task = tokio::spawn(async move { service.run(ops, shutdown).await });
    Ok(Part {
        name: flow.as_str().to_owned(),
        token,
        task,
    })
}

/// Bind `addr`, saying which setting to change when it is taken.
pub async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for the {what} (is another assetrelay running? choose another port)"))
}
