//! Test fixtures shared by the predictive analytics' tests: a fixed `now`
//! (2026-06-15T12:00:00Z) and small builders for the ingestion entities.

use crate::analytics::common::Clock;
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::ids::*;
use crate::model::*;
use crate::role::Role;
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

pub fn clock() -> Clock {
    Clock::utc(now())
}

pub fn ago(days: f64) -> DateTime<Utc> {
    now() - Duration::seconds((days * 86_400.0) as i64)
}

pub fn u(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn user(n: u128) -> User {
    User {
        id: UserId(u(n)),
        external_id: None,
        org_id: Some(OrgId(u(9000))),
        department_id: None,
        team_id: None,
        display_name: format!("User {n}"),
        email: None,
        roles: vec![Role::Learner],
        timezone: None,
        competency_level: SkillLevel::BEGINNER,
        is_active: true,
        created_at: ago(400.0),
    }
}

pub fn record(n: u128) -> LearnerRecord {
    LearnerRecord::new(user(n))
}

pub fn course(n: u128, title: &str) -> Course {
    Course {
        id: CourseId(u(n)),
        external_id: None,
        title: title.to_owned(),
        category: "dev".to_owned(),
        owner_org_id: None,
        trainer_ids: vec![UserId(u(7000))],
        is_active: true,
        created_at: ago(300.0),
        updated_at: ago(300.0),
        estimated_duration_weeks: None,
        target_completion_rate: None,
        issues_certificate: false,
        taught_skills: vec![],
    }
}

pub fn module(n: u128, course: u128, order: i32, topic: Option<u128>) -> Module {
    Module {
        id: ModuleId(u(n)),
        course_id: CourseId(u(course)),
        order,
        name: format!("Module {order}"),
        estimated_hours: None,
        topic_id: topic.map(|t| TopicId(u(t))),
        skill_ids: vec![],
    }
}

pub fn assessment(n: u128, course: u128, kind: AssessmentKind, skills: &[u128]) -> Assessment {
    Assessment {
        id: AssessmentId(u(n)),
        course_id: Some(CourseId(u(course))),
        module_id: None,
        kind,
        max_score: 100.0,
        pass_threshold: None,
        required: true,
        topic_id: None,
        skill_ids: skills.iter().map(|s| SkillId(u(*s))).collect(),
        due_at: None,
    }
}

pub fn skill(n: u128, name: &str) -> Skill {
    Skill {
        id: SkillId(u(n)),
        name: name.to_owned(),
        category: "dev".to_owned(),
        prerequisite_skill_ids: vec![],
    }
}

pub fn content(n: u128, course: u128, kind: ContentType) -> ContentItem {
    ContentItem {
        id: ContentId(u(n)),
        external_id: None,
        course_id: Some(CourseId(u(course))),
        module_id: None,
        title: format!("Item {n}"),
        content_type: kind,
        creation_method: CreationMethod::Manual,
        created_by: None,
        created_at: ago(200.0),
        owner_org_id: None,
    }
}

pub fn path(n: u128, name: &str, topics: &[u128]) -> LearningPath {
    LearningPath {
        id: PathId(u(n)),
        name: name.to_owned(),
        difficulty: Difficulty::Beginner,
        target_competency: None,
        topics: topics
            .iter()
            .map(|t| PathTopic {
                topic_id: TopicId(u(*t)),
                name: format!("Topic {t}"),
                skill_ids: vec![],
            })
            .collect(),
    }
}

pub fn catalog(
    skills: Vec<Skill>,
    courses: Vec<Course>,
    modules: Vec<Module>,
    assessments: Vec<Assessment>,
    paths: Vec<LearningPath>,
    content: Vec<ContentItem>,
) -> Catalog {
    Catalog::new(
        skills,
        vec![],
        courses,
        modules,
        assessments,
        paths,
        content,
    )
}

pub fn session(user: u128, id: u128, days_ago: f64, minutes: Option<i64>) -> Session {
    let start = ago(days_ago);
    Session {
        id: SessionId(u(id)),
        user_id: UserId(u(user)),
        started_at: start,
        ended_at: minutes.map(|m| start + Duration::minutes(m)),
        last_activity_at: None,
        device: None,
        course_id: None,
    }
}

pub fn enrollment(
    user: u128,
    id: u128,
    course: u128,
    days_ago: f64,
    status: EnrollmentStatus,
    progress: f64,
) -> Enrollment {
    Enrollment {
        id: EnrollmentId(u(id)),
        user_id: UserId(u(user)),
        course_id: CourseId(u(course)),
        enrolled_at: ago(days_ago),
        status,
        progress_pct: progress,
        completed_at: None,
        last_activity_at: None,
        assignment_type: AssignmentType::Voluntary,
        due_date: None,
    }
}

pub fn attempt(
    user: u128,
    id: u128,
    assessment: u128,
    attempt_no: i32,
    days_ago: f64,
    score: f64,
    passed: bool,
) -> AssessmentAttempt {
    let at = ago(days_ago);
    AssessmentAttempt {
        id: AttemptId(u(id)),
        assessment_id: AssessmentId(u(assessment)),
        user_id: UserId(u(user)),
        attempt_no,
        started_at: at - Duration::minutes(30),
        submitted_at: at,
        duration_minutes: 30.0,
        score,
        max_score: 100.0,
        passed,
        question_results: None,
    }
}

pub fn interaction(
    user: u128,
    content: u128,
    days_ago: f64,
    completed: bool,
) -> ContentInteraction {
    ContentInteraction {
        user_id: UserId(u(user)),
        content_id: ContentId(u(content)),
        started_at: ago(days_ago),
        last_interaction_at: ago(days_ago),
        duration_seconds: 600.0,
        progress_pct: if completed { 100.0 } else { 40.0 },
        completed,
        completed_at: completed.then(|| ago(days_ago)),
    }
}

pub fn help(user: u128, days_ago: f64, course: Option<u128>) -> HelpRequest {
    HelpRequest {
        user_id: UserId(u(user)),
        occurred_at: ago(days_ago),
        course_id: course.map(|c| CourseId(u(c))),
    }
}

pub fn practice(user: u128, id: u128, skills: &[u128], at: DateTime<Utc>) -> PracticeSubmission {
    PracticeSubmission {
        id: SubmissionId(u(id)),
        user_id: UserId(u(user)),
        topic_id: None,
        skill_ids: skills.iter().map(|s| SkillId(u(*s))).collect(),
        started_at: at - Duration::minutes(20),
        completed_at: Some(at),
        status: PracticeStatus::Completed,
        passed: true,
        score: Some(80.0),
        duration_minutes: 20.0,
    }
}
