//! Smint.io as the client reads it: the OAuth token endpoint, the CLAPI-C license feed
//! (`GetLicensePurchaseTransactionsForSync`), a license's binaries, and the Portals
//! data-adapter webhook the flows push changes to.

use assetrelay_mapping::Labels;
use assetrelay_mapping::to_photoshelter::iptc_for_license;
use assetrelay_smintio::client::LicensePurchaseTransaction;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// Path of the data-adapter webhook on the fake.
pub const ADAPTER: &str = "/portals/data-adapter/webhook";
const FEED: &str = "/consumer/v1/sync/license-purchase-transactions";
/// The continuation the fake's first feed page ends with.
const CURSOR: &str = "cursor-after-page-1";

/// The refresh-token grant.
pub async fn serve_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "smint-access-token",
            "refresh_token": "rotated-refresh-token",
            "expires_in": 3600,
            "token_type": "Bearer"
        })))
        .mount(server)
        .await;
}

/// The tenant's generic metadata: empty, so every key in a rights text stays a key (the
/// names are the mapping's tests and the end-to-end use case's).
pub async fn serve_metadata(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/consumer/v1/sync/generic-metadata"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(server)
        .await;
}

/// A completed, syncable license of version 1 with no end date and one binary.
pub fn license(uuid: &str) -> Value {
    json!({
        "uuid": uuid,
        "cart_purchase_transaction_uuid": cart_of(uuid),
        "state": "completed",
        "can_be_synced": true,
        "has_potentially_restrictive_license_terms": false,
        "version": 1,
        "content_element": {
            "provider": "adobestock",
            "name": [{"culture": "x-default", "value": "Lake at dawn"}],
            "copyright_notices": [{"culture": "x-default", "value": "© Jane Doe / Adobe Stock"}]
        },
        "license_terms": []
    })
}

/// The IPTC to-photoshelter writes for `license`, as PhotoShelter then serves it back.
pub fn written_iptc(license: &Value) -> Value {
    let license: LicensePurchaseTransaction = serde_json::from_value(license.clone()).unwrap();
    // The fake's generic metadata names no key: the flow writes the keys as they are.
    serde_json::to_value(iptc_for_license(&license, &Labels::KEYS)).unwrap()
}

/// The cart purchase transaction of a test license.
pub fn cart_of(uuid: &str) -> String {
    format!("cart-{uuid}")
}

/// The feed: `licenses` on its first page, then drained (`count: 0`) at its cursor.
pub async fn serve_feed(server: &MockServer, licenses: &[Value]) {
    feed_start()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": licenses.len(),
            "continuation_uuid": CURSOR,
            "license_purchase_transactions": licenses
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(FEED))
        .and(query_param("continuation_uuid", CURSOR))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 0,
            "continuation_uuid": CURSOR,
            "license_purchase_transactions": []
        })))
        .mount(server)
        .await;
}

/// The first read of the feed (no continuation yet).
pub fn feed_start() -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(FEED))
        .and(query_param_is_missing("continuation_uuid"))
}

/// The binaries of `uuid`: one download binary, served by `server` at [`download_path`].
pub fn binaries(server: &MockServer, uuid: &str) -> Mock {
    let cart = cart_of(uuid);
    Mock::given(method("GET"))
        .and(path(format!(
            "/consumer/v1/sync/cart-purchase-transactions/{cart}/license-purchase-transactions/{uuid}/binaries"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "uuid": format!("binary-{uuid}"),
            "content_type": "image",
            "binary_type": "download",
            "download_url": format!("{}{}", server.uri(), download_path(uuid)),
            "recommended_file_name": "lake-at-dawn.jpg",
            "version": 1
        }])))
        .named(format!("binaries of {uuid}"))
}

/// Where the pre-signed download URL of a test binary points.
pub fn download_path(uuid: &str) -> String {
    format!("/downloads/{uuid}.jpg")
}

/// The file behind the download URL.
pub fn download(uuid: &str) -> Mock {
    Mock::given(method("GET"))
        .and(path(download_path(uuid)))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .set_body_string("JFIF: a stand-in for the licensed file"),
        )
        .named(format!("download of {uuid}"))
}

/// A data-adapter push of one change: `AssetUpdate` or `AssetDeletion` of `asset_id`.
pub fn push(change_type: &str, asset_id: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path(ADAPTER))
        .and(body_partial_json(json!({"changes": [{
            "Type": change_type,
            "UnscopedAssetIdentifier": asset_id
        }]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accepted": 1})))
        .named(format!("push {change_type} of {asset_id}"))
}

/// Any data-adapter push, answered with `response`.
pub fn any_push(response: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path(ADAPTER))
        .respond_with(response)
        .named("any data-adapter push")
}
