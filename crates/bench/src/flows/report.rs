//! The figures of one replica count, derived from what was observed, and how they print.

use std::collections::BTreeMap;

use super::drive::Phase;

/// Target: events/s ÷ the Little's-law bound.
pub const RATIO_TARGET: f64 = 0.8;
/// Target: 2 replicas' events/s ÷ 1 replica's.
const SCALING_TARGET: f64 = 1.7;
/// Target: the store's share of a delivery, p99, in milliseconds.
const STORE_P99_TARGET_MS: f64 = 5.0;
/// CPU used by other processes (cores) above which a cell's figures are flagged.
pub const OTHERS_WARN: f64 = 0.2;

/// What one cell observed during its measured burst (and paced phase).
pub struct Observed {
    pub replicas: usize,
    pub concurrency: usize,
    pub latency_ms: u64,
    pub burst: Phase,
    pub paced: Option<(f64, Phase)>,
    /// Sandbox platform calls by route: count and seconds inside the sandbox.
    pub calls: BTreeMap<String, (u64, f64)>,
    /// `assetrelay_platform_call_seconds` by operation: (sum, count).
    pub steps: BTreeMap<String, (f64, f64)>,
    /// `assetrelay_flow_handler_seconds` of to-smint by outcome: (sum, count).
    pub handler: BTreeMap<String, (f64, f64)>,
    /// Cores used: this process, RabbitMQ, the machine; and the machine's busy share.
    pub cpu: (f64, f64, f64, f64),
    /// During the burst (a backlog: every slot busy, the in-process senders and ingress
    /// competing for the cores) and during the paced phase (no backlog).
    pub store: StoreTime,
    /// The burst after the last webhook was accepted: the backlog drained, every slot busy.
    pub drain_store: StoreTime,
    pub paced_store: Option<StoreTime>,
}

/// `assetrelay_flow_store_seconds` of to-smint during the burst: the store's share of
/// each delivery, and the store calls behind it.
#[derive(Default)]
pub struct StoreTime {
    pub deliveries: f64,
    pub seconds: f64,
    /// Deliveries whose store time was at most [`STORE_P99_TARGET_MS`].
    pub within_target: f64,
    /// `assetrelay_store_call_seconds` by call: (sum, count).
    pub calls: BTreeMap<String, (f64, f64)>,
}

impl StoreTime {
    fn mean_ms(&self) -> f64 {
        1000.0 * self.seconds / self.deliveries.max(1.0)
    }

    /// The share of deliveries within the target: p99 ≤ target exactly when ≥ 0.99.
    fn share_within(&self) -> f64 {
        self.within_target / self.deliveries.max(1.0)
    }
}

pub struct Cell {
    pub observed: Observed,
    pub calls_per_event: f64,
    /// Sequential platform round trips per event (the PhotoShelter snapshot is three:
    /// base, the three parts concurrently, base again).
    pub steps_per_event: f64,
    pub floor_ms: f64,
    pub handler_ms: f64,
    /// `None` without injected latency: nothing bounds the rate but the CPU.
    pub bound: Option<f64>,
}

impl Cell {
    pub fn new(observed: Observed) -> Self {
        let events = observed.burst.events.max(1) as f64;
        let calls_per_event = observed.calls.values().map(|(n, _)| *n as f64).sum::<f64>() / events;
        let steps_per_event = round_trips(&observed.calls, &observed.steps, events);
        let (sum, n) = observed
            .handler
            .values()
            .fold((0.0, 0.0), |(s, n), (s1, n1)| (s + s1, n + n1));
        let floor_ms = steps_per_event * observed.latency_ms as f64;
        let slots = observed.slots();
        Self {
            calls_per_event,
            steps_per_event,
            floor_ms,
            handler_ms: 1000.0 * sum / n.max(1.0),
            bound: (floor_ms > 0.0).then(|| slots * 1000.0 / floor_ms),
            observed,
        }
    }

    pub fn ratio(&self) -> Option<f64> {
        self.bound.map(|b| self.observed.burst.per_second / b)
    }

