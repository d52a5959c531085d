//! The job queue on a real database (SQLite by default, PostgreSQL with
//! `LA_TEST_DATABASE_URL`): exclusive claims, coalescing, retries with backoff, death after
//! the last attempt, lease expiry, cancellation, once-per-day schedules, and a refresh that
//! really recomputes a subject's analytics.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use la_app::jobs::handlers::{AnalyticsJobs, JobFailure, JobHandler, JobOutput, Progress};
use la_app::jobs::worker::{Ran, Worker, reap_expired};
use la_app::jobs::{self, RefreshRequest};
use la_app::ports::{
    CancelOutcome, Coalesce, Enqueued, Job, JobSubject, Lease, NewJob, ReadContext,
};
use la_app::results::SubjectType;
use la_domain::Role;
use la_domain::jobs::{JobStatus, JobType};
use la_storage::testing::TestDatabase;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn learner(n: u128) -> JobSubject {
    JobSubject {
        subject_type: SubjectType::User,
        subject_id: Uuid::from_u128(n),
        role: Some(Role::Learner),
    }
}

fn refresh(job_type: JobType, subject: JobSubject, analytics: &[&str]) -> RefreshRequest {
    RefreshRequest {
        job_type,
        subject,
        user_id: None,
        analytics: analytics.iter().map(|s| s.to_string()).collect(),
        request_id: None,
    }
}

fn plain_job(n: usize, now: DateTime<Utc>) -> NewJob {
    let mut job = jobs::new_job(JobType::IngestRefresh, now);
    job.coalesce_key = Some(format!("test:{n}"));
    job
}

/// A handler that fails its first `failures` runs, then succeeds.
struct Flaky {
    failures: usize,
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Flaky {
    async fn run(&self, job: &Job, _: &Progress) -> Result<JobOutput, JobFailure> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        if run < self.failures {
            Err(JobFailure::whole(job, format!("boom {}", run + 1)))
        } else {
            Ok(JobOutput {
                completed_analytics: job.queued_analytics.clone(),
                result: None,
            })
        }
    }
}

/// A clock tests move by hand.
fn manual_clock() -> (Arc<Mutex<DateTime<Utc>>>, la_app::jobs::worker::Clock) {
    let now = Arc::new(Mutex::new(t0()));
    let reader = now.clone();
    (now, Arc::new(move || *reader.lock().unwrap()))
}

fn advance(clock: &Mutex<DateTime<Utc>>, by: Duration) {
    let mut now = clock.lock().unwrap();
    *now += by;
}

fn never() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    // Keep the sender alive for the whole test: a dropped sender reads as shutdown.
    std::mem::forget(sender);
    receiver
}

const GRACE: std::time::Duration = std::time::Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_get_the_same_job() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    for n in 0..30 {
        queue
            .enqueue(&plain_job(n, t0()), Coalesce::PendingOnly)
            .await
            .unwrap();
    }
    let mut claimers = Vec::new();
    for c in 0..6 {
        let queue = queue.clone();
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = queue
                .claim(&format!("w{c}"), &[JobType::IngestRefresh], t0())
                .await
                .unwrap()
            {
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: BTreeSet<Uuid> = all.iter().copied().collect();
    assert_eq!(all.len(), 30, "every job claimed exactly once: {all:?}");
    assert_eq!(distinct.len(), 30);
    for id in distinct {
        let job = queue.get_job(id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.attempts, 1);
    }
}

#[tokio::test]
async fn claims_respect_priority_due_time_and_types() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let low = plain_job(1, t0());
    let mut later = jobs::new_job(JobType::ManualAnalyticsRefresh, t0());
    later.run_after = t0() + Duration::minutes(5);
    let high = jobs::new_job(JobType::ManualAnalyticsRefresh, t0());
    for job in [&low, &later, &high] {
        queue.enqueue(job, Coalesce::PendingOnly).await.unwrap();
    }
    let types = [JobType::IngestRefresh, JobType::ManualAnalyticsRefresh];
    let first = queue.claim("w", &types, t0()).await.unwrap().unwrap();
    assert_eq!(first.id, high.id, "higher priority first");
    let second = queue.claim("w", &types, t0()).await.unwrap().unwrap();
    assert_eq!(second.id, low.id, "the later job is not due yet");
    assert!(queue.claim("w", &types, t0()).await.unwrap().is_none());
    assert!(
        queue
            .claim("w", &[JobType::RetentionCleanup], t0() + Duration::hours(1))
            .await
            .unwrap()
            .is_none(),
        "other types are not claimed"
    );
}

