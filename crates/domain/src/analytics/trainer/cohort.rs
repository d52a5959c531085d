//! The course cohort shared by the trainer analytics (`analytics.md` section 3): a course
//! with its ordered modules, its assessments, its reviews and the records of its enrolled
//! learners, plus the section's shared rules.
//!
//! Inputs: the [`Catalog`] (course, modules in `order`, assessments, content) and the
//! learners' [`LearnerRecord`]s. [`build_cohorts`] groups every learner's rows by course in
//! one pass, so a batch builds all cohorts once and hands each analytic a borrowed
//! [`CourseCohort`].
//!
//! Shared rules, as the spec gives them and as decided here:
//! - **Member**: a learner with an enrollment in the course. A learner with several
//!   enrollments in one course is represented by the latest (by `enrolledAt`, then id)
//!   **(decided here)**.
//! - **Course activity** of a member: the enrollment's `lastActivityAt` and `completedAt`,
//!   module-progress starts/completions of the course's modules, attempt submissions on the
//!   course's assessments, starts and ends of course-attributed sessions, and interactions
//!   with the course's content, up to `now` **(decided here)**. Enrolling is not activity.
//! - **Completed** enrollment: status `completed`, or a `completedAt` on an enrollment that
//!   is not `dropped` **(decided here)**.
//! - **Dropped** enrollment (0.3): status `dropped`, or not completed and no course
//!   activity for 30 days, i.e. the latest activity (the enrollment date when there is none)
//!   lies before `now - 30*24h`.
//! - **Active** enrollment: neither completed nor dropped, so that every enrollment is
//!   exactly one of completed / dropped / active **(decided here)**.
//! - **Progress** of an enrollment: `progressPct` clamped to [0, 100]; 100 for a completed
//!   enrollment **(decided here)**.
//! - **Completed modules**: module progress with a `completedAt` (up to now) or
//!   `progressPct >= 100`.
//! - **Drop stage** of a dropped enrollment: the module after the furthest (in course order)
//!   completed module, the first module when none is completed, none when the last module is
//!   completed. AS-002.7's "next-after-last-completed" and AS-002.8's "next uncompleted
//!   module" are both read this way so that the two dashboards agree **(decided here)**.
//! - **Course score** (0.3): mean of the member's best `scorePct` per non-pre assessment of
//!   the course.
//! - **(student, assessment) pairs**: non-pre assessments a member attempted. Attempts are
//!   ordered by (`attemptNo`, `submittedAt`, id); the number of the i-th attempt (1-based)
//!   is `max(attemptNo, i)`, so that attempts before a date range still count and broken
//!   numbering falls back to the order. `attempts` of a pair = number of its last attempt;
//!   `firstPass` = number of its first passed attempt; a pair "passed" when it has one
//!   **(decided here)**. Pre-assessments are excluded from pairs and pass rates (they measure
//!   prior knowledge, not the course) **(decided here)**.
//! - **Required assessments**: non-pre assessments with `required`; when a course marks
//!   none, all its non-pre assessments **(decided here)**.
//! - **At-risk student** (section 3): active enrollment with course inactivity > 7 days OR
//!   progress < 30 % OR course score < 60; enrollments younger than 7 days excluded. A
//!   member without any score does not meet the score condition.
//! - **Sentiment keywords**: positive {great, excellent, amazing, helpful, clear,
//!   informative}; negative {difficult, confusing, boring, hard, unclear, slow};
//!   case-insensitive substring hits in a review's comment, each keyword counted at most
//!   once per review. Negative keywords are matched first and their occurrences masked
//!   before positives are matched, so "unclear" is not also a hit of "clear" **(decided
//!   here)**.
//! - **Feedback themes**: tags trimmed and lowercased, ranked by count (ties
//!   alphabetically); when no review carries a tag, the keywords hit, ranked the same way.
//! - **Cross-course benchmarks** (decision 14): only courses with >= K enrollments enter a
//!   benchmark population, and the subject course is excluded from it ([`CourseBenchmarks`]).

use crate::analytics::Analysis;
use crate::analytics::common::{Clock, K, mean, pct, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::ids::*;
use crate::model::*;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub type Ts = DateTime<Utc>;

/// Days without course activity after which an unfinished enrollment counts as dropped.
pub const DROPPED_AFTER_DAYS: i64 = 30;
/// At-risk: course inactivity longer than this many days.
pub const AT_RISK_INACTIVE_DAYS: i64 = 7;
/// At-risk: progress below this percentage.
pub const AT_RISK_PROGRESS_BELOW: f64 = 30.0;
/// At-risk: course score below this.
pub const AT_RISK_SCORE_BELOW: f64 = 60.0;
/// Enrollments younger than this many days are not judged at risk.
pub const AT_RISK_GRACE_DAYS: i64 = 7;
/// `targetCompletionRate` when the course gives none.
pub const DEFAULT_TARGET_COMPLETION: f64 = 75.0;

pub const POSITIVE_KEYWORDS: [&str; 6] = [
    "great",
    "excellent",
    "amazing",
    "helpful",
    "clear",
    "informative",
];
pub const NEGATIVE_KEYWORDS: [&str; 6] = [
    "difficult",
    "confusing",
    "boring",
    "hard",
    "unclear",
    "slow",
];

/// The `data` of the trainer endpoints T1-T3: the per-course analytic for every course the
/// trainer teaches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainerCourses<T> {
    pub courses: Vec<T>,
}

/// The `dateRange {start, end}` of the ranged analytics (AS-002.9, AS-002.10).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub start: Ts,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub end: Ts,
}

