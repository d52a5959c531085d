//! The integration endpoints I1-I6 (`api.md` 2.11) over [`la_upstream::Upstreams`]: status of
//! the nine upstreams, a single test call, labelled synthetic samples, breaker reset and call
//! metrics. No response carries a base URL, token or upstream error payload.
//!
//! Exception to the layering rule of this crate (handlers call la-app only): the upstream
//! registry lives in the `la-upstream` adapter and these handlers read it directly, because
//! its breakers and statistics are per-process state with no use case around them.

use crate::AppState;
use crate::error::ApiError;
use crate::policy::Caller;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use la_upstream::Service;
use la_upstream::breaker::BreakerState;
use la_upstream::collector::{CollectError, Health, UpstreamStatus};
use la_upstream::transport::CallError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Probe timeout of I1/I2: short, so that the endpoints meet their 100-200 ms targets
/// (`api.md` 1.11); a slower upstream reads as unreachable.
const STATUS_PROBE_TIMEOUT: Duration = Duration::from_millis(150);

fn upstreams(state: &AppState) -> Result<Arc<la_upstream::Upstreams>, ApiError> {
    state.integration.clone().ok_or(ApiError::Unavailable)
}

/// A slug of the 8 pulled services (MS12 appears only in the I1 listing).
fn parse_service(slug: &str) -> Result<Service, ApiError> {
    Service::parse(slug)
        .ok()
        .filter(|s| s.is_pulled())
        .ok_or_else(|| ApiError::ServiceNotFound {
            available: Service::ALL
                .into_iter()
                .filter(|s| s.is_pulled())
                .map(Service::slug)
                .collect(),
        })
}

fn health_name(health: Option<Health>) -> &'static str {
    match health {
        Some(Health::Healthy) => "healthy",
        Some(Health::Degraded) => "degraded",
        // Not configured (push-only) counts as unreachable.
        Some(Health::Unhealthy) | None => "unhealthy",
    }
}

