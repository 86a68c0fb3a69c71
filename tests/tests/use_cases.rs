//! DESIGN §1: one end-to-end test per use case, driving the sandbox platforms through the
//! ingress, RabbitMQ and the flows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_e2e::{Options, Stack, Value, json};

/// Each use case twice: with the sandbox's webhooks, and as with the real platforms (no
/// webhook at all; the sources poll PhotoShelter and follow the Smint.io feed through
/// Pusher).
macro_rules! both_ways {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn with_webhooks() {
                super::$name(super::Options::default()).await;
            }
            #[tokio::test]
            async fn polling_only() {
                super::$name(super::Options::polling_only()).await;
            }
        }
    )*};
}

both_ways!(
    use_case_1_only_brand_approved_photoshelter_images_appear_in_smintio,
    use_case_1_a_collection_approves_the_galleries_inside_it,
    use_case_2_rights_cleared_licenses_are_published_into_the_distribution_gallery,
    use_case_3_photoshelter_rights_become_smintio_license_terms,
    use_case_4_photoshelter_stays_primary_and_its_changes_reach_smintio,
    use_case_5_a_new_license_version_replaces_the_older_file,
    use_case_7_an_expiring_license_leaves_active_use_on_time_without_a_webhook,
    use_case_7_an_expired_photoshelter_image_leaves_both_sides,
    use_case_7_a_replaced_image_leaves_both_sides_and_its_successor_names_it,
    use_case_8_regional_variants_are_exposed_only_to_their_markets,
    use_case_8_with_regions_required_an_image_no_rule_names_is_not_exposed,
    use_case_6_each_connection_keeps_its_own_credentials_galleries_and_rules,
    use_case_6_a_shared_smintio_tenant_gives_each_client_only_its_own_licenses,
);

/// Approval by collection: the rules name a collection, not its galleries.
async fn use_case_1_a_collection_approves_the_galleries_inside_it(mode: Options) {
    let polling = mode.sources;
    let stack = Stack::start(Options {
        rules: |rules, galleries| {
            assetrelay_e2e::default_rules(rules, galleries);
            rules.approval.collections = vec![galleries.collection.clone()];
        },
        // The flows and the sources read the collection again after a second.
        env: vec![(
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__COLLECTIONS_REFRESH_SECS",
            "1",
        )],
        ..mode
    })
    .await;
    let c = &stack.control;
    let selected = c
        .create_media(json!({"file_name": "select.jpg", "galleries": [stack.galleries.in_collection], "iptc": {"title": "Campaign select"}}))
        .await
        .unwrap();
    let asset = stack.smint_asset_appears(&selected).await;
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Campaign select"))
    );
    if !polling {
        stack.stop().await;
        return;
    }
    // Moving a gallery into the collection changes no media item (so no modified-since
    // poll sees it): the sources watch the collection's galleries and the item appears.
    let later = c.create_gallery("Late additions").await.unwrap();
    let outside = c
        .create_media(
            json!({"file_name": "late.jpg", "galleries": [later], "iptc": {"title": "Late"}}),
        )
        .await
        .unwrap();
    stack.settle(Duration::from_millis(2_500)).await;
    assert!(
        c.smint_asset(&outside).await.unwrap().is_none(),
        "a gallery outside the collection approves nothing"
    );
    c.set_collection_children(
        &stack.galleries.collection,
        &[&stack.galleries.in_collection, &later],
    )
    .await
    .unwrap();
    stack.smint_asset_appears(&outside).await;
    stack.stop().await;
}

