//! The HTTP layer (axum): routes, the JSON error body, request ids, security headers and
//! request logging.
//!
//! Architecture invariant: handlers call use cases of `la-app` and never touch SQL or
//! adapters; this crate owns only the wire envelope, error mapping and request types.

pub mod error;
pub mod middleware;
pub mod request_id;
mod routes;
pub mod stats;

pub use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use la_app::system::SystemService;
use stats::RequestStats;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Bodies above 64 KiB are refused with 413 (`api.md` 1.1); ingestion routes raise it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What handlers share: the use-case services, never a raw pool.
#[derive(Clone)]
pub struct AppState {
    pub system: SystemService,
    pub stats: Arc<RequestStats>,
}

impl AppState {
    pub fn new(system: SystemService) -> Self {
        Self {
            system,
            stats: Arc::new(RequestStats::default()),
        }
    }
}

/// The complete application router with every layer applied.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(routes::system::health))
        .route("/api/status", get(routes::system::status))
        .fallback(|| async { error::ApiError::NotFound })
        .with_state(state.clone());

    let mut router = api.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(request_id::assign_request_id))
            .layer(axum::middleware::from_fn_with_state(
                state.stats.clone(),
                stats::record_request,
            ))
            .layer(TraceLayer::new_for_http().make_span_with(middleware::request_span))
            .layer(axum::middleware::from_fn(middleware::json_error_bodies))
            .layer(CatchPanicLayer::custom(middleware::panic_response))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)),
    );
    // Outermost, so that every response gets them, including those made by the layers above.
    router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    for (name, value) in middleware::security_headers() {
        router = router.layer(SetResponseHeaderLayer::overriding(name, value));
    }
    router
}

/// Serves `router` on an already bound listener until `shutdown` resolves, then lets
/// in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
