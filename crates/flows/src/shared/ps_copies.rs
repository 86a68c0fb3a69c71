//! The PhotoShelter copies to-photoshelter made of Smint.io licenses.
//!
//! Which copies exist is read from the asset ledger (flow `to-photoshelter`, the license
//! uuid): one copy per binary of the license at one version of that binary, each target id
//! `b<binary uuid>/v<binary version>:<media id>` (rows written before copies were kept per
//! binary say `v<license version>:<media id>`: a copy of the license's main binary, whose
//! binary version is not known). Listing the distribution gallery for
//! every license made the work grow with the square of the library; the gallery is read
//! only to find a copy a crashed replica uploaded without recording it ([`find_copies`],
//! after taking over its upload claim). A copy's file name is
//! `smintio-<license uuid>_<binary uuid>-v<binary version>.<ext>` (DESIGN §6.4) and its IPTC `trans_ref` names
//! the license, which is how to-smint recognizes it and does not echo it back.

use assetrelay_contract::{Flow, Platform};
use assetrelay_mapping::origin::parse_upload_file_name;
use assetrelay_photoshelter::client::{Client, Visibility};
use assetrelay_store::{AssetKey, LedgerEntry, LedgerWrite, Recorded, SourceVersion, Store};

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_photoshelter, from_store};

/// One copy of a license in the distribution gallery: one binary at one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributedCopy {
    pub media_id: String,
    /// The binary's uuid; none for a copy recorded before copies were kept per binary.
    pub binary: Option<String>,
    /// The binary's version (the license's, for a copy without a binary).
    pub version: i64,
}

impl DistributedCopy {
    pub fn is_of(&self, binary: &str) -> bool {
        self.binary.as_deref() == Some(binary)
    }
}

/// The ledger key of a license's copies.
pub fn license_key(connection: &str, license_uuid: &str) -> AssetKey {
    AssetKey::new(
        connection,
        Flow::ToPhotoshelter.as_str(),
        Platform::Smintio.to_string(),
        license_uuid,
    )
}

/// A license's copies as the ledger records them: in active use, and retired (kept, so
/// "what happened to asset X" names them and a re-distribution uploads under a new claim).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseCopies {
    /// By binary, oldest version first.
    pub active: Vec<DistributedCopy>,
    pub retired: Vec<DistributedCopy>,
    /// The license state the ledger row was written for (none: no row yet).
    pub recorded_source: Option<SourceVersion>,
}

impl LicenseCopies {
    /// The copies a ledger row's target ids name (also how tests and tools read a row).
    pub fn from_target_ids(ids: &[String]) -> Self {
        let mut copies = Self::default();
        for id in ids {
            match id.strip_prefix(RETIRED) {
                Some(rest) => copies.retired.extend(parse_target_id(rest)),
                None => copies.active.extend(parse_target_id(id)),
            }
        }
        copies.sort();
        copies
    }

    fn sort(&mut self) {
        self.active
            .sort_by(|a, b| (&a.binary, a.version).cmp(&(&b.binary, b.version)));
    }

    fn target_ids(&self) -> Vec<String> {
        let active = self.active.iter().map(target_id);
        let retired = self
            .retired
            .iter()
            .map(|c| format!("{RETIRED}{}", target_id(c)));
        active.chain(retired).collect()
    }

    /// Move a copy out of active use.
    pub fn retire(&mut self, media_id: &str) {
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(|c| c.media_id == media_id);
        self.active = kept;
        self.retired.extend(gone);
    }

    /// The claim key of an upload of `binary` at `version`: one per connection, license,
    /// binary, binary version and distribution round (a license withheld and distributed
    /// again gets a new copy).
    pub fn upload_claim(&self, key: &AssetKey, binary: &str, version: i64) -> String {
        let round = self
            .retired
            .iter()
            .filter(|c| c.is_of(binary) && c.version == version)
            .count();
        format!(
            "upload/{}/{}/b{binary}/v{version}/r{round}",
            key.connection, key.asset_id
        )
    }

    /// A copy recorded before copies were kept per binary was made from the license's
    /// main binary; it becomes that binary's copy at `version`, so moving to copies per
    /// binary uploads nothing again (a later version of the binary replaces it as usual).
    /// The newest such copy is adopted; any other stays without a binary and is retired
    /// like the copy of a binary the license no longer has.
    pub fn adopt_legacy(&mut self, binary: &str, version: i64) {
        if self.active.iter().any(|c| c.is_of(binary)) {
            return;
        }
        if let Some(copy) = self
            .active
            .iter_mut()
            .filter(|c| c.binary.is_none())
            .max_by_key(|c| c.version)
        {
            copy.binary = Some(binary.to_owned());
            copy.version = version;
        }
        self.sort();
    }

    fn merge(&mut self, other: &Self) {
        for copy in &other.active {
            if !self.active.contains(copy) && !self.retired.contains(copy) {
                self.active.push(copy.clone());
            }
        }
        for copy in &other.retired {
            if !self.retired.contains(copy) {
                self.active.retain(|c| c != copy);
                self.retired.push(copy.clone());
            }
        }
        self.sort();
    }
}

const RETIRED: &str = "retired:";

/// The copies the ledger records for a license.
pub async fn recorded_copies(store: &Store, key: &AssetKey) -> Result<LicenseCopies, FlowError> {
    let entry = store
        .ledger(key)
        .await
        .map_err(|e| from_store("read the asset ledger", &e))?;
    Ok(copies_recorded_in(entry))
}

/// The copies a license's ledger row records (none without a row).
pub fn copies_recorded_in(entry: Option<LedgerEntry>) -> LicenseCopies {
    entry.map_or_else(LicenseCopies::default, |e| LicenseCopies {
        recorded_source: Some(e.source),
        ..LicenseCopies::from_target_ids(&e.target_ids)
    })
}

