//! Course Builder (`integration.md` 3.2): courses with modules, and enrollments merged from
//! the per-course enrollment list and the per-user progress and completions. The contract
//! gives progress and enrollment different ids, so an enrollment's id is derived from
//! (user, course): both sources update the same row.

use super::{Pull, PullContext, derived_id, each, user_list};
use crate::contracts::{CbCourse, CbEnrollment, CourseCompletion, CourseProgress, Id};
use crate::transport::{Get, Transport};
use la_domain::model::*;
use la_domain::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub fn enrollment_id(user: UserId, course: CourseId) -> EnrollmentId {
    EnrollmentId(derived_id(
        IdKind::Enrollment,
        &format!("{}:{}", user.0, course.0),
    ))
}

fn status(text: &str) -> Option<EnrollmentStatus> {
    match text.trim().to_ascii_lowercase().as_str() {
        "in_progress" | "active" | "enrolled" | "not_started" => Some(EnrollmentStatus::Active),
        "completed" => Some(EnrollmentStatus::Completed),
        "dropped" | "withdrawn" => Some(EnrollmentStatus::Dropped),
        _ => None,
    }
}

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let users = ctx.user_ids();
    let progress = each(users.clone(), ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<CourseProgress>(&t, ctx, "/users/{userId}/progress", &user, false, false)
                .await
        }
    })
    .await;
    if pull.stopped {
        return pull;
    }
    let completions = each(users, ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<CourseCompletion>(
                &t,
                ctx,
                "/users/{userId}/completions",
                &user,
                false,
                false,
            )
            .await
        }
    })
    .await;
    if pull.stopped {
        return pull;
    }
    let mut courses: BTreeSet<String> = ctx.course_ids().into_iter().collect();
    courses.extend(
        progress
            .iter()
            .flat_map(|(_, l)| l.iter().map(|p| p.course_id.0.clone())),
    );
    let courses: Vec<String> = courses.into_iter().collect();
    let rid = ctx.request_id.as_str();
    let details = each(courses.clone(), ctx.concurrency, &mut pull, |course| {
        let t = t.clone();
        async move {
            let get = Get::new("/courses/{courseId}", format!("/courses/{course}"));
            t.get_json::<CbCourse>(&get, rid).await
        }
    })
    .await;
    if pull.stopped {
        return pull;
    }
    let enrollments = each(courses, ctx.concurrency, &mut pull, |course| {
        let t = t.clone();
        async move {
            let template = "/courses/{courseId}/enrollments";
            let get = Get::new(template, format!("/courses/{course}/enrollments"));
            t.get_list::<CbEnrollment>(&get, rid).await
        }
    })
    .await;

    for (_, course) in details.into_iter().filter_map(|(i, c)| c.map(|c| (i, c))) {
        map_course(course, ctx, &mut pull);
    }
    let mut merged: BTreeMap<EnrollmentId, Enrollment> = BTreeMap::new();
    for (_, list) in enrollments {
        for e in list {
            let Some((user_id, course_id)) = ids(&e.user_id, &e.course_id) else {
                pull.unmappable += 1;
                continue;
            };
            let Some(status) = status(&e.status) else {
                pull.unmappable += 1;
                continue;
            };
            let assignment_type = match e.enrollment_type.as_deref() {
                Some("assigned") | Some("mandatory") => AssignmentType::Mandatory,
                _ => AssignmentType::Voluntary,
            };
            let id = enrollment_id(user_id, course_id);
            merged.insert(
                id,
                Enrollment {
                    id,
                    user_id,
                    course_id,
                    enrolled_at: e.enrolled_at.0,
                    status,
                    progress_pct: e.progress.unwrap_or(0.0).clamp(0.0, 100.0),
                    completed_at: None,
                    last_activity_at: e.last_accessed.map(|t| t.0),
                    assignment_type,
                    due_date: None,
                },
            );
        }
    }
    for (_, list) in progress {
        for p in list {
            let Some((user_id, course_id)) = ids(&p.user_id, &p.course_id) else {
                pull.unmappable += 1;
                continue;
            };
            let Some(status) = status(&p.status) else {
                pull.unmappable += 1;
                continue;
            };
            let id = enrollment_id(user_id, course_id);
            let last = p.last_accessed.map(|t| t.0);
            let e = merged.entry(id).or_insert_with(|| Enrollment {
                id,
                user_id,
                course_id,
                // Progress without an enrollment record: the earliest time we know of.
                enrolled_at: last.unwrap_or(ctx.now),
                status,
                progress_pct: 0.0,
                completed_at: None,
                last_activity_at: None,
                assignment_type: AssignmentType::Voluntary,
                due_date: None,
            });
            e.status = status;
            e.progress_pct = p.progress.clamp(0.0, 100.0);
            e.last_activity_at = last.or(e.last_activity_at);
        }
    }
    for (_, list) in completions {
        for c in list {
            let Some((user_id, course_id)) = ids(&c.user_id, &c.course_id) else {
                pull.unmappable += 1;
                continue;
            };
            if let Some(e) = merged.get_mut(&enrollment_id(user_id, course_id)) {
                e.completed_at = Some(c.completed_at.0.max(e.enrolled_at));
                e.status = EnrollmentStatus::Completed;
                e.progress_pct = 100.0;
            }
        }
    }
    pull.data.enrollments = merged.into_values().collect();
    pull
}

