//! Push ingestion on both databases (`la_app::ports::PushIngestStore`): bulk existence
//! look-ups, upserts that count new / changed / identical rows, and deletes by key.
//!
//! Counting: records are upserted with `ON CONFLICT … DO UPDATE … WHERE <some column IS
//! DISTINCT FROM the stored one>`, so an identical row is not rewritten and the statement
//! writes only new plus changed rows. PostgreSQL tells them apart in the upsert itself: it
//! returns the rows it wrote, each marked inserted or updated ([`pg_upsert_entity`]).
//! SQLite counts the stored keys first (one `(key) IN (…)` query, inside a transaction that
//! took the write lock up front with `BEGIN IMMEDIATE`, so the count and the write see the
//! same rows): `inserted = n − stored`, `updated = affected − inserted`,
//! `unchanged = n − affected`.

use crate::error::store_error;
use crate::records::{Entity, Record, for_each_entity_in_dependency_order};
use crate::sql::{self, MAX_PARAMS_PER_STATEMENT, PROVENANCE_COLUMNS};
use crate::unnest::{self, Column};
use crate::value::{ToValue, Value, sqlite_timestamp};
use crate::{PgStore, SqliteStore};
use async_trait::async_trait;
use la_app::ports::{ChangeCounts, KeyValue, PushIngestStore, StoreError};
use la_domain::UserId;
use la_domain::model::*;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

/// The key columns of an entity's table (decision 11), as `records.rs` declares them.
pub(crate) fn key_columns(kind: EntityKind) -> &'static [&'static str] {
    macro_rules! keys {
        ($($kind:ident => $ty:ty),* $(,)?) => {
            match kind { $(EntityKind::$kind => <$ty as Record>::KEY,)* }
        };
    }
    keys!(
        Organizations => Organization,
        Departments => Department,
        Teams => Team,
        Users => User,
        Sessions => Session,
        Skills => Skill,
        Courses => Course,
        Modules => Module,
        Enrollments => Enrollment,
        ModuleProgress => ModuleProgress,
        Assessments => Assessment,
        AssessmentAttempts => AssessmentAttempt,
        UserSkills => UserSkill,
        SkillTargets => SkillTarget,
        SkillDemand => SkillDemand,
        LearningPaths => LearningPath,
        UserLearningPaths => UserLearningPath,
        TopicCompletions => TopicCompletion,
        ContentItems => ContentItem,
        ContentInteractions => ContentInteraction,
        ContentShares => ContentShare,
        HelpRequests => HelpRequest,
        PracticeSubmissions => PracticeSubmission,
        CourseReviews => CourseReview,
        Kpis => Kpi,
        ValuePropositions => ValueProposition,
        MentoringEvents => MentoringEvent,
        UpstreamRecommendations => UpstreamRecommendation,
    )
}

/// The key values of each record, in the order of `R::KEY`.
fn record_keys<R: Record>(records: &[R]) -> Vec<Vec<Value>> {
    let positions: Vec<usize> = R::KEY
        .iter()
        .map(|k| {
            R::COLUMNS
                .iter()
                .position(|c| c == k)
                .expect("key columns are columns")
        })
        .collect();
    let mut row = Vec::with_capacity(R::COLUMNS.len());
    records
        .iter()
        .map(|record| {
            row.clear();
            record.push_values(&mut row);
            positions.iter().map(|p| row[*p].clone()).collect()
        })
        .collect()
}

fn key_value(value: &KeyValue) -> Value {
    match value {
        KeyValue::Uuid(v) => v.to_value(),
        KeyValue::Ts(v) => v.to_value(),
        KeyValue::Date(v) => v.to_value(),
        KeyValue::Text(v) => v.to_value(),
    }
}