/// The courses `trainer` teaches (`Catalog::courses_of_trainer`) that have a cohort, ordered
/// by title then id.
pub fn trainer_cohorts<'c, 'a>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &'c BTreeMap<CourseId, CourseCohort<'a>>,
) -> Vec<&'c CourseCohort<'a>> {
    let mut list: Vec<&CourseCohort> = catalog
        .courses_of_trainer(trainer)
        .filter_map(|c| cohorts.get(&c.id))
        .collect();
    list.sort_by(|a, b| {
        (a.course.title.as_str(), a.course.id).cmp(&(b.course.title.as_str(), b.course.id))
    });
    list
}

/// Maps every course the trainer teaches; insufficient data when they teach none.
pub fn for_each_course<'a, T>(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'a>>,
    mut per_course: impl FnMut(&CourseCohort<'a>) -> T,
) -> Analysis<TrainerCourses<T>> {
    let list = trainer_cohorts(trainer, catalog, cohorts);
    if list.is_empty() {
        return Analysis::InsufficientData("the trainer teaches no course");
    }
    Analysis::Ready(TrainerCourses {
        courses: list.into_iter().map(&mut per_course).collect(),
    })
}

/// One enrolled learner with their rows that belong to the course.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub record: &'a LearnerRecord,
    pub enrollment: &'a Enrollment,
    /// Attempts on the course's assessments, ordered by submission.
    pub attempts: Vec<&'a AssessmentAttempt>,
    /// Progress on the course's modules.
    pub progress: Vec<&'a ModuleProgress>,
    /// Course-attributed sessions.
    pub sessions: Vec<&'a Session>,
    /// Interactions with the course's content.
    pub interactions: Vec<&'a ContentInteraction>,
}

/// A (student, assessment) pair: see the module doc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub assessment_id: AssessmentId,
    /// Number of the pair's last attempt (>= 1).
    pub attempts: u32,
    /// Number of the first passed attempt.
    pub first_pass: Option<u32>,
    /// Best score percentage of the pair's attempts (with a positive maxScore).
    pub best_score: Option<f64>,
}

impl Pair {
    pub fn passed(&self) -> bool {
        self.first_pass.is_some()
    }
}

/// A course with everything the trainer analytics read about it.
#[derive(Debug, Clone)]
pub struct CourseCohort<'a> {
    pub course: &'a Course,
    /// Modules in course order.
    pub modules: Vec<&'a Module>,
    /// The course's assessments (directly or through a module), by id.
    pub assessments: BTreeMap<AssessmentId, &'a Assessment>,
    /// Members ordered by user id.
    pub members: Vec<Member<'a>>,
    /// Reviews of the course, by (createdAt, id).
    pub reviews: Vec<&'a CourseReview>,
}

/// Builds the cohort of every course of the catalogue in one pass over the learners.
pub fn build_cohorts<'a, I>(
    catalog: &'a Catalog,
    learners: I,
) -> BTreeMap<CourseId, CourseCohort<'a>>
where
    I: IntoIterator<Item = &'a LearnerRecord>,
{
    let mut cohorts: BTreeMap<CourseId, CourseCohort<'a>> = catalog
        .courses
        .values()
        .map(|course| {
            (
                course.id,
                CourseCohort {
                    course,
                    modules: catalog.modules_of(course.id).collect(),
                    assessments: BTreeMap::new(),
                    members: Vec::new(),
                    reviews: Vec::new(),
                },
            )
        })
        .collect();
    let mut assessment_course: BTreeMap<AssessmentId, CourseId> = BTreeMap::new();
    for assessment in catalog.assessments.values() {
        if let Some(course) = catalog.course_of_assessment(assessment)
            && let Some(cohort) = cohorts.get_mut(&course)
        {
            cohort.assessments.insert(assessment.id, assessment);
            assessment_course.insert(assessment.id, course);
        }
    }
    let module_course: BTreeMap<ModuleId, CourseId> = catalog
        .modules
        .values()
        .map(|m| (m.id, m.course_id))
        .collect();
    let content_course: BTreeMap<ContentId, CourseId> = catalog
        .content
        .values()
        .filter_map(|c| {
            c.course_id
                .or_else(|| c.module_id.and_then(|m| module_course.get(&m).copied()))
                .map(|course| (c.id, course))
        })
        .collect();

    for record in learners {
        let mut latest: BTreeMap<CourseId, &Enrollment> = BTreeMap::new();
        for enrollment in &record.enrollments {
            let slot = latest.entry(enrollment.course_id).or_insert(enrollment);
            if (enrollment.enrolled_at, enrollment.id) > (slot.enrolled_at, slot.id) {
                *slot = enrollment;
            }
        }
        for (course, enrollment) in latest {
            let Some(cohort) = cohorts.get_mut(&course) else {
                continue;
            };
            let mut attempts: Vec<&AssessmentAttempt> = record
                .attempts
                .iter()
                .filter(|a| assessment_course.get(&a.assessment_id) == Some(&course))
                .collect();
            attempts.sort_by_key(|a| (a.submitted_at, a.attempt_no, a.id));
            cohort.members.push(Member {
                record,
                enrollment,
                attempts,
                progress: record
                    .module_progress
                    .iter()
                    .filter(|p| module_course.get(&p.module_id) == Some(&course))
                    .collect(),
                sessions: record
                    .sessions
                    .iter()
                    .filter(|s| s.course_id == Some(course))
                    .collect(),
                interactions: record
                    .content_interactions
                    .iter()
                    .filter(|i| content_course.get(&i.content_id) == Some(&course))
                    .collect(),
            });
        }
        for review in &record.reviews {
            if let Some(cohort) = cohorts.get_mut(&review.course_id) {
                cohort.reviews.push(review);
            }
        }
    }
    for cohort in cohorts.values_mut() {
        cohort
            .members
            .sort_by_key(|m| (m.record.id(), m.enrollment.id));
        cohort.reviews.sort_by_key(|r| (r.created_at, r.id));
    }
    cohorts
}

