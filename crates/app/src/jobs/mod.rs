//! The job queue's use cases (`data.md` 6, `api.md` 4): enqueueing with coalescing, the
//! worker (claim → run → complete, or fail with backoff until dead), the handlers per job
//! type, the schedules and the runtime that drives them.
//!
//! Our own small queue on the [`JobStore`](crate::ports::JobStore) port rather than apalis:
//! see ARCHITECTURE.md ("Job queue") for why.

pub mod handlers;
pub mod runtime;
pub mod schedule;
pub mod service;
pub mod worker;

use crate::ports::{Coalesce, Enqueued, Job, JobStore, JobSubject, NewJob, StoreError};
use crate::results::SubjectType;
use chrono::{DateTime, NaiveDate, Utc};
use la_domain::jobs::JobType;
use la_domain::{OrgId, Role, UserId};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// `calc:<subject_type>:<subject_id>:<role>`: one calculation per (subject, role) at a time
/// (`data.md` 6.1).
pub fn calc_key(subject: &JobSubject) -> String {
    format!(
        "calc:{}:{}:{}",
        subject.subject_type.as_str(),
        subject.subject_id,
        subject.role.map_or("none", Role::as_str)
    )
}

/// Merges the payload of a request into a pending job's (`data.md` 6.4): flags are OR-ed
/// (`forceRefetch`), lists are united, anything else keeps the first value.
pub fn merge_payload(stored: &Value, incoming: &Value) -> Value {
    let (Value::Object(stored), Value::Object(incoming)) = (stored, incoming) else {
        return stored.clone();
    };
    let mut merged: Map<String, Value> = stored.clone();
    for (key, value) in incoming {
        let combined = match (merged.get(key), value) {
            (Some(Value::Bool(a)), Value::Bool(b)) => Value::Bool(*a || *b),
            (Some(Value::Array(a)), Value::Array(b)) => {
                let mut all = a.clone();
                for item in b {
                    if !all.contains(item) {
                        all.push(item.clone());
                    }
                }
                Value::Array(all)
            }
            (Some(existing), _) => existing.clone(),
            (None, v) => v.clone(),
        };
        merged.insert(key.clone(), combined);
    }
    Value::Object(merged)
}

/// A job of `job_type` with the type's priority, timeout and attempts, due now.
pub fn new_job(job_type: JobType, now: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::new_v4(),
        job_type,
        priority: job_type.priority(),
        subject: None,
        user_id: None,
        request_id: None,
        coalesce_key: None,
        payload: json!({}),
        queued_analytics: Vec::new(),
        max_attempts: job_type.max_attempts(),
        run_after: now,
        timeout_s: job_type.timeout().num_seconds(),
        created_at: now,
    }
}

/// A recalculation of one (subject, role): manual, login-staleness or stale-read
/// (`api.md` 4.2, 4.3).
#[derive(Debug, Clone)]
pub struct RefreshRequest {
    pub job_type: JobType,
    pub subject: JobSubject,
    /// Who asked (the job's owner, who may see it through J1).
    pub user_id: Option<UserId>,
    pub analytics: Vec<String>,
    pub request_id: Option<String>,
}

/// Enqueues a subject refresh, coalesced by (subject, role): a pending job absorbs it; a
/// running one absorbs staleness and stale-read requests but not a manual refresh, which
/// then waits for it (`data.md` 6.4).
pub async fn request_refresh(
    jobs: &dyn JobStore,
    request: RefreshRequest,
    now: DateTime<Utc>,
) -> Result<Enqueued, StoreError> {
    let mut job = new_job(request.job_type, now);
    job.coalesce_key = Some(calc_key(&request.subject));
    job.subject = Some(request.subject);
    job.user_id = request.user_id;
    job.request_id = request.request_id.clone();
    job.queued_analytics = request.analytics;
    job.payload = json!({
        "forceRefetch": request.job_type == JobType::ManualAnalyticsRefresh,
        "requestId": request.request_id,
    });
    let coalesce = if request.job_type == JobType::ManualAnalyticsRefresh {
        Coalesce::PendingOnly
    } else {
        Coalesce::PendingOrRunning
    };
    jobs.enqueue(&job, coalesce).await
}

