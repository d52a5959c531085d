//! G5 `PUT /api/v1/gamification/preferences/:userId` (spec README decision 17): the user's
//! leaderboard and sharing choices, own user only (platform admins may set anyone's).

use crate::AppState;
use crate::error::ApiError;
use crate::json::{FieldErrors, parse_body};
use crate::policy::{Caller, parse_id};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use la_app::ports::Preferences;
use la_app::preferences::PreferenceError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreferencesBody {
    opt_out_leaderboards: Option<Value>,
    share_achievements: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreferencesResponse {
    user_id: uuid::Uuid,
    #[serde(flatten)]
    preferences: Preferences,
}

/// A required boolean field.
fn boolean(errors: &mut FieldErrors, field: &str, value: Option<&Value>) -> Option<bool> {
    match value {
        Some(Value::Bool(b)) => Some(*b),
        None | Some(Value::Null) => {
            errors.add(field, "is required");
            None
        }
        Some(_) => {
            errors.add(field, "must be true or false");
            None
        }
    }
}

pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = parse_id("userId", &raw)?;
    caller.check_ownership(user)?;
    caller.check_own_user(user)?;
    let body: PreferencesBody = parse_body(&headers, &body)?;
    let mut errors = FieldErrors::default();
    let opt_out = boolean(
        &mut errors,
        "optOutLeaderboards",
        body.opt_out_leaderboards.as_ref(),
    );
    let share = boolean(
        &mut errors,
        "shareAchievements",
        body.share_achievements.as_ref(),
    );
    errors.into_result()?;
    let (Some(opt_out_leaderboards), Some(share_achievements)) = (opt_out, share) else {
        return Err(ApiError::Internal("validated fields missing".to_owned()));
    };
    let stored = state
        .preferences
        .set(
            &caller.read_context(),
            Preferences {
                opt_out_leaderboards,
                share_achievements,
            },
        )
        .await
        .map_err(|e| match e {
            PreferenceError::UnknownUser | PreferenceError::UnknownRecommendation => {
                ApiError::NotFound
            }
            PreferenceError::Refused => ApiError::Forbidden,
            PreferenceError::Store(e) => ApiError::from(e),
        })?;
    // Leaderboards built from now on leave the user out (or take them back).
    state.analytics.forget_platform_snapshot().await;
    Ok(Json(PreferencesResponse {
        user_id: user,
        preferences: stored,
    })
    .into_response())
}
