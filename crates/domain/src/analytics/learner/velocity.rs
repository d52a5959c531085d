//! AS-001.1 Learning Velocity & Momentum (`analyticsType = learning_velocity`).
//!
//! Question: how fast is this learner progressing, is the pace rising or falling, will they
//! reach their learning-path goals in time, and how strong is their momentum?
//!
//! Inputs: the learner's [`LearnerRecord`] (topic completions, module progress, learning
//! paths, DevLab practice), the [`Catalog`] (module → path-topic mapping), the [`Clock`]
//! (`now` and the learner's calendar), the `window` (shapes `history` only) and
//! [`PathTimeBenchmarks`] (per-path medians of other learners' time per topic, built once
//! per batch by [`PathTimeBenchmarks::build`]).
//!
//! # Progress units (`analytics.md` 0.3)
//! A unit ("topic") is a learning-path topic completed ([`TopicCompletion`]) or a course
//! module completed ([`ModuleProgress::completed_at`]). A module mapped to a path topic
//! (`Module.topic_id`) is the same unit as that topic and counts once, at the earliest of
//! its completion times (decided here); several modules mapped to one topic are one unit.
//! DevLab practice is not a unit. Completions after `now` are ignored.
//!
//! # Formulas
//! - `topics7`, `topics30` = units completed in the last 7 / 30 days (`[now - N*24h, now)`).
//!   `currentPace = topics7`; `averagePace = topics30 / (30/7)` (2 dp).
//! - `trend`: `stalled` if topics7 = 0; else `accelerating` if averagePace = 0; else
//!   `ratio = currentPace / averagePace`: `> 1.2` accelerating, `< 0.8` decelerating, else
//!   steady (compared in exact integer arithmetic, `ratio = 30*topics7 / (7*topics30)`, so
//!   that a ratio of exactly 1.2 or 0.8 is steady). `trendPercentage = (current - average) /
//!   average * 100` (1 dp), null when averagePace = 0.
//! - Goal. `remainingTopics` = Σ over active paths of `max(0, topicsTotal - topicsCompleted)`.
//!   Target date (decided here): with several dated paths, the *binding* deadline. For every
//!   target date `D` of an active path with topics left, `due(D)` = topics left on active
//!   paths due on or before `D`, and `required(D) = due(D) / (days to D / 7)`;
//!   `targetPace = max required(D)` and `targetCompletionDate` is the `D` giving it (earliest
//!   on ties). With one dated path this is exactly the spec's `remainingTopics /
//!   weeksToTarget`; with several it is the pace that meets every deadline, neither the
//!   earliest date with all topics (overstated) nor the latest (misses earlier deadlines).
//!   Topics of undated paths count in `remainingTopics` and the predictions but have no
//!   deadline.
//! - `status`: `no_target` when no active path with topics left has a target date
//!   (including nothing left at all); `overdue` when such a path's target date is today or
//!   earlier (decided here: on the day itself no weekly pace is defined) — then `targetPace`
//!   and `variance` are null and `targetCompletionDate` is the earliest missed date; else
//!   `variance = (currentPace - targetPace) / targetPace * 100` (1 dp): `ahead` > +10,
//!   `behind` < -10, else `on_track`.
//! - Predictions use averagePace: `estimatedWeeksToComplete = ceil(remaining / averagePace)`,
//!   `predictedCompletionDate = today + ceil(remaining / averagePace * 7)` days (both in exact
//!   integer arithmetic: `remaining / averagePace * 7 = 30 * remaining / topics30`);
//!   averagePace = 0 → both null and `onTrack = false`. `onTrack` = every target date is met
//!   at averagePace (`today + ceil(due(D) / averagePace * 7) <= D` for every `D`), which for a
//!   single dated path is the spec's `predictedCompletionDate <= targetCompletionDate`;
//!   false for `no_target` and `overdue` (decided here: there is no date to be on track for).
//! - `totalTimeSpent` = (Σ module `timeSpentMinutes` + Σ DevLab `durationMinutes`) / 60, all
//!   time (1 dp). `averageTimePerTopic = totalTimeSpent / units completed all time` (1 dp;
//!   null without units). `efficientLearner = averageTimePerTopic <= median of same-path
//!   learners` where the path is the learner's most recently active one (ties: lower path id)
//!   and the peers are the other learners on that path (any status) with at least one unit
//!   (decided here); null below K peers or without an own average.
//! - Momentum: `P = min(ratio, 2) / 2 * 100` (averagePace = 0: 100 if topics7 > 0 else 0);
//!   `G = min(currentPace / targetPace, 1.5) / 1.5 * 100`, `G = P` for `no_target`, `G = 0`
//!   for `overdue` (decided here: a missed deadline adds no goal momentum);
//!   `C = 25 * (number of the last four 7-day blocks with >= 1 unit)`;
//!   `score = round(0.5P + 0.3G + 0.2C)`; level `strong` >= 75, `steady` 50-74, `slowing`
//!   25-49, `stalled` < 25. `description` and `recommendation` are templates per level
//!   (the recommendation names the target pace when the goal is `behind` or `overdue`).
//! - `history` (window 7d | 30d | 90d): 7 daily / 5 weekly / 13 weekly buckets of calendar
//!   days in the learner's timezone, the last one ending today (decision 13); `periodStart`
//!   is the first day of a bucket, `topicsCompleted` the units completed in it.
//!
//! Insufficient data (decided here): a learner with no learning path, no enrollment, no
//! module progress and no topic completion — there is nothing whose velocity could be
//! measured.

