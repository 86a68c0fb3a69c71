//! The W3C trace context of the delivery being handled, for outbound platform calls.
//!
//! The consumer runner runs each handler inside [`scope`] with the context of its message;
//! both platform clients add [`outbound_headers`] to every request they send, so a
//! platform write joins the trace that began at the webhook. A task-local, not a
//! parameter, because the context must reach every request without threading it through
//! each flow step and client method.
//!
//! Outside a scope (CLI, admin, tests) requests carry no trace headers: there is no trace
//! to join, and a fresh root that nobody records would only add noise at the platform.

use std::future::Future;

use http::{HeaderMap, HeaderName, HeaderValue};

/// `traceparent` (W3C Trace Context §3.2).
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// `tracestate` (W3C Trace Context §3.3).
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

tokio::task_local! {
    static CURRENT: TraceContext;
}

/// The trace a piece of work belongs to: the parent of every call it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    traceparent: String,
    tracestate: Option<HeaderValue>,
}

impl TraceContext {
    /// The context of a message's `traceparent` and `tracestate`. `None` when
    /// `traceparent` is missing or malformed; a `tracestate` that is not a valid header
    /// value is dropped (W3C: vendors' state is optional, the trace still joins).
    pub fn from_headers(traceparent: Option<&str>, tracestate: Option<&str>) -> Option<Self> {
        let traceparent = traceparent.filter(|t| assetrelay_contract::valid_traceparent(t))?;
        let tracestate = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| HeaderValue::from_str(s).ok());
        Some(Self {
            traceparent: traceparent.to_owned(),
            tracestate,
        })
    }

    /// The parent `traceparent`.
    pub fn traceparent(&self) -> &str {
        &self.traceparent
    }

    /// The vendor state carried along, if any.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_ref().and_then(|v| v.to_str().ok())
    }
}

/// Run `work` with `context` as the current trace context; `None` runs it without one.
pub async fn scope<F: Future>(context: Option<TraceContext>, work: F) -> F::Output {
    match context {
        Some(context) => CURRENT.scope(context, work).await,
        None => work.await,
    }
}

/// The current trace context, if the caller runs inside a [`scope`].
pub fn current() -> Option<TraceContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The trace headers of one outbound request: a child `traceparent` (same trace id and
/// flags, a new span id for this call) and the `tracestate`; empty outside a [`scope`].
pub fn outbound_headers() -> HeaderMap {
    CURRENT.try_with(child_headers).unwrap_or_default()
}

fn child_headers(context: &TraceContext) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let child = assetrelay_contract::child_traceparent(&context.traceparent)
        .and_then(|c| HeaderValue::from_str(&c).ok());
    if let Some(child) = child {
        headers.insert(TRACEPARENT, child);
        if let Some(state) = &context.tracestate {
            headers.insert(TRACESTATE, state.clone());
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
        headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn inside_a_scope_each_call_gets_a_child_of_the_delivery_and_its_state() {
        let context = TraceContext::from_headers(Some(PARENT), Some("vendor=abc"));
        let (first, second) =
            scope(context, async { (outbound_headers(), outbound_headers()) }).await;

        let child = header(&first, &TRACEPARENT).unwrap();
        assert!(
            child.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{child}"
        );
        assert!(child.ends_with("-01"), "{child}");
        assert_ne!(child, PARENT);
        assert_ne!(Some(child), header(&second, &TRACEPARENT));
        assert_eq!(header(&first, &TRACESTATE), Some("vendor=abc"));
    }

    #[tokio::test]
    async fn outside_a_scope_no_trace_header_is_sent() {
        assert!(outbound_headers().is_empty());
        assert_eq!(current(), None);
        assert!(scope(None, async { outbound_headers() }).await.is_empty());
    }

    #[test]
    fn a_malformed_traceparent_gives_no_context_and_a_bad_tracestate_is_dropped() {
        assert_eq!(
            TraceContext::from_headers(Some("00-zz-yy-01"), Some("a=b")),
            None
        );
        assert_eq!(TraceContext::from_headers(None, Some("a=b")), None);
        let context = TraceContext::from_headers(Some(PARENT), Some("a=b\u{7f}")).unwrap();
        assert_eq!(context.tracestate(), None);
        assert_eq!(context.traceparent(), PARENT);
    }
}