    pub fn print(&self) {
        let o = &self.observed;
        let (burst, events) = (&o.burst, o.burst.events.max(1) as f64);
        let latency = o.latency_ms as f64;
        println!();
        println!("── to-smint × {} ──", o.replicas);
        println!(
            "burst: {} events in {:.2} s → {:.0} events/s; end to end p50 {:.0} ms, p99 {:.0} ms (all sent at once: a backlog){}",
            burst.events,
            burst.elapsed.as_secs_f64(),
            burst.per_second,
            burst.p50_ms,
            burst.p99_ms,
            failed_note(burst.failed)
        );
        if let Some((rate, p)) = &o.paced {
            println!(
                "paced at {rate:.0}/s: {} events, end to end p50 {:.1} ms, p99 {:.1} ms (achieved {:.0}/s){}",
                p.events,
                p.p50_ms,
                p.p99_ms,
                p.per_second,
                failed_note(p.failed)
            );
        }
        println!(
            "sandbox platform calls per event: {:.2} × {latency:.0} ms = {:.0} ms if made one after another",
            self.calls_per_event,
            self.calls_per_event * latency
        );
        for (route, (n, secs)) in &o.calls {
            println!(
                "  {:>6.2}/event  {:>6.1} ms in sandbox  {route}",
                *n as f64 / events,
                1000.0 * secs / (*n).max(1) as f64
            );
        }
        let steps: Vec<String> = o
            .steps
            .iter()
            .map(|(op, (s, n))| {
                format!(
                    "{op} {:.2}/event {:.1} ms",
                    n / events,
                    1000.0 * s / n.max(1.0)
                )
            })
            .collect();
        println!(
            "sequential platform steps per event: {:.2} ({}) → latency floor {:.0} ms",
            self.steps_per_event,
            steps.join(", "),
            self.floor_ms
        );
        let outcomes: Vec<String> = o
            .handler
            .iter()
            .map(|(outcome, (_, n))| format!("{outcome} {n:.0}"))
            .collect();
        println!(
            "mean handler time: {:.1} ms ({})",
            self.handler_ms,
            outcomes.join(", ")
        );
        if let (Some(bound), Some(ratio)) = (self.bound, self.ratio()) {
            println!(
                "Little's law bound: {} × {} / {:.0} ms = {bound:.0} events/s → ratio {ratio:.3} {} (target ≥ {RATIO_TARGET:.2})",
                o.replicas,
                o.concurrency,
                self.floor_ms,
                verdict(ratio >= RATIO_TARGET)
            );
        }
        println!(
            "  at the measured handler time: {:.0} / {:.1} ms = {:.0} events/s → consumer slots busy {:.2}",
            o.slots(),
            self.handler_ms,
            o.slots() * 1000.0 / self.handler_ms.max(1e-9),
            burst.per_second * self.handler_ms / 1000.0 / o.slots()
        );
        let store = &o.store;
        let per_call: Vec<String> = store
            .calls
            .iter()
            .map(|(call, (s, n))| {
                format!(
                    "{call} {:.2}/event {:.2} ms",
                    n / events,
                    1000.0 * s / n.max(1.0)
                )
            })
            .collect();
        println!(
            "store per delivery, burst: mean {:.2} ms; {:.2} % within {STORE_P99_TARGET_MS} ms → p99 ≤ {STORE_P99_TARGET_MS} ms {} ({})",
            store.mean_ms(),
            100.0 * store.share_within(),
            verdict(store.share_within() >= 0.99),
            per_call.join(", ")
        );
        for (phase, store) in o.store_phases().skip(1) {
            println!(
                "store per delivery, {phase}: mean {:.2} ms; {:.2} % within {STORE_P99_TARGET_MS} ms → p99 ≤ {STORE_P99_TARGET_MS} ms {} ({:.0} deliveries)",
                store.mean_ms(),
                100.0 * store.share_within(),
                verdict(store.share_within() >= 0.99),
                store.deliveries
            );
        }
        let (own, rabbit, machine, busy) = o.cpu;
        println!(
            "CPU during the burst: this process {own:.2} cores, RabbitMQ {rabbit:.2} cores, machine {machine:.2} cores ({:.0} % busy)",
            busy * 100.0
        );
        let others = machine - own - rabbit;
        if others > OTHERS_WARN {
            println!(
                "WARNING: other processes used {others:.2} cores during the burst: these figures are disturbed; rerun on a quiet machine"
            );
        }
    }
}

