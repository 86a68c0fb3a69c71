//! Bearer tokens, compared in constant time (a timing difference must not reveal how much
//! of a guess was right). Every token is compared, so the time does not depend on which
//! one matched either.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::AdminState;
use crate::problem::Problem;

pub struct Tokens(Vec<Vec<u8>>);

impl Tokens {
    pub fn new(tokens: impl IntoIterator<Item = String>) -> Self {
        Self(
            tokens
                .into_iter()
                .filter(|t| !t.is_empty())
                .map(String::into_bytes)
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` is one of the tokens.
    pub fn accepts(&self, presented: &[u8]) -> bool {
        self.which(presented).is_some()
    }

    /// Which token `presented` is (1 for the first configured), comparing every one. The
    /// console names an operator by it: a number says which token acted without
    /// revealing any part of it.
    pub fn which(&self, presented: &[u8]) -> Option<usize> {
        let mut found = subtle::CtOption::new(0u64, subtle::Choice::from(0u8));
        for (index, token) in self.0.iter().enumerate() {
            let matched = token.as_slice().ct_eq(presented);
            let number = u64::try_from(index + 1).unwrap_or(u64::MAX);
            found = subtle::CtOption::new(number, matched).or_else(|| found);
        }
        Option::<u64>::from(found).and_then(|n| usize::try_from(n).ok())
    }
}

/// 401 unless `Authorization: Bearer <token>` names an accepted token.
pub async fn require_token(
    State(state): State<AdminState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer_token(v.as_bytes()));
    match presented {
        Some(token) if state.tokens.accepts(token) => next.run(request).await,
        Some(_) => Problem::unauthorized("the bearer token is not accepted").into_response(),
        None => Problem::unauthorized("send Authorization: Bearer <token>").into_response(),
    }
}

/// The token of a `Bearer` credential. The scheme is case-insensitive (RFC 9110 §11.1:
/// `BEARER` is as good as `Bearer`); spaces separate it from the token.
fn bearer_token(credentials: &[u8]) -> Option<&[u8]> {
    let space = credentials.iter().position(|&b| b == b' ')?;
    let (scheme, token) = credentials.split_at(space);
    scheme
        .eq_ignore_ascii_case(b"bearer")
        .then(|| token.trim_ascii())
}
