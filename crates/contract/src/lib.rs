#![doc = include_str!("../README.md")]
//! Modules: [`kind`] (platforms and event types), [`envelope`] (the CloudEvent and its
//! data), [`id`] (stable event ids and W3C trace context), [`payload`] (webhook field
//! parsing), [`flow`] (the flows and their bindings), [`source`] (the event sources' names), [`amqp`] (the message: header
//! names, properties, copies).

pub mod amqp;
pub mod envelope;
pub mod flow;
pub mod id;
pub mod kind;
pub mod payload;
pub mod source;

pub use amqp::{Headers, OutgoingMessage, header};
pub use envelope::{
    CLOUDEVENTS_CONTENT_TYPE, CloudEvent, EventData, Normalized, SPEC_VERSION, SourceState,
};
pub use flow::{Flow, UnknownFlow};
pub use id::{child_traceparent, event_id_for_delivery, new_traceparent, valid_traceparent};
pub use kind::{EventType, Platform, UnknownName};
pub use payload::{Ends, Fields, IdRule, PayloadError};
