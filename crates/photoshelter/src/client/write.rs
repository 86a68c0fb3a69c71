//! Write endpoints. Evidence per path:
//! - `POST /psapi/v3/mem/image/upload` multipart `file` + `gallery_id` [DOC `S-upload`];
//!   `f_searchable` [CLIENT `S-R`]; answer `data.Image.image_id` ASSUMED (the doc only says
//!   it "returns data about the image, including the new image id").
//! - `PATCH /psapi/v4.0/media/{id}/iptc` [UNVERIFIED `S-kuklaph`; JSON:API body ASSUMED]
//! - `PATCH /psapi/v4.0/media/{id}` [UNVERIFIED `S-kuklaph`; body and the attributes
//!   `mode` and `license_expiration_date` ASSUMED]
//! - `DELETE /psapi/v4.0/galleries/{id}/children/{media_id}` \[UNVERIFIED\]
//! - `GET /psapi/v3/mem/user/session` \[CLIENT\], only to check the session after an upload
//!   broke off

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio_util::io::ReaderStream;

use super::error::Error;
use super::model::{Iptc, MediaUpdate, Upload, UploadSource, Uploaded, Visibility};
use super::transport::{Answer, Api, dispatch};
use super::{Client, Result, checked_id};

const UPLOAD: &str = "POST /psapi/v3/mem/image/upload";
const UPLOAD_SOURCE: &str = "GET upload source";
const SESSION: &str = "GET /psapi/v3/mem/user/session";
const PATCH_IPTC: &str = "PATCH /psapi/v4.0/media/{media_id}/iptc";
const PATCH_MEDIA: &str = "PATCH /psapi/v4.0/media/{media_id}";
const REMOVE_CHILD: &str = "DELETE /psapi/v4.0/galleries/{gallery_id}/children/{media_id}";

/// Read size of a streamed upload file.
const CHUNK: usize = 64 * 1024;

impl Client {
    /// Uploads a file into a gallery, streaming it from disk or from a URL.
    ///
    /// A server may reject an expired token before reading the body and close the
    /// connection, so the client sees a broken pipe instead of the 401. After such a
    /// transport failure the session is checked (`GET /psapi/v3/mem/user/session`
    /// [CLIENT `S-drupal`, `S-oauthtester`]); if that needed a new login, the upload is
    /// streamed once more.
    pub async fn upload(&self, upload: &Upload) -> Result<Uploaded> {
        match self.upload_once(upload).await {
            Err(e @ Error::Transport { .. })
                if matches!(self.config.auth, super::Auth::Token { .. }) =>
            {
                let before = self.logins();
                self.check_session().await?;
                if self.logins() > before {
                    self.upload_once(upload).await
                } else {
                    Err(e)
                }
            }
            other => other,
        }
    }

    /// Verifies the session with a cheap call (logging in again on 401).
    async fn check_session(&self) -> Result<()> {
        let url = self.url("/psapi/v3/mem/user/session");
        let answer = self
            .send(Api::V3, SESSION, || async {
                Ok(self.http.get(&url).timeout(self.config.timeout))
            })
            .await?;
        answer.v3_data(SESSION).map(drop)
    }

    async fn upload_once(&self, upload: &Upload) -> Result<Uploaded> {
        let gallery_id = checked_id("gallery", &upload.gallery_id)?;
        let url = self.url("/psapi/v3/mem/image/upload");
        let answer = self
            .send(Api::V3, UPLOAD, || async {
                let mut form = Form::new().text("gallery_id", gallery_id.to_owned());
                if let Some(searchable) = upload.searchable {
                    form = form.text("f_searchable", if searchable { "t" } else { "f" });
                }
                let form = form.part("file", self.file_part(upload).await?);
                Ok(self
                    .http
                    .post(&url)
                    .timeout(self.config.upload_timeout)
                    .multipart(form))
            })
            .await?;
        let data = answer.v3_data(UPLOAD)?;
        let image = data.get("Image").unwrap_or(&data);
        let id = ["image_id", "media_id", "id"]
            .iter()
            .find_map(|k| image.get(*k).and_then(Value::as_str))
            .ok_or_else(|| Error::missing(UPLOAD, answer.status, "no image id in the answer"))?;
        Ok(Uploaded {
            id: id.to_owned(),
            file_size: image.get("file_size").and_then(Value::as_u64),
        })
    }

