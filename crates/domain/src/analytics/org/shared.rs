//! Building blocks shared by AS-003.11 … AS-003.14: grades, rescaled weighted sums,
//! progress units and pace, mandatory assignments, skill coverage of a value proposition.
//!
//! Definitions fixed here **(decided here)**:
//! - Grade (AS-003.12, reused by AS-003.14): A >= 90, B >= 80, C >= 70, D >= 60, else F,
//!   applied to the rounded (1 dp) output score so that score and grade always agree.
//! - Null components of a weighted score are dropped and the remaining weights rescaled:
//!   `Σ wᵢ·cᵢ / Σ wᵢ` over the present components (non-positive weights ignored).
//! - Progress units (`analytics.md` 0.3): path-topic completions and course-module
//!   completions, a module mapped to a path topic counting once (at the earlier time).
//!   Worker velocity as of an instant `t` = AS-001.1 `averagePace` formula at `t`:
//!   `units in [t − 30 d, t) / (30/7)`.
//! - A required skill level is met at `t` when the employee's current level (SE) is at
//!   least the required level and was reached by `t`: reached = `acquiredAt` when the skill
//!   is acquired and dated, else `updatedAt` (the last level change). Required level 0 is
//!   always met.
//! - Mandatory assignments as of `t` (from `from`): the employee's `mandatory` enrollments
//!   enrolled before `t` and not completed before `from`; completed = status `completed`
//!   with `completedAt` before `t` (or undated).
//! - The value proposition of an analytic: the `valuePropId` filter if given, else among
//!   the organisation's propositions whose period overlaps the range, an organisation-wide
//!   one (`appliesTo` absent or empty) before a department-scoped one, then the latest
//!   `periodStart`, then the smallest id. Its in-scope employees are those of the listed
//!   departments (all employees when organisation-wide). A group's coverage is the mean of
//!   its per-skill coverages over its in-scope members, i.e. met (member, skill) pairs /
//!   all pairs * 100.

use super::period::Span;
use super::workforce::Employee;
use crate::analytics::activity::events_up_to_now;
use crate::analytics::common::{Clock, mean, pct};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::ids::{SkillId, ValuePropId};
use crate::model::{
    AssignmentType, BusinessPriority, EnrollmentStatus, SkillLevel, ValueProposition,
};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Letter grade of a 0-100 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

/// A >= 90, B >= 80, C >= 70, D >= 60, else F.
pub fn grade(score: f64) -> Grade {
    if score >= 90.0 {
        Grade::A
    } else if score >= 80.0 {
        Grade::B
    } else if score >= 70.0 {
        Grade::C
    } else if score >= 60.0 {
        Grade::D
    } else {
        Grade::F
    }
}

/// `Σ wᵢ·cᵢ / Σ wᵢ` over the components with a (finite) value and a positive weight;
/// `None` when none remains.
pub fn rescaled_weighted(components: &[(f64, Option<f64>)]) -> Option<f64> {
    let present: Vec<(f64, f64)> = components
        .iter()
        .filter_map(|(w, c)| c.map(|c| (*w, c)))
        .filter(|(w, c)| w.is_finite() && *w > 0.0 && c.is_finite())
        .collect();
    let total: f64 = present.iter().map(|(w, _)| w).sum();
    (total > 0.0).then(|| present.iter().map(|(w, c)| w * c).sum::<f64>() / total)
}

/// Completion instants of the learner's progress units, oldest first.
pub fn progress_unit_times(record: &LearnerRecord, catalog: &Catalog) -> Vec<DateTime<Utc>> {
    // Key: the path topic when there is one, else the module.
    let mut units: BTreeMap<(u8, uuid::Uuid), DateTime<Utc>> = BTreeMap::new();
    let mut add = |key: (u8, uuid::Uuid), at: DateTime<Utc>| {
        units
            .entry(key)
            .and_modify(|t| *t = (*t).min(at))
            .or_insert(at);
    };
    for topic in &record.topic_completions {
        add((0, topic.topic_id.0), topic.completed_at);
    }
    for progress in &record.module_progress {
        let Some(done) = progress.completed_at else {
            continue;
        };
        match catalog
            .modules
            .get(&progress.module_id)
            .and_then(|m| m.topic_id)
        {
            Some(topic) => add((0, topic.0), done),
            None => add((1, progress.module_id.0), done),
        }
    }
    let mut times: Vec<DateTime<Utc>> = units.into_values().collect();
    times.sort();
    times
}

