//! Badges (`analytics.md` 8.3; README G1, G2): the catalogue as data, each badge's progress
//! `{current, target}`, earned flags and dates, rarity, and the next milestone.
//!
//! Inputs: a [`LearnerRecord`] (through [`BadgeFacts`]), the [`Clock`], the active
//! [`Role`], the badges already awarded to `(userId, role)` ([`BadgeAward`]; badges are
//! permanent, decided in the spec), and a [`RarityTable`] built once per batch over all
//! learners ([`RarityTable::build`], [`RarityTable::from_records`]).
//!
//! | Family (`badgeId` prefix) | Counted fact | Tier thresholds |
//! |---|---|---|
//! | Course Master `course-master` | completed courses | bronze 1, silver 6, gold 16, platinum 31 |
//! | Skill Champion `skill-champion` | acquired skills | apprentice 1, expert 11, master 26, grandmaster 51 |
//! | Top Performer `top-performer` | distinct assessments with a perfect score | achiever 1, perfectionist 3, flawless 5, legendary 10 |
//! | Path Pioneer `path-pioneer` | completed learning paths (100% topics) | explorer 1, navigator 2, trailblazer 3, pathfinder 5 |
//! | Streak `streak` | longestStreak | week-warrior 7, month-master 30, quarter-champion 90, year-legend 365 |
//! | Momentum `momentum` | longest momentum run | building-momentum 3, on-a-roll 5, unstoppable 10 |
//!
//! Single milestones (family `milestone`, `tier` null): `first-steps` (first completed
//! course), `skill-builder` (5 acquired skills), `assessment-ace` (10 distinct assessments
//! passed), `completionist` (all enrolled courses completed, >= 2 enrollments, decided in the
//! spec). 27 badges in all; `trainer`, `org-admin` and `platform-admin` see and earn only the
//! 4 `streak` badges.
//!
//! - A badge is earned when its fact reaches the target (`>=`), or when it was awarded
//!   before (permanent). `progress.current = min(fact, target)`, and `= target` for an
//!   earned badge.
//! - `rarityPct = holders / learners with any activity * 100` (1 dp), over the `learner`
//!   role; labels common `>= 50`, uncommon `>= 20`, rare `>= 5`, epic `>= 1`, legendary `< 1`
//!   (decided in the spec), taken from the unrounded value. Rarity is a statistic about
//!   other people: with fewer than K = 10 active learners besides the subject, `rarity` and
//!   `rarityPct` are `null` **(decided here)**.
//! - `nextMilestone` = the unearned badge with the highest `current/target` (ties: fewer
//!   remaining, then catalogue order).
//!
//! Decided here:
//! - **`badgeId`** = `<family>-<tier>` (e.g. `course-master-silver`, matching the spec's
//!   `streak-month-master`), or the milestone's name; `data.md`'s `course-master:silver`
//!   example is not used. Badge names and descriptions are the templates of [`CATALOGUE`].
//! - **Completionist** counts courses with a non-dropped enrollment; its target is
//!   `max(2, enrolled courses)` and its current the completed ones.
//! - **`earnedDate`** (the subject's calendar day) comes from the stored award, else from
//!   the instant the fact first reached the target (the n-th completion, the day the streak
//!   reached n days, ...), which is also the `earnedAt` of [`new_awards`].
//! - **`estimatedTime`** uses the learner's rate over the last 30 calendar days: `days =
//!   ceil(needed / (increments in 30 d / 30))`, `null` when the rate is 0. Streak badges
//!   need `target - currentStreak` more consecutive login days (one a day). Momentum badges
//!   need `target - current momentum run` more completions at the recent course-completion
//!   rate; completionist the missing completions at that rate. Text: "1 day", "N days"
//!   (< 14), "N weeks" (<= 56 days, `ceil(days/7)`), else "N months" (`ceil(days/30)`).
//!   `nextMilestone` carries `{badgeId, name, description, progress, remaining,
//!   estimatedDays, estimatedTime}`.

use super::earns_learning_rewards;
use super::facts::{self, Runs};
use crate::analytics::activity;
use crate::analytics::common::round_dp;
use crate::analytics::{Clock, Guarded, LearnerRecord};
use crate::ids::{CourseId, UserId};
use crate::model::EnrollmentStatus;
use crate::role::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

type Ts = DateTime<Utc>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BadgeFamily {
    CourseMaster,
    SkillChampion,
    TopPerformer,
    PathPioneer,
    Streak,
    Momentum,
    Milestone,
}

/// The fact a badge counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    CompletedCourses,
    AcquiredSkills,
    PerfectAssessments,
    CompletedPaths,
    LongestStreak,
    LongestMomentumRun,
    PassedAssessments,
    /// Completed courses out of the non-dropped enrolled ones (completionist).
    AllEnrolledCompleted,
}