    /// The multipart part of an upload, streaming its source (never buffered whole).
    async fn file_part(&self, upload: &Upload) -> Result<Part> {
        let part = match &upload.source {
            UploadSource::File(path) => {
                let file = tokio::fs::File::open(path).await.map_err(Error::Source)?;
                let len = file.metadata().await.map_err(Error::Source)?.len();
                let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, CHUNK));
                Part::stream_with_length(body, len)
            }
            UploadSource::Url(source) => {
                // A plain GET: PhotoShelter credentials must not go to a third party.
                let request = self
                    .http
                    .get(source.clone())
                    .timeout(self.config.upload_timeout);
                let response = dispatch(UPLOAD_SOURCE, request).await?;
                let status = response.status();
                if !status.is_success() {
                    return Err(Error::Http {
                        endpoint: UPLOAD_SOURCE,
                        status,
                        code: None,
                        message: None,
                        retry_after: None,
                    });
                }
                let len = response.content_length();
                let body = reqwest::Body::wrap_stream(response.bytes_stream());
                match len {
                    Some(len) => Part::stream_with_length(body, len),
                    None => Part::stream(body),
                }
            }
        };
        let part = part.file_name(upload.file_name.clone());
        match &upload.content_type {
            Some(mime) => part
                .mime_str(mime)
                .map_err(|e| Error::config_from("the upload content type is not a MIME type", e)),
            None => Ok(part),
        }
    }

    /// Sends a JSON body to a v4 path.
    async fn v4_json(
        &self,
        endpoint: &'static str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer> {
        let url = self.url(path);
        self.send(Api::V4, endpoint, || async {
            let request = self
                .http
                .request(method.clone(), &url)
                .timeout(self.config.timeout);
            Ok(match &body {
                Some(body) => request.json(body),
                None => request,
            })
        })
        .await
    }

    /// Updates IPTC fields; `None` fields are left as they are.
    pub async fn update_iptc(&self, media_id: &str, iptc: &Iptc) -> Result<()> {
        let id = checked_id("media", media_id)?;
        let body = json!({"data": {"type": "iptc", "id": id, "attributes": iptc}});
        let path = format!("/psapi/v4.0/media/{id}/iptc");
        self.v4_json(PATCH_IPTC, reqwest::Method::PATCH, &path, Some(body))
            .await
            .map(drop)
    }

    /// Updates the media item's own attributes (visibility, expiration, releases).
    pub async fn update_media(&self, media_id: &str, update: &MediaUpdate) -> Result<()> {
        let id = checked_id("media", media_id)?;
        let attributes = update.attributes();
        if attributes.is_empty() {
            return Ok(());
        }
        let body = json!({"data": {"type": "media", "id": id, "attributes": attributes}});
        let path = format!("/psapi/v4.0/media/{id}");
        self.v4_json(PATCH_MEDIA, reqwest::Method::PATCH, &path, Some(body))
            .await
            .map(drop)
    }

    /// Sets the visibility of a media item (`PATCH /media/{id}` with `mode`).
    pub async fn set_media_visibility(&self, media_id: &str, visibility: Visibility) -> Result<()> {
        let update = MediaUpdate {
            visibility: Some(visibility),
            ..MediaUpdate::default()
        };
        self.update_media(media_id, &update).await
    }

    /// Removes a media item from a gallery (the item itself stays).
    pub async fn remove_from_gallery(&self, gallery_id: &str, media_id: &str) -> Result<()> {
        let gallery = checked_id("gallery", gallery_id)?;
        let media = checked_id("media", media_id)?;
        let path = format!("/psapi/v4.0/galleries/{gallery}/children/{media}");
        self.v4_json(REMOVE_CHILD, reqwest::Method::DELETE, &path, None)
            .await
            .map(drop)
    }
}
