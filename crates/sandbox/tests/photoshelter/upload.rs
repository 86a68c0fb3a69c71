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
