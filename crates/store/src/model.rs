//! The values the store takes and returns. Times are milliseconds since the Unix epoch
//! (`*_ms`); see the crate doc for whose clock.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

/// A stored position with when it was stored ([`crate::Store::cursor_entry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCursor {
    pub value: String,
    /// When it was last stored: ms since the Unix epoch, by the database's clock.
    pub updated_at_ms: i64,
}

/// A stored credential (e.g. a rotated refresh token). `Debug` never shows the value.
#[derive(Debug, Clone)]
pub struct Credential {
    pub value: SecretString,
    /// Starts at 1 and grows by 1 on every successful swap.
    pub version: i64,
}

/// The result of [`crate::Store::swap_credential`].
#[derive(Debug, Clone)]
pub enum Swap {
    /// Ours is stored now, with this version.
    Won { version: i64 },
    /// Someone else swapped first: use theirs (`current`), do not overwrite it.
    Lost { current: Credential },
}

/// Who holds a lease, and until when (database clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub expires_at_ms: i64,
}

/// A source asset as one flow sees it: the ledger's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssetKey {
    pub connection: String,
    pub flow: String,
    /// The source platform (`photoshelter`, `smintio`).
    pub platform: String,
    /// The asset's id on the source platform.
    pub asset_id: String,
}

impl AssetKey {
    pub fn new(
        connection: impl Into<String>,
        flow: impl Into<String>,
        platform: impl Into<String>,
        asset_id: impl Into<String>,
    ) -> Self {
        Self {
            connection: connection.into(),
            flow: flow.into(),
            platform: platform.into(),
            asset_id: asset_id.into(),
        }
    }
}

/// Which state of the source a write carries, ordered by `modified_ms`, then `read_ms`
/// (the derived `Ord` compares the fields in this order, as the ledger's SQL does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceVersion {
    /// The source's own modification time (or a version that changes on every edit).
    pub modified_ms: i64,
    /// When we read the source: orders two reads of one modification time.
    pub read_ms: i64,
}

/// What a flow wrote to the target for one source version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerWrite {
    pub target_ids: Vec<String>,
    pub fingerprint: String,
    pub source: SourceVersion,
    pub outcome: String,
}

/// The ledger row of an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub target_ids: Vec<String>,
    pub fingerprint: String,
    pub source: SourceVersion,
    pub last_outcome: String,
    pub updated_at_ms: i64,
}

/// The result of [`crate::Store::try_acquire_lease_reading`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// The lease is the caller's, and this is the ledger row read after it was taken.
    Taken { ledger: Option<LedgerEntry> },
    /// Someone else holds it; the ledger was not read.
    HeldElsewhere,
}

/// The result of [`crate::Store::record_write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Applied,
    /// The ledger holds this source version or a newer one; nothing was changed.
    Stale {
        current: LedgerEntry,
    },
}

/// The result of [`crate::Store::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Ours (new, or already ours and renewed): make the effect, then
    /// [`complete_claim`](crate::Store::complete_claim).
    Taken,
    /// The effect was made already; this is its target id.
    Done { target_id: String },
    /// Another holder is making it; ask again after `expires_at_ms`.
    HeldElsewhere { holder: String, expires_at_ms: i64 },
    /// Ours now, but `previous_holder` held it and let it expire: its effect may have
    /// happened. Check the target before repeating it.
    TakenOver { previous_holder: String },
}

/// What a flow decided for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Written,
    Skipped,
    Retried,
    Parked,
    Replayed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Skipped => "skipped",
            Self::Retried => "retried",
            Self::Parked => "parked",
            Self::Replayed => "replayed",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not one of the [`Decision`] names.
#[derive(Debug, thiserror::Error)]
#[error("unknown decision")]
pub struct UnknownDecision;

impl FromStr for Decision {
    type Err = UnknownDecision;
    fn from_str(text: &str) -> Result<Self, UnknownDecision> {
        Ok(match text {
            "written" => Self::Written,
            "skipped" => Self::Skipped,
            "retried" => Self::Retried,
            "parked" => Self::Parked,
            "replayed" => Self::Replayed,
            _ => return Err(UnknownDecision),
        })
    }
}

/// One row of the outcome history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// When the flow decided (the caller's clock: rows may be written later, in batches).
    pub at_ms: i64,
    pub event_id: String,
    pub event_type: String,
    /// The event's own time (ms), when known.
    pub event_at_ms: Option<i64>,
    pub flow: String,
    pub connection: String,
    pub platform: String,
    pub asset_id: String,
    pub decision: Decision,
    /// Why it was skipped or parked, or the failure that made it retry.
    pub reason: Option<String>,
    /// The retry tier, for [`Decision::Retried`].
    pub tier: Option<i32>,
    /// The target call made (e.g. `PUT /assets/{id}`).
    pub target_call: Option<String>,
    /// How it ended: `ok`, an HTTP status, or `transport`.
    pub target_status: Option<String>,
    pub duration_ms: i64,
}

/// A migration, embedded or applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    pub version: i64,
    pub description: String,
}

/// What `assetrelay store status` prints.
#[derive(Debug, Clone)]
pub struct Status {
    pub backend: &'static str,
    pub applied: Vec<MigrationInfo>,
    pub pending: Vec<MigrationInfo>,
    /// Rows per table; empty while migrations are pending.
    pub rows: Vec<(&'static str, i64)>,
}

/// Longest TTL taken: keeps `now + ttl` far from overflowing a BIGINT.
const MAX_TTL_MS: i64 = 10 * 365 * 24 * 3_600_000;

pub(crate) fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).map_or(MAX_TTL_MS, |ms| ms.min(MAX_TTL_MS))
}
