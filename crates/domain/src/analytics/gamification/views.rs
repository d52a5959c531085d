//! The gamification endpoint outputs (README rows G1, G2, G4; G3 is
//! [`Leaderboards::view`](super::Leaderboards::view)).
//!
//! Inputs: a [`GamificationSubject`] (record, catalogue, clock in the subject's timezone,
//! active role, the badges already awarded to `(userId, role)`), the batch's
//! [`RarityTable`], and for G1 the `optOutLeaderboards` preference and the requester's
//! view of [`STATS_BOARD`](super::leaderboard::STATS_BOARD).
//!
//! - **G1 stats** = the output of `GET /api/v1/gamification/{userId}` (8.5):
//!   `{totalPoints, weeklyPoints, monthlyPoints, pointsBreakdown, currentStreak,
//!   longestStreak, streakCalendar [{date, active}] (30 d), consistencyStatus {label,
//!   activeDaysPerWeek}, velocityStatus {label, coursesPerMonth}, momentumState,
//!   momentumRun, badges, earnedCount, totalBadges, nextMilestone, leaderboard?,
//!   optOutLeaderboards}`. **Decided here**: `badges` lists the earned badges (G2 lists
//!   all); `totalBadges` is the size of the role's catalogue (27 for learners, 4 otherwise);
//!   `leaderboard` is the requester's view of the points / organization / monthly board and
//!   `null` when the user opted out of leaderboards or has no such board.
//! - **G2 achievements** = every badge of the role's catalogue with progress, earned or
//!   not: `{badges, earnedCount, totalBadges, nextMilestone}` **(decided here: the counts
//!   and next milestone as in G1)**.
//! - **G4 streak** = `{currentStreak, longestStreak, streakCalendar}` (8.2).
//!
//! Every field is defined for every subject (an empty learner has zeros, an empty
//! calendar, unearned badges), so these return the output directly, not an `Analysis`.

use super::badges::{self, Badge, BadgeAward, BadgeFacts, NextMilestone, RarityTable};
use super::leaderboard::LeaderboardView;
use super::points::{self, PointsBreakdown};
use super::streaks::{self, CalendarDay, ConsistencyStatus, MomentumState, VelocityStatus};
use super::{Period, streaks::StreakState};
use crate::analytics::activity;
use crate::analytics::{Catalog, Clock, LearnerRecord};
use crate::role::Role;
use serde::Serialize;

/// One `(userId, role)` with its inputs.
#[derive(Debug, Clone, Copy)]
pub struct GamificationSubject<'a> {
    pub record: &'a LearnerRecord,
    pub catalog: &'a Catalog,
    /// `now` and the subject's timezone.
    pub clock: &'a Clock,
    pub role: Role,
    /// The badges already awarded to `(userId, role)` (permanent).
    pub awards: &'a [BadgeAward],
}

impl GamificationSubject<'_> {
    fn active(&self) -> bool {
        activity::any_activity(self.record, self.clock)
    }

    fn badges(&self, rarity: &RarityTable) -> (Vec<Badge>, Option<NextMilestone>) {
        let facts = BadgeFacts::of(self.record, self.clock);
        let all = badges::evaluate(&facts, self.role, self.awards, rarity, self.active());
        let next = badges::next_milestone(&all, &facts);
        (all, next)
    }

    /// What the batch stores for this subject (decision 16): the ledger entries, the badge
    /// awards not yet stored, and the streak state.
    pub fn state_updates(&self) -> (Vec<points::LedgerEntry>, Vec<BadgeAward>, StreakState) {
        let ledger = points::ledger(self.record, self.clock, self.role);
        let facts = BadgeFacts::of(self.record, self.clock);
        (
            ledger.entries,
            badges::new_awards(&facts, self.role, self.awards),
            streaks::streak_state(self.record, self.clock),
        )
    }
}

/// G1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GamificationStats {
    pub total_points: i64,
    pub weekly_points: i64,
    pub monthly_points: i64,
    pub points_breakdown: PointsBreakdown,
    pub current_streak: u32,
    pub longest_streak: u32,
    pub streak_calendar: Vec<CalendarDay>,
    pub consistency_status: ConsistencyStatus,
    pub velocity_status: VelocityStatus,
    pub momentum_state: MomentumState,
    pub momentum_run: u32,
    pub badges: Vec<Badge>,
    pub earned_count: usize,
    pub total_badges: usize,
    pub next_milestone: Option<NextMilestone>,
    pub leaderboard: Option<LeaderboardView>,
    pub opt_out_leaderboards: bool,
}