#[tokio::test]
async fn refreshes_coalesce_by_subject_and_role() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let q = queue.as_ref();
    let first = jobs::request_refresh(
        q,
        refresh(JobType::LoginStalenessRefresh, learner(1), &["velocity"]),
        t0(),
    )
    .await
    .unwrap();
    let Enqueued::Created(id) = first else {
        panic!("expected a new job, got {first:?}")
    };
    // A pending job absorbs a manual refresh of the same (subject, role).
    let merged = jobs::request_refresh(
        q,
        refresh(
            JobType::ManualAnalyticsRefresh,
            learner(1),
            &["mastery", "velocity"],
        ),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(merged, Enqueued::Merged(id));
    let job = q.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.queued_analytics, vec!["velocity", "mastery"]);
    assert_eq!(job.priority, 30, "the higher priority is kept");
    assert_eq!(job.payload["forceRefetch"], true);
    // Another role or subject is another job.
    let mut trainer = learner(1);
    trainer.role = Some(Role::Trainer);
    let other = jobs::request_refresh(
        q,
        refresh(JobType::StaleReadRefresh, trainer, &["course-health"]),
        t0(),
    )
    .await
    .unwrap();
    assert!(matches!(other, Enqueued::Created(o) if o != id));

    // Once running: a stale read is absorbed, a manual refresh queues a new job that waits.
    let claimed = q
        .claim("w", &[JobType::LoginStalenessRefresh], t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, id);
    let absorbed = jobs::request_refresh(
        q,
        refresh(JobType::StaleReadRefresh, learner(1), &["velocity"]),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(absorbed, Enqueued::Running(id));
    let waiting = jobs::request_refresh(
        q,
        refresh(JobType::ManualAnalyticsRefresh, learner(1), &["engagement"]),
        t0(),
    )
    .await
    .unwrap();
    let Enqueued::Created(waiting) = waiting else {
        panic!("a running job absorbs no manual refresh")
    };
    assert!(
        q.claim("w2", &[JobType::ManualAnalyticsRefresh], t0())
            .await
            .unwrap()
            .is_none(),
        "no second calculation of the same (subject, role) while one runs"
    );
    let again = jobs::request_refresh(
        q,
        refresh(JobType::ManualAnalyticsRefresh, learner(1), &["mastery"]),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(again, Enqueued::Merged(waiting));
}

#[tokio::test]
async fn concurrent_requests_merge_into_one_job() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let names = [
        "velocity",
        "mastery",
        "engagement",
        "performance",
        "skill-gap",
    ];
    let mut tasks = Vec::new();
    for name in names {
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            jobs::request_refresh(
                queue.as_ref(),
                refresh(JobType::ManualAnalyticsRefresh, learner(9), &[name]),
                t0(),
            )
            .await
            .unwrap()
            .id()
        }));
    }
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "one pending job per (subject, role)");
    let job = queue.get_job(*ids.first().unwrap()).await.unwrap().unwrap();
    let queued: BTreeSet<&str> = job.queued_analytics.iter().map(String::as_str).collect();
    assert_eq!(queued, names.into_iter().collect(), "no request was lost");
}

