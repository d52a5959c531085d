//! The OpenAPI description of the service (`GET /api/openapi.json`, browsable at
//! `GET /api/docs`).
//!
//! Paths, methods, path parameters, the bearer requirement, the `X-Active-Role` header and the
//! error statuses implied by authentication, roles, subjects and rate limits are all derived
//! from [`policy::ROUTES`], so they cannot disagree with the router. What the table cannot say
//! (summary, tag, request and response bodies, query parameters) is written per route id in
//! [`describe`]; a route without an entry there is left out of the document, which the API
//! test `openapi_documents_every_route` turns into a failure.
//!
//! The schemas below are documentation mirrors of the wire shapes (`api.md` 1.5, 1.9, 2.2,
//! 2.9 and decision 10); the same test compares them with real responses.

#![allow(dead_code)] // The mirror types are only read by the schema derive.

use crate::policy::{self, ActiveRoleRule, RouteSpec, SubjectRule};
use axum::Json;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Required, Schema};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

const BEARER: &str = "bearerAuth";
const JSON: &str = "application/json";

/// A role value on the wire (`api.md` 1.3).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
enum RoleName {
    Learner,
    Trainer,
    OrgAdmin,
    PlatformAdmin,
}

/// `POST /api/v1/auth/login`. Unknown fields are rejected.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    /// A valid address of 3–254 characters; trimmed and lowercased.
    #[schema(format = "email", min_length = 3, max_length = 254)]
    email: String,
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

