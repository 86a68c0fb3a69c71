//! SIGTERM during load: the real binary stops accepting, finishes in-flight requests with
//! their confirms, exits 0, and every 202 it answered has its message in the queue.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assetrelay_testkit::{free_port, terminate, wait_until};
use support::*;

#[tokio::test]
async fn sigterm_under_load_loses_no_request_that_got_a_202() {
    let prefix = unique_prefix(LABEL);
    let topology =
        assetrelay_testkit::TopologyGuard::new(assetrelay_broker::Topology::from_config(
            &assetrelay_config::load(Some(&example_config()), &test_env(&prefix, &[]))
                .unwrap()
                .topology,
        ));
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay-ingress"))
        .arg("--config")
        .arg(example_config())
        .envs(test_env(
            &prefix,
            &[
                ("ASSETRELAY_INGRESS__LISTEN", &listen),
                ("RUST_LOG", "warn"),
            ],
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    let ready = wait_until("the ingress is ready", Duration::from_secs(30), || async {
        matches!(http.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == 200)
    })
    .await;
    assert!(ready.is_ok(), "{ready:?}: {:?}", child.try_wait());

    let accepted = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for worker in 0..16 {
        let (http, base, accepted, sent) =
            (http.clone(), base.clone(), accepted.clone(), sent.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..400 {
                let body = ps_body(&format!("load-{worker}-{i}"), "media.updated");
                let headers = sign(PS_SECRET, "m", now(), body.as_bytes());
                let mut request = http
                    .post(format!("{base}/webhooks/photoshelter/demo"))
                    .header("content-type", "application/json")
                    .body(body);
                for (k, v) in headers {
                    request = request.header(k, v);
                }
                sent.fetch_add(1, Ordering::SeqCst);
                let Ok(response) = request.send().await else {
                    break;
                };
                if response.status() == 202 {
                    let id = response.json::<serde_json::Value>().await.unwrap()["event_id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    accepted.lock().unwrap().push(id);
                }
            }
        }));
    }
    wait_until(
        "200 requests are accepted",
        Duration::from_secs(30),
        || async { accepted.lock().unwrap().len() >= 200 },
    )
    .await
    .unwrap();

    let status = terminate(&mut child, Duration::from_secs(30)).await;
    for w in workers {
        w.await.unwrap();
    }

    assert!(status.success(), "exit status {status:?}");
    let accepted: HashSet<String> = accepted.lock().unwrap().iter().cloned().collect();
    let queued: HashSet<String> =
        drain_ids(&topology.work_queue(assetrelay_contract::Flow::ToSmint))
            .await
            .into_iter()
            .collect();
    let missing: Vec<_> = accepted.difference(&queued).collect();
    assert!(
        missing.is_empty(),
        "{} of {} accepted events missing from the queue",
        missing.len(),
        accepted.len()
    );
    assert!(
        accepted.len() < sent.load(Ordering::SeqCst),
        "shutdown happened after all the load was done"
    );
    topology.delete().await.unwrap();
}
