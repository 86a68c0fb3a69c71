//! The v3 upload: multipart, streamed, stored as length + sha256 only.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::Ps;

fn form(gallery: Option<&str>, bytes: Vec<u8>) -> Form {
    let mut form = Form::new();
    if let Some(g) = gallery {
        form = form.text("gallery_id", g.to_owned());
    }
    form.part("file", Part::bytes(bytes).file_name("x.jpg"))
}

#[tokio::test]
async fn stores_the_length_and_sha256_of_an_upload() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let expected: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form(Some(&gallery), bytes))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let id = body["data"]["Image"]["image_id"].as_str().unwrap();
    let state = ps.state_of(id).await;
    assert_eq!(state["versions"][0]["bytes"], 200_000);
    assert_eq!(state["versions"][0]["sha256"], expected);
    let log = ps.sandbox.state().log.entries(Some("photoshelter"));
    let entry = log
        .iter()
        .find(|e| e.path == "/psapi/v3/mem/image/upload")
        .unwrap();
    assert_eq!(entry.detail["sha256"], expected);
}

#[tokio::test]
async fn an_upload_into_an_unknown_gallery_is_404_and_without_one_400() {
    let ps = Ps::start().await;

    let unknown = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form(Some("G0000NOSUCHGALL"), vec![1]))
        .send()
        .await
        .unwrap();
    let missing = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form(None, vec![1]))
        .send()
        .await
        .unwrap();

    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["code"],
        "ResourceNotFoundException"
    );
    assert_eq!(missing.status(), 400);
    assert_eq!(missing.json::<Value>().await.unwrap()["status"], "error");
}

const BOUNDARY: &str = "XyZ";

/// A raw `multipart/form-data` body with `gallery_id` and one file part.
fn raw_body(gallery: &str, field: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"gallery_id\"\r\n\r\n{gallery}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn v3_error(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_upload_streamed_in_three_byte_chunks_hashes_like_the_file() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    // Content that looks like the start of a delimiter must stay content.
    let content = b"abc\r\n--Xy\r\n-XyZ not the end".to_vec();
    let body = raw_body(&gallery, "file", &content);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(3).map(|c| Ok(c.to_vec())).collect();

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let state = ps
        .state_of(body["data"]["Image"]["image_id"].as_str().unwrap())
        .await;
    assert_eq!(state["versions"][0]["bytes"], content.len());
    assert_eq!(state["versions"][0]["sha256"], sha256_hex(&content));
}

#[tokio::test]
async fn the_file_may_come_in_the_form_array_field_file_brackets() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(raw_body(&gallery, "file[]", b"xyz"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_upload_larger_than_two_mib_is_accepted() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let bytes = vec![7u8; 3 * 1024 * 1024];
    let expected = sha256_hex(&bytes);

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form(Some(&gallery), bytes))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let state = ps
        .state_of(body["data"]["Image"]["image_id"].as_str().unwrap())
        .await;
    assert_eq!(state["versions"][0]["sha256"], expected);
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_a_400_in_the_v3_envelope() {
    let ps = Ps::start().await;

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .json(&serde_json::json!({"file": "x"}))
        .send()
        .await
        .unwrap();

    let (status, body) = v3_error(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "error");
    assert!(
        body["message"].as_str().unwrap().contains("multipart"),
        "{body}"
    );
}

#[tokio::test]
async fn a_truncated_multipart_body_is_a_400_in_the_v3_envelope() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let mut body = raw_body(&gallery, "file", b"abcdef");
    body.truncate(body.len() - 12);

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();

    let (status, body) = v3_error(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(ps.sandbox.state().photoshelter.lock().await.media.len(), 0);
}

#[tokio::test]
async fn an_oversized_text_field_is_a_400_in_the_v3_envelope() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let form = Form::new()
        .text("gallery_id", gallery)
        .text("f_searchable", "t".repeat(65 * 1024))
        .part("file", Part::bytes(vec![1]).file_name("x.jpg"));

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form)
        .send()
        .await
        .unwrap();

    let (status, body) = v3_error(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "error", "{body}");
}

#[tokio::test]
async fn f_searchable_f_uploads_an_unsearchable_image() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let form = form(Some(&gallery), vec![1]).text("f_searchable", "f");

    let response = ps
        .req(Method::POST, "/psapi/v3/mem/image/upload")
        .multipart(form)
        .send()
        .await
        .unwrap();

    let body: Value = response.json().await.unwrap();
    let state = ps
        .state_of(body["data"]["Image"]["image_id"].as_str().unwrap())
        .await;
    assert_eq!(state["searchable"], false, "{state}");
}