/// `POST /api/v1/auth/refresh`. Unknown fields are rejected.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefreshRequest {
    #[schema(min_length = 1, max_length = 512)]
    refresh_token: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct User {
    id: Uuid,
    email: Option<String>,
    full_name: String,
    roles: Vec<RoleName>,
    organization_id: Option<Uuid>,
    avatar_url: Option<String>,
    /// Only on `GET /auth/me`.
    last_login_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LoginResponse {
    user: User,
    /// Access token (HS256 JWT), sent as `Authorization: Bearer <token>`.
    token: String,
    /// Opaque, single use; every refresh returns a new one.
    refresh_token: String,
    /// Access-token lifetime in seconds (3600).
    expires_in: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RefreshResponse {
    token: String,
    refresh_token: String,
    expires_in: i64,
}

#[derive(Serialize, ToSchema)]
struct MeResponse {
    user: User,
}

#[derive(Serialize, ToSchema)]
struct LogoutResponse {
    /// `Successfully logged out`.
    message: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum Health {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Serialize, ToSchema)]
struct ServiceHealth {
    database: Health,
    cache: Health,
    queue: Health,
    external_apis: Health,
}

#[derive(Serialize, ToSchema)]
struct HealthIssue {
    service: String,
    status: Health,
    message: String,
}

/// `GET /api/health` (`api.md` 2.9); also the body of its 503.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct HealthReport {
    status: Health,
    timestamp: DateTime<Utc>,
    /// Seconds since start.
    uptime: u64,
    environment: String,
    version: String,
    services: ServiceHealth,
    /// Present only when something is not healthy.
    issues: Option<Vec<HealthIssue>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum Availability {
    Operational,
    Degraded,
    Down,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
enum OverallStatus {
    Operational,
    Degraded,
}

#[derive(Serialize, ToSchema)]
struct StatusServices {
    auth: Availability,
    analytics: Availability,
    gamification: Availability,
    reports: Availability,
    integration: Availability,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct StatusMetrics {
    requests_per_minute: u64,
    /// Milliseconds, over the last minute.
    average_response_time: f64,
    /// Share of 5xx responses over the last minute, 0–1.
    error_rate: f64,
    active_users: u64,
}

/// `GET /api/status` (`api.md` 2.9).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct StatusReport {
    service: String,
    status: OverallStatus,
    version: String,
    timestamp: DateTime<Utc>,
    uptime: u64,
    environment: String,
    services: StatusServices,
    metrics: StatusMetrics,
}

/// The error body of every 4xx and 5xx (`api.md` 1.5), except the health 503.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Error {
    /// Machine code: VALIDATION_ERROR, ACTIVE_ROLE_REQUIRED, UNAUTHORIZED, INVALID_CREDENTIALS,
    /// INVALID_REFRESH_TOKEN, ROLE_NOT_ASSIGNED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED,
    /// PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, INSUFFICIENT_PEER_GROUP, RATE_LIMIT_EXCEEDED,
    /// INTERNAL_ERROR, SERVICE_UNAVAILABLE, SERVICE_NOT_FOUND (adds `availableServices`),
    /// TEST_FAILED (adds `service`, `testType`, `result`, `details`, `fallback`).
    #[schema(example = "VALIDATION_ERROR")]
    error: String,
    /// An English sentence; never internals.
    message: String,
    /// On validation failures: field, parameter or header name → problem.
    validation: Option<BTreeMap<String, String>>,
    /// Equals the `X-Request-Id` response header.
    request_id: String,
    /// On 429: seconds, equals `Retry-After`.
    retry_after: Option<u64>,
    /// On 429: when the next request is allowed (now + `retryAfter`; `api.md` 2.9 S3).
    next_allowed_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Source {
    Cache,
    StaleCache,
    Calculated,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ResultStatus {
    Complete,
    Partial,
    InsufficientData,
}

/// The analytics envelope (`api.md` 1.9 with decision 10's additions).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct AnalyticsEnvelope {
    /// The analytic's output object (see each operation); `null` when `status` is
    /// `insufficient_data`.
    #[schema(value_type = Option<Object>, required = true)]
    data: Option<serde_json::Value>,
    /// Served from a cache layer (false: calculated in this request).
    cached: bool,
    /// Calculation time of `data`.
    last_updated: DateTime<Utc>,
    /// `lastUpdated` + 6 h.
    expires_at: DateTime<Utc>,
    /// More than 6 h old.
    is_stale: bool,
    source: Source,
    /// Echoed on endpoints taking `window`.
    window: Option<String>,
    /// A pending or running recalculation of this subject.
    refresh_job_id: Option<Uuid>,
    status: ResultStatus,
    low_confidence: bool,
    /// Share of required sources present, 0–1.
    coverage: f64,
    warnings: Vec<String>,
}

/// `POST /api/v1/ingest/{entity}`: 1-10,000 records of the entity (`analytics.md` section 9,
/// camelCase fields, unknown fields rejected), at most 16 MiB. Ids and references may be
/// UUIDs or external strings (1-128 of `[A-Za-z0-9._:-]`, mapped to UUID v5 per entity kind).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IngestRequest {
    #[schema(min_items = 1, max_items = 10000)]
    records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// `DELETE /api/v1/ingest/{entity}`: 1-10,000 keys; an id (string) for entities with an id,
/// otherwise an object of the natural key's fields (spec README decision 11).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IngestDeleteRequest {
    #[schema(min_items = 1, max_items = 10000)]
    keys: Vec<serde_json::Value>,
}

/// A user's decision on a recommendation (decision 17, AS-004.17 lifecycle).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum RecommendationDecision {
    Saved,
    Dismissed,
    Completed,
}

/// `PATCH /api/v1/predictive/recommendations/{userId}/{recommendationId}`. A dismissed item
/// is not shown again; saved and completed ones show their status.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RecommendationStatusRequest {
    status: RecommendationDecision,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RecommendationStatusResponse {
    recommendation_id: Uuid,
    status: RecommendationDecision,
    updated_at: DateTime<Utc>,
}

/// `PUT /api/v1/gamification/preferences/{userId}` (decision 17). Both fields required.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreferencesRequest {
    /// Leave every leaderboard population; takes effect in leaderboards computed afterwards.
    opt_out_leaderboards: bool,
    share_achievements: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct PreferencesResponse {
    user_id: Uuid,
    opt_out_leaderboards: bool,
    share_achievements: bool,
}

/// A non-UUID id of the request and the UUID it was stored under.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IdMapping {
    /// The id kind (`user`, `content-item`, ...).
    kind: String,
    external_id: String,
    id: Uuid,
}

/// The outcome of a push: every record was valid and is stored.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IngestResponse {
    /// The entity's kebab-case name.
    entity: String,
    received: u64,
    /// Records that were new.
    inserted: u64,
    /// Records that changed a stored row.
    updated: u64,
    /// Records identical to the stored row (nothing written).
    unchanged: u64,
    /// Every external id of the request (own ids and references).
    ids: Vec<IdMapping>,
    /// The coalesced recalculation requested because rows changed (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_job_id: Option<Uuid>,
}

/// The outcome of a delete (idempotent: unknown keys count as `notFound`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IngestDeleteResponse {
    entity: String,
    received: u64,
    deleted: u64,
    not_found: u64,
    ids: Vec<IdMapping>,
    /// The coalesced recalculation requested because rows went (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_job_id: Option<Uuid>,
}

/// S3 body (`api.md` 2.9).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ManualRefreshRequest {
    /// The caller's own id unless the active role is platform-admin.
    user_id: Uuid,
    /// `learner`, `trainer` or `org-admin`; the active role unless that is platform-admin.
    role: String,
    /// 1..n analytics names valid for `role`, no duplicates.
    analytics: Vec<String>,
}

/// S3 answer (202).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RefreshQueued {
    job_id: Uuid,
    /// `Manual refresh queued successfully`.
    message: String,
    estimated_completion: DateTime<Utc>,
    queued_analytics: Vec<String>,
}

