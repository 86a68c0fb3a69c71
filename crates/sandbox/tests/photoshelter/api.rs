//! The platform endpoints: envelopes, paging and the documented error answers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{KEY, Ps};

#[tokio::test]
async fn serves_media_in_the_v4_envelope() {
    let ps = Ps::start().await;
    let id = ps
        .media(json!({"file_name": "a.jpg", "property_released": false}))
        .await;

    let response = ps
        .req(Method::GET, &format!("/psapi/v4.0/media/{id}"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["id"], id.as_str());
    assert_eq!(body["data"]["type"], "image");
    assert_eq!(body["data"]["attributes"]["file_name"], "a.jpg");
    assert_eq!(body["data"]["attributes"]["property_released"], false);
    assert_eq!(body["data"]["attributes"]["model_released"], Value::Null);
    assert_eq!(body["meta"]["version"], "2019-05-01");
}

#[tokio::test]
async fn a_missing_api_key_is_403_api_key_invalid_in_the_error_list() {
    let ps = Ps::start().await;

    let response = ps
        .http
        .get(ps.url("/psapi/v4.0/media/I0000000000000001"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["id"], "ApiKeyInvalidException");
    assert_eq!(body["errors"][0]["status"], "403");
}

#[tokio::test]
async fn v3_paths_answer_errors_in_the_v3_envelope() {
    let ps = Ps::start().await;

    let response = ps
        .http
        .post(ps.url("/psapi/v3/mem/authenticate"))
        .header("X-PS-Api-Key", KEY)
        .form(&[
            ("email", "dev@example.com"),
            ("password", "nope"),
            ("mode", "token"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["code"], "AcsPermissionException");
}

#[tokio::test]
async fn a_bad_token_is_401_acs_permission_with_www_authenticate() {
    let ps = Ps::start().await;

    let response = ps
        .http
        .get(ps.url("/psapi/v4.0/media/I0000000000000001"))
        .header("X-PS-Api-Key", KEY)
        .header("X-PS-Auth-Token", "forged")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["id"], "AcsPermissionException");
}

#[tokio::test]
async fn a_session_must_be_authenticated_to_the_organization() {
    let ps = Ps::start().await;
    let fresh = ps.login().await;

    let response = ps
        .http
        .get(ps.url("/psapi/v4.0/media?org_id=O0000DEVORG00001"))
        .header("X-PS-Api-Key", KEY)
        .header("X-PS-Auth-Token", fresh)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn accepts_the_api_key_as_a_query_parameter_and_an_oauth_bearer() {
    let ps = Ps::start().await;
    let id = ps.media(json!({})).await;

    let response = ps
        .http
        .get(ps.url(&format!("/psapi/v4.0/media/{id}?api_key={KEY}")))
        .bearer_auth("ps-dev-oauth-token")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unknown_media_is_404_resource_not_found() {
    let ps = Ps::start().await;

    let response = ps
        .req(Method::GET, "/psapi/v4.0/media/I0000000000000999/iptc")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["id"], "ResourceNotFoundException");
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let ps = Ps::start().await;
    ps.control(Method::POST, "/_sandbox/photoshelter/sessions/expire", None)
        .await;

    let response = ps
        .req(Method::GET, "/psapi/v3/mem/user/session")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "error");
}

#[tokio::test]
async fn lists_media_sorted_and_paged_with_meta_paging() {
    let ps = Ps::start().await;
    let ids = [
        ps.media(json!({})).await,
        ps.media(json!({})).await,
        ps.media(json!({})).await,
    ];
    let list = "/psapi/v4.0/media?org_id=O0000DEVORG00001&sort_by=modification_time&sort_direction=descending&per_page=2";

    let first: Value = ps
        .req(Method::GET, &format!("{list}&page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second: Value = ps
        .req(Method::GET, &format!("{list}&page=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let page_ids = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(page_ids(&first), vec![ids[2].clone(), ids[1].clone()]);
    assert_eq!(page_ids(&second), vec![ids[0].clone()]);
    assert_eq!(first["meta"]["paging"]["next"], 2);
    assert_eq!(second["meta"]["paging"]["next"], Value::Null);
    assert_eq!(first["meta"]["paging"]["total"], 3);
}

#[tokio::test]
async fn a_listing_without_a_filter_is_400() {
    let ps = Ps::start().await;

    let response = ps
        .req(Method::GET, "/psapi/v4.0/media")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_rejected_patch_changes_nothing_and_emits_nothing() {
    let ps = Ps::start().await;
    let id = ps.media(json!({"iptc": {"credit": "A"}})).await;
    let body =
        json!({"data": {"type": "iptc", "attributes": {"credit": "B", "no_such_field": "x"}}});

    let response = ps
        .req(Method::PATCH, &format!("/psapi/v4.0/media/{id}/iptc"))
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert_eq!(ps.state_of(&id).await["iptc"]["credit"], "A");
    assert_eq!(ps.events_for(&id).len(), 1, "only media.created");
}

#[tokio::test]
async fn api_writes_are_logged_and_emit_webhooks() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;
    let id = ps.media(json!({})).await;

    let add = json!({"data": {"type": "media", "id": id}});
    let r = ps
        .req(
            Method::POST,
            &format!("/psapi/v4.0/galleries/{gallery}/children"),
        )
        .json(&add)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = ps
        .req(
            Method::POST,
            &format!("/psapi/v4.0/galleries/{gallery}/children"),
        )
        .json(&add)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "adding twice changes nothing");
    let patch =
        json!({"data": {"type": "media", "attributes": {"license_expiration_date": "2030-01-01"}}});
    let r = ps
        .req(Method::PATCH, &format!("/psapi/v4.0/media/{id}"))
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    assert_eq!(
        ps.events_for(&id),
        vec![
            crate::support::ev("media.created"),
            ("gallery.media_added".to_owned(), Some(gallery.clone())),
            crate::support::ev("media.rights_changed"),
        ]
    );
    let log = ps.sandbox.state().log.entries(Some("photoshelter"));
    let writes: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.path.contains(&id) || e.path.contains(&gallery))
        .map(|e| (e.method.as_str(), e.path.as_str()))
        .collect();
    assert_eq!(writes.len(), 3);
    assert_eq!(
        writes[2],
        ("PATCH", format!("/psapi/v4.0/media/{id}").as_str())
    );
}
