//! `assetrelay replay`: republish archived events (a time window, filtered) into one flow's
//! work queue. A progress bar on a terminal (stderr), nothing in pipes; a summary on stdout;
//! a non-zero exit when any copy was not confirmed.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_contract::Flow;
use assetrelay_ops::replay::{self, ReplayMatch, ReplayProgress, ReplayRequest, ReplaySummary};
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

const CONNECT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start of the window (archive time): RFC 3339 (2026-11-29T10:00:00Z) or a duration
    /// ago (90s, 15m, 2h, 3d).
    #[arg(long, value_name = "TIME")]
    since: String,
    /// End of the window, inclusive, in the same forms; default: when the replay starts.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Event type or glob (`asset.*`); repeat for several.
    #[arg(long = "type", value_name = "GLOB")]
    types: Vec<String>,
    /// Only events about this subject (platform asset id).
    #[arg(long)]
    subject: Option<String>,
    /// Only events of this connection.
    #[arg(long)]
    connection: Option<String>,
    /// Only events from this platform (`photoshelter`, `smintio`).
    #[arg(long)]
    platform: Option<String>,
    /// Only these event ids; repeat for several.
    #[arg(long = "event-id", value_name = "ID")]
    event_ids: Vec<String>,
    /// The flow whose work queue receives the events: to-smint, to-photoshelter, lifecycle.
    #[arg(long)]
    flow: Flow,
    /// Read and filter only: print counts by type and connection and the first matches.
    #[arg(long)]
    dry_run: bool,
    /// At most N publishes per second.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate: Option<u32>,
    /// How many of the first matches to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    sample: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let request = request(&args)?;
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-replay"),
        None,
    );
    if !broker.wait_ready(CONNECT_WAIT).await {
        broker.close().await;
        anyhow::bail!(
            "cannot reach the broker (broker.url) within {} s",
            CONNECT_WAIT.as_secs()
        );
    }
    let publisher = Publisher::new(
        broker.clone(),
        config.broker.publisher_channels,
        Duration::from_millis(config.broker.confirm_timeout_ms),
    );
    let topology = Topology::from_config(&config.topology);
    let bar = Bar::new(request.dry_run);
    let outcome = replay::replay(&broker, &publisher, &topology, &request, &|p| bar.draw(p)).await;
    bar.finish();
    broker.close().await;
    let summary = outcome.context("replay failed")?;

    let text = if args.json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        render(&summary, &topology.work_queue(request.flow), request.flow)
    };
    std::io::stdout().write_all(text.as_bytes())?;
    if summary.unconfirmed > 0 {
        anyhow::bail!(
            "{} of {} replayed message(s) were not confirmed by the broker; run the same replay again (flows are idempotent)",
            summary.unconfirmed,
            summary.matched
        );
    }
    Ok(())
}

fn request(args: &Args) -> anyhow::Result<ReplayRequest> {
    let now = chrono::Utc::now();
    let since = replay::parse_time(&args.since, now).context("--since")?;
    let until = match &args.until {
        Some(text) => Some(replay::parse_time(text, now).context("--until")?),
        None => None,
    };
    Ok(ReplayRequest {
        since,
        until,
        types: args.types.clone(),
        subject: args.subject.clone(),
        connection: args.connection.clone(),
        platform: args.platform.clone(),
        event_ids: args.event_ids.clone(),
        flow: args.flow,
        dry_run: args.dry_run,
        rate: args.rate,
        sample: args.sample,
    })
}

/// The summary for people.
fn render(summary: &ReplaySummary, queue: &str, flow: Flow) -> String {
    let mut out = String::new();
    let secs = summary.elapsed_ms as f64 / 1000.0;
    if summary.dry_run {
        let _ = writeln!(
            out,
            "dry run {} (flow {}): nothing published",
            summary.replay_id,
            flow.as_str()
        );
    } else {
        let _ = writeln!(
            out,
            "replay {} into {queue} (flow {})",
            summary.replay_id,
            flow.as_str()
        );
    }
    let _ = writeln!(out, "read         {:>12}", grouped(summary.read));
    let _ = writeln!(out, "matched      {:>12}", grouped(summary.matched));
    if !summary.dry_run {
        let _ = writeln!(out, "published    {:>12}", grouped(summary.published));
        if summary.unconfirmed > 0 {
            let _ = writeln!(out, "unconfirmed  {:>12}", grouped(summary.unconfirmed));
        }
    }
    let done = if summary.dry_run {
        summary.read
    } else {
        summary.published
    };
    let _ = writeln!(
        out,
        "elapsed      {secs:>10.2} s  ({}/s)",
        grouped(per_second(done, secs))
    );
    if summary.dry_run {
        counts(&mut out, "by type", &summary.by_type);
        counts(&mut out, "by connection", &summary.by_connection);
        matches(&mut out, &summary.first_matches);
    }
    out
}

/// The first matches as a table with padded columns.
fn matches(out: &mut String, matches: &[ReplayMatch]) {
    if matches.is_empty() {
        return;
    }
    let rows: Vec<[&str; 5]> = matches
        .iter()
        .map(|m| {
            let subject = m.subject.as_deref().unwrap_or("-");
            [
                m.event_id.as_str(),
                m.event_type.as_str(),
                subject,
                m.connection.as_str(),
                m.time.as_str(),
            ]
        })
        .collect();
    let mut widths = [0; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let _ = writeln!(out, "first matches:");
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(line, "  {cell:<width$}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn counts(out: &mut String, title: &str, counts: &std::collections::BTreeMap<String, u64>) {
    if counts.is_empty() {
        return;
    }
    let width = counts.keys().map(String::len).max().unwrap_or(0);
    let _ = writeln!(out, "{title}:");
    for (key, n) in counts {
        let _ = writeln!(out, "  {key:<width$}  {:>8}", grouped(*n));
    }
}

/// A progress bar on stderr (indicatif hides it when stderr is not a terminal): how far
/// through the archive window, with counts, rate and ETA.
struct Bar {
    bar: ProgressBar,
    dry_run: bool,
}

/// The bar measures the window in thousandths.
const BAR_STEPS: u64 = 1_000;

impl Bar {
    fn new(dry_run: bool) -> Self {
        let bar = ProgressBar::new(BAR_STEPS);
        let style = ProgressStyle::with_template("[{bar:24}] {percent:>3}%  {msg}  ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#-");
        bar.set_style(style);
        Self { bar, dry_run }
    }

    fn draw(&self, p: &ReplayProgress) {
        if let Some(f) = p.fraction {
            self.bar
                .set_position((f.clamp(0.0, 1.0) * BAR_STEPS as f64) as u64);
        }
        let secs = p.elapsed.as_secs_f64();
        let done = if self.dry_run { p.read } else { p.published };
        let mut message = format!(
            "read {}  matched {}",
            HumanCount(p.read),
            HumanCount(p.matched)
        );
        if !self.dry_run {
            let _ = write!(message, "  published {}", HumanCount(p.published));
        }
        let _ = write!(message, "  {}/s", HumanCount(per_second(done, secs)));
        self.bar.set_message(message);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn per_second(n: u64, secs: f64) -> u64 {
    if secs > 0.0 {
        (n as f64 / secs) as u64
    } else {
        0
    }
}

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    HumanCount(n).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
