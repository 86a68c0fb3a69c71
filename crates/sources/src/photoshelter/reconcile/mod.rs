//! The reconciliation: what the ledger says is exposed in Smint.io (to-smint's rows whose
//! last write was not a removal) against PhotoShelter's current state, for the drift no
//! poll can see:
//! - an item deleted from PhotoShelter leaves the media listing, so no poll sees it;
//! - an item whose expiry passed changes nothing in PhotoShelter at that moment: only its
//!   schedule removes it, and one never scheduled stays exposed;
//! - an approval revoked where no modification time moves (a rule's gallery by name, a
//!   webhook lost while nobody polled).
//!
//! It lists the whole library (one listing call per `page_size` items) and reads each
//! exposed item that is still there as the flows do (one consistent snapshot, five calls),
//! judging it by the connection's rules, so it runs rarely: daily by default, and on
//! demand (`assetrelay reconcile`). Each drift becomes one event (`drift`), for the flow
//! that removes it.

mod drift;

use std::collections::BTreeSet;
use std::sync::Arc;

use assetrelay_contract::source::PHOTOSHELTER_RECONCILE;
use assetrelay_contract::{Flow, Platform};
use chrono::{DateTime, Utc};
use futures::StreamExt;

pub use drift::{Drift, drift_event, judge};

use super::PollContext;
use crate::PollError;
use crate::runner::{RunReport, Source};

/// The fingerprint to-smint records for an asset it removed from Smint.io.
const REMOVED: &str = "deleted";
const PUBLISH_CONCURRENCY: usize = 32;
/// Exposed items read at once: each read is five platform calls, and the reconciliation
/// must not take the rate the poll and the flows need.
const READ_CONCURRENCY: usize = 4;

/// What one reconciliation found (and, unless a dry run, published).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ReconcileReport {
    /// Items the ledger says Smint.io holds.
    pub exposed: usize,
    /// Items PhotoShelter's library lists now.
    pub listed: usize,
    /// Exposed items the library no longer holds, by id.
    pub deleted: Vec<String>,
    /// Exposed items whose license expiration date has passed, by id.
    pub expired: Vec<String>,
    /// Exposed items the rules no longer expose, with why.
    pub revoked: Vec<Revoked>,
    /// Exposed items pushed longer ago than `rules.previews.refresh_secs` (their
    /// rendition links are refreshed; not drift).
    pub previews_due: Vec<String>,
    /// Events published and confirmed (0 on a dry run).
    pub published: usize,
}

/// An exposed item the connection's rules withhold now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Revoked {
    pub media_id: String,
    /// `not_approved`, `archived`, `restricted` or `no_region`.
    pub reason: &'static str,
}

impl ReconcileReport {
    /// Drift found, of every kind.
    pub fn drift(&self) -> usize {
        self.deleted.len() + self.expired.len() + self.revoked.len()
    }

    fn add(&mut self, media_id: &str, drift: &Drift) {
        let id = media_id.to_owned();
        match drift {
            Drift::Deleted { .. } => self.deleted.push(id),
            Drift::Expired { .. } => self.expired.push(id),
            Drift::Revoked { reason, .. } => self.revoked.push(Revoked {
                media_id: id,
                reason: reason.as_str(),
            }),
            Drift::PreviewsDue { .. } => self.previews_due.push(id),
        }
    }
}

/// The reconciliation of one connection: the poller's context under another name, and
/// the rules the flows judge exposure by.
#[derive(Clone)]
pub struct Reconciler {
    pub context: PollContext,
    pub rules: Arc<assetrelay_config::ConnectionRules>,
}

impl Reconciler {
    pub fn new(context: PollContext, rules: assetrelay_config::ConnectionRules) -> Self {
        Self {
            context,
            rules: Arc::new(rules),
        }
    }

