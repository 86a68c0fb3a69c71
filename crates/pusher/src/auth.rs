//! Channel authorization: a private channel's `pusher:subscribe` carries
//! `auth = "{app_key}:{signature}"`, which only the app's server can compute. Smint.io's
//! is its CLAPI-C route `POST /consumer/v1/notifications/pusher/auth`, called with the
//! tenant's bearer token; the Smint.io client implements that call, and [`FnAuth`] turns
//! it into a [`ChannelAuth`] without this crate depending on the Smint.io client.

use std::future::Future;

use futures::future::BoxFuture;

/// Any error, as an authorizer's cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Gets the `auth` value of a `pusher:subscribe` for one connection (`socket_id`) and one
/// channel. The value is a credential for that socket: never log it.
pub trait ChannelAuth: Send + Sync + 'static {
    fn authorize(&self, socket_id: &str, channel: &str)
    -> BoxFuture<'_, Result<String, AuthError>>;
}

/// Why no `auth` value came.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The authorizer said no (e.g. 4xx: a bad token, another tenant's channel): asking
    /// again will not help, so the client gives up.
    #[error("channel authorization refused")]
    Refused(#[source] BoxError),
    /// It could not answer now (timeout, 5xx, unreachable): the client reconnects after
    /// `reconnect_after_error` and asks again.
    #[error("channel authorization unavailable")]
    Unavailable(#[source] BoxError),
}

impl AuthError {
    /// `Unavailable` when `transient`, else `Refused`, for authorizers whose errors say
    /// whether retrying helps (as the Smint.io client's `Error::is_transient` does).
    pub fn classified(transient: bool, source: impl Into<BoxError>) -> Self {
        if transient {
            Self::Unavailable(source.into())
        } else {
            Self::Refused(source.into())
        }
    }
}

/// A [`ChannelAuth`] from a closure `(socket_id, channel) -> impl Future<Output =
/// Result<String, AuthError>>`. The arguments are owned so the future can outlive the
/// call, e.g. with a cloned API client moved in (production: the Smint.io client's
/// `authorize_pusher_channel`, its `Error::is_transient` choosing the variant):
///
/// ```
/// use assetrelay_pusher::{AuthError, FnAuth};
/// # #[derive(Clone)] struct Client;
/// # impl Client {
/// #     async fn authorize(&self, _: &str, _: &str) -> Result<String, std::io::Error> { Ok("k:s".into()) }
/// # }
/// let client = Client;
/// let auth = FnAuth::new(move |socket_id: String, channel: String| {
///     let client = client.clone();
///     async move {
///         client
///             .authorize(&socket_id, &channel)
///             .await
///             .map_err(|e| AuthError::classified(false, e))
///     }
/// });
/// ```
pub struct FnAuth<F> {
    authorize: F,
}

impl<F> FnAuth<F> {
    pub fn new(authorize: F) -> Self {
        Self { authorize }
    }
}

impl<F, Fut> ChannelAuth for FnAuth<F>
where
    F: Fn(String, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, AuthError>> + Send + 'static,
{
    fn authorize(
        &self,
        socket_id: &str,
        channel: &str,
    ) -> BoxFuture<'_, Result<String, AuthError>> {
        Box::pin((self.authorize)(socket_id.to_owned(), channel.to_owned()))
    }
}

impl<F> std::fmt::Debug for FnAuth<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnAuth").finish_non_exhaustive()
    }
}
