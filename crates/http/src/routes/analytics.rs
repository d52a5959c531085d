//! Analytics reads: learner (L1–L7), trainer (T1–T5), organisation (O1–O5), comparison
//! (C1, C2), predictive (P1–P3) and gamification (G1, G2, G4), each in the envelope of
//! `api.md` 1.9. Every handler follows the order of `api.md` 1.4: the [`Caller`] extractor has
//! authenticated, rate-limited and checked the active role; here come validation (400),
//! ownership (403) and existence (404).

use crate::AppState;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::json::FieldErrors;
use crate::policy::{Caller, SubjectRule, parse_id};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use la_app::analytics::compute::org_performance_params;
use la_app::analytics::names;
use la_app::analytics::on_demand::{
    BoardRequest, LEADERBOARD, drop_off_params_key, skill_demand_params_key,
};
use la_app::analytics::read::{ReadError, Served};
use la_app::results::{ResultKey, ResultStatus, SubjectType};
use la_domain::Role;
use la_domain::analytics::Window;
use la_domain::analytics::comparison::skill_demand::Timeframe;
use la_domain::analytics::gamification::Period;
use la_domain::analytics::gamification::leaderboard::{BoardScope, BoardType};
use std::collections::HashMap;
use uuid::Uuid;

impl From<ReadError> for ApiError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::NotFound => ApiError::NotFound,
            ReadError::Denied => ApiError::Forbidden,
            ReadError::Store(e) => e.into(),
            ReadError::Compute(e) => ApiError::Internal(e),
        }
    }
}

type Params = Query<HashMap<String, String>>;

/// The `window` query parameter (`api.md` 1.8), default 30d.
fn window(params: &HashMap<String, String>, errors: &mut FieldErrors) -> Window {
    match params.get("window") {
        None => Window::Days30,
        Some(raw) => Window::parse(raw).unwrap_or_else(|| {
            errors.add("window", "must be one of 7d, 30d, 90d");
            Window::Days30
        }),
    }
}

/// Validates the path id and the window together, then checks ownership.
fn subject_and_window(
    caller: &Caller,
    name: &str,
    raw_id: &str,
    params: &HashMap<String, String>,
) -> Result<(Uuid, Window), ApiError> {
    subject_and_window_with(caller, name, raw_id, params, FieldErrors::default())
}

/// [`subject_and_window`] with the route's own parameter errors found so far (all are
/// reported together, before ownership: `api.md` 1.4).
fn subject_and_window_with(
    caller: &Caller,
    name: &str,
    raw_id: &str,
    params: &HashMap<String, String>,
    mut errors: FieldErrors,
) -> Result<(Uuid, Window), ApiError> {
    let id = Uuid::parse_str(raw_id).ok();
    if id.is_none() {
        errors.add(name, "must be a UUID");
    }
    let window = window(params, &mut errors);
    errors.into_result()?;
    let id = id.expect("checked above");
    caller.check_ownership(id)?;
    Ok((id, window))
}

fn window_key(window: Window) -> String {
    format!("window={}", window.as_str())
}

fn user_key(user: Uuid, role: Role, analytics_type: &str, params_key: String) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::User,
        subject_id: user,
        role: Some(role),
        analytics_type: analytics_type.to_owned(),
        params_key,
    }
}

fn org_key(org: Uuid, analytics_type: &str, window: Window) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::Organization,
        subject_id: org,
        role: Some(Role::OrgAdmin),
        analytics_type: analytics_type.to_owned(),
        params_key: window_key(window),
    }
}

/// The analytic a route serves, from its id in the route table.
fn analytic_of(route_id: &str) -> &'static str {
    match route_id {
        "L1" => names::VELOCITY,
        "L2" => names::SKILL_GAP,
        "L3" => names::ENGAGEMENT,
        "L4" => names::MASTERY,
        "L5" => names::PERFORMANCE,
        "L6" => names::CONTENT_EFFECTIVENESS,
        "T1" => names::COURSE_PERFORMANCE,
        "T2" => names::COURSE_HEALTH,
        "T3" => names::STUDENT_DISTRIBUTION,
        "T4" => names::TEACHING_EFFECTIVENESS,
        "O1" => names::ORG_LEARNING_VELOCITY,
        "O2" => names::STRATEGIC_ALIGNMENT,
        "O3" => names::LEARNING_CULTURE,
        "O4" => names::ORG_PERFORMANCE,
        "C1" => names::PEER,
        "P1" => names::DROP_OFF_RISK,
        "P2" => names::FORECAST,
        "P3" => names::RECOMMENDATIONS,
        "G1" => names::GAMIFICATION_STATS,
        "G2" => names::GAMIFICATION_ACHIEVEMENTS,
        "G4" => names::GAMIFICATION_STREAK,
        other => unreachable!("route {other} serves no single analytic"),
    }
}

