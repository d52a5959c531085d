//! The counted facts that points (8.1), statuses (8.2), badges (8.3) and leaderboards (8.4)
//! share, derived once from a learner's records so that every rule counts the same thing.
//!
//! Definitions (all ignore events after `now`):
//! - **Completed course**: a course with an enrollment of status `completed`; it counts once
//!   however often the learner enrolled, at its earliest completion **(decided here: stops
//!   re-enrollment farming)**. Completion time = `completedAt ?? lastActivityAt ?? enrolledAt`
//!   **(decided here)**.
//! - **Acquired skill**: a `UserSkill` with `acquired = true`, at `acquiredAt ?? updatedAt`.
//! - **Assessment score**: `scorePct = score / maxScore * 100` clipped to [0, 100]
//!   **(decided here: a bonus above maxScore earns no extra points)**; attempts with
//!   `maxScore = 0` are ignored. **Perfect** = `scorePct >= 100`; **passed** = the attempt's
//!   `passed` flag. Each counts once per distinct assessment, at its first such attempt.
//! - **Completed path**: `status = completed`, or `topicsCompleted >= topicsTotal > 0` (100%
//!   of topics), at `completedAt ?? lastActivityAt`.
//! - **Login day**: a calendar day with a session start ([`activity::login_days`](crate::analytics::activity::login_days)).
//! - **Runs**: a run continues while each item's day is at most `max_gap` calendar days
//!   after the previous one: login streaks use 1 (consecutive days), the momentum run uses 7
//!   ("consecutive course completions each within 7 days of the previous", 8.2).

use crate::analytics::{Clock, LearnerRecord};
use crate::ids::*;
use crate::model::*;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

type Ts = DateTime<Utc>;

/// The completion instant of an enrollment, when it is completed.
pub fn enrollment_completed_at(enrollment: &Enrollment) -> Option<Ts> {
    (enrollment.status == EnrollmentStatus::Completed).then(|| {
        enrollment
            .completed_at
            .or(enrollment.last_activity_at)
            .unwrap_or(enrollment.enrolled_at)
    })
}

/// A completed course: the earliest completed enrollment in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CourseCompletion {
    pub course_id: CourseId,
    pub enrolled_at: Ts,
    pub completed_at: Ts,
}

/// Completed courses, one per course, oldest completion first (ties by course id).
pub fn course_completions(record: &LearnerRecord, clock: &Clock) -> Vec<CourseCompletion> {
    let mut by_course: BTreeMap<CourseId, CourseCompletion> = BTreeMap::new();
    for enrollment in &record.enrollments {
        let Some(at) = enrollment_completed_at(enrollment).filter(|at| *at <= clock.now) else {
            continue;
        };
        let candidate = CourseCompletion {
            course_id: enrollment.course_id,
            enrolled_at: enrollment.enrolled_at,
            completed_at: at,
        };
        by_course
            .entry(enrollment.course_id)
            .and_modify(|c| {
                if (at, enrollment.enrolled_at) < (c.completed_at, c.enrolled_at) {
                    *c = candidate;
                }
            })
            .or_insert(candidate);
    }
    let mut completions: Vec<CourseCompletion> = by_course.into_values().collect();
    completions.sort_by_key(|c| (c.completed_at, c.course_id));
    completions
}

