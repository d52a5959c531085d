//! Gamification (`analytics.md` 8; spec README rows G1-G4, decisions 16-17): points,
//! streaks and statuses, badges, leaderboards and motivation messages, all derived from the
//! ingestion records of one learner (plus, for rarity and leaderboards, batch-wide inputs
//! built once per batch).
//!
//! | Module | Spec | Answers |
//! |---|---|---|
//! | [`facts`] | 8.1-8.3 | the counted facts the rules share (completed courses, acquired skills, ...) |
//! | [`points`] | 8.1 | the points ledger, totals, weekly/monthly points, breakdown, history |
//! | [`streaks`] | 8.2 | login streaks, streak calendar, momentum run, consistency/velocity/momentum |
//! | [`badges`] | 8.3 | the badge catalogue, progress, earned flags, rarity, next milestone |
//! | [`leaderboard`] | 8.4 | anonymous leaderboards with the requester's percentile and band (G3) |
//! | [`messages`] | 8.5 | deterministic motivation message templates |
//! | [`views`] | 8.5, README G1/G2/G4 | the `stats`, `achievements` and `streak` endpoint outputs |
//!
//! Everything is tracked per `(userId, role)` (decision 16). The rules apply to the
//! `learner` role; `trainer` and `org-admin` earn only streak points and streak badges
//! (`analytics.md` 8). `platform-admin` is treated like `trainer` and `org-admin`
//! **(decided here)**: the original defines no learning activities for it either.
//! Statuses (consistency, velocity, momentum) are descriptive and computed from the same
//! records for every role **(decided here)**.
//!
//! The service stores the ledger, badge awards and streak state (decision 16); the pure
//! functions here compute what those stores must contain ([`points::ledger`],
//! [`badges::new_awards`], [`streaks::streak_state`]) so that the batch can upsert them
//! idempotently, and take the already-stored badge awards as input because badges are
//! permanent.
//!
//! Calendar conventions (decision 13): every day, week and month is a calendar unit in the
//! subject's timezone ([`Clock::tz`](super::Clock)); events after `now` are ignored.

pub mod badges;
pub mod facts;
pub mod leaderboard;
pub mod messages;
pub mod points;
pub mod streaks;
pub mod views;

#[cfg(test)]
mod testkit;

pub use badges::{Badge, BadgeAward, NextMilestone, RarityTable};
pub use leaderboard::{
    BoardScope, BoardType, LeaderboardView, Leaderboards, Participant, Requester,
};
pub use points::{Ledger, LedgerEntry, PointsEventType};
pub use views::{Achievements, GamificationStats, GamificationSubject, StreakView};

use crate::role::Role;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Whether a role earns the learning rewards (course, skill, assessment and practice points;
/// every badge family). Other roles earn only streak points and streak badges.
pub fn earns_learning_rewards(role: Role) -> bool {
    role == Role::Learner
}

/// A calendar period of points and leaderboards: the current ISO week (Monday to Sunday),
/// the current calendar month, or all time (`analytics.md` 8.1, 8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Period {
    Weekly,
    Monthly,
    AllTime,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Weekly, Period::Monthly, Period::AllTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::AllTime => "allTime",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Period::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// Whether the calendar day `date` lies in this period as of `today` (never after
    /// today).
    pub fn contains(self, today: NaiveDate, date: NaiveDate) -> bool {
        date <= today
            && match self {
                Period::Weekly => date.iso_week() == today.iso_week(),
                Period::Monthly => date.year() == today.year() && date.month() == today.month(),
                Period::AllTime => true,
            }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_iso_weeks_and_calendar_months() {
        // 2026-06-15 is a Monday: the ISO week is 15..=21 June.
        let today = d(2026, 6, 15);
        assert!(Period::Weekly.contains(today, today));
        assert!(
            !Period::Weekly.contains(today, d(2026, 6, 14)),
            "Sunday before"
        );
        assert!(Period::Monthly.contains(today, d(2026, 6, 1)));
        assert!(!Period::Monthly.contains(today, d(2026, 5, 31)));
        assert!(
            !Period::Monthly.contains(today, d(2025, 6, 15)),
            "same month, other year"
        );
        assert!(Period::AllTime.contains(today, d(2001, 1, 1)));
        assert!(!Period::AllTime.contains(today, d(2026, 6, 16)), "future");
        // ISO week 1 of 2026 starts on Monday 2025-12-29.
        assert!(Period::Weekly.contains(d(2026, 1, 2), d(2025, 12, 29)));
        assert_eq!(Period::parse("allTime"), Some(Period::AllTime));
        assert_eq!(Period::parse("year"), None);
        assert_eq!(serde_json::to_value(Period::AllTime).unwrap(), "allTime");
    }

    #[test]
    fn only_learners_earn_learning_rewards() {
        assert!(earns_learning_rewards(Role::Learner));
        for role in [Role::Trainer, Role::OrgAdmin, Role::PlatformAdmin] {
            assert!(!earns_learning_rewards(role));
        }
    }
}
