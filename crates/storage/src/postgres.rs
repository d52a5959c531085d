//! The PostgreSQL adapter: the production database. Several service instances may share
//! one database (row-level security, `SKIP LOCKED` job claims and `LISTEN/NOTIFY` arrive
//! with the API and job-queue work).

use crate::common;
use crate::error::{migrate_error, store_error};
use crate::gamification::{LEDGER_ORG_TIME_INDEX, LEDGER_USER_TIME_INDEX, LedgerIndex};
use crate::records::Record;
use crate::unnest;
use crate::value::Value;
use async_trait::async_trait;
use la_app::ports::*;
use la_domain::UserId;
use la_domain::model::{Dataset, EntityKind, Provenance};
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{Arguments, AssertSqlSafe, Row};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            // data.md 1: connect timeout 2 s; a little more to ride out a busy CI machine.
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(store_error)?;
        Ok(Self { pool })
    }

    /// Applies pending migrations; applying them again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(migrate_error)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Where the batch's bulk reads come from: the pool.
    fn row_source(&self) -> crate::common::PoolSource<'_, sqlx::Postgres> {
        crate::common::PoolSource {
            pool: &self.pool,
            bind,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn bind(args: &mut PgArguments, value: Value) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Uuid(v) => args.add(v),
        Value::Text(v) => args.add(v),
        Value::Int(v) => args.add(v),
        Value::Real(v) => args.add(v),
        Value::Bool(v) => args.add(v),
        Value::Ts(v) => args.add(v),
        Value::Date(v) => args.add(v),
        Value::Json(v) => args.add(v.map(Json)),
        Value::Bytes(v) => args.add(v),
    }
}

#[async_trait]
impl SystemStore for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        common::ping(&self.pool).await
    }

    async fn entity_counts(&self) -> Result<Vec<(EntityKind, u64)>, StoreError> {
        common::entity_counts(&self.pool).await
    }
}

