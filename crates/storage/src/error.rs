//! Translation of driver errors into [`StoreError`], so sqlx types stop at this crate.

use la_app::ports::StoreError;

pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db) => match db.constraint() {
            Some(constraint) => StoreError::Constraint {
                constraint: constraint.to_owned(),
                message: db.message().to_owned(),
            },
            // SQLite names no constraint; its message says which kind failed.
            None if db.is_foreign_key_violation()
                || db.is_unique_violation()
                || db.is_check_violation() =>
            {
                StoreError::Constraint {
                    constraint: String::new(),
                    message: db.message().to_owned(),
                }
            }
            None => StoreError::Other(db.message().to_owned()),
        },
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::Tls(_) | sqlx::Error::Configuration(_) => {
            StoreError::Unavailable(error.to_string())
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(error.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

pub(crate) fn migrate_error(error: sqlx::migrate::MigrateError) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(e) => store_error(e),
        other => StoreError::Other(format!("migration failed: {other}")),
    }
}
