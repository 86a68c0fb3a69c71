//! Seeding the sandbox's PhotoShelter straight through its state: one gallery and N media
//! items in it, in milliseconds instead of N control-API calls, and without the
//! `media.created` webhooks those calls would emit (only the sync may produce events).

use std::collections::{BTreeMap, BTreeSet};

use assetrelay_sandbox::AppState;
use assetrelay_sandbox::photoshelter::{GalleryRecord, MediaRecord, Version};
use chrono::{Duration, Utc};
use serde_json::json;

/// Create gallery `name` and `n` images in it, and return the gallery's id and the
/// images' ids. The images are what the flows bench creates through the control API
/// (title, credit, keywords; visible to everyone; one 1 KiB version), so with the gallery
/// as the demo connection's approval rule every one of them is approved.
pub async fn approved_media(sandbox: &AppState, name: &str, n: usize) -> (String, Vec<String>) {
    let now = Utc::now();
    let mut ps = sandbox.photoshelter.lock().await;
    let gallery = ps.new_id("G0000");
    ps.galleries.insert(
        gallery.clone(),
        GalleryRecord {
            id: gallery.clone(),
            name: name.to_owned(),
            mode: "everyone".into(),
            created_at: now,
            modified_at: now,
        },
    );
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = ps.new_id("I0000");
        // Distinct modification times, one millisecond apart and all in the past, so the
        // newest-first listing has one order and no item looks modified during the walk.
        let back = i64::try_from(n - i).unwrap_or(i64::MAX);
        let at = now - Duration::milliseconds(back);
        let iptc = BTreeMap::from([
            ("title".to_owned(), json!("Benchmark image")),
            ("credit".to_owned(), json!("ACME")),
            ("keywords".to_owned(), json!(["bench"])),
        ]);
        ps.media.insert(
            id.clone(),
            MediaRecord {
                id: id.clone(),
                media_type: "image".into(),
                file_name: format!("sync-bench-{i}.jpg"),
                model_released: None,
                property_released: None,
                rating: None,
                searchable: true,
                mode: "everyone".into(),
                archived: false,
                restricted: false,
                approved: false,
                license_expiration_date: None,
                iptc,
                galleries: BTreeSet::from([gallery.clone()]),
                custom_metadata: BTreeMap::new(),
                versions: vec![Version {
                    number: 1,
                    bytes: 1024,
                    // Any stable 64-hex digest: the flows compare it, never recompute it.
                    sha256: format!("{i:064x}"),
                    added_at: at,
                }],
                created_at: at,
                modified_at: at,
            },
        );
        ids.push(id);
    }
    (gallery, ids)
}