impl<'a> CourseCohort<'a> {
    /// The cohort of one course (see [`build_cohorts`]); `None` for an unknown course.
    pub fn build<I>(catalog: &'a Catalog, course: CourseId, learners: I) -> Option<Self>
    where
        I: IntoIterator<Item = &'a LearnerRecord>,
    {
        // Only the learners with a row about this course matter; filtering first keeps the
        // single-course build proportional to the course.
        let relevant = learners.into_iter().filter(|r| {
            r.enrollments.iter().any(|e| e.course_id == course)
                || r.reviews.iter().any(|rv| rv.course_id == course)
        });
        build_cohorts(catalog, relevant).remove(&course)
    }

    pub fn enrollments(&self) -> usize {
        self.members.len()
    }

    pub fn module_index(&self, module: ModuleId) -> Option<usize> {
        self.modules.iter().position(|m| m.id == module)
    }

    /// The module an assessment belongs to: its `moduleId`, else the course module mapped
    /// to its `topicId` **(decided here)**.
    pub fn module_of_assessment(&self, assessment: &Assessment) -> Option<usize> {
        assessment
            .module_id
            .and_then(|m| self.module_index(m))
            .or_else(|| {
                assessment
                    .topic_id
                    .and_then(|t| self.modules.iter().position(|m| m.topic_id == Some(t)))
            })
    }

    pub fn is_pre(&self, assessment: AssessmentId) -> bool {
        self.assessments
            .get(&assessment)
            .is_none_or(|a| a.kind == AssessmentKind::Pre)
    }

    /// The required assessments (see the module doc), by id.
    pub fn required_assessments(&self) -> BTreeSet<AssessmentId> {
        let non_pre: Vec<&Assessment> = self
            .assessments
            .values()
            .filter(|a| a.kind != AssessmentKind::Pre)
            .copied()
            .collect();
        let required: BTreeSet<AssessmentId> = non_pre
            .iter()
            .filter(|a| a.required)
            .map(|a| a.id)
            .collect();
        if required.is_empty() {
            non_pre.iter().map(|a| a.id).collect()
        } else {
            required
        }
    }

    pub fn target_completion(&self) -> f64 {
        self.course
            .target_completion_rate
            .filter(|t| t.is_finite())
            .unwrap_or(DEFAULT_TARGET_COMPLETION)
    }

    /// Completed enrollments.
    pub fn completed_count(&self) -> usize {
        self.members.iter().filter(|m| m.is_completed()).count()
    }

    pub fn dropped_count(&self, now: Ts) -> usize {
        self.members.iter().filter(|m| m.is_dropped(now)).count()
    }

    /// `completions / enrollments * 100`.
    pub fn completion_rate(&self) -> Option<f64> {
        pct(self.completed_count() as f64, self.enrollments() as f64)
    }

    /// `dropped / enrollments * 100`.
    pub fn dropout_rate(&self, now: Ts) -> Option<f64> {
        pct(self.dropped_count(now) as f64, self.enrollments() as f64)
    }

    /// Members with course activity in the last 30 days.
    pub fn active_students(&self, clock: &Clock) -> usize {
        self.members
            .iter()
            .filter(|m| m.has_activity_in(clock.now - Duration::days(30), clock.now))
            .count()
    }

    /// Enrollments started in `[from, to)`.
    pub fn enrolled_between(&self, from: Ts, to: Ts) -> usize {
        self.members
            .iter()
            .filter(|m| m.enrollment.enrolled_at >= from && m.enrollment.enrolled_at < to)
            .count()
    }

    /// Mean days from enrolling to completing, over completed enrollments with a date.
    pub fn average_completion_days(&self) -> Option<f64> {
        let days: Vec<f64> = self
            .members
            .iter()
            .filter(|m| m.is_completed())
            .filter_map(|m| {
                m.enrollment.completed_at.map(|c| {
                    ((c - m.enrollment.enrolled_at).num_seconds() as f64 / 86_400.0).max(0.0)
                })
            })
            .collect();
        mean(&days)
    }

    /// `passRate` of AS-002.7: students passing every required assessment / students with
    /// any attempt (on a non-pre assessment) * 100.
    pub fn pass_rate(&self) -> Option<f64> {
        let required = self.required_assessments();
        let mut attempted = 0usize;
        let mut passing = 0usize;
        for member in &self.members {
            let pairs = member.pairs(self, |_| true);
            if pairs.is_empty() {
                continue;
            }
            attempted += 1;
            let passed: BTreeSet<AssessmentId> = pairs
                .iter()
                .filter(|p| p.passed())
                .map(|p| p.assessment_id)
                .collect();
            if required.iter().all(|a| passed.contains(a)) {
                passing += 1;
            }
        }
        pct(passing as f64, attempted as f64)
    }

    /// The at-risk members with their reasons, ordered by number of reasons (most first),
    /// then display name, then user id.
    pub fn at_risk(&self, clock: &Clock) -> Vec<(&Member<'a>, Vec<String>)> {
        let mut list: Vec<(&Member, Vec<String>)> = self
            .members
            .iter()
            .map(|m| (m, m.at_risk_reasons(self, clock.now)))
            .filter(|(_, reasons)| !reasons.is_empty())
            .collect();
        list.sort_by(|(a, ra), (b, rb)| {
            rb.len()
                .cmp(&ra.len())
                .then_with(|| a.record.user.display_name.cmp(&b.record.user.display_name))
                .then_with(|| a.record.id().cmp(&b.record.id()))
        });
        list
    }

    /// Mean rating of the reviews created in `[from, to)`.
    pub fn mean_rating_between(&self, from: Ts, to: Ts) -> Option<f64> {
        mean_rating(
            self.reviews
                .iter()
                .copied()
                .filter(|r| r.created_at >= from && r.created_at < to),
        )
    }

    /// Mean rating of all reviews (ratings clamped to 1-5).
    pub fn average_rating(&self) -> Option<f64> {
        mean_rating(self.reviews.iter().copied())
    }

    /// Per module (course order): the mean over students of their mean best score on the
    /// module's non-pre assessments; `None` for a module nobody was scored on.
    pub fn module_mean_scores(&self) -> Vec<Option<f64>> {
        (0..self.modules.len())
            .map(|i| {
                let scores: Vec<f64> = self
                    .members
                    .iter()
                    .filter_map(|m| m.course_score(self, |a| self.module_of_attempt(a) == Some(i)))
                    .collect();
                mean(&scores)
            })
            .collect()
    }

    /// The module index of an attempt's assessment.
    pub fn module_of_attempt(&self, attempt: &AssessmentAttempt) -> Option<usize> {
        self.assessments
            .get(&attempt.assessment_id)
            .and_then(|a| self.module_of_assessment(a))
    }
}

impl<'a> Member<'a> {
    pub fn user_id(&self) -> UserId {
        self.record.id()
    }

