//! AS-004.16 Learning Outcome Forecasting (`learning_outcome_forecasting`).
//!
//! Question: when will this learner finish this course or path, how likely are they to
//! finish, and with what grade, under a study-time scenario? Subject: (learner, course or
//! path); plus cohort aggregates for trainers (a course's learners) and org admins (the
//! organisation's employees) over at least K learners ([`compute_cohort`]).
//!
//! Inputs: the scope's remaining units (LAI path topics or CB course modules), the unit
//! completions and the learner's learning hours of the last 4 weeks, the scope's attempt
//! scores and counts (ASM), the last activity, and the stored daily forecasts
//! ([`ForecastHistory`], decision 15) for `actualVsPredicted`. Query ([`ForecastQuery`]):
//! `courseId | pathId`, `start`, `end`, scenario `weeklyStudyHours`, `breakWeeks` (0).
//!
//! # Formulas
//! - `topicsPerWeek = completions last 28 d / 4`; `baselineHours` = observed mean weekly
//!   learning hours of the last 28 d (0 → 5), the default `weeklyStudyHours`.
//! - `effectiveVelocity = max(0.5, topicsPerWeek * weeklyStudyHours / baselineHours)`;
//!   `timeToCompleteWeeks = ceil(remaining / effectiveVelocity) + breakWeeks`;
//!   `forecastCompletionDate = today + 7 * weeks` days.
//! - `expectedFinalGrade`: no score → null; n < 3 → mean; else `clamp(mean(last 3) + 2 *
//!   slope, 0, 100)`.
//! - `completionProbability = round(100 * clamp(0.8 - 0.1[weeks > 8] - 0.2[inactive > 7 d] -
//!   0.2 * failRate, 0, 1))`, failRate = share of attempted assessments needing > 1 attempt.
//! - `confidence = 0.4 * min(1, nScores/5) + 0.3 * min(1, weeksOfHistory/4) + 0.3 * (1 -
//!   min(1, cv))`, cv = coefficient of variation (population) of the 4 weekly completion
//!   counts (mean 0 → 1); 2 dp.
//! - Cohort: mean probability, % of learners with probability >= 70, median completion date,
//!   mean grade, shown only for >= K learners.
//!
//! # Decided here
//! - Scope without `courseId`/`pathId` (decision 12): the most recently active path that is
//!   not completed (by `lastActivityAt`, ties by path id); without one, the most recently
//!   active `active` enrollment (`lastActivityAt`, else `enrolledAt`); without either,
//!   insufficient data. Both given: the course wins. A given scope the learner never started
//!   is insufficient data, and so is a course that lists no modules.
//! - Units: a path's remaining topics are `topicsTotal - topicsCompleted` (0 when completed)
//!   and its completions are its topic completions; a course's remaining units are its
//!   modules without a completion (0 when the enrollment is completed) and its completions
//!   are module completions.
//! - Learning hours are the learner's sessions on the whole platform (sessions rarely carry a
//!   course). A scenario `weeklyStudyHours` below 0 or not finite counts as 0.
//! - Nothing remaining: 0 weeks (a break does not delay what is already done).
//! - Scores are the scope's non-pre attempts (course: its assessments; path: assessments
//!   whose topic, or whose module's topic, belongs to the path), chronological; `slope` is the
//!   OLS slope over the last 10 (as AS-001.5's `scoreProgression`).
//! - "Needing > 1 attempt": the first attempt did not pass. "Inactive > 7 d": more than 7
//!   whole days since the latest of the learner's activity events and the scope's own
//!   `lastActivityAt` (never active counts as inactive).
//! - `weeksOfHistory` = whole weeks since the scope started (path `startedAt`, `enrolledAt`).
//! - The 4 weekly counts are rolling 7-day blocks ending now (days 1-7, 8-14, 15-21, 22-28).
//! - `actualVsPredicted`: 7-day weeks from `start` (default `today - window`) to `end`
//!   (default today, never after today), at most 53 weeks (the latest kept); `actualTopics` =
//!   completions in the week (calendar days); `predictedTopics` = the stored effective velocity
//!   of the latest stored forecast dated on or before the week's start (null without one),
//!   2 dp. The velocity to store each day is [`LearningOutcomeForecast::effective_velocity`].
//! - `aiExplanation` is a deterministic template (no AI here).
//! - Cohort output: `{scope, subjectId, aggregates}` with `aggregates` `{sampleSize,
//!   meanCompletionProbability, likelyToCompletePct, medianForecastCompletionDate,
//!   meanExpectedFinalGrade}` guarded by K (below K only the marker, no size) (the brief asks for the guard also on trainer
//!   views); the mean grade is null when fewer than K learners have a grade; the median date
//!   is the interpolated median day, rounded half away from zero.

