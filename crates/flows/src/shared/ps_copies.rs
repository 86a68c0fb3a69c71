//! The PhotoShelter copies to-photoshelter made of Smint.io licenses. A copy is found by its
//! file name, `smintio-<license uuid>-v<version>.<ext>` (the upsert key, DESIGN §6.4), among
//! the children of the connection's distribution gallery; its IPTC `trans_ref` names the
//! license too, which is how to-smint recognizes it and does not echo it back.

use assetrelay_mapping::origin::parse_upload_file_name;
use assetrelay_photoshelter::client::{Client, Visibility};

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_photoshelter};

/// One copy of a license in the distribution gallery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributedCopy {
    pub media_id: String,
    pub version: i64,
}

/// Copies of `license_uuid` in `gallery`, oldest version first.
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
            let (uuid, version) = parse_upload_file_name(child.file_name.as_deref()?)?;
            (uuid == license_uuid).then_some(DistributedCopy {
                media_id: child.id,
                version,
            })
        })
        .collect();
    copies.sort_by_key(|c| c.version);
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
