//! Flow `lifecycle` (use case 7): an asset expired, was archived, restricted, deleted or
//! replaced on one side → it leaves active use on the other. Expiry events come from the
//! platforms and from the expiry scheduler, which delivers them when rights end even if no
//! platform says anything.
//!
//! - PhotoShelter media no longer in active use (gone, archived, restricted, expired, or
//!   replaced by another item that says so) is deleted from Smint.io; an expired or
//!   replaced one is also made private in PhotoShelter.
//! - A Smint.io license that expired or was cancelled has its PhotoShelter copies retired.
//!
//! Each decision is made on the state read now, so an expiry that was postponed meanwhile
//! (a new date, a renewed license) changes nothing.

use assetrelay_broker::consumer::{Delivery, Handled, Handler, HandlerError};
use assetrelay_contract::{EventType, Platform};
use assetrelay_mapping::expiry::{is_expired, license_expires_at, media_expires_at};
use assetrelay_mapping::origin::smintio_origin;
use assetrelay_mapping::relations;
use assetrelay_photoshelter::client::Visibility;

use crate::shared::calls::timed;
use crate::shared::connections::Connection;
use crate::shared::context::FlowContext;
use crate::shared::failure::{FlowError, from_photoshelter, missing_subject, parse_event};
use crate::shared::ps_copies::{license_key, record_copies, recorded_copies, retire};
use crate::shared::scheduler::{REPLACED_BY, due_at};
use crate::shared::smint_push::Pushed;
use crate::shared::source::{license_source, media_source, source_version};
use assetrelay_store::Store;

pub struct Lifecycle {
    ctx: FlowContext,
}

impl Lifecycle {
    pub fn new(ctx: FlowContext) -> Self {
        Self { ctx }
    }

    async fn sync(&self, delivery: &Delivery) -> Result<Handled, FlowError> {
        let event = parse_event(delivery)?;
        let now = chrono::Utc::now();
        if let Some(due) = due_at(&delivery.headers)
            && due > now
        {
            self.ctx.scheduler.hop(&event, due, now).await?;
            return Ok(Handled::Skipped("not_due"));
        }
        let asset_id = event
            .subject
            .clone()
            .ok_or_else(|| missing_subject(&event))?;
        let connection = self.ctx.connection(&event)?;
        let _turn = self
            .ctx
            .turns
            .take(&connection.name, event.data.platform, &asset_id)
            .await?;
        let replaced_by = event
            .data
            .hint
            .get(REPLACED_BY)
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        match (event.data.platform, event.event_type) {
            (Platform::PhotoShelter, _) => {
                photoshelter_media(&connection, &asset_id, replaced_by.as_deref(), now).await
            }
            (Platform::Smintio, EventType::LicenseExpired) => {
                smintio_license(&self.ctx.store, &connection, &asset_id, now).await
            }
            // Smint.io asset events name no license and are bound to no flow; one can only
            // arrive from an old queue or a hand-made publish.
            (Platform::Smintio, other) => Err(HandlerError::permanent(
                "unsupported_event",
                format!("lifecycle does not handle Smint.io `{other}` events"),
            )),
        }
    }
}

/// Whether media `by` (still) says it replaces `media_id`: read now, so a relation taken
/// back before lifecycle got to it retires nothing.
async fn still_replaced(
    connection: &Connection,
    media_id: &str,
    by: &str,
) -> Result<bool, FlowError> {
    let ps = &connection.photoshelter;
    match timed("photoshelter", "media", ps.media_snapshot(by)).await {
        Ok(snapshot) => {
            let relations = relations(&snapshot.media, &connection.rules.relations);
            Ok(relations.replaces.iter().any(|old| old == media_id))
        }
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => Ok(false),
        Err(e) => Err(from_photoshelter(&e)),
    }
}

