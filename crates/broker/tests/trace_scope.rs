//! The consumer runner hands each handler the trace context of its message, which the
//! platform clients send on (`assetrelay_http_failure::trace`). Real RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::sync::{Arc, Mutex};

use assetrelay_broker::{Delivery, Handled};
use assetrelay_http_failure::trace::{self, TraceContext};
use support::{Seen, TestBed, handler, settings};

const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The context each handled message (by id) saw.
type Contexts = Arc<Mutex<Vec<(String, Option<TraceContext>)>>>;

#[tokio::test]
async fn the_handler_runs_in_the_trace_context_of_its_message_and_without_one_when_it_has_none() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let contexts = Contexts::default();
    let (recorder, record) = (seen.clone(), Arc::clone(&contexts));
    let consumer = bed
        .run(
            settings(),
            handler(move |d: Delivery| {
                let id = d.message_id.clone().unwrap_or_default();
                record.lock().unwrap().push((id, trace::current()));
                recorder.push(&d);
                async { Ok(Handled::Ok) }
            }),
        )
        .await;
    let traced = format!("{}-traced", bed.topology.prefix);
    let untraced = format!("{}-untraced", bed.topology.prefix);

    bed.publish(
        &traced,
        b"{}",
        &[("traceparent", PARENT), ("tracestate", "vendor=abc")],
    )
    .await;
    bed.publish(&untraced, b"{}", &[]).await;
    seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    let contexts = contexts.lock().unwrap().clone();
    let context_of = |id: &str| {
        contexts
            .iter()
            .find(|(seen, _)| seen == id)
            .map(|(_, context)| context.clone())
            .unwrap()
    };
    let context = context_of(&traced).expect("the traced message's context");
    assert_eq!(context.traceparent(), PARENT);
    assert_eq!(context.tracestate(), Some("vendor=abc"));
    assert_eq!(context_of(&untraced), None);
    bed.finish().await;
}
