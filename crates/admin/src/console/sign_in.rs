//! `GET /sign-in`, `POST /sign-in`, `POST /sign-out`: a pasted admin token becomes a
//! session (see [`super::session`]); signing out ends it everywhere.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::error::ConsoleError;
use super::forms::Form;
use super::page::{bare_page, respond};
use super::session::{
    COOKIE, SECURE_COOKIE, Session, forwarded_https, hash, local_path, random_hex,
};
use crate::AdminState;

/// A wrong token is answered this much later, so guessing is slow.
const REFUSAL_DELAY: Duration = Duration::from_millis(300);

#[derive(Debug, serde::Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
}

/// `GET /sign-in`, and `GET /` without a session.
pub async fn sign_in_page(
    axum::extract::Query(query): axum::extract::Query<SignInQuery>,
) -> Response {
    sign_in_form(StatusCode::OK, query.next.as_deref(), None)
}

pub(super) fn sign_in_form(
    status: StatusCode,
    next: Option<&str>,
    error: Option<&str>,
) -> Response {
    respond(
        status,
        bare_page(
            "Sign in",
            html! {
                div.signin.card {
                    h1 { "assetrelay console" }
                    p.muted { "Paste one of the admin API tokens ([admin] tokens). It is checked once; the console then keeps you signed in with a session cookie." }
                    @if let Some(error) = error {
                        p.flash.error role="alert" { (error) }
                    }
                    form method="post" action="/sign-in" {
                        input type="hidden" name="next" value=(local_path(next));
                        label { "Admin token"
                            input type="password" name="token" autocomplete="off" required autofocus;
                        }
                        label { "Your name (for the action log)"
                            input type="text" name="name" maxlength="64" autocomplete="name";
                        }
                        div.actions { button type="submit" { "Sign in" } }
                    }
                }
            },
        ),
    )
}

/// `POST /sign-in`: the token, an optional name, the page to go back to.
pub async fn sign_in(State(state): State<AdminState>, headers: HeaderMap, form: Form) -> Response {
    let next = form.get("next");
    let token = form.get("token").unwrap_or_default();
    let Some(number) = state.tokens.which(token.trim().as_bytes()) else {
        tokio::time::sleep(REFUSAL_DELAY).await;
        return sign_in_form(
            StatusCode::UNAUTHORIZED,
            next,
            Some("That token is not accepted."),
        );
    };
    let name: String = form
        .get("name")
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let operator = if name.is_empty() {
        format!("token {number}")
    } else {
        format!("{name} (token {number})")
    };
    let id = random_hex();
    let csrf = random_hex();
    let ttl = state.console.session_ttl();
    if let Err(e) = state
        .store
        .open_console_session(&hash(&id), &operator, &csrf, ttl)
        .await
    {
        return ConsoleError::store("cannot open a session", &e).into_response();
    }
    super::actions::record(&state, &operator, "sign-in", None, "", "signed in").await;
    let secure = state.console.secure_cookie || forwarded_https(&headers);
    let cookie = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        if secure { SECURE_COOKIE } else { COOKIE },
        ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(&local_path(next)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /sign-out`: the session ends (on every replica) and the cookie is cleared.
pub async fn sign_out(
    State(state): State<AdminState>,
    axum::Extension(session): axum::Extension<Session>,
    form: Form,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form)?;
    state
        .store
        .close_console_session(&session.id_hash)
        .await
        .map_err(|e| ConsoleError::store("cannot end the session", &e))?;
    let mut response = Redirect::to("/sign-in").into_response();
    for name in [COOKIE, SECURE_COOKIE] {
        let secure = if name == SECURE_COOKIE {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