/// J1/J2 body (`api.md` 2.10).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct JobStatusBody {
    job_id: Uuid,
    /// manual-analytics-refresh, login-staleness-refresh, stale-read-refresh,
    /// daily-analytics-batch, batch-analytics-retry or data-collection.
    #[serde(rename = "type")]
    job_type: String,
    /// pending, running, completed, failed (retries exhausted) or cancelled.
    status: String,
    /// 0-100.
    progress: i16,
    user_id: Option<Uuid>,
    role: Option<String>,
    queued_analytics: Vec<String>,
    completed_analytics: Vec<String>,
    failed_analytics: Vec<String>,
    attempts: i16,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    estimated_completion: Option<DateTime<Utc>>,
    /// The last error (sanitised).
    error: Option<String>,
}

/// I1 body (`api.md` 2.11); the same body with 503 when any upstream is not healthy.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IntegrationHealthBody {
    /// healthy or degraded.
    status: String,
    timestamp: DateTime<Utc>,
    /// Display name → `{status: healthy|degraded|unhealthy, responseTime: int?}` (all 9).
    #[schema(value_type = Object)]
    services: serde_json::Value,
    /// Display name → `{isOpen: bool, failureCount: int}`.
    #[schema(value_type = Object)]
    circuit_breakers: serde_json::Value,
    /// `{service, issue, fallback}` for each upstream that is not healthy.
    #[schema(value_type = Option<Vec<Object>>)]
    issues: Option<serde_json::Value>,
}

/// I2 body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ServiceStatusBody {
    /// Display name.
    service: String,
    /// healthy, degraded or unhealthy.
    status: String,
    response_time: u64,
    /// `{isOpen, failureCount, lastFailure?, nextAttempt?}`.
    #[schema(value_type = Object)]
    circuit_breaker: serde_json::Value,
    /// `"GET /path"` → `{status, avgResponseTime}`.
    #[schema(value_type = Object)]
    endpoints: serde_json::Value,
    mock_data_available: bool,
    last_health_check: DateTime<Utc>,
}

/// I3 request.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IntegrationTestRequest {
    /// connectivity, endpoint or mock-data.
    test_type: String,
    /// A contract path starting with `/` (≤ 256 characters); required for `endpoint`.
    endpoint: Option<String>,
    /// 1000-30000 ms, default 5000.
    timeout: Option<u32>,
}

/// I3 success (failures: 400 TEST_FAILED).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IntegrationTestResult {
    service: String,
    test_type: String,
    /// success.
    result: String,
    response_time: u64,
    /// `{statusCode, responseSize, headers}`.
    #[schema(value_type = Object)]
    details: serde_json::Value,
    timestamp: DateTime<Utc>,
}

/// I4 body: synthetic data only.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct MockDataBody {
    service: String,
    endpoint: String,
    #[schema(value_type = Object)]
    mock_data: serde_json::Value,
    /// `{generatedAt, dataVersion, coverage, lastUpdated}`.
    #[schema(value_type = Object)]
    metadata: serde_json::Value,
}

/// I5 body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct BreakerResetBody {
    service: String,
    /// `{isOpen: false, failureCount: 0, lastFailure: null, nextAttempt: null, resetAt}`.
    #[schema(value_type = Object)]
    circuit_breaker: serde_json::Value,
    message: String,
}

/// I6 body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct IntegrationMetricsBody {
    timeframe: String,
    /// Display name → call figures.
    #[schema(value_type = Object)]
    services: serde_json::Value,
    #[schema(value_type = Object)]
    summary: serde_json::Value,
    generated_at: DateTime<Utc>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Learning Analytics API",
        description = "Learning analytics for learners, trainers and organisations. Every \
            route is listed in the route table of `la_http::policy`; access rules: `api.md` 1.3-1.4."
    ),
    components(schemas(
        RoleName,
        LoginRequest,
        RefreshRequest,
        User,
        LoginResponse,
        RefreshResponse,
        MeResponse,
        LogoutResponse,
        HealthReport,
        StatusReport,
        Error,
        AnalyticsEnvelope,
        PreferencesRequest,
        PreferencesResponse,
        RecommendationDecision,
        RecommendationStatusRequest,
        RecommendationStatusResponse,
        IngestRequest,
        IngestDeleteRequest,
        IdMapping,
        IngestResponse,
        IngestDeleteResponse,
        ManualRefreshRequest,
        RefreshQueued,
        JobStatusBody,
        IntegrationHealthBody,
        ServiceStatusBody,
        IntegrationTestRequest,
        IntegrationTestResult,
        MockDataBody,
        BreakerResetBody,
        IntegrationMetricsBody
    ))
)]
struct Components;

