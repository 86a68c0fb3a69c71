//! The copy's IPTC and attributes, changed only where they differ from the license's.

use assetrelay_mapping::to_photoshelter::media_update_for_license;
use assetrelay_photoshelter::client::{Iptc, Media, MediaUpdate};
use assetrelay_smintio::client::LicensePurchaseTransaction;

use crate::shared::calls::timed;
use crate::shared::connections::Connection;
use crate::shared::failure::{FlowError, from_photoshelter};

/// Bring the copy's IPTC (`iptc`, the license's in the connection's language) and
/// attributes to the license's; returns whether anything changed.
pub(super) async fn write_metadata(
    connection: &Connection,
    iptc: &Iptc,
    lpt: &LicensePurchaseTransaction,
    media_id: &str,
) -> Result<bool, FlowError> {
    let ps = &connection.photoshelter;
    let media = timed("photoshelter", "media", ps.media(media_id))
        .await
        .map_err(|e| from_photoshelter(&e))?;
    let mut changed = false;
    if iptc_differs(iptc, media.iptc.as_ref()) {
        timed(
            "photoshelter",
            "update_iptc",
            ps.update_iptc(media_id, iptc),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    let update = attributes_to_change(&media_update_for_license(lpt), &media);
    if update != MediaUpdate::default() {
        timed(
            "photoshelter",
            "update_media",
            ps.update_media(media_id, &update),
        )
        .await
        .map_err(|e| from_photoshelter(&e))?;
        changed = true;
    }
    Ok(changed)
}

/// Whether any field `desired` sets differs from `current` (fields it leaves out are not ours).
fn iptc_differs(desired: &Iptc, current: Option<&Iptc>) -> bool {
    let Some(current) = current else {
        return *desired != Iptc::default();
    };
    let (Ok(desired), Ok(current)) = (serde_json::to_value(desired), serde_json::to_value(current))
    else {
        return true;
    };
    let (Some(desired), Some(current)) = (desired.as_object(), current.as_object()) else {
        return true;
    };
    desired.iter().any(|(k, v)| current.get(k) != Some(v))
}

/// Only the attributes that differ from the media's current ones.
fn attributes_to_change(desired: &MediaUpdate, media: &Media) -> MediaUpdate {
    MediaUpdate {
        visibility: None,
        license_expiration_date: desired
            .license_expiration_date
            .filter(|d| *d != media.license_expiration_date),
        model_released: desired
            .model_released
            .filter(|b| Some(*b) != media.model_released),
        property_released: desired
            .property_released
            .filter(|b| Some(*b) != media.property_released),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_only_the_iptc_fields_it_writes() {
        let desired = Iptc {
            credit: Some("ACME".into()),
            trans_ref: Some("smintio:u".into()),
            ..Iptc::default()
        };
        let mut current = desired.clone();
        current.caption = Some("someone else's caption".into());
        assert!(!iptc_differs(&desired, Some(&current)));
        current.credit = Some("Other".into());
        assert!(iptc_differs(&desired, Some(&current)));
        assert!(iptc_differs(&desired, None));
        assert!(!iptc_differs(&Iptc::default(), None));
    }

    #[test]
    fn changes_only_attributes_that_differ() {
        let media: Media = serde_json::from_value(serde_json::json!({
            "id": "I1", "media_type": null, "file_name": null, "file_size": null, "hash": null,
            "model_released": true, "property_released": null, "rating": null, "searchable": null,
            "visibility": null, "archived": null, "license_expiration_date": "2030-01-01",
            "version": null, "created_at": null, "modified_at": null, "iptc": null,
            "galleries": null, "custom_metadata": null
        }))
        .unwrap();
        let desired = MediaUpdate {
            visibility: None,
            license_expiration_date: Some(Some(
                chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            )),
            model_released: Some(true),
            property_released: Some(false),
        };
        let change = attributes_to_change(&desired, &media);
        assert_eq!(change.license_expiration_date, None);
        assert_eq!(change.model_released, None);
        assert_eq!(change.property_released, Some(false));
    }
}
