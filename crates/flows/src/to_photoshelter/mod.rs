//! Flow `to-photoshelter` (use cases 2, 5, 6): a Smint.io license changed → its state as
//! the Smint.io sync read it from the CLAPI-C feed (carried by the event; for a webhook
//! that only names the license, read from the feed) → if the connection's rules clear it for distribution, make
//! sure each of its binaries has one copy in the distribution gallery, at the binary's
//! current version and with mapped IPTC, older versions retired; otherwise retire every
//! copy.
//!
//! Modules: `distribute` (one copy per binary, a new file only for a new binary version),
//! `upload` (one claimed upload per binary version), `metadata` (the copy's IPTC and
//! attributes brought to the license's).

mod distribute;
mod metadata;
mod upload;

use assetrelay_broker::consumer::{Delivery, Handled, Handler, HandlerError};
use assetrelay_contract::source::SMINTIO_SYNC;
use assetrelay_contract::{Platform, SourceState};
use assetrelay_mapping::Labels;
use assetrelay_mapping::expiry::license_expires_at;
use assetrelay_mapping::to_photoshelter::{
    Distribution, iptc_for_license, license_distribution, media_update_for_license,
};
use assetrelay_smintio::client::LicensePurchaseTransaction;

use crate::shared::connections::Connection;
use crate::shared::context::FlowContext;
use crate::shared::failure::{FlowError, from_store, parse_event};
use crate::shared::ps_copies::{copies_recorded_in, license_key, record_copies, retire};
use crate::shared::source::license_source;
use assetrelay_mapping::fingerprint::fingerprint;
use assetrelay_store::SourceVersion;
use chrono::{DateTime, Utc};
use distribute::Target;

/// Where `apply` gets the license from.
enum Feed {
    /// Read the feed forward, then look the license up (a webhook naming the license).
    ReadForward,
    /// The state the Smint.io sync read from the feed at `read_at`, carried by the event.
    Carried {
        lpt: Box<LicensePurchaseTransaction>,
        read_at: DateTime<Utc>,
    },
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
        match (&event.subject, &event.data.state) {
            (Some(uuid), Some(state)) => {
                let feed = carried(uuid, state)?;
                self.apply(&connection, uuid, feed).await
            }
            (Some(uuid), None) => self.apply(&connection, uuid, Feed::ReadForward).await,
            (None, _) => {
                // A feed ping names no license. The sources read the feed from the stored
                // continuation and publish each transaction; reading it here too would
                // move a position past states not yet safely applied. The request is
                // stored before the ack, so a ping is never lost, only coalesced.
                self.ctx
                    .store
                    .request_run(&connection.name, SMINTIO_SYNC)
                    .await
                    .map_err(|e| from_store("request a license feed sync", &e))?;
                tracing::debug!(connection = %connection.name, "feed ping: license feed sync requested");
                Ok(Handled::Skipped("sync_requested"))
            }
        }
    }

    async fn apply(
        &self,
        connection: &Connection,
        uuid: &str,
        feed: Feed,
    ) -> Result<Handled, FlowError> {
        let key = license_key(&connection.name, uuid);
        let (_turn, recorded) = self
            .ctx
            .turns
            .take_reading(&connection.name, Platform::Smintio, uuid, &key)
            .await?;
        let (lpt, source) = match feed {
            Feed::ReadForward => {
                let lpt = connection.licenses.get(uuid).await?.ok_or_else(|| {
                    HandlerError::transient(
                        "license_not_in_feed",
                        format!(
                            "license purchase transaction {uuid} is not (yet) in the CLAPI-C feed"
                        ),
                    )
                })?;
                let source = license_source(&lpt);
                (lpt, source)
            }
            Feed::Carried { lpt, read_at } => {
                let source = SourceVersion {
                    modified_ms: lpt.last_updated_at.map_or(0, |t| t.timestamp_millis()),
                    read_ms: read_at.timestamp_millis(),
                };
                (*lpt, source)
            }
        };
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
        let mut copies = copies_recorded_in(recorded);
        if copies
            .recorded_source
            .is_some_and(|recorded| recorded > source)
        {
            // An older state than the one applied (a replay, a re-read of the feed).
            tracing::info!(
                license = uuid,
                "stale: a newer license state is already applied"
            );
            return Ok(Handled::Skipped("stale"));
        }
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

        // Read before any write, so a tenant whose metadata cannot be read yet gets no copy
        // with raw keys for rights text, and a retry repeats nothing.
        let metadata = connection.metadata.get().await?;
        let iptc = iptc_for_license(
            &lpt,
            &Labels::new(&metadata, &connection.rules.distribution.language),
        );
        let binaries = self.binaries(connection, &lpt).await?;
        if let Some(expires) = license_expires_at(&lpt) {
            self.ctx
                .scheduler
                .schedule(&connection.name, Platform::Smintio, uuid, expires, now)
                .await?;
        }
        // What the copies are brought to (for the trace; a copy's own state is compared on
        // every write, as someone may edit it in PhotoShelter).
        let update = format!("{:?}", media_update_for_license(&lpt));
        let print = fingerprint(&(&iptc, update));
        let target = Target {
            connection,
            lpt: &lpt,
            gallery: &gallery,
            key: &key,
            iptc: &iptc,
            source,
            print,
        };
        self.distribute(target, &binaries, copies).await
    }
}

/// The license the event carries: the feed's transaction, for the license it names.
fn carried(uuid: &str, state: &SourceState) -> Result<Feed, FlowError> {
    let lpt: LicensePurchaseTransaction =
        serde_json::from_value(state.body.clone()).map_err(|e| {
            HandlerError::permanent(
                "bad_state",
                format!("data.state.body is not a license purchase transaction: {e}"),
            )
        })?;
    if lpt.uuid != uuid {
        return Err(HandlerError::permanent(
            "bad_state",
            format!(
                "data.state.body is license {}, the event names {uuid}",
                lpt.uuid
            ),
        ));
    }
    Ok(Feed::Carried {
        lpt: Box::new(lpt),
        read_at: state.read_at,
    })
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
