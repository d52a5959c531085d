//! Points (`analytics.md` 8.1; README G1): which ledger entries a learner's records earn,
//! and the totals, weekly/monthly points, breakdown and cumulative history derived from
//! them.
//!
//! Inputs: a [`LearnerRecord`], the [`Clock`] (calendar days in the subject's timezone),
//! the active [`Role`].
//!
//! | Event (`eventType`) | `sourceId` | Points |
//! |---|---|---|
//! | course completed (`course_completed`) | courseId | 100, once per course |
//! | skill acquired (`skill_acquired`) | skillId | 50, once per skill |
//! | assessment (`assessment`) | assessmentId | best `scorePct` of that assessment, rounded once (half away from zero); topped up when beaten **(decided here in the spec: stops retry farming)** |
//! | DevLab practice session completed (`practice_completed`) | submissionId | 10; at most 10 sessions per calendar day count **(decided here in the spec)** |
//! | streak day (`streak_day`) | the day, `YYYY-MM-DD` | 5 for a login day whose previous calendar day was also a login day **(decided here in the spec)** |
//!
//! The `eventType` spellings are those of the `points_ledger` table (`data.md` 3.4). The
//! idempotent key of an entry is `(eventType, sourceId)` (plus userId and role in storage).
//!
//! Only the `learner` role earns course, skill, assessment and practice points; other roles
//! earn streak points only ([`earns_learning_rewards`]).
//!
//! Decided here:
//! - **Top-ups are awards.** An assessment's first scored attempt awards its rounded score;
//!   each later attempt whose rounded score beats the best so far awards the difference.
//!   The ledger entry holds the sum (= the rounded best) with `occurredAt` = the last
//!   top-up; weekly/monthly points and the history count each award on its own day, so a
//!   retake that raises 60 to 80 earns 20 this week, not 80. Awards of 0 points are not
//!   recorded.
//! - **The DevLab cap** counts completed sessions (`status = completed`) by the calendar day
//!   of `completedAt ?? startedAt`; within a day the first 10 by (time, submissionId) earn.
//! - **Streak day** `occurredAt` = the day's first session start.
//! - `weeklyPoints` = awards in the current ISO week (Monday to Sunday), `monthlyPoints` =
//!   in the current calendar month, both as of today in the subject's timezone.
//! - `history` = the cumulative total at the end of each calendar day: one point per day for
//!   `7d`/`30d`/`90d` (ending today); for `all`, one point per day on which points were
//!   awarded plus today.

use super::facts;
use super::{Period, earns_learning_rewards};
use crate::analytics::{Clock, LearnerRecord, common::round_int};
use crate::ids::SubmissionId;
use crate::model::PracticeStatus;
use crate::role::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const COURSE_COMPLETED_POINTS: i64 = 100;
pub const SKILL_ACQUIRED_POINTS: i64 = 50;
pub const PRACTICE_POINTS: i64 = 10;
/// Completed DevLab sessions per calendar day that earn points.
pub const PRACTICE_DAILY_CAP: usize = 10;
pub const STREAK_DAY_POINTS: i64 = 5;

/// The `eventType` of a ledger entry (spelled as the `points_ledger.event_type` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointsEventType {
    CourseCompleted,
    SkillAcquired,
    Assessment,
    PracticeCompleted,
    StreakDay,
}

impl PointsEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsEventType::CourseCompleted => "course_completed",
            PointsEventType::SkillAcquired => "skill_acquired",
            PointsEventType::Assessment => "assessment",
            PointsEventType::PracticeCompleted => "practice_completed",
            PointsEventType::StreakDay => "streak_day",
        }
    }
}

/// One row of the points ledger, upserted on `(userId, role, eventType, sourceId)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub event_type: PointsEventType,
    pub source_id: String,
    pub points: i64,
    pub occurred_at: DateTime<Utc>,
}

/// One award: the creation of a ledger entry or a top-up of it. The awards of a key sum to
/// its entry's points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsAward {
    pub event_type: PointsEventType,
    pub source_id: String,
    pub points: i64,
    pub occurred_at: DateTime<Utc>,
}

