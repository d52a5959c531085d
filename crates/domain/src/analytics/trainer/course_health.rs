//! AS-002.8 Course Health Dashboard (`course_health`; endpoint T2).
//!
//! Question: is a course healthy, where do learners drop off, which content struggles,
//! and who needs help now?
//!
//! Inputs: the [`CourseCohort`], the cross-course [`CourseBenchmarks`] (for
//! `comparisonToAverage`), the viewer ([`Viewer`]: named at-risk students only for the
//! trainer, `analytics.md` 7.1 rule 4) and the [`Clock`]. T2's `data` is `{courses: [...]}`
//! with this analytic for every course the trainer teaches ([`for_trainer`]). Spans are
//! fixed (30 / 90 days), so `window` does not change it **(decided here)**.
//!
//! Formulas (all scores and bands are "decided here" in the spec; cohort rules in
//! [`super::cohort`]):
//! - Enrollments: `total`; `active` = members with course activity in the last 30 d (as
//!   `activeStudents` of AS-002.7) **(decided here)**; `trendPct` = growth of enrollments of
//!   the last 30 d vs the previous 30 d (null when the previous is 0);
//!   `comparisonToAverage = (total - mean) / mean * 100`, mean = mean enrollments per course
//!   of the benchmark population (other courses with >= K enrollments; below K the
//!   marker).
//! - Completion: `rate` = completions / enrollments * 100; `target` = course
//!   `targetCompletionRate` (default 75); `variance = rate - target`;
//!   `averageTimeToComplete` = mean days enrolled -> completed / 7 (weeks);
//!   `targetTime` = `estimatedDurationWeeks`.
//! - Satisfaction: `averageRating` (2 dp), `totalReviews`, `satisfactionScore` = % of
//!   reviews with >= 4 stars, `nps` = % 5-star - % (<= 3-star), `ratingTrend` = mean rating
//!   of the last 90 d - previous 90 d (2 dp; null when either span has no review).
//! - Funnel: enrolled -> started (progress > 0) -> midpoint (progress >= 50) -> completed,
//!   counts and % of enrolled (completed enrollments count as 100 % progress).
//! - Drop-off: `dropOffRate_i = dropped_i / reached_i * 100`, dropped_i = dropped
//!   enrollments whose drop stage is module i, reached_i = enrollments that completed
//!   module i-1 (all, for the first module); `overallDropOffRate` = dropped / enrollments *
//!   100. `dropOffPoints` lists the modules with at least one drop, in course order
//!   **(decided here)**: `avgProgressBeforeDrop` = mean progress of those dropped;
//!   `likelyReasons` = top 3 tags of those learners' reviews of the course (else their
//!   negative keywords) **(decided here)**; `priority` high >= 30, medium >= 15, else low;
//!   `isProblemArea` when rate >= 30, or rate > 0 and rate >= 1.5 x the median rate over
//!   the modules with reached_i > 0 (the "> 0" keeps a zero median from flagging
//!   everything) **(decided here)**; `recommendedActions` from templates.
//! - `activityHeatmap`: 7 x 24 counts of course-session starts in the last 30 d, rows =
//!   weekday Monday..Sunday, columns = UTC hour 0..23 **(decided here: Monday first)**.
//! - Content: per module (assessments by `moduleId`, else by the module mapped to their
//!   `topicId`; course-level assessments belong to no module) **(decided here)** with at
//!   least one attempt: `averageScore` = mean over students of their mean best score on the
//!   module's non-pre assessments, `passRate` = passed / attempted (student, assessment)
//!   pairs * 100, `averageAttempts` = mean attempts per pair (2 dp); struggling = score < 70
//!   or pass < 70; high-performance = score >= 85 and pass >= 90; `topic` = module name.
//! - `healthScore = round(0.30*min(100, rate/target*100) + 0.20*satisfactionScore +
//!   0.25*(100 - overallDropOffRate) + 0.25*passRate)` with `passRate` as in AS-002.7
//!   (students passing every required assessment / students with an attempt); a missing
//!   component is dropped and the weights rescaled; null when all are missing
//!   **(decided here)**. `overallHealth`: excellent >= 85, good 70-84, fair 50-69,
//!   poor < 50.
//! - At-risk students (section 3 rule): `atRiskStudentCount` always; `atRiskStudents
//!   [{userId, displayName, reasons}]` for the trainer view, null otherwise, ordered by
//!   number of reasons then name.
//! - `recommendations [{type, priority, suggestion}]` from fixed templates; `type` one of
//!   completion, drop_off, content, satisfaction, at_risk, engagement.
//! - Rounding: percentages 1 dp, ratings 2 dp, weeks 1 dp, health score integer.

