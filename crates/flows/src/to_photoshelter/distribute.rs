//! A license cleared for distribution: one copy per binary in the distribution gallery,
//! each at its binary's current version, with the license's metadata.
//!
//! The file is uploaded again only when a binary's version changed (`SyncBinary.version`,
//! "> 1 means the binary was updated", research/smintio.md): a license update that changes
//! terms or names only updates the existing copies in place, so their PhotoShelter ids and
//! links stay. PhotoShelter documents no way to replace an item's file (research
//! photoshelter.md §2.2), so a new binary version becomes a new item and the old one is
//! retired; a binary the license no longer lists has its copy retired.

use assetrelay_broker::consumer::Handled;
use assetrelay_mapping::to_photoshelter::{binary_version, primary_binary};
use assetrelay_photoshelter::client::Iptc;
use assetrelay_smintio::client::{LicensePurchaseTransaction, SyncBinary};
use assetrelay_store::{AssetKey, SourceVersion};

use super::ToPhotoshelter;
use super::metadata::write_metadata;
use super::upload::CopyOf;
use crate::shared::connections::Connection;
use crate::shared::failure::FlowError;
use crate::shared::ps_copies::{
    DistributedCopy, LicenseCopies, record_copies, record_upload, retire,
};

/// What the distribution of one license state needs.
pub(super) struct Target<'a> {
    pub connection: &'a Connection,
    pub lpt: &'a LicensePurchaseTransaction,
    pub gallery: &'a str,
    pub key: &'a AssetKey,
    pub iptc: &'a Iptc,
    /// The license state being applied (the ledger compares it).
    pub source: SourceVersion,
    /// The trace's fingerprint of what the copies were brought to.
    pub print: String,
}

impl ToPhotoshelter {
    pub(super) async fn distribute(
        &self,
        target: Target<'_>,
        binaries: &[SyncBinary],
        mut copies: LicenseCopies,
    ) -> Result<Handled, FlowError> {
        let Target {
            connection,
            lpt,
            gallery,
            key,
            iptc,
            source,
            print,
        } = target;
        if let Some(main) = primary_binary(binaries) {
            copies.adopt_legacy(&main.uuid, binary_version(main));
        }
        // Binaries read older than the copies made of them: a newer state was applied.
        if let Some((binary, newer)) = binaries.iter().find_map(|b| {
            copies
                .active
                .iter()
                .find(|c| c.is_of(&b.uuid) && c.version > binary_version(b))
                .map(|c| (b, c.version))
        }) {
            tracing::info!(
                license = %lpt.uuid,
                binary = %binary.uuid,
                version = binary_version(binary),
                newer,
                "stale: a newer version of the binary is already distributed"
            );
            return Ok(Handled::Skipped("stale"));
        }

        let store = &self.ctx.store;
        let mut changed = false;
        let mut recorded_upload = false;
        let mut current = Vec::new();
        for binary in binaries {
            let version = binary_version(binary);
            let existing = copies
                .active
                .iter()
                .find(|c| c.is_of(&binary.uuid) && c.version == version)
                .map(|c| c.media_id.clone());
            let media_id = match existing {
                Some(media_id) => media_id,
                None => {
                    let claim = copies.upload_claim(key, &binary.uuid, version);
                    let found = self
                        .upload_once(connection, lpt, binary, gallery, &claim)
                        .await?;
                    let media_id = found.media_id().to_owned();
                    copies.active.push(DistributedCopy {
                        media_id: media_id.clone(),
                        binary: Some(binary.uuid.clone()),
                        version,
                    });
                    if let CopyOf::Made(_) = found {
                        changed = true;
                        if recorded_upload {
                            // A second upload of this delivery: the claim names the copy
                            // until the ledger row below (one source version per row).
                            self.complete(&claim, &media_id).await?;
                        } else {
                            let holder = &self.ctx.holder;
                            record_upload(store, &claim, holder, &media_id, key, &copies, source)
                                .await?;
                            recorded_upload = true;
                        }
                    }
                    media_id
                }
            };
            changed |= write_metadata(connection, iptc, lpt, &media_id).await?;
            current.push(media_id);
        }
        // Older versions of the binaries, and binaries the license no longer has.
        for old in copies.active.clone() {
            if !current.contains(&old.media_id) {
                changed |= retire(&connection.photoshelter, gallery, &old.media_id).await?;
                copies.retire(&old.media_id);
            }
        }
        // The row after an upload's row: one step later for the same read.
        let source = if recorded_upload {
            SourceVersion {
                read_ms: source.read_ms.saturating_add(1),
                ..source
            }
        } else {
            source
        };
        record_copies(store, key, &copies, print, source).await?;
        tracing::info!(license = %lpt.uuid, copies = ?current, changed, "distributed to PhotoShelter");
        Ok(if changed {
            Handled::Ok
        } else {
            Handled::Skipped("unchanged")
        })
    }
}
