//! License purchase transactions (LPT) as the CLAPI-C sync feed serves them (research
//! §2.1, generated names `SyncLicensePurchaseTransaction*`, `SyncLicenseTerm`,
//! `SyncBinary`). Field names are the snake_case wire names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::localized::{LocalizedMetadataElement, LocalizedString, lenient_datetime};

type Strings = Option<Vec<LocalizedString>>;
type Elements = Option<Vec<LocalizedMetadataElement>>;
type Keys = Option<Vec<String>>;
type When = Option<DateTime<Utc>>;

/// One page of `GetLicensePurchaseTransactionsForSync` (`SyncLicensePurchaseTransactionQueryResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicensePurchaseTransactionPage {
    /// Transactions in this page; `0` means the feed is drained for now.
    pub count: u64,
    /// Where the next page starts; persist it only after this page was handled. The
    /// server returns one even when `count == 0`.
    #[serde(default)]
    pub continuation_uuid: Option<String>,
    #[serde(default)]
    pub license_purchase_transactions: Vec<LicensePurchaseTransaction>,
}

/// `SyncLicensePurchaseTransaction`: one licensed content element with its terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicensePurchaseTransaction {
    pub uuid: String,
    #[serde(default)]
    pub cart_purchase_transaction_uuid: Option<String>,
    /// Set when this LPT reuses an earlier license (.NET SDK only).
    #[serde(default)]
    pub reused_license_purchase_transaction_uuid: Option<String>,
    /// `LicensePurchaseTransactionStateEnum`; values are not public (seen: `completed`,
    /// the SDKs test for `cancelled`), so it stays a string.
    #[serde(default)]
    pub state: Option<String>,

    #[serde(default)]
    pub project_uuid: Option<String>,
    #[serde(default)]
    pub project_name: Strings,
    #[serde(default)]
    pub collection_uuid: Option<String>,
    #[serde(default)]
    pub collection_name: Strings,

    #[serde(default)]
    pub total_price_eur: Option<f64>,
    #[serde(default)]
    pub total_price_usd: Option<f64>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub purchased_at: When,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub completed_at: When,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub created_at: When,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub last_updated_at: When,
    #[serde(default)]
    pub purchased_by_user_uuid: Option<String>,
    #[serde(default)]
    pub purchased_by_user_name: Option<String>,
    #[serde(default)]
    pub licensee_uuid: Option<String>,
    #[serde(default)]
    pub licensee_name: Option<String>,

    #[serde(default)]
    pub content_element: Option<ContentElement>,
    #[serde(default)]
    pub offering: Option<Offering>,
    #[serde(default)]
    pub license_text: Option<LicenseText>,
    #[serde(default)]
    pub license_terms: Option<Vec<LicenseTerm>>,
    #[serde(default)]
    pub license_download_constraints: Option<DownloadConstraints>,

    #[serde(default)]
    pub current_downloads: Option<i64>,
    #[serde(default)]
    pub current_users: Option<i64>,
    #[serde(default)]
    pub current_reuses: Option<i64>,
    /// Computed server-side since 2019-12; `None` means unknown, not "unrestricted".
    #[serde(default)]
    pub has_potentially_restrictive_license_terms: Option<bool>,
    /// `false`: skip binaries and asset, but the continuation still advances.
    #[serde(default)]
    pub can_be_synced: Option<bool>,
    #[serde(default)]
    pub version: Option<i64>,
}

impl LicensePurchaseTransaction {
    /// `Some(true)` when the state is `cancelled` (any case), `None` when the state is unknown.
    pub fn is_cancelled(&self) -> Option<bool> {
        self.state
            .as_deref()
            .map(|s| s.eq_ignore_ascii_case("cancelled"))
    }

    /// The SDKs' asset-level rule: `true` if any term says editorial use, `false` if some
    /// term says `false` and none `true`, unknown when no term says anything.
    pub fn is_editorial_use(&self) -> Option<bool> {
        let terms = self.license_terms.as_deref().unwrap_or_default();
        let mut seen_false = false;
        for flag in terms.iter().filter_map(|t| t.is_editorial_use) {
            if flag {
                return Some(true);
            }
            seen_false = true;
        }
        seen_false.then_some(false)
    }
}

