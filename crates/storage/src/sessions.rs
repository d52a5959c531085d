//! Sessions (refresh-token families), refresh tokens and the access-token denylist
//! (`api.md` 3.2), written once for both databases over sqlx's `Database` trait.

use crate::cells::RowCursor;
use crate::common::{Binder, fetch_records};
use crate::decode::Cells;
use crate::error::store_error;
use crate::value::Value;
use chrono::{DateTime, Utc};
use la_app::ports::{
    NewRefreshToken, RevokeReason, SessionCheck, StoreError, StoredRefreshToken, UserProfile,
};
use la_domain::UserId;
use la_domain::model::User;
use sqlx::{AssertSqlSafe, Database, Executor, IntoArguments, Pool};
use uuid::Uuid;

fn arguments<DB: Database>(
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<DB::Arguments, StoreError> {
    let mut args = DB::Arguments::default();
    for value in params {
        bind(&mut args, value).map_err(|e| StoreError::Other(e.to_string()))?;
    }
    Ok(args)
}

/// Runs one statement on any executor (pool or transaction).
pub(crate) async fn execute<'e, DB, E>(
    executor: E,
    sql: &'static str,
    params: Vec<Value>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args: DB::Arguments = arguments::<DB>(params, bind)?;
    sqlx::query_with::<DB, _>(AssertSqlSafe(sql), args)
        .execute(executor)
        .await
        .map(drop)
        .map_err(store_error)
}

/// Fetches at most one row and decodes it with `decode`.
pub(crate) async fn fetch_optional<'e, DB, E, T>(
    executor: E,
    sql: &'static str,
    params: Vec<Value>,
    bind: Binder<DB>,
    decode: impl for<'r> FnOnce(&mut RowCursor<'r, DB::Row>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError>
where
    DB: Database,
    E: Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args: DB::Arguments = arguments::<DB>(params, bind)?;
    let row = sqlx::query_with::<DB, _>(AssertSqlSafe(sql), args)
        .fetch_optional(executor)
        .await
        .map_err(store_error)?;
    row.map(|row| decode(&mut RowCursor::new(&row))).transpose()
}

pub(crate) async fn user_profile<DB>(
    pool: &Pool<DB>,
    user: UserId,
    bind: Binder<DB>,
) -> Result<Option<UserProfile>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let mut users: Vec<User> =
        fetch_records(pool, "WHERE id = $1", vec![Value::Uuid(Some(user.0))], bind).await?;
    let Some(user) = users.pop() else {
        return Ok(None);
    };
    let last_login_at = fetch_optional(
        pool,
        "SELECT last_login_at FROM user_accounts WHERE user_id = $1",
        vec![Value::Uuid(Some(user.id.0))],
        bind,
        |c| c.opt_ts(),
    )
    .await?
    .flatten();
    Ok(Some(UserProfile {
        id: user.id,
        email: user.email,
        full_name: user.display_name,
        roles: user.roles,
        organization_id: user.org_id,
        is_active: user.is_active,
        last_login_at,
    }))
}

pub(crate) async fn record_login<DB>(
    pool: &Pool<DB>,
    user: UserId,
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
        "UPDATE user_accounts SET last_login_at = $2 WHERE user_id = $1",
        vec![Value::Uuid(Some(user.0)), Value::Ts(Some(at))],
        bind,
    )
    .await
}

fn token_params(token: &NewRefreshToken, sid: Uuid) -> Vec<Value> {
    vec![
        Value::Uuid(Some(token.id)),
        Value::Uuid(Some(sid)),
        Value::Bytes(Some(token.hash.clone())),
        Value::Ts(Some(token.issued_at)),
        Value::Ts(Some(token.expires_at)),
    ]
}

const INSERT_TOKEN: &str = "INSERT INTO refresh_tokens (id, sid, token_hash, issued_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5)";

pub(crate) async fn start_session<DB>(
    pool: &Pool<DB>,
    sid: Uuid,
    user: UserId,
    first: &NewRefreshToken,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let mut tx = pool.begin().await.map_err(store_error)?;
    execute(
        &mut *tx,
        "INSERT INTO session_families (sid, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)",
        vec![
            Value::Uuid(Some(sid)),
            Value::Uuid(Some(user.0)),
            Value::Ts(Some(first.issued_at)),
        ],
        bind,
    )
    .await?;
    execute(&mut *tx, INSERT_TOKEN, token_params(first, sid), bind).await?;
    tx.commit().await.map_err(store_error)
}

pub(crate) async fn find_refresh_token<DB>(
    pool: &Pool<DB>,
    hash: &[u8],
    bind: Binder<DB>,
) -> Result<Option<StoredRefreshToken>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    fetch_optional(
        pool,
        "SELECT t.id, t.sid, s.user_id, t.expires_at, t.used_at, s.revoked_at IS NOT NULL \
         FROM refresh_tokens t JOIN session_families s ON s.sid = t.sid WHERE t.token_hash = $1",
        vec![Value::Bytes(Some(hash.to_vec()))],
        bind,
        |c| {
            Ok(StoredRefreshToken {
                id: c.uuid()?,
                sid: c.uuid()?,
                user_id: UserId(c.uuid()?),
                expires_at: c.ts()?,
                used_at: c.opt_ts()?,
                family_revoked: c.bool()?,
            })
        },
    )
    .await
}