/// AS-001.1 `averagePace` as of `at`: units completed in `[at − 30 d, at)` / (30/7).
pub fn pace_at(unit_times: &[DateTime<Utc>], at: DateTime<Utc>) -> f64 {
    let from = at - Duration::days(30);
    let count = unit_times
        .iter()
        .filter(|t| **t >= from && **t < at)
        .count();
    count as f64 / (30.0 / 7.0)
}

/// Whether the learner had an activity event (`analytics.md` 0.3) in `span`.
pub fn active_in(record: &LearnerRecord, clock: &Clock, span: &Span) -> bool {
    events_up_to_now(record, clock).any(|t| span.contains(t))
}

/// Mandatory assignments of one employee as of an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Assignments {
    pub assigned: usize,
    pub completed: usize,
}

impl Assignments {
    /// At least one assignment, all completed.
    pub fn all_completed(&self) -> bool {
        self.assigned > 0 && self.completed == self.assigned
    }
}

pub fn mandatory_assignments(
    record: &LearnerRecord,
    from: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Assignments {
    let mut result = Assignments::default();
    for enrollment in &record.enrollments {
        if enrollment.assignment_type != AssignmentType::Mandatory || enrollment.enrolled_at >= at {
            continue;
        }
        let completed = enrollment.status == EnrollmentStatus::Completed;
        if let (true, Some(from), Some(done)) = (completed, from, enrollment.completed_at)
            && done < from
        {
            continue;
        }
        result.assigned += 1;
        if completed && enrollment.completed_at.is_none_or(|done| done < at) {
            result.completed += 1;
        }
    }
    result
}

/// Whether the learner held `required` of `skill` by `at`.
pub fn meets_level(
    record: &LearnerRecord,
    skill: SkillId,
    required: SkillLevel,
    at: DateTime<Utc>,
) -> bool {
    if required == SkillLevel::MISSING {
        return true;
    }
    record
        .user_skills
        .iter()
        .filter(|s| s.skill_id == skill && s.current_level >= required)
        .any(|s| {
            let reached = match (s.acquired, s.acquired_at) {
                (true, Some(at)) => at,
                _ => s.updated_at,
            };
            reached <= at
        })
}

/// The skill's name, else its id.
pub fn skill_name(catalog: &Catalog, skill: SkillId) -> String {
    catalog
        .skills
        .get(&skill)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| skill.to_string())
}

/// The value proposition an analytic reads (see the module doc).
pub fn select_value_proposition<'a>(
    org: &'a OrgRecord,
    clock: &Clock,
    span: &Span,
    filter: Option<ValuePropId>,
) -> Option<&'a ValueProposition> {
    let own = org
        .value_propositions
        .iter()
        .filter(|v| v.org_id == org.org.id);
    if let Some(id) = filter {
        return own.into_iter().find(|v| v.id == id);
    }
    let range = span.date_range(clock);
    own.filter(|v| v.period_start <= range.end && v.period_end.is_none_or(|e| e >= range.start))
        .max_by(|a, b| {
            org_wide(a)
                .cmp(&org_wide(b))
                .then(a.period_start.cmp(&b.period_start))
                .then(b.id.cmp(&a.id))
        })
}

fn org_wide(vp: &ValueProposition) -> bool {
    vp.applies_to
        .as_ref()
        .is_none_or(|a| a.department_ids.is_empty())
}

/// Whether the value proposition applies to the employee.
pub fn in_vp_scope(vp: &ValueProposition, employee: &Employee<'_>) -> bool {
    org_wide(vp)
        || employee.department().is_some_and(|d| {
            vp.applies_to
                .as_ref()
                .is_some_and(|a| a.department_ids.contains(&d))
        })
}

/// A value proposition's skills, one per skill id (the highest required level, then the
/// highest priority), in skill-id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub skill_id: SkillId,
    pub required_level: SkillLevel,
    pub business_priority: BusinessPriority,
}

