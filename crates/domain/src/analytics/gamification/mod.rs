//! Gamification (`analytics.md` 8): points, streaks and statuses, badges, leaderboards, messages.
