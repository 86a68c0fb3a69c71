//! Flow `to-smint` (use cases 1, 3, 4, 8): a PhotoShelter media item changed → fetch its
//! current state → decide by the connection's rules whether and for which markets it is
//! exposed → push the mapped asset, with its rendition links, to the Smint.io data
//! adapter, or its deletion.

use assetrelay_broker::consumer::{Delivery, Handled, Handler, HandlerError};
use assetrelay_contract::Platform;
use assetrelay_mapping::approval::{Exposure, Withheld, exposure};
use assetrelay_mapping::expiry::media_expires_at;
use assetrelay_mapping::to_smint::asset_for_media;

use crate::shared::calls::{beside, timed};
use crate::shared::context::FlowContext;
use crate::shared::failure::{FlowError, from_photoshelter, missing_subject, parse_event};
use crate::shared::previews::add_previews;
use crate::shared::smint_push::Pushed;
use crate::shared::source::{media_source, source_version};

pub struct ToSmint {
    ctx: FlowContext,
}

impl ToSmint {
    pub fn new(ctx: FlowContext) -> Self {
        Self { ctx }
    }

    async fn sync(&self, delivery: &Delivery) -> Result<Handled, FlowError> {
        let event = parse_event(delivery)?;
        if event.data.platform != Platform::PhotoShelter {
            return Err(HandlerError::permanent(
                "wrong_flow",
                format!(
                    "to-smint handles PhotoShelter events, got one from {}",
                    event.data.platform
                ),
            ));
        }
        let media_id = event
            .subject
            .clone()
            .ok_or_else(|| missing_subject(&event))?;
        let connection = self.ctx.connection(&event)?;
        // The asset's turn is taken, and then what Smint.io holds read, while PhotoShelter
        // is read: the PhotoShelter read needs no turn (one older than another replica's
        // write is caught below as stale), and the ledger row is read only once the turn
        // is ours, so no other replica's write can land after it. The delivery waits on
        // the store only if the two outlast the PhotoShelter read.
        let push = &connection.smint_push;
        let held_key = push.key(&media_id);
        let turn_and_held = self.ctx.turns.take_reading(
            &connection.name,
            Platform::PhotoShelter,
            &media_id,
            &held_key,
        );
        let (taken, read) = beside(
            turn_and_held,
            timed(
                "photoshelter",
                "media",
                connection.photoshelter.media_snapshot(&media_id),
            ),
        )
        .await;
        let (_turn, held) = taken?;

        let snapshot = match read {
            Ok(snapshot) => snapshot,
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => {
                tracing::info!(%media_id, "media is gone from PhotoShelter: removing it from Smint.io");
                let gone = source_version(None);
                let source = held
                    .as_ref()
                    .map_or(gone, |h| assetrelay_store::SourceVersion {
                        modified_ms: h.source.modified_ms,
                        ..gone
                    });
                return outcome(push.delete(held.as_ref(), &media_id, source).await?);
            }
            Err(e) => return Err(from_photoshelter(&e)),
        };

        let source = media_source(&snapshot);
        let media = snapshot.media;
        if let Some(newer) = held.as_ref().filter(|h| h.source > source) {
            tracing::info!(%media_id, ?source, written = ?newer.source, "stale read: a newer state is already in Smint.io");
            return Ok(Handled::Skipped("stale"));
        }
        let now = chrono::Utc::now();
        let rules = connection.collections.expand(&connection.rules).await?;
        match exposure(&rules, &media, now) {
            Exposure::Withhold(Withheld::FromSmintio) => {
                // Our own copy of a Smint.io license: sending it back would be an echo.
                tracing::debug!(%media_id, "copy of a Smint.io license: not sent back");
                Ok(Handled::Skipped("echo"))
            }
            Exposure::Withhold(reason) => {
                tracing::info!(%media_id, reason = reason.as_str(), "not exposed in Smint.io");
                if matches!(reason, Withheld::Expired)
                    && let Some(expired) = media_expires_at(&media)
                {
                    // Lifecycle also takes it out of active use in PhotoShelter.
                    self.ctx
                        .scheduler
                        .schedule(
                            &connection.name,
                            Platform::PhotoShelter,
                            &media_id,
                            expired,
                            now,
                        )
                        .await?;
                }
                outcome(push.delete(held.as_ref(), &media_id, source).await?)
            }
            Exposure::Expose(audience) => {
                let restrictions = assetrelay_mapping::restrictions(
                    media.custom_metadata.as_ref(),
                    &connection.rules.restrictions,
                );
                let mut asset = asset_for_media(&media, &audience, &restrictions);
                let relations = assetrelay_mapping::relations(&media, &connection.rules.relations);
                relations.apply(&connection.rules.relations, &mut asset);
                // Languages as the tenant's keys (its generic metadata, held per process),
                // read beside the rendition links.
                let (metadata, previews) = futures::join!(
                    connection.metadata.get(),
                    add_previews(
                        &connection.photoshelter,
                        &connection.rules.previews,
                        &media_id,
                        &mut asset
                    ),
                );
                previews?;
                let metadata = metadata?;
                assetrelay_mapping::use_tenant_languages(&mut asset, &metadata);
                let max_age = connection.rules.previews.refresh_after();
                let Some(pending) = push.prepare_refreshing(held.as_ref(), asset, max_age) else {
                    return Ok(Handled::Skipped("unchanged"));
                };
                // What this item replaces leaves active use (lifecycle), and its expiry is
                // scheduled: both before the push is recorded, so a failure between is
                // retried with them, never without them. An unchanged asset was handed
                // over by the delivery that recorded it.
                for old in &relations.replaces {
                    self.ctx
                        .scheduler
                        .replaced(&connection.name, old, &media_id, now)
                        .await?;
                }
                if let Some(expires) = media_expires_at(&media) {
                    self.ctx
                        .scheduler
                        .schedule(
                            &connection.name,
                            Platform::PhotoShelter,
                            &media_id,
                            expires,
                            now,
                        )
                        .await?;
                }
                push.push_update(pending, source).await?;
                tracing::info!(%media_id, regions = ?audience.regions, "exposed in Smint.io");
                Ok(Handled::Ok)
            }
        }
    }
}

fn outcome(pushed: Pushed) -> Result<Handled, FlowError> {
    Ok(match pushed {
        Pushed::Written => Handled::Ok,
        Pushed::Unchanged => Handled::Skipped("unchanged"),
    })
}

impl Handler for ToSmint {
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl std::future::Future<Output = Result<Handled, HandlerError>> + Send {
        crate::shared::calls::with_store_time(
            assetrelay_contract::Flow::ToSmint,
            self.sync(delivery),
        )
    }
}
