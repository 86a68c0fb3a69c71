//! One media item read as a consistent snapshot, and the version that orders snapshots.
//!
//! v4 spreads an item over four resources (`/media/{id}`, `/iptc`, `/galleries`,
//! `/custom-metadata`), and only the first carries a modification time: the IPTC,
//! gallery and custom-metadata answers have none (SPEC-DRAFT, CLIENT; the sandbox
//! serves the same shapes). Read independently, the parts can straddle an edit, giving
//! the new `modified_at` with the old IPTC. So the item is read as a bracket: the base,
//! then the parts (concurrently), then the base again. When the second base equals the
//! first, the parts were read while the item stayed at that modification; otherwise the
//! second base opens the next bracket (so a re-read costs four calls, not five), at
//! most [`MAX_ATTEMPTS`] times, then [`Error::InconsistentRead`] (transient: the item
//! was being edited, a later try reads it at rest).
//!
//! The base must be read *before* the parts start: read alongside them, it could land
//! after an edit that a part had just missed, and the bracket would not see it.
//!
//! Granularity: the draft's examples give `modified_at` both to the second
//! (`2019-10-02 14:39:23 GMT`) and to the microsecond (`2019-04-25T14:54:12.136828`);
//! which one the live API uses is undocumented. At second granularity, an edit within
//! the same second as the previous one leaves `modified_at` unchanged, so neither the
//! bracket nor the modification time alone can order the two reads. [`SourceVersion`]
//! therefore also carries when the snapshot's bracket began: of two snapshots with the
//! same modification time, the one begun later wins, and an edit the earlier one may have
//! straddled happened before the later one began.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::v4_data;
use super::error::Error;
use super::model::Media;
use super::{Client, Result, checked_id, parse};

/// Brackets tried before a read is declared inconsistent.
pub const MAX_ATTEMPTS: u32 = 3;

const GET_MEDIA: &str = "GET /psapi/v4.0/media/{media_id}";
const GET_IPTC: &str = "GET /psapi/v4.0/media/{media_id}/iptc";

/// A media item read consistently (see the module documentation), with when its read
/// began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaSnapshot {
    /// The item with its IPTC, galleries and custom metadata, all from one modification.
    pub media: Media,
    /// When the read that produced it began (its first base call was sent).
    pub read_at: DateTime<Utc>,
}

/// Orders reads of one item: by modification time, then by when the read began.
///
/// The media `version` attribute cannot do this: it is the *file* version (a new binary
/// uploaded), and stays `1` through every metadata edit, so two reads with different IPTC
/// carry the same `version`. Field order matters: the derived `Ord` compares
/// `modified_ms` first, then `read_ms`, as the ledger does with `(modified_ms, read_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceVersion {
    /// `modified_at` in milliseconds since the Unix epoch.
    pub modified_ms: i64,
    /// `read_at` in milliseconds since the Unix epoch (breaks ties within one
    /// modification time, see the module documentation).
    pub read_ms: i64,
}

impl MediaSnapshot {
    /// The version that changes on every metadata edit; `None` when PhotoShelter gave no
    /// modification time (the item cannot be ordered against other reads).
    pub fn source_version(&self) -> Option<SourceVersion> {
        let modified = self.media.modified_at?;
        Some(SourceVersion {
            modified_ms: modified.timestamp_millis(),
            read_ms: self.read_at.timestamp_millis(),
        })
    }

    /// The media item.
    pub fn into_media(self) -> Media {
        self.media
    }
}

impl Client {
    /// A media item with its IPTC, galleries and custom metadata, read consistently: five
    /// calls when the item is not edited meanwhile (the base twice, the three parts
    /// concurrently), four more per re-read.
    pub async fn media_snapshot(&self, media_id: &str) -> Result<MediaSnapshot> {
        let id = checked_id("media", media_id)?;
        let item_path = format!("/psapi/v4.0/media/{id}");
        let mut read_at = Utc::now();
        let mut base = self.media_base(&item_path).await?;
        for attempt in 1..=MAX_ATTEMPTS {
            let iptc_path = format!("/psapi/v4.0/media/{id}/iptc");
            let (iptc, galleries, custom) = futures::try_join!(
                self.get_v4(GET_IPTC, &iptc_path, &[]),
                self.media_galleries(id),
                self.custom_metadata(id),
            )?;
            let closing_at = Utc::now();
            let closing = self.media_base(&item_path).await?;
            if closing == base {
                let mut media = closing;
                media.iptc = Some(v4_data(&iptc).map(parse::iptc).unwrap_or_default());
                media.galleries = Some(galleries);
                media.custom_metadata = custom;
                return Ok(MediaSnapshot { media, read_at });
            }
            tracing::debug!(
                attempt,
                "PhotoShelter media changed while it was read; reading it again"
            );
            (base, read_at) = (closing, closing_at);
        }
        Err(Error::InconsistentRead {
            attempts: MAX_ATTEMPTS,
        })
    }

    /// The media resource alone (no parts).
    async fn media_base(&self, item_path: &str) -> Result<Media> {
        let item = self.get_v4(GET_MEDIA, item_path, &[]).await?;
        v4_data(&item).and_then(parse::media).ok_or_else(|| {
            Error::missing(
                GET_MEDIA,
                reqwest::StatusCode::OK,
                "no media resource in data",
            )
        })
    }
}
