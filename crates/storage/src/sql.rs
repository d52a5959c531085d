//! Multi-row upserts (`INSERT … VALUES (…), (…) ON CONFLICT … DO UPDATE`), the bulk-write path
//! of SQLite (PostgreSQL uses `UNNEST` arrays, `unnest.rs`), and the conflict clause both share.

use crate::records::{Entity, Record, for_each_entity_in_dependency_order};
use crate::value::{ToValue, Value};
use la_domain::model::{Dataset, EntityKind, Provenance};

/// Bind parameters per statement: below SQLite's 32 766 and PostgreSQL's 65 535.
pub(crate) const MAX_PARAMS_PER_STATEMENT: usize = 30_000;
/// Rows per statement: large enough to amortise round trips, small enough to keep each
/// statement's plan and buffer modest.
const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// Parameters are anonymous `?`: SQLite resolves each *named* parameter (`$n`) by a linear
/// scan, which makes binding a 30 000-parameter statement quadratic.
/// One multi-row statement ready to bind.
pub(crate) struct Statement {
    pub rows: usize,
    pub sql: String,
    pub values: Vec<Value>,
}

/// Columns every ingestion row carries after its own (filled from the batch's provenance).
pub(crate) const PROVENANCE_COLUMNS: [&str; 2] = ["source", "synced_at"];

fn upsert_sql<R: Record>(rows: usize, trailing: &[&str], only_changed: bool) -> String {
    let columns: Vec<&str> = R::COLUMNS.iter().chain(trailing).copied().collect();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", R::TABLE, columns.join(", "));
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql.push(' ');
    if only_changed {
        sql.push_str(&conflict_clause_if_changed::<R>(&columns));
    } else {
        sql.push_str(&conflict_clause::<R>(&columns));
    }
    sql
}

/// `ON CONFLICT (<key>) DO UPDATE SET <every other column> = excluded.<column>`.
pub(crate) fn conflict_clause<R: Record>(columns: &[&str]) -> String {
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !R::KEY.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "ON CONFLICT ({}) DO UPDATE SET {}",
        R::KEY.join(", "),
        updates.join(", ")
    )
}

/// The conflict clause of [`conflict_clause`] that updates a stored row only when a column
/// other than `synced_at` differs (null-safe), so that identical rows are left untouched and
/// the statement's affected-row count is the number of new or changed rows.
pub(crate) fn conflict_clause_if_changed<R: Record>(columns: &[&str]) -> String {
    let changed: Vec<String> = columns
        .iter()
        .filter(|c| !R::KEY.contains(c) && **c != PROVENANCE_COLUMNS[1])
        .map(|c| {
            format!(
                "{table}.{c} IS DISTINCT FROM excluded.{c}",
                table = R::TABLE
            )
        })
        .collect();
    let clause = conflict_clause::<R>(columns);
    if changed.is_empty() {
        clause
    } else {
        format!("{clause} WHERE {}", changed.join(" OR "))
    }
}

/// Multi-row upserts of `records`, each row followed by the `trailing` columns' values.
pub(crate) fn upserts<R: Record>(records: &[R], trailing: &[(&str, Value)]) -> Vec<Statement> {
    upserts_with(records, trailing, false)
}

/// [`upserts`] that leave identical stored rows untouched ([`conflict_clause_if_changed`]).
pub(crate) fn upserts_if_changed<R: Record>(
    records: &[R],
    trailing: &[(&str, Value)],
) -> Vec<Statement> {
    upserts_with(records, trailing, true)
}

fn upserts_with<R: Record>(
    records: &[R],
    trailing: &[(&str, Value)],
    only_changed: bool,
) -> Vec<Statement> {
    let width = R::COLUMNS.len() + trailing.len();
    let rows_per_statement = (MAX_PARAMS_PER_STATEMENT / width).min(MAX_ROWS_PER_STATEMENT);
    let trailing_columns: Vec<&str> = trailing.iter().map(|(c, _)| *c).collect();
    records
        .chunks(rows_per_statement)
        .map(|chunk| {
            let mut values = Vec::with_capacity(chunk.len() * width);
            for record in chunk {
                record.push_values(&mut values);
                values.extend(trailing.iter().map(|(_, v)| v.clone()));
            }
            Statement {
                rows: chunk.len(),
                sql: upsert_sql::<R>(chunk.len(), &trailing_columns, only_changed),
                values,
            }
        })
        .collect()
}

fn push_entity_statements<R: Entity>(
    records: &[R],
    provenance: Provenance,
    out: &mut Vec<(EntityKind, Statement)>,
) {
    let trailing = [
        (PROVENANCE_COLUMNS[0], provenance.source.to_value()),
        (PROVENANCE_COLUMNS[1], provenance.synced_at.to_value()),
    ];
    out.extend(
        upserts(records, &trailing)
            .into_iter()
            .map(|s| (R::KIND, s)),
    );
}

/// The statements that upsert a whole dataset, referenced entities first.
pub(crate) fn dataset_upserts(
    data: &Dataset,
    provenance: Provenance,
) -> Vec<(EntityKind, Statement)> {
    let mut out = Vec::new();
    macro_rules! push {
        ($field:ident) => {
            push_entity_statements(&data.$field, provenance, &mut out);
        };
    }
    for_each_entity_in_dependency_order!(push);
    out
}

/// `SELECT count(*)` per entity table.
pub(crate) fn count_sql(kind: EntityKind) -> String {
    format!("SELECT count(*) FROM {}", kind.table())
}

#[cfg(test)]
mod tests {
    use super::*;
    use la_domain::model::{HelpRequest, Session};

    #[test]
    fn upserts_bind_rows_anonymously_and_update_only_non_key_columns() {
        let sql = upsert_sql::<HelpRequest>(2, &PROVENANCE_COLUMNS, false);
        assert_eq!(
            sql,
            "INSERT INTO help_requests (user_id, occurred_at, course_id, source, synced_at) \
             VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) \
             ON CONFLICT (user_id, occurred_at) DO UPDATE SET course_id = excluded.course_id, \
             source = excluded.source, synced_at = excluded.synced_at"
        );
        assert!(upsert_sql::<Session>(1, &[], false).contains("ON CONFLICT (id)"));
        let changed = upsert_sql::<HelpRequest>(1, &PROVENANCE_COLUMNS, true);
        assert!(
            changed.ends_with(
                "synced_at = excluded.synced_at WHERE \
                 help_requests.course_id IS DISTINCT FROM excluded.course_id OR \
                 help_requests.source IS DISTINCT FROM excluded.source"
            ),
            "{changed}"
        );
    }
}
