//! AS-002.9 Student Performance Distribution (`student_distribution`; endpoint T3).
//!
//! Question: how are a course's students distributed - by score, by attempts needed, by
//! performance and engagement band, by completion status - and which modules hold them
//! back?
//!
//! Inputs: the [`CourseCohort`], the [`DistributionFilters`] (`start`, `end` required;
//! `moduleId`, `attemptsBucket` optional), each learner's AS-001.3 engagement score as a
//! plain map `UserId -> overallScore` (built once per batch from the engagement results;
//! [`engagement_scores`]) and the [`Clock`]. T3's `data` is `{courses: [...]}` with this
//! analytic for every course the trainer teaches, `start = now - window`, `end = now`
//! (decision 12; [`for_trainer`]).
//!
//! Scope: attempts submitted in `[start, end)` (and not after now) on the course's non-pre
//! assessments; with `moduleId`, only that module's assessments (by `moduleId`, else the
//! module mapped to the assessment's `topicId`); with `attemptsBucket`, only the
//! (student, assessment) pairs whose attempts made fall in the bucket **(decided here)**.
//! Attempt numbering and pairs follow [`super::cohort`] (attempts made = number of the
//! pair's last attempt; first pass = number of its first passed attempt).
//!
//! Formulas (`analytics.md` 3, AS-002.9):
//! - Student score = course score within scope (mean of the best `scorePct` per in-scope
//!   assessment), clamped to [0, 100] **(decided here)**; students = enrolled learners with a
//!   score in scope.
//! - `scoreHistogram`: buckets `0-9, 10-19, …, 80-89, 90-100`, index `min(9,
//!   floor(score/10))`. `boxPlot {p25, p50, p75, p90}` (linear interpolation, 1 dp).
//! - `attemptsDistribution`: passed pairs by the number of their first passing attempt,
//!   bucketed `1`, `2`, `3`, `4plus` (the `attemptsBucket` spelling, so a client can pass a
//!   bar back as a filter) **(decided here)**.
//! - `passRateByAttempts`: pairs grouped by attempts made; % of the group that passed.
//! - `atRiskClusterPct` = students with score < 60 and >= 3 attempts on some in-scope
//!   assessment / students * 100.
//! - `performanceBands`: high >= 80, medium 60-79.9, low < 60; count and % of students.
//! - `engagementDistribution`: AS-001.3 bands of the enrolled learners (enrolled before
//!   `end`) that have an engagement score: the score is rounded to an integer as AS-001.3
//!   does, then highly_engaged >= 80, engaged 50-79, at_risk < 50.
//! - `completionStatusDistribution` over the enrolled learners (enrolled before `end`):
//!   completed, dropped (cohort rules), not_started (progress 0 and no module completed),
//!   else in_progress **(decided here)**.
//! - `moduleBreakdown` (null when `moduleId` is given): per module in course order
//!   `{moduleId, moduleName, p50, passRate, avgAttemptsToPass}` - median student score on
//!   the module, passed / in-scope pairs * 100, mean first-pass number of passed pairs
//!   (2 dp).
//!
//! Privacy (section 7, decision 14) **(decided here)**: "segments" are the groups the
//! spec's segmenting dimensions - module and attempts bucket - cut out of a course. Each
//! `moduleBreakdown` row and each `passRateByAttempts` row is shown only for >= K distinct
//! students, otherwise the row keeps its key (`moduleId`/`moduleName` or `attempts`) and
//! carries `{insufficientData: true, minimumRequired: 10}` instead of its figures. A
//! request narrowed by `moduleId` or `attemptsBucket` to fewer than K students shows only
//! `courseId`, `dateRange` and the marker. The whole course in a date range is the
//! trainer's own course statistic and is shown whatever its size (decision 14).
//!
//! `InsufficientData` when `start >= end` or `moduleId` is not a module of the course.

use super::cohort::{CourseCohort, DateRange, Pair, TrainerCourses, Ts, for_each_course};
use crate::analytics::Analysis;
use crate::analytics::common::{Clock, Window, mean, median, pct, quantile, round_dp, round_int};
use crate::analytics::input::Catalog;
use crate::analytics::privacy::Guarded;
use crate::ids::{CourseId, ModuleId, UserId};
use crate::model::AssessmentAttempt;
use chrono::Duration;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The `attemptsBucket` filter values and the attempts buckets of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AttemptsBucket {
    #[serde(rename = "1")]
    One,
    #[serde(rename = "2")]
    Two,
    #[serde(rename = "3")]
    Three,
    #[serde(rename = "4plus")]
    FourPlus,
}

