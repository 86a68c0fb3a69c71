//! `assetrelay topology apply|check|definitions`: declare the broker topology, compare the
//! live broker with it, policies included (through the management API,
//! `broker.management_url`), or print it as RabbitMQ definitions JSON
//! (`deploy/rabbitmq/definitions.json` is this output for `config/example.toml`).

use anyhow::bail;
use assetrelay_broker::Topology;
use assetrelay_config::Config;
use assetrelay_ops::{definitions, topology_check};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Declare every exchange, queue and binding (idempotent).
    Apply,
    /// Print each difference between the broker and the topology; exit 1 if there is any.
    Check,
    /// Print the topology as RabbitMQ definitions JSON (exchange, queues with their
    /// arguments, bindings, policies) for the vhost of `broker.url`; touches no broker.
    Definitions,
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let topology = Topology::from_config(&config.topology);
    let objects = format!(
        "exchange `{}` and {} queues",
        topology.exchange(),
        topology.queue_names().len()
    );
    match args.command {
        Command::Apply => {
            let broker = super::parked::connect(&config).await?;
            let applied = topology_check::apply(&broker, &topology).await;
            broker.close().await;
            applied?;
            println!("declared topology `{}`: {objects}", topology.prefix);
        }
        Command::Check => {
            let drift = topology_check::check_vhost(
                &topology,
                &config.broker.management_url,
                config.broker.url.vhost(),
            )
            .await?;
            if !drift.is_empty() {
                for difference in &drift {
                    println!("{difference}");
                }
                bail!(
                    "{} difference(s) from topology `{}`. `assetrelay topology apply` declares what is missing; a queue of the wrong type or with other arguments must be deleted first (with its messages); an extra binding must be removed and a policy cleared (or its pattern narrowed) by hand",
                    drift.len(),
                    topology.prefix
                );
            }
            println!(
                "topology matches: {objects}, with their arguments and bindings; no policy applies to them"
            );
        }
        Command::Definitions => {
            let definitions = definitions::generate(&topology, config.broker.url.vhost());
            println!("{}", serde_json::to_string_pretty(&definitions)?);
        }
    }
    Ok(())
}
