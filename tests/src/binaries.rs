//! The real binaries (`assetrelay-ingress`, `assetrelay-to-smint`, …) as processes against
//! a stack's topology and sandbox: for what only a process shows (a crash, a signal, what
//! its own `/metrics` serves).
//!
//! They get the stack's configuration as `ASSETRELAY_*` variables over the example file:
//! the topology, the broker, the demo connection's platform URLs, and its approval
//! galleries and distribution rules (not the region and metadata rules).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assetrelay_contract::Flow;
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;

use crate::Stack;

/// Where cargo put this workspace's binaries, once they are built.
static BUILT: OnceCell<PathBuf> = OnceCell::const_new();

/// The directory of the binaries, (re)building the flow and ingress binaries once per test
/// process so a stale one (older code, older configuration keys) is never the one tested.
/// A no-op under `cargo test --workspace`, which has just built them.
async fn binaries_dir() -> &'static PathBuf {
    BUILT
        .get_or_init(|| async {
            let status = Command::new(env!("CARGO"))
                .args([
                    "build",
                    "-p",
                    "assetrelay-flows",
                    "-p",
                    "assetrelay-ingress",
                    "-p",
                    "assetrelay-cli",
                    "-p",
                    "assetrelay-sources",
                ])
                .args([
                    "--bin",
                    "assetrelay-to-smint",
                    "--bin",
                    "assetrelay-to-photoshelter",
                ])
                .args([
                    "--bin",
                    "assetrelay-lifecycle",
                    "--bin",
                    "assetrelay-ingress",
                    "--bin",
                    "assetrelay",
                    "--bin",
                    "assetrelay-sources",
                ])
                .status()
                .await
                .unwrap();
            assert!(status.success(), "could not build the binaries");
            // target/debug/deps/<this test> → target/debug
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().to_path_buf()
        })
        .await
}

/// A free port on 127.0.0.1 for a binary to listen on. The binaries bind their configured
/// address themselves; another process taking the port in between would fail the start
/// loudly, never silently.
fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A binary started by [`Stack::spawn_flow_binary`] or [`Stack::spawn_ingress_binary`].
pub struct Process {
    pub child: Child,
    /// Where it serves `/metrics`, `/healthz` and `/readyz` (the ingress: its listener).
    pub ops: SocketAddr,
}

