//! The state file: written on stop, loaded on start, refused when corrupt.

use assetrelay_sandbox::{SandboxConfig, spawn};
use serde_json::Value;

fn with_state_file(path: &std::path::Path) -> SandboxConfig {
    SandboxConfig {
        state_file: Some(path.to_owned()),
        ..SandboxConfig::for_tests()
    }
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_state_file_round_trips_through_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox-state.json");

    let first = spawn(with_state_file(&path)).await.unwrap();
    first.try_stop().await.unwrap();
    let saved = read_json(&path);
    let second = spawn(with_state_file(&path)).await.unwrap();
    second.try_stop().await.unwrap();

    assert_eq!(saved["version"], 1);
    assert!(
        saved.get("photoshelter").is_some() && saved.get("smintio").is_some(),
        "{saved}"
    );
    assert_eq!(
        read_json(&path),
        saved,
        "what was loaded is what is saved again"
    );
}

#[tokio::test]
async fn the_loaded_state_is_what_the_platforms_start_with() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox-state.json");
    let first = spawn(with_state_file(&path)).await.unwrap();
    let ps_before = serde_json::to_value(&*first.state().photoshelter.lock().await).unwrap();
    first.try_stop().await.unwrap();

    let second = spawn(with_state_file(&path)).await.unwrap();

    let ps_after = serde_json::to_value(&*second.state().photoshelter.lock().await).unwrap();
    assert_eq!(ps_after, ps_before);
    assert_eq!(read_json(&path)["photoshelter"], ps_after);
    second.stop().await;
}

#[tokio::test]
async fn a_missing_state_file_is_a_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-yet.json");

    let sandbox = spawn(with_state_file(&path)).await.unwrap();

    assert!(!path.exists(), "nothing is written before stop");
    sandbox.try_stop().await.unwrap();
    assert!(path.exists());
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.json");
    std::fs::write(&path, b"{not json").unwrap();

    let error = spawn(with_state_file(&path)).await.err().unwrap();

    assert!(format!("{error}").contains("corrupt.json"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{not json");
}

#[tokio::test]
async fn a_state_file_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(
        &path,
        br#"{"version": 99, "photoshelter": {}, "smintio": {}}"#,
    )
    .unwrap();

    let error = spawn(with_state_file(&path)).await.err().unwrap();

    assert!(format!("{error}").contains("version 99"), "{error}");
}

#[tokio::test]
async fn media_created_through_the_control_api_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox-state.json");
    let http = reqwest::Client::new();
    let first = spawn(with_state_file(&path)).await.unwrap();
    let created: Value = http
        .post(format!("{}/_sandbox/photoshelter/media", first.base_url))
        .json(
            &serde_json::json!({"file_name": "round-trip.jpg", "iptc": {"headline": "Round trip"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    first.try_stop().await.unwrap();

    let second = spawn(with_state_file(&path)).await.unwrap();
    let shown = http
        .get(format!(
            "{}/_sandbox/photoshelter/media/{id}",
            second.base_url
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(shown.status(), 200);
    let shown: Value = shown.json().await.unwrap();
    assert_eq!(shown, created);
    second.stop().await;
}
