//! The one error type of the HTTP layer and its JSON body (`api.md` 1.5):
//! `{error, message, validation?, requestId, retryAfter?}`.

use crate::request_id::current_request_id;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use la_app::ports::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(BTreeMap<String, String>),
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("X-Active-Role required")]
    ActiveRoleRequired,
    #[error("role not assigned")]
    RoleNotAssigned,
    #[error("peer group below k")]
    InsufficientPeerGroup,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("rate limit exceeded")]
    RateLimited { retry_after: u64 },
    /// J2 on a job that is not pending (`api.md` 2.10).
    #[error("job not cancellable")]
    JobNotCancellable,
    #[error("service unavailable")]
    Unavailable,
    /// An integration slug outside `api.md` 2.11; the body lists the valid ones.
    #[error("unknown integration service")]
    ServiceNotFound { available: Vec<&'static str> },
    /// I3 failed (`api.md` 2.11): the body adds the fields of `extra` (service, testType,
    /// result, details, fallback) next to the common ones.
    #[error("integration test failed")]
    TestFailed {
        message: String,
        extra: Box<serde_json::Map<String, serde_json::Value>>,
    },
    /// Anything unexpected; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<&'a BTreeMap<String, String>>,
    request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    /// Endpoint-specific fields (`availableServices`, test-failure details; `api.md` 1.5).
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(BTreeMap::from([(field.into(), message.into())]))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Validation(_) | ApiError::BadRequest(_) => {
                (StatusCode::BAD_REQUEST, "VALIDATION_ERROR")
            }
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS"),
            ApiError::InvalidRefreshToken => (StatusCode::UNAUTHORIZED, "INVALID_REFRESH_TOKEN"),
            ApiError::ActiveRoleRequired => (StatusCode::BAD_REQUEST, "ACTIVE_ROLE_REQUIRED"),
            ApiError::RoleNotAssigned => (StatusCode::FORBIDDEN, "ROLE_NOT_ASSIGNED"),
            ApiError::InsufficientPeerGroup => {
                (StatusCode::UNPROCESSABLE_ENTITY, "INSUFFICIENT_PEER_GROUP")
            }
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "FORBIDDEN"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_EXCEEDED"),
            ApiError::JobNotCancellable => (StatusCode::CONFLICT, "JOB_NOT_CANCELLABLE"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
            ApiError::ServiceNotFound { .. } => (StatusCode::NOT_FOUND, "SERVICE_NOT_FOUND"),
            ApiError::TestFailed { .. } => (StatusCode::BAD_REQUEST, "TEST_FAILED"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Validation(_) => "The request is invalid; see `validation`.".to_owned(),
            ApiError::BadRequest(message) => message.clone(),
            ApiError::Unauthorized => "A valid access token is required.".to_owned(),
            ApiError::InvalidCredentials => "The email or password is incorrect.".to_owned(),
            ApiError::InvalidRefreshToken => {
                "The refresh token is invalid, expired or already used.".to_owned()
            }
            ApiError::ActiveRoleRequired => {
                "The X-Active-Role header is required on this endpoint.".to_owned()
            }
            ApiError::RoleNotAssigned => "You do not hold the requested active role.".to_owned(),
            ApiError::InsufficientPeerGroup => {
                "The peer group is smaller than 10 people; no comparison can be shown.".to_owned()
            }
            ApiError::Forbidden => "You may not access this resource.".to_owned(),
            ApiError::NotFound => "The requested resource does not exist.".to_owned(),
            ApiError::MethodNotAllowed => "This method is not allowed on this path.".to_owned(),
            ApiError::PayloadTooLarge => "The request body is too large.".to_owned(),
            ApiError::UnsupportedMediaType => {
                "The request body must be application/json.".to_owned()
            }
            ApiError::RateLimited { retry_after } => {
                format!("Too many requests; retry in {retry_after} seconds.")
            }
            ApiError::JobNotCancellable => "Only a pending job can be cancelled.".to_owned(),
            ApiError::Unavailable => "The service is temporarily unavailable.".to_owned(),
            ApiError::ServiceNotFound { .. } => {
                "No such integration service; see `availableServices`.".to_owned()
            }
            ApiError::TestFailed { message, .. } => message.clone(),
            ApiError::Internal(_) => "An unexpected error occurred.".to_owned(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<la_app::jobs::service::JobsError> for ApiError {
    fn from(error: la_app::jobs::service::JobsError) -> Self {
        use la_app::jobs::service::JobsError;
        match error {
            JobsError::NotFound => ApiError::NotFound,
            JobsError::NotCancellable => ApiError::JobNotCancellable,
            JobsError::Store(e) => e.into(),
        }
    }
}

impl From<la_app::auth::AuthError> for ApiError {
    fn from(error: la_app::auth::AuthError) -> Self {
        use la_app::auth::AuthError;
        match error {
            AuthError::InvalidCredentials => ApiError::InvalidCredentials,
            AuthError::InvalidRefreshToken => ApiError::InvalidRefreshToken,
            AuthError::Unauthorized => ApiError::Unauthorized,
            AuthError::AccountDisabled => ApiError::Forbidden,
            AuthError::Store(e) => e.into(),
            AuthError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let validation = match &self {
            ApiError::Validation(fields) => Some(fields),
            _ => None,
        };
        let retry_after = match self {
            ApiError::RateLimited { retry_after } => Some(retry_after),
            _ => None,
        };
        let extra = match &self {
            ApiError::ServiceNotFound { available } => serde_json::Map::from_iter([(
                "availableServices".to_owned(),
                serde_json::Value::from(available.clone()),
            )]),
            ApiError::TestFailed { extra, .. } => (**extra).clone(),
            // `api.md` 2.9 (S3) names the moment as well as the wait; every 429 gives both.
            ApiError::RateLimited { retry_after } => {
                let now = chrono::Utc::now();
                let wait = i64::try_from(*retry_after)
                    .ok()
                    .and_then(chrono::Duration::try_seconds)
                    .unwrap_or_default();
                let at = now.checked_add_signed(wait).unwrap_or(now);
                serde_json::Map::from_iter([(
                    "nextAllowedAt".to_owned(),
                    serde_json::Value::from(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                )])
            }
            _ => serde_json::Map::new(),
        };
        let message = self.message();
        let body = ErrorBody {
            error: code,
            message: &message,
            validation,
            request_id: current_request_id(),
            retry_after,
            extra,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
