//! CORS (`api.md` 3.5): an exact-match allowlist of origins from configuration, never "allow
//! all".
//!
//! Requests whose `Origin` is listed go through tower-http's [`CorsLayer`] with the specified
//! methods, headers, credentials and max-age. Everything else bypasses it, because tower-http
//! adds `Access-Control-Allow-Credentials` and `Access-Control-Expose-Headers` whatever the
//! origin, and answers every `OPTIONS` itself: here a preflight from an unlisted (or absent)
//! origin is refused with 403 and the JSON error body, and a simple request from one is served
//! normally with no `Access-Control-*` header at all.

use crate::error::ApiError;
use crate::policy::X_ACTIVE_ROLE;
use crate::request_id::X_REQUEST_ID;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The configured allowlist and the layer that answers listed origins.
#[derive(Clone)]
pub struct CorsPolicy {
    origins: Vec<HeaderValue>,
    layer: CorsLayer,
}

impl std::fmt::Debug for CorsPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsPolicy")
            .field("origins", &self.origins)
            .finish_non_exhaustive()
    }
}

impl Default for CorsPolicy {
    /// No origin is allowed: no cross-origin access at all.
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl CorsPolicy {
    /// Origins are compared byte for byte with the request's `Origin` (browsers send
    /// `scheme://host[:port]` in lower case, without a path); the configuration checks their
    /// shape. Values that cannot be a header value could never match and are dropped.
    pub fn new(origins: Vec<String>) -> Self {
        let origins: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        let layer = CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.clone()))
            .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                X_ACTIVE_ROLE.clone(),
                X_REQUEST_ID.clone(),
            ])
            .expose_headers([
                X_REQUEST_ID.clone(),
                header::RETRY_AFTER,
                HeaderName::from_static("ratelimit-limit"),
                HeaderName::from_static("ratelimit-remaining"),
                HeaderName::from_static("ratelimit-reset"),
                header::CONTENT_DISPOSITION,
            ])
            .allow_credentials(true)
            .max_age(PREFLIGHT_MAX_AGE);
        CorsPolicy { origins, layer }
    }

    fn allows(&self, origin: Option<&HeaderValue>) -> bool {
        origin.is_some_and(|o| self.origins.iter().any(|allowed| allowed == o))
    }
}

/// A CORS preflight: `OPTIONS` asking which method the real request may use.
fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Middleware: see the module documentation.
pub async fn cors(State(policy): State<Arc<CorsPolicy>>, request: Request, next: Next) -> Response {
    if policy.allows(request.headers().get(header::ORIGIN)) {
        return match policy.layer.layer(next).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    if is_preflight(&request) {
        return ApiError::Forbidden.into_response();
    }
    let mut response = next.run(request).await;
    // The answer depends on the origin (listed ones get CORS headers): shared caches must
    // not hand this one to a listed origin.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("origin"));
    response
}
