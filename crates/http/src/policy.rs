//! Who may call what (`api.md` 1.3, 1.4, 2.1): the table of every route with its active-role
//! rule and rate-limit class, and the [`Caller`] extractor that applies the checks in the
//! specified order: authentication (401) → per-user rate limit (429) → `X-Active-Role` steps
//! 1–4 (400/403). Handlers then validate their input (400), check ownership (403) and existence
//! (404), in that order.
//!
//! The table is the single source of truth: the router is built from the same paths, the
//! OpenAPI test and the access-matrix test walk it, and a route missing from it fails them.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{HeaderName, Method, header};
use la_app::auth::Principal;
use la_domain::Role;
use uuid::Uuid;

pub static X_ACTIVE_ROLE: HeaderName = HeaderName::from_static("x-active-role");

/// The "Active role" column of `api.md` 2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveRoleRule {
    /// Unauthenticated endpoint: the header is ignored.
    Ignored,
    /// Authenticated; the header is validated (steps 2–3) when present.
    Optional,
    /// Required; any held role is accepted.
    Any,
    /// Required and must be one of these.
    OneOf(&'static [Role]),
}

/// Rate-limit classes of `api.md` 3.4 (applied by `crate::limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitClass {
    /// 5 per 15 min per IP.
    Login,
    /// 10 per minute per user (IP fallback).
    TokenRefresh,
    /// `me` and logout: 60 per minute per user.
    Session,
    /// Role analytics, overviews, comparison, predictive, gamification: 100 per hour per
    /// (user, route).
    Analytics,
    /// Health and status: 1000 per hour per IP.
    System,
    /// Push ingestion: 120 per minute per ingest key or user (decided here).
    Ingest,
    /// Manual refresh (S3): 3 per hour per user, counted by the handler after validation
    /// and authorisation (`api.md` 3.4).
    ManualRefresh,
    /// Job status and cancel (J1, J2): 60 per minute per user.
    Jobs,
    /// Integration service status (I2): 100 per hour per IP.
    IntegrationStatus,
    /// Integration test call (I3): 10 per minute per user.
    IntegrationTest,
    /// Integration mock data (I4): 100 per hour per user.
    IntegrationMockData,
    /// Circuit-breaker reset (I5): 5 per hour per user.
    IntegrationReset,
    /// Integration metrics (I6): 60 per hour per user.
    IntegrationMetrics,
}

/// What the route's path addresses, for ownership checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRule {
    None,
    /// `:userId`: the caller's own id (platform-admin: anyone).
    OwnUser,
    /// `:trainerId`: the caller's own id (platform-admin: anyone).
    OwnTrainer,
    /// `:orgId`: the caller's organisation (platform-admin: any).
    OwnOrganization,
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// The id of `api.md` 2.1 (A1, L3, …).
    pub id: &'static str,
    pub method: Method,
    /// The axum path template.
    pub path: &'static str,
    pub role: ActiveRoleRule,
    pub subject: SubjectRule,
    pub limit: LimitClass,
}

const LEARNER_OR_ADMIN: &[Role] = &[Role::Learner, Role::PlatformAdmin];
const TRAINER_OR_ADMIN: &[Role] = &[Role::Trainer, Role::PlatformAdmin];
const ORG_ADMIN_OR_ADMIN: &[Role] = &[Role::OrgAdmin, Role::PlatformAdmin];
const PLATFORM_ADMIN: &[Role] = &[Role::PlatformAdmin];

macro_rules! route {
    ($id:literal, $method:ident, $path:literal, $role:expr, $subject:ident, $limit:ident) => {
        RouteSpec {
            id: $id,
            method: Method::$method,
            path: $path,
            role: $role,
            subject: SubjectRule::$subject,
            limit: LimitClass::$limit,
        }
    };
}

use ActiveRoleRule::{Any, Ignored, OneOf, Optional};

