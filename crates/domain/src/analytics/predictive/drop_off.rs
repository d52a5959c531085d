//! AS-004.15 Drop-Off Risk Prediction (`drop_off_risk`, model `rules-v1`).
//!
//! Question: how likely is this learner to drop out of this course, why, and what should be
//! done about it? Subject: (learner, course). Without a `courseId` the subject is the
//! learner's active enrollment with the highest risk score (the maximum over active
//! enrollments; ties go to the earliest enrollment).
//!
//! Inputs: the learner's sessions (AUTH), the attempts on the course's assessments (ASM), the
//! interactions with the course's content (CS), help requests (RAG), the enrollment's
//! progress and `enrolledAt` (CB), and the stored daily risk scores of the last 30 days
//! ([`DropOffHistory`], decision 15).
//!
//! # Points (categories cap at 40 / 30 / 20 / 10)
//!
//! | Category | Factor (output name) | Points |
//! |---|---|---|
//! | engagement | whole days since last login d (`daysSinceLastLogin`) | > 14 or never: 15; 7-14: 10; 3-6: 5; < 3: 0 |
//! | | logins last 30 d f (`loginsLast30Days`) | < 2: 15; 2-4: 10; 5-8: 5; > 8: 0 |
//! | | mean session minutes m, 30 d (`averageSessionMinutes`) | < 5 or none: 10; [5,15): 5; [15,30]: 2; > 30: 0 |
//! | performance | mean of the last 5 attempts s (`recentAverageScore`) | < 50: 15; [50,70): 10; [70,85]: 5; > 85: 0; none: 7 |
//! | | trend change c % (`scoreTrend`) | < -10: 15; [-10,-5): 10; [-5,5]: 5; > 5: 0; fewer than 4 attempts: 5 |
//! | behavioral | content completion r % (`contentCompletionRate`) | < 30: 10; [30,50): 7; [50,70]: 4; > 70: 0; nothing started: 4 |
//! | | help requests 30 d h (`helpRequestsLast30Days`) | 0: 10; 1-2: 5; 3-5: 2; > 5: 0 |
//! | progress | course progress p % (`courseProgress`) | < 20: 10; [20,40): 7; [40,60]: 4; > 60: 0; enrolled < 7 days: 0 |
//!
//! - Trend: the last `min(n, 10)` attempts split into an older and a newer half (the middle
//!   item goes to the newer half); `c = (newerMean - olderMean) / olderMean * 100`.
//! - `riskScore` = sum of points; `riskLevel` critical 75-100, high 50-74, medium 25-49, low
//!   0-24, `riskLevelColor` red / orange / yellow / green.
//! - `dataCompletenessScore` = factors with real data / 8 (2 dp); `confidenceScore =
//!   round(0.5 + 0.5 * completeness, 2)`.
//! - Interventions, every match, sorted critical > high > medium > low (the order below
//!   within a priority): d > 14 (or never) re-engagement email (high); 7 < d <= 14 gentle
//!   reminder (medium); s < 60 tutoring / 1-on-1 (high); c < -10 content difficulty review
//!   (medium); r < 50 alternative content format (medium); p < 30 check-in meeting (high);
//!   h = 0 encourage help-seeking (low); score >= 75 immediate manual outreach (critical).
//! - `aiExplanation` is the deterministic template of [`explain`] (no AI here; an AI text
//!   would be cached under [`explanation_key`], the factor points);
//!   `historicalTrend` = the stored daily scores of the last 30 days, oldest first.
//!
//! # Decided here
//! - Logins (d, f, m) are the learner's sessions on the whole platform: sessions rarely carry
//!   a course, and a learner who stops logging in stops everywhere.
//! - s and c read the attempts on the course's assessments except pre-assessments (a low
//!   pre-test score is expected, not a risk), chronologically, all time.
//! - r is over the course's content, all time (the table gives a 30-day window only to f, m
//!   and h): distinct items completed / distinct items started * 100.
//! - h counts help requests of the last 30 days attributed to this course or to no course.
//! - olderMean = 0: c is `null`; 0 points if the newer mean is above 0 (improving), else 5.
//! - Real data (completeness): d unless never logged in, m unless no timed session in 30 d,
//!   s unless no attempt, c unless fewer than 4 attempts, r unless nothing started; f, h and p
//!   always (a zero count from a present source is zero activity, decision 9).
//! - The check-in intervention (p < 30) is skipped for enrollments younger than 7 days, like
//!   their progress points; "never logged in" triggers the re-engagement email.
//! - A `courseId` whose latest enrollment is not `active` (completed or dropped) has nothing
//!   left to predict: insufficient data. So is a learner without any active enrollment.
//! - `courseId` in the output is the course the factors describe, also when it was chosen as
//!   the maximum; `metadata.cacheHit` is `false` here (the serving layer sets it).

use super::course_of_content;
use crate::analytics::Analysis;
use crate::analytics::activity::session_minutes;
use crate::analytics::common::{Clock, growth_pct, mean, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::ids::{CourseId, UserId};
use crate::model::{AssessmentKind, Enrollment, EnrollmentStatus};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// `metadata.modelVersion`.
pub const MODEL_VERSION: &str = "rules-v1";

/// The `riskLevel` bands: critical 75-100, high 50-74, medium 25-49, low 0-24.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub fn from_score(score: i64) -> Self {
        match score {
            s if s >= 75 => RiskLevel::Critical,
            s if s >= 50 => RiskLevel::High,
            s if s >= 25 => RiskLevel::Medium,
            _ => RiskLevel::Low,
        }
    }

    pub fn color(self) -> RiskColor {
        match self {
            RiskLevel::Critical => RiskColor::Red,
            RiskLevel::High => RiskColor::Orange,
            RiskLevel::Medium => RiskColor::Yellow,
            RiskLevel::Low => RiskColor::Green,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }

    /// High or critical: the level that triggers recommendations (AS-004.17).
    pub fn is_high_or_critical(self) -> bool {
        self >= RiskLevel::High
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskColor {
    Green,
    Yellow,
    Orange,
    Red,
}

/// Intervention priority; sorts critical first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
}

/// One stored daily risk score (decision 15).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredRiskScore {
    pub date: NaiveDate,
    pub risk_score: i64,
}

