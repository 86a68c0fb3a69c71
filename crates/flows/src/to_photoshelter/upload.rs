//! One upload per binary version of a license across replicas: the claim is taken before
//! the upload and completed with the ledger row (or, for a later binary of the same
//! delivery, alone: the ledger row follows before the delivery is acknowledged).

use assetrelay_broker::consumer::HandlerError;
use assetrelay_mapping::origin::upload_file_name;
use assetrelay_mapping::to_photoshelter::binary_version;
use assetrelay_photoshelter::client::{Upload, UploadSource};
use assetrelay_smintio::client::{LicensePurchaseTransaction, SyncBinary};
use assetrelay_store::Claim;

use super::ToPhotoshelter;
use crate::shared::calls::timed;
use crate::shared::connections::Connection;
use crate::shared::failure::{FlowError, from_photoshelter, from_smintio, from_store};
use crate::shared::ps_copies::find_copies;

impl ToPhotoshelter {
    /// Upload `binary` of the license at its version unless its claim says it was
    /// uploaded already. The claim is taken before the upload, so two replicas can never
    /// both upload one binary version; a claim taken over from a process that died may
    /// have been uploaded without being recorded, so the gallery is looked at once before
    /// uploading again.
    pub(super) async fn upload_once(
        &self,
        connection: &Connection,
        lpt: &LicensePurchaseTransaction,
        binary: &SyncBinary,
        gallery: &str,
        claim: &str,
    ) -> Result<CopyOf, FlowError> {
        let version = binary_version(binary);
        let store = &self.ctx.store;
        let holder = &self.ctx.holder;
        let taken = store
            .claim(claim, holder, self.ctx.lease_ttl)
            .await
            .map_err(|e| from_store("claim the upload", &e))?;
        match taken {
            Claim::Done { target_id } => return Ok(CopyOf::Existing(target_id)),
            Claim::HeldElsewhere { holder, .. } => {
                return Err(HandlerError::transient(
                    "upload_in_progress",
                    format!(
                        "{holder} is uploading version {version} of binary {} of license {}",
                        binary.uuid, lpt.uuid
                    ),
                ));
            }
            Claim::TakenOver { previous_holder } => {
                let found = find_copies(&connection.photoshelter, gallery, &lpt.uuid).await?;
                if let Some(copy) = found
                    .into_iter()
                    .find(|c| c.is_of(&binary.uuid) && c.version == version)
                {
                    tracing::info!(license = %lpt.uuid, binary = %binary.uuid, version, %previous_holder, media_id = %copy.media_id, "found the copy a stopped replica uploaded");
                    self.complete(claim, &copy.media_id).await?;
                    return Ok(CopyOf::Existing(copy.media_id));
                }
            }
            Claim::Taken => {}
        }
        match self.upload(connection, lpt, binary, gallery).await {
            // The caller completes the claim with the ledger write.
            Ok(media_id) => Ok(CopyOf::Made(media_id)),
            Err(e) => {
                // Whether the platform made the copy is unknown only for a lost answer;
                // keeping the claim until it expires then makes the next holder look.
                if e.status.is_some() {
                    let _ = store.release_claim(claim, holder).await;
                }
                Err(e)
            }
        }
    }

    pub(super) async fn complete(&self, claim: &str, media_id: &str) -> Result<(), FlowError> {
        let completed = self
            .ctx
            .store
            .complete_claim(claim, &self.ctx.holder, media_id)
            .await
            .map_err(|e| from_store("complete the upload claim", &e))?;
        if !completed {
            // Our claim expired during the upload and another process took it over; it
            // looks in the gallery and finds this copy.
            tracing::warn!(%claim, %media_id, "the upload claim was taken over during the upload");
        }
        Ok(())
    }

