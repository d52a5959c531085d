//! AS-002.7 Course Performance Dashboard (`course_performance_dashboard`; endpoint T1).
//!
//! Question: how is a course doing - enrollment, completion, engagement, assessment
//! performance, feedback, standing against other courses, and what is likely next?
//!
//! Inputs: the [`CourseCohort`] (course, ordered modules, assessments, enrolled learners'
//! course rows, reviews), the course's trainer (`&User`, optional), the cross-course
//! benchmark population [`CourseBenchmarks`] (built once per batch from all cohorts), and
//! the [`Clock`]. T1's `data` is `{courses: [...]}` with this analytic for every course the
//! trainer teaches ([`for_trainer`]). The spans are fixed (30 days, six 30-day buckets), so
//! the `window` parameter does not change this analytic **(decided here)**. A trainer sees
//! their own course whatever its size (decision 14); the benchmarks obey K.
//!
//! Formulas (`analytics.md` 3, AS-002.7; cohort rules in [`super::cohort`]):
//! - `courseInfo`: `createdDate` = creation date, `lastUpdated` = `updatedAt` (timestamp);
//!   `trainerId`/`trainerName` = the viewing trainer, else the course's first trainer with
//!   a null name **(decided here)**.
//! - Enrollment: `total` = enrollments; `activeStudents` = members with course activity in
//!   the last 30 d; `newEnrollmentsLast30Days`; six 30-day buckets `[now-(6-i)*30d,
//!   now-(5-i)*30d)` (i = 0 oldest) give `enrollmentHistory [{periodStart, enrollments,
//!   completions}]` (completions by `completedAt`); `enrollmentGrowthRate` = growth of
//!   mean(last 3 buckets) vs mean(previous 3) (null when the earlier mean is 0);
//!   `enrollmentTrend` = growth label (growing > 10, declining < -10, else stable; earlier
//!   0: growing if recent > 0).
//! - Completion: `completionRate = completions / enrollments * 100`; `averageProgress` =
//!   mean progress; `averageCompletionTime` = mean days enrolled -> completed (1 dp);
//!   `dropoutRate = dropped / enrollments * 100`; `dropoutStage` = name of the module most
//!   often the drop stage among dropped enrollments (ties: earlier; none completed -> first
//!   module; no dropouts -> null). Dropped learners who completed every module have no
//!   stage **(decided here)**.
//! - Engagement: `averageSessionDuration` = mean minutes of course sessions started in the
//!   last 30 d; `averageWeeklyActivity = hours30 / activeStudents / (30/7)` (hours);
//!   `contentCompletionRate` = (learner, content) pairs of the course's content started in
//!   the last 30 d that were completed / started * 100 **(decided here)**;
//!   `forumParticipation = null` (no upstream); `lastActivityDate` = date of the latest
//!   course activity.
//! - Performance: `averageCourseScore` = mean course score; `passRate` = students passing
//!   every required assessment / students with any attempt * 100; `assessmentCompletionRate`
//!   = students who attempted every required assessment / enrollments * 100;
//!   `topPerformingModule` / `strugglingModule` = name of the module with the highest /
//!   lowest mean post score (the mean over students of their mean best score on the
//!   module's non-pre assessments; ties: earlier module); both null unless at least two
//!   modules are scored and they differ **(decided here)**.
//! - Feedback: `averageRating` (2 dp), `totalReviews`; `ratingTrend` = mean rating of the
//!   last 30 d minus the previous 30 d: `improving` > +0.1, `declining` < -0.1, else
//!   `stable`, null when either span has no review; `sentimentScore = pos/(pos+neg)*100`,
//!   50 without hits, null without reviews; `commonFeedbackThemes` = top 3 tags (else
//!   keywords).
//! - Benchmarks (population: other courses with >= K enrollments, [`CourseBenchmarks`]):
//!   `platformAverageCompletion` = mean completion rate of the population;
//!   `categoryAverageRating` = mean of the average ratings of the population's courses in
//!   the same category (shown when those courses have >= K reviewers); `rankInCategory` =
//!   1 + number of category courses of the population ranking strictly higher by (rating,
//!   then completion), a missing value ranking lowest; `performanceVsPeers` = completion
//!   rate vs `platformAverageCompletion`: `above` > +5 points, `below` < -5, else `on_par`
//!   **(decided here)**. A population below K is `{insufficientData: true,
//!   minimumRequired: 10}`.
//! - Predictions: `atRiskStudents` = count of at-risk members (section 3 rule; names are
//!   only in AS-002.8); `projectedCompletions` = active enrollments whose remaining modules
//!   / own module pace (modules completed in the last 30 d / 30 per day) <= 30 days, i.e.
//!   remaining <= modules completed in the last 30 d (nothing remaining counts; a course
//!   without modules projects none); `potentialEnrollments = max(0, round(new30 * (1 +
//!   growthRate/100)))` with a null growth rate read as 0 **(decided here)**;
//!   `recommendedActions` and `insights` from fixed templates.
//! - Rounding: rates and averages 1 dp, ratings 2 dp.

