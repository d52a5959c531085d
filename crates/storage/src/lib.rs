//! Storage adapters for the ports of `la-app`.
//!
//! Two backends, chosen at runtime from the database URL: SQLite (`sqlite:` URLs; the
//! embedded default) and PostgreSQL (`postgres://` or `postgresql://`; production). Each has
//! its own migrations under `migrations/<backend>/`. The column mapping of the ingestion
//! model (`records.rs`) and the shared SQL (`sql.rs`, `common.rs`) are written once; each
//! backend adds only its value encoding and the statements where the dialects differ.
//!
//! Architecture invariant: sqlx types never leave this crate; errors become
//! [`la_app::ports::StoreError`].

mod cells;
mod collection;
mod common;
mod decode;
mod error;
mod gamification;
mod ingest;
mod jobs;
mod limits;
mod notify;
pub mod postgres;
mod preferences;
mod records;
mod results;
mod sessions;
mod sql;
pub mod sqlite;
mod sqlite_bulk;
mod sqlite_checkpoint;
mod unnest;
mod value;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use la_app::ports::{Store, StoreError};
use std::sync::Arc;

/// A connected database of either kind.
#[derive(Clone)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Which backend a URL names; anything else is refused rather than guessed.
pub fn backend_of(url: &str) -> Result<la_app::ports::Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(la_app::ports::Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(la_app::ports::Backend::Postgres)
    } else {
        Err(StoreError::Other(
            "unrecognised database URL: use sqlite:<path> or postgres://…".to_owned(),
        ))
    }
}

impl Database {
    /// Connects to the database named by `url`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(match backend_of(url)? {
            la_app::ports::Backend::Sqlite => {
                Database::Sqlite(SqliteStore::connect(url, max_connections).await?)
            }
            la_app::ports::Backend::Postgres => {
                Database::Postgres(PgStore::connect(url, max_connections).await?)
            }
        })
    }

    /// Applies pending migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(s) => s.migrate().await,
            Database::Postgres(p) => p.migrate().await,
        }
    }

    /// The adapter as the ports the application uses.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Database::Sqlite(s) => Arc::new(s.clone()),
            Database::Postgres(p) => Arc::new(p.clone()),
        }
    }

    /// The adapter as the port of the upstream collectors.
    pub fn collection_store(&self) -> Arc<dyn la_app::ports::CollectionStore> {
        match self {
            Database::Sqlite(s) => Arc::new(s.clone()),
            Database::Postgres(p) => Arc::new(p.clone()),
        }
    }

    /// The adapter as the job queue port (`data.md` 6).
    pub fn jobs(&self) -> Arc<dyn la_app::ports::JobStore> {
        match self {
            Database::Sqlite(s) => Arc::new(s.clone()),
            Database::Postgres(p) => Arc::new(p.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            Database::Sqlite(s) => s.close().await,
            Database::Postgres(p) => p.close().await,
        }
    }
}

#[cfg(feature = "testing")]
pub mod testing;
