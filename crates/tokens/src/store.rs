//! Where the rotated refresh token of one connection lives between refreshes, processes
//! and replicas.
//!
//! An identity server that rotates the refresh token on every refresh (Smint.io's does)
//! refuses the one presented afterwards (`invalid_grant`), so every replica of a
//! connection must present the newest one. A [`TokenStore`] holds that token with a version and replaces
//! it only by compare-and-swap: of two replicas that refreshed from the same version,
//! one wins and the other re-reads the winner's token instead of overwriting it.
//!
//! [`MemoryTokenStore`] is the in-process implementation (tests, and clients built
//! without a store: rotation then survives neither a restart nor a second replica). A
//! durable store adapts to the trait outside this crate.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use secrecy::SecretString;

/// A boxed, `Send` future: what [`TokenStore`] methods return, so the trait can be used
/// as `dyn TokenStore`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TokenStoreError>> + Send + 'a>>;

/// The refresh token a store holds, with the version its last swap gave it.
#[derive(Clone)]
pub struct StoredToken {
    /// The newest refresh token of the connection.
    pub refresh_token: SecretString,
    /// Increases with every successful swap.
    pub version: i64,
}

impl std::fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The answer to [`TokenStore::swap`].
#[derive(Debug, Clone)]
pub enum SwapOutcome {
    /// The store held `expected_version` (or nothing, for `None`); it now holds the new
    /// token at `version`.
    Won {
        /// The version the new token got.
        version: i64,
    },
    /// Another writer swapped first; the store still holds its token.
    Lost {
        /// What the store holds now.
        current: StoredToken,
    },
}

/// A token store failed (unreachable, timed out, refused). Its text must not contain a
/// token; implementations wrap their own error as the source.
#[derive(Debug, thiserror::Error)]
#[error("the refresh-token store failed")]
pub struct TokenStoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TokenStoreError {
    /// Wrap the store's own error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

/// The refresh token of one connection, shared by every client of that connection.
pub trait TokenStore: Send + Sync {
    /// The stored token, `None` when nothing was ever saved.
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>>;

    /// Save `new_refresh_token` if the store still holds `expected_version` (`None`: if it
    /// holds nothing); otherwise report what it holds.
    fn swap<'a>(
        &'a self,
        expected_version: Option<i64>,
        new_refresh_token: &'a SecretString,
    ) -> StoreFuture<'a, SwapOutcome>;
}

/// A [`TokenStore`] in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    token: Mutex<Option<StoredToken>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn current(&self) -> Option<StoredToken> {
        // A panic while holding the lock cannot leave a half-written token: the value is
        // replaced in one assignment.
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn compare_and_swap(&self, expected: Option<i64>, new: &SecretString) -> SwapOutcome {
        let mut token = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        match (token.as_ref(), expected) {
            (Some(current), Some(v)) if current.version == v => {}
            (None, _) => {}
            (Some(current), _) => {
                return SwapOutcome::Lost {
                    current: current.clone(),
                };
            }
        }
        // Nothing stored but a version expected: the row is gone (e.g. deleted by an
        // operator); the token just obtained is the only live one, so it is kept.
        let version = expected.map_or(1, |v| v + 1);
        *token = Some(StoredToken {
            refresh_token: new.clone(),
            version,
        });
        SwapOutcome::Won { version }
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>> {
        let current = self.current();
        Box::pin(async move { Ok(current) })
    }

    fn swap<'a>(
        &'a self,
        expected_version: Option<i64>,
        new_refresh_token: &'a SecretString,
    ) -> StoreFuture<'a, SwapOutcome> {
        let outcome = self.compare_and_swap(expected_version, new_refresh_token);
        Box::pin(async move { Ok(outcome) })
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn swaps_only_from_the_version_it_holds() {
        let store = MemoryTokenStore::new();
        assert!(store.load().await.unwrap().is_none());

        let first = store.swap(None, &secret("t1")).await.unwrap();
        let second = store.swap(Some(1), &secret("t2")).await.unwrap();
        let stale = store.swap(Some(1), &secret("t2-other")).await.unwrap();
        let again_empty = store.swap(None, &secret("t-seed")).await.unwrap();

        assert!(matches!(first, SwapOutcome::Won { version: 1 }));
        assert!(matches!(second, SwapOutcome::Won { version: 2 }));
        for lost in [stale, again_empty] {
            match lost {
                SwapOutcome::Lost { current } => {
                    assert_eq!(current.version, 2);
                    assert_eq!(current.refresh_token.expose_secret(), "t2");
                }
                SwapOutcome::Won { .. } => panic!("a stale swap won"),
            }
        }
        let stored = store.load().await.unwrap().unwrap();
        assert_eq!(
            (stored.version, stored.refresh_token.expose_secret()),
            (2, "t2")
        );
    }

    #[test]
    fn debug_shows_no_token() {
        let token = StoredToken {
            refresh_token: secret("very-secret"),
            version: 3,
        };
        assert!(!format!("{token:?}").contains("very-secret"));
    }
}
