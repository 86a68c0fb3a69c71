//! The admin API against the real broker: authentication, flow stats, parked operations and
//! replay, through real HTTP on 127.0.0.1:0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use assetrelay_admin::Admin;
use assetrelay_contract::{Flow, header};
use serde_json::{Value, json};

use common::app::{App, event};
use common::{TOKEN, config};

#[tokio::test]
async fn refuses_missing_and_wrong_tokens_and_accepts_every_configured_one() {
    let app = App::start().await;
    for token in [None, Some("wrong-token"), Some("")] {
        let response = app.get("/v1/flows", token).await;
        assert_eq!(response.status(), 401, "token {token:?}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["type"], "urn:assetrelay:problem:unauthorized");
    }
    for token in [TOKEN, "second-token-for-rotation"] {
        assert_eq!(app.get("/v1/flows", Some(token)).await.status(), 200);
    }
    // Health and the API description need no token.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn accepts_the_bearer_scheme_in_any_case_and_nothing_but_bearer() {
    let app = App::start().await;
    let flows = format!("{}/v1/flows", app.base);
    let answer = |authorization: String| {
        app.http
            .get(&flows)
            .header("authorization", authorization)
            .send()
    };
    // RFC 9110 §11.1: the auth scheme is case-insensitive.
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let response = answer(format!("{scheme} {TOKEN}")).await.unwrap();
        assert_eq!(response.status(), 200, "scheme {scheme}");
    }
    for refused in [
        format!("Basic {TOKEN}"),
        format!("Bearer{TOKEN}"),
        format!("Bearers {TOKEN}"),
        TOKEN.to_owned(),
    ] {
        let response = answer(refused.clone()).await.unwrap();
        assert_eq!(response.status(), 401, "{refused}");
    }
    app.stop().await;
}

#[tokio::test]
async fn will_not_start_without_a_token_or_with_a_short_one() {
    let prefix = "admin-test-none";
    let config = config(prefix, "[]");
    assert!(matches!(
        Admin::build(&config).await,
        Err(assetrelay_admin::BuildError::NoTokens)
    ));
    let env: BTreeMap<String, String> = [(
        "ASSETRELAY_ADMIN__TOKENS".to_owned(),
        "[\"short\"]".to_owned(),
    )]
    .into();
    let error = assetrelay_config::load(None, &env).unwrap_err().to_string();
    assert!(error.contains("admin.tokens[0]"), "{error}");
    assert!(
        !error.contains("short\""),
        "the token leaked into the error: {error}"
    );
}

#[tokio::test]
async fn reports_depth_and_consumers_of_every_flow() {
    let app = App::start().await;
    let queue = app.topology.work_queue(Flow::ToSmint);
    app.publish(
        "",
        &queue,
        event("e-1", "I1"),
        &[(header::CONNECTION, "demo")],
    )
    .await;
    let flows: Value = app
        .get("/v1/flows", Some(TOKEN))
        .await
        .json()
        .await
        .unwrap();
    let flows = flows.as_array().unwrap();
    assert_eq!(flows.len(), 3);
    let to_smint = flows.iter().find(|f| f["flow"] == "to-smint").unwrap();
    assert_eq!(to_smint["work"]["queue"], json!(queue));
    assert_eq!(to_smint["work"]["messages"], 1);
    assert_eq!(to_smint["work"]["consumers"], 0);
    assert_eq!(to_smint["parked"]["messages"], 0);
    app.stop().await;
}

