//! `[store]`: where durable state lives (crate `assetrelay-store`), and its URL, parsed at
//! load. A PostgreSQL URL carries credentials: the whole text is kept as a
//! [`SecretString`], and `Debug`/`Display` show scheme, user, host, port and database only.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::UrlError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `sqlite://<path>` (embedded; a relative path is relative to the working directory)
    /// or `postgres://user:password@host:port/db` (several machines). Parsed at load; holds
    /// credentials for PostgreSQL: prefer `ASSETRELAY_STORE__URL` in production.
    pub url: StoreUrl,
    /// Connections in the pool.
    pub max_connections: u32,
    /// PostgreSQL: `SET statement_timeout` on every connection. SQLite: how long a
    /// statement waits for the write lock (busy timeout). Also the pool's acquire timeout.
    pub statement_timeout_ms: u64,
    /// Apply pending migrations when a binary connects (safe with many replicas: the
    /// migrator takes a lock). Off when an operator runs `assetrelay store migrate`.
    pub migrate_on_start: bool,
    /// Outcome history older than this many days is pruned.
    pub history_retention_days: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: StoreUrl::sqlite(PathBuf::from("data/assetrelay.db")),
            max_connections: 8,
            statement_timeout_ms: 5_000,
            migrate_on_start: true,
            history_retention_days: 30,
        }
    }
}

/// Which database a [`StoreUrl`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// `store.url`: `sqlite://<path>` or `postgres://` / `postgresql://`.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct StoreUrl {
    kind: StoreKind,
    /// What the driver connects with, credentials included.
    secret: SecretString,
    /// The printable form, without password or query.
    shown: String,
    /// SQLite only: the database file.
    path: Option<PathBuf>,
}

impl StoreUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if rest.contains('?') {
                return Err(UrlError::SqliteQuery);
            }
            if rest.is_empty() {
                return Err(UrlError::NoPath);
            }
            return Ok(Self::sqlite(PathBuf::from(rest)));
        }
        let url = Url::parse(text).map_err(UrlError::Syntax)?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(UrlError::Scheme {
                expected: "sqlite, postgres or postgresql",
            });
        }
        let host = url.host_str().filter(|h| !h.is_empty());
        let Some(host) = host else {
            return Err(UrlError::NoHost);
        };
        let user = match url.username() {
            "" => String::new(),
            user => format!("{user}@"),
        };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let shown = format!("{}://{user}{host}{port}{}", url.scheme(), url.path());
        Ok(Self {
            kind: StoreKind::Postgres,
            secret: SecretString::from(text.to_owned()),
            shown,
            path: None,
        })
    }

    /// An embedded SQLite database at `path`.
    pub fn sqlite(path: PathBuf) -> Self {
        let shown = format!("sqlite://{}", path.display());
        Self {
            kind: StoreKind::Sqlite,
            secret: SecretString::from(shown.clone()),
            shown,
            path: Some(path),
        }
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// SQLite: the database file; `None` for PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The URL as written, password included: hand it to the driver, never log it.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({})", self.shown)
    }
}

impl FromStr for StoreUrl {
    type Err = UrlError;
    fn from_str(text: &str) -> Result<Self, UrlError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for StoreUrl {
    type Error = UrlError;
    fn try_from(text: String) -> Result<Self, UrlError> {
        Self::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_never_shows_its_password() {
        let url = StoreUrl::parse("postgres://ops:s3cr3tpw@db:5433/relay?sslmode=require").unwrap();

        assert_eq!(url.kind(), StoreKind::Postgres);
        assert_eq!(url.to_string(), "postgres://ops@db:5433/relay");
        assert!(!format!("{url:?}").contains("s3cr3tpw"));
        assert!(url.expose().contains("s3cr3tpw"));
    }

    #[test]
    fn a_sqlite_url_names_a_relative_or_absolute_file() {
        let relative = StoreUrl::parse("sqlite://data/x.db").unwrap();
        let absolute = StoreUrl::parse("sqlite:///var/lib/assetrelay/x.db").unwrap();

        assert_eq!(relative.sqlite_path(), Some(Path::new("data/x.db")));
        assert_eq!(
            absolute.sqlite_path(),
            Some(Path::new("/var/lib/assetrelay/x.db"))
        );
    }

    #[test]
    fn rejects_other_schemes_and_empty_paths() {
        assert!(matches!(
            StoreUrl::parse("mysql://u:p@h/db"),
            Err(UrlError::Scheme { .. })
        ));
        assert!(matches!(
            StoreUrl::parse("sqlite://"),
            Err(UrlError::NoPath)
        ));
        assert!(matches!(
            StoreUrl::parse("sqlite://x.db?mode=ro"),
            Err(UrlError::SqliteQuery)
        ));
    }
}
