//! The steps around one refresh-token grant when the server may rotate the token:
//! 1. before the grant, [`RefreshState::take_newer`]: adopt the stored token when it is
//!    newer than ours (another client rotated it, or this is a new start; the configured
//!    token only seeds an empty store);
//! 2. after a grant refused with `invalid_grant`, [`RefreshState::wait_for_rotation`]: the
//!    client that used our token saves its rotation right after its answer; adopt it and
//!    grant once more;
//! 3. after a grant, [`RefreshState::save_rotated`]: swap the rotated token in from the
//!    version we presented.
//!
//! Of two clients presenting the same token at once the server grants one: the winner's
//! swap succeeds, and the loser, refused, takes the winner's token in step 2.

use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::store::{StoredToken, SwapOutcome, TokenStore, TokenStoreError};

/// The refresh token a client presents next, and its version in the store.
pub struct RefreshState {
    pub refresh: SecretString,
    /// `None` until the store was first read.
    pub version: Option<i64>,
}

impl RefreshState {
    /// Starting from the configured token.
    pub fn new(configured: SecretString) -> Self {
        Self {
            refresh: configured,
            version: None,
        }
    }

    /// Step 1: adopt the stored token when it is newer than ours; seed an empty store
    /// with ours.
    pub async fn take_newer(&mut self, store: &dyn TokenStore) -> Result<(), TokenStoreError> {
        match store.load().await? {
            Some(stored) => self.adopt_if_newer(stored),
            None => match store.swap(None, &self.refresh).await? {
                SwapOutcome::Won { version } => self.version = Some(version),
                SwapOutcome::Lost { current } => self.adopt_if_newer(current),
            },
        }
        Ok(())
    }

    /// Step 2, after `invalid_grant` for the token at `presented`: wait up to `wait` for
    /// the store to hold a newer one and adopt it. `false` when none came: the token is
    /// revoked or lost, and the refusal stands.
    pub async fn wait_for_rotation(
        &mut self,
        store: &dyn TokenStore,
        presented: Option<i64>,
        wait: Duration,
    ) -> Result<bool, TokenStoreError> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(10);
        loop {
            if let Some(stored) = store.load().await?
                && presented.is_none_or(|v| stored.version > v)
            {
                self.refresh = stored.refresh_token;
                self.version = Some(stored.version);
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Step 3: swap the rotated token (if the server sent one) in from the version we
    /// presented. `platform` names the server in logs.
    pub async fn save_rotated(
        &mut self,
        store: &dyn TokenStore,
        rotated: Option<String>,
        platform: &'static str,
    ) {
        let Some(rotated) = rotated.filter(|t| !t.is_empty()) else {
            return;
        };
        let rotated = SecretString::from(rotated);
        match store.swap(self.version, &rotated).await {
            Ok(SwapOutcome::Won { version }) => {
                self.refresh = rotated;
                self.version = Some(version);
            }
            Ok(SwapOutcome::Lost { current }) => {
                // Someone stored a token without presenting ours (ours was granted, so
                // nobody else rotated it): theirs is what every other client uses now.
                tracing::warn!(
                    platform,
                    stored_version = current.version,
                    "another refresh token was stored meanwhile; using it"
                );
                self.refresh = current.refresh_token;
                self.version = Some(current.version);
            }
            Err(e) => {
                // The grant is done and the old token consumed: keep the rotated one in
                // memory (the version stays, so the next swap replaces the stale row).
                tracing::warn!(
                    platform,
                    error.message = %e,
                    "the rotated refresh token could not be saved; other clients of this \
                     connection will be refused until the next refresh saves one"
                );
                self.refresh = rotated;
            }
        }
    }

    fn adopt_if_newer(&mut self, stored: StoredToken) {
        if self.version.is_none_or(|v| stored.version > v) {
            self.refresh = stored.refresh_token;
            self.version = Some(stored.version);
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::store::MemoryTokenStore;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn the_configured_token_seeds_an_empty_store_and_a_stored_one_wins_over_it() {
        let store = MemoryTokenStore::new();
        let mut first = RefreshState::new(secret("configured"));
        first.take_newer(&store).await.unwrap();
        assert_eq!(first.version, Some(1));
        first
            .save_rotated(&store, Some("rotated".into()), "test")
            .await;
        assert_eq!(first.version, Some(2));

        // A restart, or a second replica, configured with the old token.
        let mut second = RefreshState::new(secret("configured"));
        second.take_newer(&store).await.unwrap();
        assert_eq!(second.refresh.expose_secret(), "rotated");
        assert_eq!(second.version, Some(2));
    }

    #[tokio::test]
    async fn a_refused_client_adopts_the_rotation_another_saved() {
        let store = MemoryTokenStore::new();
        let mut loser = RefreshState::new(secret("t1"));
        loser.take_newer(&store).await.unwrap();
        let presented = loser.version;
        let mut winner = RefreshState::new(secret("t1"));
        winner.take_newer(&store).await.unwrap();
        winner.save_rotated(&store, Some("t2".into()), "test").await;

        let adopted = loser
            .wait_for_rotation(&store, presented, Duration::from_millis(50))
            .await
            .unwrap();
        assert!(adopted);
        assert_eq!(loser.refresh.expose_secret(), "t2");
        // Nothing newer comes: the refusal stands.
        let again = loser
            .wait_for_rotation(&store, loser.version, Duration::from_millis(30))
            .await
            .unwrap();
        assert!(!again);
    }
}
