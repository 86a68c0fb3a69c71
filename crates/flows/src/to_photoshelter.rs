//! Flow `to-photoshelter` (use cases 2, 5, 6): a Smint.io license changed → read its current
//! state from the CLAPI-C feed → if the connection's rules clear it for distribution, make
//! sure its latest version is in the distribution gallery with mapped IPTC, older versions
//! retired; otherwise retire every copy.

use assetrelay_broker::consumer::{Delivery, Handled, Handler, HandlerError};
use assetrelay_contract::Platform;
use assetrelay_mapping::expiry::license_expires_at;
use assetrelay_mapping::origin::upload_file_name;
use assetrelay_mapping::to_photoshelter::{
    Distribution, iptc_for_license, license_distribution, media_update_for_license, primary_binary,
};
use assetrelay_photoshelter::client::{Iptc, Media, MediaUpdate, Upload, UploadSource};
use assetrelay_smintio::client::LicensePurchaseTransaction;

use crate::shared::calls::timed;
use crate::shared::connections::Connection;
use crate::shared::context::FlowContext;
use crate::shared::failure::{FlowError, from_photoshelter, from_smintio, from_store, parse_event};
use crate::shared::ps_copies::{
    DistributedCopy, find_copies, license_key, record_copies, record_upload, recorded_copies,
    retire,
};
use crate::shared::source::license_source;
use assetrelay_mapping::fingerprint::fingerprint;
use assetrelay_store::Claim;

/// Where `apply` gets the license from.
enum Feed {
    /// Read the feed forward, then look the license up.
    ReadForward,
    /// The caller has just read it from the feed (a feed ping).
    JustRead(Box<LicensePurchaseTransaction>),
}

pub struct ToPhotoshelter {
    ctx: FlowContext,
}

impl ToPhotoshelter {
    pub fn new(ctx: FlowContext) -> Self {
        Self { ctx }
    }

    async fn sync(&self, delivery: &Delivery) -> Result<Handled, FlowError> {
        let event = parse_event(delivery)?;
        if event.data.platform != Platform::Smintio {
            return Err(HandlerError::permanent(
                "wrong_flow",
                format!(
                    "to-photoshelter handles Smint.io events, got one from {}",
                    event.data.platform
                ),
            ));
        }
        if !event.event_type.as_str().starts_with("license.") {
            // Smint.io asset events are bound to no flow (docs/webhooks.md); one can only
            // arrive from an old queue or a hand-made publish.
            return Err(HandlerError::permanent(
                "unsupported_event",
                format!(
                    "to-photoshelter handles Smint.io license events, got `{}`",
                    event.event_type
                ),
            ));
        }
        let connection = self.ctx.connection(&event)?;
        match &event.subject {
            Some(uuid) => self.apply(&connection, uuid, Feed::ReadForward).await,
            None => {
                // A feed ping names no license: apply every license the feed shows changed.
                let changed = connection.licenses.refresh().await?;
                let mut outcome = Handled::Skipped("unchanged");
                for lpt in changed {
                    let uuid = lpt.uuid.clone();
                    let feed = Feed::JustRead(Box::new(lpt));
                    if matches!(self.apply(&connection, &uuid, feed).await?, Handled::Ok) {
                        outcome = Handled::Ok;
                    }
                }
                Ok(outcome)
            }
        }
    }

