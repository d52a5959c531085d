//! AS-002.10 Teaching Effectiveness Metrics (`teaching_effectiveness`; endpoint T4).
//!
//! Question: how effective is a trainer's teaching - satisfaction, pass and completion
//! rates against peer trainers, learning gain, attempts needed, progress, skills acquired,
//! retention, and what learners say?
//!
//! Inputs: the trainer's id, the [`Catalog`] (`courses_of_trainer`), the course cohorts of
//! the whole platform ([`build_cohorts`](super::cohort::build_cohorts)), the peer-trainer
//! population [`TeachingPeers`] (built once per batch and range by [`TeachingPeers::build`]),
//! the [`TeachingFilters`] and the [`Clock`]. T4's `data` is this output with `start = now -
//! window`, `end = now` (decision 12; [`for_trainer`]).
//!
//! Filters: `start`, `end` (required), `courseId`, `category` restrict the trainer's
//! courses. `cohortId` is not supported: no ingested entity defines cohorts **(decided
//! here)**.
//!
//! Definitions **(decided here)** unless quoted from `analytics.md` 3:
//! - Enrollments in range: enrollments in the trainer's (filtered) courses with `enrolledAt
//!   < end` that did not end before `start` (completed before `start`, or dropped with the
//!   last course activity before `start`). Students = their distinct learners. Completion
//!   and drop state are judged at `min(end, now)`.
//! - The trainer's reviews: reviews of their courses naming them as trainer or naming no
//!   trainer.
//! - `satisfaction.avg` = mean rating of the trainer's reviews created in range (2 dp);
//!   `trend30d` = "cumulative mean rating at the end of each of the last four 7-day
//!   blocks": the mean of all the trainer's reviews created before `end - 21d`, `end -
//!   14d`, `end - 7d` and `end` (oldest first; null where none).
//! - `passRate.trainerPct` = "passed / attempted (student, assessment) pairs" over attempts
//!   submitted in range on non-pre assessments; `peerPct` = the peers' mean; `deltaPct =
//!   trainerPct - peerPct`; `zScore = (trainer - mean) / std_pop`, 2 dp, 0 if std = 0.
//! - `completionRate`: completed enrollments in range / enrollments in range * 100, with
//!   `peerPct` and `deltaPct` as above.
//! - `scoreGain` (paired pre/post): per enrollment in range, pre = mean first-attempt score
//!   on the course's `pre` assessments (attempts before `end`), post = mean best score on
//!   its `post` assessments (attempts in range); `meanDelta` = mean(post - pre) (1 dp),
//!   `effectSize` = paired Cohen's d (2 dp; null below two pairs).
//! - `attemptsEfficiency`: `avgAttemptsToPass` = mean number of the first passing attempt
//!   over passed pairs (2 dp); `firstTryPassPct` = 100 x "first-attempt passes /
//!   attempted pairs".
//! - `peerPercentile` = percentile rank of the trainer's pass rate among the peers' pass
//!   rates (0.3 formula, subject excluded).
//! - `averageStudentProgress` = mean progress of the enrollments in range;
//!   `skillAcquisitionRate` = "% enrollments whose learner acquired >= 1 course-taught skill
//!   after enrolling" (acquired with `acquiredAt` in `[enrolledAt, end)`), over enrollments
//!   in courses that teach at least one skill (null when none does);
//!   `studentRetentionRate = (enrollments - dropped) / enrollments * 100`.
//! - `feedbackThemes` (reviews in range): `positive` = top 3 tags of reviews rated >= 4,
//!   else top 3 positive keywords; `negative` = top 3 tags of reviews rated <= 2, else top
//!   3 negative keywords; 3-star tags are neutral.
//!
//! Peers (`analytics.md` 3, decision 14): trainers teaching in the same category (the
//! `category` filter, else the trainer's category with the most enrollments in range, ties
//! alphabetically) with >= K students in range in that category, subject excluded; fewer
//! than K such peers -> all platform trainers with >= K students in range (over all their
//! courses); still fewer -> the peer fields (`peerPct`, `deltaPct`, `zScore`,
//! `peerPercentile`) are null and `peerGroup` is null. A peer metric with fewer than K
//! defined peer values is null too. `peerGroup {scope, category, sampleSize}` names the
//! population used (decision 14: shown groups carry their size).
//!
//! `InsufficientData` when the trainer teaches no course matching the filters, or the range
//! is empty.