/// One badge of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadgeDef {
    pub id: &'static str,
    pub family: BadgeFamily,
    pub tier: Option<&'static str>,
    pub name: &'static str,
    pub description: &'static str,
    pub fact: Fact,
    /// The threshold (completionist: the minimum, 2).
    pub target: u32,
}

const fn def(
    id: &'static str,
    family: BadgeFamily,
    tier: Option<&'static str>,
    name: &'static str,
    description: &'static str,
    fact: Fact,
    target: u32,
) -> BadgeDef {
    BadgeDef {
        id,
        family,
        tier,
        name,
        description,
        fact,
        target,
    }
}

use BadgeFamily as F;
use Fact as X;

/// The badge catalogue of 8.3, in display order.
#[rustfmt::skip]
pub const CATALOGUE: [BadgeDef; 27] = [
    def("course-master-bronze", F::CourseMaster, Some("bronze"), "Course Master Bronze", "Complete 1 course", X::CompletedCourses, 1),
    def("course-master-silver", F::CourseMaster, Some("silver"), "Course Master Silver", "Complete 6 courses", X::CompletedCourses, 6),
    def("course-master-gold", F::CourseMaster, Some("gold"), "Course Master Gold", "Complete 16 courses", X::CompletedCourses, 16),
    def("course-master-platinum", F::CourseMaster, Some("platinum"), "Course Master Platinum", "Complete 31 courses", X::CompletedCourses, 31),
    def("skill-champion-apprentice", F::SkillChampion, Some("apprentice"), "Skill Champion Apprentice", "Acquire 1 skill", X::AcquiredSkills, 1),
    def("skill-champion-expert", F::SkillChampion, Some("expert"), "Skill Champion Expert", "Acquire 11 skills", X::AcquiredSkills, 11),
    def("skill-champion-master", F::SkillChampion, Some("master"), "Skill Champion Master", "Acquire 26 skills", X::AcquiredSkills, 26),
    def("skill-champion-grandmaster", F::SkillChampion, Some("grandmaster"), "Skill Champion Grandmaster", "Acquire 51 skills", X::AcquiredSkills, 51),
    def("top-performer-achiever", F::TopPerformer, Some("achiever"), "Top Performer Achiever", "Score 100% on 1 assessment", X::PerfectAssessments, 1),
    def("top-performer-perfectionist", F::TopPerformer, Some("perfectionist"), "Top Performer Perfectionist", "Score 100% on 3 different assessments", X::PerfectAssessments, 3),
    def("top-performer-flawless", F::TopPerformer, Some("flawless"), "Top Performer Flawless", "Score 100% on 5 different assessments", X::PerfectAssessments, 5),
    def("top-performer-legendary", F::TopPerformer, Some("legendary"), "Top Performer Legendary", "Score 100% on 10 different assessments", X::PerfectAssessments, 10),
    def("path-pioneer-explorer", F::PathPioneer, Some("explorer"), "Path Pioneer Explorer", "Complete 1 learning path", X::CompletedPaths, 1),
    def("path-pioneer-navigator", F::PathPioneer, Some("navigator"), "Path Pioneer Navigator", "Complete 2 learning paths", X::CompletedPaths, 2),
    def("path-pioneer-trailblazer", F::PathPioneer, Some("trailblazer"), "Path Pioneer Trailblazer", "Complete 3 learning paths", X::CompletedPaths, 3),
    def("path-pioneer-pathfinder", F::PathPioneer, Some("pathfinder"), "Path Pioneer Pathfinder", "Complete 5 learning paths", X::CompletedPaths, 5),
    def("streak-week-warrior", F::Streak, Some("week-warrior"), "Week Warrior", "Log in 7 days in a row", X::LongestStreak, 7),
    def("streak-month-master", F::Streak, Some("month-master"), "Month Master", "Log in 30 days in a row", X::LongestStreak, 30),
    def("streak-quarter-champion", F::Streak, Some("quarter-champion"), "Quarter Champion", "Log in 90 days in a row", X::LongestStreak, 90),
    def("streak-year-legend", F::Streak, Some("year-legend"), "Year Legend", "Log in 365 days in a row", X::LongestStreak, 365),
    def("momentum-building-momentum", F::Momentum, Some("building-momentum"), "Building Momentum", "Complete 3 courses in a row, each within 7 days of the previous", X::LongestMomentumRun, 3),
    def("momentum-on-a-roll", F::Momentum, Some("on-a-roll"), "On a Roll", "Complete 5 courses in a row, each within 7 days of the previous", X::LongestMomentumRun, 5),
    def("momentum-unstoppable", F::Momentum, Some("unstoppable"), "Unstoppable", "Complete 10 courses in a row, each within 7 days of the previous", X::LongestMomentumRun, 10),
    def("first-steps", F::Milestone, None, "First Steps", "Complete your first course", X::CompletedCourses, 1),
    def("skill-builder", F::Milestone, None, "Skill Builder", "Acquire 5 skills", X::AcquiredSkills, 5),
    def("assessment-ace", F::Milestone, None, "Assessment Ace", "Pass 10 different assessments", X::PassedAssessments, 10),
    def("completionist", F::Milestone, None, "Completionist", "Complete every course you are enrolled in (at least 2)", X::AllEnrolledCompleted, 2),
];

