//! A1–A4: login, token refresh, `me`, logout (`api.md` 2.2).

use crate::AppState;
use crate::error::ApiError;
use crate::json::{FieldErrors, parse_body};
use crate::limits;
use crate::policy::Caller;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use la_app::ports::UserProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: Option<Value>,
    password: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    id: uuid::Uuid,
    email: Option<String>,
    full_name: String,
    roles: Vec<la_domain::Role>,
    organization_id: Option<uuid::Uuid>,
    avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login_at: Option<Option<String>>,
}

impl UserBody {
    fn new(user: &UserProfile, with_last_login: bool) -> Self {
        UserBody {
            id: user.id.0,
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            roles: user.roles.clone(),
            organization_id: user.organization_id.map(|o| o.0),
            avatar_url: None,
            last_login_at: with_last_login.then(|| {
                user.last_login_at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginResponse {
    user: UserBody,
    token: String,
    refresh_token: String,
    expires_in: i64,
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces.
fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A1 `POST /api/v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    limits::check_login(&state, &parts).await?;
    let body: LoginBody = parse_body(&parts.headers, &body)?;
    let mut errors = FieldErrors::default();
    let email = errors
        .string("email", body.email.as_ref(), 3, 254)
        .map(|e| e.trim().to_lowercase());
    if let Some(email) = &email
        && !is_email(email)
    {
        errors.add("email", "must be a valid email address");
    }
    let password = errors.string("password", body.password.as_ref(), 8, 128);
    errors.into_result()?;
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let outcome = state
        .auth
        .login(&email, &password, chrono::Utc::now())
        .await?;
    Ok(Json(LoginResponse {
        user: UserBody::new(&outcome.user, false),
        token: outcome.tokens.access_token,
        refresh_token: outcome.tokens.refresh_token,
        expires_in: outcome.tokens.expires_in,
    })
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct RefreshBody {
    refresh_token: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshResponse {
    token: String,
    refresh_token: String,
    expires_in: i64,
}

/// A2 `POST /api/v1/auth/refresh`.
pub async fn refresh(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let parsed: Result<RefreshBody, ApiError> = parse_body(&parts.headers, &body);
    let token = parsed
        .as_ref()
        .ok()
        .and_then(|b| b.refresh_token.as_ref())
        .and_then(Value::as_str)
        .filter(|t| (1..=512).contains(&t.len()));
    let owner = match token {
        Some(token) => state.auth.refresh_token_owner(token).await?,
        None => None,
    };
    limits::check_refresh(&state, owner, &parts)?;
    let body = parsed?;
    let mut errors = FieldErrors::default();
    let token = errors.string("refreshToken", body.refresh_token.as_ref(), 1, 512);
    errors.into_result()?;
    let tokens = state
        .auth
        .refresh(&token.unwrap_or_default(), chrono::Utc::now())
        .await?;
    Ok(Json(RefreshResponse {
        token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_in: tokens.expires_in,
    })
    .into_response())
}

#[derive(Serialize)]
struct MeResponse {
    user: UserBody,
}

/// A3 `GET /api/v1/auth/me`.
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let user = state.auth.me(&caller.principal).await?;
    let mut response = Json(MeResponse {
        user: UserBody::new(&user, true),
    })
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}

#[derive(Serialize)]
struct MessageResponse {
    message: &'static str,
}

/// A4 `POST /api/v1/auth/logout` (no body).
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    _headers: HeaderMap,
) -> Result<Response, ApiError> {
    state
        .auth
        .logout(&caller.principal, chrono::Utc::now())
        .await?;
    Ok(Json(MessageResponse {
        message: "Successfully logged out",
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn email_shapes() {
        assert!(is_email("learner@demo.local"));
        assert!(!is_email("learner"));
        assert!(!is_email("@demo.local"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@demo.local"));
        assert!(!is_email("a@@demo.local"));
    }
}
