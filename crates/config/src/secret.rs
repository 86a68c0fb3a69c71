//! Where a secret comes from. Resolved once at start; never logged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// A secret as configured, resolved once by [`crate::load`]. Deserializes from a
/// [`SecretSource`]; `Debug` shows where it comes from, never the value.
#[derive(Clone, Deserialize)]
#[serde(from = "SecretSource")]
pub struct Secret {
    source: SecretSource,
    value: Option<SecretString>,
}

impl From<SecretSource> for Secret {
    fn from(source: SecretSource) -> Self {
        Self {
            source,
            value: None,
        }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

/// Equal when both resolve to the same text: how a configuration reload tells a changed
/// connection (a rotated secret) from an unchanged one. The source is not compared (a
/// secret moved from a literal to a file with the same value changes nothing).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Secret {
    /// The resolved text, or an empty string if (impossibly, after `load`) unresolved.
    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.value.as_ref().map_or("", |v| v.expose_secret())
    }

    /// A secret made at run time (e.g. `assetrelay dev`'s admin token), already resolved.
    pub fn generated(value: String) -> Self {
        Self {
            source: SecretSource::Literal("<generated>".into()),
            value: Some(SecretString::from(value)),
        }
    }

    pub(crate) fn resolve(&mut self, env: &BTreeMap<String, String>) -> Result<(), ResolveError> {
        self.value = Some(self.source.resolve(env)?);
        Ok(())
    }
}

/// `{ env = "VAR" }`, `{ file = "/run/secrets/x" }`, or a literal string (dev only).
#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub enum SecretSource {
    Env { env: String },
    File { file: PathBuf },
    Literal(String),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Env { env } => write!(f, "env:{env}"),
            Self::File { file } => write!(f, "file:{}", file.display()),
            Self::Literal(_) => f.write_str("literal:<redacted>"),
        }
    }
}

impl SecretSource {
    /// Resolve to the secret text. The error says where it looked, never what it found.
    pub fn resolve(&self, env: &BTreeMap<String, String>) -> Result<SecretString, ResolveError> {
        let text = match self {
            Self::Literal(value) => value.clone(),
            Self::Env { env: name } => env
                .get(name)
                .cloned()
                .ok_or_else(|| ResolveError::MissingVariable { name: name.clone() })?,
            Self::File { file } => std::fs::read_to_string(file)
                .map_err(|source| ResolveError::File {
                    path: file.clone(),
                    source,
                })?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        };
        if text.is_empty() {
            return Err(ResolveError::Empty);
        }
        Ok(SecretString::from(text))
    }
}

/// Why a secret could not be resolved: where it was looked for, never what was found.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("environment variable `{name}` is not set")]
    MissingVariable { name: String },
    #[error("cannot read secret file `{}`", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("secret is empty")]
    Empty,
}