use super::cohort::{
    CourseBenchmarks, CourseCohort, TrainerCourses, for_each_course, mean_rating, sentiment_score,
    themes,
};
use crate::analytics::Analysis;
use crate::analytics::activity::session_minutes;
use crate::analytics::common::{
    Clock, Growth, growth_label, growth_pct, mean, pct, ratio, round_dp, round_int,
};
use crate::analytics::input::Catalog;
use crate::analytics::privacy::Guarded;
use crate::ids::{ContentId, CourseId, UserId};
use crate::model::User;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Points of completion-rate difference beyond which a course is above/below its peers.
pub const PEER_BAND_POINTS: f64 = 5.0;
/// Mean-rating change beyond which the rating trend is improving/declining.
pub const RATING_TREND_BAND: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoursePerformance {
    pub course_info: CourseInfo,
    pub enrollment: EnrollmentStats,
    pub completion: CompletionStats,
    pub engagement: EngagementStats,
    pub performance: PerformanceStats,
    pub feedback: FeedbackStats,
    pub benchmarks: Benchmarks,
    pub predictions: Predictions,
    pub enrollment_history: Vec<EnrollmentPeriod>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseInfo {
    pub course_id: CourseId,
    pub course_name: String,
    pub trainer_id: Option<UserId>,
    pub trainer_name: Option<String>,
    pub created_date: NaiveDate,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub last_updated: DateTime<Utc>,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentStats {
    pub total: i64,
    pub active_students: i64,
    pub new_enrollments_last30_days: i64,
    pub enrollment_growth_rate: Option<f64>,
    pub enrollment_trend: Growth,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionStats {
    pub completion_rate: Option<f64>,
    pub average_progress: Option<f64>,
    pub average_completion_time: Option<f64>,
    pub dropout_rate: Option<f64>,
    pub dropout_stage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementStats {
    pub average_session_duration: Option<f64>,
    pub average_weekly_activity: Option<f64>,
    pub content_completion_rate: Option<f64>,
    pub forum_participation: Option<f64>,
    pub last_activity_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceStats {
    pub average_course_score: Option<f64>,
    pub pass_rate: Option<f64>,
    pub assessment_completion_rate: Option<f64>,
    pub top_performing_module: Option<String>,
    pub struggling_module: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingTrend {
    Improving,
    Stable,
    Declining,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackStats {
    pub average_rating: Option<f64>,
    pub total_reviews: i64,
    pub rating_trend: Option<RatingTrend>,
    pub sentiment_score: Option<f64>,
    pub common_feedback_themes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerStanding {
    Above,
    OnPar,
    Below,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Benchmarks {
    pub platform_average_completion: Guarded<f64>,
    pub category_average_rating: Guarded<f64>,
    pub rank_in_category: Guarded<i64>,
    pub performance_vs_peers: Guarded<Option<PeerStanding>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Predictions {
    pub at_risk_students: i64,
    pub projected_completions: i64,
    pub potential_enrollments: i64,
    pub recommended_actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentPeriod {
    pub period_start: NaiveDate,
    pub enrollments: i64,
    pub completions: i64,
}

/// T1: AS-002.7 for every course `trainer` teaches; insufficient data when none.
pub fn for_trainer<'a>(
    trainer: &User,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    benchmarks: &CourseBenchmarks,
    clock: &Clock,
) -> Analysis<TrainerCourses<CoursePerformance>> {
    for_each_course(trainer.id, catalog, cohorts, |cohort| {
        compute(cohort, Some(trainer), benchmarks, clock)
    })
}

/// Ratings change label with the ±0.1 band (the difference is compared at 6 dp so that
/// float noise does not move an exact 0.1 across the boundary).
pub fn rating_trend(recent: Option<f64>, earlier: Option<f64>) -> Option<RatingTrend> {
    let diff = round_dp(recent? - earlier?, 6);
    Some(if diff > RATING_TREND_BAND {
        RatingTrend::Improving
    } else if diff < -RATING_TREND_BAND {
        RatingTrend::Declining
    } else {
        RatingTrend::Stable
    })
}

/// AS-002.7 for one course. Every field is defined for every input (an empty course has
/// zero counts and null rates).
pub fn compute(
    cohort: &CourseCohort,
    trainer: Option<&User>,
    benchmarks: &CourseBenchmarks,
    clock: &Clock,
) -> CoursePerformance {
    let now = clock.now;
    let course = cohort.course;
    let total = cohort.enrollments();

    // Enrollment and its six 30-day buckets.
    let history: Vec<EnrollmentPeriod> = (0..6)
        .map(|i| {
            let from = now - Duration::days(30 * (6 - i));
            let to = from + Duration::days(30);
            let completions = cohort
                .members
                .iter()
                .filter(|m| m.is_completed())
                .filter(|m| {
                    m.enrollment
                        .completed_at
                        .is_some_and(|t| t >= from && t < to)
                })
                .count();
            EnrollmentPeriod {
                period_start: clock.local_date(from),
                enrollments: cohort.enrolled_between(from, to) as i64,
                completions: completions as i64,
            }
        })
        .collect();
    let counts: Vec<f64> = history.iter().map(|p| p.enrollments as f64).collect();
    let recent = mean(&counts[3..]).unwrap_or(0.0);
    let earlier = mean(&counts[..3]).unwrap_or(0.0);
    let growth_rate = growth_pct(recent, earlier);
    let new30 = history[5].enrollments;
    let active = cohort.active_students(clock);

    // Completion.
    let completion_rate = cohort.completion_rate();
    let dropped: Vec<_> = cohort
        .members
        .iter()
        .filter(|m| m.is_dropped(now))
        .collect();
    let mut stage_counts = vec![0usize; cohort.modules.len()];
    for member in &dropped {
        if let Some(stage) = member.drop_stage(cohort, now) {
            stage_counts[stage] += 1;
        }
    }
    let dropout_stage = argmax_first(
        &stage_counts
            .iter()
            .map(|c| (*c > 0).then_some(*c as f64))
            .collect::<Vec<_>>(),
    )
    .map(|i| cohort.modules[i].name.clone());
    let progress: Vec<f64> = cohort.members.iter().map(|m| m.progress_pct()).collect();

    // Engagement (last 30 days).
    let from30 = now - Duration::days(30);
    let minutes: Vec<f64> = cohort
        .members
        .iter()
        .flat_map(|m| m.sessions.iter())
        .filter(|s| clock.within_last_days(s.started_at, 30))
        .filter_map(|s| session_minutes(s))
        .collect();
    let hours30 = minutes.iter().sum::<f64>() / 60.0;
    let mut started: BTreeMap<(UserId, ContentId), bool> = BTreeMap::new();
    for member in &cohort.members {
        for interaction in member
            .interactions
            .iter()
            .filter(|i| clock.within_last_days(i.started_at, 30))
        {
            *started
                .entry((member.user_id(), interaction.content_id))
                .or_default() |= interaction.completed;
        }
    }
    let content_completed = started.values().filter(|c| **c).count();
    let last_activity = cohort
        .members
        .iter()
        .filter_map(|m| m.last_activity(now))
        .max();

    // Performance.
    let scores: Vec<f64> = cohort
        .members
        .iter()
        .filter_map(|m| m.course_score(cohort, |_| true))
        .collect();
    let required = cohort.required_assessments();
    let attempted_all = cohort
        .members
        .iter()
        .filter(|m| {
            let attempted: BTreeSet<_> = m
                .pairs(cohort, |_| true)
                .iter()
                .map(|p| p.assessment_id)
                .collect();
            required.iter().all(|a| attempted.contains(a))
        })
        .count();
    let assessment_completion_rate = if required.is_empty() {
        None
    } else {
        pct(attempted_all as f64, total as f64)
    };
    let module_scores = cohort.module_mean_scores();
    let (top_module, struggling_module) = top_and_struggling(&module_scores);

    // Feedback.
    let reviews: Vec<_> = cohort.reviews.clone();
    let average_rating = mean_rating(reviews.iter().copied());
    let trend = rating_trend(
        cohort.mean_rating_between(from30, now),
        cohort.mean_rating_between(now - Duration::days(60), from30),
    );
    let sentiment = sentiment_score(&reviews);

    // Benchmarks.
    let benchmark = compute_benchmarks(cohort, benchmarks, completion_rate, average_rating);

    // Predictions.
    let at_risk = cohort.at_risk(clock).len();
    let n_modules = cohort.modules.len();
    let projected = cohort
        .members
        .iter()
        .filter(|m| m.is_active(now) && n_modules > 0)
        .filter(|m| {
            let remaining = n_modules - m.completed_modules(cohort, now).len().min(n_modules);
            remaining == 0 || remaining <= m.modules_completed_between(cohort, from30, now)
        })
        .count();
    let potential = (new30 as f64 * (1.0 + growth_rate.unwrap_or(0.0) / 100.0)).max(0.0);

    let mut output = CoursePerformance {
        course_info: CourseInfo {
            course_id: course.id,
            course_name: course.title.clone(),
            trainer_id: trainer
                .map(|t| t.id)
                .or_else(|| course.trainer_ids.first().copied()),
            trainer_name: trainer.map(|t| t.display_name.clone()),
            created_date: clock.local_date(course.created_at),
            last_updated: course.updated_at,
            is_active: course.is_active,
        },
        enrollment: EnrollmentStats {
            total: total as i64,
            active_students: active as i64,
            new_enrollments_last30_days: new30,
            enrollment_growth_rate: growth_rate.map(|g| round_dp(g, 1)),
            enrollment_trend: growth_label(recent, earlier),
        },
        completion: CompletionStats {
            completion_rate: completion_rate.map(|r| round_dp(r, 1)),
            average_progress: mean(&progress).map(|p| round_dp(p, 1)),
            average_completion_time: cohort.average_completion_days().map(|d| round_dp(d, 1)),
            dropout_rate: cohort.dropout_rate(now).map(|r| round_dp(r, 1)),
            dropout_stage,
        },
        engagement: EngagementStats {
            average_session_duration: mean(&minutes).map(|m| round_dp(m, 1)),
            average_weekly_activity: ratio(hours30, active as f64)
                .map(|h| round_dp(h / (30.0 / 7.0), 1)),
            content_completion_rate: pct(content_completed as f64, started.len() as f64)
                .map(|r| round_dp(r, 1)),
            forum_participation: None,
            last_activity_date: last_activity.map(|t| clock.local_date(t)),
        },
        performance: PerformanceStats {
            average_course_score: mean(&scores).map(|s| round_dp(s, 1)),
            pass_rate: cohort.pass_rate().map(|r| round_dp(r, 1)),
            assessment_completion_rate: assessment_completion_rate.map(|r| round_dp(r, 1)),
            top_performing_module: top_module.map(|i| cohort.modules[i].name.clone()),
            struggling_module: struggling_module.map(|i| cohort.modules[i].name.clone()),
        },
        feedback: FeedbackStats {
            average_rating: average_rating.map(|r| round_dp(r, 2)),
            total_reviews: reviews.len() as i64,
            rating_trend: trend,
            sentiment_score: sentiment.map(|s| round_dp(s, 1)),
            common_feedback_themes: themes(&reviews, 3, true, true),
        },
        benchmarks: benchmark,
        predictions: Predictions {
            at_risk_students: at_risk as i64,
            projected_completions: projected as i64,
            potential_enrollments: round_int(potential),
            recommended_actions: Vec::new(),
        },
        enrollment_history: history,
        insights: Vec::new(),
    };
    output.predictions.recommended_actions = recommended_actions(
        &output,
        cohort.target_completion(),
        struggling_module.and_then(|i| module_scores[i]),
    );
    output.insights = insights(&output);
    output
}

/// Index of the largest value (ties: the earlier index); `None` when no value is present.
fn argmax_first(values: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v
            && best.is_none_or(|(_, b)| *v > b)
        {
            best = Some((i, *v));
        }
    }
    best.map(|(i, _)| i)
}

/// Index of the smallest value (ties: the earlier index).
fn argmin_first(values: &[Option<f64>]) -> Option<usize> {
    let negated: Vec<Option<f64>> = values.iter().map(|v| v.map(|x| -x)).collect();
    argmax_first(&negated)
}

/// Top and struggling modules: only when at least two modules are scored and they differ.
fn top_and_struggling(scores: &[Option<f64>]) -> (Option<usize>, Option<usize>) {
    let scored = scores.iter().filter(|s| s.is_some()).count();
    let (Some(top), Some(low)) = (argmax_first(scores), argmin_first(scores)) else {
        return (None, None);
    };
    if scored < 2 || scores[top] == scores[low] {
        return (None, None);
    }
    (Some(top), Some(low))
}

fn compute_benchmarks(
    cohort: &CourseCohort,
    benchmarks: &CourseBenchmarks,
    completion_rate: Option<f64>,
    average_rating: Option<f64>,
) -> Benchmarks {
    let course = cohort.course;
    let others: Vec<_> = benchmarks.others(course.id).collect();
    let population: usize = others.iter().map(|c| c.enrollments).sum();
    let completions: Vec<f64> = others.iter().filter_map(|c| c.completion_rate).collect();
    let platform = Guarded::new(population, || mean(&completions).unwrap_or(0.0));

    let category: Vec<_> = others
        .iter()
        .filter(|c| c.category == course.category)
        .collect();
    let rated: Vec<_> = category
        .iter()
        .filter(|c| c.average_rating.is_some())
        .collect();
    let reviewers: usize = rated.iter().map(|c| c.reviewers).sum();
    let ratings: Vec<f64> = rated.iter().filter_map(|c| c.average_rating).collect();
    let category_rating = Guarded::new(reviewers, || round_dp(mean(&ratings).unwrap_or(0.0), 2));

    let key = |rating: Option<f64>, completion: Option<f64>| {
        (rating.unwrap_or(-1.0), completion.unwrap_or(-1.0))
    };
    let own = key(average_rating, completion_rate);
    let category_population: usize = category.iter().map(|c| c.enrollments).sum();
    let rank = Guarded::new(category_population, || {
        1 + category
            .iter()
            .filter(|c| {
                let other = key(c.average_rating, c.completion_rate);
                other.0 > own.0 || (other.0 == own.0 && other.1 > own.1)
            })
            .count() as i64
    });

    let standing = platform.clone().map(|avg| {
        completion_rate.map(|rate| {
            let diff = round_dp(rate - avg, 6);
            if diff > PEER_BAND_POINTS {
                PeerStanding::Above
            } else if diff < -PEER_BAND_POINTS {
                PeerStanding::Below
            } else {
                PeerStanding::OnPar
            }
        })
    });
    Benchmarks {
        platform_average_completion: platform.map(|p| round_dp(p, 1)),
        category_average_rating: category_rating,
        rank_in_category: rank,
        performance_vs_peers: standing,
    }
}

fn recommended_actions(
    output: &CoursePerformance,
    target: f64,
    struggling_score: Option<f64>,
) -> Vec<String> {
    let mut actions = Vec::new();
    let p = &output.predictions;
    if p.at_risk_students > 0 {
        actions.push(format!(
            "Reach out to the {} at-risk student(s) listed in the course health dashboard",
            p.at_risk_students
        ));
    }
    if let Some(stage) = &output.completion.dropout_stage {
        actions.push(format!(
            "Review the module \"{stage}\": most dropped students stopped before it"
        ));
    }
    if let Some(rate) = output.completion.completion_rate
        && rate < target
    {
        actions.push(format!(
            "Raise completion: {rate}% is below the {}% target",
            round_dp(target, 1)
        ));
    }
    if let (Some(module), Some(score)) = (&output.performance.struggling_module, struggling_score) {
        actions.push(format!(
            "Add practice material to \"{module}\" (lowest mean score, {})",
            round_dp(score, 1)
        ));
    }
    if output.feedback.sentiment_score.is_some_and(|s| s < 50.0) {
        actions.push("Address the recurring negative themes in the course reviews".to_owned());
    }
    if output.feedback.rating_trend == Some(RatingTrend::Declining) {
        actions.push("Investigate the declining rating of the last 30 days".to_owned());
    }
    if output.enrollment.enrollment_trend == Growth::Declining {
        actions.push("Promote the course: enrollments are declining".to_owned());
    }
    if actions.is_empty() {
        actions.push("Keep the current course format: no indicator needs attention".to_owned());
    }
    actions
}

fn insights(output: &CoursePerformance) -> Vec<String> {
    let mut insights = Vec::new();
    let e = &output.enrollment;
    match e.enrollment_trend {
        Growth::Growing => insights.push(format!(
            "Enrollments are growing ({} new in the last 30 days)",
            e.new_enrollments_last30_days
        )),
        Growth::Declining => insights.push(format!(
            "Enrollments are declining ({} new in the last 30 days)",
            e.new_enrollments_last30_days
        )),
        Growth::Stable => {}
    }
    if let (Some(rate), Guarded::Shown(avg)) = (
        output.completion.completion_rate,
        &output.benchmarks.platform_average_completion,
    ) {
        insights.push(format!(
            "Completion rate {rate}% against a platform average of {avg}%"
        ));
    } else if let Some(rate) = output.completion.completion_rate {
        insights.push(format!("Completion rate is {rate}%"));
    }
    if let Some(rating) = output.feedback.average_rating {
        insights.push(format!(
            "Average rating {rating} from {} review(s)",
            output.feedback.total_reviews
        ));
    }
    if let Some(module) = &output.performance.top_performing_module {
        insights.push(format!("Students score best in \"{module}\""));
    }
    if e.total == 0 {
        insights.push("The course has no enrollments yet".to_owned());
    }
    insights
}

#[cfg(test)]
mod tests {
    use super::super::cohort::build_cohorts;
    use super::super::cohort::fixtures::*;
    use super::*;
    use crate::analytics::input::LearnerRecord;
    use crate::model::EnrollmentStatus;
    use proptest::prelude::*;

    fn run(learners: &[LearnerRecord], catalog: &Catalog, course: u128) -> CoursePerformance {
        let cohorts = build_cohorts(catalog, learners.iter());
        let benchmarks = CourseBenchmarks::build(&cohorts);
        compute(&cohorts[&course_id(course)], None, &benchmarks, &clock())
    }

    #[test]
    fn a_course_without_enrollments_has_zero_counts_and_null_rates() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 2);
        let out = run(&[], &catalog, 1);
        assert_eq!(out.enrollment.total, 0);
        assert_eq!(out.enrollment.enrollment_growth_rate, None);
        assert_eq!(out.enrollment.enrollment_trend, Growth::Stable);
        assert_eq!(out.completion.completion_rate, None);
        assert_eq!(out.completion.dropout_stage, None);
        assert_eq!(out.engagement.average_weekly_activity, None);
        assert_eq!(out.feedback.sentiment_score, None);
        assert_eq!(out.feedback.rating_trend, None);
        assert!(out.benchmarks.platform_average_completion.is_suppressed());
        assert_eq!(out.predictions.potential_enrollments, 0);
        assert_eq!(out.course_info.trainer_id, Some(trainer_id(1)));
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(
            json["engagement"]["forumParticipation"],
            serde_json::Value::Null
        );
        assert_eq!(
            json["benchmarks"]["platformAverageCompletion"],
            serde_json::json!({"insufficientData": true, "minimumRequired": 10})
        );
        assert_eq!(json["enrollmentHistory"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn hand_computed_course() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 3);
        // 4 learners.
        // a: enrolled 100 d ago, completed 10 d ago (90 days to complete), all modules.
        let mut a = learner(1);
        enroll(&mut a, 1, 100.0, EnrollmentStatus::Completed, 100.0);
        touch(&mut a, Some(10.0), Some(10.0));
        for m in 1..=3 {
            complete_module(&mut a, 1, m, 20.0 - m as f64);
            attempt(&mut a, 1, m, 1, 90.0, true, 20.0 - m as f64);
        }
        session(&mut a, 1, 12.0, 60);
        // b: dropped (status), completed module 1 -> stage module 2.
        let mut b = learner(2);
        enroll(&mut b, 1, 80.0, EnrollmentStatus::Dropped, 33.0);
        complete_module(&mut b, 1, 1, 70.0);
        attempt(&mut b, 1, 1, 1, 50.0, false, 70.0);
        attempt(&mut b, 1, 1, 2, 70.0, true, 69.0);
        // c: active, enrolled 20 d ago, progress 20, module 1 done 5 d ago, attempt 40 -> at risk.
        let mut c = learner(3);
        enroll(&mut c, 1, 20.0, EnrollmentStatus::Active, 20.0);
        touch(&mut c, Some(2.0), None);
        complete_module(&mut c, 1, 1, 5.0);
        attempt(&mut c, 1, 1, 1, 40.0, false, 5.0);
        session(&mut c, 1, 2.0, 30);
        // d: enrolled 5 d ago, nothing else.
        let mut d = learner(4);
        enroll(&mut d, 1, 5.0, EnrollmentStatus::Active, 0.0);
        review(&mut a, 1, 5, Some("Great and clear"), &[], 3.0);
        review(&mut c, 1, 3, Some("a bit slow"), &[], 40.0);
        let out = run(&[a, b, c, d], &catalog, 1);

        assert_eq!(out.enrollment.total, 4);
        // activity in the last 30 d: a (10 d), c (2 d); d has none; b none.
        assert_eq!(out.enrollment.active_students, 2);
        // buckets (oldest first): [180,150) 0, [150,120) 0, [120,90) a, [90,60) b, [60,30) 0,
        // [30,0) c, d -> recent mean (1+0+2)/3 = 1, earlier (0+0+1)/3 = 1/3 -> +200 %.
        let buckets: Vec<i64> = out
            .enrollment_history
            .iter()
            .map(|p| p.enrollments)
            .collect();
        assert_eq!(buckets, vec![0, 0, 1, 1, 0, 2]);
        assert_eq!(out.enrollment.enrollment_growth_rate, Some(200.0));
        assert_eq!(out.enrollment.enrollment_trend, Growth::Growing);
        assert_eq!(out.enrollment_history[5].completions, 1);
        // completion 1/4 = 25 %; dropout 1/4 = 25 %; progress (100 + 33 + 20 + 0)/4 = 38.25 -> 38.3
        assert_eq!(out.completion.completion_rate, Some(25.0));
        assert_eq!(out.completion.dropout_rate, Some(25.0));
        assert_eq!(out.completion.average_progress, Some(38.3));
        assert_eq!(out.completion.average_completion_time, Some(90.0));
        assert_eq!(out.completion.dropout_stage.as_deref(), Some("Module 2"));
        // sessions in 30 d: 60 and 30 minutes -> mean 45; hours 1.5 / 2 active / (30/7) = 0.175 -> 0.2
        assert_eq!(out.engagement.average_session_duration, Some(45.0));
        assert_eq!(out.engagement.average_weekly_activity, Some(0.2));
        // scores: a 90, b 70 (best), c 40 -> mean 66.7
        assert_eq!(out.performance.average_course_score, Some(66.7));
        // pass rate: attempted a, b, c; only a passed all three required -> 33.3
        assert_eq!(out.performance.pass_rate, Some(33.3));
        // attempted every required: only a -> 1/4
        assert_eq!(out.performance.assessment_completion_rate, Some(25.0));
        // module means: m1 (90 + 70 + 40)/3 = 66.7, m2 90, m3 90 -> top m2 (earlier), low m1
        assert_eq!(
            out.performance.top_performing_module.as_deref(),
            Some("Module 2")
        );
        assert_eq!(
            out.performance.struggling_module.as_deref(),
            Some("Module 1")
        );
        // ratings 5 and 3 -> 4.00; last 30 d: 5; previous 30 d: 3 -> improving
        assert_eq!(out.feedback.average_rating, Some(4.0));
        assert_eq!(out.feedback.rating_trend, Some(RatingTrend::Improving));
        // hits: great, clear | slow -> 2/3 = 66.7
        assert_eq!(out.feedback.sentiment_score, Some(66.7));
        assert_eq!(
            out.feedback.common_feedback_themes,
            vec!["clear", "great", "slow"]
        );
        // at risk: c (progress 20, score 40); d too young.
        assert_eq!(out.predictions.at_risk_students, 1);
        // c: 2 remaining modules, 1 completed in 30 d -> 60 days > 30; d: 3 remaining, pace 0.
        assert_eq!(out.predictions.projected_completions, 0);
        // potential = round(2 * (1 + 200/100)) = 6
        assert_eq!(out.predictions.potential_enrollments, 6);
        assert!(out.predictions.recommended_actions[0].contains("1 at-risk"));
    }

    fn big_course(
        n: u128,
        category: &str,
        learners_from: u128,
        count: u128,
        completed: u128,
        rating: i32,
    ) -> Vec<LearnerRecord> {
        (0..count)
            .map(|i| {
                let mut r = learner(learners_from + i);
                let done = i < completed;
                enroll(
                    &mut r,
                    n,
                    50.0,
                    if done {
                        EnrollmentStatus::Completed
                    } else {
                        EnrollmentStatus::Active
                    },
                    if done { 100.0 } else { 50.0 },
                );
                touch(&mut r, Some(1.0), done.then_some(1.0));
                review(&mut r, n, rating, None, &[], 5.0);
                let _ = category;
                r
            })
            .collect()
    }

    #[test]
    fn benchmarks_use_other_courses_with_k_enrollments() {
        let courses = [
            course(1, "data", &[trainer_id(1)]),
            course(2, "data", &[trainer_id(2)]),
            course(3, "data", &[trainer_id(3)]),
            course(4, "web", &[trainer_id(4)]),
        ];
        let catalog = catalog(&courses, 1);
        let mut learners = Vec::new();
        // own course: 4 learners, 2 completed (50 %), rating 4.
        learners.extend(big_course(1, "data", 0, 4, 2, 4));
        // course 2: 10 learners, 6 completed (60 %), rating 5.
        learners.extend(big_course(2, "data", 100, 10, 6, 5));
        // course 3: 9 learners -> below K, not in the population.
        learners.extend(big_course(3, "data", 200, 9, 9, 5));
        // course 4: 12 learners, 3 completed (25 %), rating 3, other category.
        learners.extend(big_course(4, "web", 300, 12, 3, 3));
        let out = run(&learners, &catalog, 1);
        // platform: mean(60, 25) = 42.5; own 50 - 42.5 = 7.5 > 5 -> above.
        assert_eq!(
            out.benchmarks.platform_average_completion,
            Guarded::Shown(42.5)
        );
        assert_eq!(
            out.benchmarks.performance_vs_peers,
            Guarded::Shown(Some(PeerStanding::Above))
        );
        // category data: course 2 only (10 reviewers) -> 5.00; rank: course 2 rates higher -> 2.
        assert_eq!(out.benchmarks.category_average_rating, Guarded::Shown(5.0));
        assert_eq!(out.benchmarks.rank_in_category, Guarded::Shown(2));
        // Seen from course 2: population = course 4 only (12): 25 -> 60 - 25 = 35 -> above;
        // no other data course with >= K -> category figures suppressed.
        let out2 = run(&learners, &catalog, 2);
        assert_eq!(
            out2.benchmarks.platform_average_completion,
            Guarded::Shown(25.0)
        );
        assert!(out2.benchmarks.category_average_rating.is_suppressed());
        assert!(out2.benchmarks.rank_in_category.is_suppressed());
    }

    #[test]
    fn rating_trend_band_is_exclusive_at_one_tenth() {
        // 4.2 - 4.1 = 0.1000000000000005 in floats: still stable.
        assert_eq!(
            rating_trend(Some(4.2), Some(4.1)),
            Some(RatingTrend::Stable)
        );
        assert_eq!(
            rating_trend(Some(4.0), Some(4.1)),
            Some(RatingTrend::Stable)
        );
        assert_eq!(
            rating_trend(Some(4.25), Some(4.1)),
            Some(RatingTrend::Improving)
        );
        assert_eq!(
            rating_trend(Some(3.9), Some(4.1)),
            Some(RatingTrend::Declining)
        );
        assert_eq!(rating_trend(None, Some(4.1)), None);
    }

    #[test]
    fn trainer_entry_lists_the_trainers_courses_by_title() {
        let t = user(trainer_id(1), "Tess");
        let mut c2 = course(2, "data", &[t.id]);
        c2.title = "Algebra".into();
        let catalog = catalog(&[course(1, "data", &[t.id]), c2, course(3, "data", &[])], 1);
        let cohorts = build_cohorts(&catalog, std::iter::empty());
        let benchmarks = CourseBenchmarks::build(&cohorts);
        let Analysis::Ready(out) = for_trainer(&t, &catalog, &cohorts, &benchmarks, &clock())
        else {
            panic!("ready")
        };
        let names: Vec<&str> = out
            .courses
            .iter()
            .map(|c| c.course_info.course_name.as_str())
            .collect();
        assert_eq!(names, vec!["Algebra", "Course 1"]);
        assert_eq!(
            out.courses[0].course_info.trainer_name.as_deref(),
            Some("Tess")
        );
        let other = user(trainer_id(9), "Nobody");
        assert!(matches!(
            for_trainer(&other, &catalog, &cohorts, &benchmarks, &clock()),
            Analysis::InsufficientData(_)
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn outputs_are_in_range_and_deterministic(
            rows in proptest::collection::vec(
                (0u8..3, 0.0f64..200.0, 0.0f64..120.0, proptest::option::of(0.0f64..60.0), 0.0f64..100.0, any::<bool>(), 1i32..6, 0u8..4),
                0..25,
            )
        ) {
            let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 3);
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
                    attempt(&mut r, 1, 1, 1, *score, *passed, enrolled / 4.0);
                    session(&mut r, 1, enrolled / 5.0, 45);
                    review(&mut r, 1, *rating, Some("great but slow"), &[], enrolled / 2.0);
                    r
                })
                .collect();
            let a = run(&learners, &catalog, 1);
            let b = run(&learners, &catalog, 1);
            prop_assert_eq!(&a, &b);
            let json = serde_json::to_string(&a).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            for rate in [a.completion.completion_rate, a.completion.dropout_rate, a.completion.average_progress,
                         a.performance.pass_rate, a.performance.assessment_completion_rate,
                         a.performance.average_course_score, a.feedback.sentiment_score,
                         a.engagement.content_completion_rate].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&rate), "{}", rate);
            }
            if let Some(r) = a.feedback.average_rating { prop_assert!((1.0..=5.0).contains(&r)); }
            prop_assert!(a.enrollment.active_students <= a.enrollment.total);
            prop_assert!(a.predictions.at_risk_students <= a.enrollment.total);
            prop_assert!(a.predictions.projected_completions <= a.enrollment.total);
            prop_assert!(a.predictions.potential_enrollments >= 0);
            let trend_ok = match a.enrollment.enrollment_growth_rate {
                Some(g) if g > 10.0 => a.enrollment.enrollment_trend == Growth::Growing,
                Some(g) if g < -10.0 => a.enrollment.enrollment_trend == Growth::Declining,
                _ => true,
            };
            prop_assert!(trend_ok);
        }
    }
}
