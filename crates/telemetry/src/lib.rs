#![doc = include_str!("../README.md")]

pub mod endpoints;
pub mod reload;

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// Log output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStyle {
    Pretty,
    Json,
}

/// Install the global `tracing` subscriber. `RUST_LOG` wins over `default_filter`.
/// A second call (tests start several services in one process) is a no-op.
pub fn init_tracing(style: LogStyle, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let _already_set = match style {
        LogStyle::Pretty => builder.try_init(),
        LogStyle::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// [`init_tracing`] as `[telemetry]` says: `log_format` and `log_filter`.
pub fn init_tracing_from(config: &assetrelay_config::TelemetryConfig) {
    let style = match config.log_format {
        assetrelay_config::LogFormat::Pretty => LogStyle::Pretty,
        assetrelay_config::LogFormat::Json => LogStyle::Json,
    };
    init_tracing(style, &config.log_filter);
}

/// Like [`init_tracing`] (pretty), but to stderr: for commands whose stdout is their result.
pub fn init_tracing_to_stderr(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Buckets for latency histograms, in seconds: 0.5 ms … 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static METRICS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide Prometheus recorder, installed on first use. Histograms whose name
/// ends in `_seconds` get latency buckets. `None` only if another recorder was installed
/// first, in which case `/metrics` serves nothing rather than failing the service.
pub fn metrics_handle() -> Option<PrometheusHandle> {
    METRICS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .clone()
}

/// Render every metric in the Prometheus text format.
pub fn render_metrics() -> String {
    metrics_handle().map(|h| h.render()).unwrap_or_default()
}

/// A token cancelled on SIGTERM or SIGINT (Ctrl-C).
pub fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown signal received");
        trigger.cancel();
    });
    token
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