use super::fmt_num;
use crate::analytics::activity::{events_up_to_now, learning_hours};
use crate::analytics::common::{
    Clock, Window, clamp, mean, median, ols, round_dp, round_int, std_pop,
};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::analytics::privacy::Guarded;
use crate::analytics::{Analysis, K};
use crate::ids::{AssessmentId, CourseId, PathId, UserId};
use crate::model::{AssessmentKind, EnrollmentStatus, PathStatus};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Baseline weekly hours when none were observed.
pub const DEFAULT_WEEKLY_HOURS: f64 = 5.0;
/// Floor of the effective velocity (units per week).
pub const MIN_VELOCITY: f64 = 0.5;
/// Longest `actualVsPredicted` series.
pub const MAX_WEEKS: i64 = 53;

/// The query of P2.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastQuery {
    pub course_id: Option<CourseId>,
    pub path_id: Option<PathId>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub weekly_study_hours: Option<f64>,
    pub break_weeks: u32,
}

/// One stored daily forecast: the effective velocity (units per week) predicted that day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredForecast {
    pub date: NaiveDate,
    pub topics_per_week: f64,
}

/// The stored daily forecasts of this subject and scope (any order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastHistory {
    pub forecasts: Vec<StoredForecast>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastScope {
    Course,
    Path,
}

// ---------------------------------------------------------------- output

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningOutcomeForecast {
    pub scope: ForecastScope,
    pub subject_id: UserId,
    pub course_id: Option<CourseId>,
    pub path_id: Option<PathId>,
    pub forecast: Forecast,
    pub scenario: Scenario,
    pub actual_vs_predicted: Vec<WeekComparison>,
    pub insights: Vec<String>,
    pub ai_explanation: Option<String>,
    /// The effective velocity behind this forecast, unrounded: what the daily history stores
    /// for a later `actualVsPredicted` (not part of the output).
    #[serde(skip)]
    pub effective_velocity: f64,
    /// The scope's display name (templates and AS-004.17; not part of the output).
    #[serde(skip)]
    pub scope_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    pub completion_probability: i64,
    pub expected_final_grade: Option<i64>,
    pub time_to_complete_weeks: i64,
    pub forecast_completion_date: NaiveDate,
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub weekly_study_hours: f64,
    pub break_weeks: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekComparison {
    pub week_start: NaiveDate,
    pub actual_topics: i64,
    pub predicted_topics: Option<f64>,
}

// ---------------------------------------------------------------- scope

/// The resolved subject scope.
struct Scope {
    kind: ForecastScope,
    course_id: Option<CourseId>,
    path_id: Option<PathId>,
    name: String,
    remaining: i64,
    started_at: DateTime<Utc>,
    last_activity: Option<DateTime<Utc>>,
    /// Unit completion instants (up to now).
    completions: Vec<DateTime<Utc>>,
    /// Assessments in scope.
    assessments: BTreeSet<AssessmentId>,
}

fn path_scope(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    path_id: PathId,
) -> Option<Scope> {
    let up = record
        .paths
        .iter()
        .filter(|p| p.path_id == path_id)
        .max_by_key(|p| (p.last_activity_at, p.started_at))?;
    let path = catalog.paths.get(&path_id);
    let topics: BTreeSet<_> = path
        .map(|p| p.topics.iter().map(|t| t.topic_id).collect())
        .unwrap_or_default();
    let remaining = if up.status == PathStatus::Completed {
        0
    } else {
        (i64::from(up.topics_total) - i64::from(up.topics_completed)).max(0)
    };
    let assessments = catalog
        .assessments
        .values()
        .filter(|a| {
            a.topic_id.is_some_and(|t| topics.contains(&t))
                || a.module_id
                    .and_then(|m| catalog.modules.get(&m))
                    .and_then(|m| m.topic_id)
                    .is_some_and(|t| topics.contains(&t))
        })
        .map(|a| a.id)
        .collect();
    Some(Scope {
        kind: ForecastScope::Path,
        course_id: None,
        path_id: Some(path_id),
        name: path
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "your learning path".to_owned()),
        remaining,
        started_at: up.started_at,
        last_activity: Some(up.last_activity_at),
        completions: record
            .topic_completions
            .iter()
            .filter(|t| t.path_id == path_id && t.completed_at <= clock.now)
            .map(|t| t.completed_at)
            .collect(),
        assessments,
    })
}

fn course_scope(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    course_id: CourseId,
) -> Option<Scope> {
    let enrollment = record
        .enrollments
        .iter()
        .filter(|e| e.course_id == course_id)
        .max_by_key(|e| (e.enrolled_at, e.id))?;
    let modules: BTreeSet<_> = catalog.modules_of(course_id).map(|m| m.id).collect();
    if modules.is_empty() {
        return None;
    }
    let completions: Vec<DateTime<Utc>> = record
        .module_progress
        .iter()
        .filter(|p| modules.contains(&p.module_id))
        .filter_map(|p| p.completed_at)
        .filter(|t| *t <= clock.now)
        .collect();
    let done: BTreeSet<_> = record
        .module_progress
        .iter()
        .filter(|p| modules.contains(&p.module_id))
        .filter(|p| p.completed_at.is_some_and(|t| t <= clock.now))
        .map(|p| p.module_id)
        .collect();
    let remaining = if enrollment.status == EnrollmentStatus::Completed {
        0
    } else {
        (modules.len() - done.len()) as i64
    };
    Some(Scope {
        kind: ForecastScope::Course,
        course_id: Some(course_id),
        path_id: None,
        name: catalog
            .courses
            .get(&course_id)
            .map(|c| c.title.clone())
            .unwrap_or_else(|| "your course".to_owned()),
        remaining,
        started_at: enrollment.enrolled_at,
        last_activity: enrollment.last_activity_at,
        completions,
        assessments: catalog
            .assessments
            .values()
            .filter(|a| catalog.course_of_assessment(a) == Some(course_id))
            .map(|a| a.id)
            .collect(),
    })
}

