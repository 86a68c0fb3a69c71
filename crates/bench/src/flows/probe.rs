//! What the flows benchmark observes besides end-to-end times: every platform call the
//! sandbox served (by route, with its time inside the sandbox), the flows' own metrics,
//! and CPU time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Platform calls served by the sandbox, by `METHOD route`: count and total seconds
/// (injected latency included).
#[derive(Clone, Default)]
pub struct Calls {
    routes: Arc<Mutex<BTreeMap<String, (u64, f64)>>>,
}

impl Calls {
    pub fn snapshot(&self) -> BTreeMap<String, (u64, f64)> {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, route: String, took: Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = routes.entry(route).or_default();
        entry.0 += 1;
        entry.1 += took.as_secs_f64();
    }
}

/// `after - before`, per route.
pub fn calls_delta(
    before: &BTreeMap<String, (u64, f64)>,
    after: &BTreeMap<String, (u64, f64)>,
) -> BTreeMap<String, (u64, f64)> {
    after
        .iter()
        .map(|(route, (n, s))| {
            let (n0, s0) = before.get(route).copied().unwrap_or_default();
            (route.clone(), (n - n0, s - s0))
        })
        .filter(|(_, (n, _))| *n > 0)
        .collect()
}

/// Whether a path is a platform surface (the sandbox's own prefixes, docs/sandbox.md);
/// the control API is not counted.
pub fn surface_of(path: &str) -> Option<&'static str> {
    if path.starts_with("/psapi/") {
        Some("photoshelter")
    } else if ["/connect/", "/consumer/", "/portals/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        Some("smintio")
    } else {
        None
    }
}

/// Middleware around the sandbox's router (outside its fault layer, so the injected
/// latency is part of the time).
pub async fn count_calls(State(calls): State<Calls>, request: Request, next: Next) -> Response {
    if surface_of(request.uri().path()).is_none() {
        return next.run(request).await;
    }
    let route = format!(
        "{} {}",
        request.method(),
        request.extensions().get::<MatchedPath>().map_or_else(
            || request.uri().path().to_owned(),
            |p| p.as_str().to_owned()
        )
    );
    let started = Instant::now();
    let response = next.run(request).await;
    calls.record(route, started.elapsed());
    response
}

/// Sum and count of a Prometheus histogram, per value of `group_by`, over the series
/// whose labels include every `filter` pair.
pub fn histogram(
    text: &str,
    name: &str,
    filter: &[(&str, &str)],
    group_by: &str,
) -> BTreeMap<String, (f64, f64)> {
    let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for line in text.lines() {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (metric, labels) = series.split_once('{').unwrap_or((series, ""));
        let is_sum = metric == format!("{name}_sum");
        if !is_sum && metric != format!("{name}_count") {
            continue;
        }
        if !filter
            .iter()
            .all(|(k, v)| labels.contains(&format!("{k}=\"{v}\"")))
        {
            continue;
        }
        let group = label(labels, group_by).unwrap_or_default();
        let entry = out.entry(group).or_default();
        if is_sum {
            entry.0 += value;
        } else {
            entry.1 += value;
        }
    }
    out
}

/// The cumulative count of the `le` bucket of histogram `name`, summed over the series
/// matching `filter` (the share at or under a bound is `bucket / count`).
pub fn bucket(text: &str, name: &str, filter: &[(&str, &str)], le: &str) -> f64 {
    let metric = format!("{name}_bucket");
    let le = format!("le=\"{le}\"");
    text.lines()
        .filter_map(|line| line.rsplit_once(' '))
        .filter_map(|(series, value)| Some((series, value.parse::<f64>().ok()?)))
        .filter(|(series, _)| {
            let (m, labels) = series.split_once('{').unwrap_or((series, ""));
            m == metric
                && labels.contains(&le)
                && filter
                    .iter()
                    .all(|(k, v)| labels.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, value)| value)
        .sum()
}

fn label(labels: &str, key: &str) -> Option<String> {
    let start = labels.find(&format!("{key}=\""))? + key.len() + 2;
    let end = labels[start..].find('"')? + start;
    Some(labels[start..end].to_owned())
}

/// `after - before` of [`histogram`] results: (sum, count) per group.
pub fn histogram_delta(
    before: &BTreeMap<String, (f64, f64)>,
    after: &BTreeMap<String, (f64, f64)>,
) -> BTreeMap<String, (f64, f64)> {
    after
        .iter()
        .map(|(group, (s, n))| {
            let (s0, n0) = before.get(group).copied().unwrap_or_default();
            (group.clone(), (s - s0, n - n0))
        })
        .filter(|(_, (_, n))| *n > 0.0)
        .collect()
}

/// CPU seconds used so far: this process, the RabbitMQ VM (if found), and the whole
/// machine's busy and total time (from `/proc/stat`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub own: f64,
    pub broker: f64,
    pub busy: f64,
    pub total: f64,
}

