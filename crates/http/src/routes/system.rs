//! `GET /api/health` and `GET /api/status` (`api.md` 2.9).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use la_app::system::{Health, HealthIssue, HealthReport};
use serde::Serialize;

/// `external_apis` of S1: the worst configured upstream (`integration.md` 10.1), from the
/// background probe and the breakers (no call is made here). Upstream trouble makes the
/// service `degraded`, never `unhealthy` (S1 stays 200).
fn with_upstreams(mut report: HealthReport, state: &AppState) -> HealthReport {
    let Some(upstreams) = &state.integration else {
        return report;
    };
    let statuses = upstreams.status();
    let mut troubled = Vec::new();
    let mut worst = Health::Healthy;
    for status in &statuses {
        let health = match status.health {
            Some(la_upstream::collector::Health::Healthy) | None => continue,
            Some(la_upstream::collector::Health::Degraded) => Health::Degraded,
            Some(la_upstream::collector::Health::Unhealthy) => Health::Unhealthy,
        };
        if health == Health::Unhealthy || worst == Health::Healthy {
            worst = health;
        }
        troubled.push(format!(
            "{} {}",
            status.display_name,
            if health == Health::Unhealthy {
                "unhealthy"
            } else {
                "degraded"
            }
        ));
    }
    report.services.external_apis = worst;
    if worst != Health::Healthy {
        report.issues.push(HealthIssue {
            service: "external_apis",
            status: worst,
            message: troubled.join(", "),
        });
        if report.status == Health::Healthy {
            report.status = Health::Degraded;
        }
    }
    report
}

/// S1: liveness plus a database ping; 503 with the same body when unhealthy.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let report = with_upstreams(state.system.health().await, &state);
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
    Degraded,
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
    let health = with_upstreams(state.system.health().await, &state);
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
        integration: if health.services.external_apis == Health::Healthy {
            Availability::Operational
        } else {
            Availability::Degraded
        },
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