/// The stored daily scores of this subject (learner, and course or none), in any order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DropOffHistory {
    pub scores: Vec<StoredRiskScore>,
}

/// The measured factor values of one enrollment, before points.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskInputs {
    /// Whole days since the last login; `None` when never logged in.
    pub days_since_last_login: Option<i64>,
    pub logins_last_30_days: u32,
    /// Mean session minutes of the last 30 days; `None` without a timed session.
    pub mean_session_minutes: Option<f64>,
    /// Mean score of the last 5 attempts; `None` without attempts.
    pub recent_average_score: Option<f64>,
    pub attempt_count: usize,
    /// `(olderMean, newerMean)` of the last `min(n, 10)` attempts, when `n >= 4`.
    pub score_halves: Option<(f64, f64)>,
    /// Distinct items completed / started * 100; `None` when nothing was started.
    pub content_completion_pct: Option<f64>,
    pub help_requests_last_30_days: u32,
    pub course_progress_pct: f64,
    pub enrolled_days: i64,
}

impl RiskInputs {
    /// `c = (newerMean - olderMean) / olderMean * 100`; `None` below 4 attempts or when the
    /// older mean is 0.
    pub fn trend_change_pct(&self) -> Option<f64> {
        self.score_halves
            .and_then(|(older, newer)| growth_pct(newer, older))
    }
}

pub fn points_days_since_login(d: Option<i64>) -> u32 {
    match d {
        None => 15,
        Some(d) if d > 14 => 15,
        Some(d) if d >= 7 => 10,
        Some(d) if d >= 3 => 5,
        Some(_) => 0,
    }
}

pub fn points_logins(f: u32) -> u32 {
    match f {
        0..=1 => 15,
        2..=4 => 10,
        5..=8 => 5,
        _ => 0,
    }
}

pub fn points_session_minutes(m: Option<f64>) -> u32 {
    match m {
        None => 10,
        Some(m) if m < 5.0 => 10,
        Some(m) if m < 15.0 => 5,
        Some(m) if m <= 30.0 => 2,
        Some(_) => 0,
    }
}

pub fn points_recent_score(s: Option<f64>) -> u32 {
    match s {
        None => 7,
        Some(s) if s < 50.0 => 15,
        Some(s) if s < 70.0 => 10,
        Some(s) if s <= 85.0 => 5,
        Some(_) => 0,
    }
}

pub fn points_trend(inputs: &RiskInputs) -> u32 {
    let Some((_, newer)) = inputs.score_halves else {
        return 5;
    };
    match inputs.trend_change_pct() {
        Some(c) if c < -10.0 => 15,
        Some(c) if c < -5.0 => 10,
        Some(c) if c <= 5.0 => 5,
        Some(_) => 0,
        None if newer > 0.0 => 0,
        None => 5,
    }
}

pub fn points_completion(r: Option<f64>) -> u32 {
    match r {
        None => 4,
        Some(r) if r < 30.0 => 10,
        Some(r) if r < 50.0 => 7,
        Some(r) if r <= 70.0 => 4,
        Some(_) => 0,
    }
}

pub fn points_help(h: u32) -> u32 {
    match h {
        0 => 10,
        1..=2 => 5,
        3..=5 => 2,
        _ => 0,
    }
}

pub fn points_progress(p: f64, enrolled_days: i64) -> u32 {
    if enrolled_days < 7 {
        0
    } else if p < 20.0 {
        10
    } else if p < 40.0 {
        7
    } else if p <= 60.0 {
        4
    } else {
        0
    }
}

/// Measures the factors of one enrollment.
pub fn measure(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    enrollment: &Enrollment,
) -> RiskInputs {
    let now = clock.now;
    let course = enrollment.course_id;

    // Engagement: platform-wide sessions.
    let last_login = record
        .sessions
        .iter()
        .filter(|s| s.started_at <= now)
        .map(|s| s.started_at)
        .max();
    let recent: Vec<_> = record
        .sessions
        .iter()
        .filter(|s| clock.within_last_days(s.started_at, 30))
        .collect();
    let minutes: Vec<f64> = recent.iter().filter_map(|s| session_minutes(s)).collect();

    // Performance: the course's non-pre attempts, oldest first.
    let mut attempts: Vec<(DateTime<Utc>, i32, f64)> = record
        .attempts
        .iter()
        .filter(|a| a.submitted_at <= now)
        .filter(|a| {
            catalog.assessments.get(&a.assessment_id).is_some_and(|x| {
                x.kind != AssessmentKind::Pre && catalog.course_of_assessment(x) == Some(course)
            })
        })
        .filter_map(|a| a.score_pct().map(|s| (a.submitted_at, a.attempt_no, s)))
        .collect();
    attempts.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.total_cmp(&b.2)));
    let scores: Vec<f64> = attempts.iter().map(|a| a.2).collect();
    let last5 = &scores[scores.len().saturating_sub(5)..];
    let score_halves = (scores.len() >= 4).then(|| {
        let last10 = &scores[scores.len().saturating_sub(10)..];
        let (older, newer) = last10.split_at(last10.len() / 2);
        (mean(older).unwrap_or(0.0), mean(newer).unwrap_or(0.0))
    });

    // Behavioral: distinct course content started / completed; help requests.
    let mut started: BTreeSet<_> = BTreeSet::new();
    let mut completed: BTreeSet<_> = BTreeSet::new();
    for interaction in record
        .content_interactions
        .iter()
        .filter(|c| c.started_at <= now)
    {
        let in_course = catalog
            .content
            .get(&interaction.content_id)
            .and_then(|item| course_of_content(catalog, item))
            == Some(course);
        if in_course {
            started.insert(interaction.content_id);
            if interaction.completed {
                completed.insert(interaction.content_id);
            }
        }
    }
    let help = record
        .help_requests
        .iter()
        .filter(|h| clock.within_last_days(h.occurred_at, 30))
        .filter(|h| h.course_id.is_none_or(|c| c == course))
        .count();

    RiskInputs {
        days_since_last_login: last_login.map(|t| clock.days_since(t)),
        logins_last_30_days: recent.len() as u32,
        mean_session_minutes: mean(&minutes),
        recent_average_score: mean(last5),
        attempt_count: scores.len(),
        score_halves,
        content_completion_pct: (!started.is_empty())
            .then(|| completed.len() as f64 / started.len() as f64 * 100.0),
        help_requests_last_30_days: help as u32,
        course_progress_pct: if enrollment.progress_pct.is_finite() {
            enrollment.progress_pct.clamp(0.0, 100.0)
        } else {
            0.0
        },
        enrolled_days: clock.days_since(enrollment.enrolled_at),
    }
}

