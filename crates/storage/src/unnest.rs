//! PostgreSQL bulk upserts through `UNNEST`: one array parameter per column instead of one
//! parameter per value, so a 10 000-row statement has a dozen parameters, parses once and
//! binds without per-value overhead.

use crate::records::{Entity, Record, for_each_entity_in_dependency_order};
use crate::sql::{PROVENANCE_COLUMNS, conflict_clause, conflict_clause_if_changed};
use crate::value::{ToValue, Value};
use chrono::{DateTime, NaiveDate, Utc};
use la_domain::model::{Dataset, EntityKind, Provenance};
use sqlx::postgres::PgArguments;
use sqlx::types::Json;
use sqlx::{Arguments, error::BoxDynError};
use uuid::Uuid;

/// Rows per statement.
pub(crate) const ROWS_PER_STATEMENT: usize = 10_000;

/// One column's values, typed by the column's [`Value`] variant.
pub(crate) enum Column {
    Uuid(Vec<Option<Uuid>>),
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Ts(Vec<Option<DateTime<Utc>>>),
    Date(Vec<Option<NaiveDate>>),
    Json(Vec<Option<Json<serde_json::Value>>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl Column {
    pub(crate) fn for_value(value: &Value, capacity: usize) -> Column {
        match value {
            Value::Uuid(_) => Column::Uuid(Vec::with_capacity(capacity)),
            Value::Text(_) => Column::Text(Vec::with_capacity(capacity)),
            Value::Int(_) => Column::Int(Vec::with_capacity(capacity)),
            Value::Real(_) => Column::Real(Vec::with_capacity(capacity)),
            Value::Bool(_) => Column::Bool(Vec::with_capacity(capacity)),
            Value::Ts(_) => Column::Ts(Vec::with_capacity(capacity)),
            Value::Date(_) => Column::Date(Vec::with_capacity(capacity)),
            Value::Json(_) => Column::Json(Vec::with_capacity(capacity)),
            Value::Bytes(_) => Column::Bytes(Vec::with_capacity(capacity)),
        }
    }

    /// Appends a value; a field always maps to the same variant, so a mismatch is a bug.
    pub(crate) fn push(&mut self, value: Value) {
        match (self, value) {
            (Column::Uuid(c), Value::Uuid(v)) => c.push(v),
            (Column::Text(c), Value::Text(v)) => c.push(v),
            (Column::Int(c), Value::Int(v)) => c.push(v),
            (Column::Real(c), Value::Real(v)) => c.push(v),
            (Column::Bool(c), Value::Bool(v)) => c.push(v),
            (Column::Ts(c), Value::Ts(v)) => c.push(v),
            (Column::Date(c), Value::Date(v)) => c.push(v),
            (Column::Bytes(c), Value::Bytes(v)) => c.push(v),
            (Column::Json(c), Value::Json(v)) => c.push(v.map(Json)),
            _ => unreachable!("a column's values all have the type of its field"),
        }
    }

    pub(crate) fn sql_type(&self) -> &'static str {
        match self {
            Column::Uuid(_) => "uuid[]",
            Column::Text(_) => "text[]",
            Column::Int(_) => "int8[]",
            Column::Real(_) => "float8[]",
            Column::Bool(_) => "bool[]",
            Column::Ts(_) => "timestamptz[]",
            Column::Date(_) => "date[]",
            Column::Bytes(_) => "bytea[]",
            Column::Json(_) => "jsonb[]",
        }
    }

    pub(crate) fn bind(self, args: &mut PgArguments) -> Result<(), BoxDynError> {
        match self {
            Column::Uuid(c) => args.add(c),
            Column::Text(c) => args.add(c),
            Column::Int(c) => args.add(c),
            Column::Real(c) => args.add(c),
            Column::Bool(c) => args.add(c),
            Column::Ts(c) => args.add(c),
            Column::Date(c) => args.add(c),
            Column::Bytes(c) => args.add(c),
            Column::Json(c) => args.add(c),
        }
    }
}

/// One `INSERT … SELECT * FROM UNNEST(…) ON CONFLICT …` with its arguments.
pub(crate) struct UnnestStatement {
    pub rows: usize,
    pub sql: String,
    pub args: PgArguments,
}

/// The upsert of `records` (each row followed by the `trailing` columns' values).
pub(crate) fn statement<R: Record>(
    records: &[R],
    trailing: &[(&str, Value)],
) -> Result<UnnestStatement, BoxDynError> {
    statement_with(records, trailing, false)
}

/// [`statement`] that leaves identical stored rows untouched
/// ([`conflict_clause_if_changed`]).
pub(crate) fn statement_if_changed<R: Record>(
    records: &[R],
    trailing: &[(&str, Value)],
) -> Result<UnnestStatement, BoxDynError> {
    statement_with(records, trailing, true)
}

fn statement_with<R: Record>(
    records: &[R],
    trailing: &[(&str, Value)],
    only_changed: bool,
) -> Result<UnnestStatement, BoxDynError> {
    let mut columns: Vec<Column> = Vec::new();
    let mut row = Vec::with_capacity(R::COLUMNS.len() + trailing.len());
    for record in records {
        row.clear();
        record.push_values(&mut row);
        row.extend(trailing.iter().map(|(_, v)| v.clone()));
        if columns.is_empty() {
            columns = row
                .iter()
                .map(|v| Column::for_value(v, records.len()))
                .collect();
        }
        for (column, value) in columns.iter_mut().zip(row.drain(..)) {
            column.push(value);
        }
    }
    let names: Vec<&str> = R::COLUMNS
        .iter()
        .copied()
        .chain(trailing.iter().map(|(c, _)| *c))
        .collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.sql_type()))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({}) {}",
        R::TABLE,
        names.join(", "),
        arrays.join(", "),
        if only_changed {
            conflict_clause_if_changed::<R>(&names)
        } else {
            conflict_clause::<R>(&names)
        }
    );
    let mut args = PgArguments::default();
    for column in columns {
        column.bind(&mut args)?;
    }
    Ok(UnnestStatement {
        rows: records.len(),
        sql,
        args,
    })
}

/// Upserts of `records` in statements of at most [`ROWS_PER_STATEMENT`] rows.
pub(crate) fn upserts<R: Record>(records: &[R]) -> Result<Vec<UnnestStatement>, BoxDynError> {
    records
        .chunks(ROWS_PER_STATEMENT)
        .map(|chunk| statement(chunk, &[]))
        .collect()
}

/// The statements that upsert a whole dataset, referenced entities first.
pub(crate) fn dataset_upserts(
    data: &Dataset,
    provenance: Provenance,
) -> Result<Vec<(EntityKind, UnnestStatement)>, BoxDynError> {
    let trailing = [
        (PROVENANCE_COLUMNS[0], provenance.source.to_value()),
        (PROVENANCE_COLUMNS[1], provenance.synced_at.to_value()),
    ];
    let mut out = Vec::new();
    macro_rules! push {
        ($field:ident) => {
            for chunk in data.$field.chunks(ROWS_PER_STATEMENT) {
                out.push((entity_kind(chunk), statement(chunk, &trailing)?));
            }
        };
    }
    for_each_entity_in_dependency_order!(push);
    Ok(out)
}

fn entity_kind<R: Entity>(_: &[R]) -> EntityKind {
    R::KIND
}