/// Every route the service answers.
pub const ROUTES: &[RouteSpec] = &[
    route!("S1", GET, "/api/health", Ignored, None, System),
    route!("S2", GET, "/api/status", Ignored, None, System),
    route!("A1", POST, "/api/v1/auth/login", Ignored, None, Login),
    route!(
        "A2",
        POST,
        "/api/v1/auth/refresh",
        Ignored,
        None,
        TokenRefresh
    ),
    route!("A3", GET, "/api/v1/auth/me", Optional, None, Session),
    route!("A4", POST, "/api/v1/auth/logout", Optional, None, Session),
    route!(
        "L1",
        GET,
        "/api/v1/learner/analytics/velocity/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L2",
        GET,
        "/api/v1/learner/analytics/skill-gap/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L3",
        GET,
        "/api/v1/learner/analytics/engagement/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L4",
        GET,
        "/api/v1/learner/analytics/mastery/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L5",
        GET,
        "/api/v1/learner/analytics/performance/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L6",
        GET,
        "/api/v1/learner/analytics/content-effectiveness/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "L7",
        GET,
        "/api/v1/learner/analytics/overview/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "T1",
        GET,
        "/api/v1/trainer/analytics/course-performance/{trainerId}",
        OneOf(TRAINER_OR_ADMIN),
        OwnTrainer,
        Analytics
    ),
    route!(
        "T2",
        GET,
        "/api/v1/trainer/analytics/course-health/{trainerId}",
        OneOf(TRAINER_OR_ADMIN),
        OwnTrainer,
        Analytics
    ),
    route!(
        "T3",
        GET,
        "/api/v1/trainer/analytics/student-distribution/{trainerId}",
        OneOf(TRAINER_OR_ADMIN),
        OwnTrainer,
        Analytics
    ),
    route!(
        "T4",
        GET,
        "/api/v1/trainer/analytics/teaching-effectiveness/{trainerId}",
        OneOf(TRAINER_OR_ADMIN),
        OwnTrainer,
        Analytics
    ),
    route!(
        "T5",
        GET,
        "/api/v1/trainer/analytics/overview/{trainerId}",
        OneOf(TRAINER_OR_ADMIN),
        OwnTrainer,
        Analytics
    ),
    route!(
        "O1",
        GET,
        "/api/v1/org-admin/analytics/learning-velocity/{orgId}",
        OneOf(ORG_ADMIN_OR_ADMIN),
        OwnOrganization,
        Analytics
    ),
    route!(
        "O2",
        GET,
        "/api/v1/org-admin/analytics/strategic-alignment/{orgId}",
        OneOf(ORG_ADMIN_OR_ADMIN),
        OwnOrganization,
        Analytics
    ),
    route!(
        "O3",
        GET,
        "/api/v1/org-admin/analytics/learning-culture/{orgId}",
        OneOf(ORG_ADMIN_OR_ADMIN),
        OwnOrganization,
        Analytics
    ),
    route!(
        "O4",
        GET,
        "/api/v1/org-admin/analytics/org-performance/{orgId}",
        OneOf(ORG_ADMIN_OR_ADMIN),
        OwnOrganization,
        Analytics
    ),
    route!(
        "O5",
        GET,
        "/api/v1/org-admin/analytics/overview/{orgId}",
        OneOf(ORG_ADMIN_OR_ADMIN),
        OwnOrganization,
        Analytics
    ),
    route!(
        "C1",
        GET,
        "/api/v1/comparison/peer/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "C2",
        GET,
        "/api/v1/comparison/skill-demand",
        Any,
        None,
        Analytics
    ),
    route!(
        "P1",
        GET,
        "/api/v1/predictive/drop-off-risk/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "P2",
        GET,
        "/api/v1/predictive/forecast/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    route!(
        "P3",
        GET,
        "/api/v1/predictive/recommendations/{userId}",
        OneOf(LEARNER_OR_ADMIN),
        OwnUser,
        Analytics
    ),
    // Spec README decision 17: the user's decision on one of their recommendations.
    route!(
        "P4",
        PATCH,
        "/api/v1/predictive/recommendations/{userId}/{recommendationId}",
        Any,
        OwnUser,
        Session
    ),
    route!(
        "G1",
        GET,
        "/api/v1/gamification/stats/{userId}",
        Any,
        OwnUser,
        Analytics
    ),
    route!(
        "G2",
        GET,
        "/api/v1/gamification/achievements/{userId}",
        Any,
        OwnUser,
        Analytics
    ),
    route!(
        "G3",
        GET,
        "/api/v1/gamification/leaderboard",
        Any,
        None,
        Analytics
    ),
    route!(
        "G4",
        GET,
        "/api/v1/gamification/streak/{userId}",
        Any,
        OwnUser,
        Analytics
    ),
    // Spec README decision 17: the user's leaderboard and sharing choices.
    route!(
        "G5",
        PUT,
        "/api/v1/gamification/preferences/{userId}",
        Any,
        OwnUser,
        Session
    ),
    // Push ingestion (spec README decisions 2 and 11): a platform admin, or an upstream with
    // an ingest key (which skips the role header; see `routes::ingest`).
    route!(
        "IN1",
        POST,
        "/api/v1/ingest/{entity}",
        OneOf(PLATFORM_ADMIN),
        None,
        Ingest
    ),
    route!(
        "IN2",
        DELETE,
        "/api/v1/ingest/{entity}",
        OneOf(PLATFORM_ADMIN),
        None,
        Ingest
    ),
    // Manual refresh and jobs (`api.md` 2.9 S3, 2.10): the subject is in the body or the
    // job, so ownership is checked by the handlers.
    route!(
        "S3",
        POST,
        "/api/v1/analytics/refresh",
        Any,
        None,
        ManualRefresh
    ),
    route!("J1", GET, "/api/v1/jobs/{jobId}", Optional, None, Jobs),
    route!(
        "J2",
        POST,
        "/api/v1/jobs/{jobId}/cancel",
        Optional,
        None,
        Jobs
    ),
    // Integration (`api.md` 2.11): I1 is public like health (1000/h/IP), I2 public with its
    // own IP limit.
    route!(
        "I1",
        GET,
        "/api/v1/integration/health",
        Ignored,
        None,
        System
    ),
    route!(
        "I2",
        GET,
        "/api/v1/integration/services/{serviceName}/status",
        Ignored,
        None,
        IntegrationStatus
    ),
    route!(
        "I3",
        POST,
        "/api/v1/integration/services/{serviceName}/test",
        Optional,
        None,
        IntegrationTest
    ),
    route!(
        "I4",
        GET,
        "/api/v1/integration/mock-data/{serviceName}",
        Optional,
        None,
        IntegrationMockData
    ),
    route!(
        "I5",
        POST,
        "/api/v1/integration/circuit-breaker/{serviceName}/reset",
        OneOf(PLATFORM_ADMIN),
        None,
        IntegrationReset
    ),
    route!(
        "I6",
        GET,
        "/api/v1/integration/metrics",
        Optional,
        None,
        IntegrationMetrics
    ),
    // Not in `api.md` 2.1: the API description and its browsable page, public like health.
    route!("D-OAS", GET, "/api/openapi.json", Ignored, None, System),
    route!("D-DOCS", GET, "/api/docs", Ignored, None, System),
    // Prometheus scrape endpoint, public on the listen address (ARCHITECTURE.md, "Metrics").
    route!("M1", GET, "/metrics", Ignored, None, System),
];

