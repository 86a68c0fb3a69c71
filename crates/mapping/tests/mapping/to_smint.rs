use assetrelay_mapping::{Audience, Restrictions, asset_for_media};
use assetrelay_photoshelter::client::Iptc;
use serde_json::json;

use crate::{at, bare_media, full_media};

fn dach_audience() -> Audience {
    Audience {
        regions: vec!["AT".into(), "CH".into(), "DE".into()],
        languages: vec!["de".into()],
        campaigns: vec!["spring-25".into()],
        rules: vec!["dach".into()],
    }
}

#[test]
fn a_full_record_maps_to_this_exact_asset() {
    let asset = asset_for_media(&full_media(), &dach_audience(), &Restrictions::default());
    assert_eq!(
        serde_json::to_value(&asset).unwrap(),
        json!({
            "ExternalId": "I0000q6bX7oL3Ihc",
            "Name": {"x-default": "Product launch, Berlin"},
            "Description": {"x-default": "The Acme X1 on stage at the Berlin launch event."},
            "ContentType": "image",
            "LocalizedTags": {"x-default": ["Berlin", "Launch", "X1"]},
            "PublishUntil": "2026-12-31T00:00:00Z",
            "Version": "3",
            "CreatedAt": "2025-05-14T09:12:00Z",
            "ModifiedAt": "2025-06-02T16:45:30Z",
            "RawData": {
                "source": "photoshelter",
                "attribution": {
                    "credit": "Jane Doe / Acme Corp",
                    "copyright": "© 2025 Acme Corp",
                    "author": "Jane Doe"
                },
                "releases": {"model_released": true, "property_released": false},
                "license_terms": {
                    "valid_until": "2026-12-31T00:00:00Z",
                    "rights_text": "Editorial and internal use only. No advertising without approval.",
                    "web_statement": "https://brand.acme.example/usage-terms"
                },
                "exposure": {
                    "regions": ["AT", "CH", "DE"],
                    "languages": ["de"],
                    "campaigns": ["spring-25"],
                    "rules": ["dach"]
                },
                "allowed_geographies": ["AT", "CH", "DE"],
                "allowed_languages": ["de"]
            }
        })
    );
}

#[test]
fn a_minimal_record_carries_no_false_or_empty_keys() {
    let asset = asset_for_media(
        &bare_media("I0000minimal0001"),
        &Audience::default(),
        &Restrictions::default(),
    );
    assert_eq!(
        serde_json::to_string(&asset).unwrap(),
        r#"{"ExternalId":"I0000minimal0001","RawData":{"source":"photoshelter"}}"#
    );
}

#[test]
fn a_sparse_record_keeps_only_what_is_known() {
    let mut media = bare_media("VD000sparse00001");
    media.media_type = Some("video".into());
    media.file_name = Some("keynote-cut.mov".into());
    media.modified_at = Some(at("2025-06-02T16:45:30Z"));
    media.model_released = Some(false);
    media.iptc = Some(Iptc {
        title: Some("   ".into()),
        keywords: Some(vec![" ".into()]),
        credit: Some("Acme Video Team".into()),
        ..Iptc::default()
    });
    let audience = Audience {
        campaigns: vec!["keynote-25".into()],
        rules: vec!["keynote".into()],
        ..Audience::default()
    };
    assert_eq!(
        serde_json::to_value(asset_for_media(&media, &audience, &Restrictions::default())).unwrap(),
        json!({
            "ExternalId": "VD000sparse00001",
            "Name": {"x-default": "keynote-cut.mov"},
            "ContentType": "video",
            "Version": "2025-06-02T16:45:30Z",
            "ModifiedAt": "2025-06-02T16:45:30Z",
            "RawData": {
                "source": "photoshelter",
                "attribution": {"credit": "Acme Video Team"},
                "releases": {"model_released": false},
                "exposure": {"campaigns": ["keynote-25"], "rules": ["keynote"]}
            }
        })
    );
}

#[test]
fn the_name_falls_back_from_title_to_headline_to_file_name() {
    let named = |title: Option<&str>, headline: Option<&str>, file_name: Option<&str>| {
        let mut media = bare_media("I0000names000001");
        media.file_name = file_name.map(Into::into);
        media.iptc = Some(Iptc {
            title: title.map(Into::into),
            headline: headline.map(Into::into),
            ..Iptc::default()
        });
        asset_for_media(&media, &Audience::default(), &Restrictions::default())
            .name
            .and_then(|n| n.get("x-default").cloned())
    };
    let cases = [
        (
            Some("Title"),
            Some("Headline"),
            Some("file.jpg"),
            Some("Title"),
        ),
        (None, Some("Headline"), Some("file.jpg"), Some("Headline")),
        (Some(""), Some(" "), Some("file.jpg"), Some("file.jpg")),
        (None, None, None, None),
    ];
    for (title, headline, file_name, expected) in cases {
        assert_eq!(named(title, headline, file_name).as_deref(), expected);
    }
}

#[test]
fn media_types_map_to_portals_content_types() {
    let cases = [
        ("image", "image"),
        ("video", "video"),
        ("audio", "audio"),
        ("document", "document"),
        ("Doc", "document"),
        ("hologram", "other"),
    ];
    for (media_type, expected) in cases {
        let mut media = bare_media("DO000types000001");
        media.media_type = Some(media_type.into());
        let value = serde_json::to_value(asset_for_media(
            &media,
            &Audience::default(),
            &Restrictions::default(),
        ))
        .unwrap();
        assert_eq!(value["ContentType"], expected, "{media_type}");
    }
}
