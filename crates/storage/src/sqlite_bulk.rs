//! The batch's bulk read of a SQLite file, stepping statements directly with `rusqlite`.
//!
//! Why not sqlx here: sqlx runs each SQLite connection on a worker thread and hands every row
//! to the async task through a channel, copying each value on the way. For the batch's load
//! (two million rows for 10 000 learners) that hand-over is most of the time: reading the
//! 520 000 interactions of the demo's large organisation into the same owned values took
//! 1.05–1.14 s through `fetch_all` and 0.34–0.39 s stepping the statement directly (README,
//! "Performance"). So the load opens its own read-only connection per query on a blocking
//! thread and decodes each row where SQLite produced it.
//!
//! Both crates link the one bundled SQLite (rusqlite 0.39 and sqlx 0.9 share
//! `libsqlite3-sys` 0.37; the `links` key allows no second copy). Only the batch's bulk
//! reads come this way; every write and every other read stays on the sqlx pool. An
//! in-memory database cannot be opened a second time by path, so it keeps the pool
//! ([`SqliteSource::Pool`]).

use crate::common::{PoolSource, RowSource, select_sql};
use crate::decode::{Cells, Decode, DecodeResult};
use crate::records::Record;
use crate::value::{
    Value, parse_sqlite_date, parse_sqlite_timestamp, sqlite_date, sqlite_timestamp,
};
use chrono::{DateTime, NaiveDate, Utc};
use la_app::ports::StoreError;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Where a SQLite store's bulk reads come from.
pub(crate) enum SqliteSource<'p> {
    /// A database file, read on connections of its own.
    File(&'p Arc<PathBuf>),
    /// An in-memory database: through the pool.
    Pool(PoolSource<'p, sqlx::Sqlite>),
}

impl RowSource for SqliteSource<'_> {
    async fn fetch<R>(&self, filter: &'static str, params: Vec<Value>) -> Result<Vec<R>, StoreError>
    where
        R: Record + Decode + Send + 'static,
    {
        match self {
            SqliteSource::Pool(pool) => pool.fetch(filter, params).await,
            SqliteSource::File(path) => {
                let path = Arc::clone(path);
                tokio::task::spawn_blocking(move || read_records(&path, filter, params))
                    .await
                    .map_err(|e| StoreError::Other(format!("bulk read task failed: {e}")))?
            }
        }
    }
}

/// `SELECT <R's columns> FROM <R's table> <filter>` on a new read-only connection.
fn read_records<R: Record + Decode>(
    path: &Path,
    filter: &str,
    params: Vec<Value>,
) -> Result<Vec<R>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error)?;
    // The same patience as the pool's connections while a writer checkpoints.
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite_error)?;
    let mut statement = conn
        .prepare(&select_sql::<R>(filter))
        .map_err(sqlite_error)?;
    for (position, value) in params.into_iter().enumerate() {
        let name = format!("${}", position + 1);
        let index = statement
            .parameter_index(&name)
            .map_err(sqlite_error)?
            .ok_or_else(|| StoreError::Other(format!("no parameter {name} in the query")))?;
        statement
            .raw_bind_parameter(index, sql_value(value))
            .map_err(sqlite_error)?;
    }
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        out.push(R::decode(&mut RowCells { row, next: 0 })?);
    }
    Ok(out)
}

/// A parameter in the encoding the sqlx side writes (`sqlite::bind`).
fn sql_value(value: Value) -> SqlValue {
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> SqlValue) -> SqlValue {
        v.map_or(SqlValue::Null, f)
    }
    match value {
        Value::Uuid(v) => or_null(v, |u| SqlValue::Blob(u.as_bytes().to_vec())),
        Value::Text(v) => or_null(v, SqlValue::Text),
        Value::Int(v) => or_null(v, SqlValue::Integer),
        Value::Real(v) => or_null(v, SqlValue::Real),
        Value::Bool(v) => or_null(v, |b| SqlValue::Integer(i64::from(b))),
        Value::Ts(v) => or_null(v, |t| SqlValue::Text(sqlite_timestamp(&t))),
        Value::Date(v) => or_null(v, |d| SqlValue::Text(sqlite_date(&d))),
        Value::Json(v) => or_null(v, |j| SqlValue::Text(j.to_string())),
        Value::Bytes(v) => or_null(v, SqlValue::Blob),
    }
}