/// Decision 12: the most recently active unfinished path, else the most recently active
/// active enrollment.
fn default_scope(record: &LearnerRecord) -> Option<(Option<CourseId>, Option<PathId>)> {
    if let Some(p) = record
        .paths
        .iter()
        .filter(|p| p.status != PathStatus::Completed)
        .max_by(|a, b| {
            a.last_activity_at
                .cmp(&b.last_activity_at)
                .then(b.path_id.cmp(&a.path_id))
        })
    {
        return Some((None, Some(p.path_id)));
    }
    record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Active)
        .max_by(|a, b| {
            let ka = a.last_activity_at.unwrap_or(a.enrolled_at);
            let kb = b.last_activity_at.unwrap_or(b.enrolled_at);
            ka.cmp(&kb).then(b.course_id.cmp(&a.course_id))
        })
        .map(|e| (Some(e.course_id), None))
}

// ---------------------------------------------------------------- formulas

/// `round(100 * clamp(0.8 - 0.1[weeks > 8] - 0.2[inactive] - 0.2 * failRate, 0, 1))`.
pub fn completion_probability(weeks: i64, inactive: bool, fail_rate: f64) -> i64 {
    let mut p = 0.8;
    if weeks > 8 {
        p -= 0.1;
    }
    if inactive {
        p -= 0.2;
    }
    p -= 0.2 * clamp(fail_rate, 0.0, 1.0);
    round_int(100.0 * clamp(p, 0.0, 1.0))
}

/// No score → None; n < 3 → mean; else `clamp(mean(last 3) + 2 * slope(last 10), 0, 100)`.
pub fn expected_final_grade(scores: &[f64]) -> Option<f64> {
    let m = mean(scores)?;
    if scores.len() < 3 {
        return Some(clamp(m, 0.0, 100.0));
    }
    let last3 = &scores[scores.len() - 3..];
    let last10 = &scores[scores.len().saturating_sub(10)..];
    let slope = ols(last10).map(|(s, _)| s).unwrap_or(0.0);
    Some(clamp(mean(last3).unwrap_or(m) + 2.0 * slope, 0.0, 100.0))
}

/// `0.4 * min(1, n/5) + 0.3 * min(1, weeks/4) + 0.3 * (1 - min(1, cv))`.
pub fn confidence(n_scores: usize, weeks_of_history: i64, weekly_counts: &[f64]) -> f64 {
    let cv = match (mean(weekly_counts), std_pop(weekly_counts)) {
        (Some(m), Some(sd)) if m > 0.0 => sd / m,
        _ => 1.0,
    };
    0.4 * (n_scores as f64 / 5.0).min(1.0)
        + 0.3 * (weeks_of_history.max(0) as f64 / 4.0).min(1.0)
        + 0.3 * (1.0 - cv.min(1.0))
}

/// `ceil(remaining / velocity) + breakWeeks`; 0 when nothing remains.
pub fn weeks_to_complete(remaining: i64, velocity: f64, break_weeks: u32) -> i64 {
    if remaining <= 0 {
        return 0;
    }
    let v = velocity.max(MIN_VELOCITY);
    (remaining as f64 / v).ceil() as i64 + i64::from(break_weeks)
}

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX)
}

