//! `assetrelay dev`: the sandbox, the ingress, all three flows and the sources in one
//! process against the local RabbitMQ, with a small seeded demo. For trying assetrelay and
//! for demos.

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use assetrelay_config::{Config, MediaMatch, RegionRule};
use assetrelay_flows::Flow;
use assetrelay_sandbox::SandboxConfig;

mod broker;

use crate::control::SandboxControl;
use crate::seed;
use crate::stack::{
    Part, bind, start_admin, start_flow, start_ingress, start_sandbox, start_sources, use_sandbox,
};

/// Options of `assetrelay dev`.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// Port of the webhook ingress (overrides ingress.listen).
    #[arg(long, default_value_t = 8080)]
    pub ingress_port: u16,
    /// Port of the sandbox (simulated PhotoShelter and Smint.io).
    #[arg(long, default_value_t = 8090)]
    pub sandbox_port: u16,
    /// Port of the admin API and the operator console (overrides admin.listen).
    #[arg(long, default_value_t = 8081)]
    pub admin_port: u16,
    /// First of four ports for /metrics: to-smint, to-photoshelter, lifecycle, sources.
    #[arg(long, default_value_t = 9101)]
    pub metrics_port: u16,
    /// Address every listener binds to.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Start with empty platforms instead of the demo assets.
    #[arg(long)]
    pub no_seed: bool,
    /// The connection the demo uses.
    #[arg(long, default_value = "demo")]
    pub connection: String,
    /// How the platforms' changes are heard: the sandbox's webhooks, the sources
    /// (PhotoShelter polling, Smint.io feed sync with Pusher) as with the real platforms,
    /// or both (they converge: every effect is idempotent).
    #[arg(long, value_enum, default_value_t = Events::Both)]
    pub events: Events,
    /// Seconds between two PhotoShelter polls in the demo (production default: 60).
    #[arg(long, default_value_t = 5)]
    pub poll_interval_secs: u64,
    /// Which RabbitMQ: `auto` uses broker.url if it answers, else starts a private node
    /// from the installed rabbitmq-server (stopped with dev); `configured` only broker.url;
    /// `private` always a private node.
    #[arg(long, value_enum, default_value_t = BrokerChoice::Auto)]
    pub broker: BrokerChoice,
    /// The server script a private node is started with [default: Debian's
    /// /usr/lib/rabbitmq/bin/rabbitmq-server, else rabbitmq-server on the PATH].
    #[arg(long, value_name = "PATH")]
    pub rabbitmq_server: Option<std::path::PathBuf>,
}

/// `--broker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BrokerChoice {
    Auto,
    Configured,
    Private,
}

/// `--events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Events {
    Webhooks,
    Polling,
    Both,
}

impl Events {
    fn webhooks(self) -> bool {
        self != Self::Polling
    }
    fn sources(self) -> bool {
        self != Self::Webhooks
    }
}

pub async fn run(args: DevArgs, config: Config) -> anyhow::Result<()> {
    let mut config = config;
    let private = broker::choose(&mut config, args.broker, args.rabbitmq_server.as_deref()).await?;
    let result = run_stack(args, config).await;
    if let Some(node) = private {
        tracing::info!(node = node.node(), "stopping the private RabbitMQ node");
        node.stop().await;
    }
    result
}

