//! Which state of a source item a write carries ([`SourceVersion`]): the ledger keeps the
//! newest one written and refuses an older one, so two replicas racing on one asset
//! converge to the newest state.
//!
//! Ordered by the platform's modification time, then by when we read it: two reads of one
//! modification time (PhotoShelter's has whole seconds; an edit within the same second
//! keeps it) are ordered by the later read, which inside the asset's turn is the fresher
//! state. PhotoShelter's `Version` is the *file* version, "1" for every metadata edit, so
//! it cannot order metadata.

use assetrelay_photoshelter::client::MediaSnapshot;
use assetrelay_smintio::client::LicensePurchaseTransaction;
use assetrelay_store::SourceVersion;
use chrono::{DateTime, Utc};

/// The version of a state modified at `modified` (unknown: 0) and read now.
pub fn source_version(modified: Option<DateTime<Utc>>) -> SourceVersion {
    SourceVersion {
        modified_ms: modified.map_or(0, |t| t.timestamp_millis()),
        read_ms: Utc::now().timestamp_millis(),
    }
}

/// A PhotoShelter item's state as one consistent read gave it (no modification time:
/// ordered by the read alone).
pub fn media_source(snapshot: &MediaSnapshot) -> SourceVersion {
    snapshot.source_version().map_or(
        SourceVersion {
            modified_ms: 0,
            read_ms: snapshot.read_at.timestamp_millis(),
        },
        |v| SourceVersion {
            modified_ms: v.modified_ms,
            read_ms: v.read_ms,
        },
    )
}

/// A license's state as read now.
pub fn license_source(lpt: &LicensePurchaseTransaction) -> SourceVersion {
    source_version(lpt.last_updated_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_modification_is_newer_and_a_later_read_breaks_a_tie() {
        let t = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        let first = source_version(t("2026-12-01T10:00:00Z"));
        let later_edit = source_version(t("2026-12-01T10:00:01Z"));
        assert!(later_edit > first);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let reread = source_version(t("2026-12-01T10:00:00Z"));
        assert!(reread > first, "same modification time, read later");
        assert!(later_edit.modified_ms > reread.modified_ms);
        assert_eq!(source_version(None).modified_ms, 0);
    }
}
