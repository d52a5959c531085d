//! The SQLite adapter: the embedded default (a file under `./data/`, WAL mode, created on
//! first use). One process owns the file; SQLite serialises writers, readers run alongside.

use crate::common;
use crate::error::{migrate_error, store_error};
use crate::gamification::LEDGER_ORG_TIME_INDEX;
use crate::records::Record;
use crate::sql;
use crate::sqlite_bulk::SqliteSource;
pub use crate::sqlite_checkpoint::BACKSTOP_PAGES as WAL_BACKSTOP_PAGES;
use crate::sqlite_checkpoint::Checkpointer;
use crate::value::{Value, sqlite_date, sqlite_timestamp};
use async_trait::async_trait;
use la_app::ports::*;
use la_domain::UserId;
use la_domain::model::{Dataset, EntityKind, Provenance};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Arguments, AssertSqlSafe, Row};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The page size of a new database file, in bytes (SQLite's default is 4 096).
///
/// Why larger: the batch writes about 170 MB of results (1.4 KB each on average) and 675 000
/// ledger rows per 10 000 learners, every page twice (WAL, then checkpoint) through one
/// system call per page. 16 KiB pages cut those calls and the B-tree's interior pages by
/// four: a first batch of 10 000 learners went from 14.2–15.2 s to 12.5 and 12.6 s, a next one
/// from 11.6–12.5 s to 9.9–11.7 s; 32 KiB was no better and 64 KiB worse (README.md,
/// Performance). The cost, a whole 16 KiB page in the WAL for a one-row update (a rate-limit
/// hit, a job's status), is small at this service's request rates.
pub const PAGE_SIZE: u32 = 16 * 1024;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, which the batch's bulk reads open themselves
    /// (`sqlite_bulk.rs`); `None` for an in-memory database.
    file: Option<Arc<PathBuf>>,
    /// The thread checkpointing the file's write-ahead log (`sqlite_checkpoint.rs`);
    /// `None` for an in-memory database, which has no log.
    checkpointer: Option<Arc<Checkpointer>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file named by a `sqlite:` URL.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(store_error)?
            .create_if_missing(true)
            // Takes effect when the file is created (sqlx sets it before the journal mode);
            // an existing file keeps its page size until a `VACUUM` outside WAL mode.
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable in WAL mode except for the last transactions on power loss.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Checkpoints run on a thread of their own; see `sqlite_checkpoint.rs`.
            .pragma("wal_autocheckpoint", WAL_BACKSTOP_PAGES.to_string());
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let file = (!in_memory).then(|| Arc::new(options.get_filename().to_path_buf()));
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        // Started once the pool has created the file and put it in WAL mode.
        let checkpointer = match &file {
            Some(path) => Some(Arc::new(Checkpointer::start(path)?)),
            None => None,
        };
        Ok(Self {
            pool,
            file,
            checkpointer,
        })
    }

    /// Applies pending migrations; applying them again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_error)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where the batch's bulk reads come from: the file directly, or the pool in memory.
    fn row_source(&self) -> SqliteSource<'_> {
        match &self.file {
            Some(path) => SqliteSource::File(path),
            None => SqliteSource::Pool(common::PoolSource {
                pool: &self.pool,
                bind,
            }),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(checkpointer) = self.checkpointer.clone() {
            // Its last round may be copying a log: off the async workers.
            let _ = tokio::task::spawn_blocking(move || checkpointer.stop()).await;
        }
    }
}

pub(crate) fn bind(
    args: &mut SqliteArguments,
    value: Value,
) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Uuid(v) => args.add(v),
        Value::Text(v) => args.add(v),
        Value::Int(v) => args.add(v),
        Value::Real(v) => args.add(v),
        Value::Bool(v) => args.add(v),
        Value::Ts(v) => args.add(v.as_ref().map(sqlite_timestamp)),
        Value::Date(v) => args.add(v.as_ref().map(sqlite_date)),
        Value::Json(v) => args.add(v.map(|j| j.to_string())),
        Value::Bytes(v) => args.add(v),
    }
}