/// The badges a role can earn: all for `learner`, the streak family for the other roles.
pub fn catalogue_for(role: Role) -> impl Iterator<Item = &'static BadgeDef> {
    let all = earns_learning_rewards(role);
    CATALOGUE
        .iter()
        .filter(move |d| all || d.family == BadgeFamily::Streak)
}

pub fn find(badge_id: &str) -> Option<&'static BadgeDef> {
    CATALOGUE.iter().find(|d| d.id == badge_id)
}

/// A stored badge award of `(userId, role)` (`BadgeAward {userId, role, badgeId, earnedAt}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BadgeAward {
    pub badge_id: String,
    pub earned_at: DateTime<Utc>,
}

/// The facts one learner's badges count, with the instants they were reached.
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeFacts {
    clock: Clock,
    completed_courses: Vec<Ts>,
    acquired_skills: Vec<Ts>,
    perfect: Vec<Ts>,
    passed: Vec<Ts>,
    paths: Vec<Ts>,
    streak: Runs,
    current_streak: u32,
    momentum: Runs,
    current_momentum_run: u32,
    enrolled_courses: u32,
}

impl BadgeFacts {
    pub fn of(record: &LearnerRecord, clock: &Clock) -> Self {
        let completions = facts::course_completions(record, clock);
        let momentum = facts::momentum_runs(&completions, clock);
        let login_days = activity::login_days(record, clock);
        let enrolled: BTreeSet<CourseId> = record
            .enrollments
            .iter()
            .filter(|e| e.status != EnrollmentStatus::Dropped && e.enrolled_at <= clock.now)
            .map(|e| e.course_id)
            .chain(completions.iter().map(|c| c.course_id))
            .collect();
        BadgeFacts {
            clock: *clock,
            completed_courses: completions.iter().map(|c| c.completed_at).collect(),
            acquired_skills: facts::skill_acquisitions(record, clock)
                .into_iter()
                .map(|(_, at)| at)
                .collect(),
            perfect: facts::perfect_scores(record, clock),
            passed: facts::passed_assessments(record, clock),
            paths: facts::path_completions(record, clock),
            streak: facts::login_runs(record, clock),
            current_streak: activity::current_streak(&login_days, clock.today()),
            current_momentum_run: facts::current_momentum_run(&momentum, clock.today()),
            momentum,
            enrolled_courses: enrolled.len() as u32,
        }
    }

    /// The instants at which the fact's count rose to 1, 2, ... .
    fn timeline(&self, fact: Fact) -> &[Ts] {
        match fact {
            Fact::CompletedCourses | Fact::AllEnrolledCompleted => &self.completed_courses,
            Fact::AcquiredSkills => &self.acquired_skills,
            Fact::PerfectAssessments => &self.perfect,
            Fact::PassedAssessments => &self.passed,
            Fact::CompletedPaths => &self.paths,
            Fact::LongestStreak => &self.streak.reached,
            Fact::LongestMomentumRun => &self.momentum.reached,
        }
    }

    pub fn value(&self, fact: Fact) -> u32 {
        self.timeline(fact).len() as u32
    }

    pub fn target(&self, def: &BadgeDef) -> u32 {
        match def.fact {
            Fact::AllEnrolledCompleted => def.target.max(self.enrolled_courses),
            _ => def.target,
        }
    }

    /// Whether the fact reaches the badge's target now.
    pub fn reached(&self, def: &BadgeDef) -> bool {
        self.value(def.fact) >= self.target(def)
    }

    /// The instant the fact first reached the target (for completionist: the last
    /// completion, when every enrolled course is completed).
    pub fn reached_at(&self, def: &BadgeDef) -> Option<Ts> {
        if !self.reached(def) {
            return None;
        }
        let timeline = self.timeline(def.fact);
        match def.fact {
            Fact::AllEnrolledCompleted => timeline.last().copied(),
            _ => timeline.get(self.target(def) as usize - 1).copied(),
        }
    }