pub(crate) fn sqlite_error(error: rusqlite::Error) -> StoreError {
    match error {
        rusqlite::Error::SqliteFailure(code, _)
            if matches!(
                code.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
            ) =>
        {
            StoreError::Unavailable(error.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// One row's columns, read left to right, decoded as the sqlx side stores them: UUIDs as
/// 16-byte BLOBs, booleans as integers, timestamps as RFC 3339 text, dates as
/// `YYYY-MM-DD`, JSON as text.
struct RowCells<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    next: usize,
}

impl RowCells<'_, '_> {
    fn cell(&mut self) -> DecodeResult<ValueRef<'_>> {
        self.next += 1;
        self.row
            .get_ref(self.next - 1)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column())))
    }

    fn wrong_type(&self, expected: &str, found: &str) -> StoreError {
        StoreError::Corrupt(format!(
            "{}: expected {expected}, found {found}",
            self.last_column()
        ))
    }

    /// A TEXT cell as `&str`, without copying.
    fn with_str<T>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> DecodeResult<Option<T>> {
        let outcome = match self.cell()? {
            ValueRef::Null => return Ok(None),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map_err(|e| e.to_string())
                .and_then(parse),
            other => Err(format!("expected text, found {}", other.data_type())),
        };
        outcome
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.last_column())))
    }
}

impl Cells for RowCells<'_, '_> {
    fn opt_uuid(&mut self) -> DecodeResult<Option<Uuid>> {
        let uuid = match self.cell()? {
            ValueRef::Null => return Ok(None),
            ValueRef::Blob(bytes) => Uuid::from_slice(bytes).map_err(|e| e.to_string()),
            other => Err(other.data_type().to_string()),
        };
        uuid.map(Some)
            .map_err(|found| self.wrong_type("a 16-byte UUID", &found))
    }
    fn opt_text(&mut self) -> DecodeResult<Option<String>> {
        self.with_str(|s| Ok(s.to_owned()))
    }
    fn opt_i64(&mut self) -> DecodeResult<Option<i64>> {
        match self.cell()? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            other => {
                let found = other.data_type().to_string();
                Err(self.wrong_type("an integer", &found))
            }
        }
    }
    fn opt_f64(&mut self) -> DecodeResult<Option<f64>> {
        match self.cell()? {
            ValueRef::Null => Ok(None),
            ValueRef::Real(v) => Ok(Some(v)),
            // A column without REAL affinity keeps an integral number as INTEGER.
            ValueRef::Integer(v) => Ok(Some(v as f64)),
            other => {
                let found = other.data_type().to_string();
                Err(self.wrong_type("a number", &found))
            }
        }
    }
    fn opt_bool(&mut self) -> DecodeResult<Option<bool>> {
        Ok(self.opt_i64()?.map(|v| v != 0))
    }
    fn opt_ts(&mut self) -> DecodeResult<Option<DateTime<Utc>>> {
        self.with_str(|s| parse_sqlite_timestamp(s).map_err(|e| e.to_string()))
    }
    fn opt_date(&mut self) -> DecodeResult<Option<NaiveDate>> {
        self.with_str(|s| parse_sqlite_date(s).map_err(|e| e.to_string()))
    }
    fn opt_json(&mut self) -> DecodeResult<Option<serde_json::Value>> {
        self.with_str(|s| serde_json::from_str(s).map_err(|e| e.to_string()))
    }
    fn opt_bytes(&mut self) -> DecodeResult<Option<Vec<u8>>> {
        match self.cell()? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(bytes) => Ok(Some(bytes.to_vec())),
            other => {
                let found = other.data_type().to_string();
                Err(self.wrong_type("a blob", &found))
            }
        }
    }
    fn last_column(&self) -> String {
        let index = self.next.saturating_sub(1);
        self.row
            .as_ref()
            .column_name(index)
            .map_or_else(|_| format!("column {index}"), str::to_owned)
    }
}