/// "Replaced": a new item says (IPTC keyword `replaces:<id>`) which one it replaces; the old
/// one is made private in PhotoShelter and leaves Smint.io, the new one names it, and a
/// regional variant names its master.
async fn use_case_7_a_replaced_image_leaves_both_sides_and_its_successor_names_it(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let approved = &stack.galleries.approved;
    let old = c
        .create_media(json!({"file_name": "hero-2025.jpg", "galleries": [approved], "iptc": {"title": "Hero 2025"}}))
        .await
        .unwrap();
    stack.smint_asset_appears(&old).await;

    let new = c
        .create_media(
            json!({"file_name": "hero-2026.jpg", "galleries": [approved],
            "iptc": {"title": "Hero 2026", "keywords": ["hero", format!("replaces:{old}")]}}),
        )
        .await
        .unwrap();
    let successor = stack.smint_asset_appears(&new).await;
    assert_eq!(raw(&successor, "/relations/replaces"), Some(&json!([old])));
    assert_eq!(
        successor.pointer("/asset_data_object/LocalizedTags/x-default"),
        Some(&json!(["hero"])),
        "the relation keyword is no tag"
    );
    stack
        .wait_for(
            "the replaced image out of Smint.io and private in PhotoShelter",
            Duration::from_secs(30),
            || async {
                let gone = c.smint_asset(&old).await.unwrap().is_none();
                let private = c.media(&old).await.unwrap()?["mode"] == json!("private");
                (gone && private).then_some(())
            },
        )
        .await;

    let variant = c
        .create_media(
            json!({"file_name": "hero-2026-fr.jpg", "galleries": [approved],
            "iptc": {"title": "Héros 2026", "keywords": [format!("variant-of:{new}")]}}),
        )
        .await
        .unwrap();
    let variant = stack.smint_asset_appears(&variant).await;
    assert_eq!(raw(&variant, "/relations/variant_of"), Some(&json!([new])));
    // A variant retires nothing.
    stack.settle(Duration::from_millis(500)).await;
    assert!(c.smint_asset(&new).await.unwrap().is_some());
    stack.stop().await;
}

fn raw<'a>(asset: &'a Value, pointer: &str) -> Option<&'a Value> {
    asset.pointer(&format!("/asset_data_object/RawData{pointer}"))
}