async fn run_stack(args: DevArgs, mut config: Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        config.connections.contains_key(&args.connection),
        "connection `{}` is not in the configuration; `assetrelay dev` needs it (see config/example.toml)",
        args.connection
    );
    let at = |port| SocketAddr::new(args.host, port);
    config.ingress.listen = at(args.ingress_port);
    let ingress_listener = bind(config.ingress.listen, "ingress (--ingress-port)").await?;
    let sandbox_listener = bind(at(args.sandbox_port), "sandbox (--sandbox-port)").await?;
    let ingress_url = format!("http://{}", ingress_listener.local_addr()?);
    let sandbox_url = format!("http://{}", sandbox_listener.local_addr()?);

    fresh_store(&config)?;
    let sandbox_config = SandboxConfig {
        connection: args.connection.clone(),
        webhooks_enabled: args.events.webhooks(),
        ..SandboxConfig::default()
    };
    let sandbox = start_sandbox(sandbox_config, sandbox_listener, &ingress_url);
    tracing::info!("1/4 sandbox (simulated PhotoShelter + Smint.io) on {sandbox_url}");
    use_sandbox(&mut config, None, &sandbox_url)?;
    for connection in config.connections.values_mut() {
        connection.photoshelter.poll.interval_secs = args.poll_interval_secs.max(1);
    }

    let control = SandboxControl::new(&sandbox_url);
    let galleries = seed::galleries(&control).await?;
    apply_demo_rules(&mut config, &args.connection, &galleries);
    tracing::info!(
        approved = %galleries.approved, dach = %galleries.dach, distribution = %galleries.distribution,
        "2/4 PhotoShelter galleries and the `{}` connection's rules are set up", args.connection
    );

    let mut parts: Vec<Part> = vec![sandbox];
    parts.push(start_ingress(&config, ingress_listener)?);
    tracing::info!("3/4 ingress on {ingress_url} (POST /webhooks/{{platform}}/{{connection}})");
    for (i, flow) in Flow::ALL.into_iter().enumerate() {
        let port = args
            .metrics_port
            .saturating_add(u16::try_from(i).unwrap_or(0));
        let listen = at(port);
        let ops = bind(
            listen,
            &format!("{} metrics (--metrics-port)", flow.as_str()),
        )
        .await?;
        parts.push(start_flow(&config, flow, Some(ops)).await?);
        tracing::info!(
            "    flow {} running, metrics on http://{listen}/metrics",
            flow.as_str()
        );
    }
    let mut ready_urls = vec![format!("{ingress_url}/readyz")];
    ready_urls.extend(
        (0..3u16).map(|i| format!("http://{}/readyz", at(args.metrics_port.saturating_add(i)))),
    );
    if args.events.sources() {
        let listen = at(args.metrics_port.saturating_add(3));
        let ops = bind(listen, "sources metrics (--metrics-port + 3)").await?;
        parts.push(start_sources(&config, Some(ops)).await?);
        ready_urls.push(format!("http://{listen}/readyz"));
        tracing::info!(
            "    sources running (PhotoShelter poll every {} s, Smint.io feed sync with Pusher), metrics on http://{listen}/metrics",
            args.poll_interval_secs.max(1)
        );
    }
    if !args.events.webhooks() {
        tracing::info!(
            "    --events polling: the sandbox sends no webhooks, as the real platforms"
        );
    }
    config.admin.listen = at(args.admin_port);
    let admin_listener = bind(config.admin.listen, "admin (--admin-port)").await?;
    let admin_url = format!("http://{}", admin_listener.local_addr()?);
    let token_hint = admin_token(&mut config)?;
    parts.push(start_admin(&config, admin_listener).await?);
    ready_urls.push(format!("{admin_url}/readyz"));
    tracing::info!("    operator console and admin API on {admin_url}/ ({token_hint})");
    wait_ready(&ready_urls).await?;
    tracing::info!(
        "4/4 all running and connected to RabbitMQ; topology prefix `{}`",
        config.topology.prefix
    );

    if args.no_seed {
        tracing::info!(
            "--no-seed: the platforms are empty; drive them with the control API (docs/sandbox.md)"
        );
    } else {
        seed::demo(&control, &galleries).await?;
    }
    tracing::info!(
        "watch it: curl -s {sandbox_url}/_sandbox/smintio/assets | jq . ; curl -s {sandbox_url}/_sandbox/log | jq . ; Ctrl-C stops everything"
    );

    let shutdown = assetrelay_telemetry::shutdown_on_signal();
    let failed = tokio::select! {
        () = shutdown.cancelled() => None,
        name = first_exit(&parts) => Some(name),
    };
    if let Some(name) = &failed {
        tracing::error!("{name} stopped unexpectedly; stopping everything");
    }
    tracing::info!("stopping: flows finish their in-flight messages first");
    let mut result = Ok(());
    // Flows and ingress first, the sandbox last, so in-flight writes still have a target.
    for part in parts.into_iter().rev() {
        let name = part.name.clone();
        if let Err(e) = part.stop().await {
            tracing::error!(part = %name, error = %format!("{e:#}"), "stopped with an error");
            result = Err(e);
        }
    }
    match failed {
        Some(name) => result.and(Err(anyhow::anyhow!("{name} stopped unexpectedly"))),
        None => result,
    }
}