    async fn apply(
        &self,
        connection: &Connection,
        uuid: &str,
        feed: Feed,
    ) -> Result<Handled, FlowError> {
        let _turn = self
            .ctx
            .turns
            .take(&connection.name, Platform::Smintio, uuid)
            .await?;
        let lpt = match feed {
            Feed::ReadForward => connection.licenses.get(uuid).await?,
            // Another delivery may have read a newer state while this one waited its turn.
            Feed::JustRead(read) => Some(connection.licenses.cached(uuid).await.unwrap_or(*read)),
        };
        let lpt = lpt.ok_or_else(|| {
            HandlerError::transient(
                "license_not_in_feed",
                format!("license purchase transaction {uuid} is not (yet) in the CLAPI-C feed"),
            )
        })?;
        let gallery = connection
            .rules
            .distribution
            .gallery
            .clone()
            .ok_or_else(|| {
                HandlerError::permanent(
                    "no_distribution_gallery",
                    format!(
                        "set connections.{}.rules.distribution.gallery",
                        connection.name
                    ),
                )
            })?;
        let ps = &connection.photoshelter;
        let key = license_key(&connection.name, uuid);
        let mut copies = recorded_copies(&self.ctx.store, &key).await?;
        let source = license_source(&lpt);
        let now = chrono::Utc::now();

        if let Distribution::Withhold(reason) =
            license_distribution(&connection.rules.distribution, &lpt, now)
        {
            let mut changed = false;
            for copy in copies.active.clone() {
                changed |= retire(ps, &gallery, &copy.media_id).await?;
                copies.retire(&copy.media_id);
            }
            record_copies(
                &self.ctx.store,
                &key,
                &copies,
                format!("withheld:{}", reason.as_str()),
                source,
            )
            .await?;
            tracing::info!(
                license = uuid,
                reason = reason.as_str(),
                changed,
                "not distributed"
            );
            return Ok(if changed {
                Handled::Ok
            } else {
                Handled::Skipped("withheld")
            });
        }

        let version = lpt.version.unwrap_or(1);
        if let Some(newer) = copies.active.iter().find(|c| c.version > version) {
            tracing::info!(
                license = uuid,
                version,
                newer = newer.version,
                "stale: a newer version is already distributed"
            );
            return Ok(Handled::Skipped("stale"));
        }
        if let Some(expires) = license_expires_at(&lpt) {
            self.ctx
                .scheduler
                .schedule(&connection.name, Platform::Smintio, uuid, expires, now)
                .await?;
        }
        let mut changed = false;
        let mut uploaded_now = false;
        let media_id = match copies.active.iter().find(|c| c.version == version) {
            Some(copy) => copy.media_id.clone(),
            None => {
                let claim = copies.upload_claim(&key, version);
                let found = self
                    .upload_once(connection, &lpt, &gallery, version, &claim)
                    .await?;
                let media_id = found.media_id().to_owned();
                copies.active.push(DistributedCopy {
                    media_id: media_id.clone(),
                    version,
                });
                // Recorded at once: from here on the ledger, not the claim, names the copy.
                let store = &self.ctx.store;
                match found {
                    CopyOf::Made(_) => {
                        changed = true;
                        let holder = &self.ctx.holder;
                        record_upload(store, &claim, holder, &media_id, &key, &copies, source)
                            .await?;
                    }
                    CopyOf::Existing(_) => {
                        record_copies(store, &key, &copies, String::new(), source).await?;
                    }
                }
                uploaded_now = true;
                media_id
            }
        };
        changed |= write_metadata(connection, &lpt, &media_id).await?;
        for old in copies.active.clone().iter().filter(|c| c.version < version) {
            changed |= retire(ps, &gallery, &old.media_id).await?;
            copies.retire(&old.media_id);
        }
        // What the copy was brought to (for the trace; the copy's own state is compared on
        // every write, as someone may edit it in PhotoShelter).
        let update = format!("{:?}", media_update_for_license(&lpt));
        let print = fingerprint(&(iptc_for_license(&lpt), update));
        // The same read as the record after the upload, written after it: one step later.
        let source = if uploaded_now {
            assetrelay_store::SourceVersion {
                read_ms: source.read_ms.saturating_add(1),
                ..source
            }
        } else {
            source
        };
        record_copies(&self.ctx.store, &key, &copies, print, source).await?;
        tracing::info!(license = uuid, version, %media_id, changed, "distributed to PhotoShelter");
        Ok(if changed {
            Handled::Ok
        } else {
            Handled::Skipped("unchanged")
        })
    }