    /// Compare, and publish one event per drift unless `dry_run`.
    pub async fn reconcile_once(&self, dry_run: bool) -> Result<ReconcileReport, PollError> {
        let ctx = &self.context;
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
        let now = Utc::now();
        // Judged as the flows judge: the rules' collections stand for their galleries.
        let collections = ctx.collection_galleries(&self.rules.collections()).await?;
        let rules = self.rules.with_collection_galleries(&collections);
        let mut found: Vec<(String, Drift)> = Vec::new();
        let mut still_listed = Vec::new();
        for (id, recorded_ms) in &exposed {
            if listed.contains(id) {
                still_listed.push((id.clone(), *recorded_ms));
            } else {
                found.push((
                    id.clone(),
                    Drift::Deleted {
                        recorded_ms: *recorded_ms,
                    },
                ));
            }
        }
        let mut reads = futures::stream::iter(still_listed)
            .map(|(id, recorded_ms)| {
                let rules = &rules;
                async move {
                    let drift = self.read_drift(rules, &id, recorded_ms, now).await;
                    (id, drift)
                }
            })
            .buffer_unordered(READ_CONCURRENCY);
        let refresh_ms = self
            .rules
            .previews
            .refresh_after()
            .map(|age| i64::try_from(age.as_millis()).unwrap_or(i64::MAX));
        let recorded: std::collections::BTreeMap<&str, i64> =
            exposed.iter().map(|(id, ms)| (id.as_str(), *ms)).collect();
        while let Some((id, drift)) = reads.next().await {
            match drift? {
                Some(drift) => found.push((id, drift)),
                None => {
                    let pushed_ms = recorded.get(id.as_str()).copied().unwrap_or(0);
                    if refresh_ms.is_some_and(|every| now.timestamp_millis() - pushed_ms >= every) {
                        found.push((id, Drift::PreviewsDue { pushed_ms }));
                    }
                }
            }
        }
        // By id, so two reports of the same drift read the same.
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut report = ReconcileReport {
            exposed: exposed.len(),
            listed: listed.len(),
            ..ReconcileReport::default()
        };
        for (id, drift) in &found {
            report.add(id, drift);
        }
        if dry_run || found.is_empty() {
            return Ok(report);
        }
        let mut confirms = futures::stream::iter(found)
            .map(|(id, drift)| self.publish(id, drift))
            .buffer_unordered(PUBLISH_CONCURRENCY);
        while let Some(confirmed) = confirms.next().await {
            confirmed?;
            report.published += 1;
        }
        Ok(report)
    }

    /// An exposed item PhotoShelter still lists, read now and judged by the rules.
    async fn read_drift(
        &self,
        rules: &assetrelay_config::ConnectionRules,
        media_id: &str,
        recorded_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Drift>, PollError> {
        match self.context.client.media_snapshot(media_id).await {
            Ok(snapshot) => Ok(judge(rules, &snapshot.media, now)),
            // Deleted between the listing and the read.
            Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => {
                Ok(Some(Drift::Deleted { recorded_ms }))
            }
            Err(e) => Err(PollError::Read(e)),
        }
    }

    async fn publish(&self, media_id: String, drift: Drift) -> Result<(), PollError> {
        let ctx = &self.context;
        let event = drift_event(&ctx.connection, &ctx.org_id, &media_id, &drift);
        crate::publish_confirmed(&ctx.publisher, &ctx.topology, &event).await?;
        Ok(())
    }
}

impl Source for Reconciler {
    fn name(&self) -> &'static str {
        PHOTOSHELTER_RECONCILE
    }

    async fn run_once(&self) -> Result<RunReport, PollError> {
        let report = self.reconcile_once(false).await?;
        let connection = &self.context.connection;
        for (kind, count) in [
            ("deleted", report.deleted.len()),
            ("expired", report.expired.len()),
            ("revoked", report.revoked.len()),
            ("previews_due", report.previews_due.len()),
        ] {
            metrics::counter!(crate::telemetry_names::DRIFT, "connection" => connection.clone(), "kind" => kind)
                .increment(count as u64);
        }
        if report.drift() == 0 {
            tracing::info!(%connection, exposed = report.exposed, listed = report.listed, previews_due = report.previews_due.len(), "reconciled: no drift");
        } else {
            tracing::warn!(%connection, exposed = report.exposed, listed = report.listed, deleted = report.deleted.len(), expired = report.expired.len(), revoked = report.revoked.len(), "reconciled: exposed items out of step with PhotoShelter; removal events published");
        }
        let per_page = usize::try_from(self.context.page_size.max(1)).unwrap_or(usize::MAX);
        Ok(RunReport {
            pages: report.listed / per_page + 1,
            published: report.published,
        })
    }
}