    async fn upload(
        &self,
        connection: &Connection,
        lpt: &LicensePurchaseTransaction,
        binary: &SyncBinary,
        gallery: &str,
    ) -> Result<String, FlowError> {
        let url = binary
            .download_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| {
                HandlerError::permanent(
                    "no_binary",
                    format!(
                        "the download_url of binary {} of license {} is not a URL",
                        binary.uuid, lpt.uuid
                    ),
                )
            })?;
        let file_name = upload_file_name(
            &lpt.uuid,
            &binary.uuid,
            binary_version(binary),
            binary.recommended_file_name.as_deref(),
            binary.content_type.as_deref(),
        );
        let upload = Upload {
            gallery_id: gallery.to_owned(),
            content_type: mime_type(binary.content_type.as_deref(), &file_name),
            file_name,
            searchable: None,
            source: UploadSource::Url(url),
        };
        let uploaded = timed(
            "photoshelter",
            "upload",
            connection.photoshelter.upload(&upload),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        Ok(uploaded.id)
    }
}

impl ToPhotoshelter {
    /// The license's binaries as CLAPI-C serves them now (an LPT does not carry them),
    /// each distributed as one copy ([`assetrelay_mapping::copied_binaries`]).
    pub(super) async fn binaries(
        &self,
        connection: &Connection,
        lpt: &LicensePurchaseTransaction,
    ) -> Result<Vec<SyncBinary>, FlowError> {
        let cart = lpt.cart_purchase_transaction_uuid.as_deref().ok_or_else(|| {
            HandlerError::permanent(
                "no_cart_transaction",
                format!("license {} names no cart purchase transaction, so its binaries cannot be read", lpt.uuid),
            )
        })?;
        let binaries = timed(
            "smintio",
            "license_purchase_transaction_binaries",
            connection
                .smintio
                .license_purchase_transaction_binaries(cart, &lpt.uuid),
        )
        .await
        .map_err(|e| from_smintio(&e))?;
        let copied: Vec<SyncBinary> = assetrelay_mapping::copied_binaries(&binaries)
            .into_iter()
            .cloned()
            .collect();
        if copied.is_empty() {
            return Err(HandlerError::permanent(
                "no_binary",
                format!("license {} has no downloadable binary", lpt.uuid),
            ));
        }
        Ok(copied)
    }
}

/// The copy of a binary version, and where it came from.
pub(super) enum CopyOf {
    /// Uploaded now, under this process's claim.
    Made(String),
    /// Uploaded before (the claim was done, or a stopped replica's copy was found).
    Existing(String),
}

impl CopyOf {
    pub(super) fn media_id(&self) -> &str {
        match self {
            Self::Made(id) | Self::Existing(id) => id,
        }
    }
}

/// A MIME type for the upload. Smint.io's binary `content_type` is a category (`image`),
/// so the file extension decides unless a valid MIME type was given; unknown → none sent.
fn mime_type(content_type: Option<&str>, file_name: &str) -> Option<String> {
    if let Some(mime) = content_type.and_then(|c| c.parse::<mime_guess::Mime>().ok()) {
        return Some(mime.to_string());
    }
    mime_guess::from_path(file_name)
        .first()
        .map(|mime| mime.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_a_mime_type_only_when_it_knows_one() {
        assert_eq!(
            mime_type(Some("image/png"), "x.jpg").as_deref(),
            Some("image/png")
        );
        assert_eq!(
            mime_type(Some("image"), "smintio-u-v1.JPG").as_deref(),
            Some("image/jpeg")
        );
        assert_eq!(
            mime_type(None, "smintio-u-v1.mov").as_deref(),
            Some("video/quicktime")
        );
        assert_eq!(mime_type(Some("image"), "smintio-u-v1.unknown-ext"), None);
        assert_eq!(mime_type(None, "no-extension"), None);
        assert_eq!(
            mime_type(Some("image jpeg/x"), "x.png").as_deref(),
            Some("image/png"),
            "a content type that is not a MIME type is not sent"
        );
    }
}
