//! Per-connection business rules: which PhotoShelter media are approved for Smint.io and
//! for which markets (to-smint), and which Smint.io licenses are distributed into
//! PhotoShelter and where (to-photoshelter). DESIGN §7–§8. Evaluated by `assetrelay-mapping`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Everything a connection decides beyond credentials.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionRules {
    /// When a PhotoShelter media item is brand-approved (use case 1).
    pub approval: MediaMatch,
    /// Region rules (use case 8): each matching rule adds its regions, languages and
    /// campaigns. An approved item no rule matches is exposed without restriction
    /// unless `regions_required` is set.
    pub regions: Vec<RegionRule>,
    /// An approved item that no region rule matches is not exposed at all.
    pub regions_required: bool,
    /// Where rights-cleared Smint.io licenses go in PhotoShelter (use cases 2, 5).
    pub distribution: DistributionRules,
    /// PhotoShelter custom metadata fields that carry restrictions (use case 3), each
    /// mapped into one of Smint.io's structured fields so a designer sees it before
    /// placement.
    pub restrictions: Vec<RestrictionField>,
    /// The image renditions Smint.io shows (use case 1): links PhotoShelter gives for
    /// each exposed item.
    pub previews: PreviewRules,
    /// How media name the media they replace or are a variant of (use cases 7, 8).
    pub relations: RelationRules,
}

/// PhotoShelter has no "replaces" or "variant of" relation, so an organization writes it
/// as an IPTC keyword: `<prefix><media id>` (e.g. `replaces:I0000abcdEFGH123`). An empty
/// prefix turns that relation off. The keywords are not shown as tags in Smint.io.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelationRules {
    /// The item replaces the named one: the old one is made private in PhotoShelter and
    /// leaves Smint.io (flow lifecycle), the new one carries `RawData.relations.replaces`.
    pub replaces_prefix: String,
    /// The item is a (regional) variant of the named one: it carries
    /// `RawData.relations.variant_of`.
    pub variant_of_prefix: String,
}

impl Default for RelationRules {
    fn default() -> Self {
        Self {
            replaces_prefix: "replaces:".to_owned(),
            variant_of_prefix: "variant-of:".to_owned(),
        }
    }
}

/// Which renditions to-smint sends with an asset. Smint.io stores no originals and shows
/// what these links serve; each is read from PhotoShelter's `/media/{id}/link` on every
/// push (one round trip more per exposed item, both sizes at once).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PreviewRules {
    /// Off: assets carry metadata only (designers see no image).
    pub enabled: bool,
    /// `PreviewThumbnailUrl`: fitted into this `WxH` (PhotoShelter's `image_size`).
    pub thumbnail_size: String,
    /// `LargeThumbnailUrl`: fitted into this `WxH`.
    pub large_size: String,
    /// For an organization whose links expire: an asset pushed longer ago than this is
    /// pushed again with fresh links, by its next event or by the reconciliation
    /// (`photoshelter.reconcile`, which publishes one for each such asset). 0: links are
    /// taken as stable (no source documents an expiry).
    pub refresh_secs: u64,
}

impl Default for PreviewRules {
    fn default() -> Self {
        Self {
            enabled: true,
            thumbnail_size: "300x300".to_owned(),
            large_size: "1200x1200".to_owned(),
            refresh_secs: 0,
        }
    }
}

impl PreviewRules {
    /// How old a push may be before its links are refreshed; `None`: never (links stable,
    /// or no previews at all).
    pub fn refresh_after(&self) -> Option<std::time::Duration> {
        (self.enabled && self.refresh_secs > 0)
            .then(|| std::time::Duration::from_secs(self.refresh_secs))
    }

    /// Whether `size` is `WxH` with both sides 1 to 10 000.
    pub fn is_size(size: &str) -> bool {
        size.split_once('x').is_some_and(|(w, h)| {
            [w, h]
                .iter()
                .all(|n| n.parse::<u32>().is_ok_and(|n| (1..=10_000).contains(&n)))
        })
    }
}

/// One custom metadata field whose values become a Smint.io structured field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictionField {
    /// The PhotoShelter custom metadata field's name (compared case-insensitively).
    pub field: String,
    /// The Smint.io field its values go into.
    pub into: TermField,
    /// A PhotoShelter value (compared case-insensitively) → the Smint.io key or id it
    /// stands for (a tenant's `license_usage_print`, a permission group's uuid). With a
    /// map, a value it does not list is carried in `RawData.unmapped_restrictions`, never
    /// dropped; without one, values pass on as written.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// What separates several values in the field.
    #[serde(default = "default_separators")]
    pub separators: String,
}

fn default_separators() -> String {
    ",;".to_owned()
}

/// The structured Smint.io fields a restriction can fill: the license-term lists of
/// Smint.io's vocabulary (in `RawData`, under these names), the asset's campaigns, and
/// the Portals asset's `PermissionUuids` (who may see it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermField {
    AllowedUsages,
    RestrictedUsages,
    AllowedDistributions,
    RestrictedDistributions,
    AllowedGeographies,
    RestrictedGeographies,
    AllowedLanguages,
    RestrictedLanguages,
    Campaigns,
    PermissionUuids,
}