/// L1–L6, T1–T4, O1–O4: one windowed analytic of the subject the route's path names.
pub async fn windowed(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let analytic = analytic_of(caller.spec.id);
    let (param, role) = match caller.spec.subject {
        SubjectRule::OwnTrainer => ("trainerId", Role::Trainer),
        SubjectRule::OwnOrganization => ("orgId", Role::OrgAdmin),
        _ => ("userId", Role::Learner),
    };
    // O4 only: `includeWorkers` (AS-003.13's named worker list, `true` or `false`), part of
    // the cache key (decision 12). Other routes ignore it.
    let mut errors = FieldErrors::default();
    let include_workers = match (caller.spec.id, params.get("includeWorkers")) {
        ("O4", Some(raw)) => match raw.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                errors.add("includeWorkers", "must be true or false");
                false
            }
        },
        _ => false,
    };
    let (subject, window) = subject_and_window_with(&caller, param, &raw, &params, errors)?;
    let key = match role {
        Role::OrgAdmin => ResultKey {
            params_key: org_performance_params(window, include_workers),
            ..org_key(subject, analytic, window)
        },
        _ => user_key(subject, role, analytic, window_key(window)),
    };
    let now = Utc::now();
    let served = state
        .analytics
        .read(key, &caller.read_context(), now)
        .await?;
    Ok(Envelope::single(&served, Some(window.as_str()), now).into_response())
}