fn provenance_values(provenance: Provenance) -> [(&'static str, Value); 2] {
    [
        (PROVENANCE_COLUMNS[0], provenance.source.to_value()),
        (PROVENANCE_COLUMNS[1], provenance.synced_at.to_value()),
    ]
}

fn counts(n: u64, stored: u64, affected: u64) -> ChangeCounts {
    let inserted = n.saturating_sub(stored);
    ChangeCounts {
        inserted,
        updated: affected.saturating_sub(inserted),
        unchanged: n.saturating_sub(affected),
    }
}

fn add(total: &mut ChangeCounts, more: ChangeCounts) {
    total.inserted += more.inserted;
    total.updated += more.updated;
    total.unchanged += more.unchanged;
}

// ---------------------------------------------------------------------------------------
// SQLite: `(key) IN (VALUES (?, ?), …)` lists, chunked below the parameter limit.

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `(VALUES (?, …), …) AS k JOIN <table> AS t ON t.<key> = k.column<n> …` for `rows` keys:
/// SQLite scans the listed keys and looks each one up in the key's index. (A row-value
/// `(<key>) IN (VALUES …)` would scan the whole table for each request instead.)
fn sqlite_keys_join(table: &str, columns: &[&str], rows: usize) -> String {
    let tuple = format!("({})", placeholders(columns.len()));
    let on: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("t.{c} = k.column{}", i + 1))
        .collect();
    format!(
        "(VALUES {}) AS k JOIN {table} AS t ON {}",
        vec![tuple.as_str(); rows].join(", "),
        on.join(" AND ")
    )
}

fn sqlite_args(values: impl IntoIterator<Item = Value>) -> Result<SqliteArguments, StoreError> {
    let mut args = SqliteArguments::default();
    for value in values {
        crate::sqlite::bind(&mut args, value).map_err(|e| StoreError::Other(e.to_string()))?;
    }
    Ok(args)
}

/// What to do with the rows of `table` whose key is one of the given keys.
#[derive(Clone, Copy)]
enum ByKey {
    Count,
    Delete,
}

/// Counts or deletes the rows of `table` with the given keys, in chunks below the parameter
/// limit; returns the rows counted or deleted.
async fn sqlite_by_keys(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    keys: &[Vec<Value>],
    action: ByKey,
) -> Result<u64, StoreError> {
    let mut total = 0u64;
    for chunk in keys.chunks((MAX_PARAMS_PER_STATEMENT / columns.len()).max(1)) {
        let join = sqlite_keys_join(table, columns, chunk.len());
        let args = sqlite_args(chunk.iter().flatten().cloned())?;
        total += match action {
            ByKey::Count => {
                let sql = format!("SELECT count(*) FROM {join}");
                let n: i64 = sqlx::query_scalar_with(AssertSqlSafe(sql), args)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?;
                u64::try_from(n).unwrap_or(0)
            }
            ByKey::Delete => {
                let sql =
                    format!("DELETE FROM {table} WHERE rowid IN (SELECT t.rowid FROM {join})");
                sqlx::query_with(AssertSqlSafe(sql), args)
                    .execute(&mut *conn)
                    .await
                    .map_err(store_error)?
                    .rows_affected()
            }
        };
    }
    Ok(total)
}

async fn sqlite_upsert_entity<R: Entity>(
    conn: &mut SqliteConnection,
    records: &[R],
    provenance: Provenance,
) -> Result<ChangeCounts, StoreError> {
    let stored =
        sqlite_by_keys(conn, R::TABLE, R::KEY, &record_keys(records), ByKey::Count).await?;
    let mut affected = 0;
    for statement in sql::upserts_if_changed(records, &provenance_values(provenance)) {
        let args = sqlite_args(statement.values)?;
        affected += sqlx::query_with(AssertSqlSafe(statement.sql), args)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?
            .rows_affected();
    }
    let counts = counts(records.len() as u64, stored, affected);
    sqlx::query(SQLITE_STATUS)
        .bind(provenance.source.as_str())
        .bind(R::KIND.as_str())
        .bind(sqlite_timestamp(&provenance.synced_at))
        .bind((counts.inserted + counts.updated) as i64)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(counts)
}

/// Records a successful write of one entity from one source (`source_status`, judged for
/// coverage by decision 9): the time, and the rows written (new or changed) added up.
const SQLITE_STATUS: &str = "INSERT INTO source_status (source, entity, last_success_at, rows_written) \
     VALUES (?, ?, ?, ?) ON CONFLICT (source, entity) DO UPDATE SET \
     last_success_at = excluded.last_success_at, \
     rows_written = source_status.rows_written + excluded.rows_written";

