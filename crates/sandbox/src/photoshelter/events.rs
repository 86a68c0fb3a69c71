//! Webhooks the simulated PhotoShelter emits, in our documented payload format
//! (`docs/webhooks.md`): `{"id","event","occurred_at","org_id","media_id"}` plus
//! `"gallery_id"` for gallery events. PhotoShelter documents no webhooks (research §3);
//! the sandbox plays the relay that would send them.

use chrono::Utc;
use serde_json::json;

use crate::Platform;
use crate::state::AppState;

/// Media events.
pub const CREATED: &str = "media.created";
pub const UPDATED: &str = "media.updated";
pub const APPROVED: &str = "media.approved";
pub const RIGHTS_CHANGED: &str = "media.rights_changed";
pub const VERSION_ADDED: &str = "media.version_added";
pub const RESTRICTED: &str = "media.restricted";
pub const ARCHIVED: &str = "media.archived";
pub const DELETED: &str = "media.deleted";
/// Gallery membership events (carry `gallery_id`).
pub const GALLERY_ADDED: &str = "gallery.media_added";
pub const GALLERY_REMOVED: &str = "gallery.media_removed";

/// One event to send: name, media id, and the gallery for gallery events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: &'static str,
    pub media_id: String,
    pub gallery_id: Option<String>,
}

impl Event {
    pub fn media(name: &'static str, media_id: &str) -> Self {
        Self {
            name,
            media_id: media_id.to_owned(),
            gallery_id: None,
        }
    }
    pub fn gallery(name: &'static str, media_id: &str, gallery_id: &str) -> Self {
        Self {
            name,
            media_id: media_id.to_owned(),
            gallery_id: Some(gallery_id.to_owned()),
        }
    }
}

/// Emits each event as its own signed webhook (non-blocking); returns the delivery ids.
pub fn emit(state: &AppState, events: Vec<Event>) -> Vec<String> {
    events
        .into_iter()
        .map(|e| {
            let mut payload = json!({
                "id": format!("msg_{}", uuid::Uuid::new_v4().simple()),
                "event": e.name,
                "occurred_at": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "org_id": state.config.photoshelter.org_id,
                "media_id": e.media_id,
            });
            if let (Some(g), Some(obj)) = (e.gallery_id, payload.as_object_mut()) {
                obj.insert("gallery_id".into(), g.into());
            }
            state.emitter.emit(Platform::PhotoShelter, payload)
        })
        .collect()
}