pub fn requirements(vp: &ValueProposition) -> Vec<Requirement> {
    let mut by_skill: BTreeMap<SkillId, Requirement> = BTreeMap::new();
    for skill in &vp.skills {
        let candidate = Requirement {
            skill_id: skill.skill_id,
            required_level: skill.required_level,
            business_priority: skill.business_priority,
        };
        by_skill
            .entry(skill.skill_id)
            .and_modify(|r| {
                if candidate.required_level > r.required_level
                    || (candidate.required_level == r.required_level
                        && candidate.business_priority.weight() > r.business_priority.weight())
                {
                    *r = candidate;
                }
            })
            .or_insert(candidate);
    }
    by_skill.into_values().collect()
}

/// Coverage of one requirement among `members`: % meeting the level by `at`.
pub fn skill_coverage(
    members: &[Employee<'_>],
    requirement: &Requirement,
    at: DateTime<Utc>,
) -> Option<f64> {
    let met = members
        .iter()
        .filter(|e| {
            meets_level(
                e.record,
                requirement.skill_id,
                requirement.required_level,
                at,
            )
        })
        .count();
    pct(met as f64, members.len() as f64)
}

/// The mean of the per-skill coverages of `vp` over the in-scope `members` by `at`; `None`
/// without in-scope members or skills.
pub fn group_coverage(
    vp: &ValueProposition,
    members: &[Employee<'_>],
    at: DateTime<Utc>,
) -> Option<f64> {
    let in_scope: Vec<Employee<'_>> = members
        .iter()
        .filter(|e| in_vp_scope(vp, e))
        .copied()
        .collect();
    let coverages: Vec<f64> = requirements(vp)
        .iter()
        .filter_map(|r| skill_coverage(&in_scope, r, at))
        .collect();
    mean(&coverages)
}

/// One employee's coverage: required skills met / required skills * 100; `None` outside
/// the proposition's scope or without skills.
pub fn employee_coverage(
    vp: &ValueProposition,
    employee: &Employee<'_>,
    at: DateTime<Utc>,
) -> Option<f64> {
    if !in_vp_scope(vp, employee) {
        return None;
    }
    let requirements = requirements(vp);
    let met = requirements
        .iter()
        .filter(|r| meets_level(employee.record, r.skill_id, r.required_level, at))
        .count();
    pct(met as f64, requirements.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_at_their_boundaries() {
        assert_eq!(grade(90.0), Grade::A);
        assert_eq!(grade(89.9), Grade::B);
        assert_eq!(grade(80.0), Grade::B);
        assert_eq!(grade(70.0), Grade::C);
        assert_eq!(grade(69.9), Grade::D);
        assert_eq!(grade(60.0), Grade::D);
        assert_eq!(grade(59.9), Grade::F);
        assert_eq!(
            serde_json::to_value(Grade::C).unwrap(),
            serde_json::json!("C")
        );
    }

    #[test]
    fn null_components_are_dropped_and_weights_rescaled() {
        // 0.5*74 + 0.3*68.2 + 0.2*81.4 = 37 + 20.46 + 16.28 = 73.74
        let all = rescaled_weighted(&[(0.5, Some(74.0)), (0.3, Some(68.2)), (0.2, Some(81.4))]);
        assert!((all.unwrap() - 73.74).abs() < 1e-9);
        // Without the middle term: (37 + 16.28) / 0.7 = 76.114…
        let two = rescaled_weighted(&[(0.5, Some(74.0)), (0.3, None), (0.2, Some(81.4))]);
        assert!((two.unwrap() - 53.28 / 0.7).abs() < 1e-9);
        assert_eq!(rescaled_weighted(&[(0.5, None), (0.5, None)]), None);
        assert_eq!(rescaled_weighted(&[(0.0, Some(50.0))]), None);
    }

    #[test]
    fn pace_counts_the_thirty_days_before_the_instant() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        // 3 units inside [at-30d, at), one exactly at `at` (excluded), one 31 days before.
        let units = vec![
            at - Duration::days(31),
            at - Duration::days(30),
            at - Duration::days(10),
            at - Duration::hours(1),
            at,
        ];
        assert!((pace_at(&units, at) - 3.0 * 7.0 / 30.0).abs() < 1e-12);
        assert_eq!(pace_at(&[], at), 0.0);
    }
}
