//! Row-level security (data.md 4, migration 0007 on PostgreSQL).
//!
//! The API reads stored results through `ResultStore::get_result_for`, which on PostgreSQL
//! runs as the `la_api` role with the reader's user, organisation and active role set
//! transaction-locally; the policies then decide what is visible, whatever the HTTP layer
//! let through. The required cases of data.md 4.3 are checked both through that port and in
//! plain SQL as `la_api`. On SQLite (no row-level security) the same port is the plain read,
//! and the test pins that documented behaviour instead. The job reads (J1, J2) and the
//! API's own-row writes (G5 preferences, P4 recommendation statuses) go through `la_api`
//! the same way.

use chrono::{TimeZone, Utc};
use la_app::ports::{CancelOutcome, Coalesce, NewJob, Preferences, ReadContext, Store};
use la_app::results::{JsonDocument, ResultKey, ResultStatus, StoredResult, SubjectType};
use la_domain::analytics::predictive::recommendations::{RecommendationState, StoredStatus};
use la_domain::jobs::JobType;
use la_domain::{OrgId, Role, UserId};
use la_storage::Database;
use la_storage::testing::TestDatabase;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

const ORG_A: Uuid = Uuid::from_u128(0xA);
const ORG_B: Uuid = Uuid::from_u128(0xB);
/// Learner and trainer in A.
const ALICE: Uuid = Uuid::from_u128(0xA1);
/// Learner and trainer in A.
const BOB: Uuid = Uuid::from_u128(0xA2);
/// Org admin of A.
const ADAM: Uuid = Uuid::from_u128(0xA3);
/// Platform admin (member of A).
const PAT: Uuid = Uuid::from_u128(0xA4);
/// Inactive learner in A.
const DAVE: Uuid = Uuid::from_u128(0xA5);
/// Learner in B.
const CAROL: Uuid = Uuid::from_u128(0xB1);

fn user_key(user: Uuid, role: Role, analytic: &str) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::User,
        subject_id: user,
        role: Some(role),
        analytics_type: analytic.to_owned(),
        params_key: "window=30d".to_owned(),
    }
}

fn org_key(org: Uuid) -> ResultKey {
    ResultKey {
        subject_type: SubjectType::Organization,
        subject_id: org,
        role: Some(Role::OrgAdmin),
        analytics_type: "org-performance".to_owned(),
        params_key: "window=30d".to_owned(),
    }
}

fn platform_key() -> ResultKey {
    ResultKey {
        subject_type: SubjectType::Platform,
        subject_id: Uuid::nil(),
        role: None,
        analytics_type: "skill-demand".to_owned(),
        params_key: "timeframe=6months".to_owned(),
    }
}

fn result(key: ResultKey, org: Option<Uuid>) -> StoredResult {
    StoredResult {
        data: Some(
            JsonDocument::from_serializable(&serde_json::json!({ "subject": key.subject_id }))
                .unwrap(),
        ),
        key,
        organization_id: org.map(OrgId),
        status: ResultStatus::Complete,
        low_confidence: false,
        coverage: 1.0,
        warnings: vec![],
        calculated_at: Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap(),
        calculation_ms: 1,
        input_origin: Default::default(),
        sources: Default::default(),
    }
}

fn reader(user: Uuid, org: Option<Uuid>, role: Option<Role>) -> ReadContext {
    ReadContext {
        user_id: UserId(user),
        organization_id: org.map(OrgId),
        role,
    }
}