use super::cohort::{
    CourseCohort, DateRange, Member, Ts, keyword_counts, mean_rating, tag_counts, top_counted,
};
use crate::analytics::Analysis;
use crate::analytics::common::{
    Clock, K, Window, mean, paired_cohens_d, pct, percentile_rank, round_dp, std_pop,
};
use crate::analytics::input::Catalog;
use crate::analytics::privacy::Guarded;
use crate::ids::{CourseId, UserId};
use crate::model::{AssessmentKind, CourseReview};
use chrono::Duration;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The filters of AS-002.10.
#[derive(Debug, Clone, PartialEq)]
pub struct TeachingFilters {
    pub start: Ts,
    pub end: Ts,
    pub course_id: Option<CourseId>,
    pub category: Option<String>,
}

impl TeachingFilters {
    /// `start = now - window`, `end = now` (decision 12), no course or category filter.
    pub fn from_window(clock: &Clock, window: Window) -> Self {
        TeachingFilters {
            start: clock.now - Duration::days(window.days()),
            end: clock.now,
            course_id: None,
            category: None,
        }
    }
}

/// One trainer's figures in a peer population: per category (`category = Some`) or over
/// all their courses (`None`). Only trainers with >= K students in range are entries.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerTrainer {
    pub trainer_id: UserId,
    pub category: Option<String>,
    pub students: usize,
    pub pass_pct: Option<f64>,
    pub completion_pct: Option<f64>,
}

/// The peer-trainer population of one date range.
#[derive(Debug, Clone, PartialEq)]
pub struct TeachingPeers {
    pub start: Ts,
    pub end: Ts,
    pub entries: Vec<PeerTrainer>,
}

