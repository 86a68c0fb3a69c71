//! The store's work per delivery, at a concurrency: to-photoshelter's (`--work upload`:
//! the license's turn with its ledger row, one `claim`, then `complete_claim` and the
//! ledger `record_write`) or to-smint's (`--work push`: the asset's turn with its ledger
//! row, then `record_write`), and one outcome through the `OutcomeWriter`. Prints p50/p99 per
//! delivery and deliveries/s, against the target (p99 ≤ 5 ms at concurrency 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_store::scratch::ScratchSchema;
use assetrelay_store::{
    Acquired, AssetKey, Claim, Decision, LedgerWrite, Outcome, OutcomeWriter, SourceVersion, Store,
    WriterOptions,
};
use hdrhistogram::Histogram;

/// The store work of one delivery.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Work {
    /// to-photoshelter's: take the license's turn with its ledger row, claim the upload,
    /// complete it, record the ledger write.
    Upload,
    /// to-smint's: take the asset's turn (a lease) with its ledger row, record the write;
    /// the turn is given back off the delivery's path, as the flows do.
    Push,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: Backend,
    #[arg(long, value_enum, default_value = "upload")]
    work: Work,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Deliveries in all (after 200 of warm-up).
    #[arg(long, default_value_t = 5_000)]
    ops: u64,
    /// PostgreSQL database; the benchmark works in a schema of its own and drops it.
    #[arg(
        long,
        env = "ASSETRELAY_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/assetrelay_test"
    )]
    postgres_url: String,
    /// The store's pool size (`[store] max_connections`); default: the concurrency.
    #[arg(long)]
    max_connections: Option<u32>,
    /// Time each worker waits between deliveries (the platform calls of a real delivery;
    /// the target assumes 20 ms). 0: back to back, the store's saturation.
    #[arg(long, default_value_t = 20)]
    think_ms: u64,
    /// Complete the claim and record the ledger write in one transaction
    /// (`complete_claim_with_write`: two commits per delivery instead of three).
    #[arg(long)]
    combined: bool,
    /// Take the turn and read the ledger row in two calls (`try_acquire_lease`, then
    /// `ledger`), as the flows did before `try_acquire_lease_reading`: what the one
    /// round trip saves.
    #[arg(long)]
    separate_turn: bool,
    /// Distinct assets the deliveries are spread over.
    #[arg(long, default_value_t = 1_000)]
    assets: u64,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, schema) = match options.backend {
        Backend::Sqlite => (StoreUrl::sqlite(dir.path().join("bench.db")), None),
        Backend::Postgres => {
            let schema = ScratchSchema::create(&options.postgres_url)
                .await
                .context("creating a scratch schema (is PostgreSQL running?)")?;
            (schema.url.clone(), Some(schema))
        }
    };
    let config = StoreConfig {
        url,
        max_connections: options
            .max_connections
            .unwrap_or_else(|| u32::try_from(options.concurrency).unwrap_or(u32::MAX))
            .max(1),
        ..StoreConfig::default()
    };
    let store = Store::connect(&config).await?;
    let (writer, task) = OutcomeWriter::spawn(store.clone(), WriterOptions::default());
    let run = Run {
        store: store.clone(),
        writer,
        assets: options.assets.max(1),
        think: Duration::from_millis(options.think_ms),
        combined: options.combined,
        separate_turn: options.separate_turn,
        work: options.work,
        next: AtomicU64::new(0),
    };
    let run = Arc::new(run);
    drive(&run, options.concurrency, 200).await?;
    let (figures, elapsed) = drive(&run, options.concurrency, options.ops).await?;
    let Run { writer, .. } = Arc::into_inner(run).context("workers still running")?;
    drop(writer);
    let flushing = Instant::now();
    task.await?;
    let flush_ms = flushing.elapsed().as_secs_f64() * 1000.0;
    let status = store.status().await?;
    drop(store);
    if let Some(schema) = schema {
        schema.drop_schema().await?;
    }

    let p99 = figures.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "store benchmark — {} backend, concurrency {}, pool {}, {} ms between deliveries, {} deliveries ({} + outcome), {} cores",
        store_name(options.backend),
        options.concurrency,
        config.max_connections,
        options.think_ms,
        figures.len(),
        match (options.work, options.combined) {
            (Work::Push, _) => "turn with ledger read + record_write, turn released off the path",
            (Work::Upload, true) =>
                "turn with ledger read + claim + complete and record_write in one transaction",
            (Work::Upload, false) => "turn with ledger read + claim + complete + record_write",
        },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if options.separate_turn {
        println!("the turn and the ledger read made as two calls (--separate-turn)");
    }
    println!(
        "per delivery: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.0} deliveries/s; writer drained in {flush_ms:.0} ms; rows {:?}",
        figures.value_at_quantile(0.5) as f64 / 1000.0,
        p99,
        figures.max() as f64 / 1000.0,
        figures.len() as f64 / elapsed.as_secs_f64(),
        status.rows
    );
    println!(
        "target p99 ≤ 5 ms at concurrency 16: {}",
        if p99 <= 5.0 { "PASS" } else { "FAIL" }
    );
    Ok(())
}