/// Tag, summary and, for analytics, what `data` holds.
struct Description {
    tag: &'static str,
    summary: &'static str,
    body: Body,
}

enum Body {
    /// Returns the named schema as JSON.
    Json(&'static str),
    /// Returns the analytics envelope; the text says what its `data` is.
    Envelope(&'static str),
    /// Another media type, free-form.
    Other(&'static str),
}

/// What only a person can say about each route, by route id. `None`: undocumented.
fn describe(id: &str) -> Option<Description> {
    use Body::{Envelope, Json, Other};
    let (tag, summary, body) = match id {
        "S1" => ("system", "Liveness and database ping", Json("HealthReport")),
        "S2" => (
            "system",
            "Service status and last-minute traffic",
            Json("StatusReport"),
        ),
        "A1" => (
            "auth",
            "Log in with email and password",
            Json("LoginResponse"),
        ),
        "A2" => (
            "auth",
            "Exchange a refresh token (rotated)",
            Json("RefreshResponse"),
        ),
        "A3" => ("auth", "The calling user", Json("MeResponse")),
        "A4" => (
            "auth",
            "Log out: revoke the session",
            Json("LogoutResponse"),
        ),
        "L1" => (
            "learner",
            "Learning velocity",
            Envelope("AS-001.1 learning velocity"),
        ),
        "L2" => (
            "learner",
            "Skill gap matrix",
            Envelope("AS-001.2 skill gap matrix"),
        ),
        "L3" => (
            "learner",
            "Engagement",
            Envelope("AS-001.3 engagement score"),
        ),
        "L4" => ("learner", "Mastery", Envelope("AS-001.4 mastery")),
        "L5" => ("learner", "Performance", Envelope("AS-001.5 performance")),
        "L6" => (
            "learner",
            "Content effectiveness",
            Envelope("AS-001.6 content effectiveness (learner scope)"),
        ),
        "L7" => (
            "learner",
            "Learner overview",
            Envelope(
                "`userId` plus `velocity`, `skillGap`, `engagement`, `mastery`, `performance`, \
                 `contentEffectiveness`: the `data` of L1-L6. Oldest component dates the whole",
            ),
        ),
        "T1" => (
            "trainer",
            "Course performance",
            Envelope("`{courses: [...]}`: AS-002.7 course performance per course taught"),
        ),
        "T2" => (
            "trainer",
            "Course health",
            Envelope("`{courses: [...]}`: AS-002.8 course health per course taught"),
        ),
        "T3" => (
            "trainer",
            "Student distribution",
            Envelope("`{courses: [...]}`: AS-002.9 student distribution per course taught"),
        ),
        "T4" => (
            "trainer",
            "Teaching effectiveness",
            Envelope("AS-002.10 teaching effectiveness"),
        ),
        "T5" => (
            "trainer",
            "Trainer overview",
            Envelope(
                "`trainerId` plus `coursePerformance`, `courseHealth`, `studentDistribution`, \
                 `teachingEffectiveness`: the `data` of T1-T4; `recommendations`: AS-004.17 \
                 trainer recommendations",
            ),
        ),
        "O1" => (
            "organization",
            "Organisation learning velocity",
            Envelope("AS-003.11 organisation learning velocity"),
        ),
        "O2" => (
            "organization",
            "Strategic alignment",
            Envelope("AS-003.12 strategic alignment"),
        ),
        "O3" => (
            "organization",
            "Learning culture",
            Envelope("AS-003.14 learning culture"),
        ),
        "O4" => (
            "organization",
            "Organisation performance",
            Envelope("AS-003.13 department and team analytics (groups below k = 10 suppressed)"),
        ),
        "O5" => (
            "organization",
            "Organisation overview",
            Envelope(
                "`organizationId` plus `learningVelocity`, `strategicAlignment`, \
                 `learningCulture`, `orgPerformance`: the `data` of O1-O4; `recommendations`: \
                 AS-004.17 organisation recommendations (an org admin's own item states)",
            ),
        ),
        "C1" => (
            "comparison",
            "Peer comparison",
            Envelope(
                "AS-005.19 peer comparison; 422 INSUFFICIENT_PEER_GROUP when the \
                 platform-wide peer group is below k = 10",
            ),
        ),
        "C2" => (
            "comparison",
            "Platform skill demand",
            Envelope("AS-005.18 platform skill demand"),
        ),
        "P1" => (
            "predictive",
            "Drop-off risk",
            Envelope("AS-004.15 drop-off risk"),
        ),
        "P2" => (
            "predictive",
            "Outcome forecast",
            Envelope("AS-004.16 outcome forecast"),
        ),
        "P3" => (
            "predictive",
            "Recommendations",
            Envelope("AS-004.17 recommendations (learner rules)"),
        ),
        "G1" => (
            "gamification",
            "Gamification stats",
            Envelope(
                "points (totals, weekly, monthly, breakdown), consistency, velocity and \
                 momentum statuses, badge counts, next milestone (`analytics.md` 8.1-8.5), for \
                 the active role",
            ),
        ),
        "G2" => (
            "gamification",
            "Achievements",
            Envelope("every badge with its progress, earned or not (`analytics.md` 8.3)"),
        ),
        "G3" => (
            "gamification",
            "Leaderboard",
            Envelope(
                "the caller's view of one leaderboard of the active role (`analytics.md` 8.4): \
                 anonymous top 10 with `isYou`, the caller's rank, percentile and band",
            ),
        ),
        "G4" => (
            "gamification",
            "Streak",
            Envelope("current and longest streak, 30-day calendar (`analytics.md` 8.2)"),
        ),
        "P4" => (
            "predictive",
            "Save, dismiss or complete one of the caller's recommendations",
            Json("RecommendationStatusResponse"),
        ),
        "G5" => (
            "gamification",
            "Set the caller's leaderboard and sharing choices",
            Json("PreferencesResponse"),
        ),
        "IN1" => (
            "ingestion",
            "Push records of one entity (upsert, all or nothing)",
            Json("IngestResponse"),
        ),
        "IN2" => (
            "ingestion",
            "Delete records of one entity by key",
            Json("IngestDeleteResponse"),
        ),
        "D-OAS" => ("docs", "This OpenAPI document", Other(JSON)),
        "D-DOCS" => (
            "docs",
            "Browsable API reference (Scalar)",
            Other("text/html"),
        ),
        "M1" => (
            "system",
            "Prometheus metrics (text format 0.0.4)",
            Other("text/plain"),
        ),
        "S3" => (
            "jobs",
            "Queue a manual refresh (3 per hour per user; answers 202)",
            Json("RefreshQueued"),
        ),
        "J1" => (
            "jobs",
            "Job status (owner or platform-admin; batch jobs platform-admin only)",
            Json("JobStatusBody"),
        ),
        "J2" => ("jobs", "Cancel a pending job", Json("JobStatusBody")),
        "I1" => (
            "integration",
            "Health of the nine upstreams (503 with the same body unless all are healthy)",
            Json("IntegrationHealthBody"),
        ),
        "I2" => (
            "integration",
            "Status of one upstream",
            Json("ServiceStatusBody"),
        ),
        "I3" => (
            "integration",
            "One test call to the upstream's configured base URL",
            Json("IntegrationTestResult"),
        ),
        "I4" => (
            "integration",
            "Labelled synthetic sample of an upstream's data",
            Json("MockDataBody"),
        ),
        "I5" => (
            "integration",
            "Close an upstream's circuit breaker",
            Json("BreakerResetBody"),
        ),
        "I6" => (
            "integration",
            "Upstream call metrics",
            Json("IntegrationMetricsBody"),
        ),
        _ => return None,
    };
    Some(Description { tag, summary, body })
}

/// The entity names of `/api/v1/ingest/{entity}`.
fn ingest_entities() -> Vec<&'static str> {
    la_domain::model::EntityKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect()
}

fn string_schema(values: &[&str], default: Option<&str>) -> Schema {
    let mut schema = ObjectBuilder::new().schema_type(Type::String);
    if !values.is_empty() {
        schema = schema.enum_values(Some(values.iter().copied()));
    }
    if let Some(default) = default {
        schema = schema.default(Some(serde_json::Value::from(default)));
    }
    Schema::Object(schema.build())
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(schema_ref("Error")))
                .build(),
        )
        .build()
}