async fn use_case_1_only_brand_approved_photoshelter_images_appear_in_smintio(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let draft = c
        .create_media(json!({"file_name": "draft.jpg", "iptc": {"title": "Draft"}}))
        .await
        .unwrap();
    let by_gallery = c
        .create_media(json!({"file_name": "hero.jpg", "galleries": [stack.galleries.approved], "iptc": {"title": "Hero"}}))
        .await
        .unwrap();
    let by_metadata = c
        .create_media(
            json!({"file_name": "team.jpg", "custom_metadata": {"Brand approval": "approved"}}),
        )
        .await
        .unwrap();

    let hero = stack.smint_asset_appears(&by_gallery).await;
    assert_eq!(
        hero.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Hero"))
    );
    // What a designer sees: an image behind each rendition link, fetched as Smint.io
    // would, without any PhotoShelter credential.
    for (field, flag, side) in [
        ("PreviewThumbnailUrl", "IsPreviewThumbnailAvailable", 300),
        ("LargeThumbnailUrl", "IsLargeThumbnailAvailable", 1200),
    ] {
        let object = &hero["asset_data_object"];
        assert_eq!(object[flag], json!(true), "{object}");
        let link = object[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field}: {object}"));
        let image = reqwest::get(link).await.unwrap();
        assert_eq!(image.status(), 200, "{link}");
        assert_eq!(image.headers()["content-type"], "image/bmp");
        let bytes = image.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"BM", "{link} is no image");
        assert_eq!(u32::from_le_bytes(bytes[18..22].try_into().unwrap()), side);
    }
    stack.smint_asset_appears(&by_metadata).await;
    stack.settle(Duration::from_millis(500)).await;
    assert!(
        c.smint_asset(&draft).await.unwrap().is_none(),
        "an unapproved image reached Smint.io"
    );

    // Approving it later (adding it to the approved gallery) exposes it.
    c.patch_media(&draft, json!({"galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack.smint_asset_appears(&draft).await;
    // Taking approval away removes it again.
    c.patch_media(&by_gallery, json!({"galleries": []}))
        .await
        .unwrap();
    stack
        .wait_for(
            "unapproved asset removed",
            Duration::from_secs(30),
            || async {
                c.smint_asset(&by_gallery)
                    .await
                    .unwrap()
                    .is_none()
                    .then_some(())
            },
        )
        .await;
    stack.stop().await;
}

async fn use_case_2_rights_cleared_licenses_are_published_into_the_distribution_gallery(
    mode: Options,
) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let cleared = c
        .license(
            json!({"action": "create", "name": "Campaign hero", "provider": "adobestock",
                        "copyright_notice": "© Jane Doe / Adobe Stock",
                        "license_terms": [{"name": [{"culture": "en", "value": "Standard"}],
                                           "allowed_usages": ["usage_advertising"],
                                           "restricted_geographies": ["geography_north_america"]}],
                        "valid_until": "2030-06-30T00:00:00Z"}),
        )
        .await
        .unwrap();
    let editorial = c
        .license(json!({"action": "create", "name": "Press photo", "is_editorial_use": true}))
        .await
        .unwrap();

    let copy = stack
        .wait_for(
            "the cleared license in the distribution gallery",
            Duration::from_secs(30),
            || async { stack.distributed_copies(&cleared).await.into_iter().next() },
        )
        .await;
    stack.settle(Duration::from_millis(500)).await;
    let copy = c
        .media(copy["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        copy["iptc"]["trans_ref"],
        json!(format!("smintio:{cleared}"))
    );
    assert!(
        copy["iptc"]["copyright"]
            .as_str()
            .unwrap()
            .contains("Jane Doe"),
        "{copy}"
    );
    // Readable rights: the tenant's names for the keys (its generic metadata), and the
    // keys themselves, machine-readable, in the instructions.
    let rights = copy["iptc"]["rights"].as_str().unwrap_or_default();
    assert!(
        rights.contains("Allowed usages: Advertising.")
            && rights.contains("Restricted geographies: North America."),
        "{rights}"
    );
    assert!(!rights.contains("usage_advertising"), "{rights}");
    assert_eq!(
        copy["iptc"]["instructions"],
        json!(
            "smintio-terms: allowed_usages=usage_advertising; restricted_geographies=geography_north_america"
        )
    );
    assert_eq!(copy["license_expiration_date"], json!("2030-06-30"));
    assert!(
        stack.distributed_copies(&editorial).await.is_empty(),
        "an editorial-only license was distributed"
    );
    stack.stop().await;
}

async fn use_case_3_photoshelter_rights_become_smintio_license_terms(mode: Options) {
    let stack = Stack::start(mode).await;
    let id = stack
        .control
        .create_media(json!({
            "file_name": "shoot.jpg", "galleries": [stack.galleries.approved],
            "iptc": {"title": "Shoot", "credit": "ACME Studio", "copyright": "© 2026 ACME", "author": "Kim Lee",
                     "rights": "No outdoor advertising", "web_statement": "https://acme.example/rights"},
            "license_expiration_date": "2031-01-15", "model_released": true,
            "custom_metadata": {"Usage restriction": "No print; No TV", "Channel": "Social, Billboards", "Campaign": "Spring 2027"},
        }))
        .await
        .unwrap();
    let asset = stack.smint_asset_appears(&id).await;
    // The restrictions kept in custom metadata, as the fields a designer filters on
    // (config/example.toml maps them to the tenant's keys).
    assert_eq!(
        raw(&asset, "/restricted_usages"),
        Some(&json!(["license_usage_print", "license_usage_tv"]))
    );
    assert_eq!(
        raw(&asset, "/allowed_distributions"),
        Some(&json!(["license_distribution_social_media"]))
    );
    assert_eq!(raw(&asset, "/campaigns"), Some(&json!(["Spring 2027"])));
    assert_eq!(
        raw(&asset, "/unmapped_restrictions"),
        Some(&json!({"Channel": ["Billboards"]})),
        "a value nobody mapped is shown, not dropped"
    );
    assert_eq!(
        raw(&asset, "/attribution"),
        Some(&json!({"credit": "ACME Studio", "copyright": "© 2026 ACME", "author": "Kim Lee"}))
    );
    assert_eq!(
        raw(&asset, "/license_terms/rights_text"),
        Some(&json!("No outdoor advertising"))
    );
    assert_eq!(
        raw(&asset, "/license_terms/web_statement"),
        Some(&json!("https://acme.example/rights"))
    );
    assert_eq!(
        asset.pointer("/asset_data_object/PublishUntil"),
        Some(&json!("2031-01-15T00:00:00Z"))
    );
    // Known release → carried; unknown property release → absent, never `false`.
    assert_eq!(
        raw(&asset, "/releases"),
        Some(&json!({"model_released": true}))
    );
    stack.stop().await;
}

async fn use_case_4_photoshelter_stays_primary_and_its_changes_reach_smintio(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let id = c
        .create_media(json!({"file_name": "a.jpg", "galleries": [stack.galleries.approved], "iptc": {"title": "First title"}}))
        .await
        .unwrap();
    stack.smint_asset_appears(&id).await;
    c.patch_media(
        &id,
        json!({"iptc": {"title": "Corrected title", "keywords": ["spring", "outdoor"]}}),
    )
    .await
    .unwrap();
    let asset = stack
        .wait_for(
            "the new title in Smint.io",
            Duration::from_secs(30),
            || async {
                let a = c.smint_asset(&id).await.unwrap()?;
                (a.pointer("/asset_data_object/Name/x-default") == Some(&json!("Corrected title")))
                    .then_some(a)
            },
        )
        .await;
    assert_eq!(
        asset.pointer("/asset_data_object/ExternalId"),
        Some(&json!(id))
    );
    assert_eq!(
        asset.pointer("/asset_data_object/LocalizedTags/x-default"),
        Some(&json!(["spring", "outdoor"]))
    );
    assert_eq!(raw(&asset, "/source"), Some(&json!("photoshelter")));
    // Deleted in the primary library → gone from Smint.io.
    c.patch_media(&id, json!({"deleted": true})).await.unwrap();
    stack
        .wait_for("deleted asset removed", Duration::from_secs(30), || async {
            c.smint_asset(&id).await.unwrap().is_none().then_some(())
        })
        .await;
    stack.stop().await;
}

async fn use_case_5_a_new_license_version_replaces_the_older_file(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let uuid = c
        .license(
            json!({"action": "create", "name": "Key visual v1", "binaries": [{"uuid": "kv-main"}]}),
        )
        .await
        .unwrap();
    let v1 = stack
        .wait_for("version 1 distributed", Duration::from_secs(30), || async {
            stack.distributed_copies(&uuid).await.into_iter().next()
        })
        .await;
    let v1_id = v1["id"].as_str().unwrap().to_owned();
    assert!(
        v1["file_name"].as_str().unwrap().contains("_kv-main-v1."),
        "{v1}"
    );

    // New license terms and name, the same file: the copy PhotoShelter links point to
    // stays, with the new metadata.
    c.license(
        json!({"action": "update", "uuid": uuid, "version": 2, "name": "Key visual (final)"}),
    )
    .await
    .unwrap();
    stack
        .wait_for(
            "the same copy with the new name",
            Duration::from_secs(30),
            || async {
                let copies = stack.distributed_copies(&uuid).await;
                (copies.len() == 1
                    && copies[0]["id"] == json!(v1_id)
                    && copies[0].to_string().contains("Key visual (final)"))
                .then_some(())
            },
        )
        .await;

    // A new version of the file: one copy of it, the old one out of use.
    c.license(json!({"action": "update", "uuid": uuid, "binaries": [{"uuid": "kv-main"}]}))
        .await
        .unwrap();
    let v2 = stack
        .wait_for(
            "only the binary's version 2 in the gallery",
            Duration::from_secs(30),
            || async {
                let copies = stack.distributed_copies(&uuid).await;
                (copies.len() == 1 && copies[0]["id"] != json!(v1_id)).then(|| copies[0].clone())
            },
        )
        .await;
    assert!(
        v2["file_name"].as_str().unwrap().contains("_kv-main-v2."),
        "{v2}"
    );
    let old = c.media(&v1_id).await.unwrap().unwrap();
    assert_eq!(
        old["mode"],
        json!("private"),
        "the old version is still visible: {old}"
    );

    // A compound asset: one copy per binary.
    let compound = c
        .license(json!({"action": "create", "name": "Campaign set", "binaries": [{"uuid": "front"}, {"uuid": "back"}]}))
        .await
        .unwrap();
    let names = stack
        .wait_for("one copy per binary", Duration::from_secs(30), || async {
            let copies = stack.distributed_copies(&compound).await;
            let mut names: Vec<String> = copies
                .iter()
                .filter_map(|c| c["file_name"].as_str().map(str::to_owned))
                .collect();
            names.sort();
            (names.len() == 2).then_some(names)
        })
        .await;
    assert!(names[0].contains("_back-v1."), "{names:?}");
    assert!(names[1].contains("_front-v1."), "{names:?}");
    stack.stop().await;
}

async fn use_case_7_an_expiring_license_leaves_active_use_on_time_without_a_webhook(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let ends = chrono::Utc::now() + chrono::Duration::seconds(8);
    let uuid = c
        .license(
            json!({"action": "create", "name": "Flash sale", "valid_until": ends.to_rfc3339()}),
        )
        .await
        .unwrap();
    let copy = stack
        .wait_for("license distributed", Duration::from_secs(30), || async {
            stack.distributed_copies(&uuid).await.into_iter().next()
        })
        .await;
    let id = copy["id"].as_str().unwrap().to_owned();
    let smint_webhooks_before = c
        .get("/_sandbox/webhooks?platform=smintio")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    let retired = stack
        .wait_for(
            "copy retired after the license ended",
            Duration::from_secs(75),
            || async {
                let m = c.media(&id).await.unwrap()?;
                (m["mode"] == json!("private")
                    && m["galleries"].as_array().is_some_and(|g| g.is_empty()))
                .then_some(m)
            },
        )
        .await;
    let late = chrono::Utc::now() - ends;
    assert!(
        late < chrono::Duration::seconds(60),
        "retired {late} after the end"
    );
    assert!(
        late > chrono::Duration::zero() - chrono::Duration::seconds(1),
        "retired before the end: {retired}"
    );
    let smint_webhooks_after = c
        .get("/_sandbox/webhooks?platform=smintio")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        smint_webhooks_before, smint_webhooks_after,
        "Smint.io sent a webhook: the test would not show the scheduler works"
    );
    stack.stop().await;
}

async fn use_case_7_an_expired_photoshelter_image_leaves_both_sides(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let id = c
        .create_media(
            json!({"file_name": "old.jpg", "galleries": [stack.galleries.approved],
                             "license_expiration_date": "2031-01-01", "iptc": {"title": "Old"}}),
        )
        .await
        .unwrap();
    stack.smint_asset_appears(&id).await;
    // Rights end (the expiration date moves to today): out of Smint.io, private in PhotoShelter.
    let today = chrono::Utc::now().date_naive().to_string();
    c.patch_media(&id, json!({"license_expiration_date": today}))
        .await
        .unwrap();
    stack
        .wait_for(
            "expired image out of use on both sides",
            Duration::from_secs(30),
            || async {
                let gone = c.smint_asset(&id).await.unwrap().is_none();
                let private = c.media(&id).await.unwrap()?["mode"] == json!("private");
                (gone && private).then_some(())
            },
        )
        .await;
    stack.stop().await;
}

async fn use_case_8_regional_variants_are_exposed_only_to_their_markets(mode: Options) {
    let stack = Stack::start(mode).await;
    let c = &stack.control;
    let g = &stack.galleries;
    let regional = c
        .create_media(json!({"file_name": "dach.jpg", "galleries": [g.approved, g.dach]}))
        .await
        .unwrap();
    let global = c
        .create_media(json!({"file_name": "global.jpg", "galleries": [g.approved]}))
        .await
        .unwrap();
    let asset = stack.smint_asset_appears(&regional).await;
    assert_eq!(
        raw(&asset, "/exposure"),
        Some(
            &json!({"regions": ["AT", "CH", "DE"], "languages": ["de"], "campaigns": ["Winter 2026"], "rules": ["dach"]})
        )
    );
    assert_eq!(
        raw(&asset, "/allowed_geographies"),
        Some(&json!(["AT", "CH", "DE"]))
    );
    // The rule says `de`; Smint.io's tenant calls it by its own key.
    assert_eq!(
        raw(&asset, "/allowed_languages"),
        Some(&json!(["language_german"]))
    );
    assert_eq!(raw(&asset, "/unmapped_languages"), None);
    let unrestricted = stack.smint_asset_appears(&global).await;
    assert_eq!(raw(&unrestricted, "/exposure"), None);
    stack.stop().await;
}

async fn use_case_8_with_regions_required_an_image_no_rule_names_is_not_exposed(mode: Options) {
    let stack = Stack::start(Options {
        rules: |rules, g| {
            assetrelay_e2e::default_rules(rules, g);
            rules.regions_required = true;
        },
        ..mode
    })
    .await;
    let c = &stack.control;
    let g = &stack.galleries;
    let global = c
        .create_media(json!({"file_name": "global.jpg", "galleries": [g.approved]}))
        .await
        .unwrap();
    let regional = c
        .create_media(json!({"file_name": "dach.jpg", "galleries": [g.approved, g.dach]}))
        .await
        .unwrap();
    stack.smint_asset_appears(&regional).await;
    stack.settle(Duration::from_millis(500)).await;
    assert!(c.smint_asset(&global).await.unwrap().is_none());
    stack.stop().await;
}

async fn use_case_6_each_connection_keeps_its_own_credentials_galleries_and_rules(mode: Options) {
    let stack = Stack::start(Options {
        second_connection: true,
        ..mode
    })
    .await;
    let a = &stack.control;
    let (b, galleries_b) = stack.client_b();
    // Each connection approves by its own gallery; the other's gallery id means nothing there.
    let in_a = a
        .create_media(json!({"file_name": "a.jpg", "galleries": [stack.galleries.approved], "iptc": {"title": "Client A"}}))
        .await
        .unwrap();
    let in_b = b
        .create_media(json!({"file_name": "b.jpg", "galleries": [galleries_b.approved], "iptc": {"title": "Client B"}}))
        .await
        .unwrap();
    // Each sandbox has its own id space, so an id names one tenant's asset only.
    assert_ne!(in_a, in_b, "both tenants numbered their media alike");
    let license_a = a
        .license(json!({"action": "create", "name": "A's license"}))
        .await
        .unwrap();
    let license_b = b
        .license(json!({"action": "create", "name": "B's license"}))
        .await
        .unwrap();
    assert_ne!(
        license_a, license_b,
        "both tenants numbered their licenses alike"
    );

    let asset_a = stack.smint_asset_appears(&in_a).await;
    let asset_b = stack
        .wait_for(
            "client B's asset in client B's Smint.io",
            Duration::from_secs(30),
            || async { b.smint_asset(&in_b).await.unwrap() },
        )
        .await;
    assert_eq!(
        asset_a.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Client A"))
    );
    assert_eq!(
        asset_b.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Client B"))
    );
    // Licenses go to the connection's own distribution gallery.
    stack
        .wait_for(
            "A's license in A's distribution gallery",
            Duration::from_secs(30),
            || async {
                stack
                    .distributed_copies(&license_a)
                    .await
                    .into_iter()
                    .next()
            },
        )
        .await;
    stack
        .wait_for(
            "B's license in B's distribution gallery",
            Duration::from_secs(30),
            || async {
                let ids = stack
                    .gallery_media_of(
                        "client_b",
                        &galleries_b.distribution,
                        &format!("smintio-{license_b}_"),
                    )
                    .await;
                (!ids.is_empty()).then_some(())
            },
        )
        .await;
    stack.settle(Duration::from_millis(500)).await;

    // Neither tenant holds anything of the other's, on either platform.
    assert_eq!(
        Stack::smint_asset_ids(a).await,
        [in_a.as_str()],
        "A's Smint.io"
    );
    assert_eq!(
        Stack::smint_asset_ids(b).await,
        [in_b.as_str()],
        "B's Smint.io"
    );
    for (connection, own, other) in [
        ("demo", &license_a, &license_b),
        ("client_b", &license_b, &license_a),
    ] {
        let copies: Vec<String> = stack
            .all_media_names_of(connection)
            .await
            .into_iter()
            .filter(|name| name.starts_with("smintio-"))
            .collect();
        assert!(
            !copies.is_empty()
                && copies
                    .iter()
                    .all(|n| n.starts_with(&format!("smintio-{own}_"))),
            "{connection}'s PhotoShelter holds a copy of {other}, or none of its own: {copies:?}"
        );
    }
    stack.stop().await;
}

async fn use_case_6_a_shared_smintio_tenant_gives_each_client_only_its_own_licenses(mode: Options) {
    // The demo connection is one client's; the tenant also licenses for another.
    let stack = Stack::start(Options {
        rules: |rules, g| {
            assetrelay_e2e::default_rules(rules, g);
            rules.distribution.only.projects = vec!["Client A campaign".into()];
        },
        ..mode
    })
    .await;
    let c = &stack.control;
    let theirs = c
        .license(
            json!({"action": "create", "name": "Client B visual", "project": "Client B launch"}),
        )
        .await
        .unwrap();
    let ours = c
        .license(
            json!({"action": "create", "name": "Client A visual", "project": "Client A campaign"}),
        )
        .await
        .unwrap();
    stack
        .wait_for(
            "client A's license distributed",
            Duration::from_secs(30),
            || async { stack.distributed_copies(&ours).await.into_iter().next() },
        )
        .await;
    let key = assetrelay_store::AssetKey::new("demo", "to-photoshelter", "smintio", &theirs);
    let decided = stack
        .wait_for(
            "client B's license decided",
            Duration::from_secs(30),
            || async { stack.store.ledger(&key).await.unwrap() },
        )
        .await;
    assert_eq!(decided.fingerprint, "withheld:not_this_connection");
    assert!(
        stack.distributed_copies(&theirs).await.is_empty(),
        "another client's license reached this client's gallery"
    );
    stack.stop().await;
}