/// Two organisations, their people, and one stored result per kind of subject.
async fn seed(url: &str, store: &Arc<dyn Store>) {
    let statements = [
        format!(
            "INSERT INTO organizations (id, name, source, synced_at) VALUES \
             ('{ORG_A}', 'A', 'test', '2026-11-01T00:00:00Z'), ('{ORG_B}', 'B', 'test', '2026-11-01T00:00:00Z')"
        ),
        format!(
            "INSERT INTO users (id, org_id, display_name, roles, competency_level, is_active, created_at, source, synced_at) VALUES \
             ('{ALICE}', '{ORG_A}', 'Alice', '[\"learner\",\"trainer\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{BOB}',   '{ORG_A}', 'Bob',   '[\"learner\",\"trainer\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{ADAM}',  '{ORG_A}', 'Adam',  '[\"org-admin\"]', 2, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{PAT}',   '{ORG_A}', 'Pat',   '[\"platform-admin\"]', 2, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{DAVE}',  '{ORG_A}', 'Dave',  '[\"learner\"]', 1, false, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z'), \
             ('{CAROL}', '{ORG_B}', 'Carol', '[\"learner\"]', 1, true, '2026-01-01T00:00:00Z', 'test', '2026-11-01T00:00:00Z')"
        ),
    ];
    // SQLite reads plainly whoever asks, so there the people are not needed (and its UUIDs are
    // BLOBs, which this literal SQL does not write).
    if let Database::Postgres(pg) = Database::connect(url, 1).await.unwrap() {
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(pg.pool())
                .await
                .unwrap();
        }
        pg.close().await;
    }
    store
        .upsert_results(&[
            result(user_key(ALICE, Role::Learner, "velocity"), Some(ORG_A)),
            result(user_key(ALICE, Role::Trainer, "course-health"), Some(ORG_A)),
            result(user_key(BOB, Role::Trainer, "course-health"), Some(ORG_A)),
            result(user_key(DAVE, Role::Learner, "velocity"), Some(ORG_A)),
            result(user_key(CAROL, Role::Learner, "velocity"), Some(ORG_B)),
            result(org_key(ORG_A), Some(ORG_A)),
            result(org_key(ORG_B), Some(ORG_B)),
            result(platform_key(), None),
        ])
        .await
        .unwrap();
}

/// Which of the seeded results `reader` can read through the API's port.
async fn visible(store: &Arc<dyn Store>, reader: ReadContext) -> Vec<&'static str> {
    let keys = [
        ("alice/learner", user_key(ALICE, Role::Learner, "velocity")),
        (
            "alice/trainer",
            user_key(ALICE, Role::Trainer, "course-health"),
        ),
        ("bob/trainer", user_key(BOB, Role::Trainer, "course-health")),
        ("dave/learner", user_key(DAVE, Role::Learner, "velocity")),
        ("carol/learner", user_key(CAROL, Role::Learner, "velocity")),
        ("org A", org_key(ORG_A)),
        ("org B", org_key(ORG_B)),
        ("platform", platform_key()),
    ];
    let mut out = Vec::new();
    for (name, key) in keys {
        let read = store.get_result_for(&reader, &key).await.unwrap();
        if let Some(found) = read {
            assert_eq!(found.key, key, "a read returns the row it asked for");
            out.push(name);
        }
    }
    out
}

const EVERYTHING: [&str; 8] = [
    "alice/learner",
    "alice/trainer",
    "bob/trainer",
    "dave/learner",
    "carol/learner",
    "org A",
    "org B",
    "platform",
];