/// A learner's ledger for one role: the stored entries and the awards they are made of,
/// both sorted by (occurredAt, eventType, sourceId).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    pub awards: Vec<PointsAward>,
}

/// Derives the ledger of `record` for `role` (see the module doc for the rules).
pub fn ledger(record: &LearnerRecord, clock: &Clock, role: Role) -> Ledger {
    let mut awards: Vec<PointsAward> = Vec::new();
    let mut award = |event_type, source_id: String, points, occurred_at| {
        if points > 0 {
            awards.push(PointsAward {
                event_type,
                source_id,
                points,
                occurred_at,
            });
        }
    };

    if earns_learning_rewards(role) {
        for c in facts::course_completions(record, clock) {
            award(
                PointsEventType::CourseCompleted,
                c.course_id.to_string(),
                COURSE_COMPLETED_POINTS,
                c.completed_at,
            );
        }
        for (skill, at) in facts::skill_acquisitions(record, clock) {
            award(
                PointsEventType::SkillAcquired,
                skill.to_string(),
                SKILL_ACQUIRED_POINTS,
                at,
            );
        }
        for (assessment, attempts) in facts::attempts_by_assessment(record, clock) {
            let mut best: Option<i64> = None;
            for attempt in attempts {
                let Some(pct) = facts::clipped_score_pct(attempt) else {
                    continue;
                };
                let rounded = round_int(pct);
                if best.is_none_or(|b| rounded > b) {
                    let delta = rounded - best.unwrap_or(0);
                    award(
                        PointsEventType::Assessment,
                        assessment.to_string(),
                        delta,
                        attempt.submitted_at,
                    );
                    best = Some(rounded);
                }
            }
        }
        let mut practice_days: BTreeMap<NaiveDate, Vec<(DateTime<Utc>, SubmissionId)>> =
            BTreeMap::new();
        for p in &record.practice {
            let at = p.completed_at.unwrap_or(p.started_at);
            if p.status == PracticeStatus::Completed && at <= clock.now {
                practice_days
                    .entry(clock.local_date(at))
                    .or_default()
                    .push((at, p.id));
            }
        }
        for mut sessions in practice_days.into_values() {
            sessions.sort();
            for (at, id) in sessions.into_iter().take(PRACTICE_DAILY_CAP) {
                award(
                    PointsEventType::PracticeCompleted,
                    id.to_string(),
                    PRACTICE_POINTS,
                    at,
                );
            }
        }
    }

    let login_days = facts::login_day_starts(record, clock);
    for (day, at) in &login_days {
        if login_days.contains_key(&(*day - Duration::days(1))) {
            award(
                PointsEventType::StreakDay,
                day.to_string(),
                STREAK_DAY_POINTS,
                *at,
            );
        }
    }

    awards.sort_by(|a, b| {
        (a.occurred_at, a.event_type, &a.source_id).cmp(&(
            b.occurred_at,
            b.event_type,
            &b.source_id,
        ))
    });
    let mut by_key: BTreeMap<(PointsEventType, &str), LedgerEntry> = BTreeMap::new();
    for a in &awards {
        by_key
            .entry((a.event_type, a.source_id.as_str()))
            .and_modify(|e| {
                e.points += a.points;
                e.occurred_at = a.occurred_at;
            })
            .or_insert_with(|| LedgerEntry {
                event_type: a.event_type,
                source_id: a.source_id.clone(),
                points: a.points,
                occurred_at: a.occurred_at,
            });
    }
    let mut entries: Vec<LedgerEntry> = by_key.into_values().collect();
    entries.sort_by(|a, b| {
        (a.occurred_at, a.event_type, &a.source_id).cmp(&(
            b.occurred_at,
            b.event_type,
            &b.source_id,
        ))
    });
    Ledger { entries, awards }
}

/// `pointsBreakdown`: the total per kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsBreakdown {
    pub courses: i64,
    pub skills: i64,
    pub assessments: i64,
    pub practice: i64,
    pub streak: i64,
}

