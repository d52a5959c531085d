//! A user's leaderboard and sharing choices (spec README decision 17:
//! `PUT /api/v1/gamification/preferences/:userId`).
//!
//! When a choice takes effect **(decided here)**: leaderboard populations are built from the
//! stored choices, so an opt-out leaves every leaderboard computed after it (the platform
//! snapshot behind G3 is rebuilt at once here; leaderboard views already stored for other
//! users are anonymous and are replaced at their next computation), and the user's own G1
//! `optOutLeaderboards` follows at the next computation of their gamification stats.

use crate::ports::{Preferences, Store, StoreError};
use chrono::Utc;
use la_domain::UserId;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PreferenceError {
    #[error("unknown user")]
    UnknownUser,
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

    /// Stores `preferences` for an existing user and returns what is stored.
    pub async fn set(
        &self,
        user: UserId,
        preferences: Preferences,
    ) -> Result<Preferences, PreferenceError> {
        if self.store.user_profile(user).await?.is_none() {
            return Err(PreferenceError::UnknownUser);
        }
        self.store
            .set_preferences(user, preferences, Utc::now())
            .await?;
        Ok(self.store.preferences(user).await?)
    }

    pub async fn get(&self, user: UserId) -> Result<Preferences, PreferenceError> {
        if self.store.user_profile(user).await?.is_none() {
            return Err(PreferenceError::UnknownUser);
        }
        Ok(self.store.preferences(user).await?)
    }
}