#[tokio::test]
async fn failing_twice_then_succeeding_completes_on_the_third_attempt() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let (now, clock) = manual_clock();
    let handler = Arc::new(Flaky {
        failures: 2,
        runs: AtomicUsize::new(0),
    });
    let worker = Worker::new(
        queue.clone(),
        handler,
        "w1",
        vec![JobType::ManualAnalyticsRefresh],
    )
    .with_clock(clock);
    let id = jobs::request_refresh(
        queue.as_ref(),
        refresh(JobType::ManualAnalyticsRefresh, learner(2), &["velocity"]),
        t0(),
    )
    .await
    .unwrap()
    .id();
    let stop = never();

    assert_eq!(
        worker.run_once(&stop, GRACE).await.unwrap(),
        Ran::Retrying(id)
    );
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(
        job.run_after,
        t0() + Duration::seconds(60),
        "first backoff 60 s"
    );
    assert_eq!(job.error.as_deref(), Some("boom 1"));
    // Not due before the backoff ends.
    assert_eq!(worker.run_once(&stop, GRACE).await.unwrap(), Ran::Idle);

    advance(&now, Duration::seconds(60));
    assert_eq!(
        worker.run_once(&stop, GRACE).await.unwrap(),
        Ran::Retrying(id)
    );
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(
        job.run_after,
        t0() + Duration::seconds(60 + 120),
        "second backoff 120 s"
    );

    advance(&now, Duration::seconds(120));
    assert_eq!(
        worker.run_once(&stop, GRACE).await.unwrap(),
        Ran::Completed(id)
    );
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.progress, 100);
    assert_eq!(job.completed_analytics, vec!["velocity"]);
    assert!(job.failed_analytics.is_empty());
    assert_eq!(job.error, None);
}

#[tokio::test]
async fn a_job_that_always_fails_dies_with_its_last_error() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let (now, clock) = manual_clock();
    let worker = Worker::new(
        queue.clone(),
        Arc::new(Flaky {
            failures: usize::MAX,
            runs: AtomicUsize::new(0),
        }),
        "w1",
        vec![JobType::ManualAnalyticsRefresh],
    )
    .with_clock(clock);
    let id = jobs::request_refresh(
        queue.as_ref(),
        refresh(JobType::ManualAnalyticsRefresh, learner(3), &["mastery"]),
        t0(),
    )
    .await
    .unwrap()
    .id();
    let stop = never();
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        outcomes.push(worker.run_once(&stop, GRACE).await.unwrap());
        advance(&now, Duration::seconds(240));
    }
    assert_eq!(
        outcomes,
        vec![
            Ran::Retrying(id),
            Ran::Retrying(id),
            Ran::Retrying(id),
            Ran::Dead(id)
        ]
    );
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.attempts, 4);
    assert_eq!(job.error.as_deref(), Some("boom 4"));
    assert_eq!(job.failed_analytics, vec!["mastery"]);
    assert!(job.completed_at.is_some());
    assert_eq!(worker.run_once(&stop, GRACE).await.unwrap(), Ran::Idle);
}

#[tokio::test]
async fn an_expired_lease_returns_the_job_as_a_failed_attempt() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let id = jobs::request_refresh(
        queue.as_ref(),
        refresh(JobType::StaleReadRefresh, learner(4), &["velocity"]),
        t0(),
    )
    .await
    .unwrap()
    .id();
    // A worker claims it, then dies (SIGKILL): no heartbeat, no outcome.
    let claimed = queue
        .claim("dead-worker", &[JobType::StaleReadRefresh], t0())
        .await
        .unwrap()
        .unwrap();
    let stale_lease = Lease {
        job_id: id,
        worker: "dead-worker".into(),
        attempt: claimed.attempts,
    };
    assert!(
        reap_expired(queue.as_ref(), t0() + Duration::seconds(100))
            .await
            .unwrap()
            .is_empty(),
        "still within the heartbeat grace"
    );
    let reaped = reap_expired(queue.as_ref(), t0() + Duration::seconds(121))
        .await
        .unwrap();
    assert_eq!(reaped, vec![Ran::Retrying(id)]);
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(job.attempts, 1, "the lost run counts as an attempt");
    assert!(job.error.as_deref().unwrap().contains("lease expired"));
    assert_eq!(job.locked_by, None);
    // The dead worker's late outcome is refused.
    assert!(
        !queue
            .complete(&stale_lease, &[], None, t0() + Duration::seconds(130))
            .await
            .unwrap()
    );
    // It is claimable again after the backoff, by another worker.
    let again = queue
        .claim(
            "w2",
            &[JobType::StaleReadRefresh],
            t0() + Duration::seconds(121 + 60),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
}

