//! Archive replay's filters against the real broker: type globs, the flow's bindings,
//! subject, connection, platform and event ids select exactly their events.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support_replay;

use assetrelay_contract::Flow;
use assetrelay_ops::replay::ReplayRequest;
use support_replay::{Archive, assert_replayed_exactly, hours_ago, mixed, run};

#[tokio::test]
async fn filters_by_type_glob() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.types = vec!["asset.up*".into(), "license.*".into()];

    let summary = run(archive, &request).await.unwrap();

    // a4 matches the glob but is a Smint.io license: to-smint is not bound to it.
    assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a1", "a3"]).await;
}

#[tokio::test]
async fn only_events_the_flow_is_bound_to_are_replayed_into_it() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;

    let summary = run(
        archive,
        &ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter),
    )
    .await
    .unwrap();

    // Its binding is smintio.*.license.*: not a7, a Smint.io asset event.
    assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4", "a5"]).await;
}

#[tokio::test]
async fn filters_by_subject() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter);
    request.subject = Some("L1".into());

    let summary = run(archive, &request).await.unwrap();

    assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4"]).await;
}

#[tokio::test]
async fn filters_by_connection() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.connection = Some("beta".into());

    let summary = run(archive, &request).await.unwrap();

    assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a3"]).await;
}

#[tokio::test]
async fn filters_by_platform() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.platform = Some("smintio".into());
    request.dry_run = true;
    let none = run(archive, &request).await.unwrap();
    request.platform = Some("photoshelter".into());
    request.dry_run = false;

    let summary = run(archive, &request).await.unwrap();

    assert_eq!(none.matched, 0, "{none:?}");
    assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a1", "a2", "a3", "a6"]).await;
}

#[tokio::test]
async fn filters_by_event_id() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter);
    request.event_ids = vec!["a1".into(), "a4".into(), "a5".into(), "absent".into()];

    let summary = run(archive, &request).await.unwrap();

    // a1 is a PhotoShelter event: to-photoshelter is not bound to it.
    assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4", "a5"]).await;
}
