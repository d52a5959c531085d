//! `GET /api/health` and `GET /api/status` (`api.md` 2.9).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use la_app::system::Health;
use serde::Serialize;

/// S1: liveness plus a database ping; 503 with the same body when unhealthy.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let report = state.system.health().await;
    let status = if report.is_serving() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Availability {
    Operational,
    Down,
}

#[derive(Serialize)]
struct StatusServices {
    auth: Availability,
    analytics: Availability,
    gamification: Availability,
    reports: Availability,
    integration: Availability,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusMetrics {
    requests_per_minute: u64,
    average_response_time: f64,
    error_rate: f64,
    active_users: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    service: String,
    status: &'static str,
    version: &'static str,
    timestamp: DateTime<Utc>,
    uptime: u64,
    environment: String,
    services: StatusServices,
    metrics: StatusMetrics,
}

/// S2: what is up, and how the last minute of traffic went.
pub async fn status(State(state): State<AppState>) -> impl IntoResponse {
    let health = state.system.health().await;
    let database = if health.services.database == Health::Healthy {
        Availability::Operational
    } else {
        Availability::Down
    };
    let services = StatusServices {
        auth: database,
        analytics: database,
        gamification: database,
        // Report export is a later milestone: reported as down, and left out of the overall
        // status until it exists, so that a healthy service does not read as degraded.
        reports: Availability::Down,
        integration: Availability::Operational,
    };
    let core = [
        services.auth,
        services.analytics,
        services.gamification,
        services.integration,
    ];
    let overall = if core.iter().all(|s| *s == Availability::Operational) {
        "operational"
    } else {
        "degraded"
    };
    let snapshot = state.stats.snapshot();
    let info = state.system.info();
    Json(StatusBody {
        service: info.name.clone(),
        status: overall,
        version: info.version,
        timestamp: Utc::now(),
        uptime: state.system.uptime_secs(),
        environment: info.environment.clone(),
        services,
        metrics: StatusMetrics {
            requests_per_minute: snapshot.requests_per_minute,
            average_response_time: (snapshot.average_response_ms * 10.0).round() / 10.0,
            error_rate: (snapshot.error_rate * 1000.0).round() / 1000.0,
            // Counted once authentication exists; without it no request has a user.
            active_users: 0,
        },
    })
}

/// Route layer of S1/S2: 1000 requests per hour per IP (`api.md` 3.4).
pub async fn ip_limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    if let Err(error) = crate::limits::check_ip(&state, crate::policy::LimitClass::System, &parts) {
        return error.into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}
