//! Streaks and statuses (`analytics.md` 8.2; README G1 and G4).
//!
//! Inputs: a [`LearnerRecord`], the [`Catalog`] (module-to-topic mapping), the [`Clock`]
//! (calendar days in the subject's timezone, decision 13).
//!
//! - **Login streak**: `currentStreak` = consecutive login days (days with a session start)
//!   ending today, or ending yesterday when there is no login yet today (decided in the
//!   spec); `longestStreak` = longest such run ([`activity::current_streak`],
//!   [`activity::longest_streak`] over [`activity::login_days`]).
//! - **Streak calendar**: the last 30 calendar days, oldest first and ending today,
//!   `{date, active}` with `active` = a login day **(decided here: the calendar shows the
//!   days that make the login streak)**.
//! - **Momentum run** (`momentumRun`): consecutive course completions each within 7 calendar
//!   days of the previous. The output is the run still alive today: the run ending at the
//!   latest completion if that completion is at most 7 days before today, else 0
//!   **(decided here)**; badges use the longest run ever.
//! - **Consistency**: `activeDaysPerWeek = active days in the last 28 calendar days (today
//!   and the 27 before) / 4`: `>= 5` Highly Consistent, `>= 3` Consistent, else Building
//!   Consistency. Active day = any activity event ([`activity::active_days`]).
//! - **Velocity**: `coursesPerMonth = completed courses / max(1, calendar days since the
//!   first enrollment / 30)`: `>= 4` Fast Learner, `>= 2` Steady Learner, else Learning at
//!   Your Pace.
//! - **Momentum state** (first match; `thisWeek`/`lastWeek` = active days in days 1-7 /
//!   8-14, day 1 = today; `completions` = course, module and topic completions and passed
//!   assessments in days 1-7): On Fire (`thisWeek >= 6` and `completions >= 2`); Warming Up
//!   (`thisWeek > lastWeek` and `thisWeek >= 3`); Needs Boost (`thisWeek < lastWeek` and
//!   `thisWeek < 2`); else Steady (decided in the spec). Counting **(decided here)**: a
//!   course counts once (its earliest completion), a module mapped to a topic completed in
//!   the same days counts once with it (the progress-unit rule of 0.3), a passed assessment
//!   counts once per distinct assessment.
//!
//! `activeDaysPerWeek` and `coursesPerMonth` are paces, rounded to 2 dp **(decided here)**;
//! labels are taken from the unrounded values. Labels serialise with the spec's spelling
//! (`"Highly Consistent"`, `"Learning at Your Pace"`, `"On Fire"`, ...).

use super::facts;
use crate::analytics::activity;
use crate::analytics::common::round_dp;
use crate::analytics::{Catalog, Clock, LearnerRecord};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::BTreeSet;

/// Days shown by the streak calendar.
pub const STREAK_CALENDAR_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub active: bool,
}