/// Acquired skills, one per skill, oldest first.
pub fn skill_acquisitions(record: &LearnerRecord, clock: &Clock) -> Vec<(SkillId, Ts)> {
    let mut by_skill: BTreeMap<SkillId, Ts> = BTreeMap::new();
    for skill in record.user_skills.iter().filter(|s| s.acquired) {
        let at = skill.acquired_at.unwrap_or(skill.updated_at);
        if at <= clock.now {
            by_skill
                .entry(skill.skill_id)
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
    }
    let mut acquired: Vec<(SkillId, Ts)> = by_skill.into_iter().collect();
    acquired.sort_by_key(|(id, at)| (*at, *id));
    acquired
}

/// `scorePct` clipped to [0, 100]; `None` when `maxScore` is 0 or the score is not finite.
pub fn clipped_score_pct(attempt: &AssessmentAttempt) -> Option<f64> {
    attempt
        .score_pct()
        .filter(|p| p.is_finite())
        .map(|p| p.clamp(0.0, 100.0))
}

/// Each assessment's scored attempts up to now, in submission order.
pub fn attempts_by_assessment<'a>(
    record: &'a LearnerRecord,
    clock: &Clock,
) -> BTreeMap<AssessmentId, Vec<&'a AssessmentAttempt>> {
    let mut by_assessment: BTreeMap<AssessmentId, Vec<&AssessmentAttempt>> = BTreeMap::new();
    for attempt in &record.attempts {
        if attempt.submitted_at <= clock.now && clipped_score_pct(attempt).is_some() {
            by_assessment
                .entry(attempt.assessment_id)
                .or_default()
                .push(attempt);
        }
    }
    for attempts in by_assessment.values_mut() {
        attempts.sort_by_key(|a| (a.submitted_at, a.attempt_no, a.id));
    }
    by_assessment
}

/// For each distinct assessment, the first attempt matching `pred`; times sorted.
fn first_per_assessment(
    record: &LearnerRecord,
    clock: &Clock,
    pred: impl Fn(&AssessmentAttempt) -> bool,
) -> Vec<Ts> {
    let mut times: Vec<Ts> = attempts_by_assessment(record, clock)
        .values()
        .filter_map(|attempts| attempts.iter().find(|a| pred(a)).map(|a| a.submitted_at))
        .collect();
    times.sort();
    times
}

/// First perfect score (`scorePct >= 100`) per distinct assessment, oldest first.
pub fn perfect_scores(record: &LearnerRecord, clock: &Clock) -> Vec<Ts> {
    first_per_assessment(record, clock, |a| {
        clipped_score_pct(a).is_some_and(|p| p >= 100.0)
    })
}

/// First passed attempt per distinct assessment, oldest first.
pub fn passed_assessments(record: &LearnerRecord, clock: &Clock) -> Vec<Ts> {
    first_per_assessment(record, clock, |a| a.passed)
}

/// Completed learning paths (one per path), oldest first.
pub fn path_completions(record: &LearnerRecord, clock: &Clock) -> Vec<Ts> {
    let mut by_path: BTreeMap<PathId, Ts> = BTreeMap::new();
    for path in &record.paths {
        let complete = path.status == PathStatus::Completed
            || (path.topics_total > 0 && path.topics_completed >= path.topics_total);
        let at = path.completed_at.unwrap_or(path.last_activity_at);
        if complete && at <= clock.now {
            by_path
                .entry(path.path_id)
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
    }
    let mut times: Vec<Ts> = by_path.into_values().collect();
    times.sort();
    times
}

/// The earliest session start of every login day (the keys are exactly
/// [`activity::login_days`](crate::analytics::activity::login_days)).
pub fn login_day_starts(record: &LearnerRecord, clock: &Clock) -> BTreeMap<NaiveDate, Ts> {
    let mut starts: BTreeMap<NaiveDate, Ts> = BTreeMap::new();
    for session in record.sessions.iter().filter(|s| s.started_at <= clock.now) {
        starts
            .entry(clock.local_date(session.started_at))
            .and_modify(|t| *t = (*t).min(session.started_at))
            .or_insert(session.started_at);
    }
    starts
}

/// Runs over dated items (sorted by date): `reached[L - 1]` is the instant the longest run
/// first reached length `L` (so `reached.len()` is the longest run), `current` the length
/// of the run ending at the last item, `last_day` that item's day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Runs {
    pub reached: Vec<Ts>,
    pub current: u32,
    pub last_day: Option<NaiveDate>,
}

impl Runs {
    pub fn longest(&self) -> u32 {
        self.reached.len() as u32
    }
}

/// Runs of items whose day is at most `max_gap` days after the previous item's day.
pub fn runs(items: &[(NaiveDate, Ts)], max_gap: i64) -> Runs {
    let mut result = Runs::default();
    for (day, at) in items {
        result.current = match result.last_day {
            Some(previous) if (*day - previous).num_days() <= max_gap => result.current + 1,
            _ => 1,
        };
        if result.current as usize > result.reached.len() {
            result.reached.push(*at);
        }
        result.last_day = Some(*day);
    }
    result
}

