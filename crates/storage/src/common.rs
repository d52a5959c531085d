//! Operations whose SQL is the same on both databases, written once over sqlx's `Database`
//! trait. Each backend supplies only how a [`Value`] is bound in its dialect.

use crate::cells::RowCursor;
use crate::decode::{Cells, Decode};
use crate::error::store_error;
use crate::records::Record;
use crate::sql::{self, Statement};
use crate::value::{ToValue, Value};
use futures_util::TryStreamExt;
use la_app::ports::{StoreError, WriteSummary};
use la_domain::OrgId;
use la_domain::model::{Dataset, EntityKind, Organization, Provenance};
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool};

/// Binds one value in a backend's encoding.
pub(crate) type Binder<DB> =
    fn(&mut <DB as Database>::Arguments, Value) -> Result<(), sqlx::error::BoxDynError>;

pub(crate) async fn ping<DB>(pool: &Pool<DB>) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    sqlx::query::<DB>("SELECT 1")
        .execute(pool)
        .await
        .map(drop)
        .map_err(store_error)
}

pub(crate) async fn entity_counts<DB>(pool: &Pool<DB>) -> Result<Vec<(EntityKind, u64)>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut counts = Vec::with_capacity(EntityKind::ALL.len());
    for kind in EntityKind::ALL {
        let n: i64 = sqlx::query_scalar::<DB, i64>(AssertSqlSafe(sql::count_sql(*kind)))
            .fetch_one(pool)
            .await
            .map_err(store_error)?;
        counts.push((*kind, u64::try_from(n).unwrap_or(0)));
    }
    Ok(counts)
}

/// Whether no organisation is stored yet (the signal to seed the demo on first start).
pub(crate) async fn is_empty<DB>(pool: &Pool<DB>) -> Result<bool, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let n: i64 = sqlx::query_scalar::<DB, i64>(
        "SELECT count(*) FROM (SELECT 1 FROM organizations LIMIT 1) AS any_org",
    )
    .fetch_one(pool)
    .await
    .map_err(store_error)?;
    Ok(n == 0)
}

async fn execute<DB>(
    conn: &mut DB::Connection,
    statement: Statement,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut args = DB::Arguments::default();
    for value in statement.values {
        bind(&mut args, value).map_err(|e| StoreError::Other(e.to_string()))?;
    }
    sqlx::query_with::<DB, _>(AssertSqlSafe(statement.sql), args)
        .execute(conn)
        .await
        .map(drop)
        .map_err(store_error)
}

/// Upserts records (of a table without provenance columns) in one transaction.
pub(crate) async fn upsert_records<DB, R>(
    pool: &Pool<DB>,
    records: &[R],
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    R: Record,
{
    let statements = sql::upserts(records, &[]);
    run_in_transaction(pool, statements, bind).await
}

/// Runs statements in one transaction.
pub(crate) async fn run_in_transaction<DB>(
    pool: &Pool<DB>,
    statements: Vec<Statement>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut conn = pool.acquire().await.map_err(store_error)?;
    run_in_transaction_on(&mut conn, statements, bind).await
}

/// [`run_in_transaction`] on one connection (one whose settings were changed for it, say).
pub(crate) async fn run_in_transaction_on<DB>(
    conn: &mut DB::Connection,
    statements: Vec<Statement>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut tx = sqlx::Connection::begin(conn).await.map_err(store_error)?;
    for statement in statements {
        execute::<DB>(&mut tx, statement, bind).await?;
    }
    tx.commit().await.map_err(store_error)
}

/// A step of a batch's ledger fill (`GamificationStore::begin_ledger_fill`, `end_ledger_fill`;
/// `SqliteStore::ledger_fill` and `PgStore::ledger_fill` say what each database defers).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LedgerFill {
    Begin,
    End,
}

/// Every stored badge award per (user, role).
pub(crate) async fn badge_awards<DB>(
    pool: &Pool<DB>,
    bind: Binder<DB>,
) -> Result<
    std::collections::BTreeMap<
        (la_domain::UserId, la_domain::Role),
        Vec<la_domain::analytics::gamification::badges::BadgeAward>,
    >,
    StoreError,
>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let rows: Vec<crate::gamification::AwardRow> =
        fetch_records(pool, "ORDER BY user_id, role, badge_id", Vec::new(), bind).await?;
    let mut awards = std::collections::BTreeMap::new();
    for row in rows {
        awards
            .entry((row.user_id, row.role))
            .or_insert_with(Vec::new)
            .push(row.award);
    }
    Ok(awards)
}

/// The ledger digest of every (user, role) that has one (`streak_state`).
pub(crate) async fn ledger_digests<DB>(
    pool: &Pool<DB>,
    bind: Binder<DB>,
) -> Result<std::collections::BTreeMap<(la_domain::UserId, la_domain::Role), i64>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let rows: Vec<crate::gamification::DigestRow> =
        fetch_records(pool, "WHERE ledger_digest IS NOT NULL", Vec::new(), bind).await?;
    Ok(rows
        .into_iter()
        .map(|row| ((row.user_id, row.role), row.digest))
        .collect())
}

