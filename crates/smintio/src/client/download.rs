//! Streaming a binary's `download_url` (research §1.1 "Binary downloads").
//!
//! The URL is pre-signed and valid for up to one hour, so it is fetched without
//! credentials first (.NET SDK). The SDKs disagree on auth (Java sends a Bearer token to
//! `*.smint.io` hosts), so on 401/403 we retry once with our Bearer token, but only to a
//! Smint.io host or to the configured CLAPI-C origin: a URL from a response must never
//! make us hand our token to a third party. Bodies are streamed, never buffered whole.

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::Response;
use secrecy::ExposeSecret;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use url::Url;

use super::SmintioClient;
use super::error::Error;
use super::http::{send, with_retry};

const OPERATION: &str = "download binary";

impl SmintioClient {
    /// Stream the binary at `download_url` into `sink`; returns the number of bytes written.
    /// A failure after the first byte leaves a partial file for the caller to discard.
    pub async fn download_binary_to<W>(
        &self,
        download_url: &str,
        sink: &mut W,
    ) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let mut body = std::pin::pin!(self.download_binary(download_url).await?);
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            sink.write_all(&chunk).await.map_err(|source| Error::Sink {
                operation: OPERATION,
                source,
            })?;
            written += chunk.len() as u64;
        }
        sink.flush().await.map_err(|source| Error::Sink {
            operation: OPERATION,
            source,
        })?;
        Ok(written)
    }

    /// The binary at `download_url` as a stream of chunks.
    pub async fn download_binary(
        &self,
        download_url: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, Error>> + Send + 'static, Error> {
        let url = Url::parse(download_url)
            .map_err(|_| Error::Config("download_url is not a URL".into()))?;
        let response = with_retry(&self.inner.config.retry, || self.open(&url)).await?;
        Ok(response
            .bytes_stream()
            .map_err(|e| Error::from_reqwest(OPERATION, e)))
    }

    async fn open(&self, url: &Url) -> Result<Response, Error> {
        let timeout = self.inner.config.download_timeout;
        let request = || self.inner.http.get(url.clone()).timeout(timeout);
        match send(OPERATION, request()).await {
            Err(err) if err.is_auth_refused() && self.may_send_token_to(url) => {
                tracing::debug!(error.message = %err, "pre-signed download refused; retrying with Bearer");
                self.authorized(OPERATION, |token| {
                    request().bearer_auth(token.value.expose_secret())
                })
                .await
            }
            other => other,
        }
    }

    /// Smint.io hosts (as the Java SDK decides) and the configured CLAPI-C origin.
    fn may_send_token_to(&self, url: &Url) -> bool {
        let host = url.host_str().unwrap_or_default();
        let smint_host =
            url.scheme() == "https" && (host == "smint.io" || host.ends_with(".smint.io"));
        smint_host || url.origin() == self.inner.config.clapi_url.origin()
    }
}
