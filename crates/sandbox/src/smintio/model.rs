//! What the simulated Smint.io remembers: license purchase transactions (the CLAPI-C wire
//! shape of research/smintio.md §2.1, snake_case), the feed as an ordered change list with
//! continuation UUIDs, issued tokens, download tokens and what our data adapter holds.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::IdSpace;

/// Everything the simulated platform remembers; saved in the state file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Current license purchase transactions by uuid.
    pub transactions: BTreeMap<String, Lpt>,
    /// Every LPT change in order; the feed serves the newest change of each LPT.
    pub feed: Vec<FeedEntry>,
    /// Counter behind derived ids (LPTs, carts, binaries, feed positions).
    pub counter: u64,
    /// How ids are formed: from the configuration (`id_seed`), not the state file.
    #[serde(skip)]
    pub ids: IdSpace,
    /// Issued access tokens and their expiry.
    pub access_tokens: BTreeMap<String, DateTime<Utc>>,
    /// Rotated refresh tokens not used yet (one-time use). The configured refresh token
    /// stands in for the one the interactive authorization produced; it is one-time use
    /// too unless `smintio.reusable_refresh_token` keeps it valid.
    pub refresh_tokens: BTreeMap<String, DateTime<Utc>>,
    /// Whether the configured refresh token was used (it then no longer works when it
    /// is not reusable).
    pub configured_token_used: bool,
    /// Successful token grants since start (shown by `GET /_sandbox/smintio/tokens`).
    pub token_grants: u64,
    /// Refresh-token grants refused with `invalid_grant` (an unknown, used or guessed
    /// refresh token), shown by `GET /_sandbox/smintio/tokens`.
    pub token_refusals: u64,
    /// Pre-signed download tokens (`/consumer/v1/_files/{token}`).
    pub files: BTreeMap<String, FileToken>,
    /// What our data adapter holds, by `UnscopedAssetIdentifier`.
    pub adapter_assets: BTreeMap<String, AdapterAsset>,
    /// Every accepted data-adapter change, in arrival order.
    pub received_changes: Vec<ReceivedChange>,
}

impl State {
    /// The next value of the id counter.
    pub fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// Record that `lpt_uuid` changed: append to the feed and return the new continuation.
    pub fn append_feed(&mut self, lpt_uuid: &str) -> String {
        let seq = self.feed.last().map_or(1, |e| e.seq + 1);
        let continuation_uuid = self.continuation_of(seq);
        self.feed.push(FeedEntry {
            seq,
            continuation_uuid: continuation_uuid.clone(),
            lpt_uuid: lpt_uuid.to_owned(),
        });
        continuation_uuid
    }

    /// The feed position a continuation names: `Some(0)` for none (the beginning),
    /// `None` for a continuation this feed never issued.
    pub fn position_of(&self, continuation: Option<&str>) -> Option<u64> {
        match continuation {
            None => Some(0),
            Some(c) if c == self.continuation_of(0) => Some(0),
            Some(c) => self
                .feed
                .iter()
                .find(|e| e.continuation_uuid == c)
                .map(|e| e.seq),
        }
    }

    /// Up to `limit` LPTs changed after position `after`, each once at its newest change,
    /// and the continuation of the last one (or of `after` when there is none).
    pub fn page_after(&self, after: u64, limit: usize) -> (Vec<Value>, String) {
        let mut newest: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in &self.feed {
            newest.insert(entry.lpt_uuid.as_str(), entry.seq);
        }
        let entries: Vec<&FeedEntry> = self
            .feed
            .iter()
            .filter(|e| e.seq > after && newest.get(e.lpt_uuid.as_str()) == Some(&e.seq))
            .take(limit)
            .collect();
        // The stored continuation, not a recomputed one: entries loaded from a state file
        // may come from another id space (`id_seed`).
        let continuation = entries
            .last()
            .copied()
            .or_else(|| self.feed.iter().find(|e| e.seq == after))
            .map_or_else(
                || self.continuation_of(after),
                |e| e.continuation_uuid.clone(),
            );
        let lpts = entries
            .iter()
            .filter_map(|e| self.transactions.get(&e.lpt_uuid))
            .map(Lpt::to_wire)
            .collect();
        (lpts, continuation)
    }

    /// A deterministic UUID for `kind` number `n` in this instance's id space.
    pub fn derived_uuid(&self, kind: &str, n: u64) -> String {
        self.ids.uuid(kind, n)
    }

    fn continuation_of(&self, seq: u64) -> String {
        self.derived_uuid("feed", seq)
    }
}

/// One change of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    pub seq: u64,
    pub continuation_uuid: String,
    pub lpt_uuid: String,
}