#[tokio::test]
async fn a_run_past_its_timeout_is_reaped_even_while_beating() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let id = jobs::request_refresh(
        queue.as_ref(),
        refresh(JobType::ManualAnalyticsRefresh, learner(5), &["velocity"]),
        t0(),
    )
    .await
    .unwrap()
    .id();
    let job = queue
        .claim("w", &[JobType::ManualAnalyticsRefresh], t0())
        .await
        .unwrap()
        .unwrap();
    let lease = Lease {
        job_id: id,
        worker: "w".into(),
        attempt: job.attempts,
    };
    let late = t0() + Duration::seconds(601);
    assert!(queue.heartbeat(&lease, 50, late).await.unwrap());
    assert_eq!(
        reap_expired(queue.as_ref(), late).await.unwrap(),
        vec![Ran::Retrying(id)]
    );
}

#[tokio::test]
async fn shutdown_gives_a_running_job_back_without_using_an_attempt() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let id = queue
        .enqueue(&plain_job(1, t0()), Coalesce::PendingOnly)
        .await
        .unwrap()
        .id();
    let job = queue
        .claim("w", &[JobType::IngestRefresh], t0())
        .await
        .unwrap()
        .unwrap();
    let lease = Lease {
        job_id: id,
        worker: "w".into(),
        attempt: job.attempts,
    };
    assert!(queue.release(&lease, t0()).await.unwrap());
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Pending, 0));
}

/// A platform admin, stored (row-level security on PostgreSQL checks that the canceller
/// holds the role), who may cancel any pending job.
async fn admin(db: &la_storage::Database) -> ReadContext {
    let id = la_domain::UserId(Uuid::from_u128(0xad));
    let data = la_domain::model::Dataset {
        users: vec![la_domain::model::User {
            id,
            external_id: None,
            org_id: None,
            department_id: None,
            team_id: None,
            display_name: "Platform admin".to_owned(),
            email: None,
            roles: vec![Role::PlatformAdmin],
            timezone: None,
            competency_level: la_domain::model::SkillLevel::BEGINNER,
            is_active: true,
            created_at: t0(),
        }],
        ..Default::default()
    };
    la_storage::testing::write_mock(db, &data, t0()).await;
    ReadContext {
        user_id: id,
        organization_id: None,
        role: Some(Role::PlatformAdmin),
    }
}