async fn photoshelter_media(
    connection: &Connection,
    media_id: &str,
    replaced_by: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Handled, FlowError> {
    let ps = &connection.photoshelter;
    let replaced = match replaced_by {
        Some(by) => still_replaced(connection, media_id, by).await?,
        None => false,
    };
    let held = connection.smint_push.held(media_id).await?;
    let snapshot = match timed("photoshelter", "media", ps.media_snapshot(media_id)).await {
        Ok(snapshot) => Some(snapshot),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => None,
        Err(e) => return Err(from_photoshelter(&e)),
    };
    let source = match &snapshot {
        Some(s) => media_source(s),
        // Gone: no modification time; newer than what was written by being read later.
        None => assetrelay_store::SourceVersion {
            modified_ms: held.as_ref().map_or(0, |h| h.source.modified_ms),
            ..source_version(None)
        },
    };
    let media = snapshot.map(|s| s.media);
    if media.as_ref().is_some_and(|m| smintio_origin(m).is_some()) {
        // Our copy of a Smint.io license: Smint.io never received it from us.
        return Ok(Handled::Skipped("echo"));
    }
    let expired = media
        .as_ref()
        .is_some_and(|m| is_expired(media_expires_at(m), now));
    let inactive = match &media {
        None => true,
        Some(m) => {
            expired
                || replaced
                || m.archived == Some(true)
                || matches!(
                    m.visibility,
                    Some(Visibility::Private | Visibility::Permission)
                )
        }
    };
    if !inactive {
        tracing::debug!(%media_id, "still in active use: nothing to do");
        return Ok(Handled::Skipped("in_use"));
    }
    let mut changed = connection
        .smint_push
        .delete(held.as_ref(), media_id, source)
        .await?
        == Pushed::Written;
    // Expired rights and a replaced item also leave PhotoShelter's active library.
    if (expired || replaced)
        && let Some(m) = &media
        && m.visibility != Some(Visibility::Private)
    {
        timed(
            "photoshelter",
            "set_media_visibility",
            ps.set_media_visibility(media_id, Visibility::Private),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    tracing::info!(%media_id, expired, replaced_by = replaced.then_some(replaced_by).flatten(), changed, "out of active use");
    Ok(if changed {
        Handled::Ok
    } else {
        Handled::Skipped("unchanged")
    })
}

async fn smintio_license(
    store: &Store,
    connection: &Connection,
    uuid: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Handled, FlowError> {
    let Some(lpt) = connection.licenses.get(uuid).await? else {
        return Err(HandlerError::transient(
            "license_not_in_feed",
            format!("license purchase transaction {uuid} is not (yet) in the CLAPI-C feed"),
        ));
    };
    let ended = lpt.is_cancelled() == Some(true) || is_expired(license_expires_at(&lpt), now);
    let Some(gallery) = connection.rules.distribution.gallery.as_deref() else {
        return Ok(Handled::Skipped("no_distribution_gallery"));
    };
    if !ended {
        return Ok(Handled::Skipped("in_use"));
    }
    // The copies to-photoshelter recorded; both flows write the same row, inside the
    // license's turn.
    let key = license_key(&connection.name, uuid);
    let mut copies = recorded_copies(store, &key).await?;
    let mut changed = false;
    let had_active = !copies.active.is_empty();
    for copy in copies.active.clone() {
        changed |= retire(&connection.photoshelter, gallery, &copy.media_id).await?;
        copies.retire(&copy.media_id);
    }
    if had_active {
        record_copies(
            store,
            &key,
            &copies,
            "ended".to_owned(),
            license_source(&lpt),
        )
        .await?;
    }
    tracing::info!(license = uuid, changed, "license ended: copies retired");
    Ok(if changed {
        Handled::Ok
    } else {
        Handled::Skipped("unchanged")
    })
}

impl Handler for Lifecycle {
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl std::future::Future<Output = Result<Handled, HandlerError>> + Send {
        crate::shared::calls::with_store_time(
            assetrelay_contract::Flow::Lifecycle,
            self.sync(delivery),
        )
    }
}
