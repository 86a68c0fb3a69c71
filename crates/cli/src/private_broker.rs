//! A private RabbitMQ node for `assetrelay dev` when the configured broker does not
//! answer: its own node name, data directory and free ports, started from the installed
//! `rabbitmq-server` and stopped with `assetrelay dev`. Nothing of the machine's own
//! RabbitMQ (its node, its data, its ports) is touched.
//!
//! A node left behind by a `dev` that was killed (kill -9, a closed terminal) is found by
//! its directory on the next run and stopped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// How long a node may take to accept AMQP connections (3–5 s here; a cold, busy machine
/// takes longer).
const START_WAIT: Duration = Duration::from_secs(60);
const STOP_WAIT: Duration = Duration::from_secs(20);
/// Where `installed` looks, for messages.
pub const LOOKED_AT: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server, rabbitmq-server on the PATH";
/// Where Debian and Ubuntu install the server script that runs as the calling user (the
/// `/usr/sbin` wrapper insists on root or `rabbitmq`).
const DEBIAN_SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

pub struct PrivateBroker {
    child: Child,
    node: String,
    dir: PathBuf,
    port: u16,
}

impl PrivateBroker {
    /// The installed server script, if any: `explicit` (`dev --rabbitmq-server`) if it
    /// is a file, else Debian's `/usr/lib/rabbitmq/bin/rabbitmq-server`, or
    /// `rabbitmq-server` on the PATH.
    pub fn installed(explicit: Option<&Path>) -> Option<PathBuf> {
        if let Some(path) = explicit {
            return path.is_file().then(|| path.to_owned());
        }
        if Path::new(DEBIAN_SERVER).is_file() {
            return Some(PathBuf::from(DEBIAN_SERVER));
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("rabbitmq-server"))
                .find(|candidate| candidate.is_file())
        })
    }

    /// Start a node under `base` (one directory per node) and wait until it accepts
    /// connections.
    pub async fn start(server: &Path, base: &Path) -> anyhow::Result<Self> {
        // Absolute: the node runs in its own directory and reads these paths from there.
        let base = &std::path::absolute(base)
            .with_context(|| format!("cannot resolve {}", base.display()))?;
        stop_abandoned(base).await;
        let node = format!("assetrelay-dev-{}", std::process::id());
        let dir = base.join(&node);
        // A directory of this name is one of ours from a process with our pid: stale.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(dir.join("enabled_plugins"), "[].\n")?;
        let (port, dist_port) = (free_port().await?, free_port().await?);
        let log = std::fs::File::create(dir.join("server.log"))?;
        let mut command = Command::new(server);
        command
            .env("RABBITMQ_NODENAME", format!("{node}@localhost"))
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_PID_FILE", dir.join("pid"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_PLUGINS_EXPAND_DIR", dir.join("plugins-expand"))
            // No config file: the defaults; named so the machine's own is not read.
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", dir.join("advanced.config"))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: Ctrl-C reaches `dev`, which stops the flows first
            // and the broker last, not the broker at once.
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("cannot run {}", server.display()))?;
        let mut broker = Self {
            child,
            node,
            dir,
            port,
        };
        broker.wait_started().await?;
        Ok(broker)
    }

    async fn wait_started(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_WAIT;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the private RabbitMQ node exited ({status}) before it accepted connections; its log:\n{}",
                    self.log_tail()
                );
            }
            if Instant::now() > deadline {
                self.terminate().await;
                bail!(
                    "the private RabbitMQ node did not accept connections within {} s; its log:\n{}",
                    START_WAIT.as_secs(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `amqp://guest:guest@127.0.0.1:<port>/%2f` (guest may connect from localhost only,
    /// which is where the node listens).
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Stop the node (SIGTERM: the server script stops RabbitMQ properly) and remove its
    /// directory: the next `dev` starts with a fresh sandbox and a fresh store, so the
    /// queues of this run mean nothing to it.
    pub async fn stop(mut self) {
        self.terminate().await;
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "could not remove the private RabbitMQ node's directory");
        }
    }

    async fn terminate(&mut self) {
        if let Some(pid) = self.child.id() {
            signal_term(pid);
        }
        if tokio::time::timeout(STOP_WAIT, self.child.wait())
            .await
            .is_err()
        {
            tracing::warn!(node = %self.node, "the private RabbitMQ node did not stop within {} s; killing it", STOP_WAIT.as_secs());
            let _ = self.child.kill().await;
            if let Some(pid) = read_pid(&self.dir) {
                signal_kill(pid);
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Stop the nodes of `dev` processes that no longer run (their directories name their pid)
/// and remove their directories.
async fn stop_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name
            .strip_prefix("assetrelay-dev-")
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if owner == std::process::id() || process_runs(owner) {
            continue;
        }
        let dir = entry.path();
        if let Some(pid) = read_pid(&dir).filter(|pid| process_runs(*pid)) {
            tracing::info!(node = %name, pid, "stopping the private RabbitMQ node of an earlier dev that did not stop it");
            signal_term(pid);
            let deadline = Instant::now() + STOP_WAIT;
            while process_runs(pid) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            if process_runs(pid) {
                signal_kill(pid);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The Erlang VM's pid, which the server writes once it runs.
fn read_pid(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join("pid"))
        .ok()
        .and_then(|text| text.trim().parse().ok())
}

fn process_runs(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        || std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

// `kill` rather than a signal crate: the workspace forbids unsafe code.
fn signal_term(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

fn signal_kill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

async fn free_port() -> anyhow::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}