/// The spec of a route by method and path template.
pub fn route_spec(method: &Method, path: &str) -> Option<&'static RouteSpec> {
    ROUTES
        .iter()
        .find(|r| r.method == *method && r.path == path)
}

/// An authenticated caller of a route, with the active role it chose.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// `None` only where the header is optional and absent.
    pub active_role: Option<Role>,
    pub spec: &'static RouteSpec,
}

impl Caller {
    pub fn user_id(&self) -> Uuid {
        self.principal.claims.sub
    }

    pub fn is_platform_admin(&self) -> bool {
        self.active_role == Some(Role::PlatformAdmin)
    }

    /// The caller as the database's row-level security sees it (data.md 4.2).
    pub fn read_context(&self) -> la_app::ports::ReadContext {
        la_app::ports::ReadContext {
            user_id: self.principal.user_id(),
            organization_id: self.principal.claims.organization_id.map(la_domain::OrgId),
            role: self.active_role,
        }
    }

    /// [`Caller::read_context`] for a route whose role header is optional (J1, J2): without
    /// the header, the lowest role the caller holds **(decided here)**. The service then shows
    /// the caller only their own jobs, which the `jobs` policy (migration 0007) grants in
    /// every role; the least privileged role keeps the database from letting through more
    /// than the service would (a held platform-admin role would pass every job).
    pub fn read_context_or_lowest_role(&self) -> la_app::ports::ReadContext {
        la_app::ports::ReadContext {
            role: self
                .active_role
                .or_else(|| self.principal.claims.roles.iter().min().copied()),
            ..self.read_context()
        }
    }

