//! Cross-cutting layers: security and cache headers, JSON bodies for errors produced
//! outside handlers, panic recovery and request logging.

use crate::error::ApiError;
use crate::request_id::RequestId;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;

/// Response headers every response carries (`api.md` 3.5). HSTS is added by the TLS
/// terminator in front of the service, since this process serves plain HTTP.
pub fn security_headers() -> [(HeaderName, HeaderValue); 5] {
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ),
    ]
}

/// Errors produced by the framework or by tower layers (unknown route, wrong method, body
/// limit, axum's own extractor rejections) come with plain-text bodies; give them the JSON
/// error body of `api.md` 1.5 so that clients see one format.
pub async fn json_error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
        s if s.is_client_error() => ApiError::BadRequest("The request is invalid.".to_owned()),
        s => ApiError::Internal(format!("unexpected {s} without a body")),
    };
    let (parts, _) = response.into_parts();
    let mut rebuilt = error.into_response();
    *rebuilt.status_mut() = parts.status;
    // Keep informative headers such as `Allow` on 405.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().insert(name, value.clone());
        }
    }
    rebuilt
}

/// Turns a panic in a handler into a 500 with the JSON body; the server keeps serving.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    ApiError::Internal(format!("handler panicked: {detail}")).into_response()
}

/// The span of one request: route template (not the raw URI, which may carry ids and
/// query values), method and request id; never headers or bodies.
pub fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.as_str())
        .unwrap_or("");
    if route == "/api/health" {
        tracing::debug_span!("request", method = %request.method(), route, request_id, user = tracing::field::Empty, role = tracing::field::Empty)
    } else {
        tracing::info_span!("request", method = %request.method(), route, request_id, user = tracing::field::Empty, role = tracing::field::Empty)
    }
}
