//! The figures of one sync run, its Little's-law bound, and how they print.

use std::collections::BTreeMap;
use std::time::Duration;

use super::drive::{Observed, PUBLISHED};
use super::rate::{LISTING, too_many};
use crate::flows::report::{OTHERS_WARN, RATIO_TARGET, round_trips, verdict};

/// The route of the sync's listing in the sandbox's call counts.
const LISTING_ROUTE: &str = "GET /psapi/v4.0/media";

/// How the run was set up.
pub struct Setup {
    pub media: usize,
    pub replicas: usize,
    pub concurrency: usize,
    pub prefetch: u16,
    pub latency_ms: u64,
    pub page_size: u32,
    /// The sync's cap, events per second; `None`: no cap.
    pub rate: Option<u32>,
    pub store: &'static str,
    pub seeded: Duration,
}

/// The three ceilings of the end-to-end rate, events per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// `page_size` items per listing round trip: the walk lists one page at a time.
    pub listing: Option<f64>,
    /// replicas × concurrency ÷ (round trips per event × latency).
    pub flow: Option<f64>,
    pub cap: Option<f64>,
}

impl Bound {
    pub fn new(setup: &Setup, round_trips: f64) -> Self {
        let latency = setup.latency_ms as f64 / 1000.0;
        let slots = (setup.replicas * setup.concurrency) as f64;
        Self {
            listing: (latency > 0.0).then(|| f64::from(setup.page_size) / latency),
            flow: (latency > 0.0 && round_trips > 0.0).then(|| slots / (round_trips * latency)),
            cap: setup.rate.map(f64::from),
        }
    }

