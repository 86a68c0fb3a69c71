//! The console over plain HTTP against the real broker and store: what a browser test
//! does not show by itself. Security headers, how a missing session is answered, the
//! cookie's attributes, that the token and the cookie each open only their own half,
//! CSRF and cross-site posts refused, hostile input escaped, credentials redacted, a
//! purge that touches exactly the messages its confirmation counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use assetrelay_admin::CONTENT_SECURITY_POLICY;
use assetrelay_contract::{Flow, header};
use reqwest::StatusCode;
use serde_json::json;

use common::TOKEN;
use common::app::{App, event};

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sign in; the session cookie (`name=value`).
async fn sign_in(app: &App, http: &reqwest::Client) -> String {
    let response = http
        .post(format!("{}/sign-in", app.base))
        .form(&[
            ("token", TOKEN),
            ("name", "Tess <b>Tester</b>"),
            ("next", "/parked"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/parked");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    cookie.split(';').next().unwrap().to_owned()
}

async fn page(app: &App, http: &reqwest::Client, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = http
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The CSRF token of the signed-in page at `path`.
async fn csrf(app: &App, http: &reqwest::Client, cookie: &str) -> String {
    let (_, html) = page(app, http, cookie, "/replay").await;
    let at = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_owned()
}

async fn post(
    app: &App,
    http: &reqwest::Client,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .header("origin", &app.base)
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn pages_need_a_session_and_carry_a_strict_content_security_policy() {
    let app = App::start().await;
    let http = client();
    let root = http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(root.status(), 200);
    let headers = root.headers().clone();
    assert_eq!(headers["content-security-policy"], CONTENT_SECURITY_POLICY);
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(root.text().await.unwrap().contains("Admin token"));

    let parked = http
        .get(format!("{}/parked?flow=to-smint", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(parked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        parked.headers()["location"],
        "/sign-in?next=%2Fparked%3Fflow%3Dto-smint"
    );
    let live = http
        .get(format!("{}/overview/live", app.base))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        live.headers()["hx-redirect"],
        "/sign-in?next=%2Foverview%2Flive"
    );
    // The bearer token opens the JSON API, not the console.
    let with_bearer = http
        .get(format!("{}/parked", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(with_bearer.status(), StatusCode::SEE_OTHER);
    // The vendored htmx is the pinned release, served as JavaScript.
    let htmx = http
        .get(format!("{}/static/htmx-2.0.11.min.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        htmx.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let bytes = htmx.bytes().await.unwrap();
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
        "crates/admin/static/README.md names this digest"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_cookie_is_http_only_strict_and_secure_behind_tls_and_opens_only_the_console() {
    let app = App::start().await;
    let http = client();
    let wrong = http
        .post(format!("{}/sign-in", app.base))
        .form(&[("token", "not-a-token-of-this-admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!wrong.headers().contains_key("set-cookie"));

    // A `next` that is not a path of this console (another site, a header injection)
    // sends the operator to the overview instead.
    for hostile in [
        "//evil.example/",
        "/x\r\nSet-Cookie: a=b",
        "https://evil.example/",
    ] {
        let response = http
            .post(format!("{}/sign-in", app.base))
            .form(&[("token", TOKEN), ("next", hostile)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(response.headers()["location"], "/", "{hostile:?}");
    }
    let response = http
        .post(format!("{}/sign-in", app.base))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let behind_tls = http
        .post(format!("{}/sign-in", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    let secure = behind_tls.headers()["set-cookie"].to_str().unwrap();
    assert!(
        secure.starts_with("__Host-assetrelay_session=") && secure.contains("; Secure"),
        "{secure}"
    );

    // The cookie does not open the JSON API (it keeps bearer auth).
    let session = cookie.split(';').next().unwrap();
    let api = http
        .get(format!("{}/v1/flows", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    // A sign-out without the form's CSRF token is refused; with it, the session ends.
    let refused = post(&app, &http, session, "/sign-out", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let csrf = csrf(&app, &http, session).await;
    let out = post(&app, &http, session, "/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        page(&app, &http, session, "/parked").await.0,
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn hostile_input_is_escaped_and_credentials_in_a_parked_event_are_redacted() {
    let app = App::start().await;
    let http = client();
    let cookie = sign_in(&app, &http).await;
    // The name given at sign-in is shown escaped.
    let (_, parked_page) = page(&app, &http, &cookie, "/parked?flow=to-smint").await;
    assert!(
        parked_page.contains("Tess &lt;b&gt;Tester&lt;/b&gt; (token 1)"),
        "{parked_page}"
    );

    let mut body = event("evil-1", "<img src=x onerror=alert(1)>");
    body["data"]["access_token"] = json!("sekrit-value-123");
    body["data"]["callback"] = json!("https://user:pa55word@example.com/hook");
    let parked = app.topology.parked_queue(Flow::ToSmint);
    app.publish(
        "",
        &parked,
        body,
        &[
            (header::ERROR, "<script>alert(1)</script>"),
            (header::STATUS, "400"),
            ("authorization", "Bearer abc.def"),
        ],
    )
    .await;
    let (status, list) = page(&app, &http, &cookie, "/parked?flow=to-smint").await;
    assert_eq!(status, 200);
    assert!(
        !list.contains("<script>alert(1)") && !list.contains("<img src=x"),
        "{list}"
    );
    assert!(
        list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{list}"
    );
    let (status, detail) = page(&app, &http, &cookie, "/parked/to-smint/evil-1").await;
    assert_eq!(status, 200, "{detail}");
    for secret in ["sekrit-value-123", "pa55word", "abc.def"] {
        assert!(!detail.contains(secret), "{secret} shown:\n{detail}");
    }
    assert!(detail.contains("[redacted]"));
    assert!(!detail.contains("<img src=x"));

    // A hostile asset id in a search is escaped too, and answered, not refused.
    let (status, search) = page(
        &app,
        &http,
        &cookie,
        "/assets?platform=smintio&asset_id=%3Cscript%3Ex%3C%2Fscript%3E",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        !search.contains("<script>x") && search.contains("&lt;script&gt;x"),
        "{search}"
    );
    let (status, _) = page(&app, &http, &cookie, "/assets?platform=flickr&asset_id=1").await;
    assert_eq!(status, 400);
    let (status, _) = page(&app, &http, &cookie, "/parked?flow=no-such-flow").await;
    assert_eq!(status, 400);
    app.stop().await;
}

#[tokio::test]
async fn a_purge_drops_exactly_what_its_confirmation_counted_and_is_logged() {
    let app = App::start().await;
    let http = client();
    let cookie = sign_in(&app, &http).await;
    let parked = app.topology.parked_queue(Flow::ToSmint);
    for (id, reason) in [
        ("p-1", "http_400"),
        ("p-2", "http_400"),
        ("p-3", "http_422"),
    ] {
        app.publish(
            "",
            &parked,
            event(id, &format!("I{id}")),
            &[(header::ERROR, reason)],
        )
        .await;
    }
    let csrf = csrf(&app, &http, &cookie).await;
    // Without the CSRF token, or from another site, nothing happens.
    let forged = post(
        &app,
        &http,
        &cookie,
        "/parked/to-smint/act",
        &[("op", "purge-filter"), ("csrf", "x")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross = http
        .post(format!("{}/parked/to-smint/act", app.base))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .form(&[("op", "purge-filter"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);

    // The confirmation counts what the filter matches and drops nothing yet.
    let confirm = post(
        &app,
        &http,
        &cookie,
        "/parked/to-smint/act",
        &[
            ("op", "purge-filter"),
            ("csrf", &csrf),
            ("filter_reason", "http_400"),
        ],
    )
    .await;
    assert_eq!(confirm.status(), 200);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("Purge 2 parked messages?"), "{html}");
    let counts = app.admin_broker.queue_counts(&parked).await.unwrap();
    assert_eq!(counts.messages, 3);
    let confirm_two = |expected: &'static str| {
        let (app, http, cookie, csrf) = (&app, &http, &cookie, &csrf);
        async move {
            post(
                app,
                http,
                cookie,
                "/parked/to-smint/act",
                &[
                    ("op", "purge-confirmed"),
                    ("csrf", csrf),
                    ("expected", expected),
                    ("event_id", "p-1"),
                    ("event_id", "p-2"),
                ],
            )
            .await
        }
    };
    // A confirmation that does not match its ids is refused.
    assert_eq!(confirm_two("3").await.status(), StatusCode::BAD_REQUEST);
    // Another 400 parked after the confirmation is not purged with the two counted.
    app.publish(
        "",
        &parked,
        event("p-4", "Ip-4"),
        &[(header::ERROR, "http_400")],
    )
    .await;
    let confirmed = confirm_two("2").await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let job = confirmed.headers()["location"].to_str().unwrap().to_owned();
    let started = Instant::now();
    let result = loop {
        let (_, html) = page(&app, &http, &cookie, &job).await;
        if html.contains("data-state=\"done\"") {
            break html;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{html}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        result.contains("purged 2 of 2 selected; 2 still parked"),
        "{result}"
    );
    assert_eq!(
        app.admin_broker
            .queue_counts(&parked)
            .await
            .unwrap()
            .messages,
        2
    );
    let (_, log) = page(&app, &http, &cookie, "/actions").await;
    assert!(
        log.contains("purge")
            && log.contains("p-1, p-2")
            && log.contains("Tess &lt;b&gt;Tester&lt;/b&gt; (token 1)"),
        "{log}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_overview_counts_parked_messages_by_reason_and_sees_each_new_one() {
    let app = App::start().await;
    let http = client();
    let cookie = sign_in(&app, &http).await;
    let parked = app.topology.parked_queue(Flow::ToSmint);
    let row = |html: &str| {
        let at = html.find("data-flow=\"to-smint\"").unwrap();
        html[at..at + html[at..].find("</tr>").unwrap()].to_owned()
    };
    let (_, html) = page(&app, &http, &cookie, "/overview/live").await;
    assert!(
        row(&html).contains("<span class=\"ok\">0</span>"),
        "{}",
        row(&html)
    );
    for (id, reason) in [("o-1", "http_400"), ("o-2", "http_400")] {
        app.publish("", &parked, event(id, "Io"), &[(header::ERROR, reason)])
            .await;
    }
    let (_, html) = page(&app, &http, &cookie, "/overview/live").await;
    assert!(row(&html).contains("http_400: 2"), "{}", row(&html));
    // The count by reason is reused only while the parked count holds.
    app.publish(
        "",
        &parked,
        event("o-3", "Io"),
        &[(header::ERROR, "http_422")],
    )
    .await;
    let (_, html) = page(&app, &http, &cookie, "/overview/live").await;
    let counts = row(&html);
    assert!(
        counts.contains("http_400: 2") && counts.contains("http_422: 1"),
        "{counts}"
    );
    // Reading the counts left every message parked.
    assert_eq!(
        app.admin_broker
            .queue_counts(&parked)
            .await
            .unwrap()
            .messages,
        3
    );
    app.stop().await;
}
