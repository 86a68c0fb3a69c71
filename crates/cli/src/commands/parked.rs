//! (being written)

use assetrelay_config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args, _config: Config) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
