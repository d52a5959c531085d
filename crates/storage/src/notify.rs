//! Cache invalidation across instances (`data.md` 8, spec README decision 5): an instance
//! that stored recalculated results sends `NOTIFY la_results_changed, '<scope>'`; every
//! instance listens and drops its in-process copies. SQLite has one process, which
//! invalidates its own cache directly, so both are no-ops there.

use crate::Database;
use la_app::analytics::batch::Scope;
use la_app::ports::StoreError;

const CHANNEL: &str = "la_results_changed";

impl Database {
    /// Tells the other instances that `scope`'s results changed.
    pub async fn notify_results_changed(&self, scope: &Scope) -> Result<(), StoreError> {
        let Database::Postgres(pg) = self else {
            return Ok(());
        };
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(scope.to_payload())
            .execute(pg.pool())
            .await
            .map(drop)
            .map_err(crate::error::store_error)
    }

    /// Calls `on_change` for every change another instance (or this one) announces, until
    /// the pool closes. `None` on SQLite.
    pub async fn listen_results_changed(
        &self,
        on_change: impl Fn(Scope) + Send + 'static,
    ) -> Result<Option<tokio::task::JoinHandle<()>>, StoreError> {
        let Database::Postgres(pg) = self else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pg.pool())
            .await
            .map_err(crate::error::store_error)?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(crate::error::store_error)?;
        Ok(Some(tokio::spawn(async move {
            loop {
                // `recv` reconnects after a lost connection; notifications sent meanwhile are
                // lost, so a reconnect clears everything (over-invalidating is safe).
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        on_change(Scope::from_payload(notification.payload()))
                    }
                    Ok(None) => on_change(Scope::All),
                    Err(error) => {
                        tracing::warn!(%error, "results listener stopped");
                        return;
                    }
                }
            }
        })))
    }
}
