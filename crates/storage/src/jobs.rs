//! The job queue (`data.md` 6) on both databases, written once over sqlx's `Database` trait.
//!
//! The dialects differ in one place: PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
//! instances sharing the database never block on, or take, each other's row; SQLite claims
//! with the same single `UPDATE … RETURNING` without it (a write statement takes SQLite's one
//! write lock before it reads, and one process owns the file, decision 4).
//!
//! Coalescing is optimistic rather than locking: read the pending job of the key, write the
//! merge conditioned on its `revision`, insert with `ON CONFLICT DO NOTHING` against the
//! partial unique index on pending keys, and start over when another writer got in between.
//! This keeps SQLite out of read-then-write transactions (which fail instead of waiting when
//! another connection wrote meanwhile).

use crate::cells::RowCursor;
use crate::common::Binder;
use crate::decode::Cells;
use crate::error::store_error;
use crate::value::Value;
use chrono::{DateTime, NaiveDate, Utc};
use la_app::ports::{
    CancelOutcome, Coalesce, Enqueued, FailedAttempt, Job, JobSubject, Lease, NewJob,
    RetentionSummary, StoreError,
};
use la_app::results::SubjectType;
use la_domain::jobs::{JobStatus, JobType};
use la_domain::{OrgId, Role, UserId};
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool};
use uuid::Uuid;

const COLUMNS: &str = "id, type, status, priority, subject_type, subject_id, role, user_id, \
     request_id, coalesce_key, payload, queued_analytics, completed_analytics, failed_analytics, \
     progress, attempts, max_attempts, run_after, timeout_s, locked_by, heartbeat_at, started_at, \
     completed_at, error, created_at, updated_at, revision";

/// How many times an enqueue starts over after losing a race before giving up.
const ENQUEUE_ROUNDS: usize = 8;

fn arguments<DB: Database>(
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<DB::Arguments, StoreError> {
    let mut args = DB::Arguments::default();
    for value in params {
        bind(&mut args, value).map_err(|e| StoreError::Other(e.to_string()))?;
    }
    Ok(args)
}

/// Runs one statement; returns the rows it touched.
async fn execute<'e, DB, E>(
    executor: E,
    sql: &str,
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<u64, StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    DB::QueryResult: RowsAffected,
{
    let args: DB::Arguments = arguments::<DB>(params, bind)?;
    sqlx::query_with::<DB, _>(AssertSqlSafe(sql.to_owned()), args)
        .execute(executor)
        .await
        .map(|done| done.rows())
        .map_err(store_error)
}

/// The row count of a statement: both backends' results have it, sqlx has no trait for it.
pub(crate) trait RowsAffected {
    fn rows(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows(&self) -> u64 {
        self.rows_affected()
    }
}

/// Fetches rows and decodes each with `decode`.
async fn fetch_all<'e, DB, E, T>(
    executor: E,
    sql: &str,
    params: Vec<Value>,
    bind: Binder<DB>,
    decode: impl for<'r> Fn(&mut RowCursor<'r, DB::Row>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args: DB::Arguments = arguments::<DB>(params, bind)?;
    let rows = sqlx::query_with::<DB, _>(AssertSqlSafe(sql.to_owned()), args)
        .fetch_all(executor)
        .await
        .map_err(store_error)?;
    rows.iter()
        .map(|row| decode(&mut RowCursor::new(row)))
        .collect()
}

/// One job by id on `executor`: the pool, or the `la_api` transaction of an API read.
pub(crate) async fn job_by_id<'e, DB, E>(
    executor: E,
    id: Uuid,
    bind: Binder<DB>,
) -> Result<Option<Job>, StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    let mut rows = fetch_all(executor, &sql, vec![Value::Uuid(Some(id))], bind, |c| {
        decode_row(c)
    })
    .await?;
    Ok(rows.pop().map(|r| r.job))
}