/// `api.md` 4.3: after a login, every held role whose newest stored result is older than
/// 6 hours, or that has none, gets a `login-staleness-refresh` of all its analytics, coalesced
/// with any pending or running job of that (subject, role). Returns what was requested.
pub async fn request_login_refreshes(
    results: &dyn crate::ports::ResultStore,
    jobs: &dyn JobStore,
    user: &crate::ports::UserProfile,
    now: DateTime<Utc>,
) -> Result<Vec<(Role, Enqueued)>, StoreError> {
    let mut requested = Vec::new();
    for role in &user.roles {
        let Some(subject) = refresh_subject(user.id, user.organization_id, *role) else {
            continue;
        };
        let newest = results
            .subject_results(subject.subject_type, subject.subject_id, subject.role)
            .await?
            .into_iter()
            .map(|r| r.calculated_at)
            .max();
        let fresh = newest.is_some_and(|at| now - at <= crate::analytics::read::STALE_AFTER);
        if fresh {
            continue;
        }
        let request = RefreshRequest {
            job_type: JobType::LoginStalenessRefresh,
            subject,
            user_id: Some(user.id),
            analytics: service::refreshable(*role)
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
            request_id: None,
        };
        requested.push((*role, request_refresh(jobs, request, now).await?));
    }
    Ok(requested)
}

/// Enqueues the recalculation after push ingestion changed these organisations' inputs
/// (decision 11), coalesced into one pending job.
pub async fn request_ingest_refresh(
    jobs: &dyn JobStore,
    orgs: &[OrgId],
    now: DateTime<Utc>,
) -> Result<Enqueued, StoreError> {
    let mut job = new_job(JobType::IngestRefresh, now);
    job.coalesce_key = Some("ingest-refresh".to_owned());
    // `unaffiliated`: users without an organisation and the platform subject (skill demand)
    // take pushed data into account too.
    job.payload = json!({
        "orgs": orgs.iter().map(|o| o.0).collect::<Vec<_>>(),
        "unaffiliated": true,
    });
    jobs.enqueue(&job, Coalesce::PendingOnly).await
}

/// The daily batch job of `day` (coalesce key `batch:<day>`).
pub fn daily_batch_job(day: NaiveDate, now: DateTime<Utc>) -> NewJob {
    let mut job = new_job(JobType::DailyAnalyticsBatch, now);
    job.coalesce_key = Some(format!("batch:{day}"));
    job.payload = json!({ "runDate": day.to_string() });
    job
}

/// The retention clean-up job of `day`.
pub fn retention_job(day: NaiveDate, now: DateTime<Utc>) -> NewJob {
    let mut job = new_job(JobType::RetentionCleanup, now);
    job.coalesce_key = Some("retention-cleanup".to_owned());
    job.payload = json!({ "runDate": day.to_string() });
    job
}

/// Who is asking to see a job (J1/J2).
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: UserId,
    pub platform_admin: bool,
}

/// Whether `viewer` may see `job` (`api.md` 2.10, decision 18): internal types never; batch
/// jobs platform admins only; others their owner and platform admins. Anything else is a 404,
/// so a job's existence does not leak.
pub fn visible_to(job: &Job, viewer: Viewer) -> bool {
    if !job.job_type.is_public() {
        return false;
    }
    if viewer.platform_admin {
        return true;
    }
    !job.job_type.is_batch() && job.user_id == Some(viewer.user_id)
}

/// The subject a refresh of `role` for `user` is about: the organisation for org-admins
/// (`api.md` S3), the user otherwise.
pub fn refresh_subject(user: UserId, org: Option<OrgId>, role: Role) -> Option<JobSubject> {
    match role {
        Role::OrgAdmin => org.map(|o| JobSubject {
            subject_type: SubjectType::Organization,
            subject_id: o.0,
            role: Some(Role::OrgAdmin),
        }),
        Role::Learner | Role::Trainer => Some(JobSubject {
            subject_type: SubjectType::User,
            subject_id: user.0,
            role: Some(role),
        }),
        Role::PlatformAdmin => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_merge_flags_and_lists() {
        let stored = json!({"forceRefetch": false, "orgs": ["a"], "requestId": "r1"});
        let incoming = json!({"forceRefetch": true, "orgs": ["b", "a"], "requestId": "r2"});
        assert_eq!(
            merge_payload(&stored, &incoming),
            json!({"forceRefetch": true, "orgs": ["a", "b"], "requestId": "r1"})
        );
    }

    #[test]
    fn keys_name_subject_and_role() {
        let subject = JobSubject {
            subject_type: SubjectType::User,
            subject_id: Uuid::nil(),
            role: Some(Role::Learner),
        };
        assert_eq!(
            calc_key(&subject),
            "calc:user:00000000-0000-0000-0000-000000000000:learner"
        );
    }
}