/// `LocalizedContentElementDetail`: the licensed content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentElement {
    #[serde(default)]
    pub uuid: Option<String>,
    /// Generic-metadata key, e.g. `adobestock`.
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content_category: Option<String>,
    #[serde(default)]
    pub name: Strings,
    #[serde(default)]
    pub description: Strings,
    /// Attribution / credit (Smint.io has no separate credit field).
    #[serde(default)]
    pub copyright_notices: Strings,
    #[serde(default)]
    pub keywords: Elements,
    #[serde(default)]
    pub categories: Elements,
    #[serde(default)]
    pub contributors: Elements,
    #[serde(default)]
    pub provider_urls: Elements,
    #[serde(default)]
    pub release_details: Option<ReleaseDetails>,
    #[serde(default)]
    pub is_ai: Option<bool>,
    #[serde(default)]
    pub is_premium: Option<bool>,
    #[serde(default)]
    pub is_editorial_use: Option<bool>,
    #[serde(default)]
    pub is_editorial: Option<bool>,
    /// Shapes not public; kept raw.
    #[serde(default)]
    pub editorial_segments: Option<Value>,
    #[serde(default)]
    pub image_details: Option<Value>,
    #[serde(default)]
    pub previews: Option<Value>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub created_at: When,
}

/// Model and property release (`release_states` keys) and the provider's comments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDetails {
    #[serde(default)]
    pub model_release_state: Option<String>,
    #[serde(default)]
    pub property_release_state: Option<String>,
    #[serde(default)]
    pub provider_allowed_use_comment: Strings,
    #[serde(default)]
    pub provider_release_comment: Strings,
    #[serde(default)]
    pub provider_usage_constraints: Strings,
}

/// The offering the license was bought under. Only fields the SDKs read are typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Offering {
    #[serde(default)]
    pub license_uuid: Option<String>,
    /// Generic-metadata key, e.g. `royalty_free`.
    #[serde(default)]
    pub license_type: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub is_premium: Option<bool>,
    #[serde(default)]
    pub is_editorial_use: Option<bool>,
    #[serde(default)]
    pub is_editorial: Option<bool>,
    #[serde(default)]
    pub license_urls: Elements,
    #[serde(default)]
    pub license_text: Option<LicenseText>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseText {
    #[serde(default)]
    pub effective_text: Strings,
    #[serde(default)]
    pub effective_text_is_safe_html: Option<bool>,
}

/// `SyncLicenseTerm`: a snapshot at purchase time; lists hold generic-metadata keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseTerm {
    /// Unique per tenant only.
    #[serde(default)]
    pub sequence_number: Option<i64>,
    #[serde(default)]
    pub name: Strings,
    #[serde(default)]
    pub exclusivities: Keys,
    #[serde(default)]
    pub allowed_usages: Keys,
    #[serde(default)]
    pub restricted_usages: Keys,
    #[serde(default)]
    pub allowed_sizes: Keys,
    #[serde(default)]
    pub restricted_sizes: Keys,
    #[serde(default)]
    pub allowed_placements: Keys,
    #[serde(default)]
    pub restricted_placements: Keys,
    #[serde(default)]
    pub allowed_distributions: Keys,
    #[serde(default)]
    pub restricted_distributions: Keys,
    #[serde(default)]
    pub allowed_geographies: Keys,
    #[serde(default)]
    pub restricted_geographies: Keys,
    #[serde(default)]
    pub allowed_industries: Keys,
    #[serde(default)]
    pub restricted_industries: Keys,
    #[serde(default)]
    pub allowed_languages: Keys,
    #[serde(default)]
    pub restricted_languages: Keys,
    #[serde(default)]
    pub usage_limits: Keys,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub valid_from: When,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub valid_until: When,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub to_be_used_until: When,
    #[serde(default)]
    pub is_editorial_use: Option<bool>,
}

/// `license_download_constraints`; absent limits are unknown, not unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadConstraints {
    #[serde(default)]
    pub effective_max_downloads: Option<i64>,
    #[serde(default)]
    pub effective_max_users: Option<i64>,
    #[serde(default)]
    pub effective_max_reuses: Option<i64>,
}

/// `SyncBinary`: one downloadable file of an LPT. The worldwide unique id is the LPT uuid
/// plus this `uuid`. `Debug` hides the pre-signed `download_url`, which is a credential.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncBinary {
    pub uuid: String,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub binary_type: Option<String>,
    #[serde(default)]
    pub name: Strings,
    #[serde(default)]
    pub description: Strings,
    #[serde(default)]
    pub usage: Strings,
    /// Pre-signed, valid for up to one hour; stream it, never buffer it whole.
    #[serde(default)]
    pub download_url: Option<String>,
    #[serde(default)]
    pub recommended_file_name: Option<String>,
    #[serde(default)]
    pub culture: Option<String>,
    /// `> 1` means the binary was updated.
    #[serde(default)]
    pub version: Option<i64>,
}

impl std::fmt::Debug for SyncBinary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncBinary")
            .field("uuid", &self.uuid)
            .field("content_type", &self.content_type)
            .field("binary_type", &self.binary_type)
            .field("name", &self.name)
            .field(
                "download_url",
                &self.download_url.as_ref().map(|_| "<redacted>"),
            )
            .field("recommended_file_name", &self.recommended_file_name)
            .field("culture", &self.culture)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}