#[tokio::test]
async fn parked_messages_can_be_listed_shown_replayed_and_purged() {
    let app = App::start().await;
    let parked = app.topology.parked_queue(Flow::ToSmint);
    let headers = [
        (header::CONNECTION, "demo"),
        (header::ERROR, "smintio_400"),
        (header::ERROR_DETAIL, "HTTP 400"),
        (header::FLOW, "to-smint"),
        (header::ATTEMPTS, "1"),
    ];
    app.publish("", &parked, event("p-1", "I1"), &headers).await;
    app.publish("", &parked, event("p-2", "I2"), &headers).await;

    let list: Value = app
        .get("/v1/flows/to-smint/parked", Some(TOKEN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["by_reason"]["smintio_400"], 2);
    let shown = app.get("/v1/flows/to-smint/parked/p-2", Some(TOKEN)).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.json::<Value>().await.unwrap()["subject"], "I2");
    assert_eq!(
        app.get("/v1/flows/to-smint/parked/nope", Some(TOKEN))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get("/v1/flows/no-such-flow/parked", Some(TOKEN))
            .await
            .status(),
        404
    );

    let refused = app
        .post(
            "/v1/flows/to-smint/parked/purge",
            json!({"event_ids": ["p-1"]}),
        )
        .await;
    assert_eq!(refused.status(), 400, "purge without confirm");
    let replayed: Value = app
        .post(
            "/v1/flows/to-smint/parked/replay",
            json!({"event_ids": ["p-2"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replayed["moved"], 1);
    let purged: Value = app
        .post(
            "/v1/flows/to-smint/parked/purge",
            json!({"event_ids": ["p-1"], "confirm": true}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(purged["moved"], 1);
    let flows: Value = app
        .get("/v1/flows", Some(TOKEN))
        .await
        .json()
        .await
        .unwrap();
    let to_smint = flows
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flow"] == "to-smint")
        .unwrap();
    assert_eq!(to_smint["parked"]["messages"], 0);
    assert_eq!(to_smint["work"]["messages"], 1);
    let bad = app
        .post("/v1/flows/to-smint/parked/replay", json!({"unknown": 1}))
        .await;
    assert_eq!(bad.status(), 422, "a field the selection does not have");
    app.stop().await;
}

#[tokio::test]
async fn replays_from_the_archive_with_a_dry_run_first() {
    let app = App::start().await;
    // Into the archive, as the ingress archives every event it accepts.
    let archive = app.topology.archive_stream();
    app.publish(
        "",
        &archive,
        event("a-1", "I1"),
        &[(header::CONNECTION, "demo")],
    )
    .await;
    app.publish(
        "",
        &archive,
        event("a-2", "I2"),
        &[(header::CONNECTION, "demo")],
    )
    .await;
    // The exchange routed both to to-smint as well; empty it so the replay is what we count.
    let work = app.topology.work_queue(Flow::ToSmint);
    let channel = app.admin_broker.channel().await.unwrap();
    channel
        .queue_purge(work.as_str().into(), Default::default())
        .await
        .unwrap();

    let dry: Value = app
        .post(
            "/v1/replay",
            // JSON Schema's integers include 5.0: numbers are taken by value, not spelling.
            json!({"since": "1h", "flow": "to-smint", "subject": "I2", "dry_run": true,
                   "sample": 5.0, "rate": 100.0}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dry["matched"], 1, "{dry}");
    assert_eq!(dry["published"], 0);
    let real: Value = app
        .post(
            "/v1/replay",
            json!({"since": "1h", "flow": "to-smint", "subject": "I2"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(real["published"], 1, "{real}");
    let flows: Value = app
        .get("/v1/flows", Some(TOKEN))
        .await
        .json()
        .await
        .unwrap();
    let to_smint = flows
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["flow"] == "to-smint")
        .unwrap();
    assert_eq!(to_smint["work"]["messages"], 1);
    let invalid = app
        .post(
            "/v1/replay",
            json!({"since": "yesterday-ish", "flow": "to-smint"}),
        )
        .await;
    assert_eq!(invalid.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn serves_its_openapi_document_without_a_token() {
    let app = App::start().await;
    let response = app.get("/openapi.yaml", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/yaml");
    // tests/openapi.rs checks the document itself.
    assert_eq!(response.text().await.unwrap(), assetrelay_admin::OPENAPI);
    app.stop().await;
}