impl AttemptsBucket {
    pub const ALL: [AttemptsBucket; 4] = [
        AttemptsBucket::One,
        AttemptsBucket::Two,
        AttemptsBucket::Three,
        AttemptsBucket::FourPlus,
    ];

    pub fn of(attempts: u32) -> Self {
        match attempts {
            0 | 1 => AttemptsBucket::One,
            2 => AttemptsBucket::Two,
            3 => AttemptsBucket::Three,
            _ => AttemptsBucket::FourPlus,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptsBucket::One => "1",
            AttemptsBucket::Two => "2",
            AttemptsBucket::Three => "3",
            AttemptsBucket::FourPlus => "4plus",
        }
    }

    /// Parses the query value `1|2|3|4plus`.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == value)
    }
}

/// The filters of AS-002.9.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionFilters {
    pub start: Ts,
    pub end: Ts,
    pub module_id: Option<ModuleId>,
    pub attempts_bucket: Option<AttemptsBucket>,
}

impl DistributionFilters {
    /// `start = now - window`, `end = now`, no module or attempts filter (decision 12).
    pub fn from_window(clock: &Clock, window: Window) -> Self {
        DistributionFilters {
            start: clock.now - Duration::days(window.days()),
            end: clock.now,
            module_id: None,
            attempts_bucket: None,
        }
    }
}

