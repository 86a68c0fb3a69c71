//! `assetrelay parked list|show|replay|purge --flow F`: a flow's dead letters.

use std::time::Duration;

use anyhow::{Context, bail};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_contract::Flow;
use assetrelay_ops::parked::{self, ParkedFilter, ParkedMessage};

/// How long a command waits for the broker connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Counts by reason, then the oldest parked messages. Removes nothing.
    List {
        #[arg(long)]
        flow: Flow,
        /// How many messages to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One parked message: its headers and body. Removes nothing.
    Show {
        #[arg(long)]
        flow: Flow,
        event_id: String,
    },
    /// Republish the selected messages into the flow's work queue, then remove them from parked.
    Replay {
        #[arg(long)]
        flow: Flow,
        #[command(flatten)]
        select: Selection,
    },
    /// Drop the selected messages for good.
    Purge {
        #[arg(long)]
        flow: Flow,
        #[command(flatten)]
        select: Selection,
        /// Really purge; without it, only says what would be purged.
        #[arg(long)]
        yes: bool,
    },
}

/// Which messages: by reason and/or event ids; `--all` when neither is given.
#[derive(Debug, clap::Args)]
struct Selection {
    /// Only messages parked for this reason (`x-error` class, or `delivery_limit`).
    #[arg(long)]
    reason: Option<String>,
    /// Only these events (repeatable).
    #[arg(long = "event-id")]
    event_ids: Vec<String>,
    /// Every parked message of the flow (required when no other selection is given).
    #[arg(long)]
    all: bool,
}

impl Selection {
    fn filter(self) -> ParkedFilter {
        ParkedFilter {
            reason: self.reason,
            event_ids: self.event_ids,
            all: self.all,
        }
    }
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let topology = Topology::from_config(&config.topology);
    let broker = connect(&config).await?;
    let result = execute(args.command, &broker, &topology, &config).await;
    broker.close().await;
    result
}

/// A broker connection for one command; no topology is declared.
pub(crate) async fn connect(config: &Config) -> anyhow::Result<Broker> {
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-cli"),
        None,
    );
    if !broker.wait_ready(CONNECT_TIMEOUT).await {
        broker.close().await;
        bail!(
            "cannot reach the broker (broker.url) within {} s",
            CONNECT_TIMEOUT.as_secs()
        );
    }
    Ok(broker)
}

async fn execute(
    command: Command,
    broker: &Broker,
    topology: &Topology,
    config: &Config,
) -> anyhow::Result<()> {
    match command {
        Command::List { flow, limit } => {
            let list = parked::list(broker, topology, flow, limit).await?;
            println!(
                "{}: {} parked message(s) in `{}`",
                flow.as_str(),
                list.total,
                topology.parked_queue(flow)
            );
            if list.total == 0 {
                return Ok(());
            }
            let mut reasons: Vec<_> = list.by_reason.iter().collect();
            reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            println!();
            print!(
                "{}",
                table(
                    &["REASON", "COUNT"],
                    reasons
                        .into_iter()
                        .map(|(r, n)| vec![r.clone(), n.to_string()])
                        .collect(),
                )
            );
            println!(
                "\noldest first ({} of {}):",
                list.oldest_first.len(),
                list.total
            );
            print!(
                "{}",
                table(
                    &["PARKED AT", "EVENT ID", "SUBJECT", "ATTEMPTS", "REASON"],
                    list.oldest_first.iter().map(row).collect(),
                )
            );
            Ok(())
        }
        Command::Show { flow, event_id } => {
            let Some(message) = parked::show(broker, topology, flow, &event_id).await? else {
                bail!(
                    "no parked message with event id `{event_id}` in `{}`",
                    topology.parked_queue(flow)
                );
            };
            print!("{}", details(&message));
            Ok(())
        }
        Command::Replay { flow, select } => {
            let filter = select.filter();
            filter.validate()?;
            let publisher = Publisher::new(
                broker.clone(),
                config.broker.publisher_channels,
                Duration::from_millis(config.broker.confirm_timeout_ms),
            );
            let outcome = parked::replay(broker, &publisher, topology, flow, &filter)
                .await
                .context("parked replay incomplete: every message not replayed is still parked; run it again")?;
            println!(
                "matched {}, replayed {} to `{}`, kept {} in `{}`",
                outcome.matched,
                outcome.moved,
                topology.work_queue(flow),
                outcome.kept,
                topology.parked_queue(flow)
            );
            Ok(())
        }
        Command::Purge { flow, select, yes } => {
            let filter = select.filter();
            filter.validate()?;
            if !yes {
                let all = parked::list(broker, topology, flow, usize::MAX).await?;
                let matching = all
                    .oldest_first
                    .iter()
                    .filter(|m| filter.matches(m))
                    .count();
                bail!(
                    "would purge {matching} of {} parked message(s) in `{}` ({}); add --yes to purge them",
                    all.total,
                    topology.parked_queue(flow),
                    describe(&filter)
                );
            }
            let outcome = parked::purge(broker, topology, flow, &filter).await?;
            println!(
                "matched {}, purged {}, kept {} in `{}`",
                outcome.matched,
                outcome.moved,
                outcome.kept,
                topology.parked_queue(flow)
            );
            Ok(())
        }
    }
}