/// AS-004.16 for one learner.
///
/// Insufficient data when no scope can be resolved (see the module doc).
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    window: Window,
    query: &ForecastQuery,
    history: &ForecastHistory,
) -> Analysis<LearningOutcomeForecast> {
    let (course_id, path_id) = match (query.course_id, query.path_id) {
        (None, None) => match default_scope(record) {
            Some(scope) => scope,
            None => return Analysis::InsufficientData("no learning path or active enrollment"),
        },
        (Some(c), _) => (Some(c), None),
        (None, Some(p)) => (None, Some(p)),
    };
    let scope = match (course_id, path_id) {
        (Some(c), _) => course_scope(record, catalog, clock, c),
        (None, Some(p)) => path_scope(record, catalog, clock, p),
        (None, None) => None,
    };
    let Some(scope) = scope else {
        return Analysis::InsufficientData("the learner has not started this course or path");
    };
    let now = clock.now;
    let today = clock.today();

    // Pace over the last 28 days, as 4 rolling weeks.
    let weekly: Vec<f64> = (0..4)
        .map(|w| {
            scope
                .completions
                .iter()
                .filter(|t| clock.between_days_ago(**t, 7 * w, 7 * (w + 1)))
                .count() as f64
        })
        .collect();
    let topics_per_week = weekly.iter().sum::<f64>() / 4.0;
    let observed_hours = learning_hours(&record.sessions, now - Duration::days(28), now) / 4.0;
    let baseline_hours = if observed_hours > 0.0 {
        observed_hours
    } else {
        DEFAULT_WEEKLY_HOURS
    };
    let weekly_study_hours = query
        .weekly_study_hours
        .filter(|h| h.is_finite())
        .map(|h| h.max(0.0))
        .unwrap_or(baseline_hours);
    let effective_velocity =
        (topics_per_week * weekly_study_hours / baseline_hours).max(MIN_VELOCITY);
    let weeks = weeks_to_complete(scope.remaining, effective_velocity, query.break_weeks);
    let completion_date = add_days(today, weeks.saturating_mul(7));

    // Scores and first-attempt outcomes in scope.
    let mut attempts: Vec<_> = record
        .attempts
        .iter()
        .filter(|a| a.submitted_at <= now && scope.assessments.contains(&a.assessment_id))
        .filter(|a| {
            catalog
                .assessments
                .get(&a.assessment_id)
                .is_some_and(|x| x.kind != AssessmentKind::Pre)
        })
        .collect();
    attempts.sort_by_key(|a| (a.submitted_at, a.attempt_no, a.id));
    let scores: Vec<f64> = attempts.iter().filter_map(|a| a.score_pct()).collect();
    let mut first: BTreeMap<AssessmentId, (i32, DateTime<Utc>, bool)> = BTreeMap::new();
    for a in &attempts {
        let key = (a.attempt_no, a.submitted_at, a.passed);
        first
            .entry(a.assessment_id)
            .and_modify(|k| {
                if (key.0, key.1) < (k.0, k.1) {
                    *k = key;
                }
            })
            .or_insert(key);
    }
    let fail_rate = if first.is_empty() {
        0.0
    } else {
        first.values().filter(|f| !f.2).count() as f64 / first.len() as f64
    };
    let last_activity = events_up_to_now(record, clock)
        .max()
        .into_iter()
        .chain(scope.last_activity.filter(|t| *t <= now))
        .max();
    let inactive = last_activity.is_none_or(|t| clock.days_since(t) > 7);
    let probability = completion_probability(weeks, inactive, fail_rate);
    let grade = expected_final_grade(&scores);
    let weeks_of_history = clock.days_since(scope.started_at) / 7;
    let confidence = confidence(scores.len(), weeks_of_history, &weekly);

    let actual_vs_predicted =
        actual_vs_predicted(&scope.completions, clock, window, query, history);

    // Templates.
    let unit = match scope.kind {
        ForecastScope::Path => "topics",
        ForecastScope::Course => "modules",
    };
    let mut insights = Vec::new();
    if scope.remaining == 0 {
        insights.push(format!("All {unit} of {} are complete.", scope.name));
    } else {
        insights.push(format!(
            "At {} {unit} per week, the {} remaining {unit} of {} take about {weeks} weeks (until {completion_date}).",
            fmt_num(effective_velocity, 2),
            scope.remaining,
            scope.name
        ));
        if topics_per_week == 0.0 {
            insights.push(format!(
                "No {unit} were completed in the last 4 weeks; the forecast assumes the minimum pace of 0.5 per week."
            ));
        }
        if weeks > 8 {
            insights.push(
                "A timeline longer than 8 weeks lowers the completion probability by 10 points."
                    .to_owned(),
            );
        }
    }
    if inactive {
        insights.push(
            "No activity for more than 7 days lowers the completion probability by 20 points."
                .to_owned(),
        );
    }
    if fail_rate > 0.0 {
        insights.push(format!(
            "{}% of attempted assessments were not passed on the first attempt.",
            fmt_num(fail_rate * 100.0, 1)
        ));
    }
    if let Some(g) = grade {
        insights.push(format!("The expected final grade is {}.", round_int(g)));
    }
    let ai_explanation = Some(match grade {
        Some(g) => format!(
            "Forecast for {}: a {probability}% chance of completion by {completion_date}, with an expected grade of {}.",
            scope.name,
            round_int(g)
        ),
        None => format!(
            "Forecast for {}: a {probability}% chance of completion by {completion_date}.",
            scope.name
        ),
    });

    Analysis::Ready(LearningOutcomeForecast {
        scope: scope.kind,
        subject_id: record.id(),
        course_id: scope.course_id,
        path_id: scope.path_id,
        forecast: Forecast {
            completion_probability: probability,
            expected_final_grade: grade.map(round_int),
            time_to_complete_weeks: weeks,
            forecast_completion_date: completion_date,
            confidence: round_dp(confidence, 2),
        },
        scenario: Scenario {
            weekly_study_hours: round_dp(weekly_study_hours, 1),
            break_weeks: query.break_weeks,
        },
        actual_vs_predicted,
        insights,
        ai_explanation,
        effective_velocity,
        scope_name: scope.name,
    })
}

