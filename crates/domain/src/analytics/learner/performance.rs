//! AS-001.5 Performance & Assessment Analytics (`performance_analytics`, endpoint L5).
//!
//! Question answered: how does the learner do in assessments: levels, pass rate, trend,
//! per-topic results, speed compared with the platform, retry behaviour, and what is likely
//! next?
//!
//! Inputs: the learner's [`LearnerRecord`] (attempts, enrollments, `UserSkill`s), the
//! [`Catalog`] (assessments, modules and path topics for names), the [`Clock`] and the
//! platform figures [`PerformancePlatform`] (built once per batch by [`build_platform`]:
//! mean attempt duration per assessment over all learners, and the required assessments of
//! each course).
//!
//! # Attempts (decided here)
//! All attempts submitted up to now with `maxScore > 0` count (the analytic is a snapshot:
//! the `window` parameter does not change it); `scorePct` is clamped to 0-100; attempts are
//! ordered by `(submittedAt, attemptNo, id)`. Every assessment kind counts, pre-assessments
//! included ("per distinct assessment").
//!
//! # Formulas (spec)
//! - Per distinct assessment: best score; passed if any attempt passed. The model always
//!   carries ASM's `passed` flag, so the flag decides; `passThreshold` (70) is reported as
//!   the threshold that applies only when no flag is sent.
//! - `completedAssessments` = distinct assessments attempted; `pendingAssessments` =
//!   required assessments of the courses of `active` enrollments never attempted;
//!   `totalAssessments` = both.
//! - `overallAverageScore` = mean of per-assessment best; `recentAverageScore` = mean of the
//!   last 5 attempts; `bestScore`/`worstScore`/`lastScore` over attempts; `passRate =
//!   passed / completed * 100`; `totalPassed` / `totalFailed` = assessments passed / not.
//! - `scoreProgression` = the last 10 attempt scores, oldest first; `improvementTrend`: n <
//!   3 `stable`, else OLS slope of `scoreProgression` > 2 `improving`, < -2 `declining`,
//!   else `stable`; `trendStrength` = R² of that fit (2 dp), null when n < 3.
//! - `topicBreakdown`: the same per path topic. An assessment's topic is its `topicId`,
//!   else the `topicId` of its module **(decided here)**; assessments without a topic are
//!   not in the breakdown. `averageScore` = mean per-assessment best, `assessmentCount` =
//!   distinct assessments, `trend` = the rule above on the topic's last 10 attempts.
//!   Ordered by topic name, then id.
//! - Time (minutes, 1 dp; attempts with a positive duration): `averageCompletionTime` =
//!   mean duration, `quickestCompletion` = min; `timeEfficiencyRatio` = mean over
//!   assessments of own mean duration / platform mean duration (2 dp), the platform mean
//!   being over the other learners' attempts (subject excluded) and used only when they are
//!   at least K = 10 learners ([`Guarded`]); null when no assessment qualifies.
//! - `retryRate` = assessments with >= 2 attempts / completed * 100; `retrySuccessRate` =
//!   of the assessments whose first attempt (chronologically) failed and that were
//!   retried, % later passed;
//!   `averageAttemptsToPass` = mean `attemptNo` of the first passing attempt (1 dp). Null
//!   when their denominators are 0.
//! - `projectedNextScore`: n < 3 → last score (0 if none); else mean(last 3) + 5 if
//!   improving, - 5 if declining, clamped to 0-100, integer.
//! - `riskLevel` (spec's decision): `high` if recent < 60 or (declining and recent < 70);
//!   `medium` if recent < 70 or declining; else `low`. `recommendedStudyTime = 2 +
//!   ceil(max(0, 85 - recent) / 10) + (declining ? 2 : 0)` hours. Without attempts there is
//!   no `recent`: risk `low` and 2 hours **(decided here)**.
//! - `skillsAcquiredViaAssessments` = acquired `UserSkill`s with `acquiredVia =
//!   assessment`.
//! - No attempts: scores null, counts 0, trend stable.
//!
//! Every field is defined for every input, so [`compute`] returns the output directly.

