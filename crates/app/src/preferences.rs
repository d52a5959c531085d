//! A user's leaderboard and sharing choices (spec README decision 17:
//! `PUT /api/v1/gamification/preferences/:userId`).
//!
//! When a choice takes effect **(decided here)**: leaderboard populations are built from the
//! stored choices, so an opt-out leaves every leaderboard computed after it (the platform
//! snapshot behind G3 is rebuilt at once here; leaderboard views already stored for other
//! users are anonymous and are replaced at their next computation), and the user's own G1
//! `optOutLeaderboards` follows at the next computation of their gamification stats.

use crate::analytics::names;
use crate::ports::{Preferences, ReadContext, Store, StoreError};
use crate::results::{JsonDocument, ResultKey, SubjectType};
use chrono::Utc;
use la_domain::analytics::predictive::recommendations::StoredStatus;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PreferenceError {
    #[error("unknown user")]
    UnknownUser,
    #[error("unknown recommendation")]
    UnknownRecommendation,
    /// The database's row-level security refused the write (PostgreSQL only).
    #[error("refused by the row-level security policies")]
    Refused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct PreferenceService {
    store: Arc<dyn Store>,
}

impl PreferenceService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        PreferenceService { store }
    }

    /// Stores `writer`'s own `preferences` (an existing user) and returns them. The write
    /// runs as `writer` ([`crate::ports::PreferenceStore::set_own_preferences`]: row-level
    /// security on PostgreSQL); a row the policies refuse is [`PreferenceError::Refused`].
    pub async fn set(
        &self,
        writer: &ReadContext,
        preferences: Preferences,
    ) -> Result<Preferences, PreferenceError> {
        if self.store.user_profile(writer.user_id).await?.is_none() {
            return Err(PreferenceError::UnknownUser);
        }
        if !self
            .store
            .set_own_preferences(writer, preferences, Utc::now())
            .await?
        {
            return Err(PreferenceError::Refused);
        }
        Ok(preferences)
    }
}

/// The outcome of a status change: the stored results that now show it (their memory-cache
/// entries must go).
#[derive(Debug)]
pub struct StatusChange {
    pub status: StoredStatus,
    pub updated_at: chrono::DateTime<Utc>,
    pub patched: Vec<ResultKey>,
}

impl PreferenceService {
    /// `PATCH /api/v1/predictive/recommendations/:userId/:recommendationId` (decision 17):
    /// stores the viewer's decision on one of their items, so that every later generation
    /// keeps it (AS-004.17 lifecycle), and shows it at once in the stored recommendations:
    /// a dismissed item disappears, a saved or completed one shows its status.
    /// `followThroughRate` follows at the next generation **(decided here)**.
    ///
    /// The item must be `viewer`'s own and belong to the viewer's active role: the update
    /// runs as `viewer` ([`crate::ports::RecommendationStateStore::set_own_recommendation_status`],
    /// row-level security on PostgreSQL, the same user and role filter on SQLite).
    pub async fn set_recommendation_status(
        &self,
        viewer: &ReadContext,
        recommendation: uuid::Uuid,
        status: StoredStatus,
    ) -> Result<StatusChange, PreferenceError> {
        let now = Utc::now();
        let role = self
            .store
            .set_own_recommendation_status(viewer, recommendation, status, now)
            .await?
            .ok_or(PreferenceError::UnknownRecommendation)?;
        let viewer = viewer.user_id;
        let stored = self
            .store
            .subject_results(SubjectType::User, viewer.0, Some(role))
            .await?;
        let mut patched = Vec::new();
        for mut result in stored {
            if result.key.analytics_type != names::RECOMMENDATIONS {
                continue;
            }
            let Some(data) = &result.data else { continue };
            let mut value = data.to_value();
            if !apply_status(&mut value, recommendation, status) {
                continue;
            }
            result.data = Some(
                JsonDocument::from_serializable(&value)
                    .map_err(|e| StoreError::Other(e.to_string()))?,
            );
            patched.push(result);
        }
        if !patched.is_empty() {
            self.store.upsert_results(&patched).await?;
        }
        Ok(StatusChange {
            status,
            updated_at: now,
            patched: patched.into_iter().map(|r| r.key).collect(),
        })
    }
}

/// Shows `status` on item `id` of a stored AS-004.17 output; whether the item was there.
fn apply_status(data: &mut Value, id: uuid::Uuid, status: StoredStatus) -> bool {
    let id = id.to_string();
    let mut found = false;
    for bucket in ["urgent", "thisWeek", "ongoing"] {
        let Some(items) = data
            .get_mut("recommendations")
            .and_then(|r| r.get_mut(bucket))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let before = items.len();
        if status == StoredStatus::Dismissed {
            items.retain(|item| item["recommendationId"] != id.as_str());
            found |= items.len() != before;
        } else {
            for item in items.iter_mut() {
                if item["recommendationId"] == id.as_str() {
                    item["status"] = Value::from(status.as_str());
                    found = true;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn output(id: &str) -> Value {
        json!({"recommendations": {
            "urgent": [{"recommendationId": id, "status": "new"}],
            "thisWeek": [{"recommendationId": "other", "status": "new"}],
            "ongoing": []
        }})
    }

    #[test]
    fn a_saved_item_shows_its_status_and_a_dismissed_one_goes() {
        let id = uuid::Uuid::from_u128(7);
        let mut data = output(&id.to_string());
        assert!(apply_status(&mut data, id, StoredStatus::Saved));
        assert_eq!(data["recommendations"]["urgent"][0]["status"], "saved");
        assert_eq!(data["recommendations"]["thisWeek"][0]["status"], "new");

        assert!(apply_status(&mut data, id, StoredStatus::Dismissed));
        assert_eq!(data["recommendations"]["urgent"], json!([]));
        assert_eq!(
            data["recommendations"]["thisWeek"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn an_unknown_item_changes_nothing() {
        let mut data = output("x");
        let before = data.clone();
        assert!(!apply_status(
            &mut data,
            uuid::Uuid::from_u128(9),
            StoredStatus::Completed
        ));
        assert_eq!(data, before);
    }
}