/// Cancels `id` if it is pending, on `conn` (the PostgreSQL caller's `la_api` transaction,
/// where the policies decide what the connection may see and change).
pub(crate) async fn cancel_pending<DB>(
    conn: &mut DB::Connection,
    id: Uuid,
    now: DateTime<Utc>,
    bind: Binder<DB>,
) -> Result<CancelOutcome, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let sql = format!(
        "UPDATE jobs SET status = 'cancelled', completed_at = $2, updated_at = $2, \
         revision = revision + 1 WHERE id = $1 AND status = 'pending' RETURNING {COLUMNS}"
    );
    let mut rows = fetch_all(
        &mut *conn,
        &sql,
        vec![Value::Uuid(Some(id)), Value::Ts(Some(now))],
        bind,
        |c| decode_row(c),
    )
    .await?;
    if let Some(row) = rows.pop() {
        return Ok(CancelOutcome::Cancelled(row.job));
    }
    Ok(match job_by_id(&mut *conn, id, bind).await? {
        Some(job) => CancelOutcome::NotCancellable(job),
        None => CancelOutcome::NotFound,
    })
}

/// A stored job and its optimistic-concurrency revision.
struct Row {
    job: Job,
    revision: i64,
}

fn small(value: i64, column: &str) -> Result<i16, StoreError> {
    i16::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} out of range")))
}

fn text_list(c: &mut impl Cells) -> Result<Vec<String>, StoreError> {
    c.json()
}

fn decode_row(c: &mut impl Cells) -> Result<Row, StoreError> {
    let id = c.uuid()?;
    let job_type = c.parsed(JobType::parse)?;
    let status = c.parsed(JobStatus::parse)?;
    let priority = small(c.required_i64()?, "priority")?;
    let subject_type = c.opt_text()?;
    let subject_id = c.opt_uuid()?;
    let role = c.opt_text()?;
    let subject = match (subject_type, subject_id) {
        (Some(t), Some(id)) => Some(JobSubject {
            subject_type: SubjectType::parse(&t)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown subject type `{t}`")))?,
            subject_id: id,
            role: role
                .as_deref()
                .map(Role::parse_wire)
                .transpose()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        }),
        _ => None,
    };
    let job = Job {
        id,
        job_type,
        status,
        priority,
        subject,
        user_id: c.opt_uuid()?.map(UserId),
        request_id: c.opt_text()?,
        coalesce_key: c.opt_text()?,
        payload: c.json()?,
        queued_analytics: text_list(c)?,
        completed_analytics: text_list(c)?,
        failed_analytics: text_list(c)?,
        progress: small(c.required_i64()?, "progress")?,
        attempts: small(c.required_i64()?, "attempts")?,
        max_attempts: small(c.required_i64()?, "max_attempts")?,
        run_after: c.ts()?,
        timeout_s: c.required_i64()?,
        locked_by: c.opt_text()?,
        heartbeat_at: c.opt_ts()?,
        started_at: c.opt_ts()?,
        completed_at: c.opt_ts()?,
        error: c.opt_text()?,
        created_at: c.ts()?,
        updated_at: c.ts()?,
    };
    let revision = c.required_i64()?;
    Ok(Row { job, revision })
}

trait RequiredInt {
    fn required_i64(&mut self) -> Result<i64, StoreError>;
}

impl<C: Cells> RequiredInt for C {
    fn required_i64(&mut self) -> Result<i64, StoreError> {
        let v = self.opt_i64()?;
        self.required(v)
    }
}

fn list(values: &[String]) -> Value {
    Value::Json(Some(serde_json::Value::from(values.to_vec())))
}

fn lease_params(lease: &Lease) -> Vec<Value> {
    vec![
        Value::Uuid(Some(lease.job_id)),
        Value::Text(Some(lease.worker.clone())),
        Value::Int(Some(i64::from(lease.attempt))),
    ]
}

const LEASE: &str = "id = $1 AND status = 'running' AND locked_by = $2 AND attempts = $3";

/// Everything the job queue needs from a backend: the pool, its binder and whether it can
/// skip locked rows.
pub(crate) struct Queue<'a, DB: Database> {
    pub pool: &'a Pool<DB>,
    pub bind: Binder<DB>,
    /// `FOR UPDATE SKIP LOCKED` (PostgreSQL).
    pub skip_locked: bool,
}