fn actual_vs_predicted(
    completions: &[DateTime<Utc>],
    clock: &Clock,
    window: Window,
    query: &ForecastQuery,
    history: &ForecastHistory,
) -> Vec<WeekComparison> {
    let today = clock.today();
    let end = query.end.unwrap_or(today).min(today);
    let mut start = query
        .start
        .unwrap_or(today - Duration::days(window.days()))
        .min(end);
    if (end - start).num_days() >= MAX_WEEKS * 7 {
        start = end - Duration::days(MAX_WEEKS * 7 - 1);
    }
    let days: Vec<NaiveDate> = completions.iter().map(|t| clock.local_date(*t)).collect();
    let mut stored: Vec<StoredForecast> = history
        .forecasts
        .iter()
        .filter(|f| f.topics_per_week.is_finite())
        .copied()
        .collect();
    stored.sort_by_key(|f| f.date);
    let mut out = Vec::new();
    let mut week_start = start;
    while week_start <= end {
        let week_end = week_start + Duration::days(7);
        let actual = days
            .iter()
            .filter(|d| **d >= week_start && **d < week_end && **d <= end)
            .count() as i64;
        let predicted = stored
            .iter()
            .rev()
            .find(|f| f.date <= week_start)
            .map(|f| round_dp(f.topics_per_week.max(0.0), 2));
        out.push(WeekComparison {
            week_start,
            actual_topics: actual,
            predicted_topics: predicted,
        });
        week_start = week_end;
    }
    out
}

// ---------------------------------------------------------------- cohort

/// One learner's forecast, as the cohort aggregates need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortMember {
    pub completion_probability: i64,
    pub forecast_completion_date: NaiveDate,
    pub expected_final_grade: Option<i64>,
}

