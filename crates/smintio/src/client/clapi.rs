//! CLAPI-C calls: generic metadata, the license-purchase-transaction feed and the binaries
//! of a transaction.
//!
//! Only the generated-client method names are public; the HTTP paths below are ASSUMED
//! (contract) and must be confirmed against Smint.io's OpenAPI YAML (under NDA).

use reqwest::{RequestBuilder, Response};
use secrecy::ExposeSecret;
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
