//! The operator console in a real browser (issue 13): Debian's Chromium, headless, over
//! WebDriver, against the admin with a whole stack behind it (sandbox, ingress, flows,
//! the real broker and store). An operator signs in, sees a message parked by a
//! permanent error, opens it, re-drives it, watches it leave the list and the asset's
//! timeline show the write; dry-runs a replay, runs it, cancels another; a wrong token
//! and forged or cross-site posts are refused; every page fits 1280 px and 390 px.
//! The screenshots it takes are the ones in docs/console.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod page;

use std::time::Duration;

use assetrelay_admin::Admin;
use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, SMINTIO_ADAPTER, Stack, json};
use browser::Browser;
use fantoccini::Locator;
use page::{body_text, click, fill, fits, job_result, text_of, tick, until};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "tok-7f3a9c2e5b1d4f6a8c0e";
use page::PATIENCE;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_fixes_a_parked_message_and_replays_from_the_console() {
    let stack = Stack::start(Options {
        env: vec![("ASSETRELAY_ADMIN__TOKENS", "[\"tok-7f3a9c2e5b1d4f6a8c0e\"]")],
        // As with the real platforms: no webhooks, the sources poll (and report their
        // health, which the overview shows).
        ..Options::polling_only()
    })
    .await;
    let admin = Admin::build(&stack.config).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let served = tokio::spawn(admin.run(listener, shutdown.clone()));
    let browser = Browser::start(1280, 1000).await.unwrap();
    let b = &browser.client;

    // Not signed in: `/` is the sign-in page; a wrong token is refused.
    b.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text_of(b, "h1").await, "assetrelay console");
    browser.screenshot("sign-in").await.unwrap();
    fill(b, "input[name=token]", "not-the-token-at-all-0000").await;
    click(b, "button[type=submit]").await;
    assert!(
        text_of(b, "[role=alert]").await.contains("not accepted"),
        "{}",
        body_text(b).await
    );
    b.goto(&format!("{base}/parked")).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().path(), "/sign-in");

    // Signed in, back on the page asked for.
    fill(b, "input[name=token]", TOKEN).await;
    fill(b, "input[name=name]", "Olga Ops").await;
    click(b, "button[type=submit]").await;
    assert_eq!(text_of(b, "h1").await, "Parked messages");
    assert!(
        body_text(b)
            .await
            .contains("signed in as Olga Ops (token 1)")
    );

    // A permanent error (the adapter answers 400) parks the image's event.
    stack.fault(json!({"surface": "smintio", "endpoint": SMINTIO_ADAPTER, "error_rate": 1.0, "error_status": 400}),
    )
    .await;
    let media = stack
        .control
        .create_media(
            json!({"file_name": "console-parked.jpg", "galleries": [stack.galleries.approved]}),
        )
        .await
        .unwrap();
    let doomed = stack
        .control
        .create_media(
            json!({"file_name": "console-purged.jpg", "galleries": [stack.galleries.approved]}),
        )
        .await
        .unwrap();
    let parked_event = |media: String| {
        let stack = &stack;
        async move {
            stack
                .wait_for("the parking recorded", PATIENCE, || async {
                    stack
                        .decisions(Flow::ToSmint, &media)
                        .await
                        .into_iter()
                        .find(|o| o.decision == assetrelay_store::Decision::Parked)
                })
                .await
        }
    };
    let parked = parked_event(media.clone()).await;
    let doomed_event = parked_event(doomed.clone()).await.event_id;
    stack.no_faults().await;
    let detail_link = format!("a[href=\"/parked/to-smint/{}\"]", parked.event_id);
    b.goto(&format!("{base}/parked?flow=to-smint"))
        .await
        .unwrap();
    until("the parked message listed", PATIENCE, || async {
        b.refresh().await.unwrap();
        b.find(Locator::Css(&detail_link)).await.is_ok()
    })
    .await;
    let row = body_text(b).await;
    assert!(row.contains(&media) && row.contains("400"), "{row}");
    browser.screenshot("parked").await.unwrap();

    // Open it: reason, status, headers, the event (redacted).
    click(b, &detail_link).await;
    assert!(text_of(b, "h1").await.contains(&parked.event_id));
    let detail = body_text(b).await;
    assert!(
        detail.contains("400") && detail.contains(&media),
        "{detail}"
    );
    assert!(text_of(b, "#body").await.contains(&media));
    browser.screenshot("parked-message").await.unwrap();

    // Re-drive it: the operation's page shows the result without a reload.
    click(b, "button[value=\"redrive-selected\"]").await;
    let result = job_result(b).await;
    assert!(result.contains("re-drove 1 of 1"), "{result}");
    let job_url = b.current_url().await.unwrap();
    browser.screenshot("redrive-result").await.unwrap();
    b.goto(&format!("{base}/parked?flow=to-smint"))
        .await
        .unwrap();
    assert!(
        b.find(Locator::Css(&detail_link)).await.is_err(),
        "still listed after the re-drive"
    );

    // Purge the other one: ticked in the list, confirmed on a page that says how many.
    let doomed_box = format!("input[name=event_id][value=\"{doomed_event}\"]");
    tick(b, &doomed_box).await;
    click(b, "button[value=\"purge-selected\"]").await;
    assert_eq!(text_of(b, "h1").await, "Purge 1 parked message?");
    assert!(body_text(b).await.contains(&doomed_event));
    browser.screenshot("purge-confirm").await.unwrap();
    click(b, "button[value=\"purge-confirmed\"]").await;
    let purged = job_result(b).await;
    assert!(purged.contains("purged 1 of 1"), "{purged}");
    // (A poll's overlap can park the same change again while the fault lasted: only
    // the purged message must be gone.)
    b.goto(&format!("{base}/parked?flow=to-smint"))
        .await
        .unwrap();
    assert!(
        b.find(Locator::Css(&doomed_box)).await.is_err(),
        "still listed after the purge"
    );

    // The asset's timeline (linked from the result) shows parked, replayed, written.
    stack.smint_asset_appears(&media).await;
    b.goto(job_url.as_str()).await.unwrap();
    click(b, "#touched a").await;
    until("the write on the timeline", PATIENCE, || async {
        b.refresh().await.unwrap();
        let timeline = text_of(b, "#timeline").await;
        ["parked", "replayed", "written"]
            .iter()
            .all(|d| timeline.contains(d))
    })
    .await;
    assert!(text_of(b, "h2").await.contains(&media));
    browser.screenshot("asset-timeline").await.unwrap();

    // The overview: every flow with its consumer; its numbers refresh in place.
    b.goto(&format!("{base}/")).await.unwrap();
    for flow in Flow::ALL {
        let row = text_of(b, &format!("#flows tr[data-flow=\"{}\"]", flow.as_str())).await;
        assert!(row.contains(flow.as_str()), "{row}");
    }
    until("the sources' health on the overview", PATIENCE, || async {
        b.refresh().await.unwrap();
        let sources = body_text(b).await;
        sources.contains("photoshelter.poll") && sources.contains("smintio.sync")
    })
    .await;
    let as_of = text_of(b, "#live > p.muted").await;
    until(
        "the overview refreshing itself",
        Duration::from_secs(15),
        || async { !body_text(b).await.contains(&as_of) },
    )
    .await;
    assert_eq!(b.current_url().await.unwrap().path(), "/", "no navigation");
    browser.screenshot("overview").await.unwrap();

    // Replay: a dry run says how many, then the run.
    b.goto(&format!(
        "{base}/replay?flow=to-smint&since=1h&subject={media}"
    ))
    .await
    .unwrap();
    browser.screenshot("replay").await.unwrap();
    click(b, "form[action=\"/replay/dry-run\"] button[type=submit]").await;
    let dry = job_result(b).await;
    assert!(dry.contains("would be replayed"), "{dry}");
    let would: u64 = dry.split_whitespace().find_map(|w| w.parse().ok()).unwrap();
    assert!(would >= 1, "{dry}");
    browser.screenshot("replay-dry-run").await.unwrap();
    click(b, "#run-replay").await;
    let ran = job_result(b).await;
    assert!(
        ran.contains(&format!("replayed {would} of {would} matching events")),
        "{ran}"
    );
    browser.screenshot("replay-result").await.unwrap();

    // A slow replay (1 message a second over several events) is cancelled midway.
    for n in 0..5 {
        let id = stack
            .control
            .create_media(json!({"file_name": format!("console-{n}.jpg"), "galleries": [stack.galleries.approved]}))
            .await
            .unwrap();
        stack.smint_asset_appears(&id).await;
    }
    b.goto(&format!("{base}/replay?flow=to-smint&since=1h&rate=1"))
        .await
        .unwrap();
    click(b, "form[action=\"/replay/dry-run\"] button[type=submit]").await;
    let dry = job_result(b).await;
    let would: u64 = dry.split_whitespace().find_map(|w| w.parse().ok()).unwrap();
    assert!(would >= 5, "{dry}");
    click(b, "#run-replay").await;
    click(b, "form[action$=\"/cancel\"] button").await;
    let cancelled = job_result(b).await;
    assert!(cancelled.contains("cancelled"), "{cancelled}");

    // Connections: platforms, verification, rules; not one secret, nor a prefix of one.
    b.goto(&format!("{base}/connections")).await.unwrap();
    let page = b.source().await.unwrap();
    assert!(
        page.contains("Standard Webhooks") || page.contains("HMAC"),
        "{page}"
    );
    let demo = &stack.config.connections["demo"];
    let mut secrets: Vec<String> = vec![TOKEN.to_owned()];
    secrets.extend(
        demo.photoshelter
            .webhook
            .secrets
            .iter()
            .map(|s| s.expose().to_owned()),
    );
    secrets.extend(
        demo.smintio
            .webhook
            .secrets
            .iter()
            .map(|s| s.expose().to_owned()),
    );
    if let Some(api) = &demo.smintio.api {
        secrets.push(api.client_secret.expose().to_owned());
        secrets.push(api.refresh_token.expose().to_owned());
    }
    if let Some(api) = &demo.photoshelter.api {
        secrets.push(api.api_key.expose().to_owned());
    }
    for secret in &secrets {
        // `whsec_` only names the Standard Webhooks format; what follows is the secret.
        let secret = secret.strip_prefix("whsec_").unwrap_or(secret);
        let prefix: String = secret.chars().take(8).collect();
        assert!(
            prefix.len() == 8,
            "a test secret too short to check: {secret}"
        );
        assert!(
            !page.contains(&prefix),
            "a secret's prefix ({prefix}…) is on the page"
        );
    }
    browser.screenshot("connections").await.unwrap();

    // The action log: who re-drove and replayed, from the store.
    b.goto(&format!("{base}/actions")).await.unwrap();
    let log = body_text(b).await;
    for action in ["redrive", "purge", "replay", "replay-cancel", "sign-in"] {
        assert!(log.contains(action), "{action} missing from {log}");
    }
    assert!(log.contains("Olga Ops (token 1)"), "{log}");
    let actions = stack.store.operator_actions(50).await.unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a.action == "redrive" && a.result.contains("re-drove 1 of 1"))
    );
    browser.screenshot("actions").await.unwrap();

    // A forged CSRF token is refused, in the browser and from outside it.
    b.goto(&format!("{base}/replay?flow=to-smint&since=1h"))
        .await
        .unwrap();
    b.execute(
        r#"document.querySelector('form[action="/replay/dry-run"] input[name=csrf]').value = 'forged';"#,
        vec![],
    )
    .await
    .unwrap();
    click(b, "form[action=\"/replay/dry-run\"] button[type=submit]").await;
    assert_eq!(text_of(b, "h1").await, "403 Forbidden");
    assert!(body_text(b).await.contains("CSRF token"));
    let cookie = b.get_named_cookie("assetrelay_session").await.unwrap();
    assert!(cookie.http_only().unwrap_or(false), "{cookie:?}");
    assert_eq!(
        cookie.same_site().map(|s| s.to_string()).as_deref(),
        Some("Strict")
    );
    b.goto(&format!("{base}/replay")).await.unwrap();
    let csrf = b
        .find(Locator::Css("input[name=csrf]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |origin: &str, csrf: &str| {
        http.post(format!("{base}/replay/dry-run"))
            .header("cookie", format!("assetrelay_session={}", cookie.value()))
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&since=1h&flow=to-smint"))
            .send()
    };
    assert_eq!(
        post("http://evil.example", &csrf).await.unwrap().status(),
        403
    );
    assert_eq!(post(&base, "0123").await.unwrap().status(), 403);
    assert_eq!(
        post(&base, &csrf).await.unwrap().status(),
        303,
        "the same post, honest"
    );

    // 390 px wide: every page fits, tables scroll inside their box.
    b.set_window_size(390, 844).await.unwrap();
    for (path, shot) in [
        ("/".to_owned(), Some("overview-390")),
        ("/parked?flow=to-smint".to_owned(), None),
        (
            format!("/assets?platform=photoshelter&asset_id={media}"),
            Some("asset-timeline-390"),
        ),
        ("/replay".to_owned(), None),
        ("/connections".to_owned(), None),
        ("/actions".to_owned(), None),
    ] {
        b.goto(&format!("{base}{path}")).await.unwrap();
        fits(b, &path).await;
        if let Some(name) = shot {
            browser.screenshot(name).await.unwrap();
        }
    }
    b.set_window_size(1280, 1000).await.unwrap();
    for path in ["/", "/parked", "/replay", "/connections", "/actions"] {
        b.goto(&format!("{base}{path}")).await.unwrap();
        fits(b, path).await;
    }

    // Signing out ends the session: the cookie no longer opens a page.
    click(b, "form[action=\"/sign-out\"] button").await;
    // (A click returns before the form's navigation is always done.)
    until("the sign-in page after signing out", PATIENCE, || async {
        b.current_url().await.is_ok_and(|u| u.path() == "/sign-in")
    })
    .await;
    let after = http
        .get(format!("{base}/parked"))
        .header("cookie", format!("assetrelay_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);

    browser.close().await;
    shutdown.cancel();
    served.await.unwrap().unwrap();
    stack.stop().await;
}
