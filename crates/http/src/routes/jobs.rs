//! S3 manual refresh, J1 job status, J2 cancel (`api.md` 2.9, 2.10, 4.2).

use crate::AppState;
use crate::error::ApiError;
use crate::json::{FieldErrors, parse_body};
use crate::limits;
use crate::policy::{Caller, parse_id};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use la_app::jobs::Viewer;
use la_app::jobs::service::{JobsService, ManualRefresh, refreshable};
use la_app::ports::Job;
use la_domain::Role;
use la_domain::jobs::JobStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// How long a refresh is expected to take (`api.md` S3: now + 5 min).
const ESTIMATE: Duration = Duration::minutes(5);

fn service(state: &AppState) -> Result<&JobsService, ApiError> {
    state.jobs.as_ref().ok_or(ApiError::Unavailable)
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    #[serde(rename = "userId")]
    user_id: Option<Value>,
    role: Option<Value>,
    analytics: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshQueued {
    job_id: Uuid,
    message: &'static str,
    estimated_completion: String,
    queued_analytics: Vec<String>,
}

/// `POST /api/v1/analytics/refresh`: validate, authorise, count against 3/h, enqueue or merge.
pub async fn refresh(
    State(state): State<AppState>,
    caller: Caller,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let jobs = service(&state)?;
    let body: RefreshBody = parse_body(&parts.headers, &body)?;
    let mut errors = FieldErrors::default();
    let user_id = match &body.user_id {
        Some(Value::String(s)) => match Uuid::parse_str(s) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("userId", "must be a UUID");
                None
            }
        },
        None | Some(Value::Null) => {
            errors.add("userId", "is required");
            None
        }
        Some(_) => {
            errors.add("userId", "must be a UUID");
            None
        }
    };
    let role = match &body.role {
        Some(Value::String(s)) => match Role::parse_wire(s) {
            Ok(role) if role != Role::PlatformAdmin => Some(role),
            _ => {
                errors.add("role", "must be learner, trainer or org-admin");
                None
            }
        },
        None | Some(Value::Null) => {
            errors.add("role", "is required");
            None
        }
        Some(_) => {
            errors.add("role", "must be learner, trainer or org-admin");
            None
        }
    };
    let mut analytics: Vec<String> = Vec::new();
    match &body.analytics {
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items {
                match item.as_str() {
                    Some(name) if analytics.iter().any(|a| a == name) => {
                        errors.add("analytics", "must not contain duplicates");
                    }
                    Some(name) => analytics.push(name.to_owned()),
                    None => errors.add("analytics", "must be a list of analytics names"),
                }
            }
            if let Some(role) = role
                && let Some(bad) = analytics
                    .iter()
                    .find(|name| !refreshable(role).contains(&name.as_str()))
            {
                errors.add(
                    "analytics",
                    format!(
                        "`{bad}` is not refreshable for {}; expected one of {}",
                        role.as_str(),
                        refreshable(role).join(", ")
                    ),
                );
            }
        }
        None | Some(Value::Null) => errors.add("analytics", "is required"),
        Some(_) => errors.add("analytics", "must be a non-empty list of analytics names"),
    }
    errors.into_result()?;
    let (Some(user_id), Some(role)) = (user_id, role) else {
        return Err(ApiError::Internal("validated fields missing".to_owned()));
    };
    // Authorisation: your own analytics in your active role, unless platform-admin.
    if !caller.is_platform_admin()
        && (user_id != caller.user_id() || caller.active_role != Some(role))
    {
        return Err(ApiError::Forbidden);
    }
    limits::check_manual_refresh(&state, caller.user_id(), &parts).await?;
    let now = Utc::now();
    let enqueued = jobs
        .manual_refresh(
            ManualRefresh {
                requested_by: la_domain::UserId(caller.user_id()),
                user_id: la_domain::UserId(user_id),
                role,
                analytics,
                request_id: Some(crate::request_id::current_request_id()),
            },
            now,
        )
        .await?;
    let viewer = Viewer {
        user_id: la_domain::UserId(caller.user_id()),
        platform_admin: true,
    };
    let job = jobs
        .get(enqueued.id(), viewer, &caller.read_context())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RefreshQueued {
            job_id: job.id,
            message: "Manual refresh queued successfully",
            estimated_completion: ts(now + ESTIMATE),
            queued_analytics: job.queued_analytics,
        }),
    )
        .into_response())
}

/// The J1 body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobBody {
    job_id: Uuid,
    #[serde(rename = "type")]
    job_type: &'static str,
    status: &'static str,
    progress: i16,
    user_id: Option<Uuid>,
    role: Option<&'static str>,
    queued_analytics: Vec<String>,
    completed_analytics: Vec<String>,
    failed_analytics: Vec<String>,
    attempts: i16,
    created_at: String,
    started_at: Option<String>,
    completed_at: Option<String>,
    estimated_completion: Option<String>,
    error: Option<String>,
}

impl JobBody {
    fn new(job: Job) -> Self {
        let estimated_completion = match job.status {
            JobStatus::Pending => Some(ts(job.run_after.max(job.created_at) + ESTIMATE)),
            JobStatus::Running => job.started_at.map(|s| ts(s + ESTIMATE)),
            _ => None,
        };
        JobBody {
            job_id: job.id,
            job_type: job.job_type.as_str(),
            status: job.status.as_str(),
            progress: job.progress,
            user_id: job.user_id.map(|u| u.0),
            role: job.subject.and_then(|s| s.role).map(Role::as_str),
            queued_analytics: job.queued_analytics,
            completed_analytics: job.completed_analytics,
            failed_analytics: job.failed_analytics,
            attempts: job.attempts,
            created_at: ts(job.created_at),
            started_at: job.started_at.map(ts),
            completed_at: job.completed_at.map(ts),
            estimated_completion,
            error: job.error,
        }
    }
}

fn viewer(caller: &Caller) -> Viewer {
    Viewer {
        user_id: la_domain::UserId(caller.user_id()),
        platform_admin: caller.is_platform_admin(),
    }
}

/// `GET /api/v1/jobs/{jobId}`: the job if the caller may see it, else 404.
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(job_id): Path<String>,
) -> Result<Json<JobBody>, ApiError> {
    let id = parse_id("jobId", &job_id)?;
    let job = service(&state)?
        .get(id, viewer(&caller), &caller.read_context_or_lowest_role())
        .await?;
    Ok(Json(JobBody::new(job)))
}

/// `POST /api/v1/jobs/{jobId}/cancel`: cancels a pending job (409 otherwise).
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(job_id): Path<String>,
) -> Result<Json<JobBody>, ApiError> {
    let id = parse_id("jobId", &job_id)?;
    let job = service(&state)?
        .cancel(
            id,
            viewer(&caller),
            &caller.read_context_or_lowest_role(),
            Utc::now(),
        )
        .await?;
    Ok(Json(JobBody::new(job)))
}