/// The path parameters of a template (`{userId}` → `userId`).
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Error statuses of a route, from its access rule, subject and limit class (`api.md` 1.4,
/// 1.5, 2.1), plus what its handler adds.
fn error_statuses(spec: &RouteSpec, body: &Body) -> BTreeMap<u16, String> {
    let mut errors: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    let mut add = |status: u16, text: &'static str| errors.entry(status).or_default().push(text);
    match spec.role {
        ActiveRoleRule::Ignored => {}
        ActiveRoleRule::Optional => {
            add(
                401,
                "UNAUTHORIZED: missing, invalid, expired or revoked access token",
            );
            add(400, "VALIDATION_ERROR: `X-Active-Role` is not a role");
            add(403, "ROLE_NOT_ASSIGNED: the active role is not held");
        }
        ActiveRoleRule::Any | ActiveRoleRule::OneOf(_) => {
            add(
                401,
                "UNAUTHORIZED: missing, invalid, expired or revoked access token",
            );
            add(400, "ACTIVE_ROLE_REQUIRED: `X-Active-Role` is missing");
            add(400, "VALIDATION_ERROR: `X-Active-Role` is not a role");
            add(403, "ROLE_NOT_ASSIGNED: the active role is not held");
        }
    }
    if matches!(spec.role, ActiveRoleRule::OneOf(_)) {
        add(403, "FORBIDDEN: the active role may not use this endpoint");
    }
    if spec.subject != SubjectRule::None {
        add(400, "VALIDATION_ERROR: malformed id or query parameter");
        add(403, "FORBIDDEN: not the caller's own subject");
        add(
            404,
            "NOT_FOUND: unknown subject, or nothing obtainable for it",
        );
    }
    add(429, "RATE_LIMIT_EXCEEDED (`Retry-After`, `retryAfter`)");
    match spec.id {
        "A1" => {
            add(
                400,
                "VALIDATION_ERROR: email or password missing or malformed",
            );
            add(401, "INVALID_CREDENTIALS");
        }
        "A2" => {
            add(400, "VALIDATION_ERROR: refreshToken missing");
            add(
                401,
                "INVALID_REFRESH_TOKEN: unknown, expired, revoked or reused",
            );
        }
        "A3" => add(403, "FORBIDDEN: account disabled"),
        "C1" => add(
            422,
            "INSUFFICIENT_PEER_GROUP: platform-wide peer group below k = 10",
        ),
        "C2" => add(400, "VALIDATION_ERROR: bad `timeframe` or `skills`"),
        "G3" => add(400, "VALIDATION_ERROR: bad `type`, `scope` or `window`"),
        "G5" => add(
            400,
            "VALIDATION_ERROR: `optOutLeaderboards` or `shareAchievements` missing or not boolean",
        ),
        "IN1" | "IN2" => {
            add(
                400,
                "VALIDATION_ERROR: `validation` names each bad record as `records[i].field` \
                 (`keys[i]` for deletes); nothing was written",
            );
            add(404, "NOT_FOUND: no such entity");
        }
        "S3" => {
            add(400, "VALIDATION_ERROR: `userId`, `role` or `analytics`");
            add(
                403,
                "FORBIDDEN: another user's analytics, or a role other than the active one",
            );
            add(
                404,
                "NOT_FOUND: unknown user, or the user does not hold `role`",
            );
        }
        "J1" | "J2" => {
            add(400, "VALIDATION_ERROR: malformed `jobId`");
            add(404, "NOT_FOUND: unknown job, or not visible to the caller");
            if spec.id == "J2" {
                add(409, "JOB_NOT_CANCELLABLE: the job is no longer pending");
            }
        }
        "I2" | "I3" | "I4" | "I5" => {
            add(
                404,
                "SERVICE_NOT_FOUND: unknown service slug (`availableServices` lists them)",
            );
            if spec.id == "I3" {
                add(
                    400,
                    "VALIDATION_ERROR: `testType`, `endpoint` or `timeout`; TEST_FAILED: the \
                     call failed (with `details` and `fallback`)",
                );
            }
            if spec.id == "I4" {
                add(400, "VALIDATION_ERROR: bad `endpoint` or `userId`");
            }
            if spec.id == "I2" {
                add(503, "SERVICE_UNAVAILABLE: no upstream registry");
            }
        }
        "I6" => {
            add(400, "VALIDATION_ERROR: bad `timeframe`");
            add(404, "SERVICE_NOT_FOUND: unknown `service`");
        }
        _ => {}
    }
    if spec.limit == policy::LimitClass::Ingest {
        add(413, "PAYLOAD_TOO_LARGE: body over 16 MiB");
        add(415, "UNSUPPORTED_MEDIA_TYPE: body is not application/json");
    } else if [Method::POST, Method::PUT, Method::PATCH].contains(&spec.method) {
        add(413, "PAYLOAD_TOO_LARGE: body over 64 KiB");
        add(415, "UNSUPPORTED_MEDIA_TYPE: body is not application/json");
    }
    if matches!(body, Body::Envelope(_)) || spec.role != ActiveRoleRule::Ignored {
        add(503, "SERVICE_UNAVAILABLE: the database is unavailable");
    }
    add(500, "INTERNAL_ERROR");
    errors
        .into_iter()
        .map(|(status, texts)| (status, texts.join("; ")))
        .collect()
}

fn operation(spec: &RouteSpec, described: Description) -> Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(spec.id))
        .tag(described.tag)
        .summary(Some(described.summary));
    for name in path_parameters(spec.path) {
        let text = match name {
            "userId" => "User id (UUID); the caller's own unless the active role is platform-admin",
            "trainerId" => {
                "Trainer id (UUID); the caller's own unless the active role is platform-admin"
            }
            "orgId" => {
                "Organisation id (UUID); the caller's own unless the active role is platform-admin"
            }
            "entity" => "",
            "recommendationId" => "Recommendation id (UUID) from the caller's AS-004.17 output",
            _ => "Id (UUID)",
        };
        if name == "serviceName" {
            let slugs: Vec<&str> = la_upstream::Service::ALL
                .into_iter()
                .filter(|s| s.is_pulled())
                .map(la_upstream::Service::slug)
                .collect();
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("Upstream service slug (`api.md` 2.11)"))
                    .schema(Some(string_schema(&slugs, None))),
            );
            continue;
        }
        if name == "entity" {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some(
                        "Entity of `analytics.md` section 9 in kebab-case, e.g. \
                         `assessment-attempts`",
                    ))
                    .schema(Some(string_schema(&ingest_entities(), None))),
            );
            continue;
        }
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(text))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).format(
                    Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )),
                ))),
        );
    }
    let role_values: Vec<&str> = match spec.role {
        ActiveRoleRule::Ignored => Vec::new(),
        ActiveRoleRule::Optional | ActiveRoleRule::Any => {
            vec!["learner", "trainer", "org-admin", "platform-admin"]
        }
        ActiveRoleRule::OneOf(roles) => roles.iter().map(|r| r.as_str()).collect(),
    };
    if spec.limit == policy::LimitClass::Ingest {
        op = op.description(Some(
            "Callers: an upstream presenting an ingest key as its bearer token (keys are \
             configured hashed in `LA_INGEST_KEYS`; no `X-Active-Role`), or a platform admin \
             with an access token and `X-Active-Role: platform-admin`. Records are validated \
             together (types, enumerations, references to stored or same-request rows, \
             `score <= maxScore`, timestamps at most 5 minutes ahead); one bad record rejects \
             the request. 120 requests per minute per key or user.",
        ));
    }
    if spec.role != ActiveRoleRule::Ignored {
        let required = !matches!(spec.role, ActiveRoleRule::Optional);
        op = op
            .security(SecurityRequirement::new(BEARER, Vec::<String>::new()))
            .parameter(
                ParameterBuilder::new()
                    .name("X-Active-Role")
                    .parameter_in(ParameterIn::Header)
                    .required(if required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description(Some(if required {
                        "The role the caller acts in; must be held by the caller"
                    } else {
                        "Optional; validated when present"
                    }))
                    .schema(Some(string_schema(&role_values, None))),
            );
    }
    if matches!(spec.id.as_bytes().first(), Some(b'L' | b'T' | b'O')) {
        op = op.parameter(
            ParameterBuilder::new()
                .name("window")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Time window of the analysis (`api.md` 1.8)"))
                .schema(Some(string_schema(&["7d", "30d", "90d"], Some("30d")))),
        );
    }
    if spec.id == "O4" {
        op = op.parameter(
            ParameterBuilder::new()
                .name("includeWorkers")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "`true`: add AS-003.13's named worker list (`workers`) of the organisation",
                ))
                .schema(Some(string_schema(&["true", "false"], Some("false")))),
        );
    }
    if spec.id == "P1" {
        op = op.parameter(
            ParameterBuilder::new()
                .name("courseId")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "Course (UUID): the risk of the learner's enrollment in it instead of the \
                     riskiest active enrollment; 404 for an unknown course",
                ))
                .schema(Some(string_schema(&[], None))),
        );
    }
    if spec.id == "C2" {
        op = op
            .parameter(
                ParameterBuilder::new()
                    .name("timeframe")
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .schema(Some(string_schema(
                        &["3months", "6months", "1year"],
                        Some("6months"),
                    ))),
            )
            .parameter(
                ParameterBuilder::new()
                    .name("skills")
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(
                        "Comma-separated skill names, 1-20 of 1-64 characters, case-insensitive",
                    ))
                    .schema(Some(string_schema(&[], None))),
            );
    }
    if spec.id == "G3" {
        for (name, values, default) in [
            (
                "type",
                &["points", "completionSpeed", "skills", "departments"][..],
                "points",
            ),
            (
                "scope",
                &["platform", "organization", "department"][..],
                "organization",
            ),
            ("window", &["weekly", "monthly", "allTime"][..], "monthly"),
        ] {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .schema(Some(string_schema(values, Some(default)))),
            );
        }
    }
    let queries: &[(&str, &[&str], Option<&str>, &str)] = match spec.id {
        "I4" => &[
            ("endpoint", &[], None, "Contract path the sample stands for"),
            (
                "userId",
                &[],
                None,
                "Synthetic user id (UUID) to centre the sample on",
            ),
        ],
        "I6" => &[
            (
                "timeframe",
                &["1h", "24h", "7d", "30d"],
                Some("24h"),
                "Echoed; figures cover this instance's recent calls",
            ),
            ("service", &[], None, "Only this upstream (slug)"),
        ],
        _ => &[],
    };
    for (name, values, default, text) in queries {
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(*text))
                .schema(Some(string_schema(values, *default))),
        );
    }
    let request = match spec.id {
        "A1" => Some("LoginRequest"),
        "A2" => Some("RefreshRequest"),
        "G5" => Some("PreferencesRequest"),
        "P4" => Some("RecommendationStatusRequest"),
        "IN1" => Some("IngestRequest"),
        "IN2" => Some("IngestDeleteRequest"),
        "S3" => Some("ManualRefreshRequest"),
        "I3" => Some("IntegrationTestRequest"),
        _ => None,
    };
    if let Some(name) = request {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    JSON,
                    ContentBuilder::new().schema(Some(schema_ref(name))).build(),
                )
                .build(),
        ));
    }
    let ok = match &described.body {
        Body::Json(name) => ResponseBuilder::new().description("OK").content(
            JSON,
            ContentBuilder::new().schema(Some(schema_ref(name))).build(),
        ),
        Body::Envelope(data) => ResponseBuilder::new()
            .description(format!(
                "The analytics envelope; `data` is {data}. `Cache-Control: private, max-age=N` \
                 until `expiresAt` (`no-cache` when stale)"
            ))
            .content(
                JSON,
                ContentBuilder::new()
                    .schema(Some(schema_ref("AnalyticsEnvelope")))
                    .build(),
            ),
        Body::Other(media) => ResponseBuilder::new()
            .description("OK")
            .content(*media, ContentBuilder::new().build()),
    };
    // S3 queues work: 202 Accepted (`api.md` 2.9).
    let success = if spec.id == "S3" { "202" } else { "200" };
    op = op.response(success, ok.build());
    if spec.id == "I1" {
        op = op.response(
            "503",
            ResponseBuilder::new()
                .description("Some upstream is not healthy: the same body, `status: degraded`")
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(schema_ref("IntegrationHealthBody")))
                        .build(),
                )
                .build(),
        );
    }
    if spec.id == "S1" {
        op = op.response(
            "503",
            ResponseBuilder::new()
                .description("Unhealthy: the same body, with `status: unhealthy`")
                .content(
                    JSON,
                    ContentBuilder::new()
                        .schema(Some(schema_ref("HealthReport")))
                        .build(),
                )
                .build(),
        );
    }
    for (status, text) in error_statuses(spec, &described.body) {
        if (spec.id == "S1" || spec.id == "I1") && status == 503 {
            continue;
        }
        op = op.response(status.to_string(), error_response(&text));
    }
    op.build()
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => unreachable!("the route table uses GET, POST, PUT, PATCH and DELETE only"),
    }
}

