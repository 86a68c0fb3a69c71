//! `docs/admin-openapi.yaml` is valid OpenAPI 3.1 (read by `oas3`, validated against the
//! OpenAPI Initiative's JSON Schema, every Schema Object a valid JSON Schema 2020-12 whose
//! references resolve), and documents exactly the routes the router is built from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use assetrelay_admin::{Access, OPENAPI, ROUTES};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::routing::MethodFilter;
use http_body_util::BodyExt;
use jsonschema::{Draft, Registry};
use serde_json::Value;
use tower::ServiceExt;

use common::{TOKEN, build, config};

const OAS_31_SCHEMA: &str = include_str!("fixtures/openapi-3.1-schema.json");
const DOCUMENT_URI: &str = "urn:assetrelay:admin-openapi";

fn document() -> Value {
    yaml_serde::from_str(OPENAPI).expect("docs/admin-openapi.yaml is not YAML")
}

/// Every (path, method, operation) of the document.
fn operations(document: &Value) -> Vec<(String, Method, Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (key, operation) in item.as_object().unwrap() {
            if let Ok(method) = Method::from_bytes(key.to_ascii_uppercase().as_bytes())
                && key != "parameters"
            {
                out.push((path.clone(), method, operation.clone()));
            }
        }
    }
    out
}

#[test]
fn the_document_is_openapi_3_1_that_oas3_reads_and_whose_references_resolve() {
    let spec = oas3::from_yaml(OPENAPI).expect("oas3 cannot read docs/admin-openapi.yaml");
    let version = spec.validate_version().unwrap();
    assert_eq!((version.major, version.minor), (3, 1));
    let mut operations = 0;
    for (path, item) in spec.paths.as_ref().unwrap() {
        for parameter in &item.parameters {
            parameter
                .resolve(&spec)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        for (method, operation) in item.methods() {
            operations += 1;
            let at = format!("{method} {path}");
            for parameter in &operation.parameters {
                parameter
                    .resolve(&spec)
                    .unwrap_or_else(|e| panic!("{at}: {e}"));
            }
            if let Some(body) = &operation.request_body {
                body.resolve(&spec).unwrap_or_else(|e| panic!("{at}: {e}"));
            }
            let responses = operation.responses.as_ref().expect("no responses");
            assert!(responses.contains_key("200"), "{at} documents no 200");
            for (status, response) in responses {
                response
                    .resolve(&spec)
                    .unwrap_or_else(|e| panic!("{at} {status}: {e}"));
            }
        }
    }
    assert_eq!(operations, ROUTES.len());
}

#[test]
fn the_document_validates_against_the_openapi_3_1_json_schema() {
    let schema: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&document())
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_component_schema_is_json_schema_2020_12_whose_references_resolve() {
    let document = document();
    let registry = Registry::new()
        .draft(Draft::Draft202012)
        .add(DOCUMENT_URI, document.clone())
        .unwrap()
        .prepare()
        .unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert!(!schemas.is_empty());
    for (name, schema) in schemas {
        jsonschema::draft202012::meta::validate(schema)
            .unwrap_or_else(|e| panic!("components.schemas.{name}: {e}"));
        let reference = serde_json::json!({
            "$ref": format!("{DOCUMENT_URI}#/components/schemas/{name}")
        });
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&registry)
            .build(&reference)
            .unwrap_or_else(|e| panic!("components.schemas.{name}: {e}"));
    }
}

#[test]
fn every_route_is_documented_and_every_documented_operation_is_a_route() {
    let document = document();
    let documented = operations(&document);
    for route in ROUTES {
        let matching: Vec<_> = documented
            .iter()
            .filter(|(path, method, _)| {
                path == route.path
                    && MethodFilter::try_from(method.clone()).ok() == Some(route.method)
            })
            .collect();
        assert_eq!(matching.len(), 1, "{route:?} is not documented");
        // `security: []` exactly on the routes that need no token.
        let public = matching[0].2.get("security") == Some(&serde_json::json!([]));
        assert_eq!(public, route.access == Access::Public, "{route:?}");
    }
    for (path, method, _) in &documented {
        let filter = MethodFilter::try_from(method.clone()).unwrap();
        assert!(
            ROUTES.iter().any(|r| r.path == path && r.method == filter),
            "{method} {path} is documented but not a route"
        );
    }
}

#[test]
fn every_path_template_and_its_documented_path_parameters_agree() {
    let document = document();
    let components = &document["components"]["parameters"];
    let resolve = |p: &Value| match p.get("$ref").and_then(Value::as_str) {
        Some(r) => components[r.trim_start_matches("#/components/parameters/")].clone(),
        None => p.clone(),
    };
    for (path, item) in document["paths"].as_object().unwrap() {
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (path, method, operation) in operations(&document).iter().filter(|o| &o.0 == path) {
            let parameters = item["parameters"].as_array().into_iter().flatten();
            let own = operation["parameters"].as_array().into_iter().flatten();
            let documented: BTreeSet<String> = parameters
                .chain(own)
                .map(resolve)
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let in_template: BTreeSet<String> =
                in_template.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(documented, in_template, "{method} {path}");
        }
    }
}

/// A concrete URI for a documented path: each `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.replace("{flow}", "to-smint")
        .replace("{event_id}", "e-1")
        .replace("{connection}", "demo")
        .replace("{platform}", "photoshelter")
        .replace("{asset_id}", "I0000abcd")
}

#[tokio::test]
async fn every_documented_operation_is_answered_by_its_handler_not_a_fallback() {
    let admin = build(config("admin-openapi-unused", &format!("[\"{TOKEN}\"]"))).await;
    for (path, method, operation) in operations(&document()) {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(concrete(&path));
        let public = operation.get("security") == Some(&serde_json::json!([]));
        if !public {
            request = request.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        }
        let request = if method == Method::POST {
            request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
        } else {
            request.body(Body::empty())
        };
        let response = admin.router().oneshot(request.unwrap()).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let at = format!(
            "{method} {path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{at}");
        assert_ne!(status, StatusCode::UNAUTHORIZED, "{at}");
        let problem: Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_ne!(
            problem["type"], "urn:assetrelay:problem:no_such_route",
            "{at}"
        );
    }
}