fn cache_for(seconds: u32, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("private, max-age={seconds}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

fn is_open(status: &UpstreamStatus) -> bool {
    status
        .breaker
        .is_some_and(|b| b.state == BreakerState::Open)
}

/// Mock upstreams answer at once; http ones report their last probe.
fn response_time(status: &UpstreamStatus) -> Option<u64> {
    match status.mode {
        "mock" => Some(0),
        "http" => status.last_probe.as_ref().and_then(|p| p.response_time_ms),
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceHealth {
    status: &'static str,
    response_time: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BreakerBrief {
    is_open: bool,
    failure_count: u32,
}

#[derive(Serialize)]
struct Issue {
    service: &'static str,
    issue: String,
    fallback: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IntegrationHealth {
    status: &'static str,
    timestamp: DateTime<Utc>,
    services: BTreeMap<&'static str, ServiceHealth>,
    circuit_breakers: BTreeMap<&'static str, BreakerBrief>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    issues: Vec<Issue>,
}

/// I1: every upstream (all 9) with the background probe's results (`integration.md` 10.1);
/// http upstreams without a recent probe are probed now. 503 with the same body unless all
/// are healthy.
pub async fn health(State(state): State<AppState>) -> Result<Response, ApiError> {
    let upstreams = upstreams(&state)?;
    upstreams.refresh_probes(STATUS_PROBE_TIMEOUT).await;
    let mut body = IntegrationHealth {
        status: "healthy",
        timestamp: Utc::now(),
        services: BTreeMap::new(),
        circuit_breakers: BTreeMap::new(),
        issues: Vec::new(),
    };
    for status in upstreams.status() {
        let name = status.display_name;
        let health = health_name(status.health);
        if health != "healthy" {
            body.status = "degraded";
            body.issues.push(Issue {
                service: name,
                issue: match status.mode {
                    "none" => "not configured (push-only)".to_owned(),
                    _ if is_open(&status) => "circuit breaker open".to_owned(),
                    _ => format!("service {health}"),
                },
                fallback: if status.service.is_pulled() {
                    "cached or mock data"
                } else {
                    "local credential store"
                },
            });
        }
        body.services.insert(
            name,
            ServiceHealth {
                status: health,
                response_time: response_time(&status),
            },
        );
        body.circuit_breakers.insert(
            name,
            BreakerBrief {
                is_open: is_open(&status),
                failure_count: status.breaker.map_or(0, |b| b.failure_count),
            },
        );
    }
    let code = if body.status == "healthy" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((code, Json(body)).into_response())
}

fn status_of(
    upstreams: &la_upstream::Upstreams,
    service: Service,
) -> Result<UpstreamStatus, ApiError> {
    upstreams
        .status()
        .into_iter()
        .find(|s| s.service == service)
        .ok_or_else(|| ApiError::Internal(format!("no status for {service}")))
}

/// I2: one upstream with its last probe (probed now when there is no recent one). Per-endpoint figures are not tracked separately:
/// each contract endpoint shows the service's status and average.
pub async fn service_status(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let service = parse_service(&slug)?;
    let upstreams = upstreams(&state)?;
    upstreams.refresh_probe(service, STATUS_PROBE_TIMEOUT).await;
    let status = status_of(&upstreams, service)?;
    let now = Utc::now();
    let health = health_name(status.health);
    let average = status
        .stats
        .as_ref()
        .and_then(|s| s.average_response_time_ms)
        .map_or(0, |ms| ms.round() as u64);
    let endpoints: BTreeMap<String, Value> = service
        .endpoints()
        .iter()
        .map(|path| {
            (
                format!("GET {path}"),
                json!({ "status": health, "avgResponseTime": average }),
            )
        })
        .collect();
    let next_attempt = status
        .breaker
        .filter(|b| b.state == BreakerState::Open)
        .and_then(|b| b.retry_in)
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| now + d);
    let body = json!({
        "service": status.display_name,
        "status": health,
        "responseTime": response_time(&status).unwrap_or(0),
        "circuitBreaker": {
            "isOpen": is_open(&status),
            "failureCount": status.breaker.map_or(0, |b| b.failure_count),
            "lastFailure": status.stats.as_ref().and_then(|s| s.last_failure),
            "nextAttempt": next_attempt,
        },
        "endpoints": endpoints,
        "mockDataAvailable": service.is_pulled(),
        "lastHealthCheck": status.last_probe.as_ref().map_or(now, |p| p.at),
    });
    Ok(cache_for(30, Json(body)))
}

/// I3 body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TestRequest {
    test_type: Option<String>,
    endpoint: Option<String>,
    timeout: Option<i64>,
}

const DEFAULT_TEST_TIMEOUT_MS: i64 = 5_000;

/// I3: one call to the configured base URL of the service (never elsewhere); 400
/// `TEST_FAILED` with details when it fails or the service is in mock mode.
pub async fn test(
    // Authentication, the per-user limit and the role rule; nothing else is needed.
    _caller: Caller,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = parse_service(&slug)?;
    let request: TestRequest = crate::json::parse_body(&headers, &body)?;
    let mut problems = BTreeMap::new();
    let test_type = match request.test_type.as_deref() {
        Some(t @ ("connectivity" | "endpoint" | "mock-data")) => t.to_owned(),
        Some(_) => {
            problems.insert(
                "testType".to_owned(),
                "must be connectivity, endpoint or mock-data".to_owned(),
            );
            String::new()
        }
        None => {
            problems.insert("testType".to_owned(), "is required".to_owned());
            String::new()
        }
    };
    match request.endpoint.as_deref() {
        Some(e) if !e.starts_with('/') || e.len() > 256 => {
            problems.insert(
                "endpoint".to_owned(),
                "must be a path starting with `/`, at most 256 characters".to_owned(),
            );
        }
        None if test_type == "endpoint" => {
            problems.insert(
                "endpoint".to_owned(),
                "is required when testType is endpoint".to_owned(),
            );
        }
        _ => {}
    }
    let timeout_ms = request.timeout.unwrap_or(DEFAULT_TEST_TIMEOUT_MS);
    if !(1_000..=30_000).contains(&timeout_ms) {
        problems.insert(
            "timeout".to_owned(),
            "must be an integer from 1000 to 30000 (ms)".to_owned(),
        );
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let upstreams = upstreams(&state)?;
    let timeout = Duration::from_millis(timeout_ms.unsigned_abs());
    let now = Utc::now();
    let outcome = match test_type.as_str() {
        "mock-data" => {
            let sample = upstreams
                .mock_sample(service, None, now)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let size = serde_json::to_vec(&sample).map_or(0, |b| b.len());
            Ok((200, 0, size))
        }
        "connectivity" => upstreams
            .test_connectivity(service, timeout)
            .await
            .map(|t| (t.status, t.response_ms, 0)),
        _ => upstreams
            .test_call(service, request.endpoint.as_deref().unwrap_or("/"), timeout)
            .await
            .and_then(|t| {
                if (200..300).contains(&t.status) {
                    Ok((t.status, t.response_ms, 0))
                } else {
                    Err(CollectError::Call(CallError::Status(t.status)))
                }
            }),
    };
    match outcome {
        Ok((status_code, response_ms, size)) => Ok(Json(json!({
            "service": service.display_name(),
            "testType": test_type,
            "result": "success",
            "responseTime": response_ms,
            "details": {
                "statusCode": status_code,
                "responseSize": size,
                "headers": {},
            },
            "timestamp": now,
        }))
        .into_response()),
        Err(error) => {
            let last_known = status_of(&upstreams, service).map_or("unknown", |s| match s.mode {
                "mock" => "mock",
                _ => health_name(s.health),
            });
            let reason = match &error {
                CollectError::MockMode(_) => {
                    "the service is in mock mode; there is no upstream to call".to_owned()
                }
                CollectError::NotConfigured(_) => "the service is not configured".to_owned(),
                other => other.to_string(),
            };
            let extra = json!({
                "service": service.display_name(),
                "testType": test_type,
                "result": "failure",
                "details": {
                    "error": reason,
                    "timeout": timeout_ms,
                    "lastKnownStatus": last_known,
                },
                "fallback": {
                    "available": true,
                    "mockDataUsed": matches!(error, CollectError::MockMode(_)),
                    "message": "Reads fall back to cached or synthetic mock data.",
                },
            });
            let Value::Object(extra) = extra else {
                return Err(ApiError::Internal("test failure body".to_owned()));
            };
            Err(ApiError::TestFailed {
                message: format!("The {} test failed.", test_type),
                extra: Box::new(extra),
            })
        }
    }
}

/// I4 query.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockDataQuery {
    endpoint: Option<String>,
    user_id: Option<String>,
}

/// I4: a labelled synthetic sample, whatever the service's mode (never stored data).
pub async fn mock_data(
    // Authentication, the per-user limit and the role rule; nothing else is needed.
    _caller: Caller,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<MockDataQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let service = parse_service(&slug)?;
    let Query(query) = query
        .map_err(|_| ApiError::validation("query", "only `endpoint` and `userId` are allowed"))?;
    let user = query
        .user_id
        .as_deref()
        .map(|raw| crate::policy::parse_id("userId", raw))
        .transpose()?;
    if let Some(endpoint) = query.endpoint.as_deref()
        && (!endpoint.starts_with('/') || endpoint.len() > 256)
    {
        return Err(ApiError::validation(
            "endpoint",
            "must be a path starting with `/`, at most 256 characters",
        ));
    }
    let upstreams = upstreams(&state)?;
    let now = Utc::now();
    let sample = upstreams
        .mock_sample(service, user, now)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let body = json!({
        "service": service.display_name(),
        "endpoint": query.endpoint.unwrap_or_else(|| "*".to_owned()),
        "mockData": sample,
        "metadata": {
            "generatedAt": now,
            "dataVersion": "1",
            "coverage": format!(
                "synthetic: {}",
                service.entities().iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "lastUpdated": now,
        },
    });
    Ok(cache_for(3_600, Json(body)))
}

/// I5: closes the breaker (platform-admin only, by the route's access rule). A mock-mode
/// upstream has no breaker: the answer is the same, closed state.
pub async fn reset(
    // Authentication, the per-user limit and the role rule; nothing else is needed.
    _caller: Caller,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let service = parse_service(&slug)?;
    let upstreams = upstreams(&state)?;
    match upstreams.reset_breaker(service) {
        Ok(()) | Err(CollectError::MockMode(_) | CollectError::NotConfigured(_)) => {}
        Err(other) => return Err(ApiError::Internal(other.to_string())),
    }
    tracing::info!(service = service.slug(), "circuit breaker reset");
    Ok(Json(json!({
        "service": service.display_name(),
        "circuitBreaker": {
            "isOpen": false,
            "failureCount": 0,
            "lastFailure": null,
            "nextAttempt": null,
            "resetAt": Utc::now(),
        },
        "message": format!("Circuit breaker of {} reset.", service.display_name()),
    }))
    .into_response())
}

/// I6 query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    timeframe: Option<String>,
    service: Option<String>,
}

/// I6: call statistics per upstream. The figures cover the recent calls this instance made
/// (a bounded window, reset on restart), whatever `timeframe` says; it is validated and echoed.
pub async fn metrics(
    // Authentication, the per-user limit and the role rule; nothing else is needed.
    _caller: Caller,
    State(state): State<AppState>,
    query: Result<Query<MetricsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query
        .map_err(|_| ApiError::validation("query", "only `timeframe` and `service` are allowed"))?;
    let timeframe = query.timeframe.unwrap_or_else(|| "24h".to_owned());
    if !["1h", "24h", "7d", "30d"].contains(&timeframe.as_str()) {
        return Err(ApiError::validation(
            "timeframe",
            "must be 1h, 24h, 7d or 30d",
        ));
    }
    let only = query.service.as_deref().map(parse_service).transpose()?;
    let upstreams = upstreams(&state)?;
    let mut services = BTreeMap::new();
    let (mut total, mut ok, mut failed, mut trips, mut fallbacks) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut weighted_ms = 0.0;
    for status in upstreams.status() {
        if only.is_some_and(|s| s != status.service) {
            continue;
        }
        let stats = status.stats.clone();
        let requests = stats.as_ref().map_or(0, |s| s.total_requests);
        let successes = stats.as_ref().map_or(0, |s| s.successful_requests);
        let failures = stats.as_ref().map_or(0, |s| s.failed_requests);
        let average = stats
            .as_ref()
            .and_then(|s| s.average_response_time_ms)
            .unwrap_or(0.0);
        let service_trips = status.breaker.map_or(0, |b| b.transitions.trips);
        // Only answers that really were mock data (decision 3: an upstream in mock mode; an
        // http upstream never falls back to generated data). Calls refused by an open
        // breaker fall back to the stored rows or to nothing, so they are not counted here.
        let service_fallbacks = upstreams.mock_data_answers(status.service);
        total += requests;
        ok += successes;
        failed += failures;
        trips += service_trips;
        fallbacks += service_fallbacks;
        weighted_ms += average * successes as f64;
        services.insert(
            status.display_name,
            json!({
                "totalRequests": requests,
                "successfulRequests": successes,
                "failedRequests": failures,
                "successRate": stats.as_ref().and_then(|s| s.success_rate).unwrap_or(1.0),
                "averageResponseTime": average.round() as u64,
                "p95ResponseTime": stats.as_ref().and_then(|s| s.p95_response_time_ms).unwrap_or(0),
                "p99ResponseTime": stats.as_ref().and_then(|s| s.p99_response_time_ms).unwrap_or(0),
                "circuitBreakerTrips": service_trips,
                "mockDataFallbacks": service_fallbacks,
            }),
        );
    }
    let body = json!({
        "timeframe": timeframe,
        "services": services,
        "summary": {
            "totalRequests": total,
            "totalSuccessfulRequests": ok,
            "totalFailedRequests": failed,
            "overallSuccessRate": if total == 0 { 1.0 } else { ok as f64 / total as f64 },
            "averageResponseTime": if ok == 0 { 0 } else { (weighted_ms / ok as f64).round() as u64 },
            "totalCircuitBreakerTrips": trips,
            "totalMockDataFallbacks": fallbacks,
        },
        "generatedAt": Utc::now(),
    });
    Ok(cache_for(300, Json(body)))
}

/// Route layer of I2: 100 requests per hour per IP (`api.md` 2.1).
pub async fn ip_limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(error) =
        crate::limits::check_ip(&state, crate::policy::LimitClass::IntegrationStatus, &parts)
    {
        return error.into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}