fn ids(user: &Id, course: &Id) -> Option<(UserId, CourseId)> {
    Some((
        UserId::from_external(&user.0).ok()?,
        CourseId::from_external(&course.0).ok()?,
    ))
}

fn level(value: &Option<serde_json::Value>) -> SkillLevel {
    match value {
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .and_then(|l| SkillLevel::new(l).ok())
            .unwrap_or(SkillLevel::BEGINNER),
        Some(serde_json::Value::String(s)) => {
            SkillLevel::from_label(s).unwrap_or(SkillLevel::BEGINNER)
        }
        _ => SkillLevel::BEGINNER,
    }
}

fn map_course(c: CbCourse, ctx: &PullContext, pull: &mut Pull) {
    let Ok(id) = CourseId::from_external(&c.id.0) else {
        pull.unmappable += 1;
        return;
    };
    for (n, m) in c.modules.into_iter().enumerate() {
        let Ok(module_id) = ModuleId::from_external(&m.id.0) else {
            pull.unmappable += 1;
            continue;
        };
        pull.data.modules.push(Module {
            id: module_id,
            course_id: id,
            order: m.order.unwrap_or(n as i32 + 1).max(0),
            name: m.name.unwrap_or_else(|| format!("Module {}", n + 1)),
            estimated_hours: m.estimated_hours,
            topic_id: m.topic_id.and_then(|t| TopicId::from_external(&t.0).ok()),
            skill_ids: Vec::new(),
        });
    }
    pull.data.courses.push(Course {
        id,
        external_id: Some(c.id.0),
        title: c.title,
        category: c
            .category
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "uncategorized".to_owned()),
        owner_org_id: c
            .organization_id
            .and_then(|o| OrgId::from_external(&o.0).ok()),
        trainer_ids: c
            .trainer_ids
            .iter()
            .filter(|t| ctx.knows_user(t))
            .filter_map(|t| UserId::from_external(&t.0).ok())
            .collect(),
        is_active: c.is_active.unwrap_or(true),
        // The contract has no course timestamps: first seen now.
        created_at: ctx.now,
        updated_at: ctx.now,
        estimated_duration_weeks: None,
        target_completion_rate: None,
        issues_certificate: false,
        taught_skills: c
            .taught_skills
            .iter()
            .filter_map(|s| {
                Some(TaughtSkill {
                    skill_id: SkillId::from_external(&s.skill_id.0).ok()?,
                    level: level(&s.level),
                })
            })
            .collect(),
    });
}