/// Upserts a dataset in one transaction, referenced entities first.
pub(crate) async fn write_dataset<DB>(
    pool: &Pool<DB>,
    data: &Dataset,
    provenance: Provenance,
    bind: Binder<DB>,
) -> Result<WriteSummary, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut tx = pool.begin().await.map_err(store_error)?;
    let mut summary = WriteSummary::default();
    for (kind, statement) in sql::dataset_upserts(data, provenance) {
        let rows = statement.rows as u64;
        execute::<DB>(&mut tx, statement, bind).await?;
        summary.add(kind, rows);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(summary)
}

/// `SELECT <the entity's columns> FROM <its table> <filter>`.
pub(crate) fn select_sql<R: Record>(filter: &str) -> String {
    format!(
        "SELECT {} FROM {} {filter}",
        R::COLUMNS.join(", "),
        R::TABLE
    )
}

/// Streams the rows of one table matching `filter` (with `$1…` bound to `params`) and
/// decodes them.
pub(crate) async fn fetch_records<DB, R>(
    pool: &Pool<DB>,
    filter: &str,
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<Vec<R>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
    R: Record + Decode,
{
    let mut conn = pool.acquire().await.map_err(store_error)?;
    fetch_records_on(&mut conn, filter, params, bind).await
}

/// [`fetch_records`] on one connection (inside a transaction, say).
pub(crate) async fn fetch_records_on<DB, R>(
    conn: &mut DB::Connection,
    filter: &str,
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<Vec<R>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
    R: Record + Decode,
{
    let mut args = DB::Arguments::default();
    for value in params {
        bind(&mut args, value).map_err(|e| StoreError::Other(e.to_string()))?;
    }
    let mut rows =
        sqlx::query_with::<DB, _>(AssertSqlSafe(select_sql::<R>(filter)), args).fetch(conn);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(store_error)? {
        out.push(R::decode(&mut RowCursor::new(&row))?);
    }
    Ok(out)
}

/// Ids of every stored organisation.
pub(crate) async fn organization_ids<DB>(
    pool: &Pool<DB>,
    bind: Binder<DB>,
) -> Result<Vec<OrgId>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let orgs: Vec<Organization> = fetch_records(pool, "ORDER BY id", Vec::new(), bind).await?;
    Ok(orgs.into_iter().map(|o| o.id).collect())
}

/// Where the batch's bulk reads come from: a sqlx pool ([`PoolSource`]), or on a SQLite file
/// statements stepped directly (`sqlite_bulk.rs`). Each fetch is
/// `SELECT <R's columns> FROM <R's table> <filter>` with `$1…` bound to `params`.
pub(crate) trait RowSource: Sync {
    fn fetch<R>(
        &self,
        filter: &'static str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<R>, StoreError>> + Send
    where
        R: Record + Decode + Send + 'static;
}

/// Bulk reads through a sqlx pool (PostgreSQL; SQLite in memory).
pub(crate) struct PoolSource<'p, DB: Database> {
    pub pool: &'p Pool<DB>,
    pub bind: Binder<DB>,
}

impl<DB> RowSource for PoolSource<'_, DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    fn fetch<R>(
        &self,
        filter: &'static str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<R>, StoreError>> + Send
    where
        R: Record + Decode + Send + 'static,
    {
        fetch_records(self.pool, filter, params, self.bind)
    }
}

/// The platform catalogue: skills, demand, courses, modules, assessments, paths, content.
pub(crate) async fn load_catalog(source: &impl RowSource) -> Result<Dataset, StoreError> {
    Ok(Dataset {
        skills: source.fetch("", Vec::new()).await?,
        skill_demand: source.fetch("", Vec::new()).await?,
        courses: source.fetch("", Vec::new()).await?,
        modules: source.fetch("", Vec::new()).await?,
        assessments: source.fetch("", Vec::new()).await?,
        learning_paths: source.fetch("", Vec::new()).await?,
        content_items: source.fetch("", Vec::new()).await?,
        ..Dataset::default()
    })
}