#[async_trait]
impl SystemStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        common::ping(&self.pool).await
    }

    async fn entity_counts(&self) -> Result<Vec<(EntityKind, u64)>, StoreError> {
        common::entity_counts(&self.pool).await
    }
}

#[async_trait]
impl IngestionStore for SqliteStore {
    async fn write_dataset(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<WriteSummary, StoreError> {
        common::write_dataset(&self.pool, data, provenance, bind).await
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        common::is_empty(&self.pool).await
    }
}

common::shared_ports!(SqliteStore);
crate::jobs::job_ports!(SqliteStore, sqlx::Sqlite, false);
crate::sessions::session_store!(SqliteStore);
crate::preferences::preference_store!(SqliteStore);
crate::preferences::recommendation_state_store!(SqliteStore);
crate::collection::collection_store!(SqliteStore);
crate::limits::rate_limit_store!(SqliteStore);

impl SqliteStore {
    /// Upserts rows of a service table with multi-row statements, in one transaction.
    async fn upsert_rows<R: Record>(&self, records: &[R]) -> Result<(), StoreError> {
        common::upsert_records(&self.pool, records, bind).await
    }

    /// The ledger, award and streak rows of a batch chunk's gamification states, in one
    /// transaction on a connection whose page cache is raised to [`WRITE_CACHE_KIB`] for it
    /// and set back after.
    ///
    /// Why: a first batch inserts about 67 ledger rows per learner into four B-trees (the
    /// table, its key and the two indexes of `data.md` 3.4). The `(organization_id, role,
    /// occurred_at)` index takes them in no useful order, so with SQLite's default 2 MiB
    /// cache the write keeps reading index pages back from the file and spilling dirty ones
    /// to the WAL (a first batch of 10 000 learners: gamification writing 12.2 s → 10.4 s,
    /// medians of three). Set back after, so idle pooled connections do not keep the
    /// batch's pages.
    async fn write_gamification_rows(
        &self,
        states: &[GamificationState],
    ) -> Result<(), StoreError> {
        let (ledger, awards, streaks) = crate::gamification::rows(states);
        let mut statements = sql::upserts(&ledger, &[]);
        statements.extend(sql::upserts(&awards, &[]));
        statements.extend(sql::upserts(&streaks, &[]));
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let usual: i64 = sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut *conn)
            .await
            .map_err(store_error)?;
        set_pragma(&mut conn, "cache_size", -WRITE_CACHE_KIB).await?;
        let written =
            common::run_in_transaction_on::<sqlx::Sqlite>(&mut conn, statements, bind).await;
        let restored = set_pragma(&mut conn, "cache_size", usual).await;
        written.and(restored)
    }