/// One point of the cumulative history: the total at the end of `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPoint {
    pub date: NaiveDate,
    pub points: i64,
}

/// The span of the cumulative `history` series (8.1: 7/30/90 d, all time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HistoryRange {
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "90d")]
    Days90,
    #[serde(rename = "all")]
    AllTime,
}

/// The points part of 8.1: `{totalPoints, weeklyPoints, monthlyPoints, pointsBreakdown,
/// history}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsSummary {
    pub total_points: i64,
    pub weekly_points: i64,
    pub monthly_points: i64,
    pub points_breakdown: PointsBreakdown,
    pub history: Vec<HistoryPoint>,
}

/// Points awarded in `period` as of today.
pub fn points_in(ledger: &Ledger, clock: &Clock, period: Period) -> i64 {
    let today = clock.today();
    ledger
        .awards
        .iter()
        .filter(|a| period.contains(today, clock.local_date(a.occurred_at)))
        .map(|a| a.points)
        .sum()
}

pub fn breakdown(ledger: &Ledger) -> PointsBreakdown {
    let mut b = PointsBreakdown::default();
    for e in &ledger.entries {
        let slot = match e.event_type {
            PointsEventType::CourseCompleted => &mut b.courses,
            PointsEventType::SkillAcquired => &mut b.skills,
            PointsEventType::Assessment => &mut b.assessments,
            PointsEventType::PracticeCompleted => &mut b.practice,
            PointsEventType::StreakDay => &mut b.streak,
        };
        *slot += e.points;
    }
    b
}

pub fn total(ledger: &Ledger) -> i64 {
    ledger.entries.iter().map(|e| e.points).sum()
}

/// The cumulative history series over `range` (see the module doc).
pub fn history(ledger: &Ledger, clock: &Clock, range: HistoryRange) -> Vec<HistoryPoint> {
    let today = clock.today();
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for a in &ledger.awards {
        *per_day.entry(clock.local_date(a.occurred_at)).or_default() += a.points;
    }
    let days = match range {
        HistoryRange::Days7 => 7,
        HistoryRange::Days30 => 30,
        HistoryRange::Days90 => 90,
        HistoryRange::AllTime => {
            let mut cumulative = 0;
            let mut series: Vec<HistoryPoint> = per_day
                .iter()
                .filter(|(date, _)| **date <= today)
                .map(|(date, points)| {
                    cumulative += points;
                    HistoryPoint {
                        date: *date,
                        points: cumulative,
                    }
                })
                .collect();
            if series.last().is_none_or(|p| p.date < today) {
                series.push(HistoryPoint {
                    date: today,
                    points: cumulative,
                });
            }
            return series;
        }
    };
    let start = today - Duration::days(days - 1);
    let mut cumulative: i64 = per_day.range(..start).map(|(_, p)| p).sum();
    (0..days)
        .map(|offset| {
            let date = start + Duration::days(offset);
            cumulative += per_day.get(&date).copied().unwrap_or(0);
            HistoryPoint {
                date,
                points: cumulative,
            }
        })
        .collect()
}

/// Totals, weekly and monthly points, breakdown and the history over `range`.
pub fn summarize(ledger: &Ledger, clock: &Clock, range: HistoryRange) -> PointsSummary {
    PointsSummary {
        total_points: total(ledger),
        weekly_points: points_in(ledger, clock, Period::Weekly),
        monthly_points: points_in(ledger, clock, Period::Monthly),
        points_breakdown: breakdown(ledger),
        history: history(ledger, clock, range),
    }
}