impl<DB> Queue<'_, DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
    DB::QueryResult: RowsAffected,
{
    async fn pending_of(&self, key: &str) -> Result<Option<Row>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs WHERE coalesce_key = $1 AND status = 'pending' LIMIT 1"
        );
        let mut rows = fetch_all(
            self.pool,
            &sql,
            vec![Value::Text(Some(key.to_owned()))],
            self.bind,
            |c| decode_row(c),
        )
        .await?;
        Ok(rows.pop())
    }

    async fn running_of(&self, key: &str) -> Result<Option<Uuid>, StoreError> {
        let mut ids = fetch_all(
            self.pool,
            "SELECT id FROM jobs WHERE coalesce_key = $1 AND status = 'running' \
             ORDER BY started_at DESC LIMIT 1",
            vec![Value::Text(Some(key.to_owned()))],
            self.bind,
            |c| c.uuid(),
        )
        .await?;
        Ok(ids.pop())
    }

    pub async fn enqueue(&self, job: &NewJob, coalesce: Coalesce) -> Result<Enqueued, StoreError> {
        for _ in 0..ENQUEUE_ROUNDS {
            if let Some(key) = &job.coalesce_key {
                if let Some(pending) = self.pending_of(key).await? {
                    if self.merge(&pending, job).await? {
                        return Ok(Enqueued::Merged(pending.job.id));
                    }
                    continue;
                }
                if coalesce == Coalesce::PendingOrRunning
                    && let Some(running) = self.running_of(key).await?
                {
                    return Ok(Enqueued::Running(running));
                }
            }
            if self.insert(self.pool, job).await? {
                return Ok(Enqueued::Created(job.id));
            }
        }
        Err(StoreError::Other(format!(
            "enqueue of {} did not settle after {ENQUEUE_ROUNDS} rounds",
            job.job_type
        )))
    }

    /// Merges `job` into the pending `row`; `false` when the row changed meanwhile.
    async fn merge(&self, row: &Row, job: &NewJob) -> Result<bool, StoreError> {
        let mut queued = row.job.queued_analytics.clone();
        for name in &job.queued_analytics {
            if !queued.contains(name) {
                queued.push(name.clone());
            }
        }
        let payload = la_app::jobs::merge_payload(&row.job.payload, &job.payload);
        let touched = execute(
            self.pool,
            "UPDATE jobs SET queued_analytics = $2, priority = $3, payload = $4, updated_at = $5, \
             revision = revision + 1 WHERE id = $1 AND status = 'pending' AND revision = $6",
            vec![
                Value::Uuid(Some(row.job.id)),
                list(&queued),
                Value::Int(Some(i64::from(row.job.priority.max(job.priority)))),
                Value::Json(Some(payload)),
                Value::Ts(Some(job.created_at)),
                Value::Int(Some(row.revision)),
            ],
            self.bind,
        )
        .await?;
        Ok(touched == 1)
    }

    /// Inserts a job; `false` when a pending job already holds its coalesce key.
    async fn insert<'e, E>(&self, executor: E, job: &NewJob) -> Result<bool, StoreError>
    where
        E: Executor<'e, Database = DB>,
    {
        let subject = job.subject.as_ref();
        let touched = execute(
            executor,
            "INSERT INTO jobs (id, type, status, priority, subject_type, subject_id, role, user_id, \
             request_id, coalesce_key, payload, queued_analytics, max_attempts, run_after, \
             timeout_s, created_at, updated_at) \
             VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             ON CONFLICT DO NOTHING",
            vec![
                Value::Uuid(Some(job.id)),
                Value::Text(Some(job.job_type.as_str().to_owned())),
                Value::Int(Some(i64::from(job.priority))),
                Value::Text(subject.map(|s| s.subject_type.as_str().to_owned())),
                Value::Uuid(subject.map(|s| s.subject_id)),
                Value::Text(subject.and_then(|s| s.role).map(|r| r.as_str().to_owned())),
                Value::Uuid(job.user_id.map(|u| u.0)),
                Value::Text(job.request_id.clone()),
                Value::Text(job.coalesce_key.clone()),
                Value::Json(Some(job.payload.clone())),
                list(&job.queued_analytics),
                Value::Int(Some(i64::from(job.max_attempts))),
                Value::Ts(Some(job.run_after)),
                Value::Int(Some(job.timeout_s)),
                Value::Ts(Some(job.created_at)),
            ],
            self.bind,
        )
        .await?;
        Ok(touched == 1)
    }

    pub async fn claim(
        &self,
        worker: &str,
        types: &[JobType],
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        if types.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = (0..types.len()).map(|i| format!("${}", i + 3)).collect();
        let lock = if self.skip_locked {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, heartbeat_at = $2, \
             started_at = $2, attempts = attempts + 1, updated_at = $2, revision = revision + 1 \
             WHERE id = (SELECT j.id FROM jobs j WHERE j.status = 'pending' AND j.run_after <= $2 \
             AND j.type IN ({types}) AND (j.coalesce_key IS NULL OR NOT EXISTS \
             (SELECT 1 FROM jobs r WHERE r.status = 'running' AND r.coalesce_key = j.coalesce_key)) \
             ORDER BY j.priority DESC, j.run_after, j.created_at LIMIT 1{lock}) \
             AND status = 'pending' RETURNING {COLUMNS}",
            types = placeholders.join(", ")
        );
        let mut params = vec![Value::Text(Some(worker.to_owned())), Value::Ts(Some(now))];
        params.extend(
            types
                .iter()
                .map(|t| Value::Text(Some(t.as_str().to_owned()))),
        );
        let mut rows = fetch_all(self.pool, &sql, params, self.bind, |c| decode_row(c)).await?;
        Ok(rows.pop().map(|r| r.job))
    }

    pub async fn heartbeat(
        &self,
        lease: &Lease,
        progress: i16,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut params = lease_params(lease);
        params.push(Value::Ts(Some(now)));
        params.push(Value::Int(Some(i64::from(progress.clamp(0, 100)))));
        let sql = format!("UPDATE jobs SET heartbeat_at = $4, progress = $5 WHERE {LEASE}");
        Ok(execute(self.pool, &sql, params, self.bind).await? == 1)
    }

    pub async fn complete(
        &self,
        lease: &Lease,
        completed: &[String],
        result: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut params = lease_params(lease);
        params.push(Value::Ts(Some(now)));
        params.push(list(completed));
        params.push(Value::Json(result));
        let sql = format!(
            "UPDATE jobs SET status = 'completed', progress = 100, completed_at = $4, \
             updated_at = $4, completed_analytics = $5, failed_analytics = '[]', result = $6, \
             locked_by = NULL, error = NULL, revision = revision + 1 WHERE {LEASE}"
        );
        Ok(execute(self.pool, &sql, params, self.bind).await? == 1)
    }

    pub async fn fail(
        &self,
        lease: &Lease,
        failure: &FailedAttempt,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut params = lease_params(lease);
        params.push(Value::Ts(Some(now)));
        params.push(Value::Text(Some(failure.error.clone())));
        params.push(list(&failure.failed_analytics));
        params.push(list(&failure.completed_analytics));
        let sql = match failure.retry_at {
            Some(at) => {
                params.push(Value::Ts(Some(at)));
                format!(
                    "UPDATE jobs SET status = 'pending', run_after = $8, queued_analytics = $6, \
                     failed_analytics = $6, completed_analytics = $7, error = $5, \
                     locked_by = NULL, heartbeat_at = NULL, updated_at = $4, \
                     revision = revision + 1 WHERE {LEASE}"
                )
            }
            None => format!(
                "UPDATE jobs SET status = 'failed', completed_at = $4, failed_analytics = $6, \
                 completed_analytics = $7, error = $5, locked_by = NULL, updated_at = $4, \
                 revision = revision + 1 WHERE {LEASE}"
            ),
        };
        Ok(execute(self.pool, &sql, params, self.bind).await? == 1)
    }

    pub async fn release(&self, lease: &Lease, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut params = lease_params(lease);
        params.push(Value::Ts(Some(now)));
        let sql = format!(
            "UPDATE jobs SET status = 'pending', attempts = attempts - 1, run_after = $4, \
             locked_by = NULL, heartbeat_at = NULL, started_at = NULL, updated_at = $4, \
             revision = revision + 1 WHERE {LEASE}"
        );
        Ok(execute(self.pool, &sql, params, self.bind).await? == 1)
    }

    pub async fn running_jobs(&self) -> Result<Vec<Job>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE status = 'running'");
        let rows = fetch_all(self.pool, &sql, Vec::new(), self.bind, |c| decode_row(c)).await?;
        Ok(rows.into_iter().map(|r| r.job).collect())
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<Job>, StoreError> {
        job_by_id(self.pool, id, self.bind).await
    }

    pub async fn start_scheduled(
        &self,
        name: &str,
        day: NaiveDate,
        job: &NewJob,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        // The primary key (name, run_day) is the once-per-day guard across instances.
        let taken = execute(
            &mut *tx,
            "INSERT INTO job_schedule_runs (name, run_day, job_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            vec![
                Value::Text(Some(name.to_owned())),
                Value::Date(Some(day)),
                Value::Uuid(Some(job.id)),
                Value::Ts(Some(job.created_at)),
            ],
            self.bind,
        )
        .await?;
        if taken == 0 {
            return Ok(None);
        }
        let inserted = self.insert(&mut *tx, job).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(inserted.then_some(job.id))
    }

    pub async fn active_users_per_org(&self) -> Result<Vec<(Option<OrgId>, u64)>, StoreError> {
        fetch_all(
            self.pool,
            "SELECT org_id, COUNT(*) FROM users WHERE is_active GROUP BY org_id ORDER BY org_id",
            Vec::new(),
            self.bind,
            |c| {
                let org = c.opt_uuid()?.map(OrgId);
                let count = c.required_i64()?;
                Ok((org, u64::try_from(count).unwrap_or(0)))
            },
        )
        .await
    }

    pub async fn active_user_ids(&self, org: Option<OrgId>) -> Result<Vec<UserId>, StoreError> {
        let (sql, params) = match org {
            Some(org) => (
                "SELECT id FROM users WHERE is_active AND org_id = $1",
                vec![Value::Uuid(Some(org.0))],
            ),
            None => (
                "SELECT id FROM users WHERE is_active AND org_id IS NULL",
                Vec::new(),
            ),
        };
        let mut ids =
            fetch_all(self.pool, sql, params, self.bind, |c| Ok(UserId(c.uuid()?))).await?;
        ids.sort();
        Ok(ids)
    }

    pub async fn open_batch_chunks(&self, run_date: &str) -> Result<u64, StoreError> {
        let counts = fetch_all(
            self.pool,
            "SELECT COUNT(*) FROM jobs WHERE type = 'batch-analytics-chunk' \
             AND status IN ('pending', 'running') AND coalesce_key LIKE $1",
            vec![Value::Text(Some(format!("batch-chunk:{run_date}:%")))],
            self.bind,
            |c| c.required_i64(),
        )
        .await?;
        Ok(counts.first().map_or(0, |n| u64::try_from(*n).unwrap_or(0)))
    }

    pub async fn last_data_change(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let latest = fetch_all(
            self.pool,
            "SELECT created_at FROM jobs WHERE type IN ('ingest-refresh', 'data-collection') \
             ORDER BY created_at DESC LIMIT 1",
            Vec::new(),
            self.bind,
            |c| c.ts(),
        )
        .await?;
        Ok(latest.first().copied())
    }

    pub async fn purge(
        &self,
        results_before: DateTime<Utc>,
        tokens_expired_before: DateTime<Utc>,
        jobs_before: DateTime<Utc>,
    ) -> Result<RetentionSummary, StoreError> {
        let results = execute(
            self.pool,
            "DELETE FROM analytics_results WHERE calculated_at < $1",
            vec![Value::Ts(Some(results_before))],
            self.bind,
        )
        .await?;
        let refresh_tokens = execute(
            self.pool,
            "DELETE FROM refresh_tokens WHERE expires_at < $1",
            vec![Value::Ts(Some(tokens_expired_before))],
            self.bind,
        )
        .await?;
        let rate_limit_counters = execute(
            self.pool,
            "DELETE FROM rate_limit_counters WHERE window_started_ms + window_s * 1000 < $1",
            vec![Value::Int(Some(tokens_expired_before.timestamp_millis()))],
            self.bind,
        )
        .await?;
        let jobs = execute(
            self.pool,
            "DELETE FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') \
             AND completed_at < $1",
            vec![Value::Ts(Some(jobs_before))],
            self.bind,
        )
        .await?;
        Ok(RetentionSummary {
            results,
            refresh_tokens,
            rate_limit_counters,
            jobs,
        })
    }
}