    /// A step of a batch's ledger fill, in a transaction that takes the write lock up front
    /// (so two batches never both decide, and the emptiness check and the index change see
    /// the same ledger). Begin: an empty ledger loses its [`LEDGER_ORG_TIME_INDEX`]; a
    /// non-empty one gets it back if a fill cut short left it missing. End: the index is
    /// built if missing.
    ///
    /// Why a first fill defers it: the batch writes ledger rows in (user, role) order, the
    /// order of the table, its key and the `(user_id, role, occurred_at)` index, so those
    /// grow at their ends; this index takes the same rows in no useful order, so each
    /// transaction dirties pages all over it, and once it outgrows the page cache every
    /// insert reads pages back. Built once from the filled table (a sort), it costs about
    /// 1 s for 10 000 learners where its upkeep cost about 6 s (ARCHITECTURE.md, Storage).
    async fn ledger_fill(&self, step: common::LedgerFill) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        let defer = match step {
            common::LedgerFill::Begin => sqlx::query("SELECT 1 FROM points_ledger LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?
                .is_none(),
            common::LedgerFill::End => false,
        };
        let statement = if defer {
            format!("DROP INDEX IF EXISTS {}", LEDGER_ORG_TIME_INDEX.name)
        } else {
            LEDGER_ORG_TIME_INDEX.create.to_owned()
        };
        set_pragma(&mut tx, "threads", INDEX_SORT_THREADS).await?;
        let changed = sqlx::query(AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .map(drop);
        let reset = set_pragma(&mut tx, "threads", 0).await;
        changed.map_err(store_error)?;
        reset?;
        tx.commit().await.map_err(store_error)
    }

    /// SQLite has no row-level security: the API's read is the plain read (see
    /// [`la_app::ports::ResultStore::get_result_for`]).
    async fn read_as(
        &self,
        _reader: &ReadContext,
        key: &la_app::results::ResultKey,
    ) -> Result<Option<la_app::results::StoredResult>, StoreError> {
        la_app::ports::ResultStore::get_result(self, key).await
    }

    /// The plain read of [`la_app::ports::JobStore::get_job_for`] (no row-level security).
    async fn get_job_as(
        &self,
        _reader: &ReadContext,
        id: uuid::Uuid,
    ) -> Result<Option<Job>, StoreError> {
        crate::jobs::job_by_id(&self.pool, id, bind).await
    }

    /// The plain write of [`la_app::ports::JobStore::cancel_job_for`]: nothing refuses it
    /// here.
    async fn cancel_job_as(
        &self,
        _canceller: &ReadContext,
        id: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<la_app::ports::CancelOutcome, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        crate::jobs::cancel_pending::<sqlx::Sqlite>(&mut conn, id, now, bind).await
    }

    /// The plain write of [`la_app::ports::PreferenceStore::set_own_preferences`]: nothing
    /// refuses it here.
    async fn set_preferences_as(
        &self,
        writer: &ReadContext,
        preferences: Preferences,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        crate::preferences::set_preferences(&self.pool, writer.user_id, preferences, at, bind)
            .await
            .map(|()| true)
    }

    /// The plain write of
    /// [`la_app::ports::RecommendationStateStore::set_own_recommendation_status`].
    async fn set_recommendation_status_as(
        &self,
        viewer: &ReadContext,
        role: la_domain::Role,
        id: uuid::Uuid,
        status: la_domain::analytics::predictive::recommendations::StoredStatus,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<la_domain::Role>, StoreError> {
        crate::preferences::set_own_recommendation_status(
            &self.pool,
            viewer.user_id,
            role,
            id,
            status,
            at,
            bind,
        )
        .await
    }
}

/// The page cache of the connection writing a batch chunk's gamification rows, in KiB
/// (SQLite's default is 2 000); see [`SqliteStore::write_gamification_rows`].
const WRITE_CACHE_KIB: i64 = 32 * 1024;

/// Helper threads SQLite's sorter may use to build the deferred ledger index (`PRAGMA
/// threads`; 0, the default, sorts on the calling thread alone).
const INDEX_SORT_THREADS: i64 = 2;

/// A connection's integer setting: `PRAGMA cache_size` (negative: KiB; positive: pages;
/// lowering it frees the pages above) or `PRAGMA threads`.
async fn set_pragma(
    conn: &mut sqlx::SqliteConnection,
    name: &'static str,
    value: i64,
) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(format!("PRAGMA {name} = {value}")))
        .execute(conn)
        .await
        .map(drop)
        .map_err(store_error)
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn upsert_account(&self, user_id: UserId, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_accounts (user_id, password_hash) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(user_id.0)
        .bind(password_hash)
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(store_error)
    }

    async fn find_account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(
            "SELECT a.user_id, a.password_hash, a.last_login_at FROM user_accounts a \
             JOIN users u ON u.id = a.user_id WHERE u.email = $1",
        )
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|row| {
            let last_login: Option<String> = row.try_get(2).map_err(store_error)?;
            Ok(Account {
                user_id: UserId(row.try_get(0).map_err(store_error)?),
                password_hash: row.try_get(1).map_err(store_error)?,
                last_login_at: last_login
                    .map(|t| {
                        chrono::DateTime::parse_from_rfc3339(&t)
                            .map(|t| t.to_utc())
                            .map_err(|e| StoreError::Corrupt(format!("last_login_at: {e}")))
                    })
                    .transpose()?,
            })
        })
        .transpose()
    }
}