impl TermField {
    /// The `RawData` key (or, for `PermissionUuids`, the property) it fills.
    pub fn key(self) -> &'static str {
        match self {
            Self::AllowedUsages => "allowed_usages",
            Self::RestrictedUsages => "restricted_usages",
            Self::AllowedDistributions => "allowed_distributions",
            Self::RestrictedDistributions => "restricted_distributions",
            Self::AllowedGeographies => "allowed_geographies",
            Self::RestrictedGeographies => "restricted_geographies",
            Self::AllowedLanguages => "allowed_languages",
            Self::RestrictedLanguages => "restricted_languages",
            Self::Campaigns => "campaigns",
            Self::PermissionUuids => "PermissionUuids",
        }
    }
}

/// A condition on a PhotoShelter media item; it matches when **any** listed value matches.
/// An empty match matches nothing (approval must be named, never implied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaMatch {
    /// Gallery ids (`G0000…`) or gallery names.
    pub galleries: Vec<String>,
    /// Collection ids (`C0000…`): every gallery inside one, at any depth, counts as
    /// listed in `galleries` (read from PhotoShelter, refreshed every
    /// `photoshelter.api.collections_refresh_secs`).
    pub collections: Vec<String>,
    /// IPTC keywords (compared case-insensitively).
    pub keywords: Vec<String>,
    /// Custom metadata field → accepted values (compared case-insensitively).
    pub custom_metadata: BTreeMap<String, Vec<String>>,
}

impl MediaMatch {
    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.galleries.is_empty()
            && self.collections.is_empty()
            && self.keywords.is_empty()
            && self.custom_metadata.is_empty()
    }

    /// This match with the galleries of its collections added (`galleries_of`: each
    /// collection id's galleries; one not in it adds none).
    fn with_collection_galleries(&self, galleries_of: &CollectionGalleries) -> Self {
        let mut expanded = self.clone();
        for collection in &self.collections {
            if let Some(galleries) = galleries_of.get(collection.trim()) {
                expanded.galleries.extend(galleries.iter().cloned());
            }
        }
        expanded
    }
}

/// The galleries inside each collection, by collection id.
pub type CollectionGalleries = BTreeMap<String, std::collections::BTreeSet<String>>;

impl ConnectionRules {
    /// Every collection id the approval and region rules name.
    pub fn collections(&self) -> std::collections::BTreeSet<String> {
        let whens = std::iter::once(&self.approval).chain(self.regions.iter().map(|r| &r.when));
        whens
            .flat_map(|m| m.collections.iter())
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// These rules with every collection's galleries listed beside the galleries, as the
    /// flows and the sources judge media by them.
    pub fn with_collection_galleries(&self, galleries_of: &CollectionGalleries) -> Self {
        let mut rules = self.clone();
        rules.approval = self.approval.with_collection_galleries(galleries_of);
        for region in &mut rules.regions {
            region.when = region.when.with_collection_galleries(galleries_of);
        }
        rules
    }
}

/// One region rule: media matching `when` are exposed to these markets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegionRule {
    /// A name for logs and the asset's metadata.
    pub name: String,
    /// Which media the rule is about.
    pub when: MediaMatch,
    /// ISO 3166 country or region codes (`DE`, `EU`, …).
    pub regions: Vec<String>,
    /// Language codes (`de`, `en`, …).
    pub languages: Vec<String>,
    /// Campaign names.
    pub campaigns: Vec<String>,
}

/// The distribution policy of to-photoshelter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DistributionRules {
    /// The distribution gallery (`G0000…`) rights-cleared assets are uploaded into. Without
    /// it the flow parks license events with reason `no_distribution_gallery`.
    pub gallery: Option<String>,
    /// Distribute licenses some term marks as editorial use only.
    pub allow_editorial: bool,
    /// Distribute licenses Smint.io flags as having potentially restrictive terms.
    pub allow_restrictive: bool,
    /// Distribute only licenses whose terms allow this distribution channel key (e.g.
    /// `"web"`); empty means no such requirement.
    pub required_distributions: Vec<String>,
    /// The language of the rights text written into PhotoShelter (a Smint.io culture:
    /// `en`, `de`, …): key names come from the tenant's generic metadata in this culture,
    /// English where it has none; the sentences are German for `de*`, else English.
    pub language: String,
    /// Which of the tenant's licenses are this connection's (use case 6: several client
    /// connections sharing one Smint.io tenant). Empty: every license.
    pub only: LicenseFilter,
}

impl Default for DistributionRules {
    fn default() -> Self {
        Self {
            gallery: None,
            allow_editorial: false,
            allow_restrictive: false,
            required_distributions: Vec::new(),
            language: "en".to_owned(),
            only: LicenseFilter::default(),
        }
    }
}

/// A license belongs to the connection when it matches **every** non-empty list, and a
/// list when **any** of its entries names the license's project, collection or cart
/// (a uuid, or a name in any culture; any case). All empty: every license.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LicenseFilter {
    /// Smint.io projects (`project_uuid` / `project_name`).
    pub projects: Vec<String>,
    /// Smint.io collections (`collection_uuid` / `collection_name`).
    pub collections: Vec<String>,
    /// Cart purchase transactions (`cart_purchase_transaction_uuid`).
    pub carts: Vec<String>,
}

impl LicenseFilter {
    pub fn is_empty(&self) -> bool {
        self.projects.is_empty() && self.collections.is_empty() && self.carts.is_empty()
    }
}
