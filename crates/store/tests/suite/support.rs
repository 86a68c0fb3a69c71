//! One store per test: a temp SQLite file, or a scratch schema in the PostgreSQL test
//! database (`ASSETRELAY_TEST_POSTGRES_URL`).

use std::error::Error;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_store::scratch::ScratchSchema;
use assetrelay_store::{Decision, Outcome, Store};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/assetrelay_test";

pub struct Harness {
    pub store: Store,
    pub config: StoreConfig,
    place: Place,
}

enum Place {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(Box<ScratchSchema>),
}

fn config(url: StoreUrl, migrate: bool) -> StoreConfig {
    StoreConfig {
        url,
        max_connections: 16,
        migrate_on_start: migrate,
        ..StoreConfig::default()
    }
}

impl Harness {
    pub async fn sqlite(migrate: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A directory that does not exist yet: connect creates it.
        let url = StoreUrl::sqlite(dir.path().join("nested/store.db"));
        let config = config(url, migrate);
        let store = Store::connect(&config).await.unwrap();
        Self {
            store,
            config,
            place: Place::Sqlite(dir),
        }
    }

    /// `None` (after saying so on stderr) only with `ASSETRELAY_SKIP_POSTGRES=1`; an
    /// unreachable PostgreSQL fails the test.
    pub async fn postgres(migrate: bool) -> Option<Self> {
        if std::env::var("ASSETRELAY_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!(
                "!!! ASSETRELAY_SKIP_POSTGRES=1: this PostgreSQL test was NOT run; only SQLite was tested"
            );
            return None;
        }
        let base = std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let shown = StoreUrl::parse(&base).map_or_else(|e| e.to_string(), |u| u.to_string());
        let schema = match ScratchSchema::create(&base).await {
            Ok(schema) => schema,
            Err(e) => panic!(
                "PostgreSQL is not reachable at {shown} ({}). Start it (.ci/run does and creates \
                 the database assetrelay_test), point ASSETRELAY_TEST_POSTGRES_URL at one, or set \
                 ASSETRELAY_SKIP_POSTGRES=1 to run the SQLite half only",
                chain(&e)
            ),
        };
        let config = config(schema.url.clone(), migrate);
        let store = Store::connect(&config).await.unwrap();
        Some(Self {
            store,
            config,
            place: Place::Postgres(Box::new(schema)),
        })
    }

    pub async fn finish(self) {
        drop(self.store);
        if let Place::Postgres(schema) = self.place {
            schema.drop_schema().await.unwrap();
        }
    }
}

pub fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

pub fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

pub fn outcome(asset_id: &str, at_ms: i64, n: usize) -> Outcome {
    Outcome {
        at_ms,
        event_id: format!("evt-{n}"),
        event_type: "media.updated".into(),
        event_at_ms: Some(1),
        flow: "to-smint".into(),
        connection: "acme".into(),
        platform: "photoshelter".into(),
        asset_id: asset_id.into(),
        decision: if n.is_multiple_of(2) {
            Decision::Written
        } else {
            Decision::Retried
        },
        reason: (n % 2 == 1).then(|| "503 from Smint.io".into()),
        tier: (n % 2 == 1).then_some(1),
        target_call: Some("PUT /assets/x".into()),
        target_status: Some(if n.is_multiple_of(2) { "ok" } else { "503" }.to_owned()),
        duration_ms: 12,
    }
}

/// Poll `check` every 20 ms until it holds, for at most `within`.
pub async fn eventually<F: AsyncFnMut() -> bool>(within: Duration, mut check: F) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
