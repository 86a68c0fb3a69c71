//! Which RabbitMQ `assetrelay dev` runs against (`--broker`): the configured one if it
//! answers, else a private node of the installed server, else a clear failure at once
//! (rather than flows retrying a missing broker forever).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use assetrelay_config::{AmqpUrl, Config};

use super::BrokerChoice;
use crate::private_broker::PrivateBroker;

/// How long the configured broker has to accept a TCP connection.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

const INSTALL_HINT: &str = "install RabbitMQ (Debian/Ubuntu: sudo apt-get install rabbitmq-server; \
other systems: https://www.rabbitmq.com/docs/download) so dev can start a private node, \
or point broker.url (ASSETRELAY_BROKER__URL) at a running broker";

/// Decide, start a private node if that is the choice, and point `config` at it.
pub async fn choose(
    config: &mut Config,
    choice: BrokerChoice,
    server: Option<&std::path::Path>,
) -> anyhow::Result<Option<PrivateBroker>> {
    let configured = config.broker.url.clone();
    if choice != BrokerChoice::Private && answers(&configured).await {
        tracing::info!(broker = %configured, "0/4 RabbitMQ answers at broker.url");
        return Ok(None);
    }
    if choice == BrokerChoice::Configured {
        bail!("no RabbitMQ answers at {configured} (broker.url; --broker configured)");
    }
    let Some(server) = PrivateBroker::installed(server) else {
        bail!(
            "no RabbitMQ answers at {configured} (broker.url) and rabbitmq-server is not installed: {INSTALL_HINT}"
        );
    };
    let base = nodes_dir(config);
    if choice == BrokerChoice::Auto {
        tracing::info!(broker = %configured, "RabbitMQ does not answer at broker.url; starting a private node");
    }
    let node = PrivateBroker::start(&server, &base)
        .await
        .with_context(|| format!("starting a private RabbitMQ node with {}", server.display()))?;
    config.broker.url = AmqpUrl::parse(&node.url()).context("the private node's URL")?;
    tracing::info!(
        node = node.node(),
        broker = %config.broker.url,
        data = %base.display(),
        "0/4 private RabbitMQ node running (stopped, and its data removed, when dev stops)"
    );
    Ok(Some(node))
}

async fn answers(url: &AmqpUrl) -> bool {
    let connect = tokio::net::TcpStream::connect((url.host(), url.port()));
    matches!(tokio::time::timeout(ANSWER_WAIT, connect).await, Ok(Ok(_)))
}

/// `rabbitmq/` next to the dev store's SQLite file (`data/` with the example config), else
/// under the temporary directory.
fn nodes_dir(config: &Config) -> PathBuf {
    config
        .store
        .url
        .sqlite_path()
        .and_then(|file| file.parent().map(|dir| dir.join("rabbitmq")))
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| std::env::temp_dir().join("assetrelay-dev-rabbitmq"))
}