impl TeachingPeers {
    /// Every trainer of the catalogue, per category they teach and over all their courses,
    /// keeping the entries with >= K students in `[start, end)`.
    pub fn build<'a>(
        catalog: &Catalog,
        cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
        start: Ts,
        end: Ts,
        clock: &Clock,
    ) -> Self {
        let trainers: BTreeSet<UserId> = catalog
            .courses
            .values()
            .flat_map(|c| c.trainer_ids.iter().copied())
            .collect();
        let mut entries = Vec::new();
        for trainer in trainers {
            let courses: Vec<&CourseCohort> = catalog
                .courses_of_trainer(trainer)
                .filter_map(|c| cohorts.get(&c.id))
                .collect();
            let categories: BTreeSet<&str> =
                courses.iter().map(|c| c.course.category.as_str()).collect();
            let scopes = categories
                .into_iter()
                .map(Some)
                .chain(std::iter::once(None));
            for category in scopes {
                let selected: Vec<&CourseCohort> = courses
                    .iter()
                    .copied()
                    .filter(|c| category.is_none_or(|cat| c.course.category == cat))
                    .collect();
                let figures = Figures::of(&selected, start, end, clock);
                if figures.students >= K {
                    entries.push(PeerTrainer {
                        trainer_id: trainer,
                        category: category.map(str::to_owned),
                        students: figures.students,
                        pass_pct: figures.pass_pct(),
                        completion_pct: figures.completion_pct(),
                    });
                }
            }
        }
        TeachingPeers {
            start,
            end,
            entries,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeachingEffectiveness {
    pub trainer_id: UserId,
    pub date_range: DateRange,
    pub peer_group: Option<PeerGroup>,
    pub satisfaction: Satisfaction,
    pub pass_rate: PassRateStats,
    pub completion_rate: CompletionRateStats,
    pub score_gain: ScoreGain,
    pub attempts_efficiency: AttemptsEfficiency,
    pub peer_percentile: Option<i64>,
    pub average_student_progress: Option<f64>,
    pub skill_acquisition_rate: Option<f64>,
    pub student_retention_rate: Option<f64>,
    pub feedback_themes: FeedbackThemes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerScope {
    Category,
    Platform,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerGroup {
    pub scope: PeerScope,
    pub category: Option<String>,
    pub sample_size: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Satisfaction {
    pub avg: Option<f64>,
    #[serde(rename = "trend30d")]
    pub trend_30d: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassRateStats {
    pub trainer_pct: Option<f64>,
    pub peer_pct: Option<f64>,
    pub delta_pct: Option<f64>,
    pub z_score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionRateStats {
    pub trainer_pct: Option<f64>,
    pub peer_pct: Option<f64>,
    pub delta_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreGain {
    pub mean_delta: Option<f64>,
    pub effect_size: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptsEfficiency {
    pub avg_attempts_to_pass: Option<f64>,
    pub first_try_pass_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackThemes {
    pub positive: Vec<String>,
    pub negative: Vec<String>,
}

/// A trainer's raw figures over a set of courses in a range (see the module doc).
#[derive(Debug, Clone, Default, PartialEq)]
struct Figures {
    students: usize,
    enrollments: usize,
    completed: usize,
    dropped: usize,
    pairs: usize,
    passed_pairs: usize,
    first_try_passes: usize,
    first_pass_numbers: Vec<f64>,
    progress: Vec<f64>,
    skill_enrollments: usize,
    skill_acquired: usize,
    pre_post: Vec<(f64, f64)>,
    /// Enrollments in range per course category.
    enrollments_per_category: BTreeMap<String, usize>,
}

impl Figures {
    fn of(courses: &[&CourseCohort], start: Ts, end: Ts, clock: &Clock) -> Self {
        let at = end.min(clock.now);
        let mut f = Figures::default();
        let mut students = BTreeSet::new();
        for cohort in courses {
            let taught: BTreeSet<_> = cohort
                .course
                .taught_skills
                .iter()
                .map(|s| s.skill_id)
                .collect();
            for member in &cohort.members {
                let keep = |a: &crate::model::AssessmentAttempt| {
                    a.submitted_at >= start && a.submitted_at < end && a.submitted_at <= clock.now
                };
                for pair in member.pairs(cohort, keep) {
                    f.pairs += 1;
                    if let Some(first) = pair.first_pass {
                        f.passed_pairs += 1;
                        f.first_try_passes += usize::from(first == 1);
                        f.first_pass_numbers.push(f64::from(first));
                    }
                }
                if !in_range(member, start, end, at) {
                    continue;
                }
                students.insert(member.user_id());
                f.enrollments += 1;
                *f.enrollments_per_category
                    .entry(cohort.course.category.clone())
                    .or_default() += 1;
                let completed =
                    member.is_completed() && member.enrollment.completed_at.is_none_or(|t| t < end);
                f.completed += usize::from(completed);
                f.dropped += usize::from(!completed && member.is_dropped(at));
                f.progress.push(if completed {
                    100.0
                } else {
                    member.progress_pct()
                });
                if !taught.is_empty() {
                    f.skill_enrollments += 1;
                    let acquired = member.record.user_skills.iter().any(|s| {
                        taught.contains(&s.skill_id)
                            && s.acquired
                            && s.acquired_at
                                .is_some_and(|t| t >= member.enrollment.enrolled_at && t < end)
                    });
                    f.skill_acquired += usize::from(acquired);
                }
                if let Some(pair) = pre_post(cohort, member, start, end, clock.now) {
                    f.pre_post.push(pair);
                }
            }
        }
        f.students = students.len();
        f
    }

    fn pass_pct(&self) -> Option<f64> {
        pct(self.passed_pairs as f64, self.pairs as f64)
    }

    fn completion_pct(&self) -> Option<f64> {
        pct(self.completed as f64, self.enrollments as f64)
    }
}

/// Whether an enrollment belongs to the range (see the module doc).
fn in_range(member: &Member, start: Ts, end: Ts, at: Ts) -> bool {
    let e = member.enrollment;
    if e.enrolled_at >= end {
        return false;
    }
    if member.is_completed() {
        return e.completed_at.is_none_or(|t| t >= start);
    }
    !(member.is_dropped(at) && member.activity_reference(at) < start)
}

/// (pre, post) of one enrollment: mean first-attempt pre score, mean best post score.
fn pre_post(
    cohort: &CourseCohort,
    member: &Member,
    start: Ts,
    end: Ts,
    now: Ts,
) -> Option<(f64, f64)> {
    let mut first_pre: BTreeMap<_, (i32, Ts, f64)> = BTreeMap::new();
    let mut best_post: BTreeMap<_, f64> = BTreeMap::new();
    for attempt in &member.attempts {
        let Some(kind) = cohort
            .assessments
            .get(&attempt.assessment_id)
            .map(|a| a.kind)
        else {
            continue;
        };
        let Some(score) = attempt.score_pct().filter(|s| s.is_finite()) else {
            continue;
        };
        match kind {
            AssessmentKind::Pre if attempt.submitted_at < end && attempt.submitted_at <= now => {
                let key = (attempt.attempt_no, attempt.submitted_at, score);
                let slot = first_pre.entry(attempt.assessment_id).or_insert(key);
                if (key.0, key.1) < (slot.0, slot.1) {
                    *slot = key;
                }
            }
            AssessmentKind::Post
                if attempt.submitted_at >= start
                    && attempt.submitted_at < end
                    && attempt.submitted_at <= now =>
            {
                let slot = best_post.entry(attempt.assessment_id).or_insert(score);
                *slot = slot.max(score);
            }
            _ => {}
        }
    }
    let pre: Vec<f64> = first_pre.values().map(|(_, _, s)| *s).collect();
    let post: Vec<f64> = best_post.values().copied().collect();
    Some((mean(&pre)?, mean(&post)?))
}

/// T4: AS-002.10 for `trainer` over the window (decision 12).
pub fn for_trainer<'a>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    peers: &TeachingPeers,
    clock: &Clock,
    window: Window,
) -> Analysis<TeachingEffectiveness> {
    compute(
        trainer,
        catalog,
        cohorts,
        peers,
        &TeachingFilters::from_window(clock, window),
        clock,
    )
}

/// AS-002.10. `peers` must have been built for the filters' range; when it was not, the
/// population is rebuilt here from `cohorts` (correct, but slower).
pub fn compute<'a>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    peers: &TeachingPeers,
    filters: &TeachingFilters,
    clock: &Clock,
) -> Analysis<TeachingEffectiveness> {
    if filters.start >= filters.end {
        return Analysis::InsufficientData("the date range is empty");
    }
    let courses: Vec<&CourseCohort> = catalog
        .courses_of_trainer(trainer)
        .filter(|c| filters.course_id.is_none_or(|id| c.id == id))
        .filter(|c| {
            filters
                .category
                .as_ref()
                .is_none_or(|cat| &c.category == cat)
        })
        .filter_map(|c| cohorts.get(&c.id))
        .collect();
    if courses.is_empty() {
        return Analysis::InsufficientData("the trainer teaches no course matching the filters");
    }
    let rebuilt;
    let peers = if peers.start == filters.start && peers.end == filters.end {
        peers
    } else {
        rebuilt = TeachingPeers::build(catalog, cohorts, filters.start, filters.end, clock);
        &rebuilt
    };
    let figures = Figures::of(&courses, filters.start, filters.end, clock);

    // Peer population.
    let category = filters
        .category
        .clone()
        .or_else(|| main_category(&courses, &figures));
    let select = |cat: Option<&str>| -> Vec<&PeerTrainer> {
        peers
            .entries
            .iter()
            .filter(|p| p.trainer_id != trainer && p.category.as_deref() == cat)
            .collect()
    };
    // A population of fewer than K peer trainers is never used (decision 14).
    let population: Option<(PeerScope, Option<String>, Vec<&PeerTrainer>)> = {
        let in_category = select(category.as_deref());
        into_option(Guarded::new(in_category.len(), || {
            (PeerScope::Category, category.clone(), in_category.clone())
        }))
        .or_else(|| {
            let platform = select(None);
            into_option(Guarded::new(platform.len(), || {
                (PeerScope::Platform, None, platform.clone())
            }))
        })
    };
    let group = population
        .as_ref()
        .map(|(scope, category, list)| PeerGroup {
            scope: *scope,
            category: category.clone(),
            sample_size: list.len() as i64,
        });
    let population: Vec<&PeerTrainer> = population.map(|(_, _, list)| list).unwrap_or_default();
    // A metric needs K defined peer values too.
    let peer_values = |metric: fn(&PeerTrainer) -> Option<f64>| -> Option<Vec<f64>> {
        let values: Vec<f64> = population.iter().filter_map(|p| metric(p)).collect();
        into_option(Guarded::new(values.len(), || values.clone()))
    };
    let peer_pass = peer_values(|p| p.pass_pct);
    let peer_completion = peer_values(|p| p.completion_pct);

    let trainer_pass = figures.pass_pct();
    let trainer_completion = figures.completion_pct();
    let pass_mean = peer_pass.as_deref().and_then(mean);
    let completion_mean = peer_completion.as_deref().and_then(mean);
    let z_score = trainer_pass
        .zip(peer_pass.as_deref())
        .and_then(|(t, values)| {
            let m = mean(values)?;
            let sd = std_pop(values)?;
            Some(if sd == 0.0 {
                0.0
            } else {
                round_dp((t - m) / sd, 2)
            })
        });

    // Reviews.
    let reviews: Vec<&CourseReview> = courses
        .iter()
        .flat_map(|c| c.reviews.iter().copied())
        .filter(|r| r.trainer_id.is_none_or(|t| t == trainer))
        .collect();
    let in_range: Vec<&CourseReview> = reviews
        .iter()
        .copied()
        .filter(|r| r.created_at >= filters.start && r.created_at < filters.end)
        .collect();
    let trend = (0..4)
        .map(|j| {
            let block_end = filters.end - Duration::days(7 * (3 - j));
            mean_rating(reviews.iter().copied().filter(|r| r.created_at < block_end))
                .map(|m| round_dp(m, 2))
        })
        .collect();

    let deltas: Vec<f64> = figures
        .pre_post
        .iter()
        .map(|(pre, post)| post - pre)
        .collect();
    Analysis::Ready(TeachingEffectiveness {
        trainer_id: trainer,
        date_range: DateRange {
            start: filters.start,
            end: filters.end,
        },
        peer_group: group,
        satisfaction: Satisfaction {
            avg: mean_rating(in_range.iter().copied()).map(|m| round_dp(m, 2)),
            trend_30d: trend,
        },
        pass_rate: PassRateStats {
            trainer_pct: trainer_pass.map(|p| round_dp(p, 1)),
            peer_pct: pass_mean.map(|p| round_dp(p, 1)),
            delta_pct: trainer_pass.zip(pass_mean).map(|(t, m)| round_dp(t - m, 1)),
            z_score,
        },
        completion_rate: CompletionRateStats {
            trainer_pct: trainer_completion.map(|p| round_dp(p, 1)),
            peer_pct: completion_mean.map(|p| round_dp(p, 1)),
            delta_pct: trainer_completion
                .zip(completion_mean)
                .map(|(t, m)| round_dp(t - m, 1)),
        },
        score_gain: ScoreGain {
            mean_delta: mean(&deltas).map(|d| round_dp(d, 1)),
            effect_size: paired_cohens_d(&figures.pre_post).map(|d| round_dp(d, 2)),
        },
        attempts_efficiency: AttemptsEfficiency {
            avg_attempts_to_pass: mean(&figures.first_pass_numbers).map(|m| round_dp(m, 2)),
            first_try_pass_pct: pct(figures.first_try_passes as f64, figures.pairs as f64)
                .map(|p| round_dp(p, 1)),
        },
        peer_percentile: trainer_pass
            .zip(peer_pass.as_deref())
            .and_then(|(t, values)| percentile_rank(t, values)),
        average_student_progress: mean(&figures.progress).map(|p| round_dp(p, 1)),
        skill_acquisition_rate: pct(
            figures.skill_acquired as f64,
            figures.skill_enrollments as f64,
        )
        .map(|p| round_dp(p, 1)),
        student_retention_rate: pct(
            (figures.enrollments - figures.dropped) as f64,
            figures.enrollments as f64,
        )
        .map(|p| round_dp(p, 1)),
        feedback_themes: FeedbackThemes {
            positive: themes_by_rating(&in_range, |r| r >= 4, true),
            negative: themes_by_rating(&in_range, |r| r <= 2, false),
        },
    })
}

fn into_option<T>(guarded: Guarded<T>) -> Option<T> {
    match guarded {
        Guarded::Shown(value) => Some(value),
        Guarded::Suppressed => None,
    }
}

/// The category with the most enrollments in range (ties alphabetically); the first
/// category alphabetically when there are none.
fn main_category(courses: &[&CourseCohort], figures: &Figures) -> Option<String> {
    figures
        .enrollments_per_category
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(c, _)| c.clone())
        .or_else(|| courses.iter().map(|c| c.course.category.clone()).min())
}

/// Top 3 tags of the reviews whose rating `keep` accepts, else top 3 keywords of the
/// polarity over all the reviews.
fn themes_by_rating(
    reviews: &[&CourseReview],
    keep: impl Fn(i32) -> bool,
    positive: bool,
) -> Vec<String> {
    let tags = tag_counts(reviews.iter().copied().filter(|r| keep(r.rating)));
    if !tags.is_empty() {
        return top_counted(tags, 3);
    }
    top_counted(
        keyword_counts(reviews.iter().copied(), positive, !positive),
        3,
    )
}

#[cfg(test)]
mod tests {
    use super::super::cohort::build_cohorts;
    use super::super::cohort::fixtures::*;
    use super::*;
    use crate::analytics::input::LearnerRecord;
    use crate::model::{Assessment, EnrollmentStatus, SkillLevel, TaughtSkill, UserSkill};
    use proptest::prelude::*;

    fn run(
        catalog: &Catalog,
        learners: &[LearnerRecord],
        trainer: UserId,
        filters: &TeachingFilters,
    ) -> Analysis<TeachingEffectiveness> {
        let cohorts = build_cohorts(catalog, learners.iter());
        let peers = TeachingPeers::build(catalog, &cohorts, filters.start, filters.end, &clock());
        compute(trainer, catalog, &cohorts, &peers, filters, &clock())
    }

    fn ready(a: Analysis<TeachingEffectiveness>) -> TeachingEffectiveness {
        match a {
            Analysis::Ready(t) => t,
            Analysis::InsufficientData(why) => panic!("{why}"),
        }
    }

    fn window() -> TeachingFilters {
        TeachingFilters::from_window(&clock(), Window::Days30)
    }

    #[test]
    fn no_course_or_empty_range_is_insufficient() {
        let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 1);
        assert!(matches!(
            run(&catalog, &[], trainer_id(2), &window()),
            Analysis::InsufficientData(_)
        ));
        let mut f = window();
        f.category = Some("web".into());
        assert!(matches!(
            run(&catalog, &[], trainer_id(1), &f),
            Analysis::InsufficientData(_)
        ));
        f = window();
        f.start = f.end;
        assert!(matches!(
            run(&catalog, &[], trainer_id(1), &f),
            Analysis::InsufficientData(_)
        ));
        // A course without learners: everything null, no peers.
        let out = ready(run(&catalog, &[], trainer_id(1), &window()));
        assert_eq!(out.pass_rate.trainer_pct, None);
        assert_eq!(out.student_retention_rate, None);
        assert_eq!(out.peer_group, None);
        assert_eq!(out.satisfaction.trend_30d, vec![None, None, None, None]);
        let json = serde_json::to_value(&out).unwrap();
        assert!(json["satisfaction"]["trend30d"].is_array());
        assert_eq!(json["passRate"]["zScore"], serde_json::Value::Null);
    }

    #[test]
    fn hand_computed_trainer() {
        // Course 1 (trainer 1) with a pre assessment (5) and a post assessment (1, module 1).
        let mut c = course(1, "data", &[trainer_id(1)]);
        c.taught_skills = vec![TaughtSkill {
            skill_id: crate::ids::SkillId(uuid::Uuid::from_u128(77)),
            level: SkillLevel::INTERMEDIATE,
        }];
        let mut catalog = catalog(&[c], 1);
        let pre = Assessment {
            id: assessment_id(1, 5),
            module_id: None,
            ..assessment(1, 5, None, AssessmentKind::Pre)
        };
        catalog.assessments.insert(pre.id, pre);
        let mut learners = Vec::new();
        // a: completed 5 d ago; pre 40, post 60 then 80 (2nd try passes); acquired the skill.
        let mut a = learner(1);
        enroll(&mut a, 1, 40.0, EnrollmentStatus::Completed, 100.0);
        touch(&mut a, Some(5.0), Some(5.0));
        attempt(&mut a, 1, 5, 1, 40.0, false, 39.0);
        attempt(&mut a, 1, 1, 1, 60.0, false, 10.0);
        attempt(&mut a, 1, 1, 2, 80.0, true, 9.0);
        a.user_skills.push(UserSkill {
            user_id: a.id(),
            skill_id: crate::ids::SkillId(uuid::Uuid::from_u128(77)),
            current_level: SkillLevel::INTERMEDIATE,
            acquired: true,
            acquired_at: Some(days_ago(6.0)),
            acquired_via: None,
            updated_at: days_ago(6.0),
        });
        review(&mut a, 1, 5, Some("clear"), &["examples"], 4.0);
        learners.push(a);
        // b: active, pre 50, post 90 on the first try.
        let mut b = learner(2);
        enroll(&mut b, 1, 20.0, EnrollmentStatus::Active, 60.0);
        touch(&mut b, Some(1.0), None);
        attempt(&mut b, 1, 5, 1, 50.0, false, 19.0);
        attempt(&mut b, 1, 1, 1, 90.0, true, 3.0);
        review(&mut b, 1, 2, Some("too slow"), &["pace"], 20.0);
        learners.push(b);
        // c: dropped (status) 10 d ago with activity in range; one failed post attempt.
        let mut cc = learner(3);
        enroll(&mut cc, 1, 25.0, EnrollmentStatus::Dropped, 20.0);
        touch(&mut cc, Some(10.0), None);
        attempt(&mut cc, 1, 1, 1, 30.0, false, 12.0);
        learners.push(cc);
        // d: completed 60 d ago -> before the range, not counted.
        let mut d = learner(4);
        enroll(&mut d, 1, 90.0, EnrollmentStatus::Completed, 100.0);
        touch(&mut d, Some(60.0), Some(60.0));
        learners.push(d);

        let out = ready(run(&catalog, &learners, trainer_id(1), &window()));
        // pairs in range: a (passed on 2nd), b (1st), c (failed) -> 2/3 = 66.7 %
        assert_eq!(out.pass_rate.trainer_pct, Some(66.7));
        assert_eq!(out.attempts_efficiency.first_try_pass_pct, Some(33.3));
        // first-pass numbers 2 and 1 -> 1.5
        assert_eq!(out.attempts_efficiency.avg_attempts_to_pass, Some(1.5));
        // enrollments in range: a, b, c; completed a -> 33.3 %; dropped c -> retention 66.7 %
        assert_eq!(out.completion_rate.trainer_pct, Some(33.3));
        assert_eq!(out.student_retention_rate, Some(66.7));
        // progress (100 + 60 + 20) / 3 = 60
        assert_eq!(out.average_student_progress, Some(60.0));
        // skill: a only of 3 -> 33.3 %
        assert_eq!(out.skill_acquisition_rate, Some(33.3));
        // pre/post: a (40, 80), b (50, 90) -> deltas 40, 40: mean 40, sd 0 -> d = 0
        assert_eq!(out.score_gain.mean_delta, Some(40.0));
        assert_eq!(out.score_gain.effect_size, Some(0.0));
        // reviews in range: 5 and 2 -> 3.5; trend: before end-21d: 2 (20 d ago is after
        // end-21d... 20 < 21 so not yet) -> null, null? end-21d = 21 d ago: none;
        // end-14d: the 2 from 20 d ago; end-7d: still 2; end: (2 + 5) / 2 = 3.5
        assert_eq!(out.satisfaction.avg, Some(3.5));
        assert_eq!(
            out.satisfaction.trend_30d,
            vec![None, Some(2.0), Some(2.0), Some(3.5)]
        );
        assert_eq!(out.feedback_themes.positive, vec!["examples"]);
        assert_eq!(out.feedback_themes.negative, vec!["pace"]);
        // no peers
        assert_eq!(out.peer_group, None);
        assert_eq!(out.peer_percentile, None);
    }

    /// Trainer `t` teaching course `n` in `category` with 10 students, `passes` of whom
    /// pass their one attempt and `completes` complete.
    fn peer_course(n: u128, passes: u128, completes: u128) -> Vec<LearnerRecord> {
        (0..10u128)
            .map(|i| {
                let mut r = learner(n * 100 + i);
                let done = i < completes;
                enroll(
                    &mut r,
                    n,
                    20.0,
                    if done {
                        EnrollmentStatus::Completed
                    } else {
                        EnrollmentStatus::Active
                    },
                    50.0,
                );
                touch(&mut r, Some(2.0), done.then_some(2.0));
                attempt(&mut r, n, 1, 1, 80.0, i < passes, 3.0);
                r
            })
            .collect()
    }

    #[test]
    fn peers_fall_back_from_category_to_platform() {
        // Subject trainer 0 on course 100 ("data"); ten peer trainers 1..=10: 1-5 teach
        // "data", 6-10 teach "web". Category peers: 5 < K -> platform (10 peers).
        let mut courses = vec![course(100, "data", &[trainer_id(0)])];
        for t in 1..=10u128 {
            courses.push(course(
                t,
                if t <= 5 { "data" } else { "web" },
                &[trainer_id(t)],
            ));
        }
        let catalog = catalog(&courses, 1);
        let mut learners = peer_course(100, 8, 5);
        for t in 1..=10u128 {
            // peer t passes t of 10 (10 % .. 100 %), completes 5.
            learners.extend(peer_course(t, t, 5));
        }
        let out = ready(run(&catalog, &learners, trainer_id(0), &window()));
        assert_eq!(
            out.peer_group,
            Some(PeerGroup {
                scope: PeerScope::Platform,
                category: None,
                sample_size: 10
            })
        );
        // peers 10, 20, ..., 100: mean 55, sd_pop = sqrt(825) = 28.72; trainer 80:
        // delta 25, z = 25 / 28.72 = 0.87; percentile: 7 below, 1 equal -> 75.
        assert_eq!(out.pass_rate.trainer_pct, Some(80.0));
        assert_eq!(out.pass_rate.peer_pct, Some(55.0));
        assert_eq!(out.pass_rate.delta_pct, Some(25.0));
        assert_eq!(out.pass_rate.z_score, Some(0.87));
        assert_eq!(out.peer_percentile, Some(75));
        // completion all 50 -> delta 0
        assert_eq!(out.completion_rate.peer_pct, Some(50.0));
        assert_eq!(out.completion_rate.delta_pct, Some(0.0));
        // The peers' own view with a range the population was not built for still works
        // (rebuilt): trainer 10, category web has 4 other peers -> platform (10 others).
        let cohorts = build_cohorts(&catalog, learners.iter());
        let stale = TeachingPeers {
            start: now(),
            end: now(),
            entries: Vec::new(),
        };
        let out10 = ready(compute(
            trainer_id(10),
            &catalog,
            &cohorts,
            &stale,
            &window(),
            &clock(),
        ));
        assert_eq!(out10.peer_group.map(|g| g.sample_size), Some(10));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn metrics_stay_in_range(
            rows in proptest::collection::vec((0u8..3, 1.0f64..80.0, 0.0f64..100.0, 0.0f64..100.0, any::<bool>(), 1i32..6, 1i32..4), 0..20),
        ) {
            let catalog = catalog(&[course(1, "data", &[trainer_id(1)])], 2);
            let learners: Vec<LearnerRecord> = rows.iter().enumerate().map(|(i, (status, days, progress, score, passed, rating, tries))| {
                let mut r = learner(i as u128);
                let status = [EnrollmentStatus::Active, EnrollmentStatus::Completed, EnrollmentStatus::Dropped][*status as usize];
                enroll(&mut r, 1, *days, status, *progress);
                touch(&mut r, Some(days / 2.0), (status == EnrollmentStatus::Completed).then_some(days / 3.0));
                for t in 1..=*tries {
                    attempt(&mut r, 1, 1, t, *score, *passed && t == *tries, days / 4.0);
                }
                review(&mut r, 1, *rating, Some("helpful but confusing"), &[], *days);
                r
            }).collect();
            let a = ready(run(&catalog, &learners, trainer_id(1), &window()));
            prop_assert_eq!(&a, &ready(run(&catalog, &learners, trainer_id(1), &window())));
            let json = serde_json::to_string(&a).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            for v in [a.pass_rate.trainer_pct, a.completion_rate.trainer_pct, a.attempts_efficiency.first_try_pass_pct,
                      a.average_student_progress, a.student_retention_rate].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&v), "{}", v);
            }
            if let Some(avg) = a.attempts_efficiency.avg_attempts_to_pass { prop_assert!(avg >= 1.0); }
            for m in a.satisfaction.trend_30d.iter().flatten().chain(a.satisfaction.avg.iter()) {
                prop_assert!((1.0..=5.0).contains(m));
            }
            prop_assert_eq!(a.satisfaction.trend_30d.len(), 4);
        }
    }
}
