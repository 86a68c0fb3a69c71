//! The reconciliation: what the ledger says is exposed in Smint.io (to-smint's rows whose
//! last write was not a removal) against PhotoShelter's current library. A deleted item
//! leaves the media listing, so no poll ever sees it; each exposed item the library no
//! longer holds becomes an `asset.deleted` event, and to-smint, finding it gone (404),
//! removes it from Smint.io.
//!
//! It lists the whole library (one listing call per `page_size` items), so it runs
//! rarely: daily by default, and on demand (`assetrelay reconcile`).

use std::collections::BTreeSet;

use assetrelay_contract::source::PHOTOSHELTER_RECONCILE;
use assetrelay_contract::{CloudEvent, EventType, Flow, Normalized, Platform, new_traceparent};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::Map;

use super::PollContext;
use crate::PollError;
use crate::runner::{RunReport, Source};

/// The fingerprint to-smint records for an asset it removed from Smint.io.
const REMOVED: &str = "deleted";
const PUBLISH_CONCURRENCY: usize = 32;

/// What one reconciliation found (and, unless a dry run, published).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ReconcileReport {
    /// Items the ledger says Smint.io holds.
    pub exposed: usize,
    /// Items PhotoShelter's library lists now.
    pub listed: usize,
    /// Exposed items the library no longer holds, by id.
    pub deleted: Vec<String>,
    /// Events published and confirmed (0 on a dry run).
    pub published: usize,
}

/// The reconciliation of one connection: the poller's context under another name.
#[derive(Clone)]
pub struct Reconciler(pub PollContext);

impl Reconciler {
    /// Compare, and publish an `asset.deleted` per drift unless `dry_run`.
    pub async fn reconcile_once(&self, dry_run: bool) -> Result<ReconcileReport, PollError> {
        let ctx = &self.0;
        let rows = ctx
            .store
            .ledger_rows(
                &ctx.connection,
                Flow::ToSmint.as_str(),
                Platform::PhotoShelter.as_str(),
            )
            .await?;
        let exposed: Vec<(String, i64)> = rows
            .into_iter()
            .filter(|(_, entry)| entry.fingerprint != REMOVED && !entry.target_ids.is_empty())
            .map(|(id, entry)| (id, entry.updated_at_ms))
            .collect();
        let library = ctx
            .client
            .media_modified_since_paged(DateTime::<Utc>::UNIX_EPOCH, ctx.page_size)
            .await
            .map_err(PollError::List)?;
        let listed: BTreeSet<String> = library.into_iter().map(|m| m.id).collect();
        let gone: Vec<(String, i64)> = exposed
            .iter()
            .filter(|(id, _)| !listed.contains(id))
            .cloned()
            .collect();
        let mut report = ReconcileReport {
            exposed: exposed.len(),
            listed: listed.len(),
            deleted: gone.iter().map(|(id, _)| id.clone()).collect(),
            published: 0,
        };
        if dry_run || gone.is_empty() {
            return Ok(report);
        }
        let mut confirms = futures::stream::iter(gone)
            .map(|(id, recorded_ms)| self.publish_deleted(id, recorded_ms))
            .buffer_unordered(PUBLISH_CONCURRENCY);
        while let Some(confirmed) = confirms.next().await {
            confirmed?;
            report.published += 1;
        }
        Ok(report)
    }

    async fn publish_deleted(&self, media_id: String, recorded_ms: i64) -> Result<(), PollError> {
        let ctx = &self.0;
        let event = deleted_event(&ctx.connection, &ctx.org_id, &media_id, recorded_ms);
        crate::publish_confirmed(&ctx.publisher, &ctx.topology, &event).await?;
        Ok(())
    }
}

/// The `asset.deleted` event of an exposed item the library no longer lists. Its id is
/// stable per (connection, media id, ledger row it contradicts): a second reconciliation
/// before to-smint acted repeats it, a later exposure and deletion gets a new one.
pub fn deleted_event(
    connection: &str,
    org_id: &str,
    media_id: &str,
    recorded_ms: i64,
) -> CloudEvent {
    let mut change = Map::new();
    change.insert("platform_event".into(), "media.deleted".into());
    change.insert("org_id".into(), org_id.into());
    let normalized = Normalized {
        delivery_id: format!("reconcile/{media_id}/deleted@{recorded_ms}"),
        event_type: EventType::AssetDeleted,
        subject: Some(media_id.to_owned()),
        occurred_at: Utc::now(),
        change,
    };
    let mut event = CloudEvent::from_normalized(
        Platform::PhotoShelter,
        connection,
        normalized,
        new_traceparent(),
    );
    event
        .data
        .hint
        .insert("source".into(), PHOTOSHELTER_RECONCILE.into());
    event
}

impl Source for Reconciler {
    fn name(&self) -> &'static str {
        PHOTOSHELTER_RECONCILE
    }

    async fn run_once(&self) -> Result<RunReport, PollError> {
        let report = self.reconcile_once(false).await?;
        let connection = &self.0.connection;
        metrics::counter!(crate::telemetry_names::DRIFT, "connection" => connection.clone(), "kind" => "deleted")
            .increment(report.deleted.len() as u64);
        if report.deleted.is_empty() {
            tracing::info!(%connection, exposed = report.exposed, listed = report.listed, "reconciled: no drift");
        } else {
            tracing::warn!(%connection, exposed = report.exposed, listed = report.listed, deleted = report.deleted.len(), "reconciled: exposed items deleted from PhotoShelter; removal events published");
        }
        let per_page = usize::try_from(self.0.page_size.max(1)).unwrap_or(usize::MAX);
        Ok(RunReport {
            pages: report.listed / per_page + 1,
            published: report.published,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_stable_per_media_and_contradicted_row() {
        let a = deleted_event("demo", "O1", "I1", 10);
        assert_eq!(a.id, deleted_event("demo", "O1", "I1", 10).id);
        assert_ne!(a.id, deleted_event("demo", "O1", "I1", 11).id);
        assert_ne!(a.id, deleted_event("demo", "O1", "I2", 10).id);
        assert_eq!(a.routing_key(), "photoshelter.demo.asset.deleted");
        assert_eq!(a.data.hint["source"], PHOTOSHELTER_RECONCILE);
    }
}
