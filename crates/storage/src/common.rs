//! Operations whose SQL is the same on both databases, written once over sqlx's `Database`
//! trait. Each backend supplies only how a [`Value`] is bound in its dialect.

use crate::error::store_error;
use crate::sql::{self, Placeholders, Statement};
use crate::value::Value;
use la_app::ports::{StoreError, WriteSummary};
use la_domain::model::{Dataset, EntityKind, Provenance};
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

/// Upserts a dataset in one transaction, referenced entities first.
pub(crate) async fn write_dataset<DB>(
    pool: &Pool<DB>,
    data: &Dataset,
    provenance: Provenance,
    dialect: (Placeholders, Binder<DB>),
) -> Result<WriteSummary, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut tx = pool.begin().await.map_err(store_error)?;
    let mut summary = WriteSummary::default();
    let (placeholders, bind) = dialect;
    for statement in sql::dataset_upserts(data, provenance, placeholders) {
        let (kind, rows) = (statement.kind, statement.rows as u64);
        execute::<DB>(&mut tx, statement, bind).await?;
        summary.add(kind, rows);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(summary)
}