impl Process {
    /// SIGKILL: no shutdown, no ack, no goodbye to the broker.
    pub async fn kill_9(&mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM, then wait up to 20 s for the exit; whether it exited 0.
    pub async fn terminate(&mut self) -> bool {
        let pid = self.child.id().unwrap();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the process did not exit within 20 s of SIGTERM")
            .unwrap()
            .success()
    }

    /// SIGHUP: read the configuration file again.
    pub fn hang_up(&self) {
        let pid = self.child.id().unwrap();
        let sent = std::process::Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Its `/metrics`, parsed.
    pub async fn metrics(&self) -> crate::metrics::Scrape {
        crate::metrics::scrape(self.ops).await.unwrap()
    }
}

impl Stack {
    /// Start `assetrelay-<flow>` against this stack; returns once it is ready (connected to
    /// the broker). [`Stack::activity`] watches its in-flight handlers from then on.
    pub async fn spawn_flow_binary(&self, flow: Flow) -> Process {
        self.spawn_flow_binary_with(flow, &crate::example_config())
            .await
    }

    /// [`Stack::spawn_flow_binary`] reading `config` (with the stack's overrides on top).
    pub async fn spawn_flow_binary_with(&self, flow: Flow, config: &Path) -> Process {
        let ops = free_port();
        let key = format!(
            "ASSETRELAY_FLOWS__{}__METRICS_LISTEN",
            flow.as_str().replace('-', "_").to_uppercase()
        );
        let binary = binaries_dir()
            .await
            .join(format!("assetrelay-{}", flow.as_str()));
        let mut command = self.command_with(binary, config);
        command
            .env(key, ops.to_string())
            .env("ASSETRELAY_FLOWS__CONCURRENCY", "4")
            .env("ASSETRELAY_FLOWS__PREFETCH", "8");
        let process = self.ready(command, ops).await;
        self.watch_binary(ops);
        process
    }

    /// Start `assetrelay-ingress` against this stack on a port of its own; returns once it
    /// is ready. Its URL is `http://<ops>`.
    pub async fn spawn_ingress_binary(&self) -> Process {
        self.spawn_ingress_binary_with(&crate::example_config())
            .await
    }

    /// [`Stack::spawn_ingress_binary`] reading `config` (with the stack's overrides on top).
    pub async fn spawn_ingress_binary_with(&self, config: &Path) -> Process {
        let listen = free_port();
        let binary = binaries_dir().await.join("assetrelay-ingress");
        let mut command = self.command_with(binary, config);
        command.env("ASSETRELAY_INGRESS__LISTEN", listen.to_string());
        self.ready(command, listen).await
    }

    /// Start `assetrelay-sources` against this stack (poll every second, reconcile every
    /// 2 s, the Smint.io sync with the sandbox's Pusher app); returns once it is ready.
    pub async fn spawn_sources_binary(&self) -> Process {
        let ops = free_port();
        let p = "ASSETRELAY_CONNECTIONS__DEMO__";
        let mut command = self.command(binaries_dir().await.join("assetrelay-sources"));
        command
            .env("ASSETRELAY_SOURCES__METRICS_LISTEN", ops.to_string())
            .env(format!("{p}PHOTOSHELTER__POLL__INTERVAL_SECS"), "1")
            .env(format!("{p}PHOTOSHELTER__RECONCILE__INTERVAL_SECS"), "2")
            .env(format!("{p}SMINTIO__SYNC__INTERVAL_SECS"), "5");
        if let Some(pusher) = &self.config.connections["demo"].smintio.sync.pusher {
            command.env(
                format!("{p}SMINTIO__SYNC__PUSHER__CHANNEL_ID"),
                pusher.channel_id.to_string(),
            );
            if let Some(url) = &pusher.url {
                command.env(format!("{p}SMINTIO__SYNC__PUSHER__URL"), url.as_str());
            }
        }
        self.ready(command, ops).await
    }

    async fn ready(&self, mut command: Command, ops: SocketAddr) -> Process {
        let child = command.spawn().unwrap();
        let process = Process { child, ops };
        let http = reqwest::Client::new();
        self.wait_for(
            &format!("the process on {ops} ready"),
            Duration::from_secs(30),
            || async {
                let answer = http.get(format!("http://{ops}/readyz")).send().await.ok()?;
                answer.status().is_success().then_some(())
            },
        )
        .await;
        process
    }

    /// Run the `assetrelay` CLI with `args` against this stack (its store, its topology);
    /// returns whether it exited 0, and what it printed on stdout.
    pub async fn run_cli(&self, args: &[&str]) -> (bool, String) {
        let mut command = self.command(binaries_dir().await.join("assetrelay"));
        let output = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !stderr.trim().is_empty() {
            eprintln!("assetrelay {args:?}: {stderr}");
        }
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    /// A command for `binary` with this stack's configuration.
    fn command(&self, binary: PathBuf) -> Command {
        self.command_with(binary, &crate::example_config())
    }

    /// [`Self::command`] over the configuration file `config`.
    fn command_with(&self, binary: PathBuf, config: &Path) -> Command {
        let demo = &self.config.connections["demo"];
        let ps = demo.photoshelter.api.as_ref().unwrap();
        let smint = demo.smintio.api.as_ref().unwrap();
        let adapter = smint.adapter.as_ref().unwrap();
        let rules = &demo.rules;
        let tiers = |t: &[u64]| format!("{t:?}");
        let p = "ASSETRELAY_CONNECTIONS__DEMO__";
        let mut command = Command::new(binary);
        command
            .arg("--config")
            .arg(config)
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.topology.prefix)
            .env(
                "ASSETRELAY_TOPOLOGY__RETRY_TIERS_SECS",
                tiers(&self.topology.retry_tiers_secs),
            )
            .env(
                "ASSETRELAY_TOPOLOGY__SCHEDULER_TIERS_SECS",
                tiers(&self.topology.scheduler_tiers_secs),
            )
            .env(
                "ASSETRELAY_TOPOLOGY__ARCHIVE_MAX_AGE",
                &self.topology.archive_max_age,
            )
            .env("ASSETRELAY_BROKER__URL", crate::amqp_url())
            // The stack's store: the binaries share cursors, tokens, ledger and history
            // with the in-process parts and the test.
            .env("ASSETRELAY_STORE__URL", self.config.store.url.expose())
            .env(
                "ASSETRELAY_FLOWS__MAX_RETRIES",
                self.config.flows.max_retries.to_string(),
            )
            .env(
                "ASSETRELAY_FLOWS__ASSET_LEASE_SECS",
                self.config.flows.asset_lease_secs.to_string(),
            )
            .env(
                format!("{p}PHOTOSHELTER__API__BASE_URL"),
                ps.base_url.as_str(),
            )
            .env(
                format!("{p}SMINTIO__API__IDENTITY_URL"),
                smint.identity_url.as_str(),
            )
            .env(
                format!("{p}SMINTIO__API__CLAPI_URL"),
                smint.clapi_url.as_str(),
            )
            .env(
                format!("{p}SMINTIO__API__ADAPTER__WEBHOOK_URL"),
                adapter.webhook_url.as_str(),
            )
            .env(
                format!("{p}RULES__APPROVAL__GALLERIES"),
                format!("{:?}", rules.approval.galleries),
            )
            .env(
                format!("{p}RULES__DISTRIBUTION__ALLOW_RESTRICTIVE"),
                rules.distribution.allow_restrictive.to_string(),
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true);
        if let Some(gallery) = &rules.distribution.gallery {
            command.env(format!("{p}RULES__DISTRIBUTION__GALLERY"), gallery);
        }
        command
    }
}