/// `SELECT <select> FROM <table> WHERE <column> IN (…)`, chunked, rows decoded by `row`.
async fn sqlite_select_in<T>(
    store: &SqliteStore,
    select: &str,
    column: &str,
    values: Vec<Value>,
    row: impl Fn(&sqlx::sqlite::SqliteRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for chunk in values.chunks(MAX_PARAMS_PER_STATEMENT) {
        let sql = format!("{select} WHERE {column} IN ({})", placeholders(chunk.len()));
        let rows = sqlx::query_with(AssertSqlSafe(sql), sqlite_args(chunk.iter().cloned())?)
            .fetch_all(store.pool())
            .await
            .map_err(store_error)?;
        for r in &rows {
            out.push(row(r).map_err(store_error)?);
        }
    }
    Ok(out)
}

#[async_trait]
impl PushIngestStore for SqliteStore {
    async fn existing_ids(&self, kind: EntityKind, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let values = ids.iter().map(|id| id.to_value()).collect();
        let select = format!("SELECT id FROM {}", kind.table());
        sqlite_select_in(self, &select, "id", values, |r| r.try_get(0)).await
    }

    async fn assessment_max_scores(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, f64)>, StoreError> {
        let values = ids.iter().map(|id| id.to_value()).collect();
        let select = "SELECT id, max_score FROM assessments";
        sqlite_select_in(self, select, "id", values, |r| {
            Ok((r.try_get(0)?, r.try_get(1)?))
        })
        .await
    }

    async fn users_by_email(&self, emails: &[String]) -> Result<Vec<(String, UserId)>, StoreError> {
        let values = emails.iter().map(|e| e.to_value()).collect();
        let select = "SELECT email, id FROM users";
        sqlite_select_in(self, select, "email", values, |r| {
            Ok((r.try_get(0)?, UserId(r.try_get(1)?)))
        })
        .await
    }

    async fn upsert_changed(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<ChangeCounts, StoreError> {
        // The write lock up front: the count of stored keys and the upsert see the same rows.
        let mut tx = self
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)?;
        // A self-reference (a department's parent) may point to a row of a later statement
        // of the same request; foreign keys are checked at commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let mut total = ChangeCounts::default();
        macro_rules! write {
            ($field:ident) => {
                if !data.$field.is_empty() {
                    add(
                        &mut total,
                        sqlite_upsert_entity(&mut tx, &data.$field, provenance).await?,
                    );
                }
            };
        }
        for_each_entity_in_dependency_order!(write);
        tx.commit().await.map_err(store_error)?;
        Ok(total)
    }

    async fn delete_keys(
        &self,
        kind: EntityKind,
        keys: &[Vec<KeyValue>],
    ) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let keys: Vec<Vec<Value>> = keys
            .iter()
            .map(|k| k.iter().map(key_value).collect())
            .collect();
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let deleted = sqlite_by_keys(
            &mut tx,
            kind.table(),
            key_columns(kind),
            &keys,
            ByKey::Delete,
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(deleted)
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL: one array parameter per key column, `(key) IN (SELECT * FROM UNNEST(…))`.

/// `(<key columns>) IN (SELECT * FROM UNNEST($1::…[], …))` with its arguments.
fn pg_key_filter(
    columns: &[&str],
    keys: &[Vec<Value>],
) -> Result<(String, PgArguments), StoreError> {
    let mut arrays: Vec<Column> = keys[0]
        .iter()
        .map(|v| Column::for_value(v, keys.len()))
        .collect();
    for key in keys {
        for (array, value) in arrays.iter_mut().zip(key) {
            array.push(value.clone());
        }
    }
    let types: Vec<String> = arrays
        .iter()
        .enumerate()
        .map(|(i, a)| format!("${}::{}", i + 1, a.sql_type()))
        .collect();
    let mut args = PgArguments::default();
    for array in arrays {
        array
            .bind(&mut args)
            .map_err(|e| StoreError::Other(e.to_string()))?;
    }
    let filter = format!(
        "({}) IN (SELECT * FROM UNNEST({}))",
        columns.join(", "),
        types.join(", ")
    );
    Ok((filter, args))
}

async fn pg_upsert_entity<R: Entity>(
    conn: &mut PgConnection,
    records: &[R],
    provenance: Provenance,
) -> Result<ChangeCounts, StoreError> {
    let trailing = provenance_values(provenance);
    let mut total = ChangeCounts::default();
    for chunk in records.chunks(unnest::ROWS_PER_STATEMENT) {
        let statement = unnest::statement_if_changed(chunk, &trailing)
            .map_err(|e| StoreError::Other(format!("cannot encode the rows: {e}")))?;
        // One statement writes and counts: the upsert returns only the rows it wrote (an
        // identical row fails the `IS DISTINCT FROM` condition and is skipped), and a row
        // version made by an insert has no `xmax` while one made by `ON CONFLICT … DO
        // UPDATE` carries the updating transaction's id. (Counting the stored keys first
        // took a second round trip with the keys bound again.)
        let sql = format!(
            "WITH written AS ({} RETURNING (xmax = 0) AS inserted) \
             SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) \
             FROM written",
            statement.sql
        );
        let (inserted, updated): (i64, i64) =
            sqlx::query_as_with(AssertSqlSafe(sql), statement.args)
                .fetch_one(&mut *conn)
                .await
                .map_err(store_error)?;
        let n = chunk.len() as u64;
        let (inserted, updated) = (
            u64::try_from(inserted).unwrap_or(0),
            u64::try_from(updated).unwrap_or(0),
        );
        add(
            &mut total,
            ChangeCounts {
                inserted,
                updated,
                unchanged: n.saturating_sub(inserted + updated),
            },
        );
    }
    sqlx::query(PG_STATUS)
        .bind(provenance.source.as_str())
        .bind(R::KIND.as_str())
        .bind(provenance.synced_at)
        .bind((total.inserted + total.updated) as i64)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(total)
}

/// [`SQLITE_STATUS`] with PostgreSQL's placeholders.
const PG_STATUS: &str = "INSERT INTO source_status (source, entity, last_success_at, rows_written) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (source, entity) DO UPDATE SET \
     last_success_at = excluded.last_success_at, \
     rows_written = source_status.rows_written + excluded.rows_written";

#[async_trait]
impl PushIngestStore for PgStore {
    async fn existing_ids(&self, kind: EntityKind, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let sql = format!("SELECT id FROM {} WHERE id = ANY($1)", kind.table());
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(ids)
            .fetch_all(self.pool())
            .await
            .map_err(store_error)
    }

    async fn assessment_max_scores(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, f64)>, StoreError> {
        sqlx::query_as("SELECT id, max_score FROM assessments WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(self.pool())
            .await
            .map_err(store_error)
    }

    async fn users_by_email(&self, emails: &[String]) -> Result<Vec<(String, UserId)>, StoreError> {
        let rows: Vec<(String, Uuid)> =
            sqlx::query_as("SELECT email, id FROM users WHERE email = ANY($1)")
                .bind(emails)
                .fetch_all(self.pool())
                .await
                .map_err(store_error)?;
        Ok(rows.into_iter().map(|(e, id)| (e, UserId(id))).collect())
    }

    async fn upsert_changed(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<ChangeCounts, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let mut total = ChangeCounts::default();
        macro_rules! write {
            ($field:ident) => {
                if !data.$field.is_empty() {
                    add(
                        &mut total,
                        pg_upsert_entity(&mut tx, &data.$field, provenance).await?,
                    );
                }
            };
        }
        for_each_entity_in_dependency_order!(write);
        tx.commit().await.map_err(store_error)?;
        Ok(total)
    }

    async fn delete_keys(
        &self,
        kind: EntityKind,
        keys: &[Vec<KeyValue>],
    ) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let keys: Vec<Vec<Value>> = keys
            .iter()
            .map(|k| k.iter().map(key_value).collect())
            .collect();
        let (filter, args) = pg_key_filter(key_columns(kind), &keys)?;
        let sql = format!("DELETE FROM {} WHERE {filter}", kind.table());
        sqlx::query_with(AssertSqlSafe(sql), args)
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app names key fields in camelCase (decision 11); the tables must use the same
    /// columns in the same order, or deletes and counts would match the wrong rows.
    #[test]
    fn the_app_key_fields_are_the_table_key_columns() {
        for kind in EntityKind::ALL {
            let fields: Vec<String> = la_app::ingest::key_fields(*kind)
                .into_iter()
                .map(|f| match (*kind, f) {
                    // The only key field stored under another name (`source` is provenance).
                    (EntityKind::SkillTargets, "source") => "target_source".to_owned(),
                    _ => snake_case(f),
                })
                .collect();
            assert_eq!(fields, key_columns(*kind), "{kind:?}");
        }
    }

    fn snake_case(camel: &str) -> String {
        let mut out = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}
