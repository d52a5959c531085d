//! The job use cases behind the API: manual refresh (S3), job status (J1) and cancel (J2).

use super::{RefreshRequest, Viewer, refresh_subject, request_refresh, visible_to};
use crate::analytics::names;
use crate::ports::{CancelOutcome, Enqueued, Job, JobStore, ReadContext, Store, StoreError};
use chrono::{DateTime, Utc};
use la_domain::jobs::JobType;
use la_domain::{Role, UserId};
use std::sync::Arc;
use uuid::Uuid;

/// The analytics a manual refresh may name per role (`api.md` S3).
pub fn refreshable(role: Role) -> &'static [&'static str] {
    match role {
        Role::Learner => &[
            names::VELOCITY,
            names::SKILL_GAP,
            names::ENGAGEMENT,
            names::MASTERY,
            names::PERFORMANCE,
            names::CONTENT_EFFECTIVENESS,
            names::PEER,
            names::DROP_OFF_RISK,
            names::FORECAST,
            names::RECOMMENDATIONS,
        ],
        Role::Trainer => &[
            names::COURSE_PERFORMANCE,
            names::COURSE_HEALTH,
            names::STUDENT_DISTRIBUTION,
            names::TEACHING_EFFECTIVENESS,
        ],
        Role::OrgAdmin => &[
            names::ORG_LEARNING_VELOCITY,
            names::STRATEGIC_ALIGNMENT,
            names::LEARNING_CULTURE,
            names::ORG_PERFORMANCE,
        ],
        Role::PlatformAdmin => &[],
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("not found")]
    NotFound,
    #[error("the job is not pending")]
    NotCancellable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A validated manual refresh request.
#[derive(Debug, Clone)]
pub struct ManualRefresh {
    pub requested_by: UserId,
    pub user_id: UserId,
    pub role: Role,
    pub analytics: Vec<String>,
    pub request_id: Option<String>,
}

#[derive(Clone)]
pub struct JobsService {
    store: Arc<dyn Store>,
    jobs: Arc<dyn JobStore>,
}

impl JobsService {
    pub fn new(store: Arc<dyn Store>, jobs: Arc<dyn JobStore>) -> Self {
        JobsService { store, jobs }
    }

    /// Enqueues (or merges) a manual refresh of `user`'s analytics in `role`. The user must
    /// exist, be active and hold the role, else `NotFound`.
    pub async fn manual_refresh(
        &self,
        request: ManualRefresh,
        now: DateTime<Utc>,
    ) -> Result<Enqueued, JobsError> {
        let profile = self
            .store
            .user_profile(request.user_id)
            .await?
            .filter(|p| p.is_active && p.roles.contains(&request.role))
            .ok_or(JobsError::NotFound)?;
        let subject = refresh_subject(profile.id, profile.organization_id, request.role)
            .ok_or(JobsError::NotFound)?;
        Ok(request_refresh(
            self.jobs.as_ref(),
            RefreshRequest {
                job_type: JobType::ManualAnalyticsRefresh,
                subject,
                user_id: Some(request.requested_by),
                analytics: request.analytics,
                request_id: request.request_id,
            },
            now,
        )
        .await?)
    }

    /// A job as `viewer` may see it; anything invisible is `NotFound`. The read runs as
    /// `reader` ([`JobStore::get_job_for`]: row-level security on PostgreSQL), and the
    /// service's own rule ([`visible_to`]) applies on top, so both must let the job through.
    pub async fn get(
        &self,
        id: Uuid,
        viewer: Viewer,
        reader: &ReadContext,
    ) -> Result<Job, JobsError> {
        self.jobs
            .get_job_for(reader, id)
            .await?
            .filter(|job| visible_to(job, viewer))
            .ok_or(JobsError::NotFound)
    }

    /// Cancels a pending job `viewer` may see (seen through [`JobsService::get`]); the write
    /// runs as `reader` too ([`JobStore::cancel_job_for`]).
    pub async fn cancel(
        &self,
        id: Uuid,
        viewer: Viewer,
        reader: &ReadContext,
        now: DateTime<Utc>,
    ) -> Result<Job, JobsError> {
        self.get(id, viewer, reader).await?;
        match self.jobs.cancel_job_for(reader, id, now).await? {
            CancelOutcome::Cancelled(job) => Ok(job),
            CancelOutcome::NotCancellable(_) => Err(JobsError::NotCancellable),
            CancelOutcome::NotFound => Err(JobsError::NotFound),
        }
    }
}
