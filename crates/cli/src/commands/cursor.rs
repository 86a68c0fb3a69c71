//! `assetrelay cursor show|reset --connection C --source photoshelter|smintio`: the stored
//! position of a source (what `assetrelay-sources` continues from), and forgetting it.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use assetrelay_config::Config;
use assetrelay_sources::backfill;
use assetrelay_sources::photoshelter::Watermark;
use assetrelay_store::{Store, StoredCursor};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::SourceArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Which {
    /// The configured connection.
    #[arg(long)]
    connection: String,
    /// The source whose position it is.
    #[arg(long, value_enum)]
    source: SourceArg,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the stored position and when it was stored.
    Show(Which),
    /// Delete the stored position (after a y/N prompt unless --yes), so the source starts
    /// over: Smint.io from the feed's beginning, PhotoShelter from now minus the overlap.
    /// Takes the source's lease for the delete: stop assetrelay-sources first.
    Reset {
        #[command(flatten)]
        which: Which,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let which = match &args.command {
        Command::Show(which) | Command::Reset { which, .. } => which,
    };
    super::connection(&config, &which.connection)?;
    let store = super::open_store(&config).await?;
    let result = match &args.command {
        Command::Show(which) => show(&store, which).await,
        Command::Reset { which, yes } => reset(&store, which, *yes).await,
    };
    store.close().await;
    result
}

async fn show(store: &Store, which: &Which) -> anyhow::Result<()> {
    let source = which.source.cursor_name();
    let entry = store
        .cursor_entry(&which.connection, source)
        .await
        .context("reading the stored position (are the store's migrations applied? `assetrelay store status`)")?;
    let Some(entry) = entry else {
        let starts = starts_without_position(which.source);
        if which.json {
            let value = json!({"connection": which.connection, "source": source, "stored": false, "starts": starts});
            println!("{}", serde_json::to_string_pretty(&value)?);
        } else {
            println!(
                "{source} of {}: no position stored (the source starts from {starts})",
                which.connection
            );
        }
        return Ok(());
    };
    let stored_at = time_of(entry.updated_at_ms);
    match which.source {
        SourceArg::Smintio => print_continuation(which, source, &entry, &stored_at)?,
        SourceArg::Photoshelter => print_watermark(which, source, &entry, &stored_at)?,
    }
    Ok(())
}

fn print_continuation(
    which: &Which,
    source: &str,
    entry: &StoredCursor,
    stored_at: &str,
) -> anyhow::Result<()> {
    if which.json {
        let value = json!({"connection": which.connection, "source": source, "stored": true,
            "continuation": entry.value, "stored_at": stored_at});
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{source} of {}", which.connection);
        println!("continuation  {}", entry.value);
        println!("stored at     {stored_at}");
    }
    Ok(())
}

fn print_watermark(
    which: &Which,
    source: &str,
    entry: &StoredCursor,
    stored_at: &str,
) -> anyhow::Result<()> {
    // Shown even when unreadable: that is when an operator looks, and what reset is for.
    let watermark = Watermark::parse(&entry.value).ok();
    if which.json {
        let value = json!({"connection": which.connection, "source": source, "stored": true,
            "watermark": watermark.as_ref().map(|w| w.at.to_rfc3339_opts(SecondsFormat::Micros, true)),
            "remembered_changes": watermark.as_ref().map(|w| w.seen.len()),
            "readable": watermark.is_some(), "stored_at": stored_at});
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!("{source} of {}", which.connection);
    match watermark {
        Some(w) => {
            println!(
                "watermark     {}",
                w.at.to_rfc3339_opts(SecondsFormat::Micros, true)
            );
            println!(
                "remembers     {} change(s) published within the overlap",
                w.seen.len()
            );
        }
        None => println!(
            "watermark     UNREADABLE (not written by this poller): {}",
            entry.value
        ),
    }
    println!("stored at     {stored_at}");
    Ok(())
}

async fn reset(store: &Store, which: &Which, yes: bool) -> anyhow::Result<()> {
    let source = which.source.cursor_name();
    let connection = &which.connection;
    if !yes
        && !confirmed(&format!(
            "delete the stored position of {source} on {connection}?"
        ))?
    {
        println!("nothing deleted");
        return Ok(());
    }
    // A running source would store its position again right after the delete.
    let holder = backfill::holder_name();
    let lease = backfill::take_lease(store, connection, source, &holder)
        .await
        .with_context(|| format!("resetting {source} of {connection}"))?;
    let deleted = store.delete_cursor(connection, source).await;
    lease.release().await;
    let deleted = deleted.context("deleting the stored position")?;
    let next = next_run(which.source);
    if which.json {
        let value = json!({"connection": connection, "source": source, "deleted": deleted, "next_run": next});
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else if deleted {
        println!("{source} of {connection}: position deleted; {next}");
    } else {
        println!("{source} of {connection}: no position was stored; {next}");
    }
    Ok(())
}

/// Ask on the terminal; anything but y/yes (and no terminal at all) is a no.
fn confirmed(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question} needs an answer: run on a terminal or pass --yes");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn starts_without_position(source: SourceArg) -> &'static str {
    match source {
        SourceArg::Smintio => "the beginning of the license feed",
        SourceArg::Photoshelter => {
            "now minus the overlap at its first poll; older media are `assetrelay sync`'s"
        }
    }
}

fn next_run(source: SourceArg) -> &'static str {
    match source {
        SourceArg::Smintio => {
            "the next sync reads the license feed from the beginning (republishing every license under the same ids)"
        }
        SourceArg::Photoshelter => {
            "the next poll starts from now minus the overlap; run `assetrelay sync --source photoshelter --full` to catch up history"
        }
    }
}

fn time_of(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::Millis, true),
    )
}