    /// The lowest ceiling and its name; `None` when nothing but the CPU bounds the rate.
    pub fn binding(&self) -> Option<(f64, &'static str)> {
        [
            (self.listing, "listing"),
            (self.flow, "flow"),
            (self.cap, "rate cap"),
        ]
        .into_iter()
        .filter_map(|(bound, name)| bound.map(|b| (b, name)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
    }
}

pub struct Figures {
    setup: Setup,
    o: Observed,
    /// Flow round trips per event (the listing's calls left out).
    round_trips: f64,
    handler_ms: f64,
    bound: Bound,
}

impl Figures {
    pub fn new(setup: Setup, o: Observed) -> Self {
        let events = o.written.max(1) as f64;
        // The listing's calls are the sync's, and each one renders a whole page: left out
        // of the mean call time the flows' operations are measured against.
        let per_event: BTreeMap<String, (u64, f64)> = o
            .calls
            .iter()
            .filter(|(route, _)| route.as_str() != LISTING_ROUTE)
            .map(|(route, v)| (route.clone(), *v))
            .collect();
        let round_trips = round_trips(&per_event, &o.steps, events);
        let (sum, n) = o
            .handler
            .values()
            .fold((0.0, 0.0), |(s, n), (s1, n1)| (s + s1, n + n1));
        let bound = Bound::new(&setup, round_trips);
        Self {
            setup,
            o,
            round_trips,
            handler_ms: 1000.0 * sum / n.max(1.0),
            bound,
        }
    }

    fn per_second(&self) -> f64 {
        self.o.written as f64 / self.o.end_to_end.as_secs_f64().max(1e-9)
    }

    pub fn print(&self) {
        let (s, o) = (&self.setup, &self.o);
        let cap = s
            .rate
            .map_or_else(|| "no cap".to_owned(), |r| format!("--rate {r}"));
        println!(
            "assetrelay sync benchmark — `assetrelay sync --connection demo --source photoshelter --full` ({cap}) of {} approved media into to-smint × {} (concurrency {} / prefetch {} per replica), +{} ms per platform call, page size {}, store {}, {} cores",
            s.media,
            s.replicas,
            s.concurrency,
            s.prefetch,
            s.latency_ms,
            s.page_size,
            s.store,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!(
            "seeded {} media in {:.0} ms straight into the sandbox's state; sandbox webhooks off",
            s.media,
            s.seeded.as_secs_f64() * 1000.0
        );
        let t = &o.report.tally;
        let listing = o.listing.as_secs_f64();
        println!(
            "sync: {} pages, {} items read, {} events published and confirmed in {listing:.2} s → {:.1} events/s (listing and publishing alone)",
            t.pages,
            t.read,
            t.published,
            t.published as f64 / listing.max(1e-9)
        );
        println!(
            "end to end: {} of {} items written to the Smint.io data adapter ({} writes) {:.2} s after the sync started → {:.1} events/s",
            o.written,
            s.media,
            o.writes,
            o.end_to_end.as_secs_f64(),
            self.per_second()
        );
        self.print_calls();
        self.print_bound();
        self.print_rates();
        let (own, rabbit, machine, busy) = o.cpu;
        println!(
            "CPU during the run: this process {own:.2} cores, RabbitMQ {rabbit:.2} cores, machine {machine:.2} cores ({:.0} % busy)",
            busy * 100.0
        );
        let others = machine - own - rabbit;
        if others > OTHERS_WARN {
            println!(
                "WARNING: other processes used {others:.2} cores during the run: these figures are disturbed; rerun on a quiet machine"
            );
        }
        self.print_row();
    }

    fn print_calls(&self) {
        let (s, o) = (&self.setup, &self.o);
        let events = o.written.max(1) as f64;
        let total: u64 = o.calls.values().map(|(n, _)| *n).sum();
        println!(
            "sandbox platform calls per event: {:.3} (the listing's included)",
            total as f64 / events
        );
        for (route, (n, secs)) in &o.calls {
            println!(
                "  {:>8.3}/event {:>7} calls {:>7.1} ms in sandbox  {route}",
                *n as f64 / events,
                n,
                1000.0 * secs / (*n).max(1) as f64
            );
        }
        let steps: Vec<String> = o
            .steps
            .iter()
            .map(|(op, (secs, n))| {
                format!(
                    "{op} {:.2}/event {:.1} ms",
                    n / events,
                    1000.0 * secs / n.max(1.0)
                )
            })
            .collect();
        println!(
            "flow round trips per event: {:.2} ({}) → {:.0} ms at {} ms per call",
            self.round_trips,
            steps.join(", "),
            self.round_trips * s.latency_ms as f64,
            s.latency_ms
        );
        let outcomes: Vec<String> = o
            .handler
            .iter()
            .map(|(outcome, (_, n))| format!("{outcome} {n:.0}"))
            .collect();
        let slots = (s.replicas * s.concurrency) as f64;
        println!(
            "mean handler time: {:.1} ms ({}) → {slots:.0} slots ÷ {:.1} ms = {:.0} events/s; slots busy {:.2}",
            self.handler_ms,
            outcomes.join(", "),
            self.handler_ms,
            slots * 1000.0 / self.handler_ms.max(1e-9),
            self.per_second() * self.handler_ms / 1000.0 / slots
        );
    }

    fn print_bound(&self) {
        let s = &self.setup;
        let show = |b: Option<f64>| b.map_or_else(|| "∞".to_owned(), |b| format!("{b:.0}/s"));
        println!(
            "bound (Little's law) = min(listing {} / {} ms = {}, flow {} × {} ÷ ({:.2} × {} ms) = {}, rate cap {})",
            s.page_size,
            s.latency_ms,
            show(self.bound.listing),
            s.replicas,
            s.concurrency,
            self.round_trips,
            s.latency_ms,
            show(self.bound.flow),
            show(self.bound.cap)
        );
        match self.bound.binding() {
            Some((bound, term)) => {
                let ratio = self.per_second() / bound;
                println!(
                    "  = {bound:.0} events/s, the {term} term binds → ratio {:.1} ÷ {bound:.0} = {ratio:.3} {} (target ≥ {RATIO_TARGET:.2})",
                    self.per_second(),
                    verdict(ratio >= RATIO_TARGET)
                );
            }
            None => println!("  = n/a: without latency or a cap only the CPU bounds the rate"),
        }
    }

    fn print_rates(&self) {
        let (s, w) = (&self.setup, &self.o.windows);
        let (ps, ps_at) = w.peak("photoshelter");
        let (smint, smint_at) = w.peak("smintio");
        let (listing, _) = w.peak("photoshelter listing");
        println!(
            "platform calls, peak of 1 s windows: PhotoShelter {ps}/s (second {ps_at}; the listing `{LISTING}` at most {listing}/s, {} calls), Smint.io {smint}/s (second {smint_at}); no numeric limit is documented for either",
            w.total("photoshelter listing")
        );
        let served = w.total(&too_many("photoshelter")) + w.total(&too_many("smintio"));
        println!(
            "429s served: PhotoShelter {}, Smint.io {} → none {}",
            w.total(&too_many("photoshelter")),
            w.total(&too_many("smintio")),
            verdict(served == 0)
        );
        let (published, at) = w.peak(PUBLISHED);
        match (s.rate, self.o.ahead) {
            (Some(cap), Some(ahead)) => {
                println!(
                    "sync's cap --rate {cap}: listing calls at most {listing}/s {}; at most {ahead:.1} events confirmed ahead of {cap} × seconds since the start (≤ 1: the cap held) {}; peak 1 s window {published} events (second {at})",
                    verdict(listing <= u64::from(cap)),
                    verdict(ahead <= 1.0)
                );
            }
            _ => println!(
                "sync's cap: none; peak {published} events confirmed in one 1 s window (second {at})"
            ),
        }
    }

    /// One line for the table in docs/PERFORMANCE.md.
    fn print_row(&self) {
        let (s, o, w) = (&self.setup, &self.o, &self.o.windows);
        let (bound, term) = self.bound.binding().unwrap_or((f64::NAN, "-"));
        println!();
        println!(
            "| media | cap/s | listing s | end to end s | events/s | calls/ev | trips/ev | handler ms | bound/s | binds | ratio | peak PS/s | peak Smint/s | 429s |"
        );
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {:.1} | {bound:.0} | {term} | {:.3} | {} | {} | {} |",
            o.written,
            s.rate.map_or_else(|| "none".to_owned(), |r| r.to_string()),
            o.listing.as_secs_f64(),
            o.end_to_end.as_secs_f64(),
            self.per_second(),
            o.calls.values().map(|(n, _)| *n).sum::<u64>() as f64 / o.written.max(1) as f64,
            self.round_trips,
            self.handler_ms,
            self.per_second() / bound,
            w.peak("photoshelter").0,
            w.peak("smintio").0,
            w.total(&too_many("photoshelter")) + w.total(&too_many("smintio")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(rate: Option<u32>, latency_ms: u64) -> Setup {
        Setup {
            media: 10_000,
            replicas: 1,
            concurrency: 16,
            prefetch: 32,
            latency_ms,
            page_size: 500,
            rate,
            store: "SQLite",
            seeded: Duration::ZERO,
        }
    }

    #[test]
    fn the_default_cap_binds_below_the_flow_and_the_listing() {
        let bound = Bound::new(&setup(Some(100), 20), 4.0);

        assert_eq!(bound.listing, Some(25_000.0));
        assert_eq!(bound.flow, Some(200.0));
        assert_eq!(bound.binding(), Some((100.0, "rate cap")));
    }

    #[test]
    fn without_a_cap_the_flow_binds() {
        let bound = Bound::new(&setup(None, 20), 4.0);

        assert_eq!(bound.binding(), Some((200.0, "flow")));
    }

    #[test]
    fn without_latency_only_a_cap_bounds() {
        assert_eq!(Bound::new(&setup(None, 0), 4.0).binding(), None);
        assert_eq!(
            Bound::new(&setup(Some(50), 0), 4.0).binding(),
            Some((50.0, "rate cap"))
        );
    }
}