/// Linux reports process and machine CPU times in clock ticks of 1/100 s (`USER_HZ`).
const TICK: f64 = 0.01;

impl Cpu {
    pub fn now(broker_pid: Option<u32>) -> Self {
        let (busy, total) = machine_ticks().unwrap_or_default();
        Self {
            own: process_ticks("self").unwrap_or_default() * TICK,
            broker: broker_pid
                .and_then(|pid| process_ticks(&pid.to_string()))
                .unwrap_or_default()
                * TICK,
            busy: busy * TICK,
            total: total * TICK,
        }
    }

    /// Cores used on average between `self` (earlier) and `later`, over `wall`:
    /// (this process, the broker, the machine), and the machine's busy share.
    pub fn cores_until(&self, later: &Self, wall: Duration) -> (f64, f64, f64, f64) {
        let secs = wall.as_secs_f64().max(1e-9);
        let total = (later.total - self.total).max(1e-9);
        let busy = later.busy - self.busy;
        (
            (later.own - self.own) / secs,
            (later.broker - self.broker) / secs,
            busy / secs,
            busy / total,
        )
    }
}

/// utime + stime of `/proc/<pid>/stat`, in ticks.
fn process_ticks(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it are plain.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// (busy, total) ticks of all CPUs, from the first line of `/proc/stat`.
fn machine_ticks() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let values: Vec<f64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = values.iter().take(8).sum();
    // idle + iowait
    let idle = values.get(3)? + values.get(4).copied().unwrap_or_default();
    Some((total - idle, total))
}

/// The pid of the local RabbitMQ VM (`beam.smp`), to report its CPU time.
pub fn broker_pid() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "beam.smp")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_sums_and_counts_matching_series_by_label() {
        let text = "\
# TYPE assetrelay_flow_handler_seconds histogram
assetrelay_flow_handler_seconds_bucket{flow=\"to-smint\",outcome=\"ok\",le=\"0.05\"} 3
assetrelay_flow_handler_seconds_sum{flow=\"to-smint\",outcome=\"ok\"} 0.15
assetrelay_flow_handler_seconds_count{flow=\"to-smint\",outcome=\"ok\"} 3
assetrelay_flow_handler_seconds_sum{flow=\"lifecycle\",outcome=\"ok\"} 9
assetrelay_flow_handler_seconds_count{flow=\"lifecycle\",outcome=\"ok\"} 9
";
        let found = histogram(
            text,
            "assetrelay_flow_handler_seconds",
            &[("flow", "to-smint")],
            "outcome",
        );

        assert_eq!(found.len(), 1);
        assert_eq!(found["ok"], (0.15, 3.0));
    }

    #[test]
    fn bucket_sums_the_bound_of_matching_series_only() {
        let text = "\
assetrelay_flow_store_seconds_bucket{flow=\"to-smint\",le=\"0.005\"} 97
assetrelay_flow_store_seconds_bucket{flow=\"to-smint\",le=\"0.01\"} 100
assetrelay_flow_store_seconds_bucket{flow=\"lifecycle\",le=\"0.005\"} 4
";
        let name = "assetrelay_flow_store_seconds";
        assert_eq!(bucket(text, name, &[("flow", "to-smint")], "0.005"), 97.0);
        assert_eq!(bucket(text, name, &[], "0.005"), 101.0);
        assert_eq!(bucket(text, name, &[("flow", "to-smint")], "0.5"), 0.0);
    }

    #[test]
    fn platform_paths_are_counted_and_control_paths_are_not() {
        assert_eq!(surface_of("/psapi/v4.0/media/I1"), Some("photoshelter"));
        assert_eq!(surface_of("/portals/data-adapter/webhook"), Some("smintio"));
        assert_eq!(surface_of("/_sandbox/log"), None);
    }
}
