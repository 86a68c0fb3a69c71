//! Renditions: `GET /psapi/v4.0/media/{id}/link?image_size=WxH[&image_mode=fit|fill]`
//! answers `{"data":{"id","type":"link","attributes":{"link"}}}` [CLIENT `S-proxy`], and
//! the link itself, `GET /img-get/{media_id}/v{version}/s/{W}x{H}/{file_name}`, serves
//! an image of that size without any credential, as a CDN URL would.
//!
//! ASSUMED (docs/sandbox.md): the link's path (modelled on PhotoShelter's public
//! `img-get` URLs), that it is stable and needs no credential (no source documents an
//! expiry), and the image itself: a bitmap in one colour per media item and version, so a
//! test or a designer can tell a new file from the old one. A new version of the file
//! gives a new link.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::{self, PsError, Shape};
use crate::state::AppState;

const V4: Shape = Shape::V4;
/// The largest side served; PhotoShelter fits renditions into at most a few thousand
/// pixels, the sandbox into this.
const MAX_SIDE: u32 = 2_000;

/// `WxH`, each side 1..=[`MAX_SIDE`].
fn image_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once('x')?;
    let (w, h) = (w.parse::<u32>().ok()?, h.parse::<u32>().ok()?);
    ((1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h)).then_some((w, h))
}

pub async fn get_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let size = q.get("image_size").map_or("600x600", String::as_str);
    let (w, h) = image_size(size).ok_or_else(|| {
        PsError::bad_request(
            V4,
            format!("image_size must be WxH, each side 1 to {MAX_SIDE}"),
        )
    })?;
    match q.get("image_mode").map(String::as_str) {
        None | Some("fit" | "fill") => {}
        Some(other) => {
            return Err(PsError::bad_request(
                V4,
                format!("unknown image_mode {other:?}"),
            ));
        }
    }
    let ps = state.photoshelter.lock().await;
    let media = ps
        .media
        .get(&media_id)
        .ok_or_else(|| PsError::not_found(V4, "media"))?;
    let version = media.versions.len();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let link = format!(
        "http://{host}/img-get/{media_id}/v{version}/s/{w}x{h}/{}",
        media.file_name
    );
    Ok(axum::Json(json!({
        "data": {"id": media_id, "type": "link", "attributes": {"link": link}},
        "meta": super::model::meta(None),
    }))
    .into_response())
}

pub async fn get_image(
    State(state): State<AppState>,
    Path((media_id, version, size, _file)): Path<(String, String, String, String)>,
) -> Response {
    let Some((w, h)) = image_size(&size) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let ps = state.photoshelter.lock().await;
    let current = ps
        .media
        .get(&media_id)
        .is_some_and(|m| format!("v{}", m.versions.len()) == version);
    drop(ps);
    if !current {
        // Gone, or an older file's link: PhotoShelter's CDN no longer serves it.
        return StatusCode::NOT_FOUND.into_response();
    }
    let colour = colour_of(&media_id, &version);
    (
        [
            (header::CONTENT_TYPE, "image/bmp"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bitmap(w, h, colour),
    )
        .into_response()
}

fn colour_of(media_id: &str, version: &str) -> [u8; 3] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{media_id}/{version}").as_bytes());
    [digest[0], digest[1], digest[2]]
}

/// A 24-bit BMP of `w` × `h` pixels in `colour` (RGB).
fn bitmap(w: u32, h: u32, [r, g, b]: [u8; 3]) -> Vec<u8> {
    let row = (w * 3).div_ceil(4) * 4;
    let pixels = row * h;
    let mut out = Vec::with_capacity(54 + pixels as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(54 + pixels).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&pixels.to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    for _ in 0..h {
        for _ in 0..w {
            out.extend_from_slice(&[b, g, r]);
        }
        out.resize(out.len() + (row - w * 3) as usize, 0);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_width_x_height_within_bounds() {
        assert_eq!(image_size("300x200"), Some((300, 200)));
        for bad in ["300", "0x10", "10x0", "3000x10", "axb", "10x10x10", ""] {
            assert_eq!(image_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bitmap_has_its_header_size_and_padded_rows() {
        let bmp = bitmap(3, 2, [1, 2, 3]);
        // 3 px × 3 bytes = 9, padded to 12 per row.
        assert_eq!(bmp.len(), 54 + 24);
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(u32::from_le_bytes(bmp[2..6].try_into().unwrap()), 78);
        assert_eq!(&bmp[54..57], &[3, 2, 1]);
    }
}
