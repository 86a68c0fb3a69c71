//! A client's rotated refresh token, kept in the store (table `credentials`, kind
//! `smintio_refresh_token` or `photoshelter_refresh_token`), so a restart or a second
//! replica presents the newest token instead of the configured one the identity server
//! already refused.

use assetrelay_store::{Credential, Store, Swap};
use assetrelay_tokens::{StoreFuture, StoredToken, SwapOutcome, TokenStore, TokenStoreError};
use secrecy::SecretString;

/// The credential kind of a Smint.io refresh token.
pub const SMINTIO_REFRESH_TOKEN: &str = "smintio_refresh_token";
/// The credential kind of a PhotoShelter OAuth refresh token.
pub const PHOTOSHELTER_REFRESH_TOKEN: &str = "photoshelter_refresh_token";

/// One connection's refresh token of one kind in the store.
pub struct StoredRefreshToken {
    store: Store,
    connection: String,
    kind: &'static str,
}

impl StoredRefreshToken {
    pub fn new(store: Store, connection: &str, kind: &'static str) -> Self {
        Self {
            store,
            connection: connection.to_owned(),
            kind,
        }
    }
}

fn stored(credential: Credential) -> StoredToken {
    StoredToken {
        refresh_token: credential.value,
        version: credential.version,
    }
}

impl TokenStore for StoredRefreshToken {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>> {
        Box::pin(async move {
            let credential = self
                .store
                .credential(&self.connection, self.kind)
                .await
                .map_err(TokenStoreError::new)?;
            Ok(credential.map(stored))
        })
    }

    fn swap<'a>(
        &'a self,
        expected_version: Option<i64>,
        new_refresh_token: &'a SecretString,
    ) -> StoreFuture<'a, SwapOutcome> {
        Box::pin(async move {
            let swap = self
                .store
                .swap_credential(
                    &self.connection,
                    self.kind,
                    expected_version,
                    new_refresh_token,
                )
                .await
                .map_err(TokenStoreError::new)?;
            Ok(match swap {
                Swap::Won { version } => SwapOutcome::Won { version },
                Swap::Lost { current } => SwapOutcome::Lost {
                    current: stored(current),
                },
            })
        })
    }
}