#[tokio::test]
async fn api_reads_pass_row_level_security() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    seed(&test_db.url, &store).await;

    if matches!(db, Database::Sqlite(_)) {
        // No row-level security in SQLite: the HTTP checks alone guard it (api.md 3.6), and the
        // port reads plainly, whoever asks.
        assert_eq!(
            visible(&store, reader(ALICE, Some(ORG_A), Some(Role::Learner))).await,
            EVERYTHING
        );
        return;
    }

    // The worker's (owner's) read is not subject to the policies.
    for key in [
        user_key(BOB, Role::Trainer, "course-health"),
        org_key(ORG_B),
    ] {
        assert!(store.get_result(&key).await.unwrap().is_some());
    }

    let cases: [(&str, ReadContext, &[&str]); 10] = [
        (
            "a learner sees their own learner rows, not their own trainer rows",
            reader(ALICE, Some(ORG_A), Some(Role::Learner)),
            &["alice/learner", "platform"],
        ),
        (
            "a trainer sees their own trainer rows, not another trainer's",
            reader(ALICE, Some(ORG_A), Some(Role::Trainer)),
            &["alice/trainer", "platform"],
        ),
        (
            "the other trainer likewise",
            reader(BOB, Some(ORG_A), Some(Role::Trainer)),
            &["bob/trainer", "platform"],
        ),
        (
            "an org admin sees their organisation's rows, no learner rows, not another org",
            reader(ADAM, Some(ORG_A), Some(Role::OrgAdmin)),
            &["org A", "platform"],
        ),
        (
            "a role the user does not hold sees nothing",
            reader(ALICE, Some(ORG_A), Some(Role::OrgAdmin)),
            &[],
        ),
        (
            "a token naming another organisation sees nothing",
            reader(ALICE, Some(ORG_B), Some(Role::Learner)),
            &[],
        ),
        (
            "an inactive user sees nothing, not even their own rows",
            reader(DAVE, Some(ORG_A), Some(Role::Learner)),
            &[],
        ),
        (
            "no active role: no rows",
            reader(ALICE, Some(ORG_A), None),
            &[],
        ),
        (
            "an unknown user sees nothing",
            reader(
                Uuid::from_u128(0xDEAD),
                Some(ORG_A),
                Some(Role::PlatformAdmin),
            ),
            &[],
        ),
        (
            "a platform admin sees every row",
            reader(PAT, Some(ORG_A), Some(Role::PlatformAdmin)),
            &EVERYTHING,
        ),
    ];
    for (case, context, expected) in cases {
        assert_eq!(visible(&store, context).await, expected, "{case}");
    }
}

/// Opens a transaction as `la_api` with the given session variables (`None` = unset).
async fn as_api(
    pool: &PgPool,
    context: Option<(Uuid, Uuid, &str)>,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    if let Some((user, org, role)) = context {
        sqlx::query(
            "SELECT set_config('app.current_user_id', $1, true), \
             set_config('app.current_org_id', $2, true), set_config('app.current_role', $3, true)",
        )
        .bind(user.to_string())
        .bind(org.to_string())
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("SET LOCAL ROLE la_api")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn count(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

#[tokio::test]
async fn la_api_sees_only_what_the_policies_allow() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let Database::Postgres(pg) = &db else {
        // Row-level security is PostgreSQL's; the SQLite case is pinned in the test above.
        return;
    };
    let store = db.store();
    seed(&test_db.url, &store).await;
    let pool = pg.pool();
    for (org, scope_key) in [(ORG_A, "cohort-a"), (ORG_B, "cohort-b")] {
        sqlx::query(
            "INSERT INTO aggregated_analytics (period_start, period_end, granularity, scope, \
             scope_key, organization_id, analytics_type, sample_size, data) \
             VALUES ('2026-11-01', '2026-11-02', 'daily', 'cohort', $1, $2, 'engagement', 12, '{}')",
        )
        .bind(scope_key)
        .bind(org)
        .execute(pool)
        .await
        .unwrap();
    }

    // No session variables: no rows anywhere (fail closed).
    let mut tx = as_api(pool, None).await;
    assert_eq!(
        count(&mut tx, "SELECT count(*) FROM analytics_results").await,
        0
    );
    assert_eq!(count(&mut tx, "SELECT count(*) FROM users").await, 0);
    tx.rollback().await.unwrap();

    // Another organisation's cohort rows are invisible; one's own are visible.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    assert_eq!(
        count(
            &mut tx,
            "SELECT count(*) FROM aggregated_analytics WHERE scope_key = 'cohort-b'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut tx,
            "SELECT count(*) FROM aggregated_analytics WHERE scope_key = 'cohort-a'"
        )
        .await,
        1
    );
    // Only one's own user row and organisation.
    assert_eq!(count(&mut tx, "SELECT count(*) FROM users").await, 1);
    assert_eq!(
        count(&mut tx, "SELECT count(*) FROM organizations").await,
        1
    );
    tx.rollback().await.unwrap();

    // la_api cannot write analytics, even its own row.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    let denied = sqlx::query(
        "UPDATE analytics_results SET coverage = 0.5 WHERE subject_id = $1 AND role = 'learner'",
    )
    .bind(ALICE)
    .execute(&mut *tx)
    .await
    .expect_err("la_api holds no UPDATE on analytics_results");
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    tx.rollback().await.unwrap();

    // Tables outside data.md 4.3 are not readable at all.
    let mut tx = as_api(pool, Some((ALICE, ORG_A, "learner"))).await;
    let denied = sqlx::query("SELECT count(*) FROM enrollments")
        .execute(&mut *tx)
        .await
        .expect_err("la_api holds no privilege on ingestion tables");
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    tx.rollback().await.unwrap();

    // The variables are transaction-local: the pooled connection is the owner again after.
    let owner_sees: i64 = sqlx::query_scalar("SELECT count(*) FROM analytics_results")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(owner_sees, 8);
}