    /// Increments of the fact in the last 30 calendar days (today included).
    fn recent(&self, fact: Fact) -> u32 {
        let today = self.clock.today();
        let first = today - Duration::days(RATE_DAYS - 1);
        self.timeline(fact)
            .iter()
            .filter(|t| {
                let d = self.clock.local_date(**t);
                d >= first && d <= today
            })
            .count() as u32
    }

    /// Days until `def` is likely reached (see the module doc); `None` without a recent
    /// rate or when already reached.
    pub fn estimated_days(&self, def: &BadgeDef) -> Option<i64> {
        let target = self.target(def);
        let value = self.value(def.fact);
        if value >= target {
            return None;
        }
        let (needed, rate_fact) = match def.fact {
            Fact::LongestStreak => {
                return Some(i64::from(target.saturating_sub(self.current_streak)).max(1));
            }
            Fact::LongestMomentumRun => (
                target.saturating_sub(self.current_momentum_run),
                Fact::CompletedCourses,
            ),
            fact => (target - value, fact),
        };
        // ceil(needed / (recent / 30)) in exact integer arithmetic.
        let recent = i64::from(self.recent(rate_fact));
        (recent > 0).then(|| ((i64::from(needed) * RATE_DAYS + recent - 1) / recent).max(1))
    }
}

/// The span of the recent rate behind `estimatedTime`, in calendar days.
pub const RATE_DAYS: i64 = 30;

/// `estimatedTime` text for a number of days.
pub fn describe_days(days: i64) -> String {
    if days <= 1 {
        "1 day".to_owned()
    } else if days < 14 {
        format!("{days} days")
    } else if days <= 56 {
        format!("{} weeks", (days + 6) / 7)
    } else {
        let months = (days + 29) / 30;
        format!("{months} months")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub current: u32,
    pub target: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RarityLabel {
    Common,
    Uncommon,
    Rare,
    Epic,
    Legendary,
}

pub fn rarity_label(pct: f64) -> RarityLabel {
    if pct >= 50.0 {
        RarityLabel::Common
    } else if pct >= 20.0 {
        RarityLabel::Uncommon
    } else if pct >= 5.0 {
        RarityLabel::Rare
    } else if pct >= 1.0 {
        RarityLabel::Epic
    } else {
        RarityLabel::Legendary
    }
}

/// `Badge {badgeId, family, tier?, name, earned, earnedDate?, description, progress
/// {current, target}, rarity, rarityPct}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    pub badge_id: &'static str,
    pub family: BadgeFamily,
    pub tier: Option<&'static str>,
    pub name: &'static str,
    pub earned: bool,
    pub earned_date: Option<NaiveDate>,
    pub description: &'static str,
    pub progress: Progress,
    pub rarity: Option<RarityLabel>,
    pub rarity_pct: Option<f64>,
}

/// How many learners hold each badge, over the learners with any activity; built once per
/// batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RarityTable {
    pub active_learners: usize,
    pub holders: BTreeMap<String, usize>,
}

impl RarityTable {
    /// From plain per-learner facts: `(has any activity, earned badge ids)`. Learners without
    /// activity count neither as learners nor as holders.
    pub fn build<I, B, S>(learners: I) -> Self
    where
        I: IntoIterator<Item = (bool, B)>,
        B: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut table = RarityTable::default();
        for (active, earned) in learners {
            if !active {
                continue;
            }
            table.active_learners += 1;
            let distinct: BTreeSet<String> =
                earned.into_iter().map(|s| s.as_ref().to_owned()).collect();
            for id in distinct {
                *table.holders.entry(id).or_default() += 1;
            }
        }
        table
    }

    /// Over the records of users holding the `learner` role, each in its own timezone, with
    /// their stored learner-role awards.
    pub fn from_records(
        records: &[LearnerRecord],
        now: DateTime<Utc>,
        awards: &BTreeMap<UserId, Vec<BadgeAward>>,
    ) -> Self {
        RarityTable::build(
            records
                .iter()
                .filter(|r| r.user.roles.contains(&Role::Learner))
                .map(|r| {
                    let clock = Clock::in_zone(now, r.user.timezone.as_deref());
                    let active = activity::any_activity(r, &clock);
                    let facts = BadgeFacts::of(r, &clock);
                    let stored = awards.get(&r.id()).map(Vec::as_slice).unwrap_or(&[]);
                    (active, earned_ids(&facts, Role::Learner, stored))
                }),
        )
    }

    /// `(label, rarityPct)` of a badge, `None` when fewer than K active learners besides the
    /// subject.
    pub fn rarity(&self, badge_id: &str, subject_active: bool) -> Option<(RarityLabel, f64)> {
        let others = self.active_learners - usize::from(subject_active && self.active_learners > 0);
        Guarded::new(others, || {
            let holders = self.holders.get(badge_id).copied().unwrap_or(0);
            let pct =
                holders.min(self.active_learners) as f64 / self.active_learners as f64 * 100.0;
            (rarity_label(pct), round_dp(pct, 1))
        })
        .shown()
        .copied()
    }
}