/// Implements `JobStore` for a backend's store type over [`Queue`].
macro_rules! job_ports {
    ($store:ty, $db:ty, $skip_locked:expr) => {
        impl $store {
            fn queue(&self) -> crate::jobs::Queue<'_, $db> {
                crate::jobs::Queue {
                    pool: &self.pool,
                    bind,
                    skip_locked: $skip_locked,
                }
            }
        }

        #[async_trait::async_trait]
        impl la_app::ports::JobStore for $store {
            async fn enqueue(
                &self,
                job: &la_app::ports::NewJob,
                coalesce: la_app::ports::Coalesce,
            ) -> Result<la_app::ports::Enqueued, la_app::ports::StoreError> {
                self.queue().enqueue(job, coalesce).await
            }

            async fn claim(
                &self,
                worker: &str,
                types: &[la_domain::jobs::JobType],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<la_app::ports::Job>, la_app::ports::StoreError> {
                self.queue().claim(worker, types, now).await
            }

            async fn heartbeat(
                &self,
                lease: &la_app::ports::Lease,
                progress: i16,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, la_app::ports::StoreError> {
                self.queue().heartbeat(lease, progress, now).await
            }

            async fn complete(
                &self,
                lease: &la_app::ports::Lease,
                completed_analytics: &[String],
                result: Option<serde_json::Value>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, la_app::ports::StoreError> {
                self.queue()
                    .complete(lease, completed_analytics, result, now)
                    .await
            }

            async fn fail(
                &self,
                lease: &la_app::ports::Lease,
                failure: &la_app::ports::FailedAttempt,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, la_app::ports::StoreError> {
                self.queue().fail(lease, failure, now).await
            }

            async fn release(
                &self,
                lease: &la_app::ports::Lease,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, la_app::ports::StoreError> {
                self.queue().release(lease, now).await
            }

            async fn running_jobs(
                &self,
            ) -> Result<Vec<la_app::ports::Job>, la_app::ports::StoreError> {
                self.queue().running_jobs().await
            }

            async fn get_job(
                &self,
                id: uuid::Uuid,
            ) -> Result<Option<la_app::ports::Job>, la_app::ports::StoreError> {
                self.queue().get_job(id).await
            }

            async fn get_job_for(
                &self,
                reader: &la_app::ports::ReadContext,
                id: uuid::Uuid,
            ) -> Result<Option<la_app::ports::Job>, la_app::ports::StoreError> {
                self.get_job_as(reader, id).await
            }

            async fn cancel_job_for(
                &self,
                canceller: &la_app::ports::ReadContext,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<la_app::ports::CancelOutcome, la_app::ports::StoreError> {
                self.cancel_job_as(canceller, id, now).await
            }

            async fn start_scheduled(
                &self,
                name: &str,
                day: chrono::NaiveDate,
                job: &la_app::ports::NewJob,
            ) -> Result<Option<uuid::Uuid>, la_app::ports::StoreError> {
                self.queue().start_scheduled(name, day, job).await
            }

            async fn active_users_per_org(
                &self,
            ) -> Result<Vec<(Option<la_domain::OrgId>, u64)>, la_app::ports::StoreError> {
                self.queue().active_users_per_org().await
            }

            async fn active_user_ids(
                &self,
                org: Option<la_domain::OrgId>,
            ) -> Result<Vec<la_domain::UserId>, la_app::ports::StoreError> {
                self.queue().active_user_ids(org).await
            }

            async fn open_batch_chunks(
                &self,
                run_date: &str,
            ) -> Result<u64, la_app::ports::StoreError> {
                self.queue().open_batch_chunks(run_date).await
            }

            async fn last_data_change(
                &self,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, la_app::ports::StoreError> {
                self.queue().last_data_change().await
            }

            async fn purge(
                &self,
                results_before: chrono::DateTime<chrono::Utc>,
                tokens_expired_before: chrono::DateTime<chrono::Utc>,
                jobs_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<la_app::ports::RetentionSummary, la_app::ports::StoreError> {
                self.queue()
                    .purge(results_before, tokens_expired_before, jobs_before)
                    .await
            }
        }
    };
}
pub(crate) use job_ports;
