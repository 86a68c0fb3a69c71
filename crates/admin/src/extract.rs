//! axum's extractors with our rejection: a query, path or body the API cannot read is
//! answered with problem+json ([`Problem`]) instead of axum's `text/plain`.

use axum::extract::{FromRequest, FromRequestParts};

use crate::problem::Problem;

/// [`axum::Json`] whose rejection is a [`Problem`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Json<T>(pub T);

/// [`axum::extract::Query`] whose rejection is a [`Problem`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

/// [`axum::extract::Path`] whose rejection is a [`Problem`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);
