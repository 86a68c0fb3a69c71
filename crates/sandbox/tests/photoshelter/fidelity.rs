//! The sandbox does not flatter the client (issue 12): cookie mode, v4 authentication,
//! the session cap, unserved routes in the platform's error shape, paging bounds,
//! `meta.rate_limit`, collections and rendition links.

use assetrelay_sandbox::SandboxConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{KEY, Ps};

#[tokio::test]
async fn cookie_mode_is_the_default_and_the_cookie_authenticates() {
    let ps = Ps::start().await;
    let login = ps
        .http
        .post(ps.url("/psapi/v3/mem/authenticate"))
        .header("X-PS-Api-Key", KEY)
        .form(&[("email", "dev@example.com"), ("password", "dev-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    let body: Value = login.json().await.unwrap();
    assert!(
        body["data"]["token"].is_null(),
        "no token in cookie mode: {body}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    assert!(session.starts_with("ps_session="), "{cookie}");

    let cookie_request = |method: Method, path: &str| {
        ps.http
            .request(method, ps.url(path))
            .header("X-PS-Api-Key", KEY)
            .header("cookie", &session)
    };
    let org = cookie_request(
        Method::POST,
        "/psapi/v3/mem/organization/O0000DEVORG00001/authenticate",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(org.status(), 200);
    let media = cookie_request(Method::GET, "/psapi/v4.0/media?org_id=O0000DEVORG00001")
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
}

#[tokio::test]
async fn v4_authenticate_gives_a_top_level_token_and_logout_ends_it() {
    let ps = Ps::start().await;
    let login = ps
        .http
        .post(ps.url("/psapi/v4.0/authenticate"))
        .header("X-PS-Api-Key", KEY)
        .form(&[
            ("email", "dev@example.com"),
            ("password", "dev-password"),
            ("mode", "token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let body: Value = login.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let with = |method: Method, path: &str| {
        ps.http
            .request(method, ps.url(path))
            .header("X-PS-Api-Key", KEY)
            .header("X-PS-Auth-Token", &token)
    };
    let before_org = with(Method::GET, "/psapi/v4.0/media?org_id=O0000DEVORG00001")
        .send()
        .await
        .unwrap();
    assert_eq!(before_org.status(), 401, "not in the organization yet");
    let org = with(Method::POST, "/psapi/v4.0/organization/authenticate")
        .form(&[("org_id", "O0000DEVORG00001")])
        .send()
        .await
        .unwrap();
    let org: Value = org.json().await.unwrap();
    assert_eq!(org["meta"]["status"], "OK");
    let listed = with(Method::GET, "/psapi/v4.0/media?org_id=O0000DEVORG00001")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);

    let out = with(Method::POST, "/psapi/v4.0/authenticate/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let after = with(Method::GET, "/psapi/v4.0/media?org_id=O0000DEVORG00001")
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_login_beyond_the_session_cap_ends_the_oldest_session() {
    let ps = Ps::start_with(SandboxConfig {
        max_sessions_per_user: 2,
        ..SandboxConfig::for_tests()
    })
    .await;
    // `ps.token` is the first session; two more logins push it out.
    let second = ps.login().await;
    let into_org = ps
        .http
        .post(ps.url("/psapi/v3/mem/organization/O0000DEVORG00001/authenticate"))
        .header("X-PS-Api-Key", KEY)
        .header("X-PS-Auth-Token", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(into_org.status(), 200);
    let media = |token: &str| {
        ps.http
            .get(ps.url("/psapi/v3/mem/user/session"))
            .header("X-PS-Api-Key", KEY)
            .header("X-PS-Auth-Token", token)
            .send()
    };
    assert_eq!(media(&ps.token).await.unwrap().status(), 200);
    let _third = ps.login().await;

    assert_eq!(
        media(&ps.token).await.unwrap().status(),
        401,
        "the oldest ended"
    );
    assert_eq!(media(&second).await.unwrap().status(), 200);
}

#[tokio::test]
async fn unserved_routes_answer_in_each_platform_s_error_shape() {
    let ps = Ps::start().await;
    let get = |path: &str| ps.req(Method::GET, path).send();

    let v4 = get("/psapi/v4.0/library").await.unwrap();
    assert_eq!(v4.status(), 404);
    let v4: Value = v4.json().await.unwrap();
    assert_eq!(v4["errors"][0]["id"], "ResourceNotFoundException");
    assert_eq!(v4["errors"][0]["status"], "404");

    let v3 = get("/psapi/v3/mem/collection/root/children").await.unwrap();
    assert_eq!(v3.status(), 404);
    let v3: Value = v3.json().await.unwrap();
    assert_eq!(v3["status"], "error");
    assert_eq!(v3["code"], "ResourceNotFoundException");

    let wrong_method = ps
        .req(Method::PUT, "/psapi/v4.0/media/I0000000000000001/iptc")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    let wrong_method: Value = wrong_method.json().await.unwrap();
    assert_eq!(wrong_method["errors"][0]["status"], "405");

    let smint = get("/consumer/v1/nothing-here").await.unwrap();
    assert_eq!(smint.status(), 404);
    let smint: Value = smint.json().await.unwrap();
    assert_eq!(smint["error_code"], "not_found");
}

#[tokio::test]
async fn injected_v3_errors_carry_a_code() {
    let ps = Ps::start().await;
    let set = ps
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!({"surface": "photoshelter", "error_rate": 1.0, "error_status": 503})),
        )
        .await;
    assert!(set.status().is_success());

    let answer = ps
        .req(Method::GET, "/psapi/v3/mem/user/session")
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 503);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["code"], "ServiceUnavailableException");
}

#[tokio::test]
async fn paging_is_bounded_and_answers_carry_the_rate_limit() {
    let ps = Ps::start().await;
    let list = |query: &str| {
        ps.req(
            Method::GET,
            &format!("/psapi/v4.0/media?org_id=O0000DEVORG00001&{query}"),
        )
        .send()
    };
    for bad in ["per_page=1001", "per_page=0", "page=1000", "page=-1"] {
        assert_eq!(list(bad).await.unwrap().status(), 400, "{bad}");
    }
    let first: Value = list("page=0&per_page=1000")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["meta"]["paging"]["page"], 1,
        "page 0 is the first page"
    );
    let rate = &first["meta"]["rate_limit"];
    assert!(rate["limit"].as_u64().unwrap() > 0, "{rate}");
    assert!(rate["current"].as_u64().unwrap() >= 1, "{rate}");
    assert!(rate["expires"].as_u64().unwrap() <= 60, "{rate}");
}

#[tokio::test]
async fn a_collection_lists_its_galleries_and_collections() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("Inside").await;
    let created = ps
        .control(
            Method::POST,
            "/_sandbox/photoshelter/collections",
            Some(json!({"name": "Inner", "children": [gallery]})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let inner: Value = created.json().await.unwrap();
    let inner = inner["id"].as_str().unwrap().to_owned();
    let outer: Value = ps
        .control(
            Method::POST,
            "/_sandbox/photoshelter/collections",
            Some(json!({"name": "Outer", "children": [inner]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let outer = outer["id"].as_str().unwrap();

    let children: Value = ps
        .req(
            Method::GET,
            &format!("/psapi/v4.0/collections/{outer}/children"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(children["data"][0]["id"], inner.as_str());
    assert_eq!(children["data"][0]["type"], "collection");
    let inner_children: Value = ps
        .req(
            Method::GET,
            &format!("/psapi/v4.0/collections/{inner}/children"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inner_children["data"][0]["type"], "gallery");

    let unknown = ps
        .control(
            Method::PUT,
            &format!("/_sandbox/photoshelter/collections/{outer}/children"),
            Some(json!({"children": ["G0000NOSUCHTHING"]})),
        )
        .await;
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn a_rendition_link_serves_an_image_of_its_size_without_credentials() {
    let ps = Ps::start().await;
    let id = ps.media(json!({"file_name": "a.jpg"})).await;
    let link: Value = ps
        .req(
            Method::GET,
            &format!("/psapi/v4.0/media/{id}/link?image_size=40x30"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = link["data"]["attributes"]["link"].as_str().unwrap();

    let image = reqwest::get(url).await.unwrap();

    assert_eq!(image.status(), 200);
    let bytes = image.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"BM");
    assert_eq!(u32::from_le_bytes(bytes[18..22].try_into().unwrap()), 40);
    assert_eq!(u32::from_le_bytes(bytes[22..26].try_into().unwrap()), 30);
    let refused = ps
        .req(
            Method::GET,
            &format!("/psapi/v4.0/media/{id}/link?image_size=big"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
