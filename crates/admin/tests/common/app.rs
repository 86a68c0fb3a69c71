//! The admin running on 127.0.0.1:0 against the real broker with a topology of its own,
//! and a way to put messages in its queues.

use std::time::Duration;

use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::{Publisher, Topology};
use assetrelay_contract::OutgoingMessage;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{TOKEN, TestAdmin, build, config};

pub struct App {
    pub base: String,
    pub topology: Topology,
    pub publisher: Publisher,
    pub admin_broker: assetrelay_broker::Broker,
    shutdown: CancellationToken,
    pub http: reqwest::Client,
    _store_dir: tempfile::TempDir,
}

impl App {
    pub async fn start() -> Self {
        let prefix = format!("admin-test-{}", uuid::Uuid::new_v4().simple());
        let config = config(
            &prefix,
            &format!("[\"{TOKEN}\", \"second-token-for-rotation\"]"),
        );
        let topology = Topology::from_config(&config.topology);
        let TestAdmin { admin, store_dir } = build(config).await;
        let broker = admin.broker().clone();
        assert!(broker.wait_ready(Duration::from_secs(10)).await);
        topology
            .declare(&broker.channel().await.unwrap())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        tokio::spawn(admin.run(listener, shutdown.clone()));
        Self {
            base,
            publisher: Publisher::new(broker.clone(), 1, Duration::from_secs(5)),
            topology,
            admin_broker: broker,
            shutdown,
            http: reqwest::Client::new(),
            _store_dir: store_dir,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) {
        let mut table = FieldTable::default();
        for (k, v) in headers {
            table.insert((*k).into(), AMQPValue::LongString(LongString::from(*v)));
        }
        let message = OutgoingMessage {
            exchange: exchange.into(),
            routing_key: routing_key.into(),
            body: serde_json::to_vec(&body).unwrap(),
            properties: BasicProperties::default()
                .with_message_id(body["id"].as_str().unwrap().into())
                .with_delivery_mode(2)
                .with_timestamp(u64::try_from(chrono::Utc::now().timestamp()).unwrap())
                .with_headers(table),
        };
        self.publisher.publish(&message).await.unwrap();
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let broker = assetrelay_broker::Broker::start(
            assetrelay_broker::BrokerSettings::from_config(&config("x", "[]").broker, "cleanup"),
            None,
        );
        assert!(broker.wait_ready(Duration::from_secs(10)).await);
        self.topology
            .delete(&broker.channel().await.unwrap())
            .await
            .unwrap();
        broker.close().await;
        self.admin_broker.close().await;
    }
}

pub fn event(id: &str, subject: &str) -> Value {
    json!({"specversion": "1.0", "id": id, "source": "photoshelter/demo", "type": "asset.updated",
           "subject": subject, "time": chrono::Utc::now().to_rfc3339(), "datacontenttype": "application/json",
           "assetrelayconnection": "demo", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "data": {"platform": "photoshelter", "asset_id": subject, "change": {}, "hint": {}}})
}
