//! Fresh databases for tests (enabled by the `testing` feature).
//!
//! The backend comes from `LA_TEST_DATABASE_URL`: unset means a new SQLite file in the
//! temporary directory; a `postgres://` URL names a server on which a uniquely named
//! database is created for each test and dropped afterwards. So one test suite runs against
//! either database without changes.

use crate::Database;
use std::path::PathBuf;

/// A database that exists only for one test; dropped (or deleted) when this value drops.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates an empty database of the backend selected by `LA_TEST_DATABASE_URL`.
    pub async fn create() -> Self {
        match std::env::var("LA_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::create_postgres(admin_url).await,
            _ => Self::create_sqlite(),
        }
    }

    fn create_sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("la-test-{}.db", uuid::Uuid::new_v4()));
        TestDatabase {
            url: format!("sqlite:{}", path.display()),
            cleanup: Cleanup::File(path),
        }
    }

    async fn create_postgres(admin_url: String) -> Self {
        let name = format!("la_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("LA_TEST_DATABASE_URL must name a reachable PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) if server.contains("://") && server.len() > "postgres://".len() => {
                format!("{server}/{name}")
            }
            _ => format!("{}/{name}", admin_url.trim_end_matches('/')),
        };
        TestDatabase {
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// Connects and applies the migrations.
    pub async fn migrated(&self) -> Database {
        let db = Database::connect(&self.url, 5).await.expect("connect");
        db.migrate().await.expect("migrate");
        db
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async context guarantees: use a private runtime.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async {
                        if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&admin)
                            .await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Every stored result of a dataset's subjects: each user in each role, each organisation,
/// and the platform (the batch and coverage tests compare these before and after).
pub async fn stored_results(
    store: &std::sync::Arc<dyn la_app::ports::Store>,
    data: &la_domain::model::Dataset,
) -> Vec<la_app::results::StoredResult> {
    use la_app::results::SubjectType;
    use la_domain::Role;
    let mut subjects = Vec::new();
    for user in &data.users {
        for role in [Role::Learner, Role::Trainer, Role::OrgAdmin] {
            subjects.push((SubjectType::User, user.id.0, Some(role)));
        }
    }
    for org in &data.organizations {
        subjects.push((SubjectType::Organization, org.id.0, Some(Role::OrgAdmin)));
    }
    subjects.push((SubjectType::Platform, uuid::Uuid::nil(), None));
    let mut results = Vec::new();
    for (subject_type, id, role) in subjects {
        results.extend(
            store
                .subject_results(subject_type, id, role)
                .await
                .expect("read stored results"),
        );
    }
    results
}

/// Writes a generated dataset as mock-source rows synced at `now` (the seeding step of the
/// batch and job tests).
pub async fn write_mock(
    db: &Database,
    data: &la_domain::model::Dataset,
    now: chrono::DateTime<chrono::Utc>,
) {
    let provenance = la_domain::model::Provenance {
        source: la_domain::model::DataSource::Mock,
        synced_at: now,
    };
    db.store()
        .write_dataset(data, provenance)
        .await
        .expect("writing the test dataset");
}

/// Runs one SQL statement that returns no rows (test set-ups that reach past the ports).
pub async fn execute_sql(db: &Database, sql: &str) {
    match db {
        Database::Sqlite(s) => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(s.pool())
                .await
                .expect("test statement");
        }
        Database::Postgres(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p.pool())
                .await
                .expect("test statement");
        }
    }
}

/// `SELECT COUNT(*) FROM <from>` (a table and an optional filter).
pub async fn count_rows(db: &Database, from: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {from}");
    match db {
        Database::Sqlite(s) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(s.pool())
            .await
            .expect("count"),
        Database::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p.pool())
            .await
            .expect("count"),
    }
}

/// A PostgreSQL table constraint's definition (`pg_get_constraintdef`), if it exists.
/// SQLite's constraints are part of their table's definition and never change, so this is
/// for PostgreSQL only.
pub async fn pg_constraint_definition(db: &Database, table: &str, name: &str) -> Option<String> {
    match db {
        Database::Sqlite(_) => panic!("SQLite's constraints have no names to look up"),
        Database::Postgres(p) => sqlx::query_scalar(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = $1::regclass AND conname = $2",
        )
        .bind(table)
        .bind(name)
        .fetch_optional(p.pool())
        .await
        .expect("constraint definition"),
    }
}

/// The definition of an index as the database keeps it (SQLite: `sqlite_master.sql`;
/// PostgreSQL: `pg_indexes.indexdef` in the current schema), `None` when it does not exist.
pub async fn index_definition(db: &Database, name: &str) -> Option<String> {
    match db {
        Database::Sqlite(s) => {
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                .bind(name)
                .fetch_optional(s.pool())
                .await
                .expect("index definition")
        }
        Database::Postgres(p) => sqlx::query_scalar(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
        )
        .bind(name)
        .fetch_optional(p.pool())
        .await
        .expect("index definition"),
    }
}
