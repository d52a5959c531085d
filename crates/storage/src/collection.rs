//! Upstream collection on both databases (`la_app::ports::CollectionStore`): the roster the
//! collectors pull for, and each run's outcome in `source_status` (decision 9).

use crate::error::store_error;
use crate::value::sqlite_timestamp;
use crate::{PgStore, SqliteStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use la_app::ports::{CollectionStore, KnownId, Roster, SourceStatus, StoreError};
use la_domain::model::{DataSource, EntityKind};
use sqlx::Row;
use uuid::Uuid;

/// Tables with an `external_id` column, in the order of [`Roster`]'s lists.
const ROSTER: [&str; 4] = [
    "SELECT id, external_id FROM organizations ORDER BY id",
    "SELECT id, external_id FROM users ORDER BY id",
    "SELECT id, external_id FROM courses ORDER BY id",
    "SELECT id, external_id FROM content_items ORDER BY id",
];

const SQLITE_SUCCESS: &str = "INSERT INTO source_status (source, entity, last_success_at) \
     VALUES (?, ?, ?) ON CONFLICT (source, entity) DO UPDATE SET \
     last_success_at = excluded.last_success_at";
const SQLITE_FAILURE: &str = "INSERT INTO source_status (source, entity, last_failure_at, last_error) \
     VALUES (?, ?, ?, ?) ON CONFLICT (source, entity) DO UPDATE SET \
     last_failure_at = excluded.last_failure_at, last_error = excluded.last_error";
const PG_SUCCESS: &str = "INSERT INTO source_status (source, entity, last_success_at) \
     VALUES ($1, $2, $3) ON CONFLICT (source, entity) DO UPDATE SET \
     last_success_at = excluded.last_success_at";
const PG_FAILURE: &str = "INSERT INTO source_status (source, entity, last_failure_at, last_error) \
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

fn sqlite_ts(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|ts| ts.with_timezone(&Utc))
            .map_err(|e| StoreError::Corrupt(format!("source_status time `{t}`: {e}")))
    })
    .transpose()
}

#[async_trait]
impl CollectionStore for SqliteStore {
    async fn roster(&self) -> Result<Roster, StoreError> {
        let mut lists: Vec<Vec<KnownId>> = Vec::with_capacity(ROSTER.len());
        for sql in ROSTER {
            let rows = sqlx::query(sql)
                .fetch_all(self.pool())
                .await
                .map_err(store_error)?;
            let mut list = Vec::with_capacity(rows.len());
            for r in &rows {
                list.push(KnownId {
                    id: r.try_get::<Uuid, _>(0).map_err(store_error)?,
                    external_id: r.try_get(1).map_err(store_error)?,
                });
            }
            lists.push(list);
        }
        Ok(roster(lists))
    }

    async fn record_source_success(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        for entity in entities {
            sqlx::query(SQLITE_SUCCESS)
                .bind(source.as_str())
                .bind(entity.as_str())
                .bind(sqlite_timestamp(&at))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn record_source_failure(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        for entity in entities {
            sqlx::query(SQLITE_FAILURE)
                .bind(source.as_str())
                .bind(entity.as_str())
                .bind(sqlite_timestamp(&at))
                .bind(short(error))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let rows = sqlx::query(STATUSES)
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|r| {
                let source: String = r.try_get(0).map_err(store_error)?;
                let entity: String = r.try_get(1).map_err(store_error)?;
                status(
                    &source,
                    &entity,
                    sqlite_ts(r.try_get(2).map_err(store_error)?)?,
                    sqlite_ts(r.try_get(3).map_err(store_error)?)?,
                    r.try_get(4).map_err(store_error)?,
                    r.try_get(5).map_err(store_error)?,
                )
            })
            .collect()
    }
}

#[async_trait]
impl CollectionStore for PgStore {
    async fn roster(&self) -> Result<Roster, StoreError> {
        let mut lists: Vec<Vec<KnownId>> = Vec::with_capacity(ROSTER.len());
        for sql in ROSTER {
            let rows = sqlx::query(sql)
                .fetch_all(self.pool())
                .await
                .map_err(store_error)?;
            let mut list = Vec::with_capacity(rows.len());
            for r in &rows {
                list.push(KnownId {
                    id: r.try_get::<Uuid, _>(0).map_err(store_error)?,
                    external_id: r.try_get(1).map_err(store_error)?,
                });
            }
            lists.push(list);
        }
        Ok(roster(lists))
    }

    async fn record_source_success(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        for entity in entities {
            sqlx::query(PG_SUCCESS)
                .bind(source.as_str())
                .bind(entity.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn record_source_failure(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        for entity in entities {
            sqlx::query(PG_FAILURE)
                .bind(source.as_str())
                .bind(entity.as_str())
                .bind(at)
                .bind(short(error))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let rows = sqlx::query(STATUSES)
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|r| {
                let source: String = r.try_get(0).map_err(store_error)?;
                let entity: String = r.try_get(1).map_err(store_error)?;
                status(
                    &source,
                    &entity,
                    r.try_get(2).map_err(store_error)?,
                    r.try_get(3).map_err(store_error)?,
                    r.try_get(4).map_err(store_error)?,
                    r.try_get(5).map_err(store_error)?,
                )
            })
            .collect()
    }
}

fn roster(lists: Vec<Vec<KnownId>>) -> Roster {
    let mut lists = lists.into_iter();
    Roster {
        organizations: lists.next().unwrap_or_default(),
        users: lists.next().unwrap_or_default(),
        courses: lists.next().unwrap_or_default(),
        content_items: lists.next().unwrap_or_default(),
    }
}