fn awarded<'a>(def: &BadgeDef, awards: &'a [BadgeAward]) -> Option<&'a BadgeAward> {
    awards
        .iter()
        .filter(|a| a.badge_id == def.id)
        .min_by_key(|a| a.earned_at)
}

/// The ids of the badges `role` holds: awarded before or reached now.
pub fn earned_ids(facts: &BadgeFacts, role: Role, awards: &[BadgeAward]) -> Vec<&'static str> {
    catalogue_for(role)
        .filter(|d| awarded(d, awards).is_some() || facts.reached(d))
        .map(|d| d.id)
        .collect()
}

/// Every badge of the role's catalogue with progress, earned flag, date and rarity.
pub fn evaluate(
    facts: &BadgeFacts,
    role: Role,
    awards: &[BadgeAward],
    rarity: &RarityTable,
    subject_active: bool,
) -> Vec<Badge> {
    catalogue_for(role)
        .map(|d| {
            let target = facts.target(d);
            let award = awarded(d, awards);
            let earned = award.is_some() || facts.reached(d);
            let earned_at = award
                .map(|a| a.earned_at)
                .or_else(|| facts.reached_at(d))
                .filter(|_| earned);
            let (label, pct) = rarity.rarity(d.id, subject_active).unzip();
            Badge {
                badge_id: d.id,
                family: d.family,
                tier: d.tier,
                name: d.name,
                earned,
                earned_date: earned
                    .then(|| earned_at.map_or(facts.clock.today(), |t| facts.clock.local_date(t))),
                description: d.description,
                progress: Progress {
                    current: if earned {
                        target
                    } else {
                        facts.value(d.fact).min(target)
                    },
                    target,
                },
                rarity: label,
                rarity_pct: pct,
            }
        })
        .collect()
}

/// The awards to store now: badges reached but not yet awarded, with the instant they were
/// reached as `earnedAt` (decision 16: idempotent, so re-running adds nothing).
pub fn new_awards(facts: &BadgeFacts, role: Role, awards: &[BadgeAward]) -> Vec<BadgeAward> {
    catalogue_for(role)
        .filter(|d| awarded(d, awards).is_none() && facts.reached(d))
        .map(|d| BadgeAward {
            badge_id: d.id.to_owned(),
            earned_at: facts
                .reached_at(d)
                .filter(|t| *t <= facts.clock.now)
                .unwrap_or(facts.clock.now),
        })
        .collect()
}

/// `nextMilestone`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NextMilestone {
    pub badge_id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub progress: Progress,
    pub remaining: u32,
    pub estimated_days: Option<i64>,
    pub estimated_time: Option<String>,
}