/// One organisation with its structure, goals, members and all of their activity: one
/// bulk query per entity, never one per learner.
pub(crate) async fn load_organization(
    source: &impl RowSource,
    org: OrgId,
) -> Result<Dataset, StoreError> {
    const MEMBERS: &str = "WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)";
    const SHARERS: &str = "WHERE shared_by IN (SELECT id FROM users WHERE org_id = $1)";
    let id = || vec![org.to_value()];
    // Three sequences of queries run side by side on three connections (about the same
    // number of rows each in the demo's shape): the database steps through one table while
    // the rows of another are decoded (on SQLite each sequence has its own thread). Three,
    // not one per table: a query waiting for a free pooled connection for longer than the
    // pool's acquire timeout fails, and a large organisation's tables take seconds each.
    let (
        (
            (organizations, departments, teams, users, kpis, value_propositions, mentoring_events),
            (sessions, user_skills, enrollments, topic_completions),
        ),
        (content_interactions, skill_targets, user_learning_paths, help_requests, course_reviews),
        (
            assessment_attempts,
            module_progress,
            practice_submissions,
            upstream_recommendations,
            content_shares,
        ),
    ) = tokio::try_join!(
        async {
            let org_rows = (
                source.fetch("WHERE id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
                source.fetch("WHERE org_id = $1", id()).await?,
            );
            let member_rows = (
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
            );
            Ok::<_, StoreError>((org_rows, member_rows))
        },
        async {
            Ok::<_, StoreError>((
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
            ))
        },
        async {
            Ok::<_, StoreError>((
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(MEMBERS, id()).await?,
                source.fetch(SHARERS, id()).await?,
            ))
        },
    )?;
    Ok(Dataset {
        organizations,
        departments,
        teams,
        users,
        kpis,
        value_propositions,
        mentoring_events,
        sessions,
        enrollments,
        module_progress,
        assessment_attempts,
        user_skills,
        skill_targets,
        user_learning_paths,
        topic_completions,
        content_interactions,
        help_requests,
        practice_submissions,
        course_reviews,
        upstream_recommendations,
        content_shares,
        ..Dataset::default()
    })
}

/// The port implementations whose SQL is shared by both backends; each backend module
/// invokes this with its store type and its bulk-upsert method (`upsert_rows`), and supplies
/// `bind`.
macro_rules! shared_ports {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::AnalyticsInputStore for $store {
            async fn organization_ids(
                &self,
            ) -> Result<Vec<la_domain::OrgId>, la_app::ports::StoreError> {
                crate::common::organization_ids(&self.pool, bind).await
            }

            async fn load_catalog(
                &self,
            ) -> Result<la_domain::model::Dataset, la_app::ports::StoreError> {
                crate::common::load_catalog(&self.row_source()).await
            }

            async fn load_organization(
                &self,
                org: la_domain::OrgId,
            ) -> Result<la_domain::model::Dataset, la_app::ports::StoreError> {
                crate::common::load_organization(&self.row_source(), org).await
            }
        }

        #[async_trait::async_trait]
        impl la_app::ports::ResultStore for $store {
            async fn upsert_results(
                &self,
                results: &[la_app::results::StoredResult],
            ) -> Result<(), la_app::ports::StoreError> {
                self.upsert_rows(results).await
            }

            async fn get_result(
                &self,
                key: &la_app::results::ResultKey,
            ) -> Result<Option<la_app::results::StoredResult>, la_app::ports::StoreError> {
                let mut found: Vec<la_app::results::StoredResult> = crate::common::fetch_records(
                    &self.pool,
                    crate::results::KEY_FILTER,
                    crate::results::key_params(key),
                    bind,
                )
                .await?;
                Ok(found.pop())
            }

            async fn get_result_for(
                &self,
                reader: &la_app::ports::ReadContext,
                key: &la_app::results::ResultKey,
            ) -> Result<Option<la_app::results::StoredResult>, la_app::ports::StoreError> {
                self.read_as(reader, key).await
            }

            async fn subject_results(
                &self,
                subject_type: la_app::results::SubjectType,
                subject_id: uuid::Uuid,
                role: Option<la_domain::Role>,
            ) -> Result<Vec<la_app::results::StoredResult>, la_app::ports::StoreError> {
                crate::common::fetch_records(
                    &self.pool,
                    crate::results::SUBJECT_FILTER,
                    crate::results::subject_params(subject_type, subject_id, role),
                    bind,
                )
                .await
            }
        }

        #[async_trait::async_trait]
        impl la_app::ports::GamificationStore for $store {
            async fn write_gamification(
                &self,
                states: &[la_app::ports::GamificationState],
            ) -> Result<(), la_app::ports::StoreError> {
                self.write_gamification_rows(states).await
            }

            async fn begin_ledger_fill(&self) -> Result<(), la_app::ports::StoreError> {
                self.ledger_fill(crate::common::LedgerFill::Begin).await
            }

            async fn end_ledger_fill(&self) -> Result<(), la_app::ports::StoreError> {
                self.ledger_fill(crate::common::LedgerFill::End).await
            }

            async fn badge_awards(
                &self,
            ) -> Result<
                std::collections::BTreeMap<
                    (la_domain::UserId, la_domain::Role),
                    Vec<la_domain::analytics::gamification::BadgeAward>,
                >,
                la_app::ports::StoreError,
            > {
                crate::common::badge_awards(&self.pool, bind).await
            }

            async fn ledger_digests(
                &self,
            ) -> Result<
                std::collections::BTreeMap<(la_domain::UserId, la_domain::Role), i64>,
                la_app::ports::StoreError,
            > {
                crate::common::ledger_digests(&self.pool, bind).await
            }
        }
    };
}
pub(crate) use shared_ports;