#[tokio::test]
async fn only_pending_jobs_can_be_cancelled() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let admin = admin(&db).await;
    let queue = db.jobs();
    let a = queue
        .enqueue(&plain_job(1, t0()), Coalesce::PendingOnly)
        .await
        .unwrap()
        .id();
    match queue.cancel_job_for(&admin, a, t0()).await.unwrap() {
        CancelOutcome::Cancelled(job) => assert_eq!(job.status, JobStatus::Cancelled),
        other => panic!("expected cancellation, got {other:?}"),
    }
    assert!(matches!(
        queue.cancel_job_for(&admin, a, t0()).await.unwrap(),
        CancelOutcome::NotCancellable(_)
    ));
    let b = queue
        .enqueue(&plain_job(2, t0()), Coalesce::PendingOnly)
        .await
        .unwrap()
        .id();
    queue
        .claim("w", &[JobType::IngestRefresh], t0())
        .await
        .unwrap();
    assert!(matches!(
        queue.cancel_job_for(&admin, b, t0()).await.unwrap(),
        CancelOutcome::NotCancellable(job) if job.status == JobStatus::Running
    ));
    assert_eq!(
        queue
            .cancel_job_for(&admin, Uuid::new_v4(), t0())
            .await
            .unwrap(),
        CancelOutcome::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduled_run_starts_once_per_day_across_instances() {
    let test_db = TestDatabase::create().await;
    let queue = test_db.migrated().await.jobs();
    let entries = la_app::jobs::schedule::default_entries("0 2 * * *", "30 4 * * *").unwrap();
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 30).unwrap();
    let mut instances = Vec::new();
    for _ in 0..5 {
        let queue = queue.clone();
        let entries = entries.clone();
        instances.push(tokio::spawn(async move {
            la_app::jobs::schedule::tick(queue.as_ref(), &entries, at)
                .await
                .unwrap()
        }));
    }
    let mut started = Vec::new();
    for instance in instances {
        started.extend(instance.await.unwrap());
    }
    assert_eq!(started.len(), 1, "one batch for the day: {started:?}");
    let batch = queue.get_job(started[0]).await.unwrap().unwrap();
    assert_eq!(batch.job_type, JobType::DailyAnalyticsBatch);
    // Later ticks the same day start nothing; the next day starts again.
    assert!(
        la_app::jobs::schedule::tick(queue.as_ref(), &entries, at + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let job = jobs::daily_batch_job(day, at);
    assert_eq!(
        queue
            .start_scheduled("daily-analytics-batch", day, &job)
            .await
            .unwrap(),
        None
    );
    let next = la_app::jobs::schedule::tick(queue.as_ref(), &entries, at + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
}

#[tokio::test]
async fn retention_removes_old_terminal_jobs_only() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let admin = admin(&db).await;
    let queue = db.jobs();
    let old = queue
        .enqueue(&plain_job(1, t0()), Coalesce::PendingOnly)
        .await
        .unwrap()
        .id();
    queue.cancel_job_for(&admin, old, t0()).await.unwrap();
    let pending = queue
        .enqueue(&plain_job(2, t0()), Coalesce::PendingOnly)
        .await
        .unwrap()
        .id();
    let removed = queue
        .purge(t0(), t0(), t0() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(removed.jobs, 1);
    assert!(queue.get_job(old).await.unwrap().is_none());
    assert!(queue.get_job(pending).await.unwrap().is_some());
}

#[tokio::test]
async fn a_manual_refresh_recomputes_the_subjects_analytics() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let (store, queue) = (db.store(), db.jobs());
    let now = Utc::now();
    let mut config = la_demo::DemoConfig::new(now);
    config.learners = 20;
    config.trainers = 2;
    config.courses = 5;
    config.second_org_learners = 0;
    let data = la_demo::generate(&config);
    la_storage::testing::write_mock(&db, &data, now).await;
    let user = data
        .users
        .iter()
        .find(|u| u.roles.contains(&Role::Learner) && u.is_active)
        .unwrap();
    let subject = JobSubject {
        subject_type: SubjectType::User,
        subject_id: user.id.0,
        role: Some(Role::Learner),
    };
    assert!(
        store
            .subject_results(subject.subject_type, subject.subject_id, subject.role)
            .await
            .unwrap()
            .is_empty()
    );
    let id = jobs::request_refresh(
        queue.as_ref(),
        RefreshRequest {
            job_type: JobType::ManualAnalyticsRefresh,
            subject,
            user_id: Some(user.id),
            analytics: vec!["velocity".into(), "mastery".into()],
            request_id: Some("req-1".into()),
        },
        now,
    )
    .await
    .unwrap()
    .id();
    let worker = Worker::new(
        queue.clone(),
        Arc::new(AnalyticsJobs::new(store.clone(), queue.clone())),
        "w1",
        vec![JobType::ManualAnalyticsRefresh],
    );
    assert_eq!(
        worker.run_once(&never(), GRACE).await.unwrap(),
        Ran::Completed(id)
    );
    let job = queue.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.completed_analytics, vec!["velocity", "mastery"]);
    let stored = store
        .subject_results(subject.subject_type, subject.subject_id, subject.role)
        .await
        .unwrap();
    assert!(
        stored.iter().any(|r| r.key.analytics_type == "velocity"),
        "the refresh wrote the subject's results"
    );
}

#[tokio::test]
async fn the_daily_batch_plans_chunks_that_workers_run() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let (store, queue) = (db.store(), db.jobs());
    let now = Utc::now();
    let mut config = la_demo::DemoConfig::new(now);
    config.learners = 15;
    config.trainers = 2;
    config.courses = 4;
    config.second_org_learners = 12;
    let data = la_demo::generate(&config);
    la_storage::testing::write_mock(&db, &data, now).await;
    let day = now.date_naive();
    let batch = jobs::daily_batch_job(day, now);
    queue
        .start_scheduled("daily-analytics-batch", day, &batch)
        .await
        .unwrap()
        .unwrap();
    let handler =
        Arc::new(AnalyticsJobs::new(store.clone(), queue.clone()).with_chunk_subjects(10));
    let worker = Worker::new(
        queue.clone(),
        handler,
        "w1",
        la_app::jobs::runtime::BACKGROUND.to_vec(),
    );
    let stop = never();
    assert_eq!(
        worker.run_once(&stop, GRACE).await.unwrap(),
        Ran::Completed(batch.id)
    );
    let planned = queue.get_job(batch.id).await.unwrap().unwrap();
    assert_eq!(planned.status, JobStatus::Completed);
    let mut chunks = 0;
    loop {
        match worker.run_once(&stop, GRACE).await.unwrap() {
            Ran::Completed(_) => chunks += 1,
            Ran::Idle => break,
            other => panic!("chunk failed: {other:?}"),
        }
    }
    assert!(
        chunks >= 2,
        "two organisations of 10+ users: {chunks} chunks"
    );
    let org = data.organizations[0].id;
    assert!(
        !store
            .subject_results(SubjectType::Organization, org.0, Some(Role::OrgAdmin))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .subject_results(SubjectType::Platform, Uuid::nil(), None)
            .await
            .unwrap()
            .is_empty(),
        "the platform subject is written by one chunk"
    );
}