/// The 30 calendar days ending today, oldest first.
pub fn streak_calendar(login_days: &BTreeSet<NaiveDate>, today: NaiveDate) -> Vec<CalendarDay> {
    (0..STREAK_CALENDAR_DAYS)
        .rev()
        .map(|back| {
            let date = today - Duration::days(back);
            CalendarDay {
                date,
                active: login_days.contains(&date),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsistencyLabel {
    #[serde(rename = "Highly Consistent")]
    HighlyConsistent,
    #[serde(rename = "Consistent")]
    Consistent,
    #[serde(rename = "Building Consistency")]
    BuildingConsistency,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyStatus {
    pub label: ConsistencyLabel,
    pub active_days_per_week: f64,
}

pub fn consistency_label(active_days_per_week: f64) -> ConsistencyLabel {
    if active_days_per_week >= 5.0 {
        ConsistencyLabel::HighlyConsistent
    } else if active_days_per_week >= 3.0 {
        ConsistencyLabel::Consistent
    } else {
        ConsistencyLabel::BuildingConsistency
    }
}

/// Active days in the calendar days `today - (to - 1) ..= today - from` (day 1 = today:
/// days 1-7 are `days_in(.., 0, 7)`).
fn days_in(active_days: &BTreeSet<NaiveDate>, today: NaiveDate, from: i64, to: i64) -> u32 {
    let first = today - Duration::days(to - 1);
    let last = today - Duration::days(from);
    active_days.range(first..=last).count() as u32
}

pub fn consistency(active_days: &BTreeSet<NaiveDate>, today: NaiveDate) -> ConsistencyStatus {
    let per_week = f64::from(days_in(active_days, today, 0, 28)) / 4.0;
    ConsistencyStatus {
        label: consistency_label(per_week),
        active_days_per_week: round_dp(per_week, 2),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VelocityLabel {
    #[serde(rename = "Fast Learner")]
    FastLearner,
    #[serde(rename = "Steady Learner")]
    SteadyLearner,
    #[serde(rename = "Learning at Your Pace")]
    LearningAtYourPace,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VelocityStatus {
    pub label: VelocityLabel,
    pub courses_per_month: f64,
}

pub fn velocity_label(courses_per_month: f64) -> VelocityLabel {
    if courses_per_month >= 4.0 {
        VelocityLabel::FastLearner
    } else if courses_per_month >= 2.0 {
        VelocityLabel::SteadyLearner
    } else {
        VelocityLabel::LearningAtYourPace
    }
}

/// `coursesPerMonth = completed / max(1, days since first enrollment / 30)`.
pub fn velocity(record: &LearnerRecord, clock: &Clock) -> VelocityStatus {
    let completed = facts::course_completions(record, clock).len() as f64;
    let days_since_first = record
        .enrollments
        .iter()
        .map(|e| e.enrolled_at)
        .filter(|t| *t <= clock.now)
        .min()
        .map(|first| (clock.today() - clock.local_date(first)).num_days().max(0))
        .unwrap_or(0);
    let months = (days_since_first as f64 / 30.0).max(1.0);
    let per_month = completed / months;
    VelocityStatus {
        label: velocity_label(per_month),
        courses_per_month: round_dp(per_month, 2),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MomentumState {
    #[serde(rename = "On Fire")]
    OnFire,
    #[serde(rename = "Warming Up")]
    WarmingUp,
    #[serde(rename = "Needs Boost")]
    NeedsBoost,
    #[serde(rename = "Steady")]
    Steady,
}

impl MomentumState {
    pub fn as_str(self) -> &'static str {
        match self {
            MomentumState::OnFire => "On Fire",
            MomentumState::WarmingUp => "Warming Up",
            MomentumState::NeedsBoost => "Needs Boost",
            MomentumState::Steady => "Steady",
        }
    }
}

/// The counts the momentum state is decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MomentumCounts {
    pub this_week: u32,
    pub last_week: u32,
    pub completions: u32,
}

/// The first matching rule of 8.2.
pub fn momentum_state(c: MomentumCounts) -> MomentumState {
    if c.this_week >= 6 && c.completions >= 2 {
        MomentumState::OnFire
    } else if c.this_week > c.last_week && c.this_week >= 3 {
        MomentumState::WarmingUp
    } else if c.this_week < c.last_week && c.this_week < 2 {
        MomentumState::NeedsBoost
    } else {
        MomentumState::Steady
    }
}

pub fn momentum_counts(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    active_days: &BTreeSet<NaiveDate>,
) -> MomentumCounts {
    let today = clock.today();
    let first = today - Duration::days(6);
    let in_week = |t: chrono::DateTime<chrono::Utc>| {
        let d = clock.local_date(t);
        t <= clock.now && d >= first && d <= today
    };
    let courses = facts::course_completions(record, clock)
        .iter()
        .filter(|c| in_week(c.completed_at))
        .count();
    let topics: BTreeSet<_> = record
        .topic_completions
        .iter()
        .filter(|t| in_week(t.completed_at))
        .map(|t| (t.path_id, t.topic_id))
        .collect();
    let topic_ids: BTreeSet<_> = topics.iter().map(|(_, topic)| *topic).collect();
    let modules = record
        .module_progress
        .iter()
        .filter(|p| p.completed_at.is_some_and(in_week))
        .filter(|p| {
            catalog
                .modules
                .get(&p.module_id)
                .and_then(|m| m.topic_id)
                .is_none_or(|topic| !topic_ids.contains(&topic))
        })
        .count();
    let passed: BTreeSet<_> = record
        .attempts
        .iter()
        .filter(|a| a.passed && in_week(a.submitted_at))
        .map(|a| a.assessment_id)
        .collect();
    MomentumCounts {
        this_week: days_in(active_days, today, 0, 7),
        last_week: days_in(active_days, today, 7, 14),
        completions: (courses + topics.len() + modules + passed.len()) as u32,
    }
}

/// The stored `StreakState {currentStreak, longestStreak, lastActiveDate}` (`analytics.md`
/// 9; decision 16); `lastActiveDate` = the latest login day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreakState {
    pub current_streak: u32,
    pub longest_streak: u32,
    pub last_active_date: Option<NaiveDate>,
}

pub fn streak_state(record: &LearnerRecord, clock: &Clock) -> StreakState {
    let days = activity::login_days(record, clock);
    StreakState {
        current_streak: activity::current_streak(&days, clock.today()),
        longest_streak: activity::longest_streak(&days),
        last_active_date: days.last().copied(),
    }
}

/// Everything of 8.2 for one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Statuses {
    pub current_streak: u32,
    pub longest_streak: u32,
    pub streak_calendar: Vec<CalendarDay>,
    pub consistency: ConsistencyStatus,
    pub velocity: VelocityStatus,
    pub momentum_counts: MomentumCounts,
    pub momentum_state: MomentumState,
    pub momentum_run: u32,
}

pub fn statuses(record: &LearnerRecord, catalog: &Catalog, clock: &Clock) -> Statuses {
    let today = clock.today();
    let login_days = activity::login_days(record, clock);
    let active_days = activity::active_days(record, clock);
    let counts = momentum_counts(record, catalog, clock, &active_days);
    let completions = facts::course_completions(record, clock);
    let runs = facts::momentum_runs(&completions, clock);
    Statuses {
        current_streak: activity::current_streak(&login_days, today),
        longest_streak: activity::longest_streak(&login_days),
        streak_calendar: streak_calendar(&login_days, today),
        consistency: consistency(&active_days, today),
        velocity: velocity(record, clock),
        momentum_counts: counts,
        momentum_state: momentum_state(counts),
        momentum_run: facts::current_momentum_run(&runs, today),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::ids::*;
    use crate::model::{Module, ModuleProgress, TopicCompletion};
    use proptest::prelude::*;

    fn set(days: impl IntoIterator<Item = i64>) -> BTreeSet<NaiveDate> {
        days.into_iter().map(date).collect()
    }

    #[test]
    fn consistency_bands_at_their_thresholds() {
        let today = date(15);
        // The 28 days are 19 May (day -12) ..= 15 June (day 15).
        // 20 active days -> 20 / 4 = 5.00 -> Highly Consistent.
        let c = consistency(&set(-4..=15), today);
        assert_eq!(c.active_days_per_week, 5.0);
        assert_eq!(c.label, ConsistencyLabel::HighlyConsistent);
        // 19 -> 4.75 -> Consistent.
        assert_eq!(
            consistency(&set(-3..=15), today).label,
            ConsistencyLabel::Consistent
        );
        // 12 -> 3.00 -> Consistent; 11 -> 2.75 -> Building Consistency.
        assert_eq!(consistency(&set(4..=15), today).active_days_per_week, 3.0);
        assert_eq!(
            consistency(&set(4..=15), today).label,
            ConsistencyLabel::Consistent
        );
        let building = consistency(&set(5..=15), today);
        assert_eq!(building.active_days_per_week, 2.75);
        assert_eq!(building.label, ConsistencyLabel::BuildingConsistency);
        // Day -13 (18 May) is the 29th day back: outside the window.
        assert_eq!(consistency(&set([-13]), today).active_days_per_week, 0.0);
        assert_eq!(consistency(&set([-12]), today).active_days_per_week, 0.25);
        assert_eq!(
            serde_json::to_value(c).unwrap()["label"],
            "Highly Consistent"
        );
    }

    #[test]
    fn velocity_bands_and_the_one_month_floor() {
        let mut r = learner(1);
        // First enrollment 60 days before 15 June (16 April); 4 completions:
        // 4 / max(1, 60/30) = 2.00 -> Steady Learner.
        for k in 0..4 {
            r.enrollments
                .push(enrollment(k, 10 + k, day(-45), Some(day(k as i64 + 1))));
        }
        r.enrollments
            .push(enrollment(9, 99, day(15) - Duration::days(60), None));
        let v = velocity(&r, &clock());
        assert_eq!(v.courses_per_month, 2.0);
        assert_eq!(v.label, VelocityLabel::SteadyLearner);
        // 8 completions -> 4.00 -> Fast Learner.
        for k in 4..8 {
            r.enrollments
                .push(enrollment(k, 10 + k, day(-45), Some(day(k as i64 + 1))));
        }
        assert_eq!(velocity(&r, &clock()).label, VelocityLabel::FastLearner);
        // First enrollment 20 days ago with 3 completions: 3 / max(1, 0.67) = 3.00.
        let mut young = learner(2);
        for k in 0..3 {
            young
                .enrollments
                .push(enrollment(k, 10 + k, day(-5), Some(day(10))));
        }
        assert_eq!(velocity(&young, &clock()).courses_per_month, 3.0);
        // No enrollment at all: 0 -> Learning at Your Pace.
        let none = velocity(&learner(3), &clock());
        assert_eq!(none.courses_per_month, 0.0);
        assert_eq!(
            serde_json::to_value(none).unwrap()["label"],
            "Learning at Your Pace"
        );
    }

    #[test]
    fn momentum_state_rules_in_order() {
        let s = |this_week, last_week, completions| {
            momentum_state(MomentumCounts {
                this_week,
                last_week,
                completions,
            })
        };
        assert_eq!(s(6, 7, 2), MomentumState::OnFire);
        assert_eq!(s(6, 2, 1), MomentumState::WarmingUp, "one completion only");
        assert_eq!(s(3, 2, 0), MomentumState::WarmingUp);
        assert_eq!(s(2, 1, 0), MomentumState::Steady, "rising but below 3");
        assert_eq!(s(1, 3, 0), MomentumState::NeedsBoost);
        assert_eq!(
            s(2, 3, 0),
            MomentumState::Steady,
            "falling but 2 is not < 2"
        );
        assert_eq!(s(0, 0, 0), MomentumState::Steady);
        assert_eq!(
            serde_json::to_value(MomentumState::NeedsBoost).unwrap(),
            "Needs Boost"
        );
    }

    #[test]
    fn momentum_counts_use_calendar_weeks_and_count_units_once() {
        let mut r = learner(1);
        // Active (logins) on days 9..=15 (this week: 9..15) and 5, 6 (last week: 2..8).
        login_on(&mut r, [5, 6, 9, 10, 11, 12, 13, 14, 15]);
        // One course completed on day 10 (two enrollments: counts once).
        r.enrollments.push(enrollment(1, 10, day(1), Some(day(10))));
        r.enrollments.push(enrollment(2, 10, day(1), Some(day(11))));
        // Module 50 maps to topic 60; both completed on day 12: one unit.
        let catalog = Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![Module {
                id: ModuleId(id(50)),
                course_id: CourseId(id(10)),
                order: 1,
                name: "m".into(),
                estimated_hours: None,
                topic_id: Some(TopicId(id(60))),
                skill_ids: vec![],
            }],
            vec![],
            vec![],
            vec![],
        );
        r.module_progress.push(ModuleProgress {
            user_id: UserId(id(1)),
            module_id: ModuleId(id(50)),
            started_at: Some(day(11)),
            completed_at: Some(day(12)),
            progress_pct: 100.0,
            time_spent_minutes: 30.0,
        });
        r.topic_completions.push(TopicCompletion {
            user_id: UserId(id(1)),
            path_id: PathId(id(70)),
            topic_id: TopicId(id(60)),
            completed_at: day(12),
        });
        // Assessment 20 passed twice this week (counts once), 21 passed on day 8 (not).
        r.attempts
            .push(attempt(1, 20, 1, day(13), 80.0, 100.0, true));
        r.attempts
            .push(attempt(2, 20, 2, day(14), 90.0, 100.0, true));
        r.attempts
            .push(attempt(3, 21, 1, day(8), 90.0, 100.0, true));
        r.sort();
        let st = statuses(&r, &catalog, &clock());
        // This week: active on 9..15 = 7 days (day 8's attempt is last week);
        // last week: 5, 6, 8 = 3 days. Completions: course + topic/module + assessment 20 = 3.
        assert_eq!(
            st.momentum_counts,
            MomentumCounts {
                this_week: 7,
                last_week: 3,
                completions: 3
            }
        );
        assert_eq!(st.momentum_state, MomentumState::OnFire);
        assert_eq!((st.current_streak, st.longest_streak), (7, 7));
        assert_eq!(st.momentum_run, 1);
    }

    #[test]
    fn streak_calendar_and_current_streak_through_yesterday() {
        let mut r = learner(1);
        // Logins 12, 13, 14 (none yet today, the 15th): the streak still counts 3.
        login_on(&mut r, [1, 2, 3, 4, 12, 13, 14]);
        let st = statuses(&r, &Catalog::default(), &clock());
        assert_eq!((st.current_streak, st.longest_streak), (3, 4));
        assert_eq!(st.streak_calendar.len(), 30);
        assert_eq!(st.streak_calendar[0].date, date(15) - Duration::days(29));
        assert_eq!(st.streak_calendar[29].date, date(15));
        assert!(!st.streak_calendar[29].active);
        assert!(st.streak_calendar[28].active);
        let state = streak_state(&r, &clock());
        assert_eq!(state.last_active_date, Some(date(14)));
        // An empty learner.
        let empty = statuses(&learner(2), &Catalog::default(), &clock());
        assert_eq!((empty.current_streak, empty.momentum_run), (0, 0));
        assert_eq!(empty.momentum_state, MomentumState::Steady);
        assert!(empty.streak_calendar.iter().all(|d| !d.active));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn statuses_agree_with_their_thresholds(
            logins in prop::collection::vec(-40i64..16, 0..40),
            completions in prop::collection::vec((0u128..8, -60i64..16), 0..10),
        ) {
            let mut r = learner(1);
            login_on(&mut r, logins.iter().copied());
            for (k, (c, d)) in completions.iter().enumerate() {
                r.enrollments.push(enrollment(k as u128, 10 + c, day(d - 10), Some(day(*d))));
            }
            r.sort();
            let st = statuses(&r, &Catalog::default(), &clock());
            prop_assert_eq!(&st, &statuses(&r, &Catalog::default(), &clock()));
            let c = st.consistency.active_days_per_week;
            prop_assert!((0.0..=7.0).contains(&c) && c.is_finite());
            prop_assert_eq!(st.consistency.label, consistency_label(c));
            let v = st.velocity.courses_per_month;
            prop_assert!(v >= 0.0 && v.is_finite());
            prop_assert_eq!(st.velocity.label, velocity_label(v));
            prop_assert!(st.current_streak <= st.longest_streak);
            prop_assert!(st.momentum_counts.this_week <= 7 && st.momentum_counts.last_week <= 7);
            prop_assert_eq!(st.momentum_state, momentum_state(st.momentum_counts));
        }
    }
}