/// Wait until every `/readyz` answers 200 (the broker connections are up), so the demo's
/// first webhooks are not refused.
async fn wait_ready(urls: &[String]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    for url in urls {
        loop {
            let ready = http
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "{url} is not ready after 30 s: is RabbitMQ running at the configured broker.url?"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

async fn first_exit(parts: &[Part]) -> String {
    loop {
        if let Some(part) = parts.iter().find(|p| p.task.is_finished()) {
            return part.name.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// The demo's rules: approved by gallery or by collection, a DACH region rule, one
/// distribution gallery.
fn apply_demo_rules(config: &mut Config, connection: &str, galleries: &seed::Galleries) {
    let Some(c) = config.connections.get_mut(connection) else {
        return;
    };
    let rules = &mut c.rules;
    if rules.approval.is_empty() {
        rules.approval = MediaMatch {
            galleries: vec![galleries.approved.clone()],
            collections: vec![galleries.collection.clone()],
            ..MediaMatch::default()
        };
    }
    if rules.regions.is_empty() {
        rules.regions = vec![RegionRule {
            name: "dach-winter".into(),
            when: MediaMatch {
                galleries: vec![galleries.dach.clone()],
                ..MediaMatch::default()
            },
            regions: vec!["DE".into(), "AT".into(), "CH".into()],
            languages: vec!["de".into()],
            campaigns: vec!["Winter 2026".into()],
        }];
    }
    if rules.distribution.gallery.is_none() {
        rules.distribution.gallery = Some(galleries.distribution.clone());
        // Smint.io flags any license with an end date as potentially restrictive; the
        // demo distributes them and lets lifecycle enforce the end.
        rules.distribution.allow_restrictive = true;
    }
}

/// Load the configuration for `dev`, with a clear message when the file is missing.
pub fn load_config(path: &std::path::Path) -> anyhow::Result<Config> {
    let env = std::env::vars().collect();
    assetrelay_config::load(Some(path), &env).with_context(|| {
        format!(
            "loading {} (run from the repository root or pass --config)",
            path.display()
        )
    })
}

/// The sandbox starts empty on every run, so the store starts empty too: a ledger or a
/// rotated refresh token from an earlier run describes platforms that no longer exist
/// (the flows would skip writes the new sandbox never received, and present a refresh
/// token it never issued). Only a SQLite file is reset; a PostgreSQL store is the
/// operator's and is left alone, with a warning.
/// The console's sign-in token: `[admin] tokens` when configured, else one made for this
/// run and written to `dev-admin-token` beside the store (readable by its owner only; a
/// token is never logged). Returns where to find it.
fn admin_token(config: &mut Config) -> anyhow::Result<String> {
    if !config.admin.tokens.is_empty() {
        return Ok("sign in with one of [admin] tokens".into());
    }
    let dir = config
        .store
        .url
        .sqlite_path()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::PathBuf::from("data"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create {} for the dev admin token", dir.display()))?;
    let file = dir.join("dev-admin-token");
    let token = format!("dev-{}", hex::encode(rand::random::<[u8; 16]>()));
    write_private(&file, &token)
        .with_context(|| format!("cannot write the dev admin token to {}", file.display()))?;
    config.admin.tokens = vec![assetrelay_config::Secret::generated(token)];
    Ok(format!(
        "sign in with the token in {}, made for this run",
        file.display()
    ))
}

#[cfg(unix)]
fn write_private(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(file);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)?;
    out.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(file, text)
}

fn fresh_store(config: &Config) -> anyhow::Result<()> {
    let Some(file) = config.store.url.sqlite_path() else {
        tracing::warn!(store = %config.store.url, "dev runs against a fresh sandbox but keeps this PostgreSQL store: state from earlier runs may refer to assets the sandbox no longer has");
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot reset the dev store {} (store.url)", path.display())
                });
            }
        }
    }
    tracing::info!(store = %config.store.url, "a fresh store for the fresh sandbox (`assetrelay trace` reads it while dev runs and after)");
    Ok(())
}
