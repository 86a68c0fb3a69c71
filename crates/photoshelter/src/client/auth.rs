//! v3 token login: `POST /psapi/v3/mem/authenticate` with `mode=token` [DOC `S-auth`], the
//! token read at `data.token` [CLIENT `S-drupal`, `S-R`, `S-ts`], then
//! `POST /psapi/v3/mem/organization/{org_id}/authenticate` [DOC path; POST as in CLIENT
//! `S-ts`, others use GET]. The token is sent as `X-PS-Auth-Token` \[CLIENT\] on v3 and v4
//! calls; that a v3 token is accepted by v4 endpoints is ASSUMED (research §1.2).

use std::sync::atomic::Ordering;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::config::Auth;
use super::error::Error;
use super::transport::{Api, dispatch, finish, secret_header};
use super::{Client, Result, checked_id};

const LOGIN: &str = "POST /psapi/v3/mem/authenticate";
const ORG_LOGIN: &str = "POST /psapi/v3/mem/organization/{org_id}/authenticate";
const LOGOUT: &str = "POST /psapi/v3/mem/authenticate/logout";

/// The current login. `generation` increases with every login, so concurrent calls that
/// all got a 401 with the same token log in only once.
#[derive(Default)]
pub(crate) struct Session {
    token: Option<SecretString>,
    generation: u64,
}

impl Client {
    /// The current token, logging in first when there is none.
    pub(crate) async fn token(&self) -> Result<(u64, SecretString)> {
        let mut session = self.session.lock().await;
        if session.token.is_none() {
            self.login(&mut session).await?;
        }
        match &session.token {
            Some(token) => Ok((session.generation, token.clone())),
            None => Err(Error::config("login produced no token")),
        }
    }

    /// Logs in again after a 401, unless another call already did since `seen`.
    pub(crate) async fn relogin(&self, seen: u64) -> Result<()> {
        let mut session = self.session.lock().await;
        if session.generation == seen {
            session.token = None;
            self.login(&mut session).await?;
        }
        Ok(())
    }

    /// Ends the login session, if there is one: PhotoShelter caps a user's concurrent
    /// sessions (research §1.2), so a stopping process gives its session back rather than
    /// leaving it to time out [CLIENT `S-ws` path]. Best effort: the caller logs a failure.
    /// Nothing to do with OAuth (the token is not a session).
    pub async fn logout(&self) -> Result<()> {
        let mut session = self.session.lock().await;
        let Some(token) = session.token.take() else {
            return Ok(());
        };
        session.generation += 1;
        let request = self
            .http
            .post(self.url("/psapi/v3/mem/authenticate/logout"))
            .timeout(self.config.timeout)
            .header("X-PS-Api-Key", self.api_key_header(Api::V3)?)
            .header("X-PS-Auth-Token", secret_header(&token)?);
        let response = dispatch(LOGOUT, request).await?;
        finish(LOGOUT, response).await?;
        tracing::debug!("logged out of PhotoShelter");
        Ok(())
    }

    async fn login(&self, session: &mut Session) -> Result<()> {
        let Auth::Token {
            email,
            password,
            org_id,
        } = &self.config.auth
        else {
            return Err(Error::config("token login without token credentials"));
        };
        let org_id = checked_id("organization", org_id)?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        let key = self.api_key_header(Api::V3)?;

        let login = self
            .http
            .post(self.url("/psapi/v3/mem/authenticate"))
            .timeout(self.config.timeout)
            .header("X-PS-Api-Key", key.clone())
            .form(&[
                ("email", email.as_str()),
                ("password", password.expose_secret()),
                ("mode", "token"),
            ]);
        let response = dispatch(LOGIN, login).await?;
        let data = finish(LOGIN, response).await?.v3_data(LOGIN)?;
        let token = data.get("token").and_then(Value::as_str).ok_or_else(|| {
            Error::missing(
                LOGIN,
                reqwest::StatusCode::OK,
                "no data.token in the answer",
            )
        })?;
        let token = SecretString::from(token.to_owned());

        let org_login = self
            .http
            .post(self.url(&format!("/psapi/v3/mem/organization/{org_id}/authenticate")))
            .timeout(self.config.timeout)
            .header("X-PS-Api-Key", key)
            .header("X-PS-Auth-Token", secret_header(&token)?);
        let response = dispatch(ORG_LOGIN, org_login).await?;
        finish(ORG_LOGIN, response).await?.v3_data(ORG_LOGIN)?;

        session.token = Some(token);
        session.generation += 1;
        tracing::debug!(generation = session.generation, "logged in to PhotoShelter");
        Ok(())
    }
}
