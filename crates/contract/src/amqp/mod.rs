//! The AMQP side of the contract (DESIGN §4): how an event travels as a message.
//!
//! - [`header`]: every header name any component writes or reads. No other crate writes a
//!   header name as a literal.
//! - [`OutgoingMessage`]: a message to publish; [`OutgoingMessage::for_event`] builds the
//!   one message shape of an event, [`OutgoingMessage::copy_to`] the one way to republish
//!   a received message (retry, park, re-drive, replay) with edited headers.
//! - [`Headers`]: a message's header table with the edits the copies need
//!   ([`Headers::mark_retry`], [`Headers::mark_parked`], [`Headers::clear_failure`],
//!   [`Headers::mark_replayed`]).
//! - [`text_headers`]: a received message's headers as text, as consumers read them.

pub mod header;
mod headers;
mod message;

pub use headers::{Headers, MAX_DETAIL_BYTES, Parking, header_text, text_headers, truncate};
pub use message::OutgoingMessage;