/// Login streak runs (consecutive calendar days with a session start).
pub fn login_runs(record: &LearnerRecord, clock: &Clock) -> Runs {
    let days: Vec<(NaiveDate, Ts)> = login_day_starts(record, clock).into_iter().collect();
    runs(&days, 1)
}

/// Momentum runs over course completions (each within 7 days of the previous).
pub fn momentum_runs(completions: &[CourseCompletion], clock: &Clock) -> Runs {
    let items: Vec<(NaiveDate, Ts)> = completions
        .iter()
        .map(|c| (clock.local_date(c.completed_at), c.completed_at))
        .collect();
    runs(&items, MOMENTUM_GAP_DAYS)
}

/// The largest gap, in calendar days, between consecutive completions of a momentum run.
pub const MOMENTUM_GAP_DAYS: i64 = 7;

/// The momentum run still alive today: the run ending at the latest completion if that
/// completion is at most 7 days before today, else 0 **(decided here)**.
pub fn current_momentum_run(runs: &Runs, today: NaiveDate) -> u32 {
    match runs.last_day {
        Some(last) if (today - last).num_days() <= MOMENTUM_GAP_DAYS => runs.current,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::analytics::activity;

    #[test]
    fn a_course_completed_twice_counts_once_at_its_earliest_completion() {
        let mut r = learner(1);
        r.enrollments.push(enrollment(1, 10, day(1), Some(day(5))));
        r.enrollments.push(enrollment(2, 10, day(6), Some(day(8))));
        r.enrollments.push(enrollment(3, 11, day(2), None));
        // Completed in the future: ignored.
        r.enrollments.push(enrollment(4, 12, day(2), Some(day(40))));
        assert!(day(40) > clock().now);
        let c = course_completions(&r, &clock());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].completed_at, day(5));
    }

    #[test]
    fn runs_record_when_each_length_was_first_reached() {
        let d = date;
        let items: Vec<(NaiveDate, Ts)> = [1, 2, 3, 5, 6, 7, 8]
            .into_iter()
            .map(|n| (d(n), day(n)))
            .collect();
        let r = runs(&items, 1);
        // 1,2,3 reach 1..3 on the 1st..3rd; the run 5..8 reaches 4 on the 8th.
        assert_eq!(r.reached, vec![day(1), day(2), day(3), day(8)]);
        assert_eq!(r.current, 4);
        assert_eq!(r.longest(), 4);
        assert_eq!(runs(&[], 1), Runs::default());
        // A gap of exactly 7 days continues a momentum run; 8 breaks it.
        let m = runs(&[(d(1), day(1)), (d(8), day(8)), (d(16), day(16))], 7);
        assert_eq!((m.longest(), m.current), (2, 1));
        assert_eq!(current_momentum_run(&m, d(23)), 1);
        assert_eq!(current_momentum_run(&m, d(24)), 0);
    }

    #[test]
    fn login_day_starts_are_the_login_days_of_activity() {
        let mut r = learner(1);
        login_on(&mut r, [1, 1, 3, 4, 30]);
        let starts = login_day_starts(&r, &clock());
        assert!(
            starts
                .keys()
                .copied()
                .eq(activity::login_days(&r, &clock()))
        );
        assert_eq!(starts[&date(1)], day(1));
        let runs = login_runs(&r, &clock());
        assert_eq!((runs.longest(), runs.current), (2, 2));
    }

    #[test]
    fn scores_are_clipped_and_zero_max_is_ignored() {
        let mut r = learner(1);
        r.attempts
            .push(attempt(1, 20, 1, day(1), 110.0, 100.0, true));
        r.attempts.push(attempt(2, 21, 1, day(2), 5.0, 0.0, true));
        assert_eq!(clipped_score_pct(&r.attempts[0]), Some(100.0));
        assert_eq!(clipped_score_pct(&r.attempts[1]), None);
        assert_eq!(perfect_scores(&r, &clock()), vec![day(1)]);
        assert_eq!(passed_assessments(&r, &clock()), vec![day(1)]);
    }
}
