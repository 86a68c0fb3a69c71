//! Errors of the operations, mapped once by the CLI (exit codes) and the admin API (problem+json).

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Bad input from the operator (a filter, a time, a flow name).
    #[error("{0}")]
    Invalid(String),
    /// The broker could not be reached or refused an operation.
    #[error("broker: {0}")]
    Broker(String),
    /// The management HTTP API could not be reached or refused.
    #[error("management API: {0}")]
    Management(String),
    /// Some messages were not confirmed by the broker.
    #[error("{unconfirmed} message(s) were not confirmed by the broker")]
    Unconfirmed { unconfirmed: u64 },
}