// ---------------------------------------------------------------- output

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropOffRiskPrediction {
    pub user_id: UserId,
    pub course_id: Option<CourseId>,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub computed_at: DateTime<Utc>,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
    pub risk_level_color: RiskColor,
    pub risk_factors: RiskFactors,
    pub interventions: Vec<Intervention>,
    pub ai_explanation: AiExplanation,
    pub historical_trend: Vec<TrendPoint>,
    pub metadata: Metadata,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskFactors {
    pub engagement: RiskCategory<EngagementFactors>,
    pub performance: RiskCategory<PerformanceFactors>,
    pub behavioral: RiskCategory<BehavioralFactors>,
    pub progress: RiskCategory<ProgressFactors>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskCategory<F> {
    pub score: u32,
    pub max_score: u32,
    pub factors: F,
}

/// A factor's measured value (`null` when there is no data) and its points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Factor {
    pub value: Option<f64>,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementFactors {
    pub days_since_last_login: Factor,
    pub logins_last_30_days: Factor,
    pub average_session_minutes: Factor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceFactors {
    pub recent_average_score: Factor,
    pub score_trend: Factor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BehavioralFactors {
    pub content_completion_rate: Factor,
    pub help_requests_last_30_days: Factor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressFactors {
    pub course_progress: Factor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Intervention {
    pub action: String,
    pub priority: Priority,
    pub reasoning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AiExplanation {
    pub summary: String,
    pub personalized_advice: String,
    pub predicted_outcome: String,
    pub motivational_message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub model_version: &'static str,
    pub confidence_score: f64,
    pub data_completeness_score: f64,
    pub cache_hit: bool,
}

// ---------------------------------------------------------------- scoring

/// The scored factors of one enrollment (no history, no templates).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskAssessment {
    pub course_id: CourseId,
    pub inputs: RiskInputs,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
    pub factors: RiskFactors,
    pub interventions: Vec<Intervention>,
    /// Factors with real data / 8, unrounded.
    pub completeness: f64,
}

fn opt_value(v: Option<f64>, dp: u32) -> Option<f64> {
    v.filter(|x| x.is_finite()).map(|x| round_dp(x, dp))
}

/// Scores measured factors into points, categories, level and interventions.
pub fn score(course_id: CourseId, inputs: RiskInputs) -> RiskAssessment {
    let f = |value: Option<f64>, points: u32| Factor { value, points };
    let engagement = EngagementFactors {
        days_since_last_login: f(
            inputs.days_since_last_login.map(|d| d as f64),
            points_days_since_login(inputs.days_since_last_login),
        ),
        logins_last_30_days: f(
            Some(inputs.logins_last_30_days as f64),
            points_logins(inputs.logins_last_30_days),
        ),
        average_session_minutes: f(
            opt_value(inputs.mean_session_minutes, 1),
            points_session_minutes(inputs.mean_session_minutes),
        ),
    };
    let performance = PerformanceFactors {
        recent_average_score: f(
            opt_value(inputs.recent_average_score, 1),
            points_recent_score(inputs.recent_average_score),
        ),
        score_trend: f(
            opt_value(inputs.trend_change_pct(), 1),
            points_trend(&inputs),
        ),
    };
    let behavioral = BehavioralFactors {
        content_completion_rate: f(
            opt_value(inputs.content_completion_pct, 1),
            points_completion(inputs.content_completion_pct),
        ),
        help_requests_last_30_days: f(
            Some(inputs.help_requests_last_30_days as f64),
            points_help(inputs.help_requests_last_30_days),
        ),
    };
    let progress = ProgressFactors {
        course_progress: f(
            Some(round_dp(inputs.course_progress_pct, 1)),
            points_progress(inputs.course_progress_pct, inputs.enrolled_days),
        ),
    };
    let category = |points: u32, max: u32| points.min(max);
    let factors = RiskFactors {
        engagement: RiskCategory {
            score: category(
                engagement.days_since_last_login.points
                    + engagement.logins_last_30_days.points
                    + engagement.average_session_minutes.points,
                40,
            ),
            max_score: 40,
            factors: engagement,
        },
        performance: RiskCategory {
            score: category(
                performance.recent_average_score.points + performance.score_trend.points,
                30,
            ),
            max_score: 30,
            factors: performance,
        },
        behavioral: RiskCategory {
            score: category(
                behavioral.content_completion_rate.points
                    + behavioral.help_requests_last_30_days.points,
                20,
            ),
            max_score: 20,
            factors: behavioral,
        },
        progress: RiskCategory {
            score: category(progress.course_progress.points, 10),
            max_score: 10,
            factors: progress,
        },
    };
    let risk_score = i64::from(
        factors.engagement.score
            + factors.performance.score
            + factors.behavioral.score
            + factors.progress.score,
    );
    let real = [
        inputs.days_since_last_login.is_some(),
        true,
        inputs.mean_session_minutes.is_some(),
        inputs.recent_average_score.is_some(),
        inputs.score_halves.is_some(),
        inputs.content_completion_pct.is_some(),
        true,
        true,
    ];
    let completeness = real.iter().filter(|r| **r).count() as f64 / real.len() as f64;
    let interventions = interventions(&inputs, risk_score);
    RiskAssessment {
        course_id,
        inputs,
        risk_score,
        risk_level: RiskLevel::from_score(risk_score),
        factors,
        interventions,
        completeness,
    }
}

/// Every matching intervention, sorted by priority (stable: the spec's order within one).
fn interventions(inputs: &RiskInputs, risk_score: i64) -> Vec<Intervention> {
    let mut out = Vec::new();
    let mut add = |priority: Priority, action: &str, reasoning: String| {
        out.push(Intervention {
            action: action.to_owned(),
            priority,
            reasoning,
        })
    };
    match inputs.days_since_last_login {
        None => add(
            Priority::High,
            "Send a re-engagement email",
            "The learner has never logged in.".to_owned(),
        ),
        Some(d) if d > 14 => add(
            Priority::High,
            "Send a re-engagement email",
            format!("No login for {d} days (more than 14)."),
        ),
        Some(d) if d > 7 => add(
            Priority::Medium,
            "Send a gentle reminder",
            format!("No login for {d} days (more than 7)."),
        ),
        Some(_) => {}
    }
    if let Some(s) = inputs.recent_average_score.filter(|s| *s < 60.0) {
        add(
            Priority::High,
            "Offer tutoring or a 1-on-1 session",
            format!(
                "The mean of the last {} attempt scores is {} (below 60).",
                inputs.attempt_count.min(5),
                super::fmt_num(s, 1)
            ),
        );
    }
    if let Some(c) = inputs.trend_change_pct().filter(|c| *c < -10.0) {
        add(
            Priority::Medium,
            "Review the content difficulty",
            format!(
                "Recent scores fell {}% against earlier ones.",
                super::fmt_num(-c, 1)
            ),
        );
    }
    if let Some(r) = inputs.content_completion_pct.filter(|r| *r < 50.0) {
        add(
            Priority::Medium,
            "Offer an alternative content format",
            format!(
                "Only {}% of the started course content was completed.",
                super::fmt_num(r, 1)
            ),
        );
    }
    if inputs.enrolled_days >= 7 && inputs.course_progress_pct < 30.0 {
        add(
            Priority::High,
            "Schedule a check-in meeting",
            format!(
                "Course progress is {}% after {} days (below 30%).",
                super::fmt_num(inputs.course_progress_pct, 1),
                inputs.enrolled_days
            ),
        );
    }
    if inputs.help_requests_last_30_days == 0 {
        add(
            Priority::Low,
            "Encourage help-seeking",
            "No help requests in the last 30 days.".to_owned(),
        );
    }
    if risk_score >= 75 {
        add(
            Priority::Critical,
            "Reach out personally now",
            format!("The risk score is {risk_score} (critical)."),
        );
    }
    out.sort_by_key(|i| i.priority);
    out
}

/// Scores every active enrollment of the learner (oldest enrollment first).
pub fn assess_active(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
) -> Vec<RiskAssessment> {
    record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Active && e.enrolled_at <= clock.now)
        .map(|e| score(e.course_id, measure(record, catalog, clock, e)))
        .collect()
}

/// The learner's latest enrollment in a course.
fn latest_enrollment(record: &LearnerRecord, course: CourseId) -> Option<&Enrollment> {
    record
        .enrollments
        .iter()
        .filter(|e| e.course_id == course)
        .max_by_key(|e| (e.enrolled_at, e.id))
}

/// The per-course risk of each active enrollment, for AS-004.17 (learner: levels per course;
/// trainer: students at high/critical risk). Builder over one record.
pub fn risk_by_course(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
) -> BTreeMap<CourseId, (i64, RiskLevel)> {
    let mut out = BTreeMap::new();
    for a in assess_active(record, catalog, clock) {
        let entry = out
            .entry(a.course_id)
            .or_insert((a.risk_score, a.risk_level));
        if a.risk_score > entry.0 {
            *entry = (a.risk_score, a.risk_level);
        }
    }
    out
}

/// The deterministic template behind `aiExplanation`.
pub fn explain(assessment: &RiskAssessment, course_name: &str) -> AiExplanation {
    let f = &assessment.factors;
    let categories = [
        ("engagement", f.engagement.score, f.engagement.max_score),
        ("performance", f.performance.score, f.performance.max_score),
        ("behavior", f.behavioral.score, f.behavioral.max_score),
        ("progress", f.progress.score, f.progress.max_score),
    ];
    // Largest share of its maximum; ties keep the table order.
    let mut top = categories[0];
    for c in categories {
        if c.1 * top.2 > top.1 * c.2 {
            top = c;
        }
    }
    let level = assessment.risk_level;
    let summary = if top.1 == 0 {
        format!(
            "Drop-off risk in {course_name} is {} ({}/100); no factor adds risk.",
            level.as_str(),
            assessment.risk_score
        )
    } else {
        format!(
            "Drop-off risk in {course_name} is {} ({}/100); the largest contributor is {} ({}/{} points).",
            level.as_str(),
            assessment.risk_score,
            top.0,
            top.1,
            top.2
        )
    };
    let personalized_advice = match assessment.interventions.first() {
        Some(i) => format!("{}: {}", i.action, i.reasoning),
        None => "Keep your current routine: it is working.".to_owned(),
    };
    let predicted_outcome = match level {
        RiskLevel::Critical => "Without intervention, dropping out of the course is likely.",
        RiskLevel::High => "Dropping out is a real possibility unless activity picks up soon.",
        RiskLevel::Medium => "Completion is likely with a steady weekly rhythm.",
        RiskLevel::Low => "On track to complete the course.",
    }
    .to_owned();
    let motivational_message = match level {
        RiskLevel::Critical | RiskLevel::High => {
            "Every expert was once a beginner: one short session today gets you moving again."
        }
        RiskLevel::Medium => {
            "You are making progress: small, regular steps will carry you through."
        }
        RiskLevel::Low => "Great work: keep the momentum going.",
    }
    .to_owned();
    AiExplanation {
        summary,
        personalized_advice,
        predicted_outcome,
        motivational_message,
    }
}

/// The cache key of an AI explanation: the factor points only (PII-free; identical factor
/// points share a narrative, `analytics.md` AS-004.15), e.g. `rules-v1:10.10.5|10.15|7.5|7`.
pub fn explanation_key(factors: &RiskFactors) -> String {
    let e = &factors.engagement.factors;
    let p = &factors.performance.factors;
    let b = &factors.behavioral.factors;
    format!(
        "{MODEL_VERSION}:{}.{}.{}|{}.{}|{}.{}|{}",
        e.days_since_last_login.points,
        e.logins_last_30_days.points,
        e.average_session_minutes.points,
        p.recent_average_score.points,
        p.score_trend.points,
        b.content_completion_rate.points,
        b.help_requests_last_30_days.points,
        factors.progress.factors.course_progress.points
    )
}

/// The stored scores of the last 30 days (`today - 29 ..= today`), one per date (the last
/// given wins), oldest first.
pub fn historical_trend(history: &DropOffHistory, clock: &Clock) -> Vec<TrendPoint> {
    let today = clock.today();
    let from = today - Duration::days(29);
    let mut by_date: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for s in &history.scores {
        if s.date >= from && s.date <= today {
            by_date.insert(s.date, s.risk_score.clamp(0, 100));
        }
    }
    by_date
        .into_iter()
        .map(|(date, risk_score)| TrendPoint {
            date,
            risk_score,
            risk_level: RiskLevel::from_score(risk_score),
        })
        .collect()
}

/// AS-004.15 for one learner and a course (or, without one, the riskiest active enrollment).
///
/// Insufficient data when the course's latest enrollment is missing or not active, or when
/// no course is given and the learner has no active enrollment.
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    course_id: Option<CourseId>,
    history: &DropOffHistory,
) -> Analysis<DropOffRiskPrediction> {
    let assessment = match course_id {
        Some(course) => match latest_enrollment(record, course) {
            None => return Analysis::InsufficientData("the learner is not enrolled in the course"),
            Some(e) if e.status != EnrollmentStatus::Active => {
                return Analysis::InsufficientData("the enrollment is no longer active");
            }
            Some(e) => score(course, measure(record, catalog, clock, e)),
        },
        None => {
            let mut best: Option<RiskAssessment> = None;
            for a in assess_active(record, catalog, clock) {
                if best.as_ref().is_none_or(|b| a.risk_score > b.risk_score) {
                    best = Some(a);
                }
            }
            match best {
                Some(b) => b,
                None => return Analysis::InsufficientData("the learner has no active enrollment"),
            }
        }
    };
    let course_name = catalog
        .courses
        .get(&assessment.course_id)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| "this course".to_owned());
    let ai_explanation = explain(&assessment, &course_name);
    let completeness = assessment.completeness;
    Analysis::Ready(DropOffRiskPrediction {
        user_id: record.id(),
        course_id: Some(assessment.course_id),
        computed_at: clock.now,
        risk_score: assessment.risk_score,
        risk_level: assessment.risk_level,
        risk_level_color: assessment.risk_level.color(),
        risk_factors: assessment.factors,
        interventions: assessment.interventions,
        ai_explanation,
        historical_trend: historical_trend(history, clock),
        metadata: Metadata {
            model_version: MODEL_VERSION,
            confidence_score: round_dp(0.5 + 0.5 * completeness, 2),
            data_completeness_score: round_dp(completeness, 2),
            cache_hit: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::model::{AssessmentKind, ContentType, EnrollmentStatus};
    use proptest::prelude::*;

    const C: u128 = 100;

    /// The spec's example learner (enrolled 40 days).
    fn example() -> (LearnerRecord, Catalog) {
        let mut r = record(1);
        // d = 12, f = 3, m = (8 + 8 + 8) / 3 = 8.
        r.sessions = vec![
            session(1, 1, 25.0, Some(8)),
            session(1, 2, 20.0, Some(8)),
            session(1, 3, 12.2, Some(8)),
        ];
        r.enrollments = vec![enrollment(1, 1, C, 40.0, EnrollmentStatus::Active, 28.0)];
        let scores = [72.0, 70.0, 68.0, 60.0, 62.0, 55.0, 58.0, 55.0];
        r.attempts = scores
            .iter()
            .enumerate()
            .map(|(i, s)| {
                attempt(
                    1,
                    10 + i as u128,
                    200 + (i as u128 / 2),
                    1 + (i as i32 % 2),
                    35.0 - 3.0 * i as f64,
                    *s,
                    *s >= 70.0,
                )
            })
            .collect();
        // 20 items started, 7 completed: r = 35.
        r.content_interactions = (0..20)
            .map(|i| interaction(1, 300 + i, 30.0 - i as f64, i < 7))
            .collect();
        r.help_requests = vec![help(1, 5.0, Some(C))];
        let cat = catalog(
            vec![],
            vec![course(C, "Rust Basics")],
            vec![],
            (0..4)
                .map(|i| assessment(200 + i, C, AssessmentKind::Quiz, &[]))
                .collect(),
            vec![],
            (0..20)
                .map(|i| content(300 + i, C, ContentType::Video))
                .collect(),
        );
        (r, cat)
    }

    #[test]
    fn spec_example_scores_69_high_with_five_interventions() {
        let (r, cat) = example();
        let out = compute(
            &r,
            &cat,
            &clock(),
            Some(CourseId(u(C))),
            &DropOffHistory::default(),
        );
        let out = out.ready().expect("ready");
        let f = &out.risk_factors;
        // Engagement: d 12 -> 10, f 3 -> 10, m 8 -> 5.
        assert_eq!(
            f.engagement.factors.days_since_last_login,
            Factor {
                value: Some(12.0),
                points: 10
            }
        );
        assert_eq!(f.engagement.factors.logins_last_30_days.points, 10);
        assert_eq!(
            f.engagement.factors.average_session_minutes,
            Factor {
                value: Some(8.0),
                points: 5
            }
        );
        assert_eq!(f.engagement.score, 25);
        // Performance: last-5 mean 58 -> 10; halves 67.5 vs 57.5, c = -14.8 -> 15.
        assert_eq!(
            f.performance.factors.recent_average_score,
            Factor {
                value: Some(58.0),
                points: 10
            }
        );
        assert_eq!(
            f.performance.factors.score_trend,
            Factor {
                value: Some(-14.8),
                points: 15
            }
        );
        assert_eq!(f.performance.score, 25);
        // Behavioral: r 35 -> 7, h 1 -> 5.
        assert_eq!(
            f.behavioral.factors.content_completion_rate,
            Factor {
                value: Some(35.0),
                points: 7
            }
        );
        assert_eq!(
            f.behavioral.factors.help_requests_last_30_days,
            Factor {
                value: Some(1.0),
                points: 5
            }
        );
        assert_eq!(f.behavioral.score, 12);
        // Progress: p 28 -> 7.
        assert_eq!(f.progress.score, 7);
        assert_eq!(out.risk_score, 69);
        assert_eq!(out.risk_level, RiskLevel::High);
        assert_eq!(out.risk_level_color, RiskColor::Orange);
        let actions: Vec<(&str, Priority)> = out
            .interventions
            .iter()
            .map(|i| (i.action.as_str(), i.priority))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("Offer tutoring or a 1-on-1 session", Priority::High),
                ("Schedule a check-in meeting", Priority::High),
                ("Send a gentle reminder", Priority::Medium),
                ("Review the content difficulty", Priority::Medium),
                ("Offer an alternative content format", Priority::Medium),
            ]
        );
        // All 8 factors observed: completeness 1, confidence 1.
        assert_eq!(out.metadata.data_completeness_score, 1.0);
        assert_eq!(out.metadata.confidence_score, 1.0);
        assert_eq!(out.metadata.model_version, "rules-v1");
        assert_eq!(
            explanation_key(&out.risk_factors),
            "rules-v1:10.10.5|10.15|7.5|7"
        );
        let json = serde_json::to_value(out).unwrap();
        assert_eq!(json["riskLevelColor"], "orange");
        assert_eq!(json["riskFactors"]["engagement"]["maxScore"], 40);
        assert_eq!(
            json["riskFactors"]["engagement"]["factors"]["loginsLast30Days"]["value"],
            3.0
        );
        assert_eq!(json["metadata"]["cacheHit"], false);
        assert!(
            json["aiExplanation"]["summary"]
                .as_str()
                .unwrap()
                .contains("Rust Basics")
        );
    }

    #[test]
    fn a_brand_new_empty_learner() {
        // Enrolled 3 days ago, nothing else: d never 15 + f 0 -> 15 + m none 10 = 40;
        // s none 7 + c (< 4 attempts) 5 = 12; r nothing started 4 + h 0 -> 10 = 14;
        // p enrolled < 7 days -> 0. Score 66, high.
        let mut r = record(1);
        r.enrollments = vec![enrollment(1, 1, C, 3.0, EnrollmentStatus::Active, 0.0)];
        let cat = catalog(vec![], vec![course(C, "X")], vec![], vec![], vec![], vec![]);
        let out = compute(&r, &cat, &clock(), None, &DropOffHistory::default());
        let out = out.ready().unwrap();
        assert_eq!(out.course_id, Some(CourseId(u(C))));
        assert_eq!(
            (
                out.risk_factors.engagement.score,
                out.risk_factors.performance.score,
                out.risk_factors.behavioral.score,
                out.risk_factors.progress.score
            ),
            (40, 12, 14, 0)
        );
        assert_eq!(out.risk_score, 66);
        assert_eq!(
            out.risk_factors
                .engagement
                .factors
                .days_since_last_login
                .value,
            None
        );
        // Real data: f, h, p = 3 of 8 = 0.375 -> 0.38; confidence 0.5 + 0.1875 = 0.6875 -> 0.69.
        assert_eq!(out.metadata.data_completeness_score, 0.38);
        assert_eq!(out.metadata.confidence_score, 0.69);
        // Re-engagement for "never"; no check-in for a 3-day-old enrollment.
        let actions: Vec<&str> = out
            .interventions
            .iter()
            .map(|i| i.action.as_str())
            .collect();
        assert_eq!(
            actions,
            vec!["Send a re-engagement email", "Encourage help-seeking"]
        );
    }

    #[test]
    fn critical_risk_puts_manual_outreach_first() {
        // d never 15, f 0 15, m none 10 = 40; scores 80, 80, 40, 40: s = 60 -> 10, halves
        // 80 vs 40 -> c = -50 -> 15 = 25; 1 item started, none completed: r = 0 -> 10, h 0 -> 10
        // = 20; p 10 after 30 days -> 10. Score 95, critical.
        let mut r = record(1);
        r.enrollments = vec![enrollment(1, 1, C, 30.0, EnrollmentStatus::Active, 10.0)];
        r.attempts = [80.0, 80.0, 40.0, 40.0]
            .iter()
            .enumerate()
            .map(|(i, s)| {
                attempt(
                    1,
                    10 + i as u128,
                    200,
                    1 + i as i32,
                    20.0 - i as f64,
                    *s,
                    false,
                )
            })
            .collect();
        r.content_interactions = vec![interaction(1, 300, 10.0, false)];
        let cat = catalog(
            vec![],
            vec![course(C, "X")],
            vec![],
            vec![assessment(200, C, AssessmentKind::Quiz, &[])],
            vec![],
            vec![content(300, C, ContentType::Article)],
        );
        let out = compute(
            &r,
            &cat,
            &clock(),
            Some(CourseId(u(C))),
            &DropOffHistory::default(),
        );
        let out = out.ready().unwrap();
        assert_eq!(out.risk_score, 95);
        assert_eq!(out.risk_level, RiskLevel::Critical);
        assert_eq!(out.risk_level_color, RiskColor::Red);
        let actions: Vec<(&str, Priority)> = out
            .interventions
            .iter()
            .map(|i| (i.action.as_str(), i.priority))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("Reach out personally now", Priority::Critical),
                ("Send a re-engagement email", Priority::High),
                ("Schedule a check-in meeting", Priority::High),
                ("Review the content difficulty", Priority::Medium),
                ("Offer an alternative content format", Priority::Medium),
                ("Encourage help-seeking", Priority::Low),
            ]
        );
    }

    #[test]
    fn exact_table_boundaries() {
        assert_eq!(
            [2, 3, 6, 7, 14, 15].map(|d| points_days_since_login(Some(d))),
            [0, 5, 5, 10, 10, 15]
        );
        assert_eq!(points_days_since_login(None), 15);
        assert_eq!(
            [0, 1, 2, 4, 5, 8, 9].map(points_logins),
            [15, 15, 10, 10, 5, 5, 0]
        );
        assert_eq!(
            [4.99, 5.0, 14.99, 15.0, 30.0, 30.01].map(|m| points_session_minutes(Some(m))),
            [10, 5, 5, 2, 2, 0]
        );
        assert_eq!(points_session_minutes(None), 10);
        assert_eq!(
            [49.9, 50.0, 69.9, 70.0, 85.0, 85.1].map(|s| points_recent_score(Some(s))),
            [15, 10, 10, 5, 5, 0]
        );
        assert_eq!(points_recent_score(None), 7);
        assert_eq!(
            [29.9, 30.0, 49.9, 50.0, 70.0, 70.1].map(|r| points_completion(Some(r))),
            [10, 7, 7, 4, 4, 0]
        );
        assert_eq!(points_completion(None), 4);
        assert_eq!([0, 1, 2, 3, 5, 6].map(points_help), [10, 5, 5, 2, 2, 0]);
        assert_eq!(
            [19.9, 20.0, 39.9, 40.0, 60.0, 60.1].map(|p| points_progress(p, 7)),
            [10, 7, 7, 4, 4, 0]
        );
        assert_eq!(points_progress(0.0, 6), 0, "enrolled < 7 days");
        assert_eq!(
            [0, 24, 25, 49, 50, 74, 75, 100].map(RiskLevel::from_score),
            [
                RiskLevel::Low,
                RiskLevel::Low,
                RiskLevel::Medium,
                RiskLevel::Medium,
                RiskLevel::High,
                RiskLevel::High,
                RiskLevel::Critical,
                RiskLevel::Critical,
            ]
        );
    }

    fn with_halves(older: f64, newer: f64) -> RiskInputs {
        RiskInputs {
            days_since_last_login: Some(0),
            logins_last_30_days: 10,
            mean_session_minutes: Some(40.0),
            recent_average_score: Some(90.0),
            attempt_count: 4,
            score_halves: Some((older, newer)),
            content_completion_pct: Some(100.0),
            help_requests_last_30_days: 9,
            course_progress_pct: 100.0,
            enrolled_days: 100,
        }
    }

    #[test]
    fn trend_boundaries_and_a_zero_older_mean() {
        // c = (newer - 100) / 100 * 100 = newer - 100.
        assert_eq!(points_trend(&with_halves(100.0, 89.99)), 15);
        assert_eq!(
            points_trend(&with_halves(100.0, 90.0)),
            10,
            "c = -10 is in [-10,-5)"
        );
        assert_eq!(
            points_trend(&with_halves(100.0, 95.0)),
            5,
            "c = -5 is in [-5,5]"
        );
        assert_eq!(points_trend(&with_halves(100.0, 105.0)), 5);
        assert_eq!(points_trend(&with_halves(100.0, 105.01)), 0);
        // olderMean 0: c undefined, improving -> 0 points; flat at 0 -> 5.
        assert_eq!(points_trend(&with_halves(0.0, 50.0)), 0);
        assert_eq!(points_trend(&with_halves(0.0, 0.0)), 5);
        assert_eq!(with_halves(0.0, 50.0).trend_change_pct(), None);
        let mut few = with_halves(1.0, 1.0);
        few.score_halves = None;
        assert_eq!(points_trend(&few), 5, "fewer than 4 attempts");
        // A perfect learner scores 0: every factor at its best.
        let best = score(CourseId(u(C)), with_halves(50.0, 60.0));
        assert_eq!(best.risk_score, 0);
        assert!(best.interventions.is_empty());
    }

    #[test]
    fn odd_counts_put_the_middle_attempt_in_the_newer_half() {
        // 10, 20 | 30, 40, 50: older 15, newer 40.
        let mut r = record(1);
        r.enrollments = vec![enrollment(1, 1, C, 30.0, EnrollmentStatus::Active, 50.0)];
        r.attempts = (0..5)
            .map(|i| {
                attempt(
                    1,
                    10 + i,
                    200,
                    1 + i as i32,
                    10.0 - i as f64,
                    10.0 * (i + 1) as f64,
                    false,
                )
            })
            .collect();
        let cat = catalog(
            vec![],
            vec![course(C, "X")],
            vec![],
            vec![assessment(200, C, AssessmentKind::Exam, &[])],
            vec![],
            vec![],
        );
        let inputs = measure(&r, &cat, &clock(), &r.enrollments[0]);
        assert_eq!(inputs.score_halves, Some((15.0, 40.0)));
        assert_eq!(inputs.recent_average_score, Some(30.0));
    }

    #[test]
    fn without_a_course_the_riskiest_active_enrollment_wins() {
        let (mut r, mut cat) = example();
        // A second, healthy active course (progress 90) and a completed one.
        r.enrollments
            .push(enrollment(1, 2, 101, 40.0, EnrollmentStatus::Active, 90.0));
        r.enrollments.push(enrollment(
            1,
            3,
            102,
            40.0,
            EnrollmentStatus::Completed,
            100.0,
        ));
        cat.courses.insert(CourseId(u(101)), course(101, "Y"));
        let out = compute(&r, &cat, &clock(), None, &DropOffHistory::default());
        assert_eq!(out.ready().unwrap().course_id, Some(CourseId(u(C))));
        assert_eq!(out.ready().unwrap().risk_score, 69);
        let by_course = risk_by_course(&r, &cat, &clock());
        assert_eq!(by_course.len(), 2);
        assert_eq!(by_course[&CourseId(u(C))], (69, RiskLevel::High));
        // A completed course has nothing to predict; no enrollment at all neither.
        assert!(matches!(
            compute(
                &r,
                &cat,
                &clock(),
                Some(CourseId(u(102))),
                &DropOffHistory::default()
            ),
            Analysis::InsufficientData(_)
        ));
        assert!(matches!(
            compute(&record(2), &cat, &clock(), None, &DropOffHistory::default()),
            Analysis::InsufficientData(_)
        ));
    }

    #[test]
    fn history_keeps_the_last_30_days_oldest_first() {
        let today = clock().today();
        let h = DropOffHistory {
            scores: vec![
                StoredRiskScore {
                    date: today,
                    risk_score: 69,
                },
                StoredRiskScore {
                    date: today - Duration::days(30),
                    risk_score: 10,
                },
                StoredRiskScore {
                    date: today - Duration::days(29),
                    risk_score: 20,
                },
                StoredRiskScore {
                    date: today - Duration::days(29),
                    risk_score: 80,
                },
            ],
        };
        let t = historical_trend(&h, &clock());
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].risk_score, t[0].risk_level),
            (80, RiskLevel::Critical)
        );
        assert_eq!(t[1].date, today);
    }

    fn arb_inputs() -> impl Strategy<Value = RiskInputs> {
        (
            (
                proptest::option::of(0i64..60),
                0u32..20,
                proptest::option::of(0.0f64..240.0),
            ),
            (
                proptest::option::of(0.0f64..100.0),
                0usize..12,
                proptest::option::of((0.0f64..100.0, 0.0f64..100.0)),
            ),
            (
                proptest::option::of(0.0f64..100.0),
                0u32..10,
                0.0f64..100.0,
                0i64..90,
            ),
        )
            .prop_map(|((d, f, m), (s, n, halves), (r, h, p, e))| RiskInputs {
                days_since_last_login: d,
                logins_last_30_days: f,
                mean_session_minutes: m,
                recent_average_score: s,
                attempt_count: n,
                score_halves: halves,
                content_completion_pct: r,
                help_requests_last_30_days: h,
                course_progress_pct: p,
                enrolled_days: e,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn scores_stay_in_range_and_levels_follow_the_bands(inputs in arb_inputs()) {
            let a = score(CourseId(u(C)), inputs.clone());
            let f = &a.factors;
            prop_assert!(f.engagement.score <= 40 && f.performance.score <= 30);
            prop_assert!(f.behavioral.score <= 20 && f.progress.score <= 10);
            prop_assert!((0..=100).contains(&a.risk_score));
            prop_assert_eq!(a.risk_level, RiskLevel::from_score(a.risk_score));
            let expected = match a.risk_score { 75.. => RiskLevel::Critical, 50..=74 => RiskLevel::High, 25..=49 => RiskLevel::Medium, _ => RiskLevel::Low };
            prop_assert_eq!(a.risk_level, expected);
            prop_assert!(a.interventions.windows(2).all(|w| w[0].priority <= w[1].priority));
            prop_assert_eq!(a.interventions.iter().any(|i| i.priority == Priority::Critical), a.risk_score >= 75);
            prop_assert!((0.0..=1.0).contains(&a.completeness));
            prop_assert_eq!(&a, &score(CourseId(u(C)), inputs));
        }

        #[test]
        fn random_records_never_panic_and_serialise_finite(
            sessions in proptest::collection::vec((0.0f64..60.0, proptest::option::of(-10i64..300)), 0..12),
            scores in proptest::collection::vec((0.0f64..120.0, 0.0f64..60.0), 0..14),
            items in proptest::collection::vec((0u128..5, 0.0f64..60.0, any::<bool>()), 0..10),
            progress in -10.0f64..120.0,
            enrolled in 0.0f64..90.0,
        ) {
            let mut r = record(1);
            r.sessions = sessions.iter().enumerate().map(|(i, (d, m))| session(1, i as u128, *d, *m)).collect();
            r.attempts = scores.iter().enumerate().map(|(i, (s, d))| attempt(1, i as u128, 200, 1, *d, *s, false)).collect();
            r.content_interactions = items.iter().map(|(c, d, done)| interaction(1, 300 + c, *d, *done)).collect();
            r.enrollments = vec![enrollment(1, 1, C, enrolled, EnrollmentStatus::Active, progress)];
            r.sort();
            let cat = catalog(vec![], vec![course(C, "X")], vec![], vec![assessment(200, C, AssessmentKind::Quiz, &[])], vec![], (0..5).map(|i| content(300 + i, C, ContentType::Video)).collect());
            let out = compute(&r, &cat, &clock(), None, &DropOffHistory::default());
            let again = compute(&r, &cat, &clock(), None, &DropOffHistory::default());
            prop_assert_eq!(&out, &again);
            let out = out.ready().unwrap();
            prop_assert!((0..=100).contains(&out.risk_score));
            prop_assert!((0.5..=1.0).contains(&out.metadata.confidence_score));
            let json = serde_json::to_string(out).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
        }
    }
}
