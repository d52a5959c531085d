//! [`Cells`] for the two backends' rows: how each dialect's column types decode into the
//! neutral values of `decode.rs`.

use crate::decode::{Cells, DecodeResult};
use crate::error::store_error;
use crate::value::{parse_sqlite_date, parse_sqlite_timestamp};
use chrono::{DateTime, NaiveDate, Utc};
use la_app::ports::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo};
use uuid::Uuid;

/// Reads one row's columns left to right.
pub(crate) struct RowCursor<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, R> RowCursor<'r, R> {
    pub fn new(row: &'r R) -> Self {
        RowCursor { row, next: 0 }
    }

    fn advance(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }
}

fn column_name<R: Row>(row: &R, index: usize) -> String {
    row.columns()
        .get(index)
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|| format!("column {index}"))
}

fn corrupt(column: String, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {what}"))
}

impl Cells for RowCursor<'_, SqliteRow> {
    fn opt_uuid(&mut self) -> DecodeResult<Option<Uuid>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_text(&mut self) -> DecodeResult<Option<String>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_i64(&mut self) -> DecodeResult<Option<i64>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_f64(&mut self) -> DecodeResult<Option<f64>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_bool(&mut self) -> DecodeResult<Option<bool>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_ts(&mut self) -> DecodeResult<Option<DateTime<Utc>>> {
        let text = self.opt_text()?;
        text.map(|t| parse_sqlite_timestamp(&t).map_err(|e| corrupt(self.last_column(), e)))
            .transpose()
    }
    fn opt_date(&mut self) -> DecodeResult<Option<NaiveDate>> {
        let text = self.opt_text()?;
        text.map(|t| parse_sqlite_date(&t).map_err(|e| corrupt(self.last_column(), e)))
            .transpose()
    }
    fn opt_bytes(&mut self) -> DecodeResult<Option<Vec<u8>>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_json(&mut self) -> DecodeResult<Option<serde_json::Value>> {
        let text = self.opt_text()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(self.last_column(), e)))
            .transpose()
    }
    fn last_column(&self) -> String {
        column_name(self.row, self.next.saturating_sub(1))
    }
}

impl Cells for RowCursor<'_, PgRow> {
    fn opt_uuid(&mut self) -> DecodeResult<Option<Uuid>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_text(&mut self) -> DecodeResult<Option<String>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_i64(&mut self) -> DecodeResult<Option<i64>> {
        // PostgreSQL decodes strictly by width: smallint, integer and bigint columns differ.
        let i = self.advance();
        match self.row.column(i).type_info().name() {
            "INT2" => self
                .row
                .try_get::<Option<i16>, _>(i)
                .map(|v| v.map(i64::from))
                .map_err(store_error),
            "INT4" => self
                .row
                .try_get::<Option<i32>, _>(i)
                .map(|v| v.map(i64::from))
                .map_err(store_error),
            _ => self.row.try_get(i).map_err(store_error),
        }
    }
    fn opt_f64(&mut self) -> DecodeResult<Option<f64>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_bool(&mut self) -> DecodeResult<Option<bool>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_ts(&mut self) -> DecodeResult<Option<DateTime<Utc>>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_date(&mut self) -> DecodeResult<Option<NaiveDate>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_json(&mut self) -> DecodeResult<Option<serde_json::Value>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn opt_bytes(&mut self) -> DecodeResult<Option<Vec<u8>>> {
        let i = self.advance();
        self.row.try_get(i).map_err(store_error)
    }
    fn last_column(&self) -> String {
        column_name(self.row, self.next.saturating_sub(1))
    }
}