pub(crate) async fn rotate_refresh_token<DB>(
    pool: &Pool<DB>,
    spent: Uuid,
    sid: Uuid,
    next: &NewRefreshToken,
    bind: Binder<DB>,
) -> Result<bool, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let mut tx = pool.begin().await.map_err(store_error)?;
    // The conditional update is the guard: of two concurrent uses only one sees the row unused.
    let claimed = fetch_optional(
        &mut *tx,
        "UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id",
        vec![Value::Uuid(Some(spent)), Value::Ts(Some(next.issued_at))],
        bind,
        |c| c.uuid(),
    )
    .await?;
    if claimed.is_none() {
        return Ok(false);
    }
    execute(&mut *tx, INSERT_TOKEN, token_params(next, sid), bind).await?;
    execute(
        &mut *tx,
        "UPDATE session_families SET last_used_at = $2 WHERE sid = $1",
        vec![Value::Uuid(Some(sid)), Value::Ts(Some(next.issued_at))],
        bind,
    )
    .await?;
    tx.commit().await.map_err(store_error)?;
    Ok(true)
}

pub(crate) async fn revoke_session<DB>(
    pool: &Pool<DB>,
    sid: Uuid,
    reason: RevokeReason,
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
        "UPDATE session_families SET revoked_at = $2, revoke_reason = $3 \
         WHERE sid = $1 AND revoked_at IS NULL",
        vec![
            Value::Uuid(Some(sid)),
            Value::Ts(Some(at)),
            Value::Text(Some(reason.as_str().to_owned())),
        ],
        bind,
    )
    .await
}

pub(crate) async fn revoke_access_token<DB>(
    pool: &Pool<DB>,
    jti: Uuid,
    expires_at: DateTime<Utc>,
    bind: Binder<DB>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    execute(
        pool,
        "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) \
         ON CONFLICT (jti) DO NOTHING",
        vec![Value::Uuid(Some(jti)), Value::Ts(Some(expires_at))],
        bind,
    )
    .await
}

pub(crate) async fn check_session<DB>(
    pool: &Pool<DB>,
    sid: Uuid,
    jti: Uuid,
    user: UserId,
    bind: Binder<DB>,
) -> Result<SessionCheck, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> RowCursor<'r, DB::Row>: Cells,
{
    let check = fetch_optional(
        pool,
        "SELECT \
           (SELECT revoked_at IS NULL FROM session_families WHERE sid = $1 AND user_id = $3), \
           EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $2), \
           (SELECT is_active FROM users WHERE id = $3)",
        vec![
            Value::Uuid(Some(sid)),
            Value::Uuid(Some(jti)),
            Value::Uuid(Some(user.0)),
        ],
        bind,
        |c| {
            Ok(SessionCheck {
                // An unknown family counts as revoked.
                session_revoked: c.opt_bool()? != Some(true),
                token_revoked: c.bool()?,
                user_active: c.opt_bool()? == Some(true),
            })
        },
    )
    .await?;
    check.ok_or_else(|| StoreError::Other("the session check returned no row".to_owned()))
}

/// Implements `SessionStore` for an adapter with a `pool` field and a `bind` function.
macro_rules! session_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::SessionStore for $store {
            async fn user_profile(
                &self,
                user: la_domain::UserId,
            ) -> Result<Option<la_app::ports::UserProfile>, la_app::ports::StoreError> {
                crate::sessions::user_profile(&self.pool, user, bind).await
            }

            async fn record_login(
                &self,
                user: la_domain::UserId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::sessions::record_login(&self.pool, user, at, bind).await
            }

            async fn start_session(
                &self,
                sid: uuid::Uuid,
                user: la_domain::UserId,
                first: &la_app::ports::NewRefreshToken,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::sessions::start_session(&self.pool, sid, user, first, bind).await
            }

            async fn find_refresh_token(
                &self,
                hash: &[u8],
            ) -> Result<Option<la_app::ports::StoredRefreshToken>, la_app::ports::StoreError> {
                crate::sessions::find_refresh_token(&self.pool, hash, bind).await
            }

            async fn rotate_refresh_token(
                &self,
                spent: uuid::Uuid,
                sid: uuid::Uuid,
                next: &la_app::ports::NewRefreshToken,
            ) -> Result<bool, la_app::ports::StoreError> {
                crate::sessions::rotate_refresh_token(&self.pool, spent, sid, next, bind).await
            }

            async fn revoke_session(
                &self,
                sid: uuid::Uuid,
                reason: la_app::ports::RevokeReason,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::sessions::revoke_session(&self.pool, sid, reason, at, bind).await
            }

            async fn revoke_access_token(
                &self,
                jti: uuid::Uuid,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), la_app::ports::StoreError> {
                crate::sessions::revoke_access_token(&self.pool, jti, expires_at, bind).await
            }

            async fn check_session(
                &self,
                sid: uuid::Uuid,
                jti: uuid::Uuid,
                user: la_domain::UserId,
            ) -> Result<la_app::ports::SessionCheck, la_app::ports::StoreError> {
                crate::sessions::check_session(&self.pool, sid, jti, user, bind).await
            }
        }
    };
}
pub(crate) use session_store;