    /// See the module doc.
    pub fn is_completed(&self) -> bool {
        match self.enrollment.status {
            EnrollmentStatus::Completed => true,
            EnrollmentStatus::Dropped => false,
            EnrollmentStatus::Active => self.enrollment.completed_at.is_some(),
        }
    }

    /// Every course activity instant up to `now` (see the module doc).
    pub fn activity_times(&self, now: Ts) -> impl Iterator<Item = Ts> + '_ {
        let enrollment = self.enrollment;
        enrollment
            .last_activity_at
            .into_iter()
            .chain(enrollment.completed_at)
            .chain(
                self.progress
                    .iter()
                    .flat_map(|p| p.started_at.into_iter().chain(p.completed_at)),
            )
            .chain(self.attempts.iter().map(|a| a.submitted_at))
            .chain(self.sessions.iter().flat_map(|s| {
                std::iter::once(s.started_at).chain(s.ended_at.or(s.last_activity_at))
            }))
            .chain(
                self.interactions
                    .iter()
                    .flat_map(|i| [i.started_at, i.last_interaction_at]),
            )
            .filter(move |t| *t <= now)
    }

    /// The latest course activity up to `now`.
    pub fn last_activity(&self, now: Ts) -> Option<Ts> {
        self.activity_times(now).max()
    }

    /// Whether the member had course activity in `[from, to)`.
    pub fn has_activity_in(&self, from: Ts, to: Ts) -> bool {
        self.activity_times(to).any(|t| t >= from && t < to)
    }

    /// The instant inactivity is measured from: the latest activity, never before enrolling.
    pub fn activity_reference(&self, now: Ts) -> Ts {
        self.last_activity(now)
            .map_or(self.enrollment.enrolled_at, |t| {
                t.max(self.enrollment.enrolled_at)
            })
    }

    /// Dropped per 0.3: status `dropped`, or not completed and no course activity for 30
    /// days.
    pub fn is_dropped(&self, now: Ts) -> bool {
        if self.is_completed() {
            return false;
        }
        self.enrollment.status == EnrollmentStatus::Dropped
            || self.activity_reference(now) < now - Duration::days(DROPPED_AFTER_DAYS)
    }

    /// Neither completed nor dropped.
    pub fn is_active(&self, now: Ts) -> bool {
        !self.is_completed() && !self.is_dropped(now)
    }

    /// Progress in [0, 100]; 100 when completed.
    pub fn progress_pct(&self) -> f64 {
        if self.is_completed() {
            100.0
        } else if self.enrollment.progress_pct.is_finite() {
            self.enrollment.progress_pct.clamp(0.0, 100.0)
        } else {
            0.0
        }
    }

    /// Indices (course order) of the modules the member completed by `now`.
    pub fn completed_modules(&self, cohort: &CourseCohort, now: Ts) -> BTreeSet<usize> {
        self.progress
            .iter()
            .filter(|p| p.completed_at.is_some_and(|t| t <= now) || p.progress_pct >= 100.0)
            .filter_map(|p| cohort.module_index(p.module_id))
            .collect()
    }

    /// Modules completed in `[from, to)` (by their `completedAt`).
    pub fn modules_completed_between(&self, cohort: &CourseCohort, from: Ts, to: Ts) -> usize {
        self.progress
            .iter()
            .filter(|p| p.completed_at.is_some_and(|t| t >= from && t < to))
            .filter(|p| cohort.module_index(p.module_id).is_some())
            .count()
    }

    /// The drop stage (module index) of this member, see the module doc; `None` for a
    /// course without modules or when the last module is completed.
    pub fn drop_stage(&self, cohort: &CourseCohort, now: Ts) -> Option<usize> {
        let n = cohort.modules.len();
        if n == 0 {
            return None;
        }
        match self.completed_modules(cohort, now).last() {
            None => Some(0),
            Some(&furthest) if furthest + 1 < n => Some(furthest + 1),
            Some(_) => None,
        }
    }