/// The unearned badge with the highest `current/target` (ties: fewer remaining, then
/// catalogue order); `None` when every badge is earned.
pub fn next_milestone(badges: &[Badge], facts: &BadgeFacts) -> Option<NextMilestone> {
    let mut best: Option<&Badge> = None;
    for b in badges.iter().filter(|b| !b.earned && b.progress.target > 0) {
        let better = best.is_none_or(|c| {
            // current/target compared exactly by cross-multiplication.
            let lhs = u64::from(b.progress.current) * u64::from(c.progress.target);
            let rhs = u64::from(c.progress.current) * u64::from(b.progress.target);
            let remaining = |x: &Badge| x.progress.target - x.progress.current;
            lhs > rhs || (lhs == rhs && remaining(b) < remaining(c))
        });
        if better {
            best = Some(b);
        }
    }
    let b = best?;
    let def = find(b.badge_id)?;
    let estimated_days = facts.estimated_days(def);
    Some(NextMilestone {
        badge_id: b.badge_id,
        name: b.name,
        description: b.description,
        progress: b.progress,
        remaining: b.progress.target - b.progress.current,
        estimated_days,
        estimated_time: estimated_days.map(describe_days),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::EnrollmentStatus;
    use proptest::prelude::*;

    fn badges_of(r: &LearnerRecord, role: Role, awards: &[BadgeAward]) -> Vec<Badge> {
        let facts = BadgeFacts::of(r, &clock());
        evaluate(&facts, role, awards, &RarityTable::default(), true)
    }

    fn get<'a>(badges: &'a [Badge], id: &str) -> &'a Badge {
        badges.iter().find(|b| b.badge_id == id).unwrap()
    }

    fn complete_courses(r: &mut LearnerRecord, n: u128) {
        for k in 0..n {
            r.enrollments.push(enrollment(
                k,
                100 + k,
                day(-200),
                Some(day(-150) + Duration::hours(k as i64)),
            ));
        }
    }

    #[test]
    fn the_catalogue_is_complete_and_ids_are_unique() {
        assert_eq!(CATALOGUE.len(), 27);
        let ids: BTreeSet<&str> = CATALOGUE.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), 27);
        for d in CATALOGUE
            .iter()
            .filter(|d| d.family != BadgeFamily::Milestone)
        {
            let family = serde_json::to_value(d.family).unwrap();
            assert_eq!(
                d.id,
                format!("{}-{}", family.as_str().unwrap(), d.tier.unwrap())
            );
        }
        assert!(find("streak-month-master").is_some());
        assert_eq!(catalogue_for(Role::Trainer).count(), 4);
        assert_eq!(catalogue_for(Role::Learner).count(), 27);
    }

    #[test]
    fn course_tiers_are_earned_exactly_at_their_thresholds() {
        let mut r = learner(1);
        complete_courses(&mut r, 5);
        let b = badges_of(&r, Role::Learner, &[]);
        // 5 completions: bronze (1) earned, silver (6) at 5/6.
        assert!(get(&b, "course-master-bronze").earned);
        assert!(get(&b, "first-steps").earned);
        let silver = get(&b, "course-master-silver");
        assert!(!silver.earned && silver.earned_date.is_none());
        assert_eq!(
            silver.progress,
            Progress {
                current: 5,
                target: 6
            }
        );
        // The 6th completion reaches silver; earnedDate = the 6th completion's day.
        complete_courses(&mut r, 6);
        let b = badges_of(&r, Role::Learner, &[]);
        let silver = get(&b, "course-master-silver");
        assert!(silver.earned);
        assert_eq!(
            silver.progress,
            Progress {
                current: 6,
                target: 6
            }
        );
        assert_eq!(silver.earned_date, Some(date(-150)));
        assert_eq!(get(&b, "course-master-gold").progress.current, 6);
        // 15 vs 16 for gold.
        complete_courses(&mut r, 15);
        assert!(!get(&badges_of(&r, Role::Learner, &[]), "course-master-gold").earned);
        complete_courses(&mut r, 16);
        assert!(get(&badges_of(&r, Role::Learner, &[]), "course-master-gold").earned);
    }

    #[test]
    fn skill_perfect_score_path_and_pass_thresholds() {
        let mut r = learner(1);
        for k in 0..10 {
            r.user_skills.push(skill(k, Some(day(1))));
        }
        // Perfect: 10/10 twice on different assessments; 99.99% is not perfect.
        r.attempts.push(attempt(1, 20, 1, day(2), 10.0, 10.0, true));
        r.attempts.push(attempt(2, 21, 1, day(3), 50.0, 50.0, true));
        r.attempts
            .push(attempt(3, 22, 1, day(4), 99.99, 100.0, true));
        r.paths.push(path(1, 4, 4, day(5)));
        r.paths.push(path(2, 4, 3, day(5)));
        r.sort();
        let b = badges_of(&r, Role::Learner, &[]);
        assert!(get(&b, "skill-champion-apprentice").earned);
        assert!(get(&b, "skill-builder").earned, "5 of 10 skills");
        assert_eq!(
            get(&b, "skill-champion-expert").progress,
            Progress {
                current: 10,
                target: 11
            }
        );
        assert_eq!(get(&b, "top-performer-perfectionist").progress.current, 2);
        assert!(!get(&b, "top-performer-perfectionist").earned);
        assert!(get(&b, "path-pioneer-explorer").earned);
        assert!(
            !get(&b, "path-pioneer-navigator").earned,
            "3/4 topics is not complete"
        );
        assert_eq!(get(&b, "assessment-ace").progress.current, 3);
        r.user_skills.push(skill(10, Some(day(6))));
        r.attempts
            .push(attempt(4, 22, 2, day(7), 100.0, 100.0, true));
        r.sort();
        let b = badges_of(&r, Role::Learner, &[]);
        assert!(get(&b, "skill-champion-expert").earned, "exactly 11");
        assert!(get(&b, "top-performer-perfectionist").earned, "exactly 3");
        assert_eq!(
            get(&b, "top-performer-perfectionist").earned_date,
            Some(date(7))
        );
    }

    #[test]
    fn streak_and_momentum_tiers_at_their_thresholds() {
        let mut r = learner(1);
        // Logins on days 1..=6 (6 in a row) and 9..=15 (7 in a row, reached on the 15th).
        login_on(&mut r, (1..=6).chain(9..=15));
        // Course completions on days 1, 8, 15 (gaps of exactly 7): a run of 3.
        for (k, d) in [1, 8, 15].into_iter().enumerate() {
            r.enrollments
                .push(enrollment(k as u128, 10 + k as u128, day(-5), Some(day(d))));
        }
        let b = badges_of(&r, Role::Learner, &[]);
        let week = get(&b, "streak-week-warrior");
        assert!(week.earned);
        assert_eq!(week.earned_date, Some(date(15)));
        assert_eq!(
            get(&b, "streak-month-master").progress,
            Progress {
                current: 7,
                target: 30
            }
        );
        assert!(get(&b, "momentum-building-momentum").earned);
        assert_eq!(get(&b, "momentum-on-a-roll").progress.current, 3);
        // 6 in a row only: not yet a week warrior.
        let mut six = learner(2);
        login_on(&mut six, 10..=15);
        assert!(!get(&badges_of(&six, Role::Learner, &[]), "streak-week-warrior").earned);
        // A trainer sees the 4 streak badges only.
        let t = badges_of(&r, Role::Trainer, &[]);
        assert_eq!(t.len(), 4);
        assert!(t.iter().all(|b| b.family == BadgeFamily::Streak));
    }

    #[test]
    fn badges_are_permanent_and_new_awards_are_idempotent() {
        let mut r = learner(1);
        complete_courses(&mut r, 1);
        let stored = vec![BadgeAward {
            badge_id: "skill-champion-apprentice".into(),
            earned_at: day(-20),
        }];
        // No skills any more, but the stored award keeps the badge.
        let b = badges_of(&r, Role::Learner, &stored);
        let apprentice = get(&b, "skill-champion-apprentice");
        assert!(apprentice.earned);
        assert_eq!(apprentice.earned_date, Some(date(-20)));
        assert_eq!(
            apprentice.progress,
            Progress {
                current: 1,
                target: 1
            }
        );
        let facts = BadgeFacts::of(&r, &clock());
        let new = new_awards(&facts, Role::Learner, &stored);
        let ids: Vec<&str> = new.iter().map(|a| a.badge_id.as_str()).collect();
        assert_eq!(ids, vec!["course-master-bronze", "first-steps"]);
        assert_eq!(new[0].earned_at, day(-150));
        let mut all = stored.clone();
        all.extend(new);
        assert!(new_awards(&facts, Role::Learner, &all).is_empty());
        // An unknown stored badge id is ignored.
        let odd = vec![BadgeAward {
            badge_id: "nope".into(),
            earned_at: day(1),
        }];
        assert_eq!(
            badges_of(&r, Role::Learner, &odd)
                .iter()
                .filter(|b| b.earned)
                .count(),
            2
        );
    }

    #[test]
    fn completionist_needs_every_enrolled_course_and_two_enrollments() {
        let mut r = learner(1);
        r.enrollments.push(enrollment(1, 10, day(1), Some(day(3))));
        // One enrollment, completed: 1 / max(2, 1) -> not earned.
        let c = |r: &LearnerRecord| get(&badges_of(r, Role::Learner, &[]), "completionist").clone();
        assert_eq!(
            c(&r).progress,
            Progress {
                current: 1,
                target: 2
            }
        );
        assert!(!c(&r).earned);
        // Two of three enrolled courses completed: 2 / 3.
        r.enrollments.push(enrollment(2, 11, day(1), Some(day(5))));
        r.enrollments.push(enrollment(3, 12, day(1), None));
        assert_eq!(
            c(&r).progress,
            Progress {
                current: 2,
                target: 3
            }
        );
        // The third dropped: 2 / max(2, 2) -> earned at the last completion.
        r.enrollments[2].status = EnrollmentStatus::Dropped;
        assert!(c(&r).earned);
        assert_eq!(c(&r).earned_date, Some(date(5)));
    }

    #[test]
    fn rarity_labels_at_their_boundaries_and_below_k() {
        let t = |holders: usize, active: usize| RarityTable {
            active_learners: active,
            holders: [("first-steps".to_owned(), holders)].into_iter().collect(),
        };
        // 10 of 20 = 50% -> common; 4 of 20 = 20% -> uncommon; 1 of 20 = 5% -> rare;
        // 1 of 100 = 1% -> epic; 1 of 200 = 0.5% -> legendary.
        assert_eq!(
            t(10, 20).rarity("first-steps", true),
            Some((RarityLabel::Common, 50.0))
        );
        assert_eq!(
            t(4, 20).rarity("first-steps", true),
            Some((RarityLabel::Uncommon, 20.0))
        );
        assert_eq!(
            t(1, 20).rarity("first-steps", true),
            Some((RarityLabel::Rare, 5.0))
        );
        assert_eq!(
            t(1, 100).rarity("first-steps", true),
            Some((RarityLabel::Epic, 1.0))
        );
        assert_eq!(
            t(1, 200).rarity("first-steps", true),
            Some((RarityLabel::Legendary, 0.5))
        );
        assert_eq!(
            t(3, 20).rarity("first-steps", true),
            Some((RarityLabel::Rare, 15.0))
        );
        // 10 active learners including the subject: 9 others < K -> hidden.
        assert_eq!(t(5, 10).rarity("first-steps", true), None);
        // The subject without activity is not among the 10: shown.
        assert!(t(5, 10).rarity("first-steps", false).is_some());
        assert_eq!(RarityTable::default().rarity("first-steps", false), None);
        // The builder counts active learners only, and each holder once.
        let built = RarityTable::build(vec![
            (true, vec!["first-steps", "first-steps"]),
            (true, vec![]),
            (false, vec!["first-steps"]),
        ]);
        assert_eq!(built.active_learners, 2);
        assert_eq!(built.holders["first-steps"], 1);
    }

    #[test]
    fn next_milestone_prefers_the_closest_badge_and_estimates_from_recent_rate() {
        let mut r = learner(1);
        // 3 skills, all acquired in the last 30 days: rate 3/30 per day.
        for k in 0..3 {
            r.user_skills.push(skill(k, Some(day(k as i64 + 1))));
        }
        let facts = BadgeFacts::of(&r, &clock());
        let b = evaluate(&facts, Role::Learner, &[], &RarityTable::default(), true);
        let next = next_milestone(&b, &facts).unwrap();
        // skill-builder is at 3/5 = 0.6 (skill-champion-expert only 3/11).
        assert_eq!(next.badge_id, "skill-builder");
        assert_eq!(next.remaining, 2);
        // 2 / (3/30) = 20 days -> "3 weeks".
        assert_eq!(next.estimated_days, Some(20));
        assert_eq!(next.estimated_time.as_deref(), Some("3 weeks"));
        // Nothing at all: every ratio is 0; ties go to fewer remaining, then catalogue
        // order -> course-master-bronze, with no recent rate.
        let empty = BadgeFacts::of(&learner(2), &clock());
        let b = evaluate(&empty, Role::Learner, &[], &RarityTable::default(), false);
        let next = next_milestone(&b, &empty).unwrap();
        assert_eq!(next.badge_id, "course-master-bronze");
        assert_eq!((next.estimated_days, next.estimated_time), (None, None));
        // A trainer's next milestone is a streak: 7 - current streak 0 = 7 days.
        let t = evaluate(&empty, Role::Trainer, &[], &RarityTable::default(), false);
        let next = next_milestone(&t, &empty).unwrap();
        assert_eq!(
            (next.badge_id, next.estimated_days),
            ("streak-week-warrior", Some(7))
        );
        assert_eq!(describe_days(1), "1 day");
        assert_eq!(describe_days(13), "13 days");
        assert_eq!(describe_days(56), "8 weeks");
        assert_eq!(describe_days(57), "2 months");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn badges_agree_with_their_thresholds(
            courses in 0u128..35,
            skills in 0u128..30,
            logins in prop::collection::vec(-60i64..16, 0..60),
            active in 0usize..40,
            holders in 0usize..40,
        ) {
            let mut r = learner(1);
            complete_courses(&mut r, courses);
            for k in 0..skills {
                r.user_skills.push(skill(k, Some(day(-(k as i64)))));
            }
            login_on(&mut r, logins.iter().copied());
            r.sort();
            let facts = BadgeFacts::of(&r, &clock());
            let rarity = RarityTable {
                active_learners: active,
                holders: CATALOGUE.iter().map(|d| (d.id.to_owned(), holders)).collect(),
            };
            let b = evaluate(&facts, Role::Learner, &[], &rarity, true);
            prop_assert_eq!(&b, &evaluate(&facts, Role::Learner, &[], &rarity, true));
            prop_assert_eq!(b.len(), 27);
            for badge in &b {
                let d = find(badge.badge_id).unwrap();
                prop_assert_eq!(badge.earned, facts.value(d.fact) >= facts.target(d));
                prop_assert!(badge.progress.current <= badge.progress.target);
                prop_assert_eq!(badge.earned, badge.earned_date.is_some());
                if let Some(p) = badge.rarity_pct {
                    prop_assert!((0.0..=100.0).contains(&p));
                    prop_assert!(active > K_TEST);
                }
            }
            if let Some(next) = next_milestone(&b, &facts) {
                prop_assert!(next.remaining > 0);
                prop_assert!(next.estimated_days.is_none_or(|d| d >= 1));
            }
        }
    }

    const K_TEST: usize = crate::analytics::K;
}
