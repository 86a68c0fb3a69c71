//! Why a verification failed. The reasons are labels for metrics and logs; none of them
//! carries key material or the expected signature.

/// The class of a verification failure, stable enough to be a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// A required header is absent.
    MissingHeader,
    /// A header is present but cannot be parsed (not ASCII, bad timestamp, no usable entry).
    Malformed,
    /// The timestamp is older than the tolerance allows.
    Expired,
    /// The timestamp lies further in the future than the tolerance allows.
    FromTheFuture,
    /// Well-formed, in time, but no signature matches any active secret.
    NoMatch,
}

impl FailureReason {
    /// Lower-case label for metrics (`missing_header`, `malformed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingHeader => "missing_header",
            Self::Malformed => "malformed",
            Self::Expired => "expired",
            Self::FromTheFuture => "from_the_future",
            Self::NoMatch => "no_match",
        }
    }
}

/// A verification failure: the reason and which header it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing header `{0}`")]
    MissingHeader(String),
    #[error("malformed header `{header}`: {problem}")]
    Malformed {
        header: String,
        problem: &'static str,
    },
    #[error("timestamp is older than the tolerance of {tolerance_secs} s")]
    Expired { tolerance_secs: u64 },
    #[error("timestamp is more than {tolerance_secs} s in the future")]
    FromTheFuture { tolerance_secs: u64 },
    #[error("no signature matches")]
    NoMatch,
}

impl VerifyError {
    pub fn reason(&self) -> FailureReason {
        match self {
            Self::MissingHeader(_) => FailureReason::MissingHeader,
            Self::Malformed { .. } => FailureReason::Malformed,
            Self::Expired { .. } => FailureReason::Expired,
            Self::FromTheFuture { .. } => FailureReason::FromTheFuture,
            Self::NoMatch => FailureReason::NoMatch,
        }
    }
}

/// A secret that cannot be used as a key. The message never repeats the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("secret is empty")]
    Empty,
    #[error("secret after `whsec_` is not valid base64")]
    NotBase64,
}