    /// Decision 17's write endpoints (P4, G5) are own-user only, for platform admins too:
    /// the path's user must be the caller (as the own-row policies of migration 0007 have
    /// it on PostgreSQL).
    pub fn check_own_user(&self, subject: Uuid) -> Result<(), ApiError> {
        if subject == self.principal.claims.sub {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Step 7 of `api.md` 1.4: the path's subject must be the caller's own unless the active
    /// role is platform-admin.
    pub fn check_ownership(&self, subject: Uuid) -> Result<(), ApiError> {
        if self.is_platform_admin() {
            return Ok(());
        }
        let own = match self.spec.subject {
            SubjectRule::None => return Ok(()),
            SubjectRule::OwnUser | SubjectRule::OwnTrainer => Some(self.principal.claims.sub),
            SubjectRule::OwnOrganization => self.principal.claims.organization_id,
        };
        if own == Some(subject) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The bearer token of a request, if it has a well-formed `Authorization` header.
pub(crate) fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// Steps 1–4 of the `X-Active-Role` checks (`api.md` 1.3).
fn active_role(
    parts: &Parts,
    rule: ActiveRoleRule,
    principal: &Principal,
) -> Result<Option<Role>, ApiError> {
    let raw = parts
        .headers
        .get(&X_ACTIVE_ROLE)
        .map(|v| v.to_str().unwrap_or("\u{fffd}").trim())
        .filter(|v| !v.is_empty());
    let required = matches!(rule, ActiveRoleRule::Any | ActiveRoleRule::OneOf(_));
    let Some(raw) = raw else {
        return if required {
            Err(ApiError::ActiveRoleRequired)
        } else {
            Ok(None)
        };
    };
    let role = Role::parse_wire(raw).map_err(|_| {
        ApiError::validation(
            "X-Active-Role",
            "must be one of learner, trainer, org-admin, platform-admin",
        )
    })?;
    if !principal.claims.roles.contains(&role) {
        return Err(ApiError::RoleNotAssigned);
    }
    if let ActiveRoleRule::OneOf(allowed) = rule
        && !allowed.contains(&role)
    {
        return Err(ApiError::Forbidden);
    }
    Ok(Some(role))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let spec = route_spec(&parts.method, &path)
            .ok_or_else(|| ApiError::Internal(format!("route {path} has no access rule")))?;
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        let principal = state.auth.authenticate(token).await?;
        crate::limits::check_user(state, spec, &principal, parts)?;
        let active_role = active_role(parts, spec.role, &principal)?;
        // Recorded for the request log (pseudonymous id and role only, `api.md` 3.8).
        tracing::Span::current().record("user", tracing::field::display(principal.claims.sub));
        if let Some(role) = active_role {
            tracing::Span::current().record("role", role.as_str());
        }
        Ok(Caller {
            principal,
            active_role,
            spec,
        })
    }
}

/// Parses a path id, reporting a malformed one under its parameter name.
pub fn parse_id(name: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::validation(name, "must be a UUID"))
}
