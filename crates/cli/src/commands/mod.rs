//! The operations commands: `replay`, `parked …`, `topology …`, `store …`, `trace`,
//! `sync`, `cursor …`, and `healthcheck` (the container probe, which reads no config). Each parses its flags, calls `assetrelay-ops`, `assetrelay-sources`
//! (or the store), and prints for people (progress on a terminal, quiet in pipes).

pub mod cursor;
pub mod healthcheck;
pub mod parked;
pub mod reconcile;
pub mod replay;
pub mod store;
pub mod sync;
pub mod topology;
pub mod trace;

use assetrelay_config::{Config, ConnectionConfig};

/// Arguments that name nothing the configuration holds: `main` exits 2 with this message
/// (as clap does for flags it cannot parse), so scripts tell a typo from a failure.
#[derive(Debug)]
pub struct BadArguments(pub String);

impl std::fmt::Display for BadArguments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadArguments {}

/// The source a `sync` or `cursor` command works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    /// The PhotoShelter poller (cursor and lease `photoshelter.poll`).
    Photoshelter,
    /// The Smint.io license feed sync (cursor and lease `smintio.sync`).
    Smintio,
}

impl SourceArg {
    /// The name of the source's cursor and lease in the store.
    pub fn cursor_name(self) -> &'static str {
        match self {
            Self::Photoshelter => assetrelay_contract::source::PHOTOSHELTER_POLL,
            Self::Smintio => assetrelay_contract::source::SMINTIO_SYNC,
        }
    }
}

/// Connection `name` of `config`, or [`BadArguments`] naming the configured ones.
pub(crate) fn connection<'a>(
    config: &'a Config,
    name: &str,
) -> anyhow::Result<&'a ConnectionConfig> {
    config.connections.get(name).ok_or_else(|| {
        let known: Vec<&str> = config.connections.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "none is configured".to_owned()
        } else {
            format!("configured: {}", known.join(", "))
        };
        BadArguments(format!("unknown connection `{name}` ({known})")).into()
    })
}

/// The store of `config`, opened without migrating: the operations commands read it or
/// decide themselves whether to migrate (`store migrate`), never as a side effect.
pub(crate) async fn open_store(
    config: &assetrelay_config::Config,
) -> anyhow::Result<assetrelay_store::Store> {
    use anyhow::Context;
    let mut settings = config.store.clone();
    settings.migrate_on_start = false;
    let url = &settings.url;
    assetrelay_store::Store::connect(&settings)
        .await
        .with_context(|| format!("connecting to the store at {url}"))
}