/// Two instances' connections to one PostgreSQL database (decision 5), or `None` on SQLite,
/// which one process owns (decision 4): nothing to share there.
async fn two_postgres_instances(
    test_db: &TestDatabase,
) -> Option<(la_storage::Database, la_storage::Database)> {
    if test_db.url.starts_with("sqlite:") {
        eprintln!("skipped: two instances need PostgreSQL (set LA_TEST_DATABASE_URL)");
        return None;
    }
    let first = test_db.migrated().await;
    let second = la_storage::Database::connect(&test_db.url, 5)
        .await
        .expect("second instance");
    Some((first, second))
}

/// A handler that records which instance ran which job, and takes a moment so that both
/// instances' workers are busy at once.
struct Recording {
    instance: usize,
    runs: Arc<Mutex<Vec<(Uuid, usize)>>>,
}

#[async_trait]
impl JobHandler for Recording {
    async fn run(&self, job: &Job, _: &Progress) -> Result<JobOutput, JobFailure> {
        self.runs.lock().unwrap().push((job.id, self.instance));
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        Ok(JobOutput::default())
    }
}

/// Issue 6: with both instances' worker pools running on one PostgreSQL, every job runs
/// exactly once: one handler run, one attempt, completed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_run_each_job_exactly_once() {
    let test_db = TestDatabase::create().await;
    let Some((first, second)) = two_postgres_instances(&test_db).await else {
        return;
    };
    let now = Utc::now();
    let mut enqueued = BTreeSet::new();
    for n in 0..50 {
        let job = plain_job(n, now);
        enqueued.insert(job.id);
        first
            .jobs()
            .enqueue(&job, Coalesce::PendingOnly)
            .await
            .unwrap();
    }
    let runs = Arc::new(Mutex::new(Vec::new()));
    let runtimes: Vec<_> = [&first, &second]
        .into_iter()
        .enumerate()
        .map(|(instance, db)| {
            let mut config = la_app::jobs::runtime::RuntimeConfig::new(Vec::new());
            config.interactive_workers = 3;
            config.background_workers = 0;
            config.poll = std::time::Duration::from_millis(20);
            la_app::jobs::runtime::JobRuntime::start(
                db.jobs(),
                Arc::new(Recording {
                    instance,
                    runs: runs.clone(),
                }),
                config,
            )
        })
        .collect();
    let queue = first.jobs();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut open = 0;
        for id in &enqueued {
            if !queue
                .get_job(*id)
                .await
                .unwrap()
                .unwrap()
                .status
                .is_terminal()
            {
                open += 1;
            }
        }
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{open} jobs still open after 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for runtime in runtimes {
        runtime.shutdown().await;
    }
    let runs = runs.lock().unwrap().clone();
    let ran: BTreeSet<Uuid> = runs.iter().map(|(id, _)| *id).collect();
    assert_eq!(runs.len(), 50, "one handler run per job: {runs:?}");
    assert_eq!(ran, enqueued);
    for instance in 0..2 {
        assert!(
            runs.iter().any(|(_, i)| *i == instance),
            "instance {instance} ran nothing: the test did not exercise two instances"
        );
    }
    for id in &enqueued {
        let job = queue.get_job(*id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Completed, "{id}");
        assert_eq!(job.attempts, 1, "{id} was claimed more than once");
        assert!(job.completed_at.is_some());
    }
}

