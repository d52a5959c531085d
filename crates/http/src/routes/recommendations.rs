//! P4 `PATCH /api/v1/predictive/recommendations/:userId/:recommendationId` (spec README
//! decision 17): the user saves, dismisses or completes one of their recommendations.

use crate::AppState;
use crate::error::ApiError;
use crate::json::parse_body;
use crate::policy::{Caller, parse_id};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use la_app::preferences::PreferenceError;
use la_domain::analytics::predictive::recommendations::StoredStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusResponse {
    recommendation_id: uuid::Uuid,
    status: &'static str,
    updated_at: DateTime<Utc>,
}

pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw_user, raw_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = parse_id("userId", &raw_user)?;
    let id = parse_id("recommendationId", &raw_id)?;
    caller.check_ownership(user)?;
    caller.check_own_user(user)?;
    let body: StatusBody = parse_body(&headers, &body)?;
    let status = match body.status.as_ref().and_then(Value::as_str) {
        Some("saved") => StoredStatus::Saved,
        Some("dismissed") => StoredStatus::Dismissed,
        Some("completed") => StoredStatus::Completed,
        _ => {
            return Err(ApiError::validation(
                "status",
                "must be one of saved, dismissed, completed",
            ));
        }
    };
    let change = state
        .preferences
        .set_recommendation_status(&caller.read_context(), id, status)
        .await
        .map_err(|e| match e {
            PreferenceError::UnknownUser | PreferenceError::UnknownRecommendation => {
                ApiError::NotFound
            }
            PreferenceError::Refused => ApiError::Forbidden,
            PreferenceError::Store(e) => ApiError::from(e),
        })?;
    for key in &change.patched {
        state.analytics.evict(key);
    }
    Ok(Json(StatusResponse {
        recommendation_id: id,
        status: change.status.as_str(),
        updated_at: change.updated_at,
    })
    .into_response())
}