    /// Best score percentage per non-pre assessment among the attempts `keep` accepts.
    pub fn best_scores(
        &self,
        cohort: &CourseCohort,
        keep: impl Fn(&AssessmentAttempt) -> bool,
    ) -> BTreeMap<AssessmentId, f64> {
        let mut best: BTreeMap<AssessmentId, f64> = BTreeMap::new();
        for attempt in self
            .attempts
            .iter()
            .filter(|a| !cohort.is_pre(a.assessment_id) && keep(a))
        {
            if let Some(score) = attempt.score_pct().filter(|s| s.is_finite()) {
                let slot = best.entry(attempt.assessment_id).or_insert(score);
                *slot = slot.max(score);
            }
        }
        best
    }

    /// Course score (0.3) over the attempts `keep` accepts.
    pub fn course_score(
        &self,
        cohort: &CourseCohort,
        keep: impl Fn(&AssessmentAttempt) -> bool,
    ) -> Option<f64> {
        let best: Vec<f64> = self.best_scores(cohort, keep).into_values().collect();
        mean(&best)
    }

    /// The (student, assessment) pairs over the attempts `keep` accepts, by assessment id.
    pub fn pairs(
        &self,
        cohort: &CourseCohort,
        keep: impl Fn(&AssessmentAttempt) -> bool,
    ) -> Vec<Pair> {
        let mut by_assessment: BTreeMap<AssessmentId, Vec<&AssessmentAttempt>> = BTreeMap::new();
        for attempt in self
            .attempts
            .iter()
            .filter(|a| !cohort.is_pre(a.assessment_id) && keep(a))
        {
            by_assessment
                .entry(attempt.assessment_id)
                .or_default()
                .push(attempt);
        }
        by_assessment
            .into_iter()
            .map(|(assessment_id, mut attempts)| {
                attempts.sort_by_key(|a| (a.attempt_no, a.submitted_at, a.id));
                let mut last = 0u32;
                let mut first_pass = None;
                let mut best_score: Option<f64> = None;
                for (i, attempt) in attempts.iter().enumerate() {
                    let number = (attempt.attempt_no.max(0) as u32)
                        .max(i as u32 + 1)
                        .max(last);
                    last = number;
                    if attempt.passed && first_pass.is_none() {
                        first_pass = Some(number);
                    }
                    if let Some(score) = attempt.score_pct().filter(|s| s.is_finite()) {
                        best_score = Some(best_score.map_or(score, |b: f64| b.max(score)));
                    }
                }
                Pair {
                    assessment_id,
                    attempts: last.max(1),
                    first_pass,
                    best_score,
                }
            })
            .collect()
    }

    /// The at-risk reasons of section 3 (empty when not at risk or not judged).
    pub fn at_risk_reasons(&self, cohort: &CourseCohort, now: Ts) -> Vec<String> {
        if !self.is_active(now)
            || self.enrollment.enrolled_at > now - Duration::days(AT_RISK_GRACE_DAYS)
        {
            return Vec::new();
        }
        let mut reasons = Vec::new();
        let reference = self.activity_reference(now);
        if now - reference > Duration::days(AT_RISK_INACTIVE_DAYS) {
            reasons.push(format!(
                "No course activity for {} days",
                (now - reference).num_days()
            ));
        }
        let progress = self.progress_pct();
        if progress < AT_RISK_PROGRESS_BELOW {
            reasons.push(format!("Progress {}% is below 30%", round_dp(progress, 1)));
        }
        if let Some(score) = self.course_score(cohort, |_| true)
            && score < AT_RISK_SCORE_BELOW
        {
            reasons.push(format!("Average score {} is below 60", round_dp(score, 1)));
        }
        reasons
    }
}

/// Mean of ratings clamped to 1-5; `None` without reviews.
pub fn mean_rating<'r>(reviews: impl Iterator<Item = &'r CourseReview>) -> Option<f64> {
    let ratings: Vec<f64> = reviews.map(|r| r.rating.clamp(1, 5) as f64).collect();
    mean(&ratings)
}

/// The sentiment keywords a comment hits (see the module doc).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeywordHits {
    pub positive: Vec<&'static str>,
    pub negative: Vec<&'static str>,
}

pub fn keyword_hits(comment: &str) -> KeywordHits {
    let mut text = comment.to_lowercase();
    let negative: Vec<&'static str> = NEGATIVE_KEYWORDS
        .iter()
        .copied()
        .filter(|k| text.contains(k))
        .collect();
    for keyword in &negative {
        text = text.replace(keyword, " ");
    }
    let positive = POSITIVE_KEYWORDS
        .iter()
        .copied()
        .filter(|k| text.contains(k))
        .collect();
    KeywordHits { positive, negative }
}

/// Total positive and negative keyword hits of the reviews' comments.
pub fn sentiment_counts<'r>(reviews: impl Iterator<Item = &'r CourseReview>) -> (usize, usize) {
    reviews
        .filter_map(|r| r.comment.as_deref())
        .map(keyword_hits)
        .fold((0, 0), |(p, n), h| {
            (p + h.positive.len(), n + h.negative.len())
        })
}

/// `sentimentScore = pos / (pos + neg) * 100`, 50 without hits, `None` without reviews.
pub fn sentiment_score(reviews: &[&CourseReview]) -> Option<f64> {
    if reviews.is_empty() {
        return None;
    }
    let (pos, neg) = sentiment_counts(reviews.iter().copied());
    Some(pct(pos as f64, (pos + neg) as f64).unwrap_or(50.0))
}

/// The `n` most frequent labels, ties alphabetically.
pub fn top_counted(counts: BTreeMap<String, usize>, n: usize) -> Vec<String> {
    let mut list: Vec<(String, usize)> = counts.into_iter().collect();
    list.sort_by(|(a, ca), (b, cb)| cb.cmp(ca).then_with(|| a.cmp(b)));
    list.into_iter().take(n).map(|(label, _)| label).collect()
}