use super::cohort::{
    CourseBenchmarks, CourseCohort, TrainerCourses, for_each_course, keyword_counts, mean_rating,
    tag_counts, top_counted,
};
use crate::analytics::Analysis;
use crate::analytics::common::{Clock, growth_pct, mean, median, pct, round_dp, round_int};
use crate::analytics::input::Catalog;
use crate::analytics::privacy::Guarded;
use crate::ids::{CourseId, ModuleId, UserId};
use crate::model::CourseReview;
use chrono::{Datelike, Duration, Timelike};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Who looks at the dashboard: only the course's trainer sees named at-risk students.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Trainer,
    OrgAdmin,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseHealth {
    pub course_id: CourseId,
    pub course_name: String,
    pub overall_health: Option<HealthBand>,
    pub health_score: Option<i64>,
    pub metrics: HealthMetrics,
    pub funnel: Vec<FunnelStage>,
    pub drop_off_analysis: DropOffAnalysis,
    pub activity_heatmap: Vec<Vec<i64>>,
    pub content_performance: ContentPerformance,
    pub at_risk_student_count: i64,
    pub at_risk_students: Option<Vec<AtRiskStudent>>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthBand {
    Excellent,
    Good,
    Fair,
    Poor,
}

impl HealthBand {
    /// excellent >= 85, good 70-84, fair 50-69, poor < 50 (on the integer score).
    pub fn of(score: i64) -> Self {
        match score {
            s if s >= 85 => HealthBand::Excellent,
            s if s >= 70 => HealthBand::Good,
            s if s >= 50 => HealthBand::Fair,
            _ => HealthBand::Poor,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthMetrics {
    pub enrollments: EnrollmentMetrics,
    pub completion: CompletionMetrics,
    pub satisfaction: SatisfactionMetrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentMetrics {
    pub total: i64,
    pub active: i64,
    pub trend_pct: Option<f64>,
    pub comparison_to_average: Guarded<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionMetrics {
    pub rate: Option<f64>,
    pub target: f64,
    pub variance: Option<f64>,
    pub average_time_to_complete: Option<f64>,
    pub target_time: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SatisfactionMetrics {
    pub average_rating: Option<f64>,
    pub total_reviews: i64,
    pub satisfaction_score: Option<f64>,
    pub nps: Option<f64>,
    pub rating_trend: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Enrolled,
    Started,
    Midpoint,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStage {
    pub stage: Stage,
    pub count: i64,
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropOffAnalysis {
    pub overall_drop_off_rate: Option<f64>,
    pub drop_off_points: Vec<DropOffPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    /// high >= 30, medium >= 15, else low.
    pub fn of_drop_off(rate: f64) -> Self {
        if rate >= 30.0 {
            Priority::High
        } else if rate >= 15.0 {
            Priority::Medium
        } else {
            Priority::Low
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropOffPoint {
    pub module_id: ModuleId,
    pub module_name: String,
    pub drop_off_rate: f64,
    pub students_dropped: i64,
    pub avg_progress_before_drop: f64,
    pub likely_reasons: Vec<String>,
    pub recommended_actions: Vec<String>,
    pub priority: Priority,
    pub is_problem_area: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentPerformance {
    pub struggling_topics: Vec<TopicPerformance>,
    pub high_performance_topics: Vec<TopicPerformance>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicPerformance {
    pub topic: String,
    pub average_score: Option<f64>,
    pub pass_rate: f64,
    pub average_attempts: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskStudent {
    pub user_id: UserId,
    pub display_name: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationType {
    Completion,
    DropOff,
    Content,
    Satisfaction,
    AtRisk,
    Engagement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    #[serde(rename = "type")]
    pub kind: RecommendationType,
    pub priority: Priority,
    pub suggestion: String,
}

/// T2: AS-002.8 (trainer view) for every course `trainer` teaches; insufficient data when
/// none.
pub fn for_trainer<'a>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    benchmarks: &CourseBenchmarks,
    clock: &Clock,
) -> Analysis<TrainerCourses<CourseHealth>> {
    for_each_course(trainer, catalog, cohorts, |cohort| {
        compute(cohort, benchmarks, Viewer::Trainer, clock)
    })
}

/// The weighted health score with missing components dropped and weights rescaled.
pub fn health_score(
    completion_vs_target: Option<f64>,
    satisfaction: Option<f64>,
    drop_off_rate: Option<f64>,
    pass_rate: Option<f64>,
) -> Option<i64> {
    let parts = [
        (0.30, completion_vs_target.map(|r| r.min(100.0))),
        (0.20, satisfaction),
        (0.25, drop_off_rate.map(|d| 100.0 - d)),
        (0.25, pass_rate),
    ];
    let present: Vec<(f64, f64)> = parts
        .iter()
        .filter_map(|(w, v)| v.filter(|v| v.is_finite()).map(|v| (*w, v)))
        .collect();
    let weight: f64 = present.iter().map(|(w, _)| w).sum();
    (weight > 0.0).then(|| round_int(present.iter().map(|(w, v)| w * v).sum::<f64>() / weight))
}

/// AS-002.8 for one course.
pub fn compute(
    cohort: &CourseCohort,
    benchmarks: &CourseBenchmarks,
    viewer: Viewer,
    clock: &Clock,
) -> CourseHealth {
    let now = clock.now;
    let course = cohort.course;
    let total = cohort.enrollments();

    // Enrollments.
    let last30 = cohort.enrolled_between(now - Duration::days(30), now);
    let previous30 = cohort.enrolled_between(now - Duration::days(60), now - Duration::days(30));
    let others: Vec<_> = benchmarks.others(course.id).collect();
    let population: usize = others.iter().map(|c| c.enrollments).sum();
    let comparison = Guarded::new(population, || {
        let per_course: Vec<f64> = others.iter().map(|c| c.enrollments as f64).collect();
        let avg = mean(&per_course).unwrap_or(0.0);
        round_dp(pct(total as f64 - avg, avg).unwrap_or(0.0), 1)
    });

    // Completion.
    let rate = cohort.completion_rate();
    let target = cohort.target_completion();

    // Satisfaction.
    let reviews = &cohort.reviews;
    let n_reviews = reviews.len() as f64;
    let share = |keep: &dyn Fn(i32) -> bool| {
        pct(
            reviews.iter().filter(|r| keep(r.rating)).count() as f64,
            n_reviews,
        )
    };
    let satisfaction = share(&|r| r >= 4);
    let nps = share(&|r| r >= 5)
        .zip(share(&|r| r <= 3))
        .map(|(p, d)| p - d);
    let rating_trend = cohort
        .mean_rating_between(now - Duration::days(90), now)
        .zip(cohort.mean_rating_between(now - Duration::days(180), now - Duration::days(90)))
        .map(|(recent, earlier)| round_dp(recent - earlier, 2));

    // Funnel.
    let started = cohort
        .members
        .iter()
        .filter(|m| m.progress_pct() > 0.0)
        .count();
    let midpoint = cohort
        .members
        .iter()
        .filter(|m| m.progress_pct() >= 50.0)
        .count();
    let completed = cohort.completed_count();
    let funnel = [
        (Stage::Enrolled, total),
        (Stage::Started, started),
        (Stage::Midpoint, midpoint),
        (Stage::Completed, completed),
    ]
    .into_iter()
    .map(|(stage, count)| FunnelStage {
        stage,
        count: count as i64,
        pct: pct(count as f64, total as f64).map(|p| round_dp(p, 1)),
    })
    .collect();

    // Drop-off.
    let overall_drop_off = cohort.dropout_rate(now);
    let drop_off_points = drop_off_points(cohort, clock);

    // Heatmap.
    let mut heatmap = vec![vec![0i64; 24]; 7];
    for session in cohort
        .members
        .iter()
        .flat_map(|m| m.sessions.iter())
        .filter(|s| clock.within_last_days(s.started_at, 30))
    {
        let day = session.started_at.weekday().num_days_from_monday() as usize;
        heatmap[day][session.started_at.hour() as usize] += 1;
    }

    // Content.
    let topics = topic_performance(cohort);
    let struggling: Vec<TopicPerformance> = topics
        .iter()
        .filter(|t| t.average_score.is_some_and(|s| s < 70.0) || t.pass_rate < 70.0)
        .cloned()
        .collect();
    let high: Vec<TopicPerformance> = topics
        .iter()
        .filter(|t| t.average_score.is_some_and(|s| s >= 85.0) && t.pass_rate >= 90.0)
        .cloned()
        .collect();

    // Health.
    let pass_rate = cohort.pass_rate();
    let score = health_score(
        rate.and_then(|r| pct(r, target)),
        satisfaction,
        overall_drop_off,
        pass_rate,
    );

    let at_risk = cohort.at_risk(clock);
    let at_risk_students = (viewer == Viewer::Trainer).then(|| {
        at_risk
            .iter()
            .map(|(m, reasons)| AtRiskStudent {
                user_id: m.user_id(),
                display_name: m.record.user.display_name.clone(),
                reasons: reasons.clone(),
            })
            .collect()
    });

    let mut output = CourseHealth {
        course_id: course.id,
        course_name: course.title.clone(),
        overall_health: score.map(HealthBand::of),
        health_score: score,
        metrics: HealthMetrics {
            enrollments: EnrollmentMetrics {
                total: total as i64,
                active: cohort.active_students(clock) as i64,
                trend_pct: growth_pct(last30 as f64, previous30 as f64).map(|g| round_dp(g, 1)),
                comparison_to_average: comparison,
            },
            completion: CompletionMetrics {
                rate: rate.map(|r| round_dp(r, 1)),
                target: round_dp(target, 1),
                variance: rate.map(|r| round_dp(r - target, 1)),
                average_time_to_complete: cohort
                    .average_completion_days()
                    .map(|d| round_dp(d / 7.0, 1)),
                target_time: course
                    .estimated_duration_weeks
                    .filter(|w| w.is_finite())
                    .map(|w| round_dp(w, 1)),
            },
            satisfaction: SatisfactionMetrics {
                average_rating: mean_rating(reviews.iter().copied()).map(|r| round_dp(r, 2)),
                total_reviews: reviews.len() as i64,
                satisfaction_score: satisfaction.map(|s| round_dp(s, 1)),
                nps: nps.map(|n| round_dp(n, 1)),
                rating_trend,
            },
        },
        funnel,
        drop_off_analysis: DropOffAnalysis {
            overall_drop_off_rate: overall_drop_off.map(|r| round_dp(r, 1)),
            drop_off_points,
        },
        activity_heatmap: heatmap,
        content_performance: ContentPerformance {
            struggling_topics: struggling,
            high_performance_topics: high,
        },
        at_risk_student_count: at_risk.len() as i64,
        at_risk_students,
        recommendations: Vec::new(),
    };
    output.recommendations = recommendations(&output, cohort.active_students(clock), total);
    output
}

fn drop_off_points(cohort: &CourseCohort, clock: &Clock) -> Vec<DropOffPoint> {
    let now = clock.now;
    let n = cohort.modules.len();
    let mut dropped: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut reached = vec![0usize; n];
    for (idx, member) in cohort.members.iter().enumerate() {
        let done = member.completed_modules(cohort, now);
        for (i, slot) in reached.iter_mut().enumerate() {
            if i == 0 || done.contains(&(i - 1)) {
                *slot += 1;
            }
        }
        if member.is_dropped(now)
            && let Some(stage) = member.drop_stage(cohort, now)
        {
            dropped[stage].push(idx);
        }
    }
    let rates: Vec<Option<f64>> = (0..n)
        .map(|i| pct(dropped[i].len() as f64, reached[i] as f64))
        .collect();
    let defined: Vec<f64> = rates.iter().flatten().copied().collect();
    let median_rate = median(&defined).unwrap_or(0.0);
    (0..n)
        .filter(|i| !dropped[*i].is_empty())
        .map(|i| {
            let rate = rates[i].unwrap_or(0.0);
            let members: Vec<_> = dropped[i].iter().map(|idx| &cohort.members[*idx]).collect();
            let users: BTreeSet<UserId> = members.iter().map(|m| m.user_id()).collect();
            let their_reviews: Vec<&CourseReview> = cohort
                .reviews
                .iter()
                .copied()
                .filter(|r| users.contains(&r.user_id))
                .collect();
            let tags = tag_counts(their_reviews.iter().copied());
            let likely_reasons = if tags.is_empty() {
                top_counted(keyword_counts(their_reviews.iter().copied(), false, true), 3)
            } else {
                top_counted(tags, 3)
            };
            let progress: Vec<f64> = members.iter().map(|m| m.progress_pct()).collect();
            let priority = Priority::of_drop_off(rate);
            let is_problem = rate >= 30.0 || (rate > 0.0 && rate >= 1.5 * median_rate);
            let name = cohort.modules[i].name.clone();
            let mut actions = Vec::new();
            if is_problem {
                actions.push(format!(
                    "Review the content and difficulty of \"{name}\": {} of the learners who reached it dropped out",
                    format_pct(rate)
                ));
            }
            if !likely_reasons.is_empty() {
                actions.push(format!(
                    "Address the feedback of learners who left here: {}",
                    likely_reasons.join(", ")
                ));
            }
            actions.push(format!(
                "Contact learners before \"{name}\" with a reminder and support options"
            ));
            DropOffPoint {
                module_id: cohort.modules[i].id,
                module_name: name,
                drop_off_rate: round_dp(rate, 1),
                students_dropped: members.len() as i64,
                avg_progress_before_drop: round_dp(mean(&progress).unwrap_or(0.0), 1),
                likely_reasons,
                recommended_actions: actions,
                priority,
                is_problem_area: is_problem,
            }
        })
        .collect()
}

fn format_pct(rate: f64) -> String {
    format!("{}%", round_dp(rate, 1))
}

/// Per module with at least one attempt (course order).
fn topic_performance(cohort: &CourseCohort) -> Vec<TopicPerformance> {
    (0..cohort.modules.len())
        .filter_map(|i| {
            let in_module =
                |a: &crate::model::AssessmentAttempt| cohort.module_of_attempt(a) == Some(i);
            let mut pairs = Vec::new();
            let mut scores = Vec::new();
            for member in &cohort.members {
                pairs.extend(member.pairs(cohort, in_module));
                scores.extend(member.course_score(cohort, in_module));
            }
            if pairs.is_empty() {
                return None;
            }
            let passed = pairs.iter().filter(|p| p.passed()).count();
            let attempts: Vec<f64> = pairs.iter().map(|p| p.attempts as f64).collect();
            Some(TopicPerformance {
                topic: cohort.modules[i].name.clone(),
                average_score: mean(&scores).map(|s| round_dp(s, 1)),
                pass_rate: round_dp(pct(passed as f64, pairs.len() as f64).unwrap_or(0.0), 1),
                average_attempts: round_dp(mean(&attempts).unwrap_or(0.0), 2),
            })
        })
        .collect()
}

fn recommendations(output: &CourseHealth, active: usize, total: usize) -> Vec<Recommendation> {
    let mut list = Vec::new();
    let completion = &output.metrics.completion;
    if let Some(variance) = completion.variance
        && variance < 0.0
    {
        list.push(Recommendation {
            kind: RecommendationType::Completion,
            priority: if variance <= -20.0 {
                Priority::High
            } else {
                Priority::Medium
            },
            suggestion: format!(
                "Completion is {} points below the {}% target: add milestones and reminders",
                round_dp(-variance, 1),
                completion.target
            ),
        });
    }
    for point in output
        .drop_off_analysis
        .drop_off_points
        .iter()
        .filter(|p| p.is_problem_area)
    {
        list.push(Recommendation {
            kind: RecommendationType::DropOff,
            priority: point.priority,
            suggestion: format!(
                "Revise \"{}\": {} of the learners who reached it dropped out",
                point.module_name,
                format_pct(point.drop_off_rate)
            ),
        });
    }
    for topic in &output.content_performance.struggling_topics {
        list.push(Recommendation {
            kind: RecommendationType::Content,
            priority: Priority::Medium,
            suggestion: format!(
                "Strengthen \"{}\" with examples and practice (pass rate {})",
                topic.topic,
                format_pct(topic.pass_rate)
            ),
        });
    }
    if let Some(score) = output.metrics.satisfaction.satisfaction_score
        && score < 60.0
    {
        list.push(Recommendation {
            kind: RecommendationType::Satisfaction,
            priority: if score < 40.0 {
                Priority::High
            } else {
                Priority::Medium
            },
            suggestion: format!(
                "Only {} of reviews give 4 or 5 stars: read the recent reviews and follow up",
                format_pct(score)
            ),
        });
    }
    if output.at_risk_student_count > 0 {
        list.push(Recommendation {
            kind: RecommendationType::AtRisk,
            priority: if output.at_risk_student_count >= 5 {
                Priority::High
            } else {
                Priority::Medium
            },
            suggestion: format!(
                "Reach out to the {} at-risk student(s)",
                output.at_risk_student_count
            ),
        });
    }
    if total > 0 && (active as f64) < 0.5 * total as f64 {
        list.push(Recommendation {
            kind: RecommendationType::Engagement,
            priority: Priority::Low,
            suggestion: format!(
                "Only {active} of {total} enrolled learners were active in the last 30 days: announce new activities"
            ),
        });
    }
    list
}

#[cfg(test)]
mod tests {
    use super::super::cohort::build_cohorts;
    use super::super::cohort::fixtures::*;
    use super::*;
    use crate::analytics::input::LearnerRecord;
    use crate::model::EnrollmentStatus;
    use proptest::prelude::*;

    fn run(learners: &[LearnerRecord], catalog: &Catalog, viewer: Viewer) -> CourseHealth {
        let cohorts = build_cohorts(catalog, learners.iter());
        let benchmarks = CourseBenchmarks::build(&cohorts);
        compute(&cohorts[&course_id(1)], &benchmarks, viewer, &clock())
    }

    #[test]
    fn health_score_rescales_missing_components() {
        // all present: 0.3*100 + 0.2*80 + 0.25*(100-20) + 0.25*60 = 30 + 16 + 20 + 15 = 81
        assert_eq!(
            health_score(Some(120.0), Some(80.0), Some(20.0), Some(60.0)),
            Some(81)
        );
        // no reviews: (0.3*100 + 0.25*80 + 0.25*60) / 0.8 = 65 / 0.8 = 81.25 -> 81
        assert_eq!(
            health_score(Some(100.0), None, Some(20.0), Some(60.0)),
            Some(81)
        );
        assert_eq!(health_score(None, None, None, None), None);
        // exactly on band edges
        assert_eq!(HealthBand::of(85), HealthBand::Excellent);
        assert_eq!(HealthBand::of(84), HealthBand::Good);
        assert_eq!(HealthBand::of(70), HealthBand::Good);
        assert_eq!(HealthBand::of(69), HealthBand::Fair);
        assert_eq!(HealthBand::of(50), HealthBand::Fair);
        assert_eq!(HealthBand::of(49), HealthBand::Poor);
        assert_eq!(Priority::of_drop_off(30.0), Priority::High);
        assert_eq!(Priority::of_drop_off(15.0), Priority::Medium);
        assert_eq!(Priority::of_drop_off(14.9), Priority::Low);
    }

    #[test]
    fn empty_course_has_null_health_and_an_empty_heatmap() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 2);
        let out = run(&[], &catalog, Viewer::Trainer);
        assert_eq!(out.health_score, None);
        assert_eq!(out.overall_health, None);
        assert_eq!(out.activity_heatmap.len(), 7);
        assert!(
            out.activity_heatmap
                .iter()
                .all(|row| row.len() == 24 && row.iter().all(|c| *c == 0))
        );
        assert_eq!(out.funnel[0].pct, None);
        assert_eq!(out.at_risk_students, Some(Vec::new()));
        assert!(
            out.metrics
                .enrollments
                .comparison_to_average
                .is_suppressed()
        );
    }

    /// 10 learners on a 3-module course.
    fn ten_learners() -> Vec<LearnerRecord> {
        (0..10u128)
            .map(|i| {
                let mut r = learner(i);
                match i {
                    // 0-3 completed, all modules, scores 90, 5-star reviews tagged "labs".
                    0..=3 => {
                        enroll(&mut r, 1, 70.0, EnrollmentStatus::Completed, 100.0);
                        touch(&mut r, Some(14.0), Some(14.0));
                        for m in 1..=3 {
                            complete_module(&mut r, 1, m, 20.0);
                            attempt(&mut r, 1, m, 1, 90.0, true, 20.0);
                        }
                        review(&mut r, 1, 5, None, &["labs"], 10.0);
                    }
                    // 4-6 dropped at module 2 (module 1 done, progress 30), 2-star "pace".
                    4..=6 => {
                        enroll(&mut r, 1, 70.0, EnrollmentStatus::Dropped, 30.0);
                        complete_module(&mut r, 1, 1, 60.0);
                        attempt(&mut r, 1, 1, 1, 50.0, false, 60.0);
                        attempt(&mut r, 1, 1, 2, 60.0, false, 59.0);
                        review(&mut r, 1, 2, Some("too slow"), &["pace"], 50.0);
                    }
                    // 7 dropped by inactivity (40 d) before module 1, progress 0.
                    7 => {
                        enroll(&mut r, 1, 50.0, EnrollmentStatus::Active, 0.0);
                        touch(&mut r, Some(40.0), None);
                    }
                    // 8-9 active, module 1 done, progress 40; 9 last active 10 days ago.
                    _ => {
                        enroll(&mut r, 1, 30.0, EnrollmentStatus::Active, 40.0);
                        touch(&mut r, Some(if i == 8 { 1.0 } else { 10.0 }), None);
                        complete_module(&mut r, 1, 1, 12.0);
                        attempt(&mut r, 1, 1, 1, 75.0, true, 12.0);
                        if i == 8 {
                            session(&mut r, 1, 1.0, 30);
                        }
                    }
                }
                r
            })
            .collect()
    }

    #[test]
    fn hand_computed_health() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 3);
        let out = run(&ten_learners(), &catalog, Viewer::Trainer);
        // completion 4/10 = 40 vs target 75: variance -35.
        assert_eq!(out.metrics.completion.rate, Some(40.0));
        assert_eq!(out.metrics.completion.variance, Some(-35.0));
        // 56 days to complete = 8 weeks.
        assert_eq!(out.metrics.completion.average_time_to_complete, Some(8.0));
        // reviews: 4 x 5-star, 3 x 2-star: satisfaction 4/7 = 57.1; nps 57.1 - 42.9 = 14.3
        assert_eq!(out.metrics.satisfaction.satisfaction_score, Some(57.1));
        assert_eq!(out.metrics.satisfaction.nps, Some(14.3));
        assert_eq!(out.metrics.satisfaction.average_rating, Some(3.71));
        // all reviews within 90 d -> no previous span -> null trend
        assert_eq!(out.metrics.satisfaction.rating_trend, None);
        // funnel: started = progress > 0: 0-6, 8, 9 = 9; midpoint >= 50: 0-3 = 4; completed 4
        let counts: Vec<i64> = out.funnel.iter().map(|f| f.count).collect();
        assert_eq!(counts, vec![10, 9, 4, 4]);
        // dropped: 4-6 (stage module 2) and 7 (stage module 1) -> overall 40 %.
        assert_eq!(out.drop_off_analysis.overall_drop_off_rate, Some(40.0));
        // module 1: 1 dropped / 10 reached = 10 %; module 2: 3 / 9 reached (0-6, 8, 9) = 33.3 %;
        // module 3: 0 / 4 = 0 %. Median of (10, 33.3, 0) = 10: 33.3 >= 30 -> problem, high;
        // module 1: 10 < 1.5 * 10 -> not a problem, low.
        let points = &out.drop_off_analysis.drop_off_points;
        assert_eq!(points.len(), 2);
        assert_eq!(
            (points[0].module_name.as_str(), points[0].drop_off_rate),
            ("Module 1", 10.0)
        );
        assert!(!points[0].is_problem_area);
        assert_eq!(points[0].priority, Priority::Low);
        assert_eq!(points[0].avg_progress_before_drop, 0.0);
        assert_eq!(
            (points[1].module_name.as_str(), points[1].drop_off_rate),
            ("Module 2", 33.3)
        );
        assert!(points[1].is_problem_area);
        assert_eq!(points[1].priority, Priority::High);
        assert_eq!(points[1].students_dropped, 3);
        assert_eq!(points[1].avg_progress_before_drop, 30.0);
        assert_eq!(points[1].likely_reasons, vec!["pace"]);
        // module 1 pairs: 4 x (90, 1 attempt, pass), 3 x (best 60, 2 attempts, fail), 2 x (75, pass)
        // pass 6/9 = 66.7 -> struggling; score (360 + 180 + 150)/9 = 76.7; attempts 12/9 = 1.33
        let s = &out.content_performance.struggling_topics;
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].topic, "Module 1");
        assert_eq!(s[0].pass_rate, 66.7);
        assert_eq!(s[0].average_score, Some(76.7));
        assert_eq!(s[0].average_attempts, 1.33);
        // modules 2 and 3: only the completers, 90 and 100 % -> high performance
        assert_eq!(out.content_performance.high_performance_topics.len(), 2);
        // at risk: 9 (inactive 10 d > 7); 8 is fine (progress 40, score 75, active yesterday).
        assert_eq!(out.at_risk_student_count, 1);
        let named = out.at_risk_students.as_ref().unwrap();
        assert_eq!(named[0].display_name, "Learner 009");
        assert_eq!(named[0].reasons, vec!["No course activity for 10 days"]);
        // health: completion 40/75*100 = 53.33; satisfaction 57.14; 100 - 40 = 60;
        // pass rate: attempted 0-6, 8, 9 = 9, passing all 3 required: 0-3 -> 44.44
        // 0.3*53.33 + 0.2*57.14 + 0.25*60 + 0.25*44.44 = 16 + 11.43 + 15 + 11.11 = 53.54 -> 54
        assert_eq!(out.health_score, Some(54));
        assert_eq!(out.overall_health, Some(HealthBand::Fair));
        // heatmap: one session exactly 1 day before 2026-06-15 12:00 (a Monday) -> Sunday 12h
        assert_eq!(out.activity_heatmap[6][12], 1);
        assert_eq!(out.activity_heatmap.iter().flatten().sum::<i64>(), 1);
        assert!(
            out.recommendations
                .iter()
                .any(|r| r.kind == RecommendationType::DropOff)
        );
    }

    #[test]
    fn org_view_has_no_names() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 3);
        let out = run(&ten_learners(), &catalog, Viewer::OrgAdmin);
        assert_eq!(out.at_risk_students, None);
        assert_eq!(out.at_risk_student_count, 1);
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["atRiskStudents"], serde_json::Value::Null);
        assert!(!json.to_string().contains("Learner 009"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn health_is_banded_and_deterministic(
            rows in proptest::collection::vec(
                (0u8..3, 0.0f64..200.0, 0.0f64..120.0, proptest::option::of(0.0f64..60.0), 0.0f64..100.0, any::<bool>(), 1i32..6, 0u8..4),
                0..25,
            ),
            target in proptest::option::of(0.0f64..100.0),
        ) {
            let mut c = course(1, "data", &[trainer_id(1)]);
            c.target_completion_rate = target;
            let catalog = catalog(&[c], 3);
            let learners: Vec<LearnerRecord> = rows
                .iter()
                .enumerate()
                .map(|(i, (status, enrolled, progress, active, score, passed, rating, modules))| {
                    let mut r = learner(i as u128);
                    let status = [EnrollmentStatus::Active, EnrollmentStatus::Completed, EnrollmentStatus::Dropped][*status as usize];
                    enroll(&mut r, 1, *enrolled, status, *progress);
                    touch(&mut r, *active, (status == EnrollmentStatus::Completed).then_some(enrolled / 2.0));
                    for m in 1..=(*modules as u128).min(3) {
                        complete_module(&mut r, 1, m, enrolled / 3.0);
                    }
                    attempt(&mut r, 1, (*modules as u128).clamp(1, 3), 1, *score, *passed, enrolled / 4.0);
                    session(&mut r, 1, enrolled / 5.0, 45);
                    review(&mut r, 1, *rating, Some("clear but hard"), &[], *enrolled);
                    r
                })
                .collect();
            let a = run(&learners, &catalog, Viewer::Trainer);
            prop_assert_eq!(&a, &run(&learners, &catalog, Viewer::Trainer));
            let json = serde_json::to_string(&a).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            if let Some(score) = a.health_score {
                prop_assert!((0..=100).contains(&score));
                prop_assert_eq!(a.overall_health, Some(HealthBand::of(score)));
            }
            for p in &a.drop_off_analysis.drop_off_points {
                prop_assert!((0.0..=100.0).contains(&p.drop_off_rate));
                prop_assert_eq!(p.priority, Priority::of_drop_off(p.drop_off_rate));
                prop_assert!(p.students_dropped > 0);
            }
            let counts: Vec<i64> = a.funnel.iter().map(|f| f.count).collect();
            prop_assert!(counts.windows(2).all(|w| w[0] >= w[1]));
            prop_assert_eq!(a.at_risk_students.as_ref().map(|v| v.len() as i64), Some(a.at_risk_student_count));
            if let Some(n) = a.metrics.satisfaction.nps { prop_assert!((-100.0..=100.0).contains(&n)); }
        }
    }
}
