//! Broker errors, classified once so callers can answer correctly (503 vs. retry).

/// Why a publish did not end in a positive confirm.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No connection to the broker right now (it is being re-established); the error
    /// the lost connection failed the publish with, when there was one.
    #[error("not connected to the broker")]
    NotConnected(#[source] Option<lapin::Error>),
    /// The broker refused to take responsibility for the message (`basic.nack`).
    #[error("the broker nacked the message")]
    Nacked,
    /// `mandatory` publish that no queue was bound for (`basic.return` before the ack).
    #[error("unroutable: {reply_code} {reply_text}")]
    Unroutable { reply_code: u16, reply_text: String },
    /// The channel was closed (by the broker, or with its connection) before the confirm.
    #[error("channel closed before the confirm")]
    ChannelClosed(#[source] lapin::Error),
    /// No confirm within the configured time; the outcome is unknown.
    #[error("no confirm within {0:?}")]
    ConfirmTimeout(std::time::Duration),
}

impl PublishError {
    /// Short label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotConnected(_) => "not_connected",
            Self::Nacked => "nacked",
            Self::Unroutable { .. } => "unroutable",
            Self::ChannelClosed(_) => "channel_closed",
            Self::ConfirmTimeout(_) => "confirm_timeout",
        }
    }
}

/// Errors of connecting and declaring.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot connect to the broker")]
    Connect(#[source] lapin::Error),
    #[error("cannot declare `{object}`")]
    Declare {
        object: String,
        #[source]
        source: lapin::Error,
    },
    #[error("not connected to the broker")]
    NotConnected,
    /// A passive declare failed: the queue does not exist (or the channel broke).
    #[error("cannot inspect queue `{queue}` (does it exist?)")]
    Inspect {
        queue: String,
        #[source]
        source: lapin::Error,
    },
    #[error("broker operation failed")]
    Amqp(#[from] lapin::Error),
}