/// Tag counts (trimmed, lowercased, empty tags ignored).
pub fn tag_counts<'r>(reviews: impl Iterator<Item = &'r CourseReview>) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for review in reviews {
        let tags: BTreeSet<String> = review
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        for tag in tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    counts
}

/// Keyword hit counts of the chosen polarities.
pub fn keyword_counts<'r>(
    reviews: impl Iterator<Item = &'r CourseReview>,
    positive: bool,
    negative: bool,
) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for hits in reviews
        .filter_map(|r| r.comment.as_deref())
        .map(keyword_hits)
    {
        let chosen = positive
            .then_some(hits.positive.iter())
            .into_iter()
            .flatten()
            .chain(
                negative
                    .then_some(hits.negative.iter())
                    .into_iter()
                    .flatten(),
            );
        for keyword in chosen {
            *counts.entry((*keyword).to_owned()).or_default() += 1;
        }
    }
    counts
}

/// Top `n` tags of the reviews, else (no tag at all) top `n` keywords of the chosen
/// polarities.
pub fn themes(reviews: &[&CourseReview], n: usize, positive: bool, negative: bool) -> Vec<String> {
    let tags = tag_counts(reviews.iter().copied());
    if !tags.is_empty() {
        return top_counted(tags, n);
    }
    top_counted(
        keyword_counts(reviews.iter().copied(), positive, negative),
        n,
    )
}

/// One course's figures in a cross-course benchmark population.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseBenchmarkEntry {
    pub course_id: CourseId,
    pub category: String,
    pub enrollments: usize,
    pub completion_rate: Option<f64>,
    pub average_rating: Option<f64>,
    /// Distinct users who reviewed the course.
    pub reviewers: usize,
}

/// The benchmark population of AS-002.7/002.8: every course with >= K enrollments
/// (decision 14). Built once per batch by [`CourseBenchmarks::build`]; each course's
/// analytic excludes itself with [`CourseBenchmarks::others`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseBenchmarks {
    pub courses: Vec<CourseBenchmarkEntry>,
}