/// A fingerprint of a (user, role)'s ledger as filed under `organization` (64-bit FNV-1a over
/// the organisation and every entry's event type, source, points and instant, in order),
/// stored beside the streak state: the batch rewrites
/// the ledger rows of a subject only when it changed, instead of upserting every row every
/// night. Not a security device; a collision would at worst leave a ledger row stale until
/// its next change.
pub fn ledger_digest(entries: &[LedgerEntry], organization: Option<crate::OrgId>) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    feed(&organization.map_or([0; 16], |o| *o.0.as_bytes()));
    for entry in entries {
        feed(entry.event_type.as_str().as_bytes());
        feed(&[0]);
        feed(entry.source_id.as_bytes());
        feed(&[0]);
        feed(&entry.points.to_le_bytes());
        feed(&entry.occurred_at.timestamp_micros().to_le_bytes());
    }
    // Stored in a signed 64-bit column: the same bits.
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::analytics::Clock;
    use crate::ids::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn entry<'a>(l: &'a Ledger, t: PointsEventType, source: &str) -> Option<&'a LedgerEntry> {
        l.entries
            .iter()
            .find(|e| e.event_type == t && e.source_id == source)
    }

    #[test]
    fn a_retake_tops_up_to_the_rounded_best_once() {
        let mut r = learner(1);
        // 31.2/50 = 62.4% -> 62 points on day 2.
        r.attempts
            .push(attempt(1, 20, 1, day(2), 31.2, 50.0, false));
        // 35.75/50 = 71.5% -> 72 (half away from zero): top-up of 10 on day 9.
        r.attempts
            .push(attempt(2, 20, 2, day(9), 35.75, 50.0, true));
        // 70% and 71.6% (rounds to 72) do not beat 72: nothing.
        r.attempts
            .push(attempt(3, 20, 3, day(10), 35.0, 50.0, true));
        r.attempts
            .push(attempt(4, 20, 4, day(15), 35.8, 50.0, true));
        // Another assessment: 0/10 earns nothing, then 10/10 earns 100.
        r.attempts.push(attempt(5, 21, 1, day(3), 0.0, 10.0, false));
        r.attempts
            .push(attempt(6, 21, 2, day(15), 10.0, 10.0, true));
        r.sort();
        let l = ledger(&r, &clock(), Role::Learner);
        let a20 = AssessmentId(id(20)).to_string();
        let e = entry(&l, PointsEventType::Assessment, &a20).unwrap();
        assert_eq!((e.points, e.occurred_at), (72, day(9)));
        let a21 = AssessmentId(id(21)).to_string();
        assert_eq!(
            entry(&l, PointsEventType::Assessment, &a21).unwrap().points,
            100
        );
        let awards: Vec<i64> = l.awards.iter().map(|a| a.points).collect();
        assert_eq!(awards, vec![62, 10, 100]);
        // 62 + 10 + 100 = 172 in total; this ISO week (Mon 15 June) only the 100.
        let s = summarize(&l, &clock(), HistoryRange::Days7);
        assert_eq!(s.total_points, 172);
        assert_eq!(s.weekly_points, 100);
        assert_eq!(s.monthly_points, 172);
        assert_eq!(s.points_breakdown.assessments, 172);
    }

    #[test]
    fn devlab_points_stop_after_ten_sessions_a_day() {
        let mut r = learner(1);
        // 12 completed sessions on day 5 (09:00..09:11 UTC) -> only the first 10 earn.
        let base = Utc.with_ymd_and_hms(2026, 6, 5, 9, 0, 0).unwrap();
        for k in 0..12 {
            r.practice
                .push(practice(100 + k, base + Duration::minutes(k as i64), true));
        }
        // An unfinished session earns nothing and does not use the cap.
        r.practice.push(practice(200, day(6), false));
        // 3 on day 6 -> 30.
        for k in 0..3 {
            r.practice.push(practice(300 + k, day(6), true));
        }
        r.sort();
        let l = ledger(&r, &clock(), Role::Learner);
        // 10 * 10 + 3 * 10 = 130.
        assert_eq!(total(&l), 130);
        assert_eq!(breakdown(&l).practice, 130);
        let capped = SubmissionId(id(110)).to_string();
        assert!(entry(&l, PointsEventType::PracticeCompleted, &capped).is_none());
        let tenth = SubmissionId(id(109)).to_string();
        assert!(entry(&l, PointsEventType::PracticeCompleted, &tenth).is_some());
    }

    #[test]
    fn the_devlab_cap_uses_the_learners_calendar_day() {
        let mut r = learner(1);
        // 6 sessions at 23:30 UTC on 4 June and 6 at 00:30 UTC on 5 June: in UTC that is
        // 6 + 6 on two days (120). In New York (UTC-4) all 12 fall on 4 June (19:30 and
        // 20:30 local) -> capped at 10 (100).
        let late = Utc.with_ymd_and_hms(2026, 6, 4, 23, 30, 0).unwrap();
        for k in 0..6 {
            r.practice.push(practice(100 + k, late, true));
            r.practice
                .push(practice(200 + k, late + Duration::hours(1), true));
        }
        r.sort();
        assert_eq!(total(&ledger(&r, &clock(), Role::Learner)), 120);
        let ny = Clock::in_zone(now(), Some("America/New_York"));
        assert_eq!(total(&ledger(&r, &ny, Role::Learner)), 100);
    }

    #[test]
    fn streak_points_need_the_previous_day_active() {
        let mut r = learner(1);
        // Login days 1, 2, 3, 5, 6, 8 (and a second session on day 2):
        // streak days are 2, 3 and 6 -> 3 * 5 = 15.
        login_on(&mut r, [1, 2, 2, 3, 5, 6, 8]);
        let l = ledger(&r, &clock(), Role::Learner);
        let days: Vec<&str> = l.entries.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(days, vec!["2026-06-02", "2026-06-03", "2026-06-06"]);
        assert_eq!(breakdown(&l).streak, 15);
        assert!(l.entries.iter().all(|e| e.points == 5));
    }

    #[test]
    fn a_full_hand_computed_ledger_and_the_trainer_role() {
        let mut r = learner(1);
        r.enrollments.push(enrollment(1, 10, day(1), Some(day(12))));
        r.user_skills.push(skill(30, Some(day(14))));
        r.user_skills.push(skill(31, None)); // not acquired
        r.attempts
            .push(attempt(1, 20, 1, day(15), 45.0, 50.0, true)); // 90%
        r.practice.push(practice(40, day(15), true));
        login_on(&mut r, [13, 14, 15]);
        r.sort();
        let l = ledger(&r, &clock(), Role::Learner);
        // 100 + 50 + 90 + 10 + 2 streak days * 5 = 260.
        let s = summarize(&l, &clock(), HistoryRange::Days7);
        assert_eq!(s.total_points, 260);
        assert_eq!(
            s.points_breakdown,
            PointsBreakdown {
                courses: 100,
                skills: 50,
                assessments: 90,
                practice: 10,
                streak: 10
            }
        );
        // Week of Monday 15 June: 90 + 10 + 5 = 105.
        assert_eq!(s.weekly_points, 105);
        assert_eq!(s.monthly_points, 260);
        // History 9..15 June: 0,0,0, 100 (12th), 100 (13th: no streak day yet),
        // 155 (14th: +50 skill +5 streak), 260 (15th: +90 +10 +5).
        let h: Vec<i64> = s.history.iter().map(|p| p.points).collect();
        assert_eq!(h, vec![0, 0, 0, 100, 100, 155, 260]);
        assert_eq!(s.history[0].date, date(9));
        let all = history(&l, &clock(), HistoryRange::AllTime);
        // All time: the award days 12, 14 and 15 (today).
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0],
            HistoryPoint {
                date: date(12),
                points: 100
            }
        );
        assert_eq!(all.last().unwrap().points, 260);
        // The same user as a trainer earns only the streak points.
        let t = ledger(&r, &clock(), Role::Trainer);
        assert_eq!(total(&t), 10);
        assert!(
            t.entries
                .iter()
                .all(|e| e.event_type == PointsEventType::StreakDay)
        );
        assert_eq!(
            serde_json::to_value(&l.entries[0]).unwrap()["eventType"],
            "course_completed"
        );
    }

    #[test]
    fn an_empty_learner_has_zero_everywhere() {
        let l = ledger(&learner(1), &clock(), Role::Learner);
        let s = summarize(&l, &clock(), HistoryRange::Days30);
        assert_eq!(
            (s.total_points, s.weekly_points, s.monthly_points),
            (0, 0, 0)
        );
        assert_eq!(s.history.len(), 30);
        assert!(s.history.iter().all(|p| p.points == 0));
        assert_eq!(s.history.last().unwrap().date, clock().today());
        assert_eq!(history(&l, &clock(), HistoryRange::AllTime).len(), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn ledgers_are_consistent_and_deterministic(
            attempts in prop::collection::vec((0u128..4, -20i64..20, 0.0f64..120.0), 0..12),
            practices in prop::collection::vec((-20i64..20, 0i64..1440, any::<bool>()), 0..40),
            logins in prop::collection::vec(-30i64..20, 0..30),
            completions in prop::collection::vec((0u128..5, -20i64..20), 0..6),
        ) {
            let mut r = learner(1);
            for (k, (a, d, score)) in attempts.iter().enumerate() {
                r.attempts.push(attempt(k as u128, 20 + a, k as i32, day(*d), *score, 100.0, *score >= 70.0));
            }
            for (k, (d, minute, done)) in practices.iter().enumerate() {
                r.practice.push(practice(1000 + k as u128, day(*d) + Duration::minutes(*minute), *done));
            }
            for (k, (c, d)) in completions.iter().enumerate() {
                r.enrollments.push(enrollment(k as u128, 10 + c, day(d - 5), Some(day(*d))));
            }
            login_on(&mut r, logins.iter().copied());
            r.sort();
            let l = ledger(&r, &clock(), Role::Learner);
            prop_assert_eq!(&l, &ledger(&r, &clock(), Role::Learner));
            let award_sum: i64 = l.awards.iter().map(|a| a.points).sum();
            prop_assert_eq!(award_sum, total(&l));
            let b = breakdown(&l);
            prop_assert_eq!(b.courses + b.skills + b.assessments + b.practice + b.streak, total(&l));
            prop_assert!(l.awards.iter().all(|a| a.points > 0 && a.occurred_at <= now()));
            for e in &l.entries {
                if e.event_type == PointsEventType::Assessment {
                    prop_assert!(e.points <= 100);
                }
            }
            let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
            for a in l.awards.iter().filter(|a| a.event_type == PointsEventType::PracticeCompleted) {
                *per_day.entry(a.occurred_at.date_naive()).or_default() += a.points;
            }
            prop_assert!(per_day.values().all(|p| *p <= 100));
            let s = summarize(&l, &clock(), HistoryRange::Days90);
            prop_assert!(s.weekly_points <= s.total_points && s.monthly_points <= s.total_points);
            prop_assert_eq!(s.history.last().unwrap().points, s.total_points);
            prop_assert!(s.history.windows(2).all(|w| w[0].points <= w[1].points));
        }
    }

    #[test]
    fn the_ledger_digest_follows_every_field_and_the_order() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let entry = |source: &str, points: i64| LedgerEntry {
            event_type: PointsEventType::Assessment,
            source_id: source.to_owned(),
            points,
            occurred_at: at,
        };
        let digest = |entries: &[LedgerEntry]| ledger_digest(entries, None);
        let ledger = vec![entry("a", 10), entry("b", 20)];
        let base = digest(&ledger);
        assert_eq!(base, digest(&ledger.clone()), "deterministic");
        assert_ne!(base, digest(&[entry("a", 10), entry("b", 21)]));
        assert_ne!(base, digest(&[entry("a", 10), entry("c", 20)]));
        assert_ne!(base, digest(&[entry("b", 20), entry("a", 10)]));
        // The separators keep ("ab", "") and ("a", "b") apart.
        assert_ne!(
            digest(&[entry("ab", 1), entry("", 1)]),
            digest(&[entry("a", 1), entry("b", 1)])
        );
        let mut later = ledger.clone();
        later[0].occurred_at = at + chrono::Duration::seconds(1);
        assert_ne!(base, digest(&later));
        assert_ne!(digest(&[]), base);
        // The same ledger filed under another organisation is another set of rows.
        let org = crate::OrgId(uuid::Uuid::from_u128(7));
        assert_ne!(base, ledger_digest(&ledger, Some(org)));
    }
}
