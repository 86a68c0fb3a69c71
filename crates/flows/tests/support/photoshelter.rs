//! PhotoShelter as the client reads it: v3 login envelopes, v4 JSON:API resources
//! (`{"data": {"id", "type", "attributes"}}`), and the write calls the flows make.

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::ORG;

/// The v3 token login and the organization login that follows it.
pub async fn serve_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/psapi/v3/mem/authenticate"))
        .respond_with(v3_ok(json!({"token": "ps-session-token"})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/psapi/v3/mem/organization/{ORG}/authenticate"
        )))
        .respond_with(v3_ok(json!({})))
        .mount(server)
        .await;
}

fn v3_ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": "ok", "data": data}))
}

/// One media item as `GET /media/{id}` and its three side reads describe it.
pub struct MediaItem {
    pub id: String,
    /// v4 attributes: `file_name`, `mode`, `archived`, `license_expiration_date`, …
    pub attributes: Value,
    /// Attributes of its IPTC resource.
    pub iptc: Value,
    /// Ids of the galleries holding it.
    pub galleries: Vec<String>,
}

impl MediaItem {
    /// A visible image with no IPTC, in no gallery, with no expiry.
    pub fn image(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            attributes: json!({"file_name": "lake-at-dawn.jpg", "mode": "everyone"}),
            iptc: json!({}),
            galleries: Vec::new(),
        }
    }

    pub fn in_gallery(mut self, gallery: &str) -> Self {
        self.galleries.push(gallery.to_owned());
        self
    }

    /// Set one v4 attribute.
    pub fn with(mut self, attribute: &str, value: Value) -> Self {
        self.attributes[attribute] = value;
        self
    }

    pub fn with_iptc(mut self, iptc: Value) -> Self {
        self.iptc = iptc;
        self
    }

    /// Answer every read of this item, and its rendition links in every size; the
    /// organization has no custom metadata (404).
    pub async fn serve(&self, server: &MockServer) {
        for mock in self.reads() {
            mock.mount(server).await;
        }
        // A test about renditions mounts its own at a higher priority.
        let id = &self.id;
        get(&format!("/psapi/v4.0/media/{id}/link"))
            .respond_with(v4(json!({"id": id, "type": "link",
                "attributes": {"link": format!("https://cdn.example/{id}.jpg")}})))
            .mount(server)
            .await;
    }

    /// The reads as mocks, for a test that mounts them scoped to one phase.
    pub fn reads(&self) -> Vec<Mock> {
        let id = &self.id;
        let galleries: Vec<Value> = self
            .galleries
            .iter()
            .map(|g| json!({"id": g, "type": "gallery", "attributes": {"name": g}}))
            .collect();
        vec![
            get(&format!("/psapi/v4.0/media/{id}")).respond_with(v4(
                json!({"id": id, "type": "image", "attributes": self.attributes}),
            )),
            get(&format!("/psapi/v4.0/media/{id}/iptc")).respond_with(v4(
                json!({"id": id, "type": "iptc", "attributes": self.iptc}),
            )),
            get(&format!("/psapi/v4.0/media/{id}/galleries"))
                .respond_with(v4(Value::Array(galleries))),
            get(&format!("/psapi/v4.0/media/{id}/custom-metadata"))
                .respond_with(ResponseTemplate::new(404)),
        ]
    }
}

/// `GET /media/{id}` answered with `response`; the side reads answer as for an item with
/// nothing in them, so only the main read decides the outcome.
pub async fn serve_media_failure(
    server: &MockServer,
    id: &str,
    response: ResponseTemplate,
) -> Mock {
    let empty = MediaItem::image(id);
    for mock in empty.reads().into_iter().skip(1) {
        mock.mount(server).await;
    }
    get(&format!("/psapi/v4.0/media/{id}")).respond_with(response)
}

/// The children of `gallery`: `(media id, file name)`.
pub fn gallery_children(gallery: &str, children: &[(&str, &str)]) -> Mock {
    let data: Vec<Value> = children
        .iter()
        .map(|(id, file)| json!({"id": id, "type": "image", "attributes": {"file_name": file}}))
        .collect();
    get(&format!("/psapi/v4.0/galleries/{gallery}/children")).respond_with(v4(Value::Array(data)))
}

/// `PATCH /media/{id}` making it visible to no one.
pub fn set_private(id: &str) -> Mock {
    Mock::given(method("PATCH"))
        .and(path(format!("/psapi/v4.0/media/{id}")))
        .and(body_partial_json(
            json!({"data": {"attributes": {"mode": "private"}}}),
        ))
        .respond_with(v4(json!({"id": id, "type": "image", "attributes": {}})))
        .named(format!("PATCH /media/{id} mode=private"))
}

/// Any `PATCH /media/{id}` (visibility, expiry, releases).
pub fn any_media_update(id: &str) -> Mock {
    Mock::given(method("PATCH"))
        .and(path(format!("/psapi/v4.0/media/{id}")))
        .respond_with(v4(json!({"id": id, "type": "image", "attributes": {}})))
        .named(format!("any PATCH /media/{id}"))
}

/// `DELETE /galleries/{gallery}/children/{id}`.
pub fn remove_from_gallery(gallery: &str, id: &str) -> Mock {
    Mock::given(method("DELETE"))
        .and(path(format!(
            "/psapi/v4.0/galleries/{gallery}/children/{id}"
        )))
        .respond_with(ResponseTemplate::new(204))
        .named(format!("DELETE /galleries/{gallery}/children/{id}"))
}

/// `PATCH /media/{id}/iptc` whose attributes include `attributes`.
pub fn update_iptc(id: &str, attributes: Value) -> Mock {
    Mock::given(method("PATCH"))
        .and(path(format!("/psapi/v4.0/media/{id}/iptc")))
        .and(body_partial_json(
            json!({"data": {"attributes": attributes}}),
        ))
        .respond_with(v4(json!({"id": id, "type": "iptc", "attributes": {}})))
        .named(format!("PATCH /media/{id}/iptc"))
}

/// The multipart upload of `file_name` into `gallery`, answered with the new id.
pub fn upload(gallery: &str, file_name: &str, new_id: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path("/psapi/v3/mem/image/upload"))
        .and(body_string_contains(format!("filename=\"{file_name}\"")))
        .and(body_string_contains(gallery.to_owned()))
        .respond_with(v3_ok(json!({"Image": {"image_id": new_id}})))
        .named(format!("upload {file_name} into {gallery}"))
}

/// Any upload at all.
pub fn any_upload() -> Mock {
    Mock::given(method("POST"))
        .and(path("/psapi/v3/mem/image/upload"))
        .respond_with(v3_ok(json!({"Image": {"image_id": "I0000UNEXPECTED1"}})))
        .named("any upload")
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path(p.to_owned()))
}

fn v4(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": data}))
}