impl CourseBenchmarks {
    pub fn build<'a>(cohorts: &BTreeMap<CourseId, CourseCohort<'a>>) -> Self {
        CourseBenchmarks {
            courses: cohorts
                .values()
                .filter(|c| c.enrollments() >= K)
                .map(|c| CourseBenchmarkEntry {
                    course_id: c.course.id,
                    category: c.course.category.clone(),
                    enrollments: c.enrollments(),
                    completion_rate: c.completion_rate(),
                    average_rating: c.average_rating(),
                    reviewers: c
                        .reviews
                        .iter()
                        .map(|r| r.user_id)
                        .collect::<BTreeSet<_>>()
                        .len(),
                })
                .collect(),
        }
    }

    /// The population without the subject course.
    pub fn others(&self, course: CourseId) -> impl Iterator<Item = &CourseBenchmarkEntry> {
        self.courses.iter().filter(move |c| c.course_id != course)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Small builders for the trainer analytics' tests.
    use super::*;
    use crate::role::Role;
    use chrono::TimeZone;

    pub fn now() -> Ts {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    pub fn clock() -> Clock {
        Clock::utc(now())
    }

    pub fn days_ago(days: f64) -> Ts {
        now() - Duration::seconds((days * 86_400.0) as i64)
    }

    fn uuid(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    pub fn course_id(n: u128) -> CourseId {
        CourseId(uuid(1_000 + n))
    }
    pub fn module_id(course: u128, n: u128) -> ModuleId {
        ModuleId(uuid(2_000 + course * 100 + n))
    }
    pub fn assessment_id(course: u128, n: u128) -> AssessmentId {
        AssessmentId(uuid(3_000 + course * 100 + n))
    }
    pub fn user_id(n: u128) -> UserId {
        UserId(uuid(10_000 + n))
    }
    pub fn trainer_id(n: u128) -> UserId {
        UserId(uuid(90_000 + n))
    }

    pub fn user(id: UserId, name: &str) -> User {
        User {
            id,
            external_id: None,
            org_id: None,
            department_id: None,
            team_id: None,
            display_name: name.to_owned(),
            email: None,
            roles: vec![Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: days_ago(400.0),
        }
    }

    pub fn course(n: u128, category: &str, trainers: &[UserId]) -> Course {
        Course {
            id: course_id(n),
            external_id: None,
            title: format!("Course {n}"),
            category: category.to_owned(),
            owner_org_id: None,
            trainer_ids: trainers.to_vec(),
            is_active: true,
            created_at: days_ago(365.0),
            updated_at: days_ago(10.0),
            estimated_duration_weeks: Some(6.0),
            target_completion_rate: None,
            issues_certificate: false,
            taught_skills: Vec::new(),
        }
    }

    pub fn module(course: u128, n: u128) -> Module {
        Module {
            id: module_id(course, n),
            course_id: course_id(course),
            order: n as i32,
            name: format!("Module {n}"),
            estimated_hours: None,
            topic_id: None,
            skill_ids: Vec::new(),
        }
    }

    pub fn assessment(
        course: u128,
        n: u128,
        module: Option<u128>,
        kind: AssessmentKind,
    ) -> Assessment {
        Assessment {
            id: assessment_id(course, n),
            course_id: Some(course_id(course)),
            module_id: module.map(|m| module_id(course, m)),
            kind,
            max_score: 100.0,
            pass_threshold: Some(70.0),
            required: true,
            topic_id: None,
            skill_ids: Vec::new(),
            due_at: None,
        }
    }

    /// A catalogue of courses `1..=courses`, each with `modules` modules and one post
    /// assessment per module (assessment n on module n).
    pub fn catalog(courses: &[Course], modules: u128) -> Catalog {
        let mut all_modules = Vec::new();
        let mut assessments = Vec::new();
        for c in courses {
            let n = c.id.0.as_u128() - 1_000;
            for m in 1..=modules {
                all_modules.push(module(n, m));
                assessments.push(assessment(n, m, Some(m), AssessmentKind::Post));
            }
        }
        Catalog::new(
            Vec::new(),
            Vec::new(),
            courses.to_vec(),
            all_modules,
            assessments,
            Vec::new(),
            Vec::new(),
        )
    }

    pub fn learner(n: u128) -> LearnerRecord {
        LearnerRecord::new(user(user_id(n), &format!("Learner {n:03}")))
    }

    pub fn enroll(
        record: &mut LearnerRecord,
        course: u128,
        enrolled_days_ago: f64,
        status: EnrollmentStatus,
        progress: f64,
    ) {
        let user = record.id();
        record.enrollments.push(Enrollment {
            id: EnrollmentId(uuid(500_000 + user.0.as_u128() * 100 + course)),
            user_id: user,
            course_id: course_id(course),
            enrolled_at: days_ago(enrolled_days_ago),
            status,
            progress_pct: progress,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        });
    }

    /// Sets the latest enrollment's `lastActivityAt` / `completedAt`.
    pub fn touch(
        record: &mut LearnerRecord,
        active_days_ago: Option<f64>,
        completed_days_ago: Option<f64>,
    ) {
        let e = record.enrollments.last_mut().expect("enrolled");
        e.last_activity_at = active_days_ago.map(days_ago);
        e.completed_at = completed_days_ago.map(days_ago);
    }

    pub fn complete_module(record: &mut LearnerRecord, course: u128, module: u128, days: f64) {
        record.module_progress.push(ModuleProgress {
            user_id: record.id(),
            module_id: module_id(course, module),
            started_at: Some(days_ago(days + 1.0)),
            completed_at: Some(days_ago(days)),
            progress_pct: 100.0,
            time_spent_minutes: 60.0,
        });
    }

    pub fn attempt(
        record: &mut LearnerRecord,
        course: u128,
        assessment: u128,
        no: i32,
        score: f64,
        passed: bool,
        days: f64,
    ) {
        let user = record.id();
        let n = record.attempts.len() as u128;
        record.attempts.push(AssessmentAttempt {
            id: AttemptId(uuid(700_000_000 + user.0.as_u128() * 1_000 + n)),
            assessment_id: assessment_id(course, assessment),
            user_id: user,
            attempt_no: no,
            started_at: days_ago(days) - Duration::minutes(30),
            submitted_at: days_ago(days),
            duration_minutes: 30.0,
            score,
            max_score: 100.0,
            passed,
            question_results: None,
        });
    }

    pub fn session(record: &mut LearnerRecord, course: u128, days: f64, minutes: i64) {
        let user = record.id();
        let n = record.sessions.len() as u128;
        let start = days_ago(days);
        record.sessions.push(Session {
            id: SessionId(uuid(800_000_000 + user.0.as_u128() * 1_000 + n)),
            user_id: user,
            started_at: start,
            ended_at: Some(start + Duration::minutes(minutes)),
            last_activity_at: None,
            device: None,
            course_id: Some(course_id(course)),
        });
    }

    pub fn review(
        record: &mut LearnerRecord,
        course: u128,
        rating: i32,
        comment: Option<&str>,
        tags: &[&str],
        days: f64,
    ) {
        let user = record.id();
        let n = record.reviews.len() as u128;
        record.reviews.push(CourseReview {
            id: ReviewId(uuid(900_000_000 + user.0.as_u128() * 1_000 + n)),
            course_id: course_id(course),
            trainer_id: None,
            user_id: user,
            rating,
            comment: comment.map(str::to_owned),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            created_at: days_ago(days),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn unclear_is_negative_only_and_keywords_count_once_per_review() {
        let hits = keyword_hits("Unclear slides, slow pace, UNCLEAR exercises");
        assert_eq!(hits.negative, vec!["unclear", "slow"]);
        assert!(hits.positive.is_empty());
        let hits = keyword_hits("Clear and helpful, but hard");
        assert_eq!(hits.positive, vec!["helpful", "clear"]);
        assert_eq!(hits.negative, vec!["hard"]);
    }

    #[test]
    fn sentiment_is_fifty_without_hits_and_null_without_reviews() {
        assert_eq!(sentiment_score(&[]), None);
        let mut r = learner(1);
        review(&mut r, 1, 4, Some("ok"), &[], 1.0);
        review(&mut r, 1, 5, None, &[], 1.0);
        let refs: Vec<&CourseReview> = r.reviews.iter().collect();
        assert_eq!(sentiment_score(&refs), Some(50.0));
        // "great, clear" 2 positive; "boring" 1 negative -> 2 / 3 * 100 = 66.7
        review(&mut r, 1, 5, Some("great, clear"), &[], 1.0);
        review(&mut r, 1, 2, Some("boring"), &[], 1.0);
        let refs: Vec<&CourseReview> = r.reviews.iter().collect();
        assert!((sentiment_score(&refs).unwrap() - 200.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn themes_prefer_tags_and_break_ties_alphabetically() {
        let mut r = learner(1);
        review(&mut r, 1, 4, Some("great"), &["Pace ", "labs"], 1.0);
        review(&mut r, 1, 4, Some("great"), &["labs", "videos"], 1.0);
        review(&mut r, 1, 4, None, &["pace", "examples"], 1.0);
        let refs: Vec<&CourseReview> = r.reviews.iter().collect();
        assert_eq!(
            themes(&refs, 3, true, true),
            vec!["labs", "pace", "examples"]
        );
        let mut r = learner(2);
        review(&mut r, 1, 2, Some("slow and hard"), &[], 1.0);
        review(&mut r, 1, 2, Some("slow"), &[], 1.0);
        let refs: Vec<&CourseReview> = r.reviews.iter().collect();
        assert_eq!(themes(&refs, 3, true, true), vec!["slow", "hard"]);
    }

    #[test]
    fn membership_drop_and_at_risk_rules() {
        let courses = [course(1, "data", &[trainer_id(1)])];
        let catalog = catalog(&courses, 3);
        // a: enrolled 40 d ago, last activity 31 d ago -> dropped by the 30-day rule.
        let mut a = learner(1);
        enroll(&mut a, 1, 40.0, EnrollmentStatus::Active, 50.0);
        touch(&mut a, Some(31.0), None);
        complete_module(&mut a, 1, 1, 35.0);
        // b: enrolled 10 d ago, active 8 d ago, progress 40, no score -> at risk (inactive 8 > 7).
        let mut b = learner(2);
        enroll(&mut b, 1, 10.0, EnrollmentStatus::Active, 40.0);
        touch(&mut b, Some(8.0), None);
        // c: enrolled 6 d ago, progress 0 -> too young to judge.
        let mut c = learner(3);
        enroll(&mut c, 1, 6.0, EnrollmentStatus::Active, 0.0);
        // d: active yesterday, progress exactly 30, score exactly 60 -> not at risk.
        let mut d = learner(4);
        enroll(&mut d, 1, 20.0, EnrollmentStatus::Active, 30.0);
        touch(&mut d, Some(1.0), None);
        attempt(&mut d, 1, 1, 1, 60.0, false, 2.0);
        // e: active exactly 7 days ago (not > 7), score 59.9 -> at risk for the score only.
        let mut e = learner(5);
        enroll(&mut e, 1, 20.0, EnrollmentStatus::Active, 80.0);
        touch(&mut e, Some(7.0), None);
        attempt(&mut e, 1, 1, 1, 59.9, false, 9.0);
        let learners = [a, b, c, d, e];
        let cohorts = build_cohorts(&catalog, learners.iter());
        let cohort = &cohorts[&course_id(1)];
        let now = now();
        assert_eq!(cohort.enrollments(), 5);
        assert!(cohort.members[0].is_dropped(now));
        assert_eq!(cohort.members[0].drop_stage(cohort, now), Some(1));
        assert!(cohort.members[0].at_risk_reasons(cohort, now).is_empty());
        assert_eq!(
            cohort.members[1].at_risk_reasons(cohort, now),
            vec!["No course activity for 8 days"]
        );
        assert!(cohort.members[2].at_risk_reasons(cohort, now).is_empty());
        assert!(cohort.members[3].at_risk_reasons(cohort, now).is_empty());
        assert_eq!(
            cohort.members[4].at_risk_reasons(cohort, now),
            vec!["Average score 59.9 is below 60"]
        );
        assert_eq!(cohort.dropped_count(now), 1);
        let single = CourseCohort::build(&catalog, course_id(1), learners.iter()).unwrap();
        assert_eq!(single.enrollments(), 5);
        assert!(CourseCohort::build(&catalog, course_id(9), learners.iter()).is_none());
    }

    #[test]
    fn a_re_enrollment_replaces_the_earlier_one() {
        let catalog = catalog(&[course(1, "data", &[])], 1);
        let mut a = learner(1);
        enroll(&mut a, 1, 100.0, EnrollmentStatus::Dropped, 10.0);
        let mut again = a.clone();
        enroll(&mut again, 1, 5.0, EnrollmentStatus::Active, 20.0);
        let mut later = again.enrollments.pop().unwrap();
        later.id = EnrollmentId(uuid::Uuid::from_u128(42));
        a.enrollments.push(later);
        let learners = [a];
        let cohorts = build_cohorts(&catalog, learners.iter());
        let cohort = &cohorts[&course_id(1)];
        assert_eq!(cohort.enrollments(), 1);
        assert_eq!(
            cohort.members[0].enrollment.status,
            EnrollmentStatus::Active
        );
        assert_eq!(cohort.members[0].progress_pct(), 20.0);
    }

    #[test]
    fn pairs_number_attempts_by_attempt_no_or_order() {
        let courses = [course(1, "data", &[])];
        let catalog = catalog(&courses, 1);
        let mut a = learner(1);
        enroll(&mut a, 1, 40.0, EnrollmentStatus::Active, 50.0);
        // attemptNo 2 and 3 (the first attempt is outside the data): first pass is the 3rd.
        attempt(&mut a, 1, 1, 2, 40.0, false, 5.0);
        attempt(&mut a, 1, 1, 3, 80.0, true, 4.0);
        let mut b = learner(2);
        enroll(&mut b, 1, 40.0, EnrollmentStatus::Active, 50.0);
        // Broken numbering (0, 0): falls back to the order, 1 and 2.
        attempt(&mut b, 1, 1, 0, 40.0, false, 5.0);
        attempt(&mut b, 1, 1, 0, 90.0, true, 4.0);
        let learners = [a, b];
        let cohorts = build_cohorts(&catalog, learners.iter());
        let cohort = &cohorts[&course_id(1)];
        let pa = cohort.members[0].pairs(cohort, |_| true);
        assert_eq!(
            (pa[0].attempts, pa[0].first_pass, pa[0].best_score),
            (3, Some(3), Some(80.0))
        );
        let pb = cohort.members[1].pairs(cohort, |_| true);
        assert_eq!((pb[0].attempts, pb[0].first_pass), (2, Some(2)));
    }
}