use crate::analytics::common::{clamp, mean, ols, pct, round_dp, round_int};
use crate::analytics::privacy::Guarded;
use crate::analytics::{Catalog, Clock, LearnerRecord};
use crate::ids::{AssessmentId, CourseId, TopicId, UserId};
use crate::model::{AcquiredVia, Assessment, AssessmentAttempt, EnrollmentStatus};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The pass threshold that applies when ASM sends no `passed` flag.
pub const PASS_THRESHOLD: f64 = 70.0;
/// Attempts in `recentAverageScore`.
pub const RECENT_ATTEMPTS: usize = 5;
/// Attempts in `scoreProgression` and in each trend.
pub const PROGRESSION_ATTEMPTS: usize = 10;
/// OLS slope (points per attempt) beyond which the trend is improving/declining.
pub const TREND_SLOPE: f64 = 2.0;

/// Platform-wide figures, computed once per batch by [`build_platform`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerformancePlatform {
    /// Attempt durations per assessment, per learner.
    pub durations: BTreeMap<AssessmentId, DurationPopulation>,
    /// Required assessments of each course (directly or through a module).
    pub required_by_course: BTreeMap<CourseId, Vec<AssessmentId>>,
}

/// Positive attempt durations on one assessment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationPopulation {
    /// Per learner: (sum of minutes, attempts).
    pub by_user: BTreeMap<UserId, (f64, usize)>,
    pub total_minutes: f64,
    pub attempts: usize,
}

impl PerformancePlatform {
    /// Mean attempt duration of `assessment` over the learners other than `subject`,
    /// suppressed below K of them.
    pub fn mean_duration(&self, assessment: AssessmentId, subject: UserId) -> Guarded<f64> {
        let Some(population) = self.durations.get(&assessment) else {
            return Guarded::Suppressed;
        };
        let own = population.by_user.get(&subject).copied();
        let others = population.by_user.len() - usize::from(own.is_some());
        let (own_minutes, own_attempts) = own.unwrap_or((0.0, 0));
        Guarded::new(others, || {
            let minutes = (population.total_minutes - own_minutes).max(0.0);
            minutes / (population.attempts - own_attempts).max(1) as f64
        })
    }
}

fn valid_duration(attempt: &AssessmentAttempt) -> Option<f64> {
    (attempt.duration_minutes.is_finite() && attempt.duration_minutes > 0.0)
        .then_some(attempt.duration_minutes)
}

/// Builds the platform figures from every learner's attempts and the catalogue.
pub fn build_platform(records: &[LearnerRecord], catalog: &Catalog) -> PerformancePlatform {
    let mut platform = PerformancePlatform::default();
    for record in records {
        for attempt in &record.attempts {
            if let Some(minutes) = valid_duration(attempt) {
                let population = platform.durations.entry(attempt.assessment_id).or_default();
                let own = population.by_user.entry(record.id()).or_default();
                own.0 += minutes;
                own.1 += 1;
                population.total_minutes += minutes;
                population.attempts += 1;
            }
        }
    }
    for assessment in catalog.assessments.values().filter(|a| a.required) {
        if let Some(course) = catalog.course_of_assessment(assessment) {
            platform
                .required_by_course
                .entry(course)
                .or_default()
                .push(assessment.id);
        }
    }
    platform
}