pub fn stats(
    subject: &GamificationSubject,
    rarity: &RarityTable,
    opt_out_leaderboards: bool,
    leaderboard: Option<LeaderboardView>,
) -> GamificationStats {
    let clock = subject.clock;
    let ledger = points::ledger(subject.record, clock, subject.role);
    let st = streaks::statuses(subject.record, subject.catalog, clock);
    let (all, next_milestone) = subject.badges(rarity);
    let total_badges = all.len();
    let earned: Vec<Badge> = all.into_iter().filter(|b| b.earned).collect();
    GamificationStats {
        total_points: points::total(&ledger),
        weekly_points: points::points_in(&ledger, clock, Period::Weekly),
        monthly_points: points::points_in(&ledger, clock, Period::Monthly),
        points_breakdown: points::breakdown(&ledger),
        current_streak: st.current_streak,
        longest_streak: st.longest_streak,
        streak_calendar: st.streak_calendar,
        consistency_status: st.consistency,
        velocity_status: st.velocity,
        momentum_state: st.momentum_state,
        momentum_run: st.momentum_run,
        earned_count: earned.len(),
        badges: earned,
        total_badges,
        next_milestone,
        leaderboard: leaderboard.filter(|_| !opt_out_leaderboards),
        opt_out_leaderboards,
    }
}

/// G2.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievements {
    pub badges: Vec<Badge>,
    pub earned_count: usize,
    pub total_badges: usize,
    pub next_milestone: Option<NextMilestone>,
}

pub fn achievements(subject: &GamificationSubject, rarity: &RarityTable) -> Achievements {
    let (badges, next_milestone) = subject.badges(rarity);
    Achievements {
        earned_count: badges.iter().filter(|b| b.earned).count(),
        total_badges: badges.len(),
        badges,
        next_milestone,
    }
}

/// G4.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreakView {
    pub current_streak: u32,
    pub longest_streak: u32,
    pub streak_calendar: Vec<CalendarDay>,
}