/// `SyncLicensePurchaseTransaction` as the sandbox serves it. Lists are always present
/// (possibly empty) and unknown scalars are `null`, as in the Java SDK's fixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lpt {
    pub uuid: String,
    pub cart_purchase_transaction_uuid: String,
    /// `completed` or `cancelled` (the values the SDKs test for).
    pub state: String,
    pub project_uuid: String,
    pub project_name: Vec<LocalizedString>,
    pub collection_uuid: String,
    pub collection_name: Vec<LocalizedString>,
    pub content_element: ContentElement,
    pub offering: Value,
    pub licensee_uuid: String,
    pub licensee_name: String,
    pub license_text: Value,
    pub license_terms: Vec<LicenseTerm>,
    pub license_download_constraints: Value,
    pub current_downloads: i64,
    pub current_users: i64,
    pub current_reuses: i64,
    pub has_potentially_restrictive_license_terms: bool,
    pub can_be_synced: bool,
    pub version: i64,
    pub purchased_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_updated_at: DateTime<Utc>,
    /// Not part of the wire LPT (see [`Lpt::to_wire`]): served by the binaries endpoint.
    #[serde(default)]
    pub binaries: Vec<Binary>,
}

impl Lpt {
    /// The LPT as CLAPI-C serves it: everything but the sandbox's binary bookkeeping.
    pub fn to_wire(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.remove("binaries");
        }
        value
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedString {
    pub culture: String,
    pub value: String,
}

/// `LocalizedStrings` with one English value.
pub fn english(value: &str) -> Vec<LocalizedString> {
    vec![LocalizedString {
        culture: "en".into(),
        value: value.into(),
    }]
}

/// `LocalizedContentElementDetail`, the fields the sandbox fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentElement {
    pub uuid: String,
    pub provider: String,
    pub content_type: String,
    pub content_category: String,
    pub name: Vec<LocalizedString>,
    pub description: Vec<LocalizedString>,
    pub copyright_notices: Vec<LocalizedString>,
    pub keywords: Vec<Value>,
    pub contributors: Vec<Value>,
    pub release_details: ReleaseDetails,
    pub is_editorial_use: Option<bool>,
    pub is_ai: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReleaseDetails {
    pub model_release_state: Option<String>,
    pub property_release_state: Option<String>,
    #[serde(default)]
    pub provider_allowed_use_comment: Vec<LocalizedString>,
    #[serde(default)]
    pub provider_release_comment: Vec<LocalizedString>,
    #[serde(default)]
    pub provider_usage_constraints: Vec<LocalizedString>,
}

/// `SyncLicenseTerm`. The control API takes the same snake_case shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LicenseTerm {
    pub sequence_number: Option<i64>,
    pub name: Vec<LocalizedString>,
    pub exclusivities: Vec<String>,
    pub allowed_usages: Vec<String>,
    pub restricted_usages: Vec<String>,
    pub allowed_sizes: Vec<String>,
    pub restricted_sizes: Vec<String>,
    pub allowed_placements: Vec<String>,
    pub restricted_placements: Vec<String>,
    pub allowed_distributions: Vec<String>,
    pub restricted_distributions: Vec<String>,
    pub allowed_geographies: Vec<String>,
    pub restricted_geographies: Vec<String>,
    pub allowed_industries: Vec<String>,
    pub restricted_industries: Vec<String>,
    pub allowed_languages: Vec<String>,
    pub restricted_languages: Vec<String>,
    pub usage_limits: Vec<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub to_be_used_until: Option<DateTime<Utc>>,
    pub is_editorial_use: Option<bool>,
}

impl LicenseTerm {
    /// The SDKs' pre-2019-12 client-side rule, which the server now computes: any
    /// restriction, a usage limit, a future start, any end date, or editorial use.
    pub fn is_potentially_restrictive(&self, now: DateTime<Utc>) -> bool {
        let restricted = [
            &self.restricted_usages,
            &self.restricted_sizes,
            &self.restricted_placements,
            &self.restricted_distributions,
            &self.restricted_geographies,
            &self.restricted_industries,
            &self.restricted_languages,
            &self.usage_limits,
        ];
        restricted.iter().any(|list| !list.is_empty())
            || self.valid_from.is_some_and(|from| from > now)
            || self.valid_until.is_some()
            || self.to_be_used_until.is_some()
            || self.is_editorial_use == Some(true)
    }
}

/// One downloadable file of an LPT; its bytes are generated from `seed` on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binary {
    pub uuid: String,
    pub content_type: String,
    pub binary_type: String,
    pub recommended_file_name: String,
    pub media_type: String,
    pub culture: String,
    pub version: i64,
    pub size: u64,
}

/// A pre-signed download handed out with a binary list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileToken {
    pub lpt_uuid: String,
    pub binary_uuid: String,
    pub version: i64,
    pub size: u64,
    pub media_type: String,
    pub file_name: String,
    pub expires_at: DateTime<Utc>,
}

/// What the data adapter holds for one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterAsset {
    pub unscoped_asset_identifier: String,
    /// The `AssetDataObject` as received (PascalCase).
    pub asset_data_object: Value,
    pub updated_at: DateTime<Utc>,
    /// How many `AssetUpdate`s this asset received.
    pub updates: u64,
}

/// One accepted change, as the adapter's change queue would hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedChange {
    pub received_at: DateTime<Utc>,
    pub unscoped_asset_identifier: String,
    pub change_type: String,
    pub asset_data_object: Option<Value>,
}
