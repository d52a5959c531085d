//! IN1, IN2: push ingestion (spec README decisions 2 and 11), `POST` and `DELETE`
//! `/api/v1/ingest/{entity}`.
//!
//! Two kinds of caller: an upstream presenting an ingest key as its bearer token, or a
//! platform admin with an access token (and `X-Active-Role: platform-admin`, as on every
//! role-checked route). A key is tried first: it is not a JWT, so the token checks would only
//! refuse it. The use case validates everything and writes all or nothing.

use crate::AppState;
use crate::error::ApiError;
use crate::json::require_json;
use crate::limits;
use crate::policy::{Caller, bearer_token};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use la_app::ingest::IngestError;

/// Largest ingestion body (decision 2); other routes keep [`crate::MAX_BODY_BYTES`].
pub const MAX_INGEST_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Who is pushing.
#[derive(Debug)]
pub enum IngestCaller {
    /// An upstream holding the ingest key of this name.
    Key(String),
    /// A platform admin.
    Admin(Box<Caller>),
}

impl IngestCaller {
    /// For the logs: the key's name or the pseudonymous user id.
    fn describe(&self) -> String {
        match self {
            IngestCaller::Key(name) => format!("key:{name}"),
            IngestCaller::Admin(caller) => format!("user:{}", caller.principal.claims.sub),
        }
    }
}

impl FromRequestParts<AppState> for IngestCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key_name = bearer_token(parts)
            .and_then(|token| state.ingest.key_name(token))
            .map(str::to_owned);
        if let Some(name) = key_name {
            limits::check_ingest_key(state, &name, parts)?;
            tracing::Span::current().record("user", tracing::field::display(&name));
            return Ok(IngestCaller::Key(name));
        }
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(IngestCaller::Admin(Box::new(caller)))
    }
}

fn to_api_error(error: IngestError) -> ApiError {
    match error {
        IngestError::UnknownEntity(_) => ApiError::NotFound,
        IngestError::Invalid { .. } => ApiError::Validation(error.validation_map()),
        IngestError::Store(e) => ApiError::from(e),
    }
}

/// IN1 `POST /api/v1/ingest/{entity}` with `{"records": [...]}`.
pub async fn push(
    caller: IngestCaller,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_json(&headers)?;
    let outcome = state
        .ingest
        .ingest(&entity, &body)
        .await
        .map_err(to_api_error)?;
    tracing::info!(
        caller = %caller.describe(),
        entity = %entity,
        received = outcome.received,
        inserted = outcome.inserted,
        updated = outcome.updated,
        unchanged = outcome.unchanged,
        "ingested"
    );
    Ok(Json(outcome).into_response())
}

/// IN2 `DELETE /api/v1/ingest/{entity}` with `{"keys": [...]}`.
pub async fn delete(
    caller: IngestCaller,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_json(&headers)?;
    let outcome = state
        .ingest
        .delete(&entity, &body)
        .await
        .map_err(to_api_error)?;
    tracing::info!(
        caller = %caller.describe(),
        entity = %entity,
        received = outcome.received,
        deleted = outcome.deleted,
        "deleted ingested records"
    );
    Ok(Json(outcome).into_response())
}