/// Sequential platform round trips per event: each flow operation (`steps`, from
/// `assetrelay_platform_call_seconds`) counts as its mean time over one sandbox call's
/// mean time (`calls`), rounded, at least 1. One operation may make several calls one
/// after another (the consistent PhotoShelter read: base, the parts at once, base again),
/// and only the sandbox knows what one call costs.
pub fn round_trips(
    calls: &BTreeMap<String, (u64, f64)>,
    steps: &BTreeMap<String, (f64, f64)>,
    events: f64,
) -> f64 {
    let (call_secs, call_count) = calls
        .values()
        .fold((0.0, 0.0), |(s, n), (n1, s1)| (s + s1, n + *n1 as f64));
    let call_secs = call_secs / call_count.max(1.0);
    steps
        .values()
        .map(|(secs, n)| {
            let trips = if call_secs > 0.0 {
                (secs / n.max(1.0) / call_secs).round().max(1.0)
            } else {
                1.0
            };
            n * trips
        })
        .sum::<f64>()
        / events.max(1.0)
}

impl Observed {
    /// The store's share per phase: the whole burst, its drain after the last webhook
    /// was accepted, and the paced phase (if run).
    fn store_phases(&self) -> impl Iterator<Item = (&'static str, &StoreTime)> {
        [("burst", &self.store), ("drain", &self.drain_store)]
            .into_iter()
            .chain(self.paced_store.iter().map(|s| ("paced", s)))
    }

    fn slots(&self) -> f64 {
        (self.replicas * self.concurrency) as f64
    }
}

/// The table of every cell and the verdicts against the targets.
pub fn summary(cells: &[Cell]) {
    println!();
    println!(
        "{:>8} | {:>8} {:>9} {:>9} | {:>8} {:>8} {:>8} | {:>9} {:>9} {:>10} | {:>8} {:>6} | {:>8} {:>8} | {:>7}",
        "replicas",
        "events/s",
        "p50 ms",
        "p99 ms",
        "paced/s",
        "p50 ms",
        "p99 ms",
        "calls/ev",
        "steps/ev",
        "handler ms",
        "bound/s",
        "ratio",
        "store ms",
        "≤5 ms %",
        "cores"
    );
    for c in cells {
        let o = &c.observed;
        let (rate, p50, p99) = o
            .paced
            .as_ref()
            .map_or((0.0, 0.0, 0.0), |(r, p)| (*r, p.p50_ms, p.p99_ms));
        println!(
            "{:>8} | {:>8.0} {:>9.0} {:>9.0} | {:>8.0} {:>8.1} {:>8.1} | {:>9.2} {:>9.2} {:>10.1} | {:>8} {:>6} | {:>8.2} {:>8.2} | {:>7.2}",
            o.replicas,
            o.burst.per_second,
            o.burst.p50_ms,
            o.burst.p99_ms,
            rate,
            p50,
            p99,
            c.calls_per_event,
            c.steps_per_event,
            c.handler_ms,
            c.bound
                .map_or_else(|| "-".to_owned(), |b| format!("{b:.0}")),
            c.ratio()
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
            o.store.mean_ms(),
            100.0 * o.store.share_within(),
            o.cpu.2
        );
    }
    println!();
    for c in cells {
        let replicas = c.observed.replicas;
        match c.ratio() {
            Some(ratio) => println!(
                "target: {replicas} replica(s): events/s ÷ bound ≥ {RATIO_TARGET:.2}: {ratio:.3} {}",
                verdict(ratio >= RATIO_TARGET)
            ),
            None => println!(
                "target: {replicas} replica(s): events/s ÷ bound: n/a without injected latency"
            ),
        }
    }
    for c in cells {
        for (phase, store) in c.observed.store_phases() {
            let share = store.share_within();
            println!(
                "target: {} replica(s), {phase}: store p99 per delivery ≤ {STORE_P99_TARGET_MS} ms: {:.2} % of deliveries within {}",
                c.observed.replicas,
                100.0 * share,
                verdict(share >= 0.99)
            );
        }
    }
    let rate = |replicas: usize| {
        cells
            .iter()
            .find(|c| c.observed.replicas == replicas)
            .map(|c| c.observed.burst.per_second)
    };
    if let (Some(one), Some(two)) = (rate(1), rate(2)) {
        let scaling = two / one.max(1e-9);
        println!(
            "target: 2 replicas ≥ {SCALING_TARGET:.2} × 1 replica: {scaling:.2}× {}",
            verdict(scaling >= SCALING_TARGET)
        );
    }
}

pub fn verdict(met: bool) -> &'static str {
    if met { "PASS" } else { "FAIL" }
}

fn failed_note(failed: u64) -> String {
    if failed == 0 {
        String::new()
    } else {
        format!("; {failed} webhooks refused by the ingress")
    }
}