/// Record a license's copies after a write.
pub async fn record_copies(
    store: &Store,
    key: &AssetKey,
    copies: &LicenseCopies,
    fingerprint: String,
    source: SourceVersion,
) -> Result<(), FlowError> {
    let write = LedgerWrite {
        target_ids: copies.target_ids(),
        fingerprint,
        source,
        outcome: "written".to_owned(),
    };
    let recorded = store
        .record_write(key, &write)
        .await
        .map_err(|e| from_store("record the copies in the asset ledger", &e))?;
    resolve(store, key, copies, recorded).await
}

/// Record the copy just uploaded under `claim`: the claim's target id and the ledger row
/// in one transaction, so no moment exists where the copy is known to neither.
#[allow(clippy::too_many_arguments)]
pub async fn record_upload(
    store: &Store,
    claim: &str,
    holder: &str,
    media_id: &str,
    key: &AssetKey,
    copies: &LicenseCopies,
    source: SourceVersion,
) -> Result<(), FlowError> {
    let write = LedgerWrite {
        target_ids: copies.target_ids(),
        fingerprint: String::new(),
        source,
        outcome: "written".to_owned(),
    };
    let (completed, recorded) = store
        .complete_claim_with_write(claim, holder, media_id, key, &write)
        .await
        .map_err(|e| from_store("record the upload", &e))?;
    if !completed {
        // Our claim expired during the upload and another process took it over; it
        // looks in the gallery and finds this copy (and the ledger names it already).
        tracing::warn!(%claim, %media_id, "the upload claim was taken over during the upload");
    }
    resolve(store, key, copies, recorded).await
}

/// After a ledger write: nothing to do, or (a turn outlived its lease and another replica
/// recorded a newer state) keep every copy either knows of, at a version just above the
/// newer row, and fail the delivery so its retry re-applies the newest license state.
async fn resolve(
    store: &Store,
    key: &AssetKey,
    copies: &LicenseCopies,
    recorded: Recorded,
) -> Result<(), FlowError> {
    let Recorded::Stale { current } = recorded else {
        return Ok(());
    };
    let mut merged = LicenseCopies::from_target_ids(&current.target_ids);
    merged.merge(copies);
    let merged = LedgerWrite {
        target_ids: merged.target_ids(),
        fingerprint: String::new(),
        source: SourceVersion {
            modified_ms: current.source.modified_ms,
            read_ms: current.source.read_ms.saturating_add(1),
        },
        outcome: "written".to_owned(),
    };
    store
        .record_write(key, &merged)
        .await
        .map_err(|e| from_store("record the copies in the asset ledger", &e))?;
    Err(assetrelay_broker::consumer::HandlerError::transient(
        "stale_write",
        format!(
            "a newer state of license {} was written meanwhile; applying it again",
            key.asset_id
        ),
    ))
}

fn target_id(copy: &DistributedCopy) -> String {
    match &copy.binary {
        Some(binary) => format!("b{binary}/v{}:{}", copy.version, copy.media_id),
        None => format!("v{}:{}", copy.version, copy.media_id),
    }
}

fn parse_target_id(id: &str) -> Option<DistributedCopy> {
    // PhotoShelter media ids hold no `:`; a binary uuid is not promised not to.
    let (head, media_id) = id.rsplit_once(':')?;
    let (binary, version) = match head.strip_prefix('b') {
        Some(rest) => {
            let (binary, version) = rest.rsplit_once("/v")?;
            (Some(binary.to_owned()), version)
        }
        None => (None, head.strip_prefix('v')?),
    };
    (!media_id.is_empty()).then_some(())?;
    Some(DistributedCopy {
        media_id: media_id.to_owned(),
        binary,
        version: version.parse().ok()?,
    })
}

/// Copies of `license_uuid` in `gallery`, by their file names (lists the whole gallery:
/// only after an upload claim was taken over from a holder that died).
pub async fn find_copies(
    photoshelter: &Client,
    gallery: &str,
    license_uuid: &str,
) -> Result<Vec<DistributedCopy>, FlowError> {
    let children = timed(
        "photoshelter",
        "gallery_children",
        photoshelter.gallery_children(gallery),
    )
    .await
    .map_err(|e| from_photoshelter(&e))?;
    let mut copies: Vec<DistributedCopy> = children
        .into_iter()
        .filter_map(|child| {
            let name = parse_upload_file_name(child.file_name.as_deref()?)?;
            (name.license == license_uuid).then_some(DistributedCopy {
                media_id: child.id,
                binary: name.binary,
                version: name.version,
            })
        })
        .collect();
    copies.sort_by(|a, b| (&a.binary, a.version).cmp(&(&b.binary, b.version)));
    Ok(copies)
}

/// Take a copy out of active use: out of the distribution gallery and visible to no one.
/// Returns whether anything had to change. A copy already deleted counts as retired.
pub async fn retire(
    photoshelter: &Client,
    gallery: &str,
    media_id: &str,
) -> Result<bool, FlowError> {
    let media = match timed("photoshelter", "media", photoshelter.media(media_id)).await {
        Ok(media) => media,
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => return Ok(false),
        Err(e) => return Err(from_photoshelter(&e)),
    };
    let mut changed = false;
    let in_gallery = media
        .galleries
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|g| g.id == gallery);
    if in_gallery {
        timed(
            "photoshelter",
            "remove_from_gallery",
            photoshelter.remove_from_gallery(gallery, media_id),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    if media.visibility != Some(Visibility::Private) {
        timed(
            "photoshelter",
            "set_media_visibility",
            photoshelter.set_media_visibility(media_id, Visibility::Private),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    Ok(changed)
}

#[cfg(test)]
#[path = "ps_copies_tests.rs"]
mod tests;