fn store_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

struct Run {
    store: Store,
    writer: OutcomeWriter,
    assets: u64,
    think: Duration,
    combined: bool,
    separate_turn: bool,
    work: Work,
    next: AtomicU64,
}

/// `ops` deliveries from `concurrency` workers; latencies in µs.
async fn drive(
    run: &Arc<Run>,
    concurrency: usize,
    ops: u64,
) -> anyhow::Result<(Histogram<u64>, Duration)> {
    let end = run.next.load(Ordering::Relaxed) + ops;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let run = run.clone();
            tokio::spawn(async move {
                let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
                loop {
                    let n = run.next.fetch_add(1, Ordering::Relaxed);
                    if n >= end {
                        return h;
                    }
                    let t = Instant::now();
                    if let Err(e) = delivery(&run, n).await {
                        eprintln!("delivery {n} failed: {e:#}");
                        continue;
                    }
                    if let Some(h) = h.as_mut() {
                        let _ = h.record(t.elapsed().as_micros().max(1) as u64);
                    }
                    if !run.think.is_zero() {
                        tokio::time::sleep(run.think).await;
                    }
                }
            })
        })
        .collect();
    let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for worker in workers {
        if let Ok(Some(h)) = worker.await {
            let _ = merged.add(h);
        }
    }
    Ok((merged, started.elapsed()))
}

async fn delivery(run: &Run, n: u64) -> anyhow::Result<()> {
    let holder = "bench-replica";
    let key = format!("bench/license-{n}/binary-1");
    let asset = AssetKey::new(
        "bench",
        "to-smint",
        "photoshelter",
        format!("I{}", n % run.assets),
    );
    let now = now_ms();
    let write = LedgerWrite {
        target_ids: vec![format!("S{}", n % run.assets)],
        fingerprint: format!("fp-{n}"),
        source: SourceVersion {
            modified_ms: i64::try_from(n).unwrap_or(i64::MAX),
            read_ms: now,
        },
        outcome: "written".into(),
    };
    if run.work == Work::Push {
        push(run, &asset, &write, holder).await?;
    } else {
        upload(run, &key, &asset, &write, holder, n).await?;
    }
    run.writer
        .record(Outcome {
            at_ms: now,
            event_id: format!("evt-{n}"),
            event_type: "media.updated".into(),
            event_at_ms: None,
            flow: "to-smint".into(),
            connection: "bench".into(),
            platform: "photoshelter".into(),
            asset_id: asset.asset_id,
            decision: Decision::Written,
            reason: None,
            tier: None,
            target_call: Some("PUT /assets".into()),
            target_status: Some("ok".to_owned()),
            duration_ms: 20,
        })
        .await?;
    Ok(())
}

/// to-photoshelter's store work: claim, complete (with the ledger write if `--combined`).
async fn upload(
    run: &Run,
    key: &str,
    asset: &AssetKey,
    write: &LedgerWrite,
    holder: &str,
    n: u64,
) -> anyhow::Result<()> {
    let store = &run.store;
    let turn = take_turn(run, asset, holder).await?;
    let claimed = store.claim(key, holder, Duration::from_secs(60)).await? == Claim::Taken;
    if claimed && run.combined {
        store
            .complete_claim_with_write(key, holder, &format!("M-{n}"), asset, write)
            .await?;
    } else {
        if claimed {
            store.complete_claim(key, holder, &format!("M-{n}")).await?;
        }
        store.record_write(asset, write).await?;
    }
    release_turn(run, turn, holder);
    Ok(())
}

/// to-smint's store work: the asset's turn with its ledger row, the write; the turn is
/// released in a task of its own (off the delivery's path, as `flows::shared::turn`).
async fn push(
    run: &Run,
    asset: &AssetKey,
    write: &LedgerWrite,
    holder: &str,
) -> anyhow::Result<()> {
    let turn = take_turn(run, asset, holder).await?;
    run.store.record_write(asset, write).await?;
    release_turn(run, turn, holder);
    Ok(())
}

/// The asset's turn and its ledger row, as `flows::shared::turn::Turns::take_reading`
/// (or in two calls with `--separate-turn`); the turn's lease name.
async fn take_turn(run: &Run, asset: &AssetKey, holder: &str) -> anyhow::Result<String> {
    let store = &run.store;
    let turn = format!(
        "asset/{}/{}/{}",
        asset.connection, asset.platform, asset.asset_id
    );
    let ttl = Duration::from_secs(15);
    let taken = if run.separate_turn {
        let taken = store.try_acquire_lease(&turn, holder, ttl).await?;
        if taken {
            let _current = store.ledger(asset).await?;
        }
        taken
    } else {
        matches!(
            store
                .try_acquire_lease_reading(&turn, holder, ttl, asset)
                .await?,
            Acquired::Taken { .. }
        )
    };
    if !taken {
        anyhow::bail!("turn {turn} held elsewhere");
    }
    Ok(turn)
}

fn release_turn(run: &Run, turn: String, holder: &str) {
    let store = run.store.clone();
    let holder = holder.to_owned();
    tokio::spawn(async move { store.release_lease(&turn, &holder).await });
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