fn describe(filter: &ParkedFilter) -> String {
    let mut parts = Vec::new();
    if let Some(reason) = &filter.reason {
        parts.push(format!("reason {reason}"));
    }
    if !filter.event_ids.is_empty() {
        parts.push(format!("event ids {}", filter.event_ids.join(", ")));
    }
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(" and ")
    }
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

fn row(message: &ParkedMessage) -> Vec<String> {
    vec![
        or_dash(message.parked_at.as_deref()),
        or_dash(message.event_id.as_deref()),
        or_dash(message.subject.as_deref()),
        message
            .attempts
            .map_or_else(|| "-".into(), |a| a.to_string()),
        or_dash(message.reason.as_deref()),
    ]
}

fn details(message: &ParkedMessage) -> String {
    let reason = match (&message.reason, &message.status) {
        (Some(reason), Some(status)) => format!("{reason} (HTTP {status})"),
        (reason, _) => or_dash(reason.as_deref()),
    };
    let fields = [
        ("event id", or_dash(message.event_id.as_deref())),
        ("reason", reason),
        ("detail", or_dash(message.detail.as_deref())),
        ("type", or_dash(message.event_type.as_deref())),
        ("subject", or_dash(message.subject.as_deref())),
        ("connection", or_dash(message.connection.as_deref())),
        (
            "attempts",
            message
                .attempts
                .map_or_else(|| "-".into(), |a| a.to_string()),
        ),
        ("first seen", or_dash(message.first_seen.as_deref())),
        ("parked at", or_dash(message.parked_at.as_deref())),
    ];
    let mut out = String::new();
    for (name, value) in fields {
        out.push_str(&format!("{name:<11} {value}\n"));
    }
    out.push_str("\nheaders:\n");
    for (name, value) in &message.headers {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    let body =
        serde_json::to_string_pretty(&message.body).unwrap_or_else(|_| message.body.to_string());
    out.push_str(&format!("\nbody:\n{body}\n"));
    out
}

/// Left-aligned columns, two spaces apart, no borders (readable in a terminal and in a pipe).
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    let mut out: String = table
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_every_column_to_its_widest_cell() {
        let out = table(
            &["A", "LONG HEADER"],
            vec![vec!["wide cell".into(), "x".into()]],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        let column = |line: &str, word: &str| line.find(word).unwrap();
        assert_eq!(column(lines[0], "LONG"), column(lines[1], "x"), "{out}");
        assert!(
            lines[0].trim_start().starts_with('A') && lines[1].trim_start().starts_with("wide")
        );
    }
}
