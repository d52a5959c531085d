//! Crash safety of the job queue (issue 6, `data.md` 6.3): the real `learning-analytics`
//! binary is killed with SIGKILL in the middle of a daily-batch chunk and started again. The
//! chunk's lease expires, the reaper returns it to the queue as a failed attempt, a worker
//! runs it again, and the stored results equal those of an uninterrupted run of the same
//! batch, row for row.
//!
//! SQLite by default (a file both the test and the server open), PostgreSQL when
//! `LA_TEST_DATABASE_URL` is set.
//!
//! How the test stays deterministic and fast:
//! - Both runs start from the same data: the demo is seeded once and the database copied
//!   (file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), because the demo is
//!   generated relative to the seeding time.
//! - Both batches compute as of the same instant: the daily batch job carries `asOf`, which
//!   every chunk (and every retry of one) computes at. Only `calculated_at` and
//!   `calculation_ms` may differ, and are not compared.
//! - "In the middle": the first server runs with the `LA_TEST_CHUNK_PAUSE_MS` hook, so a
//!   chunk that has started storing results cannot finish before the test sees it. The test
//!   kills the process as soon as the chunk is `running` and results have appeared.
//! - A 3 s lease and 1 s retry delay (`LA_JOB_LEASE_SECONDS`, `LA_JOB_RETRY_SECONDS`) instead
//!   of 120 s and 60 s; every wait polls the database with a deadline.

use chrono::{DateTime, SubsecRound, Utc};
use la_app::ports::Coalesce;
use la_storage::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_learning-analytics");
const JWT_SECRET: &str = "crash-test-secret-crash-test-secret-crash-";
/// Every wait of the test gives up after this.
const PATIENCE: Duration = Duration::from_secs(25);

