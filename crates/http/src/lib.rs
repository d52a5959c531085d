//! The HTTP layer (axum): routes, the JSON error body, request ids, security headers and
//! request logging.
//!
//! Architecture invariant: handlers call use cases of `la-app` and never touch SQL or
//! adapters; this crate owns only the wire envelope, error mapping and request types.

pub mod cors;
pub mod envelope;
pub mod error;
pub mod json;
pub mod limits;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod policy;
pub mod request_id;
mod routes;
pub mod stats;

pub use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use la_app::analytics::read::AnalyticsReader;
use la_app::auth::AuthService;
use la_app::ingest::IngestService;
use la_app::preferences::PreferenceService;
use la_app::system::SystemService;
use limits::RateLimits;
use stats::RequestStats;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Bodies above 64 KiB are refused with 413 (`api.md` 1.1); ingestion routes raise it to
/// [`MAX_INGEST_BODY_BYTES`].
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub use routes::ingest::MAX_INGEST_BODY_BYTES;

/// What handlers share: the use-case services, never a raw pool.
///
/// A handle: axum clones the state for every layer and handler of every request, so the
/// services sit behind one `Arc` and a clone is one reference-count increment. (Cloned by
/// value, the services' caches and channels cost a sixth of the server's time per cached
/// read.)
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// The services behind [`AppState`]; handlers reach them through `Deref`.
#[derive(Clone)]
pub struct Services {
    pub system: SystemService,
    pub auth: AuthService,
    pub analytics: AnalyticsReader,
    pub ingest: IngestService,
    pub preferences: PreferenceService,
    pub limits: Arc<RateLimits>,
    pub stats: Arc<RequestStats>,
    pub metrics: Arc<metrics::Metrics>,
    /// The CORS allowlist (`api.md` 3.5); empty unless set with [`AppState::with_cors_origins`].
    pub cors: Arc<cors::CorsPolicy>,
    /// Manual refresh and job status (S3, J1, J2); `None` answers 503.
    pub jobs: Option<la_app::jobs::service::JobsService>,
    /// The upstream registry behind I1-I6 (`api.md` 2.11); `None` answers 503.
    pub integration: Option<Arc<la_upstream::Upstreams>>,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl AppState {
    pub fn new(
        system: SystemService,
        auth: AuthService,
        analytics: AnalyticsReader,
        ingest: IngestService,
        preferences: PreferenceService,
        limits: RateLimits,
    ) -> Self {
        // The reader reports cache hits, misses and computations to this state's registry.
        let metrics = Arc::new(metrics::Metrics::new());
        let analytics = analytics.with_observer(metrics.clone());
        Self(Arc::new(Services {
            system,
            auth,
            analytics,
            ingest,
            preferences,
            limits: Arc::new(limits),
            stats: Arc::new(RequestStats::default()),
            metrics,
            cors: Arc::new(cors::CorsPolicy::default()),
            jobs: None,
            integration: None,
        }))
    }

    /// The services to change while the state is being built (copied if already shared).
    fn services_mut(&mut self) -> &mut Services {
        Arc::make_mut(&mut self.0)
    }

    /// Serves S3, J1 and J2 through this service.
    pub fn with_jobs(mut self, jobs: la_app::jobs::service::JobsService) -> Self {
        self.services_mut().jobs = Some(jobs);
        self
    }

    /// Serves I1-I6 from this registry (the one `serve` builds from the settings).
    pub fn with_integration(mut self, upstreams: Arc<la_upstream::Upstreams>) -> Self {
        self.services_mut().integration = Some(upstreams);
        self
    }

    /// Allows cross-origin requests from exactly these origins.
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.services_mut().cors = Arc::new(cors::CorsPolicy::new(origins));
        self
    }
}

/// The handler of each route of [`policy::ROUTES`], by route id.
fn handler(id: &str) -> MethodRouter<AppState> {
    use routes::{analytics, auth, ingest, preferences, recommendations, system};
    match id {
        "S1" => get(system::health),
        "S2" => get(system::status),
        "A1" => post(auth::login),
        "A2" => post(auth::refresh),
        "A3" => get(auth::me),
        "A4" => post(auth::logout),
        "L1" | "L2" | "L3" | "L4" | "L5" | "L6" | "T1" | "T2" | "T3" | "T4" | "O1" | "O2"
        | "O3" | "O4" => get(analytics::windowed),
        "L7" => get(analytics::learner_overview),
        "T5" => get(analytics::trainer_overview),
        "O5" => get(analytics::organization_overview),
        "C1" | "P1" | "P2" | "P3" => get(analytics::learner_comparison),
        "C2" => get(analytics::skill_demand),
        "G1" | "G2" | "G4" => get(analytics::gamification),
        "G3" => get(analytics::leaderboard),
        "G5" => put(preferences::put),
        "P4" => patch(recommendations::patch),
        "IN1" => post(ingest::push),
        "IN2" => delete(ingest::delete),
        "D-OAS" => get(openapi::openapi_json),
        "D-DOCS" => get(openapi::docs),
        "M1" => get(metrics::scrape),
        "S3" => post(routes::jobs::refresh),
        "J1" => get(routes::jobs::status),
        "J2" => post(routes::jobs::cancel),
        "I1" => get(routes::integration::health),
        "I2" => get(routes::integration::service_status),
        "I3" => post(routes::integration::test),
        "I4" => get(routes::integration::mock_data),
        "I5" => post(routes::integration::reset),
        "I6" => get(routes::integration::metrics),
        other => unreachable!("route {other} has no handler"),
    }
}

/// The complete application router with every layer applied.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    for spec in policy::ROUTES {
        let mut route = handler(spec.id);
        if spec.limit == policy::LimitClass::System {
            route = route.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                routes::system::ip_limit,
            ));
        }
        if spec.limit == policy::LimitClass::IntegrationStatus {
            route = route.route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                routes::integration::ip_limit,
            ));
        }
        // Per route, so that ingestion alone takes large bodies; both the declared length
        // (tower-http) and the bytes read (axum's extractors) are bounded.
        let body_limit = if spec.limit == policy::LimitClass::Ingest {
            MAX_INGEST_BODY_BYTES
        } else {
            MAX_BODY_BYTES
        };
        route = route
            .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(body_limit))
            .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(body_limit));
        api = api.route(spec.path, route);
    }
    let api = api
        .fallback(|| async { error::ApiError::NotFound })
        .with_state(state.clone());

    let mut router = api.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(request_id::assign_request_id))
            .layer(axum::middleware::from_fn_with_state(
                state.stats.clone(),
                stats::record_request,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.metrics.clone(),
                metrics::track,
            ))
            .layer(TraceLayer::new_for_http().make_span_with(middleware::request_span))
            // Inside the request id (a refused preflight's body names it) and outside every
            // response producer, so that errors read by a listed origin carry CORS headers.
            .layer(axum::middleware::from_fn_with_state(
                state.cors.clone(),
                cors::cors,
            ))
            .layer(axum::middleware::from_fn(middleware::json_error_bodies))
            .layer(axum::middleware::from_fn(limits::rate_limit_headers))
            .layer(CatchPanicLayer::custom(middleware::panic_response)),
    );
    // Outermost, so that every response gets them, including those made by the layers above.
    router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    // `if_not_present`: the docs page (D-DOCS) sets its own, looser CSP; no other handler
    // sets these headers.
    for (name, value) in middleware::security_headers() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
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
    // The peer address keys the IP rate limits.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
