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

/// The upsert of one user's choices: `$1` user, `$2` opt-out, `$3` share, `$4` updated at.
pub(crate) const UPSERT_PREFERENCES: &str = "INSERT INTO user_preferences \
     (user_id, opt_out_leaderboards, share_achievements, updated_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (user_id) DO UPDATE SET opt_out_leaderboards = excluded.opt_out_leaderboards, \
     share_achievements = excluded.share_achievements, updated_at = excluded.updated_at";

/// Upserts `user`'s choices on `executor`: the pool, or the `la_api` transaction of an API
/// write.
pub(crate) async fn set_preferences<'e, DB, E>(
    executor: E,
    user: UserId,
    preferences: Preferences,
    at: DateTime<Utc>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    execute(
        executor,
        UPSERT_PREFERENCES,
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
            async fn leaderboard_opt_outs(
                &self,
            ) -> Result<Vec<la_domain::UserId>, la_app::ports::StoreError> {
                crate::preferences::leaderboard_opt_outs(&self.pool, bind).await
            }

            async fn set_own_preferences(
                &self,
                writer: &la_app::ports::ReadContext,
                preferences: la_app::ports::Preferences,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, la_app::ports::StoreError> {
                self.set_preferences_as(writer, preferences, at).await
            }
        }
    };
}
pub(crate) use preference_store;

// ---------------------------------------------------------------- recommendation states

use la_app::ports::ViewerRecommendationState;
use la_domain::Role;
use la_domain::analytics::predictive::recommendations::{RecommendationState, StoredStatus};
use std::collections::BTreeMap;

type StatesByViewer = BTreeMap<(UserId, Role), Vec<RecommendationState>>;

pub(crate) async fn recommendation_states<DB>(pool: &Pool<DB>) -> Result<StatesByViewer, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let rows = sqlx::query_with::<DB, _>(
        AssertSqlSafe(
            "SELECT user_id, role, rule_id, target_id, id, status, created_at, updated_at \
             FROM recommendation_state ORDER BY user_id, role, rule_id, target_id",
        ),
        DB::Arguments::default(),
    )
    .fetch_all(pool)
    .await
    .map_err(store_error)?;
    let mut states = StatesByViewer::new();
    for row in &rows {
        let mut c = RowCursor::new(row);
        let user = UserId(c.uuid()?);
        let role_text = c.text()?;
        let role = Role::parse_wire(&role_text)
            .map_err(|_| StoreError::Other(format!("stored role `{role_text}`")))?;
        let rule_id = c.text()?;
        let target_id = c.text()?;
        let recommendation_id = c.uuid()?;
        let status_text = c.text()?;
        let status = StoredStatus::parse(&status_text)
            .ok_or_else(|| StoreError::Other(format!("stored status `{status_text}`")))?;
        states
            .entry((user, role))
            .or_default()
            .push(RecommendationState {
                recommendation_id,
                rule_id,
                target_id,
                status,
                created_at: c.ts()?,
                updated_at: c.ts()?,
            });
    }
    Ok(states)
}

/// One stored AS-004.17 item state, upserted by (viewer, role, rule, target) through the
/// backends' bulk path (`upsert_rows`: multi-row `VALUES` on SQLite, `UNNEST` on
/// PostgreSQL). The id is a function of that key, so rewriting it changes nothing.
pub(crate) struct StateRow<'a>(pub &'a ViewerRecommendationState);

impl crate::records::Record for StateRow<'_> {
    const TABLE: &'static str = "recommendation_state";
    const KEY: &'static [&'static str] = &["user_id", "role", "rule_id", "target_id"];
    const COLUMNS: &'static [&'static str] = &[
        "user_id",
        "role",
        "rule_id",
        "target_id",
        "id",
        "status",
        "created_at",
        "updated_at",
    ];
    fn push_values(&self, out: &mut Vec<Value>) {
        let (user, role, state) = self.0;
        out.extend([
            Value::Uuid(Some(user.0)),
            Value::Text(Some(role.as_str().to_owned())),
            Value::Text(Some(state.rule_id.clone())),
            Value::Text(Some(state.target_id.clone())),
            Value::Uuid(Some(state.recommendation_id)),
            Value::Text(Some(state.status.as_str().to_owned())),
            Value::Ts(Some(state.created_at)),
            Value::Ts(Some(state.updated_at)),
        ]);
    }
}

/// Sets the status of `viewer`'s item `id` in `role` on `executor` (the pool, or the `la_api`
/// transaction of an API write); the role of the item when there is one.
pub(crate) async fn set_own_recommendation_status<'e, DB, E>(
    executor: E,
    viewer: UserId,
    role: Role,
    id: uuid::Uuid,
    status: StoredStatus,
    at: DateTime<Utc>,
    bind: Binder<DB>,
) -> Result<Option<Role>, StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let updated = fetch_optional(
        executor,
        "UPDATE recommendation_state SET status = $3, updated_at = $4 \
         WHERE id = $1 AND user_id = $2 AND role = $5 RETURNING role",
        vec![
            Value::Uuid(Some(id)),
            Value::Uuid(Some(viewer.0)),
            Value::Text(Some(status.as_str().to_owned())),
            Value::Ts(Some(at)),
            Value::Text(Some(role.as_str().to_owned())),
        ],
        bind,
        |c| c.text(),
    )
    .await?;
    Ok(updated.map(|_| role))
}

/// Implements `RecommendationStateStore` for an adapter with a `pool` field and `bind`.
macro_rules! recommendation_state_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::RecommendationStateStore for $store {
            async fn recommendation_states(
                &self,
            ) -> Result<
                std::collections::BTreeMap<
                    (la_domain::UserId, la_domain::Role),
                    Vec<la_domain::analytics::predictive::recommendations::RecommendationState>,
                >,
                la_app::ports::StoreError,
            > {
                crate::preferences::recommendation_states(&self.pool).await
            }

            async fn write_recommendation_states(
                &self,
                states: &[la_app::ports::ViewerRecommendationState],
            ) -> Result<(), la_app::ports::StoreError> {
                let rows: Vec<_> = states.iter().map(crate::preferences::StateRow).collect();
                self.upsert_rows(&rows).await
            }

            async fn set_own_recommendation_status(
                &self,
                viewer: &la_app::ports::ReadContext,
                id: uuid::Uuid,
                status: la_domain::analytics::predictive::recommendations::StoredStatus,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<la_domain::Role>, la_app::ports::StoreError> {
                match viewer.role {
                    Some(role) => {
                        self.set_recommendation_status_as(viewer, role, id, status, at)
                            .await
                    }
                    None => Ok(None),
                }
            }
        }
    };
}
pub(crate) use recommendation_state_store;