impl CohortMember {
    /// Builder from a learner's forecast.
    pub fn from_forecast(forecast: &LearningOutcomeForecast) -> Self {
        CohortMember {
            completion_probability: forecast.forecast.completion_probability,
            forecast_completion_date: forecast.forecast.forecast_completion_date,
            expected_final_grade: forecast.forecast.expected_final_grade,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortScope {
    Course,
    Org,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortForecast {
    pub scope: CohortScope,
    pub subject_id: Uuid,
    pub aggregates: Guarded<CohortAggregates>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortAggregates {
    pub sample_size: usize,
    pub mean_completion_probability: f64,
    pub likely_to_complete_pct: f64,
    pub median_forecast_completion_date: NaiveDate,
    pub mean_expected_final_grade: Option<f64>,
}

/// The trainer (course) or org cohort aggregates over the members' forecasts, shown for at
/// least K learners.
pub fn compute_cohort(
    scope: CohortScope,
    subject_id: Uuid,
    members: &[CohortMember],
) -> CohortForecast {
    let aggregates = Guarded::new(members.len(), || {
        let n = members.len() as f64;
        let probabilities: Vec<f64> = members
            .iter()
            .map(|m| m.completion_probability as f64)
            .collect();
        let likely = members
            .iter()
            .filter(|m| m.completion_probability >= 70)
            .count() as f64;
        let days: Vec<f64> = members
            .iter()
            .map(|m| f64::from(m.forecast_completion_date.num_days_from_ce()))
            .collect();
        let median_day = median(&days).map(round_int).unwrap_or(0);
        let median_date = i32::try_from(median_day)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or(NaiveDate::MAX);
        let grades: Vec<f64> = members
            .iter()
            .filter_map(|m| m.expected_final_grade.map(|g| g as f64))
            .collect();
        CohortAggregates {
            sample_size: members.len(),
            mean_completion_probability: round_dp(mean(&probabilities).unwrap_or(0.0), 1),
            likely_to_complete_pct: round_dp(likely / n * 100.0, 1),
            median_forecast_completion_date: median_date,
            mean_expected_final_grade: (grades.len() >= K)
                .then(|| round_dp(mean(&grades).unwrap_or(0.0), 1)),
        }
    });
    CohortForecast {
        scope,
        subject_id,
        aggregates,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::ids::{ModuleId, PathId, TopicId};
    use crate::model::{
        AssessmentKind, EnrollmentStatus, ModuleProgress, PathStatus, TopicCompletion,
        UserLearningPath,
    };
    use proptest::prelude::*;

    const P: u128 = 500;

    fn user_path(
        total: i32,
        done: i32,
        started_days: f64,
        last_days: f64,
        status: PathStatus,
    ) -> UserLearningPath {
        UserLearningPath {
            user_id: UserId(u(1)),
            path_id: PathId(u(P)),
            status,
            started_at: ago(started_days),
            target_date: None,
            topics_total: total,
            topics_completed: done,
            progress_pct: 0.0,
            completed_at: None,
            last_activity_at: ago(last_days),
        }
    }

    fn topic_done(topic: u128, days: f64) -> TopicCompletion {
        TopicCompletion {
            user_id: UserId(u(1)),
            path_id: PathId(u(P)),
            topic_id: TopicId(u(topic)),
            completed_at: ago(days),
        }
    }

    fn path_catalog() -> Catalog {
        let mut a1 = assessment(201, 100, AssessmentKind::Quiz, &[]);
        a1.course_id = None;
        a1.topic_id = Some(TopicId(u(601)));
        let mut a2 = assessment(202, 100, AssessmentKind::Exam, &[]);
        a2.course_id = None;
        a2.topic_id = Some(TopicId(u(602)));
        catalog(
            vec![],
            vec![course(100, "Rust Basics")],
            (0..4)
                .map(|i| module(400 + i, 100, i as i32, None))
                .collect(),
            vec![a1, a2],
            vec![path(P, "Backend Path", &(601..621).collect::<Vec<_>>())],
            vec![],
        )
    }

    /// 20 topics, 8 done; 6 completions in 28 d as weeks [2, 1, 2, 1]; 16 h of sessions in
    /// 28 d; scores 60 (fail), 75 (retry, pass), 80 (pass); started 60 days ago.
    fn path_learner() -> LearnerRecord {
        let mut r = record(1);
        r.paths = vec![user_path(20, 8, 60.0, 1.0, PathStatus::Active)];
        r.topic_completions = [1.0, 3.0, 10.0, 15.0, 20.0, 25.0, 40.0, 41.0]
            .iter()
            .enumerate()
            .map(|(i, d)| topic_done(601 + i as u128, *d))
            .collect();
        r.sessions = (0..8)
            .map(|i| session(1, i, 1.5 + 3.0 * i as f64, Some(120)))
            .collect();
        r.attempts = vec![
            attempt(1, 1, 201, 1, 12.0, 60.0, false),
            attempt(1, 2, 201, 2, 11.0, 75.0, true),
            attempt(1, 3, 202, 1, 5.0, 80.0, true),
        ];
        r.sort();
        r
    }

    fn run(r: &LearnerRecord, q: &ForecastQuery) -> LearningOutcomeForecast {
        match compute(
            r,
            &path_catalog(),
            &clock(),
            Window::Days30,
            q,
            &ForecastHistory::default(),
        ) {
            Analysis::Ready(f) => f,
            Analysis::InsufficientData(why) => panic!("{why}"),
        }
    }

    #[test]
    fn hand_computed_path_forecast() {
        let f = run(&path_learner(), &ForecastQuery::default());
        // Default scope: the active path.
        assert_eq!(
            (f.scope, f.path_id, f.course_id),
            (ForecastScope::Path, Some(PathId(u(P))), None)
        );
        // topicsPerWeek = 6 / 4 = 1.5; baseline = 16 h / 4 = 4 = weeklyStudyHours; eff = 1.5.
        // weeks = ceil(12 / 1.5) = 8; date = 2026-06-15 + 56 d = 2026-08-10.
        assert_eq!(
            f.scenario,
            Scenario {
                weekly_study_hours: 4.0,
                break_weeks: 0
            }
        );
        assert_eq!(f.effective_velocity, 1.5);
        assert_eq!(f.forecast.time_to_complete_weeks, 8);
        assert_eq!(
            f.forecast.forecast_completion_date,
            NaiveDate::from_ymd_opt(2026, 8, 10).unwrap()
        );
        // failRate = 1 of 2 first attempts failed = 0.5: 0.8 - 0.1 = 0.7 -> 70 (8 weeks is not > 8).
        assert_eq!(f.forecast.completion_probability, 70);
        // Scores 60, 75, 80: slope 10, mean(last 3) 71.67 + 20 = 91.67 -> 92.
        assert_eq!(f.forecast.expected_final_grade, Some(92));
        // 0.4 * 3/5 = 0.24; 8 weeks of history -> 0.3; cv of [2,1,2,1] = 0.5/1.5 -> 0.3 * 2/3
        // = 0.2. Total 0.74.
        assert_eq!(f.forecast.confidence, 0.74);
        assert!(
            f.ai_explanation
                .as_deref()
                .unwrap()
                .contains("Backend Path")
        );
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["forecast"]["forecastCompletionDate"], "2026-08-10");
        assert!(json.get("effectiveVelocity").is_none());
        assert!(json["courseId"].is_null());
    }

    #[test]
    fn scenarios_change_the_timeline() {
        let r = path_learner();
        // 8 h: eff = 1.5 * 8 / 4 = 3; ceil(12 / 3) = 4 + 2 break weeks = 6.
        let f = run(
            &r,
            &ForecastQuery {
                weekly_study_hours: Some(8.0),
                break_weeks: 2,
                ..Default::default()
            },
        );
        assert_eq!(f.forecast.time_to_complete_weeks, 6);
        assert_eq!(f.forecast.completion_probability, 70);
        // 2 h: eff = 0.75; 16 weeks > 8 -> 0.8 - 0.1 - 0.1 = 0.6 -> 60.
        let f = run(
            &r,
            &ForecastQuery {
                weekly_study_hours: Some(2.0),
                ..Default::default()
            },
        );
        assert_eq!(f.forecast.time_to_complete_weeks, 16);
        assert_eq!(f.forecast.completion_probability, 60);
        // 0 h: the 0.5 floor; ceil(12 / 0.5) = 24.
        let f = run(
            &r,
            &ForecastQuery {
                weekly_study_hours: Some(-3.0),
                ..Default::default()
            },
        );
        assert_eq!(f.scenario.weekly_study_hours, 0.0);
        assert_eq!(f.forecast.time_to_complete_weeks, 24);
    }

    #[test]
    fn an_idle_learner_gets_the_floor_velocity() {
        // No completions, sessions or scores; last activity 30 days ago; started 2 days ago.
        // eff = max(0.5, 0) = 0.5; weeks = ceil(10 / 0.5) = 20 -> today + 140 d.
        // p = 0.8 - 0.1 (weeks > 8) - 0.2 (inactive) = 0.5 -> 50. Confidence 0: no scores,
        // 0 weeks of history, cv = 1 (mean 0).
        let mut r = record(1);
        r.paths = vec![user_path(10, 0, 2.0, 30.0, PathStatus::Active)];
        let f = run(&r, &ForecastQuery::default());
        assert_eq!(f.scenario.weekly_study_hours, 5.0, "baseline 0 -> 5 h");
        assert_eq!(f.forecast.time_to_complete_weeks, 20);
        assert_eq!(
            f.forecast.forecast_completion_date,
            clock().today() + Duration::days(140)
        );
        assert_eq!(f.forecast.completion_probability, 50);
        assert_eq!(f.forecast.expected_final_grade, None);
        assert_eq!(f.forecast.confidence, 0.0);
    }

    #[test]
    fn finished_scopes_take_no_weeks_and_scopes_resolve_as_decided() {
        let mut r = path_learner();
        r.paths[0].status = PathStatus::Completed;
        // A completed path is no default scope; no active enrollment either.
        assert!(matches!(
            compute(
                &r,
                &path_catalog(),
                &clock(),
                Window::Days30,
                &ForecastQuery::default(),
                &ForecastHistory::default()
            ),
            Analysis::InsufficientData(_)
        ));
        // Asked for explicitly: nothing remains, 0 weeks despite the break.
        let f = run(
            &r,
            &ForecastQuery {
                path_id: Some(PathId(u(P))),
                break_weeks: 3,
                ..Default::default()
            },
        );
        assert_eq!(f.forecast.time_to_complete_weeks, 0);
        assert_eq!(f.forecast.forecast_completion_date, clock().today());
        // Course fallback: 4 modules, 1 completed -> 3 remaining.
        r.enrollments = vec![enrollment(1, 1, 100, 20.0, EnrollmentStatus::Active, 25.0)];
        r.module_progress = vec![ModuleProgress {
            user_id: UserId(u(1)),
            module_id: ModuleId(u(400)),
            started_at: Some(ago(15.0)),
            completed_at: Some(ago(10.0)),
            progress_pct: 100.0,
            time_spent_minutes: 60.0,
        }];
        let f = run(&r, &ForecastQuery::default());
        assert_eq!(
            (f.scope, f.course_id),
            (ForecastScope::Course, Some(CourseId(u(100))))
        );
        // 1 completion in 28 d: 0.25 per week -> floor 0.5 (16 h / 4 = 4 h baseline); ceil(3/0.5) = 6.
        assert_eq!(f.forecast.time_to_complete_weeks, 6);
        // A path the learner never started.
        assert!(matches!(
            compute(
                &r,
                &path_catalog(),
                &clock(),
                Window::Days30,
                &ForecastQuery {
                    path_id: Some(PathId(u(999))),
                    ..Default::default()
                },
                &ForecastHistory::default()
            ),
            Analysis::InsufficientData(_)
        ));
    }

    #[test]
    fn formula_boundaries() {
        assert_eq!(completion_probability(8, false, 0.0), 80);
        assert_eq!(completion_probability(9, false, 0.0), 70);
        assert_eq!(completion_probability(9, true, 1.0), 30);
        // 0.8 - 0.2 / 3 = 0.7333 -> 73.
        assert_eq!(completion_probability(1, false, 1.0 / 3.0), 73);
        assert_eq!(expected_final_grade(&[]), None);
        assert_eq!(expected_final_grade(&[70.0, 80.0]), Some(75.0));
        // slope 5: 95 + 10 = 105 -> clamped to 100.
        assert_eq!(expected_final_grade(&[90.0, 95.0, 100.0]), Some(100.0));
        assert_eq!(weeks_to_complete(0, 0.0, 4), 0);
        assert_eq!(weeks_to_complete(3, 1.0, 0), 3);
        assert_eq!(weeks_to_complete(3, 0.0, 1), 7);
        // Even weekly counts: cv 0 -> full 0.3.
        assert!((confidence(5, 4, &[2.0, 2.0, 2.0, 2.0]) - 1.0).abs() < 1e-12);
        assert!((confidence(0, 0, &[0.0; 4])).abs() < 1e-12);
    }

    #[test]
    fn actual_vs_predicted_uses_stored_forecasts() {
        let today = clock().today();
        let history = ForecastHistory {
            forecasts: vec![
                StoredForecast {
                    date: today - Duration::days(40),
                    topics_per_week: 1.234,
                },
                StoredForecast {
                    date: today - Duration::days(10),
                    topics_per_week: 2.0,
                },
            ],
        };
        let f = match compute(
            &path_learner(),
            &path_catalog(),
            &clock(),
            Window::Days30,
            &ForecastQuery::default(),
            &history,
        ) {
            Analysis::Ready(f) => f,
            _ => unreachable!(),
        };
        // Weeks start at today - 30, -23, -16, -9, -2.
        let starts: Vec<i64> = f
            .actual_vs_predicted
            .iter()
            .map(|w| (today - w.week_start).num_days())
            .collect();
        assert_eq!(starts, vec![30, 23, 16, 9, 2]);
        let predicted: Vec<Option<f64>> = f
            .actual_vs_predicted
            .iter()
            .map(|w| w.predicted_topics)
            .collect();
        assert_eq!(
            predicted,
            vec![Some(1.23), Some(1.23), Some(1.23), Some(2.0), Some(2.0)]
        );
        // Completions 1, 3, 10, 15, 20, 25 days ago (dates at 12:00 UTC, now 12:00):
        // [-30,-23): 25; [-23,-16): 20; [-16,-9): 15, 10; [-9,-2): 3; [-2, today]: 1.
        let actual: Vec<i64> = f
            .actual_vs_predicted
            .iter()
            .map(|w| w.actual_topics)
            .collect();
        assert_eq!(actual, vec![1, 1, 2, 1, 1]);
    }

    #[test]
    fn cohorts_below_k_are_suppressed() {
        let member = |p: i64, d: i64, g: Option<i64>| CohortMember {
            completion_probability: p,
            forecast_completion_date: clock().today() + Duration::days(d),
            expected_final_grade: g,
        };
        let nine: Vec<_> = (0..9).map(|i| member(70, i, Some(80))).collect();
        let c = compute_cohort(CohortScope::Course, u(100), &nine);
        assert!(c.aggregates.is_suppressed());
        assert_eq!(
            serde_json::to_value(&c).unwrap()["aggregates"],
            serde_json::json!({"insufficientData": true, "minimumRequired": 10})
        );
        // 10 members: probabilities 5 x 80 and 5 x 60 -> mean 70, 50% >= 70; days 0..9 ->
        // median 4.5 -> 5 (half away from zero); 9 grades < K -> null.
        let ten: Vec<_> = (0..10)
            .map(|i| member(if i < 5 { 80 } else { 60 }, i, (i > 0).then_some(80)))
            .collect();
        let c = compute_cohort(CohortScope::Org, u(9000), &ten);
        let a = c.aggregates.shown().unwrap();
        assert_eq!(a.sample_size, 10);
        assert_eq!(a.mean_completion_probability, 70.0);
        assert_eq!(a.likely_to_complete_pct, 50.0);
        assert_eq!(
            a.median_forecast_completion_date,
            clock().today() + Duration::days(5)
        );
        assert_eq!(a.mean_expected_final_grade, None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn forecasts_stay_in_range(
            total in 0i32..60,
            done in 0i32..60,
            completions in proptest::collection::vec(0.0f64..60.0, 0..20),
            scores in proptest::collection::vec((0.0f64..110.0, any::<bool>(), 1i32..4), 0..10),
            hours in proptest::option::of(-5.0f64..40.0),
            breaks in 0u32..10,
            last in 0.0f64..40.0,
        ) {
            let mut r = record(1);
            r.paths = vec![user_path(total, done, 50.0, last, PathStatus::Active)];
            r.topic_completions = completions.iter().enumerate().map(|(i, d)| topic_done(601 + i as u128, *d)).collect();
            r.attempts = scores.iter().enumerate().map(|(i, (s, p, n))| attempt(1, i as u128, 201 + (i as u128 % 2), *n, 30.0 - i as f64, *s, *p)).collect();
            r.sort();
            let q = ForecastQuery { weekly_study_hours: hours, break_weeks: breaks, ..Default::default() };
            let f = run(&r, &q);
            prop_assert_eq!(&f, &run(&r, &q));
            prop_assert!((0..=80).contains(&f.forecast.completion_probability));
            prop_assert!(f.forecast.time_to_complete_weeks >= 0);
            prop_assert!((0.0..=1.0).contains(&f.forecast.confidence));
            if let Some(g) = f.forecast.expected_final_grade { prop_assert!((0..=100).contains(&g)); }
            prop_assert!(f.effective_velocity >= MIN_VELOCITY);
            prop_assert_eq!(f.forecast.forecast_completion_date, clock().today() + Duration::days(7 * f.forecast.time_to_complete_weeks));
            let json = serde_json::to_string(&f).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
        }
    }
}
