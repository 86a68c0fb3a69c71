//! `assetrelay-to-smint`: runs the flow until SIGTERM/SIGINT (see the crate docs).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    assetrelay_flows::cli::main_for(assetrelay_flows::Flow::ToSmint).await
}
