//! Upstream collection on both databases (`la_app::ports::CollectionStore`): the roster the
//! collectors pull for, and each run's outcome in `source_status` (decision 9).

use crate::cells::RowCursor;
use crate::common::Binder;
use crate::decode::Cells;
use crate::error::store_error;
use crate::sessions::execute;
use crate::value::Value;
use chrono::{DateTime, Utc};
use la_app::ports::{KnownId, Roster, SourceStatus, StoreError};
use la_domain::model::{DataSource, EntityKind};
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool};

/// Tables with an `external_id` column, in the order of [`Roster`]'s lists.
const ROSTER: [&str; 4] = [
    "SELECT id, external_id FROM organizations ORDER BY id",
    "SELECT id, external_id FROM users ORDER BY id",
    "SELECT id, external_id FROM courses ORDER BY id",
    "SELECT id, external_id FROM content_items ORDER BY id",
];

const SUCCESS: &str = "INSERT INTO source_status (source, entity, last_success_at) \
     VALUES ($1, $2, $3) ON CONFLICT (source, entity) DO UPDATE SET \
     last_success_at = excluded.last_success_at";
const FAILURE: &str = "INSERT INTO source_status (source, entity, last_failure_at, last_error) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (source, entity) DO UPDATE SET \
     last_failure_at = excluded.last_failure_at, last_error = excluded.last_error";
const STATUSES: &str = "SELECT source, entity, last_success_at, last_failure_at, last_error, \
     rows_written FROM source_status ORDER BY source, entity";

/// Errors are cut to this many characters: they are for operators, not a log store.
const MAX_ERROR_CHARS: usize = 500;

fn short(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

fn status(
    source: &str,
    entity: &str,
    last_success_at: Option<DateTime<Utc>>,
    last_failure_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    rows_written: i64,
) -> Result<SourceStatus, StoreError> {
    Ok(SourceStatus {
        source: DataSource::parse(source).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        entity: EntityKind::parse(entity).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        last_success_at,
        last_failure_at,
        last_error,
        rows_written: u64::try_from(rows_written).unwrap_or(0),
    })
}

/// Every row of `sql` (no parameters), decoded by `decode`.
async fn fetch_all<DB, T>(
    pool: &Pool<DB>,
    sql: &'static str,
    decode: impl for<'r> Fn(&mut RowCursor<'r, DB::Row>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let rows = sqlx::query_with::<DB, _>(AssertSqlSafe(sql), DB::Arguments::default())
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    rows.iter()
        .map(|row| decode(&mut RowCursor::new(row)))
        .collect()
}

pub(crate) async fn roster<DB>(pool: &Pool<DB>) -> Result<Roster, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let mut lists: Vec<Vec<KnownId>> = Vec::with_capacity(ROSTER.len());
    for sql in ROSTER {
        lists.push(
            fetch_all(pool, sql, |c| {
                Ok(KnownId {
                    id: c.uuid()?,
                    external_id: c.opt_text()?,
                })
            })
            .await?,
        );
    }
    let mut lists = lists.into_iter();
    Ok(Roster {
        organizations: lists.next().unwrap_or_default(),
        users: lists.next().unwrap_or_default(),
        courses: lists.next().unwrap_or_default(),
        content_items: lists.next().unwrap_or_default(),
    })
}

/// Upserts one outcome row per entity in one transaction; `error` marks a failure.
pub(crate) async fn record_outcome<DB>(
    pool: &Pool<DB>,
    source: DataSource,
    entities: &[EntityKind],
    at: DateTime<Utc>,
    error: Option<&str>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut tx = pool.begin().await.map_err(store_error)?;
    for entity in entities {
        let mut params = vec![
            Value::Text(Some(source.as_str().to_owned())),
            Value::Text(Some(entity.as_str().to_owned())),
            Value::Ts(Some(at)),
        ];
        let sql = match error {
            None => SUCCESS,
            Some(error) => {
                params.push(Value::Text(Some(short(error))));
                FAILURE
            }
        };
        execute(&mut *tx, sql, params, bind).await?;
    }
    tx.commit().await.map_err(store_error)
}

pub(crate) async fn source_statuses<DB>(pool: &Pool<DB>) -> Result<Vec<SourceStatus>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    fetch_all(pool, STATUSES, |c| {
        let source = c.text()?;
        let entity = c.text()?;
        status(
            &source,
            &entity,
            c.opt_ts()?,
            c.opt_ts()?,
            c.opt_text()?,
            c.opt_i64()?.unwrap_or(0),
        )
    })
    .await
}

/// Implements `CollectionStore` for an adapter with a `pool` field and a `bind` function.
macro_rules! collection_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::CollectionStore for $store {
            async fn roster(&self) -> Result<la_app::ports::Roster, la_app::ports::StoreError> {
                crate::collection::roster(&self.pool).await
            }

            async fn record_source_success(
                &self,
                source: la_domain::model::DataSource,
                entities: &[la_domain::model::EntityKind],
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::collection::record_outcome(&self.pool, source, entities, at, None, bind)
                    .await
            }

            async fn record_source_failure(
                &self,
                source: la_domain::model::DataSource,
                entities: &[la_domain::model::EntityKind],
                at: chrono::DateTime<chrono::Utc>,
                error: &str,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::collection::record_outcome(
                    &self.pool,
                    source,
                    entities,
                    at,
                    Some(error),
                    bind,
                )
                .await
            }

            async fn source_statuses(
                &self,
            ) -> Result<Vec<la_app::ports::SourceStatus>, la_app::ports::StoreError> {
                crate::collection::source_statuses(&self.pool).await
            }
        }
    };
}
pub(crate) use collection_store;
