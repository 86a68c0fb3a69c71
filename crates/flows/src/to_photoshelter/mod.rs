//! Flow `to-photoshelter` (use cases 2, 5, 6): a Smint.io license changed → read its current
//! state from the CLAPI-C feed → if the connection's rules clear it for distribution, make
//! sure its latest version is in the distribution gallery with mapped IPTC, older versions
//! retired; otherwise retire every copy.
//!
//! Modules: `upload` (one claimed upload per license version), `metadata` (the copy's
//! IPTC and attributes brought to the license's).

mod metadata;
mod upload;

use assetrelay_broker::consumer::{Delivery, Handled, Handler, HandlerError};
use assetrelay_contract::Platform;
use assetrelay_mapping::expiry::license_expires_at;
use assetrelay_mapping::to_photoshelter::{
    Distribution, iptc_for_license, license_distribution, media_update_for_license,
};
use assetrelay_smintio::client::LicensePurchaseTransaction;

use crate::shared::connections::Connection;
use crate::shared::context::FlowContext;
use crate::shared::failure::{FlowError, parse_event};
use crate::shared::ps_copies::{
    DistributedCopy, license_key, record_copies, record_upload, recorded_copies, retire,
};
use crate::shared::source::license_source;
use assetrelay_mapping::fingerprint::fingerprint;
use metadata::write_metadata;
use upload::CopyOf;

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
}

impl Handler for ToPhotoshelter {
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl std::future::Future<Output = Result<Handled, HandlerError>> + Send {
        crate::shared::calls::with_store_time(
            assetrelay_contract::Flow::ToPhotoshelter,
            self.sync(delivery),
        )
    }
}
