//! Errors of the operations, mapped once by the CLI (exit codes) and the admin API (problem+json).

/// The error an operation failed with, kept as the source of ours.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Bad input from the operator (a filter, a time, a flow name): our own words.
    #[error("{0}")]
    Invalid(String),
    /// A broker operation failed: `what` says which, the source (when there is one) why.
    #[error("broker: {what}")]
    Broker {
        what: String,
        #[source]
        source: Option<Cause>,
    },
    /// The management HTTP API could not be reached or refused.
    #[error("management API: {what}")]
    Management {
        what: String,
        #[source]
        source: Option<Cause>,
    },
    /// The store could not be read: `what` says which read, the source why.
    #[error("store: {what}")]
    Store {
        what: String,
        #[source]
        source: Option<Cause>,
    },
    /// Some messages were not confirmed by the broker.
    #[error("{unconfirmed} message(s) were not confirmed by the broker")]
    Unconfirmed { unconfirmed: u64 },
}

impl OpsError {
    /// A broker operation that failed with `source`.
    pub(crate) fn broker(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Broker {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// A broker condition with no underlying error (not connected in time, a channel gone).
    pub(crate) fn broker_state(what: impl Into<String>) -> Self {
        Self::Broker {
            what: what.into(),
            source: None,
        }
    }

    /// A store read that failed with `source` (whose messages hold no URL or secret).
    pub(crate) fn store(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Store {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn management(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self::Management {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn management_state(what: impl Into<String>) -> Self {
        Self::Management {
            what: what.into(),
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_the_source_not_part_of_the_message() {
        let error = OpsError::broker("cannot open `q`", std::io::Error::other("refused"));
        assert_eq!(error.to_string(), "broker: cannot open `q`");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("refused"));
    }
}
