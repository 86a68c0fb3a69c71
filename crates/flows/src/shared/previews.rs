//! The renditions an exposed asset carries (use case 1): Smint.io stores no originals and
//! shows the images behind `PreviewThumbnailUrl` / `LargeThumbnailUrl`, so to-smint asks
//! PhotoShelter for a link of each size on every push (both at once).
//!
//! A link PhotoShelter refuses (4xx: a file type without an image rendition, a media
//! item it will not render) leaves the asset without that rendition and the push goes
//! on: metadata is never held back for a picture. A transient failure (5xx, 429,
//! transport) retries the delivery like any platform failure.
//!
//! The links are part of the pushed asset and so of its fingerprint: a link that changes
//! (a new file version) is pushed, an unchanged one is not pushed again. PhotoShelter
//! documents no expiry for these links (docs/platforms.md, assumption 11).

use assetrelay_config::PreviewRules;
use assetrelay_photoshelter::client::{Client, Error};
use assetrelay_smintio::client::model::portals::AssetDataObject;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_photoshelter};

/// Set the rendition URLs and flags of `asset` (media `media_id`) as `rules` ask.
pub async fn add_previews(
    ps: &Client,
    rules: &PreviewRules,
    media_id: &str,
    asset: &mut AssetDataObject,
) -> Result<(), FlowError> {
    if !rules.enabled {
        return Ok(());
    }
    // One step of the delivery (both calls at once), as the snapshot's calls are.
    let (thumbnail, large) = timed("photoshelter", "media_links", async {
        let (thumbnail, large) = futures::join!(
            ps.media_link(media_id, &rules.thumbnail_size),
            ps.media_link(media_id, &rules.large_size),
        );
        Ok::<_, Error>((usable(media_id, thumbnail)?, usable(media_id, large)?))
    })
    .await
    .map_err(|e| from_photoshelter(&e))?;
    asset.is_preview_thumbnail_available = Some(thumbnail.is_some());
    asset.is_large_thumbnail_available = Some(large.is_some());
    asset.preview_thumbnail_url = thumbnail;
    asset.large_thumbnail_url = large;
    Ok(())
}

/// The link, `None` when PhotoShelter refused it for good, or the failure to retry on.
fn usable(media_id: &str, link: Result<String, Error>) -> Result<Option<String>, Error> {
    match link {
        Ok(link) => Ok(Some(link)),
        Err(e) if !e.is_transient() && e.status().is_some_and(|s| s.is_client_error()) => {
            tracing::info!(%media_id, status = ?e.status(), "PhotoShelter gives no rendition link: pushed without it");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