/// Builds the document from the route table.
pub fn document() -> Document {
    let mut doc = Components::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for spec in policy::ROUTES {
        let Some(described) = describe(spec.id) else {
            // Left out on purpose: the API test reports the undocumented route.
            continue;
        };
        let op = operation(spec, described);
        doc.paths
            .add_path_operation(spec.path, vec![http_method(&spec.method)], op);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

fn cached_document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(document)
}

/// D-OAS `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    Json(cached_document()).into_response()
}

/// The page's own policy: Scalar's script and styles come from a CDN (so the page needs
/// internet access to render); everything else stays as strict as the API's default.
const DOCS_CSP: &str = "default-src 'none'; script-src https://cdn.jsdelivr.net; \
     style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.scalar.com; \
     font-src data: https://cdn.jsdelivr.net https://fonts.scalar.com; img-src data: https:; \
     connect-src 'self'; frame-ancestors 'none'";

/// D-DOCS `GET /api/docs`.
pub async fn docs() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        utoipa_scalar::Scalar::new(cached_document().clone())
            .title("Learning Analytics API")
            .to_html()
    });
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        )],
        Html(page.as_str()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_come_from_the_template() {
        assert_eq!(
            path_parameters("/api/v1/learner/analytics/velocity/{userId}"),
            ["userId"]
        );
        assert!(path_parameters("/api/health").is_empty());
    }

    #[test]
    fn role_scoped_subject_routes_list_the_access_errors() {
        let spec = policy::ROUTES.iter().find(|r| r.id == "C1").unwrap();
        let errors = error_statuses(spec, &Body::Envelope(""));
        let statuses: Vec<u16> = errors.keys().copied().collect();
        assert_eq!(statuses, [400, 401, 403, 404, 422, 429, 500, 503]);
        assert!(errors[&400].contains("ACTIVE_ROLE_REQUIRED"));
        let health = policy::ROUTES.iter().find(|r| r.id == "S1").unwrap();
        let statuses: Vec<u16> = error_statuses(health, &Body::Json("HealthReport"))
            .keys()
            .copied()
            .collect();
        assert_eq!(statuses, [429, 500]);
    }
}
