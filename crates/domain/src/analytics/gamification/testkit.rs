//! Fixture builders shared by the gamification tests. `now` is Monday 2026-06-15T12:00Z;
//! `day(n)` is 10:00 UTC on the n-th day counted from 2026-06-01 (`day(0)` = 31 May).

use crate::analytics::{Clock, LearnerRecord};
use crate::ids::*;
use crate::model::*;
use crate::role::Role;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

type Ts = DateTime<Utc>;

pub fn now() -> Ts {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

pub fn clock() -> Clock {
    Clock::utc(now())
}

pub fn day(n: i64) -> Ts {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap() + Duration::days(n - 1)
}

pub fn date(n: i64) -> NaiveDate {
    day(n).date_naive()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn user(n: u128) -> User {
    User {
        id: UserId(id(n)),
        external_id: None,
        org_id: Some(OrgId(id(900))),
        department_id: None,
        team_id: None,
        display_name: format!("Learner Number {n}"),
        email: None,
        roles: vec![Role::Learner],
        timezone: None,
        competency_level: SkillLevel::BEGINNER,
        is_active: true,
        created_at: day(-100),
    }
}

pub fn learner(n: u128) -> LearnerRecord {
    LearnerRecord::new(user(n))
}

/// An enrollment in course `course`; completed when `completed` is given.
pub fn enrollment(n: u128, course: u128, enrolled: Ts, completed: Option<Ts>) -> Enrollment {
    Enrollment {
        id: EnrollmentId(id(n)),
        user_id: UserId(id(1)),
        course_id: CourseId(id(course)),
        enrolled_at: enrolled,
        status: if completed.is_some() {
            EnrollmentStatus::Completed
        } else {
            EnrollmentStatus::Active
        },
        progress_pct: if completed.is_some() { 100.0 } else { 50.0 },
        completed_at: completed,
        last_activity_at: completed,
        assignment_type: AssignmentType::Voluntary,
        due_date: None,
    }
}

pub fn attempt(
    n: u128,
    assessment: u128,
    no: i32,
    at: Ts,
    score: f64,
    max: f64,
    passed: bool,
) -> AssessmentAttempt {
    AssessmentAttempt {
        id: AttemptId(id(n)),
        assessment_id: AssessmentId(id(assessment)),
        user_id: UserId(id(1)),
        attempt_no: no,
        started_at: at - Duration::minutes(30),
        submitted_at: at,
        duration_minutes: 30.0,
        score,
        max_score: max,
        passed,
        question_results: None,
    }
}

pub fn session(n: u128, at: Ts) -> Session {
    Session {
        id: SessionId(id(n)),
        user_id: UserId(id(1)),
        started_at: at,
        ended_at: Some(at + Duration::minutes(20)),
        last_activity_at: None,
        device: None,
        course_id: None,
    }
}

pub fn skill(n: u128, acquired_at: Option<Ts>) -> UserSkill {
    UserSkill {
        user_id: UserId(id(1)),
        skill_id: SkillId(id(n)),
        current_level: SkillLevel::INTERMEDIATE,
        acquired: acquired_at.is_some(),
        acquired_at,
        acquired_via: None,
        updated_at: day(-50),
    }
}

pub fn practice(n: u128, at: Ts, completed: bool) -> PracticeSubmission {
    PracticeSubmission {
        id: SubmissionId(id(n)),
        user_id: UserId(id(1)),
        topic_id: None,
        skill_ids: Vec::new(),
        started_at: at - Duration::minutes(15),
        completed_at: completed.then_some(at),
        status: if completed {
            PracticeStatus::Completed
        } else {
            PracticeStatus::InProgress
        },
        passed: completed,
        score: None,
        duration_minutes: 15.0,
    }
}

pub fn path(n: u128, total: i32, completed: i32, at: Ts) -> UserLearningPath {
    UserLearningPath {
        user_id: UserId(id(1)),
        path_id: PathId(id(n)),
        status: if completed >= total {
            PathStatus::Completed
        } else {
            PathStatus::Active
        },
        started_at: day(-60),
        target_date: None,
        topics_total: total,
        topics_completed: completed,
        progress_pct: f64::from(completed) / f64::from(total.max(1)) * 100.0,
        completed_at: (completed >= total).then_some(at),
        last_activity_at: at,
    }
}

/// Sessions on each of the given days (one per day, at 10:00 UTC).
pub fn login_on(record: &mut LearnerRecord, days: impl IntoIterator<Item = i64>) {
    for n in days {
        let k = 10_000 + record.sessions.len() as u128;
        record.sessions.push(session(k, day(n)));
    }
    record.sort();
}
