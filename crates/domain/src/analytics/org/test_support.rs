//! Fixture builders for the organisation analytics tests.

use crate::analytics::common::Clock;
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
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

pub fn ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const ORG: u128 = 1;

pub fn org_id() -> OrgId {
    OrgId(id(ORG))
}

pub fn dept_id(n: u128) -> DepartmentId {
    DepartmentId(id(100 + n))
}

pub fn team_id(n: u128) -> TeamId {
    TeamId(id(200 + n))
}

pub fn user_id(n: u128) -> UserId {
    UserId(id(1000 + n))
}

pub fn course_id(n: u128) -> CourseId {
    CourseId(id(3000 + n))
}

pub fn skill_id(n: u128) -> SkillId {
    SkillId(id(4000 + n))
}

pub fn org(departments: &[(u128, &str)], teams: &[(u128, &str, Option<u128>)]) -> OrgRecord {
    OrgRecord {
        org: Organization {
            id: org_id(),
            external_id: None,
            name: "Acme".into(),
            timezone: None,
            settings: OrgSettings::default(),
        },
        departments: departments
            .iter()
            .map(|(n, name)| Department {
                id: dept_id(*n),
                org_id: org_id(),
                parent_id: None,
                name: (*name).into(),
            })
            .collect(),
        teams: teams
            .iter()
            .map(|(n, name, parent)| Team {
                id: team_id(*n),
                org_id: org_id(),
                parent_id: parent.map(dept_id),
                name: (*name).into(),
            })
            .collect(),
        kpis: Vec::new(),
        value_propositions: Vec::new(),
        members: Vec::new(),
    }
}

/// An active learner of the org.
pub fn learner(n: u128, dept: Option<u128>, team: Option<u128>) -> LearnerRecord {
    LearnerRecord::new(User {
        id: user_id(n),
        external_id: None,
        org_id: Some(org_id()),
        department_id: dept.map(dept_id),
        team_id: team.map(team_id),
        display_name: format!("Employee {n:03}"),
        email: None,
        roles: vec![Role::Learner],
        timezone: None,
        competency_level: SkillLevel::BEGINNER,
        is_active: true,
        created_at: at(2025, 1, 1),
    })
}

pub fn session(user: u128, start: DateTime<Utc>, minutes: i64) -> Session {
    Session {
        id: SessionId(Uuid::new_v5(
            &id(9),
            format!("{user}-{}", start.timestamp()).as_bytes(),
        )),
        user_id: user_id(user),
        started_at: start,
        ended_at: Some(start + Duration::minutes(minutes)),
        last_activity_at: None,
        device: None,
        course_id: None,
    }
}

pub fn enrollment(
    user: u128,
    course: u128,
    enrolled: DateTime<Utc>,
    completed: Option<DateTime<Utc>>,
    kind: AssignmentType,
) -> Enrollment {
    Enrollment {
        id: EnrollmentId(Uuid::new_v5(
            &id(8),
            format!("{user}-{course}-{}", enrolled.timestamp()).as_bytes(),
        )),
        user_id: user_id(user),
        course_id: course_id(course),
        enrolled_at: enrolled,
        status: if completed.is_some() {
            EnrollmentStatus::Completed
        } else {
            EnrollmentStatus::Active
        },
        progress_pct: if completed.is_some() { 100.0 } else { 10.0 },
        completed_at: completed,
        last_activity_at: None,
        assignment_type: kind,
        due_date: None,
    }
}

pub fn user_skill(
    user: u128,
    skill: u128,
    level: u8,
    acquired_at: Option<DateTime<Utc>>,
) -> UserSkill {
    UserSkill {
        user_id: user_id(user),
        skill_id: skill_id(skill),
        current_level: SkillLevel::new(level.into()).unwrap(),
        acquired: acquired_at.is_some(),
        acquired_at,
        acquired_via: None,
        updated_at: acquired_at.unwrap_or(at(2025, 6, 1)),
    }
}

pub fn skill_target(user: u128, skill: u128, level: u8) -> SkillTarget {
    SkillTarget {
        user_id: user_id(user),
        skill_id: skill_id(skill),
        target_level: SkillLevel::new(level.into()).unwrap(),
        source: TargetSource::ValueProposition,
        business_priority: BusinessPriority::High,
        business_justification: None,
        deadline: None,
    }
}

pub fn course(n: u128, certificate: bool, skills: &[u128]) -> Course {
    Course {
        id: course_id(n),
        external_id: None,
        title: format!("Course {n}"),
        category: "general".into(),
        owner_org_id: None,
        trainer_ids: Vec::new(),
        is_active: true,
        created_at: at(2025, 1, 1),
        updated_at: at(2025, 1, 1),
        estimated_duration_weeks: None,
        target_completion_rate: None,
        issues_certificate: certificate,
        taught_skills: skills
            .iter()
            .map(|s| TaughtSkill {
                skill_id: skill_id(*s),
                level: SkillLevel::INTERMEDIATE,
            })
            .collect(),
    }
}

pub fn skill(n: u128, name: &str) -> Skill {
    Skill {
        id: skill_id(n),
        name: name.into(),
        category: "tech".into(),
        prerequisite_skill_ids: Vec::new(),
    }
}

pub fn catalog(courses: Vec<Course>, skills: Vec<Skill>) -> Catalog {
    Catalog::new(
        skills,
        Vec::new(),
        courses,
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    )
}

pub fn topic_completion(user: u128, topic: u128, when: DateTime<Utc>) -> TopicCompletion {
    TopicCompletion {
        user_id: user_id(user),
        path_id: PathId(id(7000)),
        topic_id: TopicId(id(7100 + topic)),
        completed_at: when,
    }
}

pub fn attempt(
    user: u128,
    assessment: u128,
    when: DateTime<Utc>,
    passed: bool,
) -> AssessmentAttempt {
    AssessmentAttempt {
        id: AttemptId(Uuid::new_v5(
            &id(7),
            format!("{user}-{assessment}-{}", when.timestamp()).as_bytes(),
        )),
        assessment_id: AssessmentId(id(8000 + assessment)),
        user_id: user_id(user),
        attempt_no: 1,
        started_at: when - Duration::minutes(30),
        submitted_at: when,
        duration_minutes: 30.0,
        score: if passed { 80.0 } else { 40.0 },
        max_score: 100.0,
        passed,
        question_results: None,
    }
}

pub fn refs(records: &[LearnerRecord]) -> Vec<&LearnerRecord> {
    records.iter().collect()
}

/// `true` when the Debug form of a value shows a NaN or an infinity.
pub fn has_non_finite(debug: &str) -> bool {
    debug.contains("NaN")
        || debug.contains("inf,")
        || debug.contains("inf)")
        || debug.contains("inf }")
}
