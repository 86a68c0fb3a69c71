//! The operations commands: `replay`, `parked …`, `topology …`, `store …`, `trace`. Each
//! parses its flags, calls `assetrelay-ops` (or the store), and prints for people
//! (progress on a terminal, quiet in pipes).

pub mod parked;
pub mod replay;
pub mod store;
pub mod topology;
pub mod trace;

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
