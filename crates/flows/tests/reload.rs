//! Issue 12 item 7: a delivery that started before a configuration reload finishes under
//! the connection it took; the replaced connection's PhotoShelter session is given back
//! only once no delivery holds it.

mod support;

use std::sync::Arc;
use std::time::Duration;

use assetrelay_config::ConnectionChanges;
use assetrelay_flows::shared::connections::{Connections, LiveConnections};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use support::photoshelter::MediaItem;
use support::{CONNECTION, Harness};

const ID: &str = "I0000RELOADHELD1";
const LOGOUT: &str = "/psapi/v3/mem/authenticate/logout";

async fn logouts(h: &Harness) -> usize {
    let requests = h.photoshelter.received_requests().await.unwrap_or_default();
    requests.iter().filter(|r| r.url.path() == LOGOUT).count()
}

#[tokio::test]
async fn a_held_connection_outlives_its_replacement_and_is_logged_out_after_the_last_holder() {
    let h = Harness::start().await;
    MediaItem::image(ID).serve(&h.photoshelter).await;
    Mock::given(method("POST"))
        .and(path(LOGOUT))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok", "data": {}})))
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    let live = LiveConnections::new(Connections::from_config(&h.config, &h.store));
    // A delivery in flight: it took the connection and logged in through it.
    let held = live.get(CONNECTION).unwrap();
    held.photoshelter.media(ID).await.unwrap();

    let mut changed = h.config.clone();
    let rules = &mut changed.connections.get_mut(CONNECTION).unwrap().rules;
    rules.previews.enabled = !rules.previews.enabled;
    live.reload(
        &changed,
        &h.store,
        &ConnectionChanges::between(&h.config, &changed),
    );
    let current = live.get(CONNECTION).unwrap();
    assert!(
        !Arc::ptr_eq(&held, &current),
        "the reload built a new connection"
    );
    assert_eq!(
        current.rules.previews.enabled,
        changed.connections[CONNECTION].rules.previews.enabled
    );

    // The delivery goes on under the old connection and its session.
    held.photoshelter.media(ID).await.unwrap();
    assert_eq!(
        held.rules.previews.enabled,
        h.config.connections[CONNECTION].rules.previews.enabled
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(logouts(&h).await, 0, "logged out while a delivery held it");

    drop(held);
    for _ in 0..40 {
        if logouts(&h).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(logouts(&h).await, 1, "the replaced session is given back");
}