/// Reads several analytics of one subject for an overview, in order.
async fn read_all(
    state: &AppState,
    caller: &Caller,
    keys: Vec<(&'static str, ResultKey)>,
) -> Result<Vec<(&'static str, Served)>, ApiError> {
    let now = Utc::now();
    let mut out = Vec::with_capacity(keys.len());
    for (name, key) in keys {
        let reader = caller.read_context();
        out.push((name, state.analytics.read(key, &reader, now).await?));
    }
    Ok(out)
}

/// An overview: several analytics of one subject keyed by name (decision 10), plus the
/// subject's id under `id_field`.
async fn overview(
    state: &AppState,
    caller: &Caller,
    subject: Uuid,
    id_field: &str,
    window: Window,
    components: &[(&'static str, &'static str)],
    key: impl Fn(&'static str) -> ResultKey,
) -> Result<Response, ApiError> {
    let keys = components
        .iter()
        .map(|(name, analytic)| (*name, key(analytic)))
        .collect();
    let parts = read_all(state, caller, keys).await?;
    let id = (
        id_field,
        serde_json::to_string(&subject).expect("a UUID serialises"),
    );
    Ok(Envelope::overview(&parts, &[id], Some(window.as_str()), Utc::now()).into_response())
}

/// L7: the six learner analytics keyed by name.
pub async fn learner_overview(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (user, window) = subject_and_window(&caller, "userId", &raw, &params)?;
    let components = [
        ("velocity", names::VELOCITY),
        ("skillGap", names::SKILL_GAP),
        ("engagement", names::ENGAGEMENT),
        ("mastery", names::MASTERY),
        ("performance", names::PERFORMANCE),
        ("contentEffectiveness", names::CONTENT_EFFECTIVENESS),
    ];
    overview(
        &state,
        &caller,
        user,
        "userId",
        window,
        &components,
        |analytic| user_key(user, Role::Learner, analytic, window_key(window)),
    )
    .await
}

/// T5: the four trainer analytics keyed by name, and the trainer's AS-004.17
/// recommendations (spec README: T5 adds them) under `recommendations`.
pub async fn trainer_overview(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (trainer, window) = subject_and_window(&caller, "trainerId", &raw, &params)?;
    let components = [
        ("coursePerformance", names::COURSE_PERFORMANCE),
        ("courseHealth", names::COURSE_HEALTH),
        ("studentDistribution", names::STUDENT_DISTRIBUTION),
        ("teachingEffectiveness", names::TEACHING_EFFECTIVENESS),
        ("recommendations", names::RECOMMENDATIONS),
    ];
    overview(
        &state,
        &caller,
        trainer,
        "trainerId",
        window,
        &components,
        |analytic| user_key(trainer, Role::Trainer, analytic, window_key(window)),
    )
    .await
}

/// O5: the four organisation analytics keyed by name, and the organisation's AS-004.17
/// recommendations under `recommendations`: an org admin gets their own (their saved and
/// dismissed items, decision 17); a platform admin the organisation's view without anyone's
/// decisions **(decided here)**.
pub async fn organization_overview(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (org, window) = subject_and_window(&caller, "orgId", &raw, &params)?;
    let components = [
        ("learningVelocity", names::ORG_LEARNING_VELOCITY),
        ("strategicAlignment", names::STRATEGIC_ALIGNMENT),
        ("learningCulture", names::LEARNING_CULTURE),
        ("orgPerformance", names::ORG_PERFORMANCE),
        ("recommendations", names::RECOMMENDATIONS),
    ];
    let viewer = (caller.active_role == Some(Role::OrgAdmin)).then(|| caller.user_id());
    overview(
        &state,
        &caller,
        org,
        "organizationId",
        window,
        &components,
        |analytic| match viewer {
            Some(admin) if analytic == names::RECOMMENDATIONS => {
                user_key(admin, Role::OrgAdmin, analytic, window_key(window))
            }
            _ => org_key(org, analytic, window),
        },
    )
    .await
}

/// Validates a path user id and checks ownership (routes without a window).
fn own_user(caller: &Caller, raw: &str) -> Result<Uuid, ApiError> {
    let user = parse_id("userId", raw)?;
    caller.check_ownership(user)?;
    Ok(user)
}

/// C1 (peer) and P1–P3: computed by the batch at the default window. P1 also takes an
/// optional `courseId` (AS-004.15 for that course instead of the riskiest active
/// enrollment), computed on first request from a platform snapshot and kept under its own
/// key (decision 12).
pub async fn learner_comparison(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    if caller.spec.id == "P1"
        && let Some(raw_course) = params.get("courseId")
    {
        return drop_off_for_course(state, caller, &raw, raw_course).await;
    }
    let user = own_user(&caller, &raw)?;
    let key = user_key(
        user,
        Role::Learner,
        analytic_of(caller.spec.id),
        window_key(Window::Days30),
    );
    let now = Utc::now();
    let served = state
        .analytics
        .read(key, &caller.read_context(), now)
        .await?;
    // C1 only: a platform-wide peer group below k is an error, not an empty result
    // (`api.md` 2.6, decision 14).
    if caller.spec.id == "C1" && served.result.status == ResultStatus::InsufficientData {
        return Err(ApiError::InsufficientPeerGroup);
    }
    Ok(Envelope::single(&served, None, now).into_response())
}

/// P1 with `courseId`: both ids are validated together (400), then ownership (403); an
/// unknown course is a 404, a course without the learner's active enrollment is
/// `insufficient_data` (AS-004.15).
async fn drop_off_for_course(
    state: AppState,
    caller: Caller,
    raw_user: &str,
    raw_course: &str,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::default();
    let user = Uuid::parse_str(raw_user).ok();
    if user.is_none() {
        errors.add("userId", "must be a UUID");
    }
    let course = Uuid::parse_str(raw_course).ok();
    if course.is_none() {
        errors.add("courseId", "must be a UUID");
    }
    errors.into_result()?;
    let (user, course) = (user.expect("checked"), course.expect("checked"));
    caller.check_ownership(user)?;
    let key = user_key(
        user,
        Role::Learner,
        names::DROP_OFF_RISK,
        drop_off_params_key(course, Window::Days30),
    );
    let now = Utc::now();
    let served = state
        .analytics
        .read_on_demand(key, &caller.read_context(), now, move |snapshot, key| {
            snapshot.drop_off_for_course(
                key,
                la_domain::UserId(user),
                la_domain::CourseId(course),
                now,
            )
        })
        .await?;
    Ok(Envelope::single(&served, None, now).into_response())
}

/// G1, G2, G4: gamification is kept per (user, role); a platform admin reads the subject's
/// learner state (a platform admin earns nothing of their own).
pub async fn gamification(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let user = own_user(&caller, &raw)?;
    let role = match caller.active_role {
        Some(Role::PlatformAdmin) | None => Role::Learner,
        Some(role) => role,
    };
    let key = user_key(
        user,
        role,
        analytic_of(caller.spec.id),
        names::GAMIFICATION_PARAMS.to_owned(),
    );
    let now = Utc::now();
    let served = state
        .analytics
        .read(key, &caller.read_context(), now)
        .await?;
    Ok(Envelope::single(&served, None, now).into_response())
}

/// C2: platform-wide skill demand (`timeframe`, `skills`). The default parameters are
/// precomputed by the batch; others are computed from a platform snapshot on first request.
pub async fn skill_demand(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::default();
    let timeframe = match params.get("timeframe") {
        None => Timeframe::Months6,
        Some(raw) => Timeframe::parse(raw).unwrap_or_else(|| {
            errors.add("timeframe", "must be one of 3months, 6months, 1year");
            Timeframe::Months6
        }),
    };
    let mut skills: Vec<String> = Vec::new();
    if let Some(raw) = params.get("skills") {
        skills = raw.split(',').map(|s| s.trim().to_lowercase()).collect();
        if skills.len() > 20
            || skills
                .iter()
                .any(|s| s.is_empty() || s.chars().count() > 64)
        {
            errors.add("skills", "must list 1 to 20 names of 1 to 64 characters");
        }
        skills.sort();
        skills.dedup();
    }
    errors.into_result()?;
    let key = ResultKey {
        subject_type: SubjectType::Platform,
        subject_id: Uuid::nil(),
        role: None,
        analytics_type: names::SKILL_DEMAND.to_owned(),
        params_key: skill_demand_params_key(timeframe, &skills),
    };
    let now = Utc::now();
    let served = state
        .analytics
        .read_on_demand(key, &caller.read_context(), now, move |snapshot, key| {
            Some(snapshot.skill_demand(key, timeframe, &skills, now))
        })
        .await?;
    Ok(Envelope::single(&served, None, now).into_response())
}

/// G3: the caller's view of one leaderboard of their active role (`analytics.md` 8.4,
/// decision 16: query `type`, `scope`, `window`); anonymous except for the caller's own row.
pub async fn leaderboard(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::default();
    let board_type = match params.get("type") {
        None => BoardType::Points,
        Some(raw) => BoardType::parse(raw).unwrap_or_else(|| {
            errors.add(
                "type",
                "must be one of points, completionSpeed, skills, departments",
            );
            BoardType::Points
        }),
    };
    let scope = match params.get("scope") {
        None => BoardScope::Organization,
        Some(raw) => BoardScope::parse(raw).unwrap_or_else(|| {
            errors.add("scope", "must be one of platform, organization, department");
            BoardScope::Organization
        }),
    };
    let period = match params.get("window") {
        None => Period::Monthly,
        Some(raw) => Period::parse(raw).unwrap_or_else(|| {
            errors.add("window", "must be one of weekly, monthly, allTime");
            Period::Monthly
        }),
    };
    errors.into_result()?;
    let request = BoardRequest {
        board_type,
        scope,
        period,
    };
    // A platform admin earns nothing of their own; they see the learners' boards.
    let role = match caller.active_role {
        Some(Role::PlatformAdmin) | None => Role::Learner,
        Some(role) => role,
    };
    let user = la_domain::UserId(caller.user_id());
    let key = user_key(user.0, role, LEADERBOARD, request.params_key());
    let now = Utc::now();
    let served = state
        .analytics
        .read_on_demand(key, &caller.read_context(), now, move |snapshot, key| {
            snapshot.leaderboard(key, user, role, request, now)
        })
        .await?;
    Ok(Envelope::single(&served, None, now).into_response())
}