/// A public job (a manual refresh) owned by `owner`.
fn job_of(owner: Uuid, now: chrono::DateTime<Utc>) -> NewJob {
    let mut job = la_app::jobs::new_job(JobType::ManualAnalyticsRefresh, now);
    job.user_id = Some(UserId(owner));
    job.coalesce_key = Some(format!("test:{owner}"));
    job
}

fn state(id: Uuid, rule: &str, at: chrono::DateTime<Utc>) -> RecommendationState {
    RecommendationState {
        recommendation_id: id,
        rule_id: rule.to_owned(),
        target_id: "t".to_owned(),
        status: StoredStatus::New,
        created_at: at,
        updated_at: at,
    }
}

/// The status stored for item `id` (read as the owner).
async fn stored_status(store: &Arc<dyn Store>, id: Uuid) -> StoredStatus {
    store
        .recommendation_states()
        .await
        .unwrap()
        .into_values()
        .flatten()
        .find(|s| s.recommendation_id == id)
        .expect("seeded item")
        .status
}

/// J1/J2's job read, G5's preference write and P4's status write go through `la_api` on
/// PostgreSQL like the result reads: the `jobs`, `user_preferences` and
/// `recommendation_state` policies of migration 0007 decide, whatever the HTTP layer let
/// through.
#[tokio::test]
async fn job_reads_and_own_writes_pass_row_level_security() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let jobs = db.jobs();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
    seed(&test_db.url, &store).await;
    if matches!(db, Database::Sqlite(_)) {
        // No row-level security: the job read is plain, whoever asks (the HTTP checks and
        // the service's `visible_to` guard it). No people are seeded here (see `seed`), so
        // the job has no owner.
        let mut job = job_of(ALICE, now);
        job.user_id = None;
        jobs.enqueue(&job, Coalesce::PendingOnly).await.unwrap();
        let bob = reader(BOB, Some(ORG_A), Some(Role::Learner));
        assert!(jobs.get_job_for(&bob, job.id).await.unwrap().is_some());
        return;
    }
    let (alices_job, carols_job) = (job_of(ALICE, now), job_of(CAROL, now));
    for job in [&alices_job, &carols_job] {
        jobs.enqueue(job, Coalesce::PendingOnly).await.unwrap();
    }

    // Jobs: one's own in any held role; another user's is invisible although its id is
    // known; a platform admin sees both; a role not held, an inactive user or no role: none.
    let cases = [
        (
            "own job, learner",
            reader(ALICE, Some(ORG_A), Some(Role::Learner)),
            true,
            false,
        ),
        (
            "own job, trainer",
            reader(ALICE, Some(ORG_A), Some(Role::Trainer)),
            true,
            false,
        ),
        (
            "another user's job",
            reader(BOB, Some(ORG_A), Some(Role::Learner)),
            false,
            false,
        ),
        (
            "another org's user",
            reader(CAROL, Some(ORG_B), Some(Role::Learner)),
            false,
            true,
        ),
        (
            "a platform admin",
            reader(PAT, Some(ORG_A), Some(Role::PlatformAdmin)),
            true,
            true,
        ),
        (
            "a role not held",
            reader(ALICE, Some(ORG_A), Some(Role::OrgAdmin)),
            false,
            false,
        ),
        ("no role", reader(ALICE, Some(ORG_A), None), false, false),
    ];
    for (case, context, sees_alices, sees_carols) in cases {
        let alices = jobs.get_job_for(&context, alices_job.id).await.unwrap();
        let carols = jobs.get_job_for(&context, carols_job.id).await.unwrap();
        assert_eq!(
            (alices.is_some(), carols.is_some()),
            (sees_alices, sees_carols),
            "{case}"
        );
    }
    // Cancelling (J2) is the same rule as writing: another user's pending job is not found
    // by the update even with its id; the owner cancels their own.
    let bob = reader(BOB, Some(ORG_A), Some(Role::Learner));
    assert_eq!(
        jobs.cancel_job_for(&bob, alices_job.id, now).await.unwrap(),
        CancelOutcome::NotFound
    );
    let alice = reader(ALICE, Some(ORG_A), Some(Role::Learner));
    let cancelled = jobs
        .cancel_job_for(&alice, alices_job.id, now)
        .await
        .unwrap();
    assert!(
        matches!(&cancelled, CancelOutcome::Cancelled(job) if job.status == la_domain::jobs::JobStatus::Cancelled),
        "{cancelled:?}"
    );
    assert_eq!(
        jobs.get_job_for(
            &reader(ALICE, Some(ORG_A), Some(Role::Learner)),
            alices_job.id
        )
        .await
        .unwrap()
        .map(|j| j.user_id),
        Some(Some(UserId(ALICE)))
    );

    // Preferences: one's own row is written; with a context the policies reject (a role not
    // held, an inactive user) nothing is written and the port says so.
    let choices = Preferences {
        opt_out_leaderboards: true,
        share_achievements: false,
    };
    let alice = reader(ALICE, Some(ORG_A), Some(Role::Learner));
    assert!(
        store
            .set_own_preferences(&alice, choices, now)
            .await
            .unwrap()
    );
    // Again: the upsert's update path passes the policies too.
    assert!(
        store
            .set_own_preferences(&alice, choices, now)
            .await
            .unwrap()
    );
    for refused in [
        reader(BOB, Some(ORG_A), Some(Role::OrgAdmin)),
        reader(DAVE, Some(ORG_A), Some(Role::Learner)),
    ] {
        assert!(
            !store
                .set_own_preferences(&refused, choices, now)
                .await
                .unwrap()
        );
    }
    assert_eq!(
        store.leaderboard_opt_outs().await.unwrap(),
        vec![UserId(ALICE)],
        "only Alice's row was written"
    );

    // Recommendation statuses: only the viewer's own item of the active role changes.
    let (learner_item, trainer_item, bobs_item) = (
        Uuid::from_u128(0x1001),
        Uuid::from_u128(0x1002),
        Uuid::from_u128(0x1003),
    );
    store
        .write_recommendation_states(&[
            (
                UserId(ALICE),
                Role::Learner,
                state(learner_item, "learner.a", now),
            ),
            (
                UserId(ALICE),
                Role::Trainer,
                state(trainer_item, "trainer.a", now),
            ),
            (
                UserId(BOB),
                Role::Learner,
                state(bobs_item, "learner.a", now),
            ),
        ])
        .await
        .unwrap();
    let saved = StoredStatus::Saved;
    // Alice as learner: her trainer item and Bob's item are not hers to change.
    for other in [trainer_item, bobs_item] {
        assert_eq!(
            store
                .set_own_recommendation_status(&alice, other, saved, now)
                .await
                .unwrap(),
            None
        );
        assert_eq!(stored_status(&store, other).await, StoredStatus::New);
    }
    // The policies alone refuse an invalid context although user and role match the item:
    // a token naming another organisation.
    let alice_elsewhere = reader(ALICE, Some(ORG_B), Some(Role::Learner));
    assert_eq!(
        store
            .set_own_recommendation_status(&alice_elsewhere, learner_item, saved, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(stored_status(&store, learner_item).await, StoredStatus::New);
    assert_eq!(
        store
            .set_own_recommendation_status(&alice, learner_item, saved, now)
            .await
            .unwrap(),
        Some(Role::Learner)
    );
    assert_eq!(stored_status(&store, learner_item).await, saved);
    // A platform admin does not decide for others.
    let pat = reader(PAT, Some(ORG_A), Some(Role::PlatformAdmin));
    assert_eq!(
        store
            .set_own_recommendation_status(&pat, bobs_item, saved, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(stored_status(&store, bobs_item).await, StoredStatus::New);
}
