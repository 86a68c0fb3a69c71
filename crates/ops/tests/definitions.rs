//! The generated RabbitMQ definitions of `config/example.toml`'s topology, imported into a
//! scratch virtual host of the real broker through the management API
//! (`POST /api/definitions/{vhost}`), pass the topology check: what
//! `deploy/rabbitmq/definitions.json` holds is what the binaries declare.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use assetrelay_broker::Topology;
use assetrelay_config::ManagementUrl;
use assetrelay_ops::{definitions, topology_check};
use assetrelay_testkit::{block_on_own_thread, unique_prefix};
use secrecy::ExposeSecret;

/// A virtual host of the test's own, deleted with everything in it when dropped.
struct ScratchVhost {
    name: String,
    api: ManagementUrl,
    client: reqwest::Client,
}

impl ScratchVhost {
    async fn create(api: ManagementUrl) -> Self {
        let vhost = Self {
            name: unique_prefix("deploy-definitions"),
            api,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        };
        let created = vhost
            .request(reqwest::Method::PUT, &vhost.path("vhosts"))
            .send()
            .await;
        assert!(created.unwrap().status().is_success());
        vhost
    }

    /// `api/<what>/<vhost>`, the vhost as one escaped segment.
    fn path(&self, what: &str) -> String {
        format!("api/{what}/{}", self.name)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = self.api.base().join(path).unwrap();
        let request = self.client.request(method, url);
        match self.api.credentials() {
            Some((user, password)) => request.basic_auth(user, Some(password.expose_secret())),
            None => request,
        }
    }
}

impl Drop for ScratchVhost {
    /// With a client of its own: the test's client keeps its connections on the test's
    /// runtime, which is blocked while this runs, so reusing it would deadlock.
    fn drop(&mut self) {
        let url = self.api.base().join(&self.path("vhosts")).unwrap();
        let credentials = self
            .api
            .credentials()
            .map(|(user, password)| (user.to_owned(), password.expose_secret().to_owned()));
        block_on_own_thread(|| async move {
            let mut request = reqwest::Client::new().delete(url);
            if let Some((user, password)) = credentials {
                request = request.basic_auth(user, Some(password));
            }
            let _ = request.timeout(Duration::from_secs(10)).send().await;
        });
    }
}

fn example_topology() -> Topology {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let config = assetrelay_config::load(Some(&path), &BTreeMap::new()).unwrap();
    Topology::from_config(&config.topology)
}

#[tokio::test]
async fn the_generated_definitions_imported_into_a_fresh_vhost_pass_the_topology_check() {
    let api: ManagementUrl = assetrelay_testkit::management_url().parse().unwrap();
    let topology = example_topology();
    let vhost = ScratchVhost::create(api.clone()).await;
    let body = definitions::generate(&topology, &vhost.name);

    let imported = vhost
        .request(reqwest::Method::POST, &vhost.path("definitions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = imported.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        imported.text().await.unwrap()
    );
    let drift = topology_check::check_vhost(&topology, &api, &vhost.name)
        .await
        .unwrap();

    assert_eq!(drift, []);
}
