//! A metrics recorder to install thread-locally in a `current_thread` test (every task of
//! such a test runs on its thread, so nothing leaks between tests), and a global tracing
//! layer that keeps spans and events.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

#[derive(Default)]
struct Values {
    counters: BTreeMap<String, u64>,
    gauges: BTreeMap<String, f64>,
    histograms: BTreeMap<String, Vec<f64>>,
}

/// Metrics by `name{label=value,...}` (labels in the order the code gives them).
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Values>>);

impl Metrics {
    pub fn counter(&self, key: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .counters
            .get(key)
            .copied()
            .unwrap_or(0)
    }
    pub fn gauge(&self, key: &str) -> Option<f64> {
        self.0.lock().unwrap().gauges.get(key).copied()
    }
    pub fn histogram(&self, key: &str) -> Vec<f64> {
        self.0
            .lock()
            .unwrap()
            .histograms
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().counters.clone()
    }
}

struct Handle {
    key: String,
    values: Arc<Mutex<Values>>,
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        *self
            .values
            .lock()
            .unwrap()
            .counters
            .entry(self.key.clone())
            .or_default() += value;
    }
    fn absolute(&self, value: u64) {
        self.values
            .lock()
            .unwrap()
            .counters
            .insert(self.key.clone(), value);
    }
}

impl GaugeFn for Handle {
    fn increment(&self, value: f64) {
        *self
            .values
            .lock()
            .unwrap()
            .gauges
            .entry(self.key.clone())
            .or_default() += value;
    }
    fn decrement(&self, value: f64) {
        *self
            .values
            .lock()
            .unwrap()
            .gauges
            .entry(self.key.clone())
            .or_default() -= value;
    }
    fn set(&self, value: f64) {
        self.values
            .lock()
            .unwrap()
            .gauges
            .insert(self.key.clone(), value);
    }
}

impl HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.values
            .lock()
            .unwrap()
            .histograms
            .entry(self.key.clone())
            .or_default()
            .push(value);
    }
}

impl Metrics {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        Arc::new(Handle {
            key: format!("{}{{{}}}", key.name(), labels.join(",")),
            values: self.0.clone(),
        })
    }
}

impl Recorder for Metrics {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.handle(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

/// A span as created: name and fields.
#[derive(Debug, Clone)]
pub struct SpanRecord {
    pub name: String,
    pub fields: BTreeMap<String, String>,
}

/// An event: level, fields (`message` included) and the span it happened in.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub level: Level,
    pub fields: BTreeMap<String, String>,
    pub span: Option<SpanRecord>,
}

impl EventRecord {
    pub fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }
}

#[derive(Default)]
struct Records {
    spans: Vec<SpanRecord>,
    events: Vec<EventRecord>,
}

/// A tracing layer keeping every span and event.
#[derive(Clone, Default)]
pub struct Traces(Arc<Mutex<Records>>);

impl Traces {
    /// Spans named `name` whose `event_id` field is `event_id`.
    pub fn spans(&self, name: &str, event_id: &str) -> Vec<SpanRecord> {
        let records = self.0.lock().unwrap();
        records
            .spans
            .iter()
            .filter(|s| s.name == name && s.fields.get("event_id").is_some_and(|e| e == event_id))
            .cloned()
            .collect()
    }

    /// Events with `message`, inside a span whose `event_id` field is `event_id`.
    pub fn events(&self, message: &str, event_id: &str) -> Vec<EventRecord> {
        let records = self.0.lock().unwrap();
        records
            .events
            .iter()
            .filter(|e| {
                e.message() == message
                    && e.span
                        .as_ref()
                        .and_then(|s| s.fields.get("event_id"))
                        .is_some_and(|e| e == event_id)
            })
            .cloned()
            .collect()
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Traces {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let record = SpanRecord {
            name: attrs.metadata().name().to_owned(),
            fields: fields.0,
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(record.clone());
        }
        self.0.lock().unwrap().spans.push(record);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let span = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<SpanRecord>().cloned());
        self.0.lock().unwrap().events.push(EventRecord {
            level: *event.metadata().level(),
            fields: fields.0,
            span,
        });
    }
}

/// The spans and events of this crate and of the tests, from every test of this binary:
/// one global subscriber, so tracing's per-callsite interest cache cannot go stale the way
/// it can with thread-local subscribers in parallel tests. Tests pick their own records by
/// a unique `event_id`.
pub fn traces() -> Traces {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    static TRACES: OnceLock<Traces> = OnceLock::new();
    TRACES
        .get_or_init(|| {
            let traces = Traces::default();
            let filter = Targets::new()
                .with_target("assetrelay_broker", Level::DEBUG)
                .with_target("consumer", Level::DEBUG);
            let subscriber =
                tracing_subscriber::registry().with(traces.clone().with_filter(filter));
            tracing::subscriber::set_global_default(subscriber).unwrap();
            traces
        })
        .clone()
}