/// Issue 6: both instances' schedulers fire at the same instant, several times each; the
/// day's batch starts once, and there is exactly one daily batch job for that date.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_start_the_daily_batch_once() {
    let test_db = TestDatabase::create().await;
    let Some((first, second)) = two_postgres_instances(&test_db).await else {
        return;
    };
    // A cron line that is due at every instant, as when both instances reach 02:00.
    let entries = vec![
        la_app::jobs::schedule::ScheduleEntry::parse(
            "daily-analytics-batch",
            "* * * * *",
            Duration::hours(6),
            jobs::daily_batch_job,
        )
        .unwrap(),
    ];
    let now = Utc::now();
    let start = Arc::new(tokio::sync::Barrier::new(8));
    let mut ticks = Vec::new();
    for n in 0..8 {
        let queue = if n % 2 == 0 {
            first.jobs()
        } else {
            second.jobs()
        };
        let (entries, start) = (entries.clone(), start.clone());
        ticks.push(tokio::spawn(async move {
            start.wait().await;
            la_app::jobs::schedule::tick(queue.as_ref(), &entries, now)
                .await
                .unwrap()
        }));
    }
    let mut started = Vec::new();
    for tick in ticks {
        started.extend(tick.await.unwrap());
    }
    assert_eq!(started.len(), 1, "one start across instances: {started:?}");
    let day = entries[0].due_slot(now).unwrap().date_naive();
    let pool = sqlx::PgPool::connect(&test_db.url).await.unwrap();
    let batches: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE type = 'daily-analytics-batch' \
         AND payload->>'runDate' = $1",
    )
    .bind(day.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(batches, 1, "daily batch jobs for {day}");
    let runs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM job_schedule_runs WHERE name = 'daily-analytics-batch' \
         AND run_day = $1",
    )
    .bind(day)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(runs, 1);
    pool.close().await;
}