/// `improvementTrend` and the topic trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// The spec's output object (`data` of L5).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceAnalytics {
    pub overview: Overview,
    pub performance: ScorePerformance,
    pub pass_analysis: PassAnalysis,
    pub topic_breakdown: Vec<TopicPerformance>,
    pub time_efficiency: TimeEfficiency,
    pub retry_patterns: RetryPatterns,
    pub predictions: Predictions,
    pub skills_acquired_via_assessments: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub total_assessments: u32,
    pub completed_assessments: u32,
    pub pending_assessments: u32,
    pub overall_average_score: Option<f64>,
    pub recent_average_score: Option<f64>,
    pub pass_rate: Option<f64>,
    pub improvement_trend: Trend,
    pub trend_strength: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScorePerformance {
    pub best_score: Option<f64>,
    pub worst_score: Option<f64>,
    pub last_score: Option<f64>,
    pub score_progression: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassAnalysis {
    pub pass_threshold: f64,
    pub total_passed: u32,
    pub total_failed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicPerformance {
    pub topic_id: TopicId,
    pub topic_name: String,
    pub average_score: f64,
    pub assessment_count: u32,
    pub trend: Trend,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeEfficiency {
    pub average_completion_time: Option<f64>,
    pub time_efficiency_ratio: Option<f64>,
    pub quickest_completion: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryPatterns {
    pub retry_rate: Option<f64>,
    pub retry_success_rate: Option<f64>,
    pub average_attempts_to_pass: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Predictions {
    pub projected_next_score: i64,
    pub risk_level: RiskLevel,
    pub recommended_study_time: i64,
}

/// The trend rule: fewer than 3 scores stable; OLS slope > 2 improving, < -2 declining.
/// Returns the trend and R² (None below 3 scores).
pub fn trend_of(scores: &[f64]) -> (Trend, Option<f64>) {
    if scores.len() < 3 {
        return (Trend::Stable, None);
    }
    match ols(scores) {
        Some((slope, r2)) if slope > TREND_SLOPE => (Trend::Improving, Some(r2)),
        Some((slope, r2)) if slope < -TREND_SLOPE => (Trend::Declining, Some(r2)),
        Some((_, r2)) => (Trend::Stable, Some(r2)),
        None => (Trend::Stable, None),
    }
}

/// `riskLevel` from the recent average and the trend.
pub fn risk_level(recent: f64, trend: Trend) -> RiskLevel {
    let declining = trend == Trend::Declining;
    if recent < 60.0 || (declining && recent < 70.0) {
        RiskLevel::High
    } else if recent < 70.0 || declining {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    }
}

/// `2 + ceil(max(0, 85 - recent) / 10) + (declining ? 2 : 0)` hours.
pub fn recommended_study_time(recent: f64, trend: Trend) -> i64 {
    // The tolerance keeps a recent average of 75.000000001 (float noise) at 1 extra hour.
    let gap_hours = ((85.0 - recent).max(0.0) / 10.0 - 1e-9).ceil().max(0.0) as i64;
    2 + gap_hours + if trend == Trend::Declining { 2 } else { 0 }
}

/// One valid attempt.
struct Scored<'a> {
    attempt: &'a AssessmentAttempt,
    score: f64,
}

fn last_n(scores: &[f64], n: usize) -> &[f64] {
    &scores[scores.len().saturating_sub(n)..]
}

fn topic_of(catalog: &Catalog, assessment: &Assessment) -> Option<TopicId> {
    assessment.topic_id.or_else(|| {
        assessment
            .module_id
            .and_then(|m| catalog.modules.get(&m))
            .and_then(|m| m.topic_id)
    })
}

fn topic_name(catalog: &Catalog, topic: TopicId) -> String {
    catalog
        .topic_paths
        .get(&topic)
        .and_then(|p| catalog.paths.get(p))
        .and_then(|p| p.topics.iter().find(|t| t.topic_id == topic))
        .map_or_else(|| topic.to_string(), |t| t.name.clone())
}

fn max_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

fn min_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

fn r1(x: Option<f64>) -> Option<f64> {
    x.map(|v| round_dp(v, 1))
}

/// Computes AS-001.5 for one learner.
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    platform: &PerformancePlatform,
    clock: &Clock,
) -> PerformanceAnalytics {
    let mut attempts: Vec<Scored> = record
        .attempts
        .iter()
        .filter(|a| a.submitted_at <= clock.now)
        .filter_map(|a| {
            a.score_pct().map(|s| Scored {
                attempt: a,
                score: clamp(s, 0.0, 100.0),
            })
        })
        .collect();
    attempts.sort_by_key(|s| (s.attempt.submitted_at, s.attempt.attempt_no, s.attempt.id));
    let scores: Vec<f64> = attempts.iter().map(|s| s.score).collect();

    let mut by_assessment: BTreeMap<AssessmentId, Vec<&Scored>> = BTreeMap::new();
    for s in &attempts {
        by_assessment
            .entry(s.attempt.assessment_id)
            .or_default()
            .push(s);
    }
    let best: BTreeMap<AssessmentId, f64> = by_assessment
        .iter()
        .map(|(id, list)| (*id, list.iter().map(|s| s.score).fold(0.0, f64::max)))
        .collect();
    let passed: BTreeSet<AssessmentId> = by_assessment
        .iter()
        .filter(|(_, list)| list.iter().any(|s| s.attempt.passed))
        .map(|(id, _)| *id)
        .collect();
    let completed = by_assessment.len();

    let required: BTreeSet<AssessmentId> = record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Active)
        .filter_map(|e| platform.required_by_course.get(&e.course_id))
        .flatten()
        .copied()
        .collect();
    let pending = required
        .iter()
        .filter(|a| !by_assessment.contains_key(a))
        .count();

    let best_values: Vec<f64> = best.values().copied().collect();
    let recent = mean(last_n(&scores, RECENT_ATTEMPTS));
    let progression = last_n(&scores, PROGRESSION_ATTEMPTS);
    let (trend, r2) = trend_of(progression);

    // Topics.
    let mut topics: BTreeMap<TopicId, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (id, best_score) in &best {
        let topic = catalog
            .assessments
            .get(id)
            .and_then(|a| topic_of(catalog, a));
        if let Some(topic) = topic {
            topics.entry(topic).or_default().0.push(*best_score);
        }
    }
    for s in &attempts {
        let topic = catalog
            .assessments
            .get(&s.attempt.assessment_id)
            .and_then(|a| topic_of(catalog, a));
        if let Some(entry) = topic.and_then(|t| topics.get_mut(&t)) {
            entry.1.push(s.score);
        }
    }
    let mut topic_breakdown: Vec<TopicPerformance> = topics
        .into_iter()
        .map(|(topic, (bests, topic_scores))| TopicPerformance {
            topic_id: topic,
            topic_name: topic_name(catalog, topic),
            average_score: round_dp(mean(&bests).unwrap_or(0.0), 1),
            assessment_count: bests.len() as u32,
            trend: trend_of(last_n(&topic_scores, PROGRESSION_ATTEMPTS)).0,
        })
        .collect();
    topic_breakdown.sort_by(|a, b| {
        a.topic_name
            .cmp(&b.topic_name)
            .then(a.topic_id.cmp(&b.topic_id))
    });

    // Time.
    let durations: Vec<f64> = attempts
        .iter()
        .filter_map(|s| valid_duration(s.attempt))
        .collect();
    let ratios: Vec<f64> = by_assessment
        .iter()
        .filter_map(|(id, list)| {
            let own: Vec<f64> = list
                .iter()
                .filter_map(|s| valid_duration(s.attempt))
                .collect();
            let own_mean = mean(&own)?;
            let platform_mean = *platform.mean_duration(*id, record.id()).shown()?;
            (platform_mean > 0.0).then(|| own_mean / platform_mean)
        })
        .collect();

    // Retries.
    let retried = by_assessment.values().filter(|l| l.len() >= 2).count();
    let failed_first_retried: Vec<&Vec<&Scored>> = by_assessment
        .values()
        .filter(|l| l.len() >= 2 && !l[0].attempt.passed)
        .collect();
    let later_passed = failed_first_retried
        .iter()
        .filter(|l| l[1..].iter().any(|s| s.attempt.passed))
        .count();
    let attempts_to_pass: Vec<f64> = by_assessment
        .values()
        .filter_map(|l| l.iter().find(|s| s.attempt.passed))
        .map(|s| f64::from(s.attempt.attempt_no))
        .collect();

    // Predictions.
    let projected = match scores.len() {
        0 => 0.0,
        1 | 2 => scores[scores.len() - 1],
        _ => {
            let base = mean(last_n(&scores, 3)).unwrap_or(0.0);
            let adjust = match trend {
                Trend::Improving => 5.0,
                Trend::Declining => -5.0,
                Trend::Stable => 0.0,
            };
            clamp(base + adjust, 0.0, 100.0)
        }
    };
    let (risk, study) = match recent {
        Some(r) => (risk_level(r, trend), recommended_study_time(r, trend)),
        None => (RiskLevel::Low, 2),
    };

    PerformanceAnalytics {
        overview: Overview {
            total_assessments: (completed + pending) as u32,
            completed_assessments: completed as u32,
            pending_assessments: pending as u32,
            overall_average_score: r1(mean(&best_values)),
            recent_average_score: r1(recent),
            pass_rate: r1(pct(passed.len() as f64, completed as f64)),
            improvement_trend: trend,
            trend_strength: r2.map(|r| round_dp(r, 2)),
        },
        performance: ScorePerformance {
            best_score: r1(max_of(&scores)),
            worst_score: r1(min_of(&scores)),
            last_score: r1(scores.last().copied()),
            score_progression: progression.iter().map(|s| round_dp(*s, 1)).collect(),
        },
        pass_analysis: PassAnalysis {
            pass_threshold: PASS_THRESHOLD,
            total_passed: passed.len() as u32,
            total_failed: (completed - passed.len()) as u32,
        },
        topic_breakdown,
        time_efficiency: TimeEfficiency {
            average_completion_time: r1(mean(&durations)),
            time_efficiency_ratio: mean(&ratios).map(|r| round_dp(r, 2)),
            quickest_completion: r1(min_of(&durations)),
        },
        retry_patterns: RetryPatterns {
            retry_rate: r1(pct(retried as f64, completed as f64)),
            retry_success_rate: r1(pct(later_passed as f64, failed_first_retried.len() as f64)),
            average_attempts_to_pass: r1(mean(&attempts_to_pass)),
        },
        predictions: Predictions {
            projected_next_score: round_int(projected),
            risk_level: risk,
            recommended_study_time: study,
        },
        skills_acquired_via_assessments: record
            .user_skills
            .iter()
            .filter(|s| s.acquired && s.acquired_via == Some(AcquiredVia::Assessment))
            .count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::*;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn days_ago(d: i64) -> DateTime<Utc> {
        now() - Duration::days(d)
    }

    fn uid(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn aid(n: u128) -> AssessmentId {
        AssessmentId(uuid::Uuid::from_u128(0xA000 + n))
    }

    fn cid(n: u128) -> CourseId {
        CourseId(uuid::Uuid::from_u128(0xC000 + n))
    }

    fn tid(n: u128) -> TopicId {
        TopicId(uuid::Uuid::from_u128(0xE000 + n))
    }

    fn assessment(n: u128, course: u128, required: bool, topic: Option<u128>) -> Assessment {
        Assessment {
            id: aid(n),
            course_id: Some(cid(course)),
            module_id: None,
            kind: AssessmentKind::Quiz,
            max_score: 50.0,
            pass_threshold: None,
            required,
            topic_id: topic.map(tid),
            skill_ids: vec![],
            due_at: None,
        }
    }

    fn catalog() -> Catalog {
        Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![],
            vec![
                assessment(1, 1, true, Some(1)),
                assessment(2, 1, true, Some(1)),
                assessment(3, 1, true, Some(2)),
                assessment(4, 1, false, None),
                assessment(5, 2, true, None),
            ],
            vec![LearningPath {
                id: PathId(uuid::Uuid::from_u128(0xD001)),
                name: "Path".into(),
                difficulty: Difficulty::Beginner,
                target_competency: None,
                topics: vec![
                    PathTopic {
                        topic_id: tid(1),
                        name: "Basics".into(),
                        skill_ids: vec![],
                    },
                    PathTopic {
                        topic_id: tid(2),
                        name: "Advanced".into(),
                        skill_ids: vec![],
                    },
                ],
            }],
            vec![],
        )
    }

    fn user(n: u128) -> User {
        User {
            id: uid(n),
            external_id: None,
            org_id: None,
            department_id: None,
            team_id: None,
            display_name: format!("user {n}"),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: days_ago(400),
        }
    }

    /// An attempt scoring `pct` percent (max score 50) `d` days ago.
    fn attempt(
        user: u128,
        a: u128,
        no: i32,
        pct: f64,
        passed: bool,
        d: i64,
        minutes: f64,
    ) -> AssessmentAttempt {
        AssessmentAttempt {
            id: AttemptId(uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{user}-{a}-{no}-{d}").as_bytes(),
            )),
            assessment_id: aid(a),
            user_id: uid(user),
            attempt_no: no,
            started_at: days_ago(d) - Duration::minutes(minutes as i64),
            submitted_at: days_ago(d),
            duration_minutes: minutes,
            score: pct / 2.0,
            max_score: 50.0,
            passed,
            question_results: None,
        }
    }

    fn enrollment(user: u128, course: u128, status: EnrollmentStatus) -> Enrollment {
        Enrollment {
            id: EnrollmentId(uuid::Uuid::from_u128(user * 100 + course)),
            user_id: uid(user),
            course_id: cid(course),
            enrolled_at: days_ago(100),
            status,
            progress_pct: 20.0,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        }
    }

    fn learner(n: u128) -> LearnerRecord {
        LearnerRecord::new(user(n))
    }

    /// Ten other learners, each with one 40-minute attempt on assessment 1.
    fn others() -> Vec<LearnerRecord> {
        (0..10)
            .map(|i| {
                let mut r = learner(100 + i);
                r.attempts
                    .push(attempt(100 + i, 1, 1, 70.0, true, 30, 40.0));
                r
            })
            .collect()
    }

    #[test]
    fn no_attempts_gives_nulls_zero_counts_and_a_stable_trend() {
        let r = learner(1);
        let cat = catalog();
        let out = compute(&r, &cat, &build_platform(&[], &cat), &clock());
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "overview": {"totalAssessments": 0, "completedAssessments": 0,
                    "pendingAssessments": 0, "overallAverageScore": null,
                    "recentAverageScore": null, "passRate": null,
                    "improvementTrend": "stable", "trendStrength": null},
                "performance": {"bestScore": null, "worstScore": null, "lastScore": null,
                    "scoreProgression": []},
                "passAnalysis": {"passThreshold": 70.0, "totalPassed": 0, "totalFailed": 0},
                "topicBreakdown": [],
                "timeEfficiency": {"averageCompletionTime": null, "timeEfficiencyRatio": null,
                    "quickestCompletion": null},
                "retryPatterns": {"retryRate": null, "retrySuccessRate": null,
                    "averageAttemptsToPass": null},
                "predictions": {"projectedNextScore": 0, "riskLevel": "low",
                    "recommendedStudyTime": 2},
                "skillsAcquiredViaAssessments": 0
            })
        );
    }

    #[test]
    fn a_worked_learner() {
        let cat = catalog();
        let mut r = learner(1);
        r.enrollments
            .push(enrollment(1, 1, EnrollmentStatus::Active));
        // Course 2 is dropped: its required assessment 5 is not pending.
        r.enrollments
            .push(enrollment(1, 2, EnrollmentStatus::Dropped));
        // Assessment 1: 50 (fail, #1), 80 (pass, #2). Assessment 2: 60 (fail), 65 (fail).
        // Assessment 4: 90 (pass, #1). Assessment 3 (required) never attempted -> pending.
        r.attempts.push(attempt(1, 1, 1, 50.0, false, 10, 60.0));
        r.attempts.push(attempt(1, 2, 1, 60.0, false, 9, 30.0));
        r.attempts.push(attempt(1, 1, 2, 80.0, true, 8, 20.0));
        r.attempts.push(attempt(1, 2, 2, 65.0, false, 7, 30.0));
        r.attempts.push(attempt(1, 4, 1, 90.0, true, 6, 10.0));
        r.user_skills.push(UserSkill {
            user_id: uid(1),
            skill_id: SkillId(uuid::Uuid::from_u128(1)),
            current_level: SkillLevel::ADVANCED,
            acquired: true,
            acquired_at: Some(days_ago(6)),
            acquired_via: Some(AcquiredVia::Assessment),
            updated_at: days_ago(6),
        });
        r.sort();
        let mut records = others();
        records.push(r.clone());
        let platform = build_platform(&records, &cat);
        let out = compute(&r, &cat, &platform, &clock());

        // completed 3 (1, 2, 4); pending 1 (3); total 4.
        assert_eq!(out.overview.completed_assessments, 3);
        assert_eq!(out.overview.pending_assessments, 1);
        assert_eq!(out.overview.total_assessments, 4);
        // bests 80, 65, 90 -> 78.33 -> 78.3; recent (5 attempts) = 345/5 = 69.0
        assert_eq!(out.overview.overall_average_score, Some(78.3));
        assert_eq!(out.overview.recent_average_score, Some(69.0));
        // passed 2 of 3 -> 66.7
        assert_eq!(out.overview.pass_rate, Some(66.7));
        // scores 50, 60, 80, 65, 90 over x = 0..4: mean x 2, mean y 69;
        // Sxy = (-2)(-19) + (-1)(-9) + 0 + 1(-4) + 2(21) = 38 + 9 - 4 + 42 = 85; Sxx = 10
        // slope 8.5 > 2 -> improving. SStot = 361+81+121+16+441 = 1020; R² = 85²/(10*1020)
        // = 7225/10200 = 0.7083 -> 0.71
        assert_eq!(out.overview.improvement_trend, Trend::Improving);
        assert_eq!(out.overview.trend_strength, Some(0.71));
        assert_eq!(out.performance.best_score, Some(90.0));
        assert_eq!(out.performance.worst_score, Some(50.0));
        assert_eq!(out.performance.last_score, Some(90.0));
        assert_eq!(
            out.performance.score_progression,
            vec![50.0, 60.0, 80.0, 65.0, 90.0]
        );
        assert_eq!(out.pass_analysis.total_passed, 2);
        assert_eq!(out.pass_analysis.total_failed, 1);
        // Topic 1 (Basics): assessments 1 and 2, bests 80 and 65 -> 72.5; scores
        // 50, 60, 80, 65: slope = ((-1.5)(-13.75) + (-0.5)(-3.75) + 0.5(16.25) + 1.5(1.25))/5
        // = (20.625 + 1.875 + 8.125 + 1.875)/5 = 6.5 -> improving. Assessment 4 has no topic.
        assert_eq!(
            out.topic_breakdown,
            vec![TopicPerformance {
                topic_id: tid(1),
                topic_name: "Basics".into(),
                average_score: 72.5,
                assessment_count: 2,
                trend: Trend::Improving,
            }]
        );
        // durations 60, 30, 20, 30, 10 -> mean 30, min 10.
        assert_eq!(out.time_efficiency.average_completion_time, Some(30.0));
        assert_eq!(out.time_efficiency.quickest_completion, Some(10.0));
        // Only assessment 1 has a platform population (10 others at 40 min):
        // own mean (60 + 20)/2 = 40 -> ratio 1.00.
        assert_eq!(out.time_efficiency.time_efficiency_ratio, Some(1.0));
        // retried: 1 and 2 of 3 -> 66.7; failed first & retried: 1 and 2, later passed: 1
        // -> 50.0; first pass attemptNo: 2 (assessment 1), 1 (assessment 4) -> 1.5
        assert_eq!(out.retry_patterns.retry_rate, Some(66.7));
        assert_eq!(out.retry_patterns.retry_success_rate, Some(50.0));
        assert_eq!(out.retry_patterns.average_attempts_to_pass, Some(1.5));
        // mean(last 3) = (80 + 65 + 90)/3 = 78.33 + 5 (improving) = 83.33 -> 83
        // recent 69 < 70 -> medium; study 2 + ceil(16/10) = 2 + 2 = 4
        assert_eq!(
            out.predictions,
            Predictions {
                projected_next_score: 83,
                risk_level: RiskLevel::Medium,
                recommended_study_time: 4,
            }
        );
        assert_eq!(out.skills_acquired_via_assessments, 1);
    }

    #[test]
    fn the_platform_mean_excludes_the_subject_and_needs_ten_others() {
        let cat = catalog();
        let mut records = others();
        records.pop();
        let mut r = learner(1);
        r.attempts.push(attempt(1, 1, 1, 70.0, true, 5, 80.0));
        records.push(r.clone());
        let platform = build_platform(&records, &cat);
        // Ten learners in the population but nine others: suppressed.
        assert!(platform.mean_duration(aid(1), uid(1)).is_suppressed());
        assert_eq!(
            compute(&r, &cat, &platform, &clock())
                .time_efficiency
                .time_efficiency_ratio,
            None
        );
        // For an outsider all ten count: (9*40 + 80)/10 = 44.
        assert_eq!(platform.mean_duration(aid(1), uid(7)), Guarded::Shown(44.0));
        records.push({
            let mut o = learner(50);
            o.attempts.push(attempt(50, 1, 1, 70.0, true, 5, 40.0));
            o
        });
        let platform = build_platform(&records, &cat);
        // Ten others at 40 min; own 80 -> ratio 2.00.
        assert_eq!(platform.mean_duration(aid(1), uid(1)), Guarded::Shown(40.0));
        assert_eq!(
            compute(&r, &cat, &platform, &clock())
                .time_efficiency
                .time_efficiency_ratio,
            Some(2.0)
        );
    }

    #[test]
    fn trend_boundaries_and_projection_with_few_attempts() {
        // slope exactly 2 is stable; 2.5 improving; -2.5 declining.
        assert_eq!(trend_of(&[50.0, 52.0, 54.0]).0, Trend::Stable);
        assert_eq!(trend_of(&[50.0, 52.5, 55.0]).0, Trend::Improving);
        assert_eq!(trend_of(&[55.0, 52.5, 50.0]).0, Trend::Declining);
        assert_eq!(trend_of(&[10.0, 90.0]), (Trend::Stable, None));
        // risk: recent 60 not declining -> medium; 59.9 -> high; 69.9 declining -> high;
        // 70 declining -> medium; 70 stable -> low.
        assert_eq!(risk_level(60.0, Trend::Stable), RiskLevel::Medium);
        assert_eq!(risk_level(59.9, Trend::Stable), RiskLevel::High);
        assert_eq!(risk_level(69.9, Trend::Declining), RiskLevel::High);
        assert_eq!(risk_level(70.0, Trend::Declining), RiskLevel::Medium);
        assert_eq!(risk_level(70.0, Trend::Improving), RiskLevel::Low);
        // study: 85 -> 2; 75 -> 2 + 1 = 3; 74.9 -> 2 + ceil(1.01) = 4; 0 declining -> 2+9+2
        assert_eq!(recommended_study_time(85.0, Trend::Stable), 2);
        assert_eq!(recommended_study_time(100.0, Trend::Stable), 2);
        assert_eq!(recommended_study_time(75.0, Trend::Stable), 3);
        assert_eq!(recommended_study_time(74.9, Trend::Stable), 4);
        assert_eq!(recommended_study_time(0.0, Trend::Declining), 13);

        // Two attempts: projection = last score; recent 45 -> high, 2 + ceil(4) = 6.
        let cat = catalog();
        let mut r = learner(1);
        r.attempts.push(attempt(1, 1, 1, 40.0, false, 3, 10.0));
        r.attempts.push(attempt(1, 1, 2, 50.0, false, 2, 10.0));
        // A future attempt and one with maxScore 0 are ignored.
        r.attempts.push(attempt(1, 2, 1, 90.0, true, -1, 10.0));
        let mut broken = attempt(1, 3, 1, 90.0, true, 1, 10.0);
        broken.max_score = 0.0;
        r.attempts.push(broken);
        r.sort();
        let out = compute(&r, &cat, &PerformancePlatform::default(), &clock());
        assert_eq!(out.overview.completed_assessments, 1);
        assert_eq!(out.overview.pass_rate, Some(0.0));
        assert_eq!(out.retry_patterns.retry_success_rate, Some(0.0));
        assert_eq!(out.retry_patterns.average_attempts_to_pass, None);
        assert_eq!(
            out.predictions,
            Predictions {
                projected_next_score: 50,
                risk_level: RiskLevel::High,
                recommended_study_time: 6,
            }
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn outputs_stay_in_range(
            rows in proptest::collection::vec(
                (1u128..6, 1i32..4, 0.0f64..=100.0, any::<bool>(), 0i64..60, 0.0f64..120.0), 0..25),
            enrolled in any::<bool>(),
        ) {
            let cat = catalog();
            let mut r = learner(1);
            if enrolled { r.enrollments.push(enrollment(1, 1, EnrollmentStatus::Active)); }
            for (i, (a, no, s, p, d, m)) in rows.iter().enumerate() {
                let mut at = attempt(1, *a, *no, *s, *p, *d, *m);
                at.id = AttemptId(uuid::Uuid::from_u128(i as u128 + 1));
                r.attempts.push(at);
            }
            r.sort();
            let mut records = others();
            records.push(r.clone());
            let platform = build_platform(&records, &cat);
            let out = compute(&r, &cat, &platform, &clock());
            prop_assert_eq!(&out, &compute(&r, &cat, &platform, &clock()));
            let json = serde_json::to_string(&out).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            let o = &out.overview;
            prop_assert_eq!(o.total_assessments, o.completed_assessments + o.pending_assessments);
            prop_assert_eq!(out.pass_analysis.total_passed + out.pass_analysis.total_failed, o.completed_assessments);
            for v in [o.overall_average_score, o.recent_average_score, o.pass_rate,
                      out.performance.best_score, out.performance.worst_score,
                      out.retry_patterns.retry_rate, out.retry_patterns.retry_success_rate].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&v));
            }
            if let Some(t) = o.trend_strength { prop_assert!((0.0..=1.0).contains(&t)); }
            prop_assert!(out.performance.score_progression.len() <= 10);
            prop_assert!((0..=100).contains(&out.predictions.projected_next_score));
            prop_assert!(out.predictions.recommended_study_time >= 2);
            if let Some(recent) = o.recent_average_score {
                let declining = o.improvement_trend == Trend::Declining;
                let expected = if recent < 60.0 || (declining && recent < 70.0) { RiskLevel::High }
                    else if recent < 70.0 || declining { RiskLevel::Medium } else { RiskLevel::Low };
                // The band is computed on the unrounded mean; rounding can only move it at an
                // exact boundary, which these inputs reach only through rounding.
                if (recent - 60.0).abs() > 0.05 && (recent - 70.0).abs() > 0.05 {
                    prop_assert_eq!(out.predictions.risk_level, expected);
                }
            } else {
                prop_assert_eq!(o.completed_assessments, 0);
            }
            for t in &out.topic_breakdown {
                prop_assert!((0.0..=100.0).contains(&t.average_score));
            }
        }
    }
}