use crate::analytics::Analysis;
use crate::analytics::common::{Clock, Window, ratio, round_dp, round_int};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{ModuleId, PathId, TopicId, UserId};
use crate::model::{PathStatus, UserLearningPath};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The `data` of AS-001.1 (`learningVelocity`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningVelocity {
    pub current_pace: f64,
    pub average_pace: f64,
    pub trend: VelocityTrend,
    pub trend_percentage: Option<f64>,
    pub comparison_to_goal: ComparisonToGoal,
    pub predictions: Predictions,
    pub time_analysis: TimeAnalysis,
    pub momentum: Momentum,
    pub history: Vec<HistoryBucket>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VelocityTrend {
    Accelerating,
    Steady,
    /// Shown as "Slowing" in the UI.
    Decelerating,
    Stalled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Ahead,
    OnTrack,
    Behind,
    Overdue,
    NoTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonToGoal {
    pub target_pace: Option<f64>,
    pub variance: Option<f64>,
    pub status: GoalStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Predictions {
    pub remaining_topics: i64,
    pub estimated_weeks_to_complete: Option<i64>,
    pub predicted_completion_date: Option<NaiveDate>,
    pub target_completion_date: Option<NaiveDate>,
    pub on_track: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeAnalysis {
    pub total_time_spent: f64,
    pub average_time_per_topic: Option<f64>,
    pub efficient_learner: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentumLevel {
    Strong,
    Steady,
    Slowing,
    Stalled,
}

impl MomentumLevel {
    /// strong >= 75, steady 50-74, slowing 25-49, stalled < 25.
    pub fn of(score: i64) -> Self {
        match score {
            s if s >= 75 => MomentumLevel::Strong,
            s if s >= 50 => MomentumLevel::Steady,
            s if s >= 25 => MomentumLevel::Slowing,
            _ => MomentumLevel::Stalled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Momentum {
    pub score: i64,
    pub level: MomentumLevel,
    pub description: String,
    pub recommendation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryBucket {
    pub period_start: NaiveDate,
    pub topics_completed: i64,
}

// ---------------------------------------------------------------------------------------
// Progress units
// ---------------------------------------------------------------------------------------

/// What a progress unit is: a path topic (also reached through a module mapped to it) or an
/// unmapped course module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum UnitKey {
    Topic(TopicId),
    Module(ModuleId),
}

/// The completion instants of the learner's progress units (`analytics.md` 0.3), oldest
/// first, up to `now`: each path topic once (whether completed on the path, through a
/// module mapped to it, or both, at the earliest time), each unmapped module once.
pub fn progress_unit_times(
    record: &LearnerRecord,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut units: BTreeMap<UnitKey, DateTime<Utc>> = BTreeMap::new();
    let mut add = |key: UnitKey, at: DateTime<Utc>| {
        if at <= now {
            units
                .entry(key)
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
    };
    for completion in &record.topic_completions {
        add(UnitKey::Topic(completion.topic_id), completion.completed_at);
    }
    for progress in &record.module_progress {
        if let Some(at) = progress.completed_at {
            let key = match catalog
                .modules
                .get(&progress.module_id)
                .and_then(|m| m.topic_id)
            {
                Some(topic) => UnitKey::Topic(topic),
                None => UnitKey::Module(progress.module_id),
            };
            add(key, at);
        }
    }
    let mut times: Vec<DateTime<Utc>> = units.into_values().collect();
    times.sort();
    times
}

/// Finite, non-negative minutes (defensive against bad upstream values).
fn minutes(value: f64) -> f64 {
    if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    }
}

/// Hours of CB module time plus DevLab practice time, all time.
pub fn total_time_hours(record: &LearnerRecord) -> f64 {
    let module: f64 = record
        .module_progress
        .iter()
        .map(|p| minutes(p.time_spent_minutes))
        .sum();
    let practice: f64 = record
        .practice
        .iter()
        .map(|p| minutes(p.duration_minutes))
        .sum();
    (module + practice) / 60.0
}

/// `totalTimeSpent / units completed all time` in hours; `None` without units.
pub fn average_time_per_topic(
    record: &LearnerRecord,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Option<f64> {
    let units = progress_unit_times(record, catalog, now).len();
    ratio(total_time_hours(record), units as f64)
}

/// The learner's most recently active path (ties: lower path id), any status.
pub fn primary_path(record: &LearnerRecord) -> Option<PathId> {
    record
        .paths
        .iter()
        .max_by(|a, b| {
            a.last_activity_at
                .cmp(&b.last_activity_at)
                .then(b.path_id.cmp(&a.path_id))
        })
        .map(|p| p.path_id)
}

// ---------------------------------------------------------------------------------------
// Platform input: per-path time-per-topic medians
// ---------------------------------------------------------------------------------------

/// Every learner's `averageTimePerTopic` (hours) grouped by the paths they are on, so the
/// median of a path's learners *other than the subject* is available in O(log n).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathTimeBenchmarks {
    paths: BTreeMap<PathId, PathTimes>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct PathTimes {
    by_user: BTreeMap<UserId, f64>,
    sorted: Vec<f64>,
}

impl PathTimeBenchmarks {
    /// Builds the benchmarks from plain `(path, learner, averageTimePerTopic)` values; a
    /// learner listed twice on a path keeps the last value; non-finite values are dropped.
    pub fn from_values(values: impl IntoIterator<Item = (PathId, UserId, f64)>) -> Self {
        let mut paths: BTreeMap<PathId, PathTimes> = BTreeMap::new();
        for (path, user, value) in values {
            if value.is_finite() {
                paths.entry(path).or_default().by_user.insert(user, value);
            }
        }
        for times in paths.values_mut() {
            times.sorted = times.by_user.values().copied().collect();
            times.sorted.sort_by(f64::total_cmp);
        }
        PathTimeBenchmarks { paths }
    }

    /// Builds the benchmarks from all learners' records: each learner with at least one
    /// progress unit counts on every path they have (any status).
    pub fn build(records: &[LearnerRecord], catalog: &Catalog, clock: &Clock) -> Self {
        let mut values = Vec::new();
        for record in records {
            if let Some(avg) = average_time_per_topic(record, catalog, clock.now) {
                let mut path_ids: Vec<PathId> = record.paths.iter().map(|p| p.path_id).collect();
                path_ids.sort();
                path_ids.dedup();
                values.extend(path_ids.into_iter().map(|p| (p, record.id(), avg)));
            }
        }
        Self::from_values(values)
    }

    /// The median `averageTimePerTopic` of the path's learners other than `subject`, shown
    /// only for at least K of them.
    pub fn peer_median(&self, path: PathId, subject: UserId) -> Guarded<f64> {
        let Some(times) = self.paths.get(&path) else {
            return Guarded::Suppressed;
        };
        let own = times.by_user.get(&subject).copied();
        let size = times.sorted.len() - usize::from(own.is_some());
        Guarded::new(size, || median_excluding(&times.sorted, own))
    }
}

/// Median (linear interpolation) of a sorted list with one occurrence of `excluded`
/// removed; the caller guarantees the remaining list is not empty.
fn median_excluding(sorted: &[f64], excluded: Option<f64>) -> f64 {
    let skip = excluded.map(|value| sorted.partition_point(|v| v.total_cmp(&value).is_lt()));
    let len = sorted.len() - usize::from(skip.is_some());
    let at = |i: usize| match skip {
        Some(j) if i >= j => sorted[i + 1],
        _ => sorted[i],
    };
    if len == 0 {
        return 0.0;
    }
    let position = 0.5 * (len - 1) as f64;
    let (lower, upper) = (position.floor() as usize, position.ceil() as usize);
    at(lower) + (at(upper) - at(lower)) * (position - lower as f64)
}

// ---------------------------------------------------------------------------------------
// Goal
// ---------------------------------------------------------------------------------------

struct Goal {
    remaining: i64,
    status: GoalStatus,
    target_pace: Option<f64>,
    target_date: Option<NaiveDate>,
    /// `(deadline, topics due on or before it)` for every future deadline, ascending.
    deadlines: Vec<(NaiveDate, i64)>,
}

fn remaining_of(path: &UserLearningPath) -> i64 {
    (i64::from(path.topics_total) - i64::from(path.topics_completed)).max(0)
}

fn goal(record: &LearnerRecord, today: NaiveDate) -> Goal {
    let active: Vec<&UserLearningPath> = record
        .paths
        .iter()
        .filter(|p| p.status == PathStatus::Active)
        .collect();
    let remaining: i64 = active.iter().map(|p| remaining_of(p)).sum();
    let mut dated: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for path in &active {
        if let (Some(date), left) = (path.target_date, remaining_of(path))
            && left > 0
        {
            *dated.entry(date).or_default() += left;
        }
    }
    let mut goal = Goal {
        remaining,
        status: GoalStatus::NoTarget,
        target_pace: None,
        target_date: None,
        deadlines: Vec::new(),
    };
    if let Some((&missed, _)) = dated.iter().find(|(date, _)| **date <= today) {
        goal.status = GoalStatus::Overdue;
        goal.target_date = Some(missed);
        return goal;
    }
    let mut due = 0;
    let mut best: Option<(f64, NaiveDate)> = None;
    for (&date, &left) in &dated {
        due += left;
        let days = (date - today).num_days();
        let required = due as f64 * 7.0 / days as f64;
        if best.is_none_or(|(pace, _)| required > pace) {
            best = Some((required, date));
        }
        goal.deadlines.push((date, due));
    }
    if let Some((pace, date)) = best {
        goal.target_pace = Some(pace);
        goal.target_date = Some(date);
        goal.status = GoalStatus::OnTrack; // refined against currentPace by the caller
    }
    goal
}

fn ceil_div(num: i64, den: i64) -> i64 {
    (num + den - 1) / den
}

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/// AS-001.1 for one learner. `clock` carries the learner's timezone.
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    window: Window,
    benchmarks: &PathTimeBenchmarks,
) -> Analysis<LearningVelocity> {
    if record.paths.is_empty()
        && record.enrollments.is_empty()
        && record.module_progress.is_empty()
        && record.topic_completions.is_empty()
    {
        return Analysis::InsufficientData(
            "no learning path, enrollment or progress to measure velocity on",
        );
    }
    let now = clock.now;
    let today = clock.today();
    let units = progress_unit_times(record, catalog, now);
    let count_between = |from_days: i64, to_days: i64| {
        units
            .iter()
            .filter(|t| clock.between_days_ago(**t, from_days, to_days))
            .count() as i64
    };
    let topics7 = count_between(0, 7);
    let topics30 = count_between(0, 30);

    // Paces and trend.
    let current_pace = topics7 as f64;
    let average_pace = topics30 as f64 * 7.0 / 30.0;
    let pace_ratio = ratio(current_pace, average_pace);
    let trend = if topics7 == 0 {
        VelocityTrend::Stalled
    } else if topics30 == 0 {
        VelocityTrend::Accelerating
    } else if 150 * topics7 > 42 * topics30 {
        // ratio = 30*t7 / (7*t30) > 6/5
        VelocityTrend::Accelerating
    } else if 150 * topics7 < 28 * topics30 {
        // ratio < 4/5
        VelocityTrend::Decelerating
    } else {
        VelocityTrend::Steady
    };
    let trend_percentage = pace_ratio.map(|r| (r - 1.0) * 100.0);

    // Goal.
    let mut goal = goal(record, today);
    let variance = goal
        .target_pace
        .and_then(|target| ratio(current_pace - target, target).map(|v| v * 100.0));
    if let Some(v) = variance {
        goal.status = if v > 10.0 {
            GoalStatus::Ahead
        } else if v < -10.0 {
            GoalStatus::Behind
        } else {
            GoalStatus::OnTrack
        };
    }

    // Predictions: remaining / averagePace * 7 days = 30 * remaining / topics30 days.
    let (estimated_weeks, predicted_date) = if topics30 > 0 {
        (
            Some(ceil_div(30 * goal.remaining, 7 * topics30)),
            Some(today + Duration::days(ceil_div(30 * goal.remaining, topics30))),
        )
    } else {
        (None, None)
    };
    let on_track = topics30 > 0
        && !goal.deadlines.is_empty()
        && goal
            .deadlines
            .iter()
            .all(|(date, due)| ceil_div(30 * due, topics30) <= (*date - today).num_days());

    // Time analysis.
    let total_hours = total_time_hours(record);
    let average_time = ratio(total_hours, units.len() as f64);
    let efficient_learner = match (average_time, primary_path(record)) {
        (Some(own), Some(path)) => benchmarks
            .peer_median(path, record.id())
            .map(|peer_median| own <= peer_median)
            .shown()
            .copied(),
        _ => None,
    };

    // Momentum.
    let p = match pace_ratio {
        Some(r) => r.min(2.0) / 2.0 * 100.0,
        None if topics7 > 0 => 100.0,
        None => 0.0,
    };
    let g = match (goal.status, goal.target_pace) {
        (GoalStatus::NoTarget, _) => p,
        (GoalStatus::Overdue, _) => 0.0,
        (_, Some(target)) => ratio(current_pace, target).map_or(0.0, |r| r.min(1.5) / 1.5 * 100.0),
        (_, None) => p,
    };
    let active_blocks = (0..4)
        .filter(|k| count_between(7 * k, 7 * (k + 1)) > 0)
        .count();
    let c = 25.0 * active_blocks as f64;
    let score = round_int(0.5 * p + 0.3 * g + 0.2 * c);
    let level = MomentumLevel::of(score);
    let (description, recommendation) =
        momentum_text(level, topics7, average_pace, goal.status, goal.target_pace);

    Analysis::Ready(LearningVelocity {
        current_pace: round_dp(current_pace, 2),
        average_pace: round_dp(average_pace, 2),
        trend,
        trend_percentage: trend_percentage.map(|v| round_dp(v, 1)),
        comparison_to_goal: ComparisonToGoal {
            target_pace: goal.target_pace.map(|v| round_dp(v, 2)),
            variance: variance.map(|v| round_dp(v, 1)),
            status: goal.status,
        },
        predictions: Predictions {
            remaining_topics: goal.remaining,
            estimated_weeks_to_complete: estimated_weeks,
            predicted_completion_date: predicted_date,
            target_completion_date: goal.target_date,
            on_track,
        },
        time_analysis: TimeAnalysis {
            total_time_spent: round_dp(total_hours, 1),
            average_time_per_topic: average_time.map(|v| round_dp(v, 1)),
            efficient_learner,
        },
        momentum: Momentum {
            score,
            level,
            description,
            recommendation,
        },
        history: history(&units, clock, window),
    })
}

/// 7 daily (7d), 5 weekly (30d) or 13 weekly (90d) buckets of calendar days, the last one
/// ending today.
fn history(units: &[DateTime<Utc>], clock: &Clock, window: Window) -> Vec<HistoryBucket> {
    let (buckets, days_per_bucket) = match window {
        Window::Days7 => (7, 1),
        Window::Days30 => (5, 7),
        Window::Days90 => (13, 7),
    };
    let today = clock.today();
    let first = today - Duration::days(buckets * days_per_bucket - 1);
    let mut counts = vec![0i64; buckets as usize];
    for unit in units {
        let offset = (clock.local_date(*unit) - first).num_days();
        if (0..buckets * days_per_bucket).contains(&offset) {
            counts[(offset / days_per_bucket) as usize] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, topics_completed)| HistoryBucket {
            period_start: first + Duration::days(i as i64 * days_per_bucket),
            topics_completed,
        })
        .collect()
}

fn momentum_text(
    level: MomentumLevel,
    topics7: i64,
    average_pace: f64,
    status: GoalStatus,
    target_pace: Option<f64>,
) -> (String, String) {
    let topics = |n: i64| if n == 1 { "topic" } else { "topics" };
    let description = match level {
        MomentumLevel::Strong => format!(
            "Strong momentum: {topics7} {} completed in the last 7 days against an average of {:.2} a week.",
            topics(topics7),
            round_dp(average_pace, 2)
        ),
        MomentumLevel::Steady => format!(
            "Steady momentum: {topics7} {} completed in the last 7 days against an average of {:.2} a week.",
            topics(topics7),
            round_dp(average_pace, 2)
        ),
        MomentumLevel::Slowing => format!(
            "Your momentum is slowing: {topics7} {} completed in the last 7 days against an average of {:.2} a week.",
            topics(topics7),
            round_dp(average_pace, 2)
        ),
        MomentumLevel::Stalled => {
            "Your learning has stalled: little or no progress in the last weeks.".to_owned()
        }
    };
    let recommendation = match (status, target_pace) {
        (GoalStatus::Behind, Some(target)) => format!(
            "Aim for {:.2} topics a week to reach your target date.",
            round_dp(target, 2)
        ),
        (GoalStatus::Overdue, _) => {
            "Your target date has passed: agree on a new target date and plan weekly study sessions."
                .to_owned()
        }
        _ => match level {
            MomentumLevel::Strong => {
                "Keep your current routine; you could take on a stretch goal.".to_owned()
            }
            MomentumLevel::Steady => {
                "Add one more focused study session a week to build momentum.".to_owned()
            }
            MomentumLevel::Slowing => {
                "Schedule short, regular study sessions to get back to your usual pace.".to_owned()
            }
            MomentumLevel::Stalled => {
                "Complete one topic this week to restart your momentum.".to_owned()
            }
        },
    };
    (description, recommendation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
    }

    fn uid(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn pid(n: u128) -> PathId {
        PathId(uuid::Uuid::from_u128(1_000 + n))
    }

    fn tid(n: u128) -> TopicId {
        TopicId(uuid::Uuid::from_u128(2_000 + n))
    }

    fn mid(n: u128) -> ModuleId {
        ModuleId(uuid::Uuid::from_u128(3_000 + n))
    }

    fn record(n: u128) -> LearnerRecord {
        LearnerRecord::new(User {
            id: uid(n),
            external_id: None,
            org_id: None,
            department_id: None,
            team_id: None,
            display_name: format!("Learner {n}"),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: now() - Duration::days(400),
        })
    }

    /// A path with `total` topics of which `completed` are done, due in `due_in` days.
    fn path(n: u128, total: i32, completed: i32, due_in: Option<i64>) -> UserLearningPath {
        UserLearningPath {
            user_id: uid(1),
            path_id: pid(n),
            status: PathStatus::Active,
            started_at: now() - Duration::days(100),
            target_date: due_in.map(|d| today() + Duration::days(d)),
            topics_total: total,
            topics_completed: completed,
            progress_pct: 0.0,
            completed_at: None,
            last_activity_at: now() - Duration::days(1),
        }
    }

    /// Topic completions `hours_ago` before now, topic ids numbered from `first`.
    fn complete(record: &mut LearnerRecord, first: u128, hours_ago: &[i64]) {
        for (i, h) in hours_ago.iter().enumerate() {
            record.topic_completions.push(TopicCompletion {
                user_id: record.id(),
                path_id: pid(1),
                topic_id: tid(first + i as u128),
                completed_at: now() - Duration::hours(*h),
            });
        }
    }

    fn days(d: &[i64]) -> Vec<i64> {
        d.iter().map(|d| d * 24 - 1).collect()
    }

    fn module(n: u128, topic: Option<TopicId>) -> Module {
        Module {
            id: mid(n),
            course_id: CourseId(uuid::Uuid::from_u128(4_000)),
            order: n as i32,
            name: format!("Module {n}"),
            estimated_hours: None,
            topic_id: topic,
            skill_ids: vec![],
        }
    }

    fn module_done(user: UserId, n: u128, hours_ago: i64, minutes: f64) -> ModuleProgress {
        ModuleProgress {
            user_id: user,
            module_id: mid(n),
            started_at: Some(now() - Duration::hours(hours_ago + 2)),
            completed_at: Some(now() - Duration::hours(hours_ago)),
            progress_pct: 100.0,
            time_spent_minutes: minutes,
        }
    }

    fn run(record: &LearnerRecord, window: Window) -> LearningVelocity {
        compute(
            record,
            &Catalog::default(),
            &clock(),
            window,
            &PathTimeBenchmarks::default(),
        )
        .ready()
        .cloned()
        .expect("ready")
    }

    #[test]
    fn spec_example() {
        // topics7 = 3 (days 1, 2, 3), topics30 = 9; every one of the last four 7-day blocks
        // has a completion (blocks: 3, 2, 2, 2).
        let mut r = record(1);
        complete(&mut r, 0, &days(&[1, 2, 3, 8, 9, 15, 16, 22, 23]));
        // Remaining 10, target in 35 days.
        r.paths.push(path(1, 20, 10, Some(35)));
        let v = run(&r, Window::Days30);
        // averagePace = 9 / (30/7) = 2.1; ratio = 3 / 2.1 = 1.4286 > 1.2
        assert_eq!(v.current_pace, 3.0);
        assert_eq!(v.average_pace, 2.1);
        assert_eq!(v.trend, VelocityTrend::Accelerating);
        assert_eq!(v.trend_percentage, Some(42.9));
        // targetPace = 10 / (35/7) = 2.00; variance = (3 - 2)/2*100 = +50 -> ahead
        assert_eq!(v.comparison_to_goal.target_pace, Some(2.0));
        assert_eq!(v.comparison_to_goal.variance, Some(50.0));
        assert_eq!(v.comparison_to_goal.status, GoalStatus::Ahead);
        // 10 / 2.1 = 4.76 -> 5 weeks; ceil(10/2.1*7) = ceil(33.3) = 34 days <= 35
        assert_eq!(v.predictions.remaining_topics, 10);
        assert_eq!(v.predictions.estimated_weeks_to_complete, Some(5));
        assert_eq!(
            v.predictions.predicted_completion_date,
            Some(today() + Duration::days(34))
        );
        assert_eq!(
            v.predictions.target_completion_date,
            Some(today() + Duration::days(35))
        );
        assert!(v.predictions.on_track);
        // P = 1.4286/2*100 = 71.4, G = min(3/2, 1.5)/1.5*100 = 100, C = 100
        // round(35.7 + 30 + 20) = 86 -> strong
        assert_eq!(v.momentum.score, 86);
        assert_eq!(v.momentum.level, MomentumLevel::Strong);
        // 30d history: 5 weekly buckets ending today.
        let starts: Vec<NaiveDate> = v.history.iter().map(|b| b.period_start).collect();
        assert_eq!(starts[0], today() - Duration::days(34));
        assert_eq!(starts[4], today() - Duration::days(6));
        let counts: Vec<i64> = v.history.iter().map(|b| b.topics_completed).collect();
        // days ago 1,2,3 | 8,9 | 15,16 | 22,23 | -- (the oldest bucket is days 28-34)
        assert_eq!(counts, vec![0, 2, 2, 2, 3]);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["comparisonToGoal"]["status"], "ahead");
        assert_eq!(json["predictions"]["predictedCompletionDate"], "2026-07-19");
        assert!(json["timeAnalysis"]["efficientLearner"].is_null());
    }

    #[test]
    fn a_learner_with_nothing_has_insufficient_data() {
        let r = record(1);
        let result = compute(
            &r,
            &Catalog::default(),
            &clock(),
            Window::Days30,
            &PathTimeBenchmarks::default(),
        );
        assert!(result.ready().is_none());
    }

    #[test]
    fn no_completions_is_stalled_with_null_predictions() {
        // A path without a date and no units: topics7 = topics30 = 0 -> stalled,
        // averagePace 0 -> trendPercentage null, predictions null, onTrack false;
        // P = 0, G = P = 0 (no target), C = 0 -> score 0, stalled.
        let mut r = record(1);
        r.paths.push(path(1, 10, 0, None));
        let v = run(&r, Window::Days7);
        assert_eq!(v.trend, VelocityTrend::Stalled);
        assert_eq!(v.trend_percentage, None);
        assert_eq!(v.comparison_to_goal.status, GoalStatus::NoTarget);
        assert_eq!(v.comparison_to_goal.target_pace, None);
        assert_eq!(v.predictions.remaining_topics, 10);
        assert_eq!(v.predictions.estimated_weeks_to_complete, None);
        assert_eq!(v.predictions.predicted_completion_date, None);
        assert!(!v.predictions.on_track);
        assert_eq!(v.time_analysis.average_time_per_topic, None);
        assert_eq!(v.momentum.score, 0);
        assert_eq!(v.momentum.level, MomentumLevel::Stalled);
        // 7 daily buckets, the last one today.
        assert_eq!(v.history.len(), 7);
        assert_eq!(v.history[6].period_start, today());
        assert_eq!(v.history[0].period_start, today() - Duration::days(6));
    }

    #[test]
    fn a_ratio_of_exactly_1_2_or_0_8_is_steady() {
        // t7 = 7, t30 = 25: averagePace = 25*7/30 = 5.8333, ratio = 7/5.8333 = 1.2 exactly.
        let mut r = record(1);
        let mut hours: Vec<i64> = (0..7).map(|i| i * 20 + 1).collect();
        hours.extend((0..18).map(|i| 8 * 24 + i * 20));
        complete(&mut r, 0, &hours);
        let v = run(&r, Window::Days30);
        assert_eq!(v.trend, VelocityTrend::Steady);
        assert_eq!(v.trend_percentage, Some(20.0));

        // t7 = 14, t30 = 75: averagePace = 17.5, ratio = 14/17.5 = 0.8 exactly -> steady;
        // t7 = 13, t30 = 74 -> ratio = 13/17.2667 = 0.753 -> decelerating.
        let mut r = record(1);
        let mut hours: Vec<i64> = (0..14).map(|i| i * 10 + 1).collect();
        hours.extend((0..61).map(|i| 8 * 24 + i * 8));
        complete(&mut r, 0, &hours);
        assert_eq!(run(&r, Window::Days30).trend, VelocityTrend::Steady);
        r.topic_completions.remove(0);
        assert_eq!(run(&r, Window::Days30).trend, VelocityTrend::Decelerating);
    }

    #[test]
    fn a_variance_of_exactly_ten_percent_is_on_track() {
        // 11 topics in the last 7 days; remaining 10 due in 7 days -> targetPace 10;
        // variance = (11 - 10)/10*100 = 10 -> not > 10 -> on_track.
        let mut r = record(1);
        complete(&mut r, 0, &(1..=11).map(|h| h * 10).collect::<Vec<_>>());
        r.paths.push(path(1, 20, 10, Some(7)));
        let v = run(&r, Window::Days30);
        assert_eq!(v.comparison_to_goal.target_pace, Some(10.0));
        assert_eq!(v.comparison_to_goal.variance, Some(10.0));
        assert_eq!(v.comparison_to_goal.status, GoalStatus::OnTrack);
        // averagePace = 11*7/30 = 2.5667; 30*10/11 = 27.3 -> 28 days > 7 -> not on track.
        assert!(!v.predictions.on_track);
        // P = min(11/2.5667, 2)/2*100 = 100; G = (11/10)/1.5*100 = 73.33; C = 25
        // score = round(50 + 22 + 5) = 77 -> strong
        assert_eq!(v.momentum.score, 77);
    }

    #[test]
    fn a_passed_target_date_is_overdue() {
        // Target yesterday with 4 topics left -> overdue: no targetPace/variance, onTrack
        // false, G = 0. One topic 2 days ago: t7 = t30 = 1, ratio = 1/(7/30) = 4.29 ->
        // P = 100; C = 25 -> score = round(50 + 0 + 5) = 55, steady.
        let mut r = record(1);
        complete(&mut r, 0, &days(&[2]));
        r.paths.push(path(1, 5, 1, Some(-1)));
        let v = run(&r, Window::Days30);
        assert_eq!(v.comparison_to_goal.status, GoalStatus::Overdue);
        assert_eq!(v.comparison_to_goal.target_pace, None);
        assert_eq!(v.comparison_to_goal.variance, None);
        assert_eq!(
            v.predictions.target_completion_date,
            Some(today() - Duration::days(1))
        );
        assert!(!v.predictions.on_track);
        assert_eq!(v.momentum.score, 55);
        assert_eq!(v.momentum.level, MomentumLevel::Steady);
        assert!(v.momentum.recommendation.contains("target date has passed"));
    }

    #[test]
    fn the_binding_deadline_sets_the_target_pace() {
        // Path A: 5 left due in 7 days -> required 5/1 = 5 a week.
        // Path B: 5 left due in 140 days -> required (5+5)/20 = 0.5 a week.
        // targetPace = 5.00 due on A's date; an undated path adds 3 to remaining only.
        let mut r = record(1);
        r.paths.push(path(1, 10, 5, Some(7)));
        r.paths.push(path(2, 10, 5, Some(140)));
        r.paths.push(path(3, 3, 0, None));
        let v = run(&r, Window::Days30);
        assert_eq!(v.comparison_to_goal.target_pace, Some(5.0));
        assert_eq!(
            v.predictions.target_completion_date,
            Some(today() + Duration::days(7))
        );
        assert_eq!(v.predictions.remaining_topics, 13);
        // currentPace 0 -> variance -100 -> behind
        assert_eq!(v.comparison_to_goal.status, GoalStatus::Behind);
        assert!(v.momentum.recommendation.contains("5.00 topics a week"));
    }

    #[test]
    fn a_module_mapped_to_a_topic_counts_once() {
        // Topic 1 completed on the path (30 h ago) and through module 1 (10 h ago): one unit,
        // at 30 h ago. Module 2 is unmapped: a second unit. Module time 60 + 30 min and
        // DevLab 30 min -> 2 h over 2 units -> 1.0 h per topic.
        let catalog = Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![module(1, Some(tid(1))), module(2, None)],
            vec![],
            vec![],
            vec![],
        );
        let mut r = record(1);
        complete(&mut r, 1, &[30]);
        r.module_progress.push(module_done(r.id(), 1, 10, 60.0));
        r.module_progress.push(module_done(r.id(), 2, 10, 30.0));
        r.practice.push(PracticeSubmission {
            id: SubmissionId(uuid::Uuid::from_u128(9)),
            user_id: r.id(),
            topic_id: None,
            skill_ids: vec![],
            started_at: now() - Duration::hours(5),
            completed_at: None,
            status: PracticeStatus::Completed,
            passed: true,
            score: None,
            duration_minutes: 30.0,
        });
        let units = progress_unit_times(&r, &catalog, now());
        assert_eq!(
            units,
            vec![now() - Duration::hours(30), now() - Duration::hours(10)]
        );
        let v = compute(
            &r,
            &catalog,
            &clock(),
            Window::Days7,
            &PathTimeBenchmarks::default(),
        )
        .ready()
        .cloned()
        .unwrap();
        assert_eq!(v.current_pace, 2.0);
        assert_eq!(v.time_analysis.total_time_spent, 2.0);
        assert_eq!(v.time_analysis.average_time_per_topic, Some(1.0));
    }

    #[test]
    fn efficient_learner_needs_k_peers_on_the_same_path() {
        // Peers 2..=11 (10 of them) on path 1 with 1..=10 h per topic: median 5.5.
        let mut values: Vec<(PathId, UserId, f64)> =
            (2..=11).map(|n| (pid(1), uid(n), (n - 1) as f64)).collect();
        // The subject (1 h per topic) is in the benchmark too and must be excluded.
        values.push((pid(1), uid(1), 1.0));
        let benchmarks = PathTimeBenchmarks::from_values(values.clone());
        assert_eq!(benchmarks.peer_median(pid(1), uid(1)).shown(), Some(&5.5));
        let mut r = record(1);
        complete(&mut r, 0, &[5]);
        r.module_progress.push(ModuleProgress {
            time_spent_minutes: 60.0,
            ..module_done(r.id(), 1, 5, 60.0)
        });
        r.paths.push(path(1, 10, 1, None));
        let v = |b: &PathTimeBenchmarks| {
            compute(&r, &Catalog::default(), &clock(), Window::Days30, b)
                .ready()
                .cloned()
                .unwrap()
        };
        // 1 h over 2 units (topic + unmapped module) = 0.5 <= 5.5
        assert_eq!(v(&benchmarks).time_analysis.efficient_learner, Some(true));
        // 9 peers: suppressed.
        values.retain(|(_, u, _)| *u != uid(11));
        let small = PathTimeBenchmarks::from_values(values);
        assert!(small.peer_median(pid(1), uid(1)).is_suppressed());
        assert_eq!(v(&small).time_analysis.efficient_learner, None);
    }

    #[test]
    fn median_excluding_removes_one_occurrence() {
        let sorted = [1.0, 2.0, 2.0, 5.0, 9.0];
        // without one 2.0: [1, 2, 5, 9] -> 3.5
        assert_eq!(median_excluding(&sorted, Some(2.0)), 3.5);
        // without 9.0: [1, 2, 2, 5] -> 2.0
        assert_eq!(median_excluding(&sorted, Some(9.0)), 2.0);
        assert_eq!(median_excluding(&sorted, None), 2.0);
        assert_eq!(median_excluding(&[4.0], Some(4.0)), 0.0);
    }

    #[test]
    fn momentum_levels_follow_the_thresholds() {
        assert_eq!(MomentumLevel::of(75), MomentumLevel::Strong);
        assert_eq!(MomentumLevel::of(74), MomentumLevel::Steady);
        assert_eq!(MomentumLevel::of(50), MomentumLevel::Steady);
        assert_eq!(MomentumLevel::of(49), MomentumLevel::Slowing);
        assert_eq!(MomentumLevel::of(25), MomentumLevel::Slowing);
        assert_eq!(MomentumLevel::of(24), MomentumLevel::Stalled);
    }

    #[test]
    fn ninety_day_history_has_thirteen_weeks() {
        let mut r = record(1);
        complete(&mut r, 0, &[1, 90 * 24 - 1, 91 * 24 - 1]);
        let v = run(&r, Window::Days90);
        assert_eq!(v.history.len(), 13);
        assert_eq!(v.history[0].period_start, today() - Duration::days(90));
        // 1 h ago -> today, last bucket; 90 days - 1 h ago -> today - 90, the first day of the
        // first bucket; 91 days - 1 h ago -> outside.
        assert_eq!(v.history[12].topics_completed, 1);
        assert_eq!(v.history[0].topics_completed, 1);
        assert_eq!(v.history.iter().map(|b| b.topics_completed).sum::<i64>(), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn outputs_are_finite_bounded_and_deterministic(
            completions in proptest::collection::vec(0i64..24 * 120, 0..40),
            paths in proptest::collection::vec((0i32..30, 0i32..30, proptest::option::of(-20i64..200)), 0..4),
            minutes in proptest::collection::vec(0.0f64..500.0, 0..5),
            window in prop_oneof![Just(Window::Days7), Just(Window::Days30), Just(Window::Days90)],
        ) {
            let mut r = record(1);
            complete(&mut r, 0, &completions);
            for (i, (total, done, due)) in paths.iter().enumerate() {
                r.paths.push(path(i as u128, *total, *done, *due));
            }
            for (i, m) in minutes.iter().enumerate() {
                r.module_progress.push(module_done(r.id(), 100 + i as u128, 3, *m));
            }
            let first = compute(&r, &Catalog::default(), &clock(), window, &PathTimeBenchmarks::default());
            let second = compute(&r, &Catalog::default(), &clock(), window, &PathTimeBenchmarks::default());
            prop_assert_eq!(&first, &second);
            let Some(v) = first.ready() else { return Ok(()); };
            let finite = |x: f64| x.is_finite();
            prop_assert!(finite(v.current_pace) && finite(v.average_pace));
            prop_assert!(v.trend_percentage.is_none_or(finite));
            prop_assert!(v.comparison_to_goal.target_pace.is_none_or(|p| finite(p) && p > 0.0));
            prop_assert!(v.comparison_to_goal.variance.is_none_or(finite));
            prop_assert!(finite(v.time_analysis.total_time_spent));
            prop_assert!(v.time_analysis.average_time_per_topic.is_none_or(finite));
            prop_assert!((0..=100).contains(&v.momentum.score));
            prop_assert_eq!(v.momentum.level, MomentumLevel::of(v.momentum.score));
            prop_assert!(v.predictions.remaining_topics >= 0);
            if v.predictions.on_track {
                prop_assert!(v.average_pace > 0.0);
                prop_assert!(v.predictions.target_completion_date.is_some());
            }
            if let Some(var) = v.comparison_to_goal.variance {
                let expected = if var > 10.0 { GoalStatus::Ahead } else if var < -10.0 { GoalStatus::Behind } else { GoalStatus::OnTrack };
                // Compare on the unrounded value's side of the threshold only away from it.
                if (var - 10.0).abs() > 0.1 && (var + 10.0).abs() > 0.1 {
                    prop_assert_eq!(v.comparison_to_goal.status, expected);
                }
            }
            let buckets = match window { Window::Days7 => 7, Window::Days30 => 5, Window::Days90 => 13 };
            prop_assert_eq!(v.history.len(), buckets);
            prop_assert_eq!(v.history.last().unwrap().period_start + Duration::days(if window == Window::Days7 { 0 } else { 6 }), today());
            prop_assert!(serde_json::to_string(v).is_ok());
        }
    }
}
