//! Rendition links: `GET /psapi/v4.0/media/{id}/link?image_size=WxH` answers
//! `data.attributes.link`, a URL of the image fitted into that size [CLIENT `S-proxy`;
//! the v3 equivalent `/mem/image/{id}/link` with `image_size`, `image_mode` is CLIENT
//! `S-ts`, `S-drupal`]. No source documents an expiry for the link; the sandbox serves it
//! as a stable, unauthenticated URL, and docs/platforms.md lists that as an assumption a
//! real organization must confirm.

use reqwest::StatusCode;

use super::envelope::v4_data;
use super::error::Error;
use super::{Client, Result, checked_id};

const GET_LINK: &str = "GET /psapi/v4.0/media/{media_id}/link";

impl Client {
    /// The URL of media `media_id` fitted into `image_size` (`"300x300"`, width × height
    /// in pixels, as PhotoShelter's own clients pass it).
    pub async fn media_link(&self, media_id: &str, image_size: &str) -> Result<String> {
        let id = checked_id("media", media_id)?;
        let path = format!("/psapi/v4.0/media/{id}/link");
        let query = [
            ("image_size", image_size.to_owned()),
            ("image_mode", "fit".to_owned()),
        ];
        let body = self.get_v4(GET_LINK, &path, &query).await?;
        v4_data(&body)
            .and_then(|data| data.get("attributes")?.get("link")?.as_str())
            .filter(|link| link.starts_with("https://") || link.starts_with("http://"))
            .map(str::to_owned)
            .ok_or_else(|| Error::missing(GET_LINK, StatusCode::OK, "no http(s) link in data"))
    }
}
