//! `user_preferences` (spec README decision 17), written once for both databases.

use crate::cells::RowCursor;
use crate::common::Binder;
use crate::decode::Cells;
use crate::error::store_error;
use crate::sessions::{execute, fetch_optional};
use crate::value::Value;
use chrono::{DateTime, Utc};
use la_app::ports::{Preferences, StoreError};
use la_domain::UserId;
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool};

pub(crate) async fn preferences<DB>(
    pool: &Pool<DB>,
    user: UserId,
    bind: Binder<DB>,
) -> Result<Preferences, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let stored = fetch_optional(
        pool,
        "SELECT opt_out_leaderboards, share_achievements FROM user_preferences WHERE user_id = $1",
        vec![Value::Uuid(Some(user.0))],
        bind,
        |c| {
            Ok(Preferences {
                opt_out_leaderboards: c.bool()?,
                share_achievements: c.bool()?,
            })
        },
    )
    .await?;
    Ok(stored.unwrap_or_default())
}

pub(crate) async fn set_preferences<DB>(
    pool: &Pool<DB>,
    user: UserId,
    preferences: Preferences,
    at: DateTime<Utc>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    execute(
        pool,
        "INSERT INTO user_preferences (user_id, opt_out_leaderboards, share_achievements, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET opt_out_leaderboards = excluded.opt_out_leaderboards, \
         share_achievements = excluded.share_achievements, updated_at = excluded.updated_at",
        vec![
            Value::Uuid(Some(user.0)),
            Value::Bool(Some(preferences.opt_out_leaderboards)),
            Value::Bool(Some(preferences.share_achievements)),
            Value::Ts(Some(at)),
        ],
        bind,
    )
    .await
}

pub(crate) async fn leaderboard_opt_outs<DB>(
    pool: &Pool<DB>,
    bind: Binder<DB>,
) -> Result<Vec<UserId>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let args = DB::Arguments::default();
    let _ = bind;
    let rows = sqlx::query_with::<DB, _>(
        AssertSqlSafe("SELECT user_id FROM user_preferences WHERE opt_out_leaderboards"),
        args,
    )
    .fetch_all(pool)
    .await
    .map_err(store_error)?;
    rows.iter()
        .map(|row| RowCursor::new(row).uuid().map(UserId))
        .collect()
}

/// Implements `PreferenceStore` for an adapter with a `pool` field and a `bind` function.
macro_rules! preference_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::PreferenceStore for $store {
            async fn preferences(
                &self,
                user: la_domain::UserId,
            ) -> Result<la_app::ports::Preferences, la_app::ports::StoreError> {
                crate::preferences::preferences(&self.pool, user, bind).await
            }

            async fn set_preferences(
                &self,
                user: la_domain::UserId,
                preferences: la_app::ports::Preferences,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::preferences::set_preferences(&self.pool, user, preferences, at, bind).await
            }

            async fn leaderboard_opt_outs(
                &self,
            ) -> Result<Vec<la_domain::UserId>, la_app::ports::StoreError> {
                crate::preferences::leaderboard_opt_outs(&self.pool, bind).await
            }
        }
    };
}
pub(crate) use preference_store;