pub fn streak(subject: &GamificationSubject) -> StreakView {
    let clock = subject.clock;
    let days = activity::login_days(subject.record, clock);
    StreakView {
        current_streak: activity::current_streak(&days, clock.today()),
        longest_streak: activity::longest_streak(&days),
        streak_calendar: streaks::streak_calendar(&days, clock.today()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::leaderboard::{
        BoardScope, BoardType, Leaderboards, Requester, STATS_BOARD, build_participants,
    };
    use super::super::testkit::*;
    use super::*;
    use crate::analytics::Analysis;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn subject<'a>(
        record: &'a LearnerRecord,
        catalog: &'a Catalog,
        clock: &'a Clock,
        role: Role,
        awards: &'a [BadgeAward],
    ) -> GamificationSubject<'a> {
        GamificationSubject {
            record,
            catalog,
            clock,
            role,
            awards,
        }
    }

    /// A learner with a bit of everything (all times 10:00 UTC, now 15 June 12:00).
    fn busy_learner() -> LearnerRecord {
        let mut r = learner(1);
        // Courses completed on 1, 8 and 15 June (run of 3, gaps of 7 days).
        for (k, d) in [1i64, 8, 15].into_iter().enumerate() {
            r.enrollments.push(enrollment(
                k as u128,
                10 + k as u128,
                day(-29),
                Some(day(d)),
            ));
        }
        r.user_skills.push(skill(30, Some(day(9))));
        // Assessment 20: 80% then 100% (top-up 20); passed.
        r.attempts.push(attempt(1, 20, 1, day(3), 8.0, 10.0, true));
        r.attempts
            .push(attempt(2, 20, 2, day(14), 10.0, 10.0, true));
        r.practice.push(practice(40, day(15), true));
        // Logins on 9..=15 June: 7 days in a row.
        login_on(&mut r, 9..=15);
        r.sort();
        r
    }

    #[test]
    fn g1_stats_of_a_busy_learner() {
        let r = busy_learner();
        let catalog = Catalog::default();
        let c = clock();
        let s = stats(
            &subject(&r, &catalog, &c, Role::Learner, &[]),
            &RarityTable::default(),
            false,
            None,
        );
        // 3 * 100 + 50 + (80 + 20) + 10 + 6 streak days (10..15) * 5 = 490.
        assert_eq!(s.total_points, 490);
        assert_eq!(
            s.points_breakdown,
            PointsBreakdown {
                courses: 300,
                skills: 50,
                assessments: 100,
                practice: 10,
                streak: 30
            }
        );
        // ISO week of Monday 15 June: course 100 + practice 10 + streak 5 = 115.
        assert_eq!(s.weekly_points, 115);
        assert_eq!(s.monthly_points, 490);
        assert_eq!((s.current_streak, s.longest_streak), (7, 7));
        assert_eq!(s.streak_calendar.iter().filter(|d| d.active).count(), 7);
        // Active days in 28 d: logins 9..15 plus the attempt on the 3rd (enrollment
        // completions are not activity events) = 8 days -> 2.00 per week -> Building
        // Consistency.
        assert_eq!(s.consistency_status.active_days_per_week, 2.0);
        // First enrollment 2 May, 44 days ago: 3 / max(1, 44 / 30) = 2.045 -> 2.05 ->
        // Steady Learner.
        assert_eq!(s.velocity_status.courses_per_month, 2.05);
        assert_eq!(
            serde_json::to_value(s.velocity_status).unwrap()["label"],
            "Steady Learner"
        );
        // This week 7 active days, 2+ completions (course on the 15th, assessment 20 passed
        // on the 14th) -> On Fire.
        assert_eq!(s.momentum_state, MomentumState::OnFire);
        assert_eq!(s.momentum_run, 3);
        let earned: Vec<&str> = s.badges.iter().map(|b| b.badge_id).collect();
        assert_eq!(
            earned,
            vec![
                "course-master-bronze",
                "skill-champion-apprentice",
                "top-performer-achiever",
                "streak-week-warrior",
                "momentum-building-momentum",
                "first-steps",
                "completionist",
            ]
        );
        assert_eq!((s.earned_count, s.total_badges), (7, 27));
        let json = serde_json::to_value(&s).unwrap();
        let keys: BTreeSet<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let expected: BTreeSet<&str> = [
            "totalPoints",
            "weeklyPoints",
            "monthlyPoints",
            "pointsBreakdown",
            "currentStreak",
            "longestStreak",
            "streakCalendar",
            "consistencyStatus",
            "velocityStatus",
            "momentumState",
            "momentumRun",
            "badges",
            "earnedCount",
            "totalBadges",
            "nextMilestone",
            "leaderboard",
            "optOutLeaderboards",
        ]
        .into_iter()
        .collect();
        assert_eq!(keys, expected);
        assert_eq!(json["momentumState"], "On Fire");
        assert_eq!(json["leaderboard"], serde_json::Value::Null);
        assert_eq!(json["badges"][0]["tier"], "bronze");
        assert_eq!(json["badges"][5]["tier"], serde_json::Value::Null);
        assert_eq!(json["badges"][0]["rarity"], serde_json::Value::Null);
    }

    #[test]
    fn g2_lists_every_badge_and_g4_the_streak() {
        let r = busy_learner();
        let catalog = Catalog::default();
        let c = clock();
        let sub = subject(&r, &catalog, &c, Role::Learner, &[]);
        let a = achievements(&sub, &RarityTable::default());
        assert_eq!(
            (a.badges.len(), a.earned_count, a.total_badges),
            (27, 7, 27)
        );
        // Closest unearned: course-master-silver 3/6 = 0.5 vs skill-builder 1/5,
        // assessment-ace 1/10, momentum-on-a-roll 3/5 = 0.6 -> on-a-roll.
        let next = a.next_milestone.unwrap();
        assert_eq!(next.badge_id, "momentum-on-a-roll");
        // Needs 5 - 3 = 2 more completions at 3 in 30 d: ceil(2 * 30 / 3) = 20 days.
        assert_eq!(next.estimated_days, Some(20));
        let g4 = streak(&sub);
        assert_eq!((g4.current_streak, g4.longest_streak), (7, 7));
        assert_eq!(g4.streak_calendar.len(), 30);
        let json = serde_json::to_value(&g4).unwrap();
        assert_eq!(json["streakCalendar"][29]["date"], "2026-06-15");
        assert_eq!(json["streakCalendar"][29]["active"], true);
        // A trainer: streak points and the 4 streak badges only.
        let t = stats(
            &subject(&r, &catalog, &c, Role::Trainer, &[]),
            &RarityTable::default(),
            false,
            None,
        );
        assert_eq!(t.total_points, 30);
        assert_eq!((t.earned_count, t.total_badges), (1, 4));
        let (ledger, awards, state) = subject(&r, &catalog, &c, Role::Trainer, &[]).state_updates();
        assert_eq!(ledger.len(), 6);
        assert_eq!(awards.len(), 1);
        assert_eq!(state.current_streak, 7);
    }

    #[test]
    fn an_empty_learner_and_an_opted_out_learner() {
        let r = learner(1);
        let catalog = Catalog::default();
        let c = clock();
        let sub = subject(&r, &catalog, &c, Role::Learner, &[]);
        // A board of 12 learners of the same org.
        let mut records: Vec<LearnerRecord> = (2..=13).map(learner).collect();
        records.push(r.clone());
        let boards = Leaderboards::build(
            build_participants(&records, now(), Role::Learner, &BTreeSet::new()),
            &[],
        );
        let (t, sc, w) = STATS_BOARD;
        let Analysis::Ready(view) = boards.view(&Requester::of(&r.user), t, sc, w) else {
            panic!()
        };
        assert_eq!((t, sc), (BoardType::Points, BoardScope::Organization));
        let s = stats(&sub, &RarityTable::default(), false, Some(view.clone()));
        assert_eq!(
            (s.total_points, s.current_streak, s.earned_count),
            (0, 0, 0)
        );
        assert_eq!(s.momentum_state, MomentumState::Steady);
        assert!(s.badges.is_empty());
        // Everyone at 0: 12 ties of 12 others -> 50 -> top_50.
        let board = s.leaderboard.as_ref().unwrap().board.shown().unwrap();
        assert_eq!(board.your_percentile, Some(50));
        assert_eq!(s.next_milestone.unwrap().badge_id, "course-master-bronze");
        // Opted out: no leaderboard in G1.
        let s = stats(&sub, &RarityTable::default(), true, Some(view));
        assert!(s.opt_out_leaderboards && s.leaderboard.is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn views_are_finite_and_deterministic(
            logins in prop::collection::vec(-40i64..16, 0..40),
            completions in prop::collection::vec((0u128..6, -40i64..16), 0..8),
            scores in prop::collection::vec((0u128..5, -40i64..16, 0.0f64..12.0), 0..10),
            trainer in any::<bool>(),
        ) {
            let mut r = learner(1);
            login_on(&mut r, logins.iter().copied());
            for (k, (c, d)) in completions.iter().enumerate() {
                r.enrollments.push(enrollment(k as u128, 10 + c, day(d - 3), Some(day(*d))));
            }
            for (k, (a, d, s)) in scores.iter().enumerate() {
                r.attempts.push(attempt(k as u128, 20 + a, k as i32, day(*d), *s, 10.0, *s >= 7.0));
            }
            r.sort();
            let catalog = Catalog::default();
            let c = clock();
            let role = if trainer { Role::Trainer } else { Role::Learner };
            let sub = subject(&r, &catalog, &c, role, &[]);
            let rarity = RarityTable { active_learners: 50, holders: Default::default() };
            let s = stats(&sub, &rarity, false, None);
            prop_assert_eq!(&s, &stats(&sub, &rarity, false, None));
            let json = serde_json::to_string(&s).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            prop_assert!(s.weekly_points <= s.total_points && s.monthly_points <= s.total_points);
            prop_assert!(s.earned_count <= s.total_badges);
            prop_assert_eq!(s.total_badges, if trainer { 4 } else { 27 });
            prop_assert!(s.badges.iter().all(|b| b.earned && b.rarity_pct == Some(0.0)));
            let a = achievements(&sub, &rarity);
            prop_assert_eq!(a.earned_count, s.earned_count);
            prop_assert_eq!(&a.next_milestone, &s.next_milestone);
            let g4 = streak(&sub);
            prop_assert_eq!((g4.current_streak, g4.longest_streak), (s.current_streak, s.longest_streak));
        }
    }
}
