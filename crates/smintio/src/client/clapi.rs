//! CLAPI-C calls: generic metadata, the license-purchase-transaction feed, the binaries
//! of a transaction, and the Pusher channel authorization.
//!
//! Only the generated-client method names are public; the sync paths below are ASSUMED
//! (contract) and must be confirmed against Smint.io's OpenAPI YAML (under NDA). The
//! Pusher auth path is in the SDKs' source.

use reqwest::{RequestBuilder, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::SmintioClient;
use super::auth::IssuedToken;
use super::config::endpoint;
use super::error::{Error, Operation};
use super::http::{decode_json, send, with_retry};
use super::model::{GenericMetadata, LicensePurchaseTransactionPage, SyncBinary};

impl SmintioClient {
    /// `GetGenericMetadataForSync`: the enumerations every key refers to.
    pub async fn generic_metadata(&self) -> Result<GenericMetadata, Error> {
        // ASSUMED path (contract): GET /consumer/v1/sync/generic-metadata
        let url = endpoint(&self.inner.config.clapi_url, &["sync", "generic-metadata"])?;
        self.api_get("get generic metadata", url, &[]).await
    }

    /// `GetLicensePurchaseTransactionsForSync(continuation_uuid, limit)`: one page of the
    /// feed, starting after `continuation` (`None`: from the beginning). Read it through
    /// [`SmintioClient::feed`], which knows when to stop.
    pub(crate) async fn license_purchase_transactions(
        &self,
        continuation: Option<&str>,
        limit: u32,
    ) -> Result<LicensePurchaseTransactionPage, Error> {
        // ASSUMED path and parameter names (contract):
        // GET /consumer/v1/sync/license-purchase-transactions?continuation_uuid=..&limit=..
        let url = endpoint(
            &self.inner.config.clapi_url,
            &["sync", "license-purchase-transactions"],
        )?;
        let mut query = vec![("limit", limit.to_string())];
        if let Some(continuation) = continuation {
            query.push(("continuation_uuid", continuation.to_owned()));
        }
        self.api_get("get license purchase transactions", url, &query)
            .await
    }

    /// `GetLicensePurchaseTransactionBinariesForSync(cpt, lpt)`: the files of one transaction,
    /// each with a `download_url` valid for up to an hour.
    pub async fn license_purchase_transaction_binaries(
        &self,
        cart_purchase_transaction_uuid: &str,
        license_purchase_transaction_uuid: &str,
    ) -> Result<Vec<SyncBinary>, Error> {
        // ASSUMED path (contract):
        // GET /consumer/v1/sync/cart-purchase-transactions/{cpt}/license-purchase-transactions/{lpt}/binaries
        let url = endpoint(
            &self.inner.config.clapi_url,
            &[
                "sync",
                "cart-purchase-transactions",
                cart_purchase_transaction_uuid,
                "license-purchase-transactions",
                license_purchase_transaction_uuid,
                "binaries",
            ],
        )?;
        self.api_get("get license purchase transaction binaries", url, &[])
            .await
    }

    /// The `auth` value of a `pusher:subscribe` to `channel` on the Pusher connection
    /// `socket_id` (`{app_key}:{signature}`), from Smint.io's channel auth endpoint, with
    /// this client's bearer token (refreshed on 401/403 like every call). The value is a
    /// credential for that socket: do not log it.
    pub async fn authorize_pusher_channel(
        &self,
        socket_id: &str,
        channel: &str,
    ) -> Result<String, Error> {
        const OPERATION: Operation = "authorize the Pusher channel";
        // DOC (SDK source, PusherService): POST {clapi}/notifications/pusher/auth, called
        // by the Pusher client's HTTP authorizer, so the body is its form
        // `socket_id=..&channel_name=..` and the answer `{"auth": ".."}` (Pusher's
        // authorizer contract; Smint.io documents neither).
        let url = endpoint(
            &self.inner.config.clapi_url,
            &["notifications", "pusher", "auth"],
        )?;
        let form = [("socket_id", socket_id), ("channel_name", channel)];
        let timeout = self.inner.config.timeout;
        let answer: PusherChannelAuth = with_retry(&self.inner.config.retry, || async {
            let response = self
                .authorized(OPERATION, |token| {
                    self.inner
                        .http
                        .post(url.clone())
                        .form(&form)
                        .bearer_auth(token.value.expose_secret())
                        .timeout(timeout)
                })
                .await?;
            decode_json(OPERATION, response).await
        })
        .await?;
        Ok(answer.auth)
    }

    async fn api_get<T: DeserializeOwned>(
        &self,
        operation: Operation,
        url: Url,
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        let timeout = self.inner.config.timeout;
        with_retry(&self.inner.config.retry, || async {
            let response = self
                .authorized(operation, |token| {
                    self.inner
                        .http
                        .get(url.clone())
                        .query(query)
                        .bearer_auth(token.value.expose_secret())
                        .timeout(timeout)
                })
                .await?;
            decode_json(operation, response).await
        })
        .await
    }

    /// Send with the cached access token; on 401/403 refresh it and try exactly once more,
    /// as the SDKs do.
    async fn authorized(
        &self,
        operation: Operation,
        build: impl Fn(&IssuedToken) -> RequestBuilder,
    ) -> Result<Response, Error> {
        let token = self.inner.auth.token(&self.inner.http).await?;
        match send(operation, build(&token)).await {
            Err(err) if err.is_auth_refused() => {
                tracing::debug!(error.message = %err, "access token refused; refreshing once");
                self.inner.auth.refused(&token).await;
                let token = self.inner.auth.token(&self.inner.http).await?;
                send(operation, build(&token)).await
            }
            other => other,
        }
    }
}

/// The channel auth endpoint's answer. No `Debug`: `auth` is a credential.
#[derive(Deserialize)]
struct PusherChannelAuth {
    auth: String,
}