#[async_trait]
impl IngestionStore for PgStore {
    async fn write_dataset(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<WriteSummary, StoreError> {
        let statements = unnest::dataset_upserts(data, provenance)
            .map_err(|e| StoreError::Other(format!("cannot encode the batch: {e}")))?;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let mut summary = WriteSummary::default();
        for (kind, statement) in statements {
            sqlx::query_with(AssertSqlSafe(statement.sql), statement.args)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            summary.add(kind, statement.rows as u64);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(summary)
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        common::is_empty(&self.pool).await
    }
}

common::shared_ports!(PgStore);
crate::jobs::job_ports!(PgStore, sqlx::Postgres, true);
crate::sessions::session_store!(PgStore);
crate::preferences::preference_store!(PgStore);
crate::preferences::recommendation_state_store!(PgStore);
crate::collection::collection_store!(PgStore);
crate::limits::rate_limit_store!(PgStore);

impl PgStore {
    /// Upserts rows of a service table through `UNNEST`, in one transaction.
    async fn upsert_rows<R: Record>(&self, records: &[R]) -> Result<(), StoreError> {
        let statements = unnest::upserts(records)
            .map_err(|e| StoreError::Other(format!("cannot encode the rows: {e}")))?;
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        for statement in statements {
            sqlx::query_with(AssertSqlSafe(statement.sql), statement.args)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// The ledger, award and streak rows of a batch chunk's gamification states, one table per
    /// transaction. The streak rows, which carry the ledger digests, go last: a write cut
    /// short leaves the old digest, so the next batch writes that ledger again.
    async fn write_gamification_rows(
        &self,
        states: &[GamificationState],
    ) -> Result<(), StoreError> {
        let (ledger, awards, streaks) = crate::gamification::rows(states);
        self.upsert_rows(&ledger).await?;
        self.upsert_rows(&awards).await?;
        self.upsert_rows(&streaks).await
    }

    /// A step of a batch's ledger fill. Begin: an empty ledger loses its two secondary
    /// indexes and its foreign key to `users` ([`LEDGER_DEFERRED_INDEXES`],
    /// [`LEDGER_USER_FK`]); a ledger with rows gets back whatever a fill cut short left
    /// missing. End: what is missing is rebuilt, as migration 0002 made it.
    ///
    /// Why: a first batch of 10 000 learners inserts about 675 000 ledger rows. Inserted
    /// into the bare table (its key only) and then indexed and constrained in one pass each,
    /// they cost the server about half of what row-by-row upkeep of two more indexes and a
    /// per-row foreign-key check cost (ARCHITECTURE.md, Storage).
    ///
    /// Locks: the ledger, then `users`, in that order in both steps. Begin waits at most
    /// [`LEDGER_LOCK_WAIT`] for them (dropping an index or a foreign key needs the table to
    /// itself, and a long read must not stall the API behind it) and otherwise fills with
    /// everything in place. End holds `users` against writes while it rebuilds, so that no
    /// user is deleted between the sweep of rows whose user went (deleted mid-fill, without
    /// the cascade) and the constraint's return; readers of both tables go on.
    async fn ledger_fill(&self, step: common::LedgerFill) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let shaped = async {
            if let common::LedgerFill::Begin = step {
                sqlx::query(AssertSqlSafe(format!(
                    "SET LOCAL lock_timeout = {}",
                    LEDGER_LOCK_WAIT.as_millis()
                )))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("LOCK TABLE points_ledger, users IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
            let empty = match step {
                common::LedgerFill::Begin => sqlx::query("SELECT 1 FROM points_ledger LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_none(),
                common::LedgerFill::End => false,
            };
            if empty {
                for index in LEDGER_DEFERRED_INDEXES {
                    sqlx::query(AssertSqlSafe(format!(
                        "DROP INDEX IF EXISTS {}",
                        index.name
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(AssertSqlSafe(format!(
                    "ALTER TABLE points_ledger DROP CONSTRAINT IF EXISTS {LEDGER_USER_FK}"
                )))
                .execute(&mut *tx)
                .await?;
            } else {
                restore_ledger(&mut tx).await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match shaped {
            Ok(()) => tx.commit().await.map_err(store_error),
            Err(e)
                if e.as_database_error().and_then(|d| d.code()).as_deref()
                    == Some(LOCK_NOT_AVAILABLE) =>
            {
                tracing::warn!(
                    "the points ledger is busy: this batch fills it with its indexes and \
                     foreign key in place"
                );
                tx.rollback().await.map_err(store_error)
            }
            Err(e) => Err(store_error(e)),
        }
    }

    /// Reads one result as the API (data.md 4.1): a transaction that sets the reader's context
    /// transaction-locally and switches to the `la_api` role (migration 0007), so the
    /// row-level security policies decide what is visible.
    async fn read_as(
        &self,
        reader: &ReadContext,
        key: &la_app::results::ResultKey,
    ) -> Result<Option<la_app::results::StoredResult>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        enter_api_role(&mut tx, reader).await?;
        let mut found: Vec<la_app::results::StoredResult> =
            common::fetch_records_on::<sqlx::Postgres, _>(
                &mut *tx,
                crate::results::KEY_FILTER,
                crate::results::key_params(key),
                bind,
            )
            .await?;
        // Read-only: ending it either way is the same; commit is the cheaper path back to
        // the pool (no rollback on drop).
        tx.commit().await.map_err(store_error)?;
        Ok(found.pop())
    }

    /// [`la_app::ports::JobStore::get_job_for`]: the job read in an `la_api` transaction,
    /// so the `jobs` policy of migration 0007 decides whether it is visible.
    async fn get_job_as(
        &self,
        reader: &ReadContext,
        id: uuid::Uuid,
    ) -> Result<Option<Job>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        enter_api_role(&mut tx, reader).await?;
        let job = crate::jobs::job_by_id(&mut *tx, id, bind).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(job)
    }

    /// [`la_app::ports::JobStore::cancel_job_for`]: the update in an `la_api` transaction,
    /// under the `jobs` policies (migration 0010).
    async fn cancel_job_as(
        &self,
        canceller: &ReadContext,
        id: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<la_app::ports::CancelOutcome, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        enter_api_role(&mut tx, canceller).await?;
        let outcome = crate::jobs::cancel_pending::<sqlx::Postgres>(&mut tx, id, now, bind).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(outcome)
    }

    /// [`la_app::ports::PreferenceStore::set_own_preferences`]: the upsert in an `la_api`
    /// transaction, under the insert and update policies of `user_preferences`. A row the
    /// policies refuse fails the statement with `insufficient_privilege`; the transaction is
    /// then dropped (rolled back) and the answer is `false`.
    async fn set_preferences_as(
        &self,
        writer: &ReadContext,
        preferences: Preferences,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        enter_api_role(&mut tx, writer).await?;
        let written = sqlx::query(crate::preferences::UPSERT_PREFERENCES)
            .bind(writer.user_id.0)
            .bind(preferences.opt_out_leaderboards)
            .bind(preferences.share_achievements)
            .bind(at)
            .execute(&mut *tx)
            .await;
        match written {
            Ok(_) => {
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some(INSUFFICIENT_PRIVILEGE) =>
            {
                Ok(false)
            }
            Err(e) => Err(store_error(e)),
        }
    }

    /// [`la_app::ports::RecommendationStateStore::set_own_recommendation_status`]: the
    /// update in an `la_api` transaction, so only a row the `recommendation_state` update
    /// policy lets through (the viewer's own, of the active role) changes.
    async fn set_recommendation_status_as(
        &self,
        viewer: &ReadContext,
        role: la_domain::Role,
        id: uuid::Uuid,
        status: la_domain::analytics::predictive::recommendations::StoredStatus,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<la_domain::Role>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        enter_api_role(&mut tx, viewer).await?;
        let updated = crate::preferences::set_own_recommendation_status(
            &mut *tx,
            viewer.user_id,
            role,
            id,
            status,
            at,
            bind,
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(updated)
    }
}

/// SQLSTATE of a write a row-level security policy refuses (`WITH CHECK`, or the `USING` of
/// an `ON CONFLICT DO UPDATE` target).
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// The points ledger's secondary indexes, which a first fill defers.
const LEDGER_DEFERRED_INDEXES: [LedgerIndex; 2] = [LEDGER_USER_TIME_INDEX, LEDGER_ORG_TIME_INDEX];

/// The ledger's foreign key to `users` (migration 0002), which a first fill defers.
const LEDGER_USER_FK: &str = "points_ledger_user_id_fkey";

/// How long a batch waits for the locks that defer the ledger's indexes and foreign key.
const LEDGER_LOCK_WAIT: Duration = Duration::from_secs(5);

/// SQLSTATE `lock_not_available` (a `lock_timeout` ran out).
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Gives the ledger back what a first fill deferred, where it is missing: the rows of users
/// deleted meanwhile go, then the foreign key and the indexes return.
async fn restore_ledger(tx: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    let constrained: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_constraint \
         WHERE conrelid = 'points_ledger'::regclass AND conname = $1)",
    )
    .bind(LEDGER_USER_FK)
    .fetch_one(&mut *tx)
    .await?;
    if !constrained {
        sqlx::query(
            "DELETE FROM points_ledger AS l \
             WHERE NOT EXISTS (SELECT 1 FROM users AS u WHERE u.id = l.user_id)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "ALTER TABLE points_ledger ADD CONSTRAINT {LEDGER_USER_FK} \
             FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"
        )))
        .execute(&mut *tx)
        .await?;
    }
    for index in LEDGER_DEFERRED_INDEXES {
        sqlx::query(index.create).execute(&mut *tx).await?;
    }
    Ok(())
}

/// The first statement of every `la_api` unit of work (data.md 4.2): the three session
/// variables, then the role, all transaction-local (`true`), so nothing outlives the
/// transaction on a pooled connection. An absent organisation or role is the empty string,
/// which the policies read as null: no rows.
async fn enter_api_role(
    conn: &mut sqlx::PgConnection,
    reader: &ReadContext,
) -> Result<(), StoreError> {
    sqlx::query(
        "SELECT set_config('app.current_user_id', $1, true), \
                set_config('app.current_org_id', $2, true), \
                set_config('app.current_role', $3, true), \
                set_config('role', 'la_api', true)",
    )
    .bind(reader.user_id.0.to_string())
    .bind(
        reader
            .organization_id
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
    )
    .bind(reader.role.map(|r| r.as_str()).unwrap_or_default())
    .execute(conn)
    .await
    .map(drop)
    .map_err(store_error)
}

#[async_trait]
impl AccountStore for PgStore {
    async fn upsert_account(&self, user_id: UserId, password_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_accounts (user_id, password_hash) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
             updated_at = now()",
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
            Ok(Account {
                user_id: UserId(row.try_get(0).map_err(store_error)?),
                password_hash: row.try_get(1).map_err(store_error)?,
                last_login_at: row.try_get(2).map_err(store_error)?,
            })
        })
        .transpose()
    }
}