    /// Upload `version` of the license unless its claim says it was uploaded already. The claim is taken before the
    /// upload, so two replicas can never both upload one version; a claim taken over
    /// from a process that died may have been uploaded without being recorded, so the
    /// gallery is looked at once before uploading again.
    async fn upload_once(
        &self,
        connection: &Connection,
        lpt: &LicensePurchaseTransaction,
        gallery: &str,
        version: i64,
        claim: &str,
    ) -> Result<CopyOf, FlowError> {
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
                        "{holder} is uploading version {version} of license {}",
                        lpt.uuid
                    ),
                ));
            }
            Claim::TakenOver { previous_holder } => {
                let found = find_copies(&connection.photoshelter, gallery, &lpt.uuid).await?;
                if let Some(copy) = found.into_iter().find(|c| c.version == version) {
                    tracing::info!(license = %lpt.uuid, version, %previous_holder, media_id = %copy.media_id, "found the copy a stopped replica uploaded");
                    self.complete(claim, &copy.media_id).await?;
                    return Ok(CopyOf::Existing(copy.media_id));
                }
            }
            Claim::Taken => {}
        }
        match self.upload(connection, lpt, gallery, version).await {
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

    async fn complete(&self, claim: &str, media_id: &str) -> Result<(), FlowError> {
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
        gallery: &str,
        version: i64,
    ) -> Result<String, FlowError> {
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
        let binary = primary_binary(&binaries).ok_or_else(|| {
            HandlerError::permanent(
                "no_binary",
                format!("license {} has no downloadable binary", lpt.uuid),
            )
        })?;
        let url = binary
            .download_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| {
                HandlerError::permanent("no_binary", "the binary's download_url is not a URL")
            })?;
        let file_name = upload_file_name(
            &lpt.uuid,
            version,
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

/// The copy of a license version, and where it came from.
enum CopyOf {
    /// Uploaded now, under this process's claim.
    Made(String),
    /// Uploaded before (the claim was done, or a stopped replica's copy was found).
    Existing(String),
}

impl CopyOf {
    fn media_id(&self) -> &str {
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

/// Bring the copy's IPTC and attributes to the license's; returns whether anything changed.
async fn write_metadata(
    connection: &Connection,
    lpt: &LicensePurchaseTransaction,
    media_id: &str,
) -> Result<bool, FlowError> {
    let ps = &connection.photoshelter;
    let media = timed("photoshelter", "media", ps.media(media_id))
        .await
        .map_err(|e| from_photoshelter(&e))?;
    let mut changed = false;
    let iptc = iptc_for_license(lpt);
    if iptc_differs(&iptc, media.iptc.as_ref()) {
        timed(
            "photoshelter",
            "update_iptc",
            ps.update_iptc(media_id, &iptc),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    let update = attributes_to_change(&media_update_for_license(lpt), &media);
    if update != MediaUpdate::default() {
        timed(
            "photoshelter",
            "update_media",
            ps.update_media(media_id, &update),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    Ok(changed)
}

/// Whether any field `desired` sets differs from `current` (fields it leaves out are not ours).
fn iptc_differs(desired: &Iptc, current: Option<&Iptc>) -> bool {
    let Some(current) = current else {
        return *desired != Iptc::default();
    };
    let (Ok(desired), Ok(current)) = (serde_json::to_value(desired), serde_json::to_value(current))
    else {
        return true;
    };
    let (Some(desired), Some(current)) = (desired.as_object(), current.as_object()) else {
        return true;
    };
    desired.iter().any(|(k, v)| current.get(k) != Some(v))
}

/// Only the attributes that differ from the media's current ones.
fn attributes_to_change(desired: &MediaUpdate, media: &Media) -> MediaUpdate {
    MediaUpdate {
        visibility: None,
        license_expiration_date: desired
            .license_expiration_date
            .filter(|d| *d != media.license_expiration_date),
        model_released: desired
            .model_released
            .filter(|b| Some(*b) != media.model_released),
        property_released: desired
            .property_released
            .filter(|b| Some(*b) != media.property_released),
    }
}

impl Handler for ToPhotoshelter {
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl std::future::Future<Output = Result<Handled, HandlerError>> + Send {
        self.sync(delivery)
    }
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

    #[test]
    fn compares_only_the_iptc_fields_it_writes() {
        let desired = Iptc {
            credit: Some("ACME".into()),
            trans_ref: Some("smintio:u".into()),
            ..Iptc::default()
        };
        let mut current = desired.clone();
        current.caption = Some("someone else's caption".into());
        assert!(!iptc_differs(&desired, Some(&current)));
        current.credit = Some("Other".into());
        assert!(iptc_differs(&desired, Some(&current)));
        assert!(iptc_differs(&desired, None));
        assert!(!iptc_differs(&Iptc::default(), None));
    }

    #[test]
    fn changes_only_attributes_that_differ() {
        let media: Media = serde_json::from_value(serde_json::json!({
            "id": "I1", "media_type": null, "file_name": null, "file_size": null, "hash": null,
            "model_released": true, "property_released": null, "rating": null, "searchable": null,
            "visibility": null, "archived": null, "license_expiration_date": "2030-01-01",
            "version": null, "created_at": null, "modified_at": null, "iptc": null,
            "galleries": null, "custom_metadata": null
        }))
        .unwrap();
        let desired = MediaUpdate {
            visibility: None,
            license_expiration_date: Some(Some(
                chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            )),
            model_released: Some(true),
            property_released: Some(false),
        };
        let change = attributes_to_change(&desired, &media);
        assert_eq!(change.license_expiration_date, None);
        assert_eq!(change.model_released, None);
        assert_eq!(change.property_released, Some(false));
    }
}