/// A scratch directory for data dirs and server logs, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("la-crash-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary's environment for `database_url`: no demo seeding at start, no scheduler (the
/// test enqueues the batch), one batch worker and no interactive ones, short timings.
fn command(database_url: &str, scratch: &Scratch, log_name: &str) -> (Command, PathBuf) {
    let log = scratch.0.join(format!("{log_name}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let mut command = Command::new(BIN);
    command
        .env_remove("LA_CONFIG")
        .env_remove("LA_ENV")
        .env("LA_DATABASE_URL", database_url)
        .env("LA_DATA_DIR", scratch.0.join("data"))
        .env("LA_LISTEN", "127.0.0.1:0")
        .env("LA_JWT_SECRET", JWT_SECRET)
        .env("LA_SEED_DEMO", "false")
        .env("LA_DATABASE_MAX_CONNECTIONS", "4")
        .env("LA_JOB_SCHEDULER", "false")
        .env("LA_JOB_WORKERS", "0")
        .env("LA_JOB_BATCH_WORKERS", "1")
        .env("LA_JOB_LEASE_SECONDS", "3")
        .env("LA_JOB_RETRY_SECONDS", "1")
        .env("LA_LOG", "info,sqlx=warn")
        .env("LA_LOG_FORMAT", "pretty")
        .stdin(Stdio::null())
        .stdout(Stdio::from(file.try_clone().expect("log file")))
        .stderr(Stdio::from(file));
    (command, log)
}

/// A running `serve`; killed (SIGKILL) when dropped, so a failing test leaves no process.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(database_url: &str, scratch: &Scratch, name: &str, extra: &[(&str, &str)]) -> Self {
        let (mut command, log) = command(database_url, scratch, name);
        command.arg("serve");
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("start learning-analytics serve");
        Server { child, log }
    }

    /// SIGKILL (`Child::kill` on Unix): no shutdown path of ours runs.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap the killed server");
    }

    /// Panics with the server's log if it has exited.
    fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().expect("server status") {
            panic!(
                "the server exited early ({status}); its log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `probe` until it yields a value, failing after [`PATIENCE`] with the server's log.
async fn wait_for<T, F, Fut>(what: &str, server: &mut Server, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        server.assert_alive();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; server log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Seeds a small demo into `database_url` with the binary's `seed-demo`.
fn seed(database_url: &str, scratch: &Scratch) {
    let (mut command, log) = command(database_url, scratch, "seed");
    let status = command
        .args([
            "seed-demo",
            "--learners",
            "40",
            "--trainers",
            "3",
            "--courses",
            "8",
            "--days",
            "45",
        ])
        .status()
        .expect("run seed-demo");
    assert!(
        status.success(),
        "seed-demo failed: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A second database holding exactly what `source` holds (no process may be connected to
/// `source` meanwhile).
async fn copy_of(source: &TestDatabase) -> TestDatabase {
    let copy = TestDatabase::create().await;
    if let Some(path) = source.url.strip_prefix("sqlite:") {
        let target = copy.url.strip_prefix("sqlite:").expect("same backend");
        std::fs::copy(path, target).expect("copy the SQLite file");
        // A write-ahead log left behind belongs to the copy too.
        for suffix in ["-wal", "-shm"] {
            let log = format!("{path}{suffix}");
            if Path::new(&log).exists() {
                std::fs::copy(&log, format!("{target}{suffix}")).expect("copy the SQLite WAL");
            }
        }
    } else {
        let admin_url = std::env::var("LA_TEST_DATABASE_URL").expect("PostgreSQL admin URL");
        let name = |url: &str| url.rsplit_once('/').expect("database name").1.to_owned();
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin");
        // The fresh, empty copy makes way for a clone of the source under its name, so its
        // clean-up drops the clone.
        for statement in [
            format!("DROP DATABASE {}", name(&copy.url)),
            format!(
                "CREATE DATABASE {} TEMPLATE {}",
                name(&copy.url),
                name(&source.url)
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&admin)
                .await
                .expect("clone the seeded database");
        }
        admin.close().await;
    }
    copy
}

/// Enqueues the daily batch of `as_of`'s date, computing as of `as_of`.
async fn enqueue_daily_batch(database_url: &str, as_of: DateTime<Utc>) -> uuid::Uuid {
    let database = la_storage::Database::connect(database_url, 1)
        .await
        .expect("connect");
    let mut job = la_app::jobs::daily_batch_job(as_of.date_naive(), as_of);
    job.payload = json!({
        "runDate": as_of.date_naive().to_string(),
        "asOf": as_of.to_rfc3339(),
    });
    let id = database
        .jobs()
        .enqueue(&job, Coalesce::PendingOnly)
        .await
        .expect("enqueue the daily batch")
        .id();
    database.close().await;
    id
}

#[derive(Debug, Clone, PartialEq)]
struct JobRow {
    id: String,
    job_type: String,
    status: String,
    attempts: i64,
    error: Option<String>,
}

/// A stored result without its timings (`calculated_at`, `calculation_ms`) and `job_id`,
/// which differ between runs by nature.
#[derive(Debug, Clone, PartialEq)]
struct ResultRow {
    organization: String,
    data: Option<Value>,
    status: String,
    low_confidence: bool,
    coverage: f64,
    warnings: Value,
}

/// The tables as the test reads them, straight from the database the server writes.
enum Tables {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

type RawJob = (String, String, String, i64, Option<String>);
type RawResult = (String, String, Option<Vec<u8>>, String, bool, f64, String);

impl Tables {
    async fn open(database_url: &str) -> Self {
        if database_url.starts_with("sqlite:") {
            let options: sqlx::sqlite::SqliteConnectOptions =
                database_url.parse().expect("SQLite URL");
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.busy_timeout(Duration::from_secs(5)))
                .await
                .expect("open SQLite");
            Tables::Sqlite(pool)
        } else {
            Tables::Postgres(sqlx::PgPool::connect(database_url).await.expect("open PG"))
        }
    }

    async fn jobs(&self) -> Vec<JobRow> {
        let rows: Vec<RawJob> = match self {
            Tables::Postgres(pool) => sqlx::query_as(
                "SELECT id::text, type, status, attempts::bigint, error FROM jobs ORDER BY created_at",
            )
            .fetch_all(pool)
            .await
            .expect("read jobs"),
            Tables::Sqlite(pool) => sqlx::query_as(
                "SELECT hex(id), type, status, attempts, error FROM jobs ORDER BY created_at",
            )
            .fetch_all(pool)
            .await
            .expect("read jobs"),
        };
        rows.into_iter()
            .map(|(id, job_type, status, attempts, error)| JobRow {
                id,
                job_type,
                status,
                attempts,
                error,
            })
            .collect()
    }

    async fn result_count(&self) -> i64 {
        let sql = "SELECT COUNT(*) FROM analytics_results";
        match self {
            Tables::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Tables::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }
        .expect("count results")
    }

    /// Every stored result by its key (subject type, subject, role, analytic, parameters).
    async fn results(&self) -> BTreeMap<String, ResultRow> {
        let rows: Vec<RawResult> = match self {
            Tables::Postgres(pool) => sqlx::query_as(
                "SELECT subject_type || '/' || subject_id::text || '/' || role || '/' || \
                 analytics_type || '/' || params_key, COALESCE(organization_id::text, ''), \
                 payload, status, low_confidence, coverage, warnings::text \
                 FROM analytics_results",
            )
            .fetch_all(pool)
            .await
            .expect("read results"),
            Tables::Sqlite(pool) => sqlx::query_as(
                "SELECT subject_type || '/' || hex(subject_id) || '/' || role || '/' || \
                 analytics_type || '/' || params_key, COALESCE(hex(organization_id), ''), \
                 payload, status, low_confidence, coverage, warnings FROM analytics_results",
            )
            .fetch_all(pool)
            .await
            .expect("read results"),
        };
        let json = |text: &str| serde_json::from_str::<Value>(text).expect("stored JSON");
        let mut results = BTreeMap::new();
        for (key, organization, data, status, low_confidence, coverage, warnings) in rows {
            let row = ResultRow {
                organization,
                data: data.as_deref().map(|bytes| {
                    let text = lz4_flex::block::decompress_size_prepended(bytes)
                        .expect("an lz4 payload (migration 0006)");
                    json(std::str::from_utf8(&text).expect("UTF-8 JSON"))
                }),
                status,
                low_confidence,
                coverage,
                warnings: json(&warnings),
            };
            assert!(
                results.insert(key.clone(), row).is_none(),
                "two rows for {key}"
            );
        }
        results
    }

    async fn close(self) {
        match self {
            Tables::Postgres(pool) => pool.close().await,
            Tables::Sqlite(pool) => pool.close().await,
        }
    }
}

/// The jobs once every one is terminal and the daily batch has planned its chunks.
async fn all_done(tables: &Tables) -> Option<Vec<JobRow>> {
    let jobs = tables.jobs().await;
    let planned = jobs.iter().any(|j| j.job_type == "batch-analytics-chunk");
    let open = jobs
        .iter()
        .any(|j| j.status == "pending" || j.status == "running");
    (planned && !open).then_some(jobs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_killed_mid_run_is_retried_and_stores_what_an_uninterrupted_run_stores() {
    let scratch = Scratch::new();
    let reference_db = TestDatabase::create().await;
    seed(&reference_db.url, &scratch);
    let crashed_db = copy_of(&reference_db).await;
    let as_of = Utc::now().trunc_subsecs(0);

    // The uninterrupted run.
    enqueue_daily_batch(&reference_db.url, as_of).await;
    let tables = Tables::open(&reference_db.url).await;
    let mut server = Server::start(&reference_db.url, &scratch, "reference", &[]);
    let jobs = wait_for("the uninterrupted batch", &mut server, || all_done(&tables)).await;
    server.kill();
    for job in &jobs {
        assert_eq!(
            (job.status.as_str(), job.attempts),
            ("completed", 1),
            "{job:?}"
        );
    }
    let expected = tables.results().await;
    assert_eq!(tables.result_count().await, expected.len() as i64);
    assert!(
        expected.len() > 100,
        "the demo batch stores results: {}",
        expected.len()
    );
    tables.close().await;

    // The same batch, killed in the middle of a chunk.
    enqueue_daily_batch(&crashed_db.url, as_of).await;
    let tables = Tables::open(&crashed_db.url).await;
    let mut server = Server::start(
        &crashed_db.url,
        &scratch,
        "killed",
        &[("LA_TEST_CHUNK_PAUSE_MS", "60000")],
    );
    let chunk = wait_for("a chunk storing its results", &mut server, || async {
        let running = tables
            .jobs()
            .await
            .into_iter()
            .find(|j| j.job_type == "batch-analytics-chunk" && j.status == "running")?;
        (tables.result_count().await > 0).then_some(running)
    })
    .await;
    server.kill();
    let after_kill = tables.jobs().await;
    let killed = after_kill
        .iter()
        .find(|j| j.id == chunk.id)
        .expect("the chunk");
    assert_eq!(
        (killed.status.as_str(), killed.attempts),
        ("running", 1),
        "the killed chunk holds its lease until it expires: {killed:?}"
    );
    let stored_when_killed = tables.result_count().await;
    assert!(stored_when_killed > 0);

    // Restarted: the lease expires, the reaper fails the attempt, a worker runs it again.
    let mut server = Server::start(&crashed_db.url, &scratch, "restarted", &[]);
    let reaped = wait_for("the reaper to fail the attempt", &mut server, || async {
        tables
            .jobs()
            .await
            .into_iter()
            .find(|j| j.id == chunk.id && (j.status != "running" || j.attempts > 1))
    })
    .await;
    assert!(
        reaped
            .error
            .as_deref()
            .is_some_and(|e| e.contains("lease expired")),
        "the attempt failed by lease expiry: {reaped:?}"
    );
    let jobs = wait_for("the retried batch", &mut server, || all_done(&tables)).await;
    server.kill();
    let retried = jobs.iter().find(|j| j.id == chunk.id).expect("the chunk");
    assert_eq!(
        (retried.status.as_str(), retried.attempts),
        ("completed", 2),
        "the killed attempt counts, the retry completes: {retried:?}"
    );
    for job in jobs.iter().filter(|j| j.id != chunk.id) {
        assert_eq!(job.status, "completed", "{job:?}");
    }
    assert_eq!(
        jobs.iter()
            .filter(|j| j.job_type == "batch-analytics-retry")
            .count(),
        0,
        "the chunk did not die"
    );

    let actual = tables.results().await;
    assert_eq!(
        tables.result_count().await,
        expected.len() as i64,
        "no duplicate or missing rows ({stored_when_killed} were stored when killed)"
    );
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    let differing: Vec<_> = expected
        .iter()
        .filter(|(key, row)| actual.get(*key) != Some(row))
        .map(|(key, row)| (key, row, &actual[key]))
        .collect();
    assert!(
        differing.is_empty(),
        "{} of {} results differ from the uninterrupted run; first: {:?}",
        differing.len(),
        expected.len(),
        differing.first()
    );
    tables.close().await;
}