/// The engagement input: each learner's AS-001.3 `overallScore`, keyed by user.
pub fn engagement_scores(scores: impl IntoIterator<Item = (UserId, f64)>) -> BTreeMap<UserId, f64> {
    scores.into_iter().filter(|(_, s)| s.is_finite()).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentDistribution {
    pub course_id: CourseId,
    pub date_range: DateRange,
    #[serde(flatten)]
    pub distribution: Guarded<Distribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    pub score_histogram: Vec<HistogramBucket>,
    pub box_plot: BoxPlot,
    pub attempts_distribution: Vec<AttemptsCount>,
    pub pass_rate_by_attempts: Vec<PassRateRow>,
    pub at_risk_cluster_pct: Option<f64>,
    pub performance_bands: Vec<BandRow>,
    pub engagement_distribution: Vec<EngagementRow>,
    pub completion_status_distribution: Vec<StatusRow>,
    pub module_breakdown: Option<Vec<ModuleRow>>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistogramBucket {
    pub bucket: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoxPlot {
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptsCount {
    pub attempts: AttemptsBucket,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassRateRow {
    pub attempts: AttemptsBucket,
    #[serde(flatten)]
    pub stats: Guarded<PassRate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassRate {
    pub pass_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceBand {
    High,
    Medium,
    Low,
}

impl PerformanceBand {
    /// high >= 80, medium 60-79.9, low < 60.
    pub fn of(score: f64) -> Self {
        if score >= 80.0 {
            PerformanceBand::High
        } else if score >= 60.0 {
            PerformanceBand::Medium
        } else {
            PerformanceBand::Low
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BandRow {
    pub band: PerformanceBand,
    pub count: i64,
    pub pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementBand {
    HighlyEngaged,
    Engaged,
    AtRisk,
}

impl EngagementBand {
    /// AS-001.3: highly_engaged >= 80, engaged 50-79, at_risk < 50 (on the integer score).
    pub fn of(score: f64) -> Self {
        match round_int(score) {
            s if s >= 80 => EngagementBand::HighlyEngaged,
            s if s >= 50 => EngagementBand::Engaged,
            _ => EngagementBand::AtRisk,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementRow {
    pub band: EngagementBand,
    pub count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionStatus {
    NotStarted,
    InProgress,
    Completed,
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusRow {
    pub status: CompletionStatus,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleRow {
    pub module_id: ModuleId,
    pub module_name: String,
    #[serde(flatten)]
    pub stats: Guarded<ModuleStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleStats {
    pub p50: Option<f64>,
    pub pass_rate: Option<f64>,
    pub avg_attempts_to_pass: Option<f64>,
}

pub const HISTOGRAM_BUCKETS: [&str; 10] = [
    "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90-100",
];

/// The histogram index of a score: `min(9, floor(score / 10))`.
pub fn histogram_index(score: f64) -> usize {
    ((score.clamp(0.0, 100.0) / 10.0).floor() as usize).min(9)
}

/// T3: AS-002.9 for every course `trainer` teaches over the window; insufficient data when
/// they teach none.
pub fn for_trainer<'a>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    engagement: &BTreeMap<UserId, f64>,
    clock: &Clock,
    window: Window,
) -> Analysis<TrainerCourses<StudentDistribution>> {
    let filters = DistributionFilters::from_window(clock, window);
    for_each_course(trainer, catalog, cohorts, |cohort| {
        scoped(cohort, &filters, None, engagement, clock)
    })
}

/// AS-002.9 for one course.
pub fn compute(
    cohort: &CourseCohort,
    filters: &DistributionFilters,
    engagement: &BTreeMap<UserId, f64>,
    clock: &Clock,
) -> Analysis<StudentDistribution> {
    if filters.start >= filters.end {
        return Analysis::InsufficientData("the date range is empty");
    }
    let module = match filters.module_id {
        None => None,
        Some(id) => match cohort.module_index(id) {
            Some(index) => Some(index),
            None => return Analysis::InsufficientData("the module is not part of the course"),
        },
    };
    Analysis::Ready(scoped(cohort, filters, module, engagement, clock))
}

/// A member's in-scope pairs (range, module, attempts bucket).
fn scope_pairs(
    cohort: &CourseCohort,
    member: &super::cohort::Member,
    filters: &DistributionFilters,
    module: Option<usize>,
    now: Ts,
) -> Vec<Pair> {
    let keep = |a: &AssessmentAttempt| {
        a.submitted_at >= filters.start
            && a.submitted_at < filters.end
            && a.submitted_at <= now
            && module.is_none_or(|m| cohort.module_of_attempt(a) == Some(m))
    };
    member
        .pairs(cohort, keep)
        .into_iter()
        .filter(|p| {
            filters
                .attempts_bucket
                .is_none_or(|b| AttemptsBucket::of(p.attempts) == b)
        })
        .collect()
}

fn pair_score(pairs: &[Pair]) -> Option<f64> {
    let best: Vec<f64> = pairs.iter().filter_map(|p| p.best_score).collect();
    mean(&best).map(|s| s.clamp(0.0, 100.0))
}

fn scoped(
    cohort: &CourseCohort,
    filters: &DistributionFilters,
    module: Option<usize>,
    engagement: &BTreeMap<UserId, f64>,
    clock: &Clock,
) -> StudentDistribution {
    let now = clock.now;
    // (user, pairs, score) of every member with an in-scope score.
    let students: Vec<(UserId, Vec<Pair>, f64)> = cohort
        .members
        .iter()
        .filter_map(|m| {
            let pairs = scope_pairs(cohort, m, filters, module, now);
            pair_score(&pairs).map(|score| (m.user_id(), pairs, score))
        })
        .collect();
    let narrowed = module.is_some() || filters.attempts_bucket.is_some();
    let build = || distribution(cohort, filters, module, engagement, clock, &students);
    StudentDistribution {
        course_id: cohort.course.id,
        date_range: DateRange {
            start: filters.start,
            end: filters.end,
        },
        distribution: if narrowed {
            Guarded::new(students.len(), build)
        } else {
            Guarded::Shown(build())
        },
    }
}

fn distribution(
    cohort: &CourseCohort,
    filters: &DistributionFilters,
    module: Option<usize>,
    engagement: &BTreeMap<UserId, f64>,
    clock: &Clock,
    students: &[(UserId, Vec<Pair>, f64)],
) -> Distribution {
    let now = clock.now;
    let scores: Vec<f64> = students.iter().map(|(_, _, s)| *s).collect();
    let n = scores.len() as f64;

    let mut histogram = [0i64; 10];
    for score in &scores {
        histogram[histogram_index(*score)] += 1;
    }
    let q = |p: f64| quantile(&scores, p).map(|v| round_dp(v, 1));

    let all_pairs = || {
        students
            .iter()
            .flat_map(|(u, pairs, _)| pairs.iter().map(move |p| (*u, p)))
    };
    let mut first_pass = BTreeMap::<AttemptsBucket, i64>::new();
    let mut by_attempts: BTreeMap<AttemptsBucket, (usize, usize, BTreeSet<UserId>)> =
        BTreeMap::new();
    for (user, pair) in all_pairs() {
        if let Some(first) = pair.first_pass {
            *first_pass.entry(AttemptsBucket::of(first)).or_default() += 1;
        }
        let group = by_attempts
            .entry(AttemptsBucket::of(pair.attempts))
            .or_default();
        group.0 += 1;
        group.1 += usize::from(pair.passed());
        group.2.insert(user);
    }
    let attempts_distribution = AttemptsBucket::ALL
        .into_iter()
        .map(|b| AttemptsCount {
            attempts: b,
            count: first_pass.get(&b).copied().unwrap_or(0),
        })
        .collect();
    let pass_rate_by_attempts = AttemptsBucket::ALL
        .into_iter()
        .map(|b| {
            let (pairs, passed, users) = by_attempts.get(&b).cloned().unwrap_or_default();
            PassRateRow {
                attempts: b,
                stats: Guarded::new(users.len(), || PassRate {
                    pass_rate: round_dp(pct(passed as f64, pairs as f64).unwrap_or(0.0), 1),
                }),
            }
        })
        .collect();

    let cluster = students
        .iter()
        .filter(|(_, pairs, score)| *score < 60.0 && pairs.iter().any(|p| p.attempts >= 3))
        .count();

    let bands = [
        PerformanceBand::High,
        PerformanceBand::Medium,
        PerformanceBand::Low,
    ]
    .into_iter()
    .map(|band| {
        let count = scores
            .iter()
            .filter(|s| PerformanceBand::of(**s) == band)
            .count();
        BandRow {
            band,
            count: count as i64,
            pct: pct(count as f64, n).map(|p| round_dp(p, 1)),
        }
    })
    .collect();

    let enrolled: Vec<_> = cohort
        .members
        .iter()
        .filter(|m| m.enrollment.enrolled_at < filters.end)
        .collect();
    let engagement_distribution = [
        EngagementBand::HighlyEngaged,
        EngagementBand::Engaged,
        EngagementBand::AtRisk,
    ]
    .into_iter()
    .map(|band| EngagementRow {
        band,
        count: enrolled
            .iter()
            .filter_map(|m| engagement.get(&m.user_id()))
            .filter(|s| s.is_finite() && EngagementBand::of(**s) == band)
            .count() as i64,
    })
    .collect();
    let status_of = |m: &&super::cohort::Member| {
        if m.is_completed() {
            CompletionStatus::Completed
        } else if m.is_dropped(now) {
            CompletionStatus::Dropped
        } else if m.progress_pct() <= 0.0 && m.completed_modules(cohort, now).is_empty() {
            CompletionStatus::NotStarted
        } else {
            CompletionStatus::InProgress
        }
    };
    let completion_status_distribution = [
        CompletionStatus::NotStarted,
        CompletionStatus::InProgress,
        CompletionStatus::Completed,
        CompletionStatus::Dropped,
    ]
    .into_iter()
    .map(|status| StatusRow {
        status,
        count: enrolled.iter().filter(|m| status_of(m) == status).count() as i64,
    })
    .collect();

    let module_breakdown = module.is_none().then(|| {
        (0..cohort.modules.len())
            .map(|i| module_row(cohort, filters, i, now))
            .collect::<Vec<_>>()
    });

    let mut out = Distribution {
        score_histogram: HISTOGRAM_BUCKETS
            .iter()
            .zip(histogram)
            .map(|(bucket, count)| HistogramBucket { bucket, count })
            .collect(),
        box_plot: BoxPlot {
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p90: q(0.9),
        },
        attempts_distribution,
        pass_rate_by_attempts,
        at_risk_cluster_pct: pct(cluster as f64, n).map(|p| round_dp(p, 1)),
        performance_bands: bands,
        engagement_distribution,
        completion_status_distribution,
        module_breakdown,
        insights: Vec::new(),
    };
    out.insights = insights(&out, students.len());
    out
}

fn module_row(
    cohort: &CourseCohort,
    filters: &DistributionFilters,
    i: usize,
    now: Ts,
) -> ModuleRow {
    let per_student: Vec<Vec<Pair>> = cohort
        .members
        .iter()
        .map(|m| scope_pairs(cohort, m, filters, Some(i), now))
        .filter(|pairs| !pairs.is_empty())
        .collect();
    ModuleRow {
        module_id: cohort.modules[i].id,
        module_name: cohort.modules[i].name.clone(),
        stats: Guarded::new(per_student.len(), || {
            let scores: Vec<f64> = per_student.iter().filter_map(|p| pair_score(p)).collect();
            let pairs: Vec<&Pair> = per_student.iter().flatten().collect();
            let passes: Vec<f64> = pairs
                .iter()
                .filter_map(|p| p.first_pass)
                .map(f64::from)
                .collect();
            ModuleStats {
                p50: median(&scores).map(|v| round_dp(v, 1)),
                pass_rate: pct(passes.len() as f64, pairs.len() as f64).map(|p| round_dp(p, 1)),
                avg_attempts_to_pass: mean(&passes).map(|v| round_dp(v, 2)),
            }
        }),
    }
}

fn insights(out: &Distribution, students: usize) -> Vec<String> {
    let mut list = Vec::new();
    if students == 0 {
        list.push("No assessment attempts in the selected range".to_owned());
        return list;
    }
    if let Some(p50) = out.box_plot.p50 {
        list.push(format!("Median score {p50} across {students} student(s)"));
    }
    let passes: i64 = out.attempts_distribution.iter().map(|a| a.count).sum();
    if passes > 0 {
        let first = out.attempts_distribution[0].count;
        list.push(format!(
            "{}% of passes came on the first attempt",
            round_dp(first as f64 / passes as f64 * 100.0, 1)
        ));
    }
    if let Some(cluster) = out.at_risk_cluster_pct.filter(|c| *c > 0.0) {
        list.push(format!(
            "{cluster}% of students score below 60 after 3 or more attempts"
        ));
    }
    if let Some(rows) = &out.module_breakdown {
        let lowest = rows
            .iter()
            .filter_map(|r| r.stats.shown().and_then(|s| s.p50).map(|p| (r, p)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((row, p50)) = lowest {
            list.push(format!(
                "\"{}\" has the lowest median score ({p50})",
                row.module_name
            ));
        }
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
    use serde_json::json;

    fn filters() -> DistributionFilters {
        DistributionFilters::from_window(&clock(), Window::Days30)
    }

    fn run(
        learners: &[LearnerRecord],
        catalog: &Catalog,
        f: &DistributionFilters,
        eng: &BTreeMap<UserId, f64>,
    ) -> Analysis<StudentDistribution> {
        let cohorts = build_cohorts(catalog, learners.iter());
        compute(&cohorts[&course_id(1)], f, eng, &clock())
    }

    fn ready(a: Analysis<StudentDistribution>) -> StudentDistribution {
        match a {
            Analysis::Ready(d) => d,
            Analysis::InsufficientData(why) => panic!("{why}"),
        }
    }

    #[test]
    fn bucket_boundaries() {
        assert_eq!(histogram_index(0.0), 0);
        assert_eq!(histogram_index(9.99), 0);
        assert_eq!(histogram_index(10.0), 1);
        assert_eq!(histogram_index(89.9), 8);
        assert_eq!(histogram_index(90.0), 9);
        assert_eq!(histogram_index(100.0), 9);
        assert_eq!(PerformanceBand::of(80.0), PerformanceBand::High);
        assert_eq!(PerformanceBand::of(79.9), PerformanceBand::Medium);
        assert_eq!(PerformanceBand::of(60.0), PerformanceBand::Medium);
        assert_eq!(PerformanceBand::of(59.99), PerformanceBand::Low);
        assert_eq!(EngagementBand::of(79.5), EngagementBand::HighlyEngaged);
        assert_eq!(EngagementBand::of(79.4), EngagementBand::Engaged);
        assert_eq!(EngagementBand::of(49.4), EngagementBand::AtRisk);
        assert_eq!(AttemptsBucket::of(7), AttemptsBucket::FourPlus);
        assert_eq!(
            AttemptsBucket::parse("4plus"),
            Some(AttemptsBucket::FourPlus)
        );
        assert_eq!(AttemptsBucket::parse("4+"), None);
    }

    #[test]
    fn empty_course_and_bad_filters() {
        let catalog = catalog(&[course(1, "data", &[])], 2);
        let out = ready(run(&[], &catalog, &filters(), &BTreeMap::new()));
        let d = out.distribution.shown().unwrap();
        assert!(d.score_histogram.iter().all(|b| b.count == 0));
        assert_eq!(d.box_plot.p50, None);
        assert_eq!(d.at_risk_cluster_pct, None);
        assert!(
            d.pass_rate_by_attempts
                .iter()
                .all(|r| r.stats.is_suppressed())
        );
        assert_eq!(
            d.insights,
            vec!["No assessment attempts in the selected range"]
        );
        let mut f = filters();
        f.end = f.start;
        assert!(matches!(
            run(&[], &catalog, &f, &BTreeMap::new()),
            Analysis::InsufficientData(_)
        ));
        f = filters();
        f.module_id = Some(module_id(7, 1));
        assert!(matches!(
            run(&[], &catalog, &f, &BTreeMap::new()),
            Analysis::InsufficientData(_)
        ));
    }

    /// 12 learners; learner i scores 10*i - 5 on module 1 (i = 1..=12, clamped at 100 by
    /// score 100 for 11 and 12), after `attempts(i)` attempts.
    fn twelve() -> Vec<LearnerRecord> {
        (1..=12u128)
            .map(|i| {
                let mut r = learner(i);
                enroll(&mut r, 1, 60.0, EnrollmentStatus::Active, 50.0);
                touch(&mut r, Some(1.0), None);
                let score = ((10 * i) as f64 - 5.0).min(100.0);
                // learners 1-3 need 3 attempts (fail, fail, last one counts), others 1.
                let tries = if i <= 3 { 3 } else { 1 };
                for t in 1..=tries {
                    let last = t == tries;
                    attempt(
                        &mut r,
                        1,
                        1,
                        t,
                        if last { score } else { score / 2.0 },
                        last && score >= 60.0,
                        10.0 - t as f64,
                    );
                }
                r
            })
            .collect()
    }

    #[test]
    fn hand_computed_distribution() {
        let catalog = catalog(&[course(1, "data", &[])], 2);
        let eng =
            engagement_scores((1..=12u128).map(|i| (user_id(i), if i <= 6 { 85.0 } else { 40.0 })));
        let out = ready(run(&twelve(), &catalog, &filters(), &eng));
        let d = out.distribution.shown().unwrap();
        // scores 5, 15, 25, ..., 95, 100, 100: one per bucket 0..8, three in 90-100.
        let counts: Vec<i64> = d.score_histogram.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 3]);
        // sorted [5,15,...,95,100,100]: p50 at position 5.5 -> (55 + 65)/2 = 60;
        // p25 at 2.75 -> 25 + 0.75*10 = 32.5; p75 at 8.25 -> 85 + 0.25*10 = 87.5;
        // p90 at 9.9 -> 95 + 0.9*5 = 99.5.
        assert_eq!(
            d.box_plot,
            BoxPlot {
                p25: Some(32.5),
                p50: Some(60.0),
                p75: Some(87.5),
                p90: Some(99.5)
            }
        );
        // passes: learners 7-12 (score 65.. >= 60), all on the first attempt -> 6 in bucket 1.
        assert_eq!(d.attempts_distribution[0].count, 6);
        // attempts made: 3 for learners 1-3 (3 students < K -> suppressed), 1 for 9 others.
        assert!(d.pass_rate_by_attempts[2].stats.is_suppressed());
        assert!(d.pass_rate_by_attempts[0].stats.is_suppressed());
        // at-risk cluster: score < 60 with >= 3 attempts: learners 1-3 -> 3/12 = 25 %.
        assert_eq!(d.at_risk_cluster_pct, Some(25.0));
        // bands: high >= 80: 85, 95, 100, 100 = 4; medium 65, 75 = 2; low 6.
        let bands: Vec<(i64, Option<f64>)> = d
            .performance_bands
            .iter()
            .map(|b| (b.count, b.pct))
            .collect();
        assert_eq!(
            bands,
            vec![(4, Some(33.3)), (2, Some(16.7)), (6, Some(50.0))]
        );
        let eng_counts: Vec<i64> = d.engagement_distribution.iter().map(|e| e.count).collect();
        assert_eq!(eng_counts, vec![6, 0, 6]);
        // all active with progress 50 -> in progress.
        assert_eq!(d.completion_status_distribution[1].count, 12);
        // module 1: 12 students >= K: p50 60, pass 6/12 = 50, 1.00 attempts to pass;
        // module 2: nobody -> suppressed.
        let rows = d.module_breakdown.as_ref().unwrap();
        assert_eq!(
            rows[0].stats,
            Guarded::Shown(ModuleStats {
                p50: Some(60.0),
                pass_rate: Some(50.0),
                avg_attempts_to_pass: Some(1.0)
            })
        );
        assert!(rows[1].stats.is_suppressed());
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["moduleBreakdown"][1]["insufficientData"], json!(true));
        assert_eq!(json["moduleBreakdown"][1]["moduleName"], json!("Module 2"));
        assert_eq!(
            json["passRateByAttempts"][2],
            json!({"attempts": "3", "insufficientData": true, "minimumRequired": 10})
        );
        assert_eq!(
            json["scoreHistogram"][9],
            json!({"bucket": "90-100", "count": 3})
        );
        assert!(json["dateRange"]["start"].is_string());
    }

    #[test]
    fn narrowed_segments_below_k_show_only_the_marker() {
        let catalog = catalog(&[course(1, "data", &[])], 2);
        let mut f = filters();
        f.attempts_bucket = Some(AttemptsBucket::Three);
        let out = ready(run(&twelve(), &catalog, &f, &BTreeMap::new()));
        assert!(out.distribution.is_suppressed());
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["insufficientData"], json!(true));
        assert!(json.get("scoreHistogram").is_none());
        // attempts bucket 1: learners 4-12 = 9 students -> still below K.
        f.attempts_bucket = Some(AttemptsBucket::One);
        assert!(
            ready(run(&twelve(), &catalog, &f, &BTreeMap::new()))
                .distribution
                .is_suppressed()
        );
        // module 1: all 12 -> shown, without a module breakdown.
        f.attempts_bucket = None;
        f.module_id = Some(module_id(1, 1));
        let out = ready(run(&twelve(), &catalog, &f, &BTreeMap::new()));
        assert_eq!(out.distribution.shown().unwrap().module_breakdown, None);
        // Attempts outside the range are out of scope: a 5-day window drops every attempt
        // submitted 7-9 days ago.
        let mut f = DistributionFilters::from_window(&clock(), Window::Days7);
        f.start = now() - Duration::days(5);
        let out = ready(run(&twelve(), &catalog, &f, &BTreeMap::new()));
        assert_eq!(out.distribution.shown().unwrap().box_plot.p50, None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn distribution_is_consistent(
            rows in proptest::collection::vec((0.0f64..100.0, 1i32..6, any::<bool>(), 0.0f64..40.0, 0.0f64..100.0), 0..30),
            bucket in proptest::option::of(0usize..4),
        ) {
            let catalog = catalog(&[course(1, "data", &[])], 2);
            let learners: Vec<LearnerRecord> = rows.iter().enumerate().map(|(i, (score, tries, pass, days, eng))| {
                let mut r = learner(i as u128);
                enroll(&mut r, 1, 60.0, EnrollmentStatus::Active, *eng);
                for t in 1..=*tries {
                    attempt(&mut r, 1, 1 + (i as u128 % 2), t, *score, *pass && t == *tries, *days);
                }
                r
            }).collect();
            let eng = engagement_scores(rows.iter().enumerate().map(|(i, r)| (user_id(i as u128), r.4)));
            let mut f = filters();
            f.attempts_bucket = bucket.map(|b| AttemptsBucket::ALL[b]);
            let a = ready(run(&learners, &catalog, &f, &eng));
            prop_assert_eq!(&a, &ready(run(&learners, &catalog, &f, &eng)));
            let json = serde_json::to_string(&a).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            if let Some(d) = a.distribution.shown() {
                let students: i64 = d.score_histogram.iter().map(|b| b.count).sum();
                let banded: i64 = d.performance_bands.iter().map(|b| b.count).sum();
                prop_assert_eq!(students, banded);
                let statuses: i64 = d.completion_status_distribution.iter().map(|s| s.count).sum();
                prop_assert_eq!(statuses, learners.len() as i64);
                let engaged: i64 = d.engagement_distribution.iter().map(|s| s.count).sum();
                prop_assert_eq!(engaged, learners.len() as i64);
                if let (Some(p25), Some(p50), Some(p90)) = (d.box_plot.p25, d.box_plot.p50, d.box_plot.p90) {
                    prop_assert!(p25 <= p50 && p50 <= p90 && (0.0..=100.0).contains(&p90));
                }
                for row in &d.pass_rate_by_attempts {
                    if let Some(p) = row.stats.shown() { prop_assert!((0.0..=100.0).contains(&p.pass_rate)); }
                }
                if let Some(c) = d.at_risk_cluster_pct { prop_assert!((0.0..=100.0).contains(&c)); }
            } else {
                prop_assert!(bucket.is_some());
            }
        }
    }
}
