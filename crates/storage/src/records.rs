//! The column mapping of every ingestion entity: table, key columns, and the value of each
//! column, written once for both databases. `source` and `synced_at` are appended by the
//! writer from the batch's provenance.

use crate::value::{AsJson, AsOptJson, ToValue, Value};
use la_domain::model::*;

/// A value stored as one row of a table and upserted by its key.
pub(crate) trait Record {
    const TABLE: &'static str;
    /// The conflict target of the upsert: the primary or natural key (decision 11).
    const KEY: &'static [&'static str];
    /// The columns, in the order of [`Record::push_values`].
    const COLUMNS: &'static [&'static str];
    fn push_values(&self, out: &mut Vec<Value>);
}

/// An entity of the ingestion model (its rows also carry `source` and `synced_at`).
pub(crate) trait Entity: Record {
    const KIND: EntityKind;
}

/// Declares a [`Record`] impl from one list of `column => expression` pairs, so that column
/// names and values cannot drift apart.
macro_rules! record {
    ($ty:ty as $r:ident => $kind:ident, key [$($key:literal),+] { $($col:literal => $val:expr),+ $(,)? }) => {
        impl Entity for $ty {
            const KIND: EntityKind = EntityKind::$kind;
        }

        impl Record for $ty {
            const TABLE: &'static str = EntityKind::$kind.table();
            const KEY: &'static [&'static str] = &[$($key),+];
            const COLUMNS: &'static [&'static str] = &[$($col),+];
            fn push_values(&self, out: &mut Vec<Value>) {
                let $r = self;
                $(out.push(ToValue::to_value(&$val));)+
            }
        }
    };
}

record!(Organization as r => Organizations, key ["id"] {
    "id" => r.id,
    "external_id" => r.external_id,
    "name" => r.name,
    "timezone" => r.timezone,
    "settings" => AsJson(&r.settings),
});

record!(Department as r => Departments, key ["id"] {
    "id" => r.id,
    "org_id" => r.org_id,
    "parent_id" => r.parent_id,
    "name" => r.name,
});

record!(Team as r => Teams, key ["id"] {
    "id" => r.id,
    "org_id" => r.org_id,
    "parent_id" => r.parent_id,
    "name" => r.name,
});

record!(User as r => Users, key ["id"] {
    "id" => r.id,
    "external_id" => r.external_id,
    "org_id" => r.org_id,
    "department_id" => r.department_id,
    "team_id" => r.team_id,
    "display_name" => r.display_name,
    "email" => r.email.as_ref().map(|e| e.to_lowercase()),
    "roles" => AsJson(&r.roles),
    "timezone" => r.timezone,
    "competency_level" => r.competency_level,
    "is_active" => r.is_active,
    "created_at" => r.created_at,
});

record!(Session as r => Sessions, key ["id"] {
    "id" => r.id,
    "user_id" => r.user_id,
    "started_at" => r.started_at,
    "ended_at" => r.ended_at,
    "last_activity_at" => r.last_activity_at,
    "device" => r.device,
    "course_id" => r.course_id,
});

record!(Skill as r => Skills, key ["id"] {
    "id" => r.id,
    "name" => r.name,
    "category" => r.category,
    "prerequisite_skill_ids" => AsJson(&r.prerequisite_skill_ids),
});

record!(Course as r => Courses, key ["id"] {
    "id" => r.id,
    "external_id" => r.external_id,
    "title" => r.title,
    "category" => r.category,
    "owner_org_id" => r.owner_org_id,
    "trainer_ids" => AsJson(&r.trainer_ids),
    "is_active" => r.is_active,
    "created_at" => r.created_at,
    "updated_at" => r.updated_at,
    "estimated_duration_weeks" => r.estimated_duration_weeks,
    "target_completion_rate" => r.target_completion_rate,
    "issues_certificate" => r.issues_certificate,
    "taught_skills" => AsJson(&r.taught_skills),
});

record!(Module as r => Modules, key ["id"] {
    "id" => r.id,
    "course_id" => r.course_id,
    "\"order\"" => r.order,
    "name" => r.name,
    "estimated_hours" => r.estimated_hours,
    "topic_id" => r.topic_id,
    "skill_ids" => AsJson(&r.skill_ids),
});

record!(Enrollment as r => Enrollments, key ["id"] {
    "id" => r.id,
    "user_id" => r.user_id,
    "course_id" => r.course_id,
    "enrolled_at" => r.enrolled_at,
    "status" => r.status,
    "progress_pct" => r.progress_pct,
    "completed_at" => r.completed_at,
    "last_activity_at" => r.last_activity_at,
    "assignment_type" => r.assignment_type,
    "due_date" => r.due_date,
});

record!(ModuleProgress as r => ModuleProgress, key ["user_id", "module_id"] {
    "user_id" => r.user_id,
    "module_id" => r.module_id,
    "started_at" => r.started_at,
    "completed_at" => r.completed_at,
    "progress_pct" => r.progress_pct,
    "time_spent_minutes" => r.time_spent_minutes,
});

record!(Assessment as r => Assessments, key ["id"] {
    "id" => r.id,
    "course_id" => r.course_id,
    "module_id" => r.module_id,
    "kind" => r.kind,
    "max_score" => r.max_score,
    "pass_threshold" => r.pass_threshold,
    "required" => r.required,
    "topic_id" => r.topic_id,
    "skill_ids" => AsJson(&r.skill_ids),
    "due_at" => r.due_at,
});

record!(AssessmentAttempt as r => AssessmentAttempts, key ["id"] {
    "id" => r.id,
    "assessment_id" => r.assessment_id,
    "user_id" => r.user_id,
    "attempt_no" => r.attempt_no,
    "started_at" => r.started_at,
    "submitted_at" => r.submitted_at,
    "duration_minutes" => r.duration_minutes,
    "score" => r.score,
    "max_score" => r.max_score,
    "passed" => r.passed,
    "question_results" => AsOptJson(&r.question_results),
});

record!(UserSkill as r => UserSkills, key ["user_id", "skill_id"] {
    "user_id" => r.user_id,
    "skill_id" => r.skill_id,
    "current_level" => r.current_level,
    "acquired" => r.acquired,
    "acquired_at" => r.acquired_at,
    "acquired_via" => r.acquired_via,
    "updated_at" => r.updated_at,
});

record!(SkillTarget as r => SkillTargets, key ["user_id", "skill_id", "target_source"] {
    "user_id" => r.user_id,
    "skill_id" => r.skill_id,
    "target_level" => r.target_level,
    "target_source" => r.source,
    "business_priority" => r.business_priority,
    "business_justification" => r.business_justification,
    "deadline" => r.deadline,
});

record!(SkillDemand as r => SkillDemand, key ["skill_id", "as_of"] {
    "skill_id" => r.skill_id,
    "as_of" => r.as_of,
    "market_demand" => r.market_demand,
    "market_trend" => r.market_trend,
});

record!(LearningPath as r => LearningPaths, key ["id"] {
    "id" => r.id,
    "name" => r.name,
    "difficulty" => r.difficulty,
    "target_competency" => r.target_competency,
    "topics" => AsJson(&r.topics),
});

record!(UserLearningPath as r => UserLearningPaths, key ["user_id", "path_id"] {
    "user_id" => r.user_id,
    "path_id" => r.path_id,
    "status" => r.status,
    "started_at" => r.started_at,
    "target_date" => r.target_date,
    "topics_total" => r.topics_total,
    "topics_completed" => r.topics_completed,
    "progress_pct" => r.progress_pct,
    "completed_at" => r.completed_at,
    "last_activity_at" => r.last_activity_at,
});

record!(TopicCompletion as r => TopicCompletions, key ["user_id", "path_id", "topic_id"] {
    "user_id" => r.user_id,
    "path_id" => r.path_id,
    "topic_id" => r.topic_id,
    "completed_at" => r.completed_at,
});

record!(ContentItem as r => ContentItems, key ["id"] {
    "id" => r.id,
    "external_id" => r.external_id,
    "course_id" => r.course_id,
    "module_id" => r.module_id,
    "title" => r.title,
    "content_type" => r.content_type,
    "creation_method" => r.creation_method,
    "created_by" => r.created_by,
    "created_at" => r.created_at,
    "owner_org_id" => r.owner_org_id,
});

record!(ContentInteraction as r => ContentInteractions, key ["user_id", "content_id", "started_at"] {
    "user_id" => r.user_id,
    "content_id" => r.content_id,
    "started_at" => r.started_at,
    "last_interaction_at" => r.last_interaction_at,
    "duration_seconds" => r.duration_seconds,
    "progress_pct" => r.progress_pct,
    "completed" => r.completed,
    "completed_at" => r.completed_at,
});

record!(ContentShare as r => ContentShares, key ["content_id", "shared_by", "shared_at"] {
    "content_id" => r.content_id,
    "shared_by" => r.shared_by,
    "shared_at" => r.shared_at,
});

record!(HelpRequest as r => HelpRequests, key ["user_id", "occurred_at"] {
    "user_id" => r.user_id,
    "occurred_at" => r.occurred_at,
    "course_id" => r.course_id,
});

record!(PracticeSubmission as r => PracticeSubmissions, key ["id"] {
    "id" => r.id,
    "user_id" => r.user_id,
    "topic_id" => r.topic_id,
    "skill_ids" => AsJson(&r.skill_ids),
    "started_at" => r.started_at,
    "completed_at" => r.completed_at,
    "status" => r.status,
    "passed" => r.passed,
    "score" => r.score,
    "duration_minutes" => r.duration_minutes,
});

record!(CourseReview as r => CourseReviews, key ["id"] {
    "id" => r.id,
    "course_id" => r.course_id,
    "trainer_id" => r.trainer_id,
    "user_id" => r.user_id,
    "rating" => r.rating,
    "comment" => r.comment,
    "tags" => AsJson(&r.tags),
    "created_at" => r.created_at,
});

record!(Kpi as r => Kpis, key ["id"] {
    "id" => r.id,
    "org_id" => r.org_id,
    "department_id" => r.department_id,
    "name" => r.name,
    "target" => r.target,
    "achieved" => r.achieved,
    "weight" => r.weight,
    "linked_skill_ids" => AsJson(&r.linked_skill_ids),
    "period_start" => r.period_start,
    "period_end" => r.period_end,
});

record!(ValueProposition as r => ValuePropositions, key ["id"] {
    "id" => r.id,
    "org_id" => r.org_id,
    "period_start" => r.period_start,
    "period_end" => r.period_end,
    "skills" => AsJson(&r.skills),
    "applies_to" => AsOptJson(&r.applies_to),
});

record!(MentoringEvent as r => MentoringEvents, key ["org_id", "user_id", "kind", "occurred_at"] {
    "org_id" => r.org_id,
    "user_id" => r.user_id,
    "kind" => r.kind,
    "occurred_at" => r.occurred_at,
});

record!(UpstreamRecommendation as r => UpstreamRecommendations, key ["id"] {
    "id" => r.id,
    "user_id" => r.user_id,
    "kind" => r.kind,
    "target_id" => r.target_id,
    "reason" => r.reason,
    "created_at" => r.created_at,
    "expires_at" => r.expires_at,
});

/// Calls `$visit!(field, Type)` for every entity list of a [`Dataset`] in dependency order
/// (referenced rows before the rows that reference them).
macro_rules! for_each_entity_in_dependency_order {
    ($visit:ident) => {
        $visit!(organizations);
        $visit!(departments);
        $visit!(teams);
        $visit!(users);
        $visit!(skills);
        $visit!(skill_demand);
        $visit!(courses);
        $visit!(modules);
        $visit!(assessments);
        $visit!(learning_paths);
        $visit!(content_items);
        $visit!(sessions);
        $visit!(enrollments);
        $visit!(module_progress);
        $visit!(assessment_attempts);
        $visit!(user_skills);
        $visit!(skill_targets);
        $visit!(user_learning_paths);
        $visit!(topic_completions);
        $visit!(content_interactions);
        $visit!(content_shares);
        $visit!(help_requests);
        $visit!(practice_submissions);
        $visit!(course_reviews);
        $visit!(kpis);
        $visit!(value_propositions);
        $visit!(mentoring_events);
        $visit!(upstream_recommendations);
    };
}
pub(crate) use for_each_entity_in_dependency_order;

#[cfg(test)]
mod tests {
    use super::*;

    fn check_mapping<R: Entity>(rows: &[R]) -> EntityKind {
        let first = rows
            .first()
            .unwrap_or_else(|| panic!("demo data has no {:?}", R::KIND));
        let mut values = Vec::new();
        first.push_values(&mut values);
        assert_eq!(values.len(), R::COLUMNS.len(), "{:?}", R::KIND);
        for key in R::KEY {
            assert!(R::COLUMNS.contains(key), "{:?}: key {key}", R::KIND);
        }
        R::KIND
    }

    #[test]
    fn every_entity_maps_each_column_to_one_value_and_is_visited_once() {
        let data = la_demo::generate(&la_demo::DemoConfig::new(chrono::Utc::now()));
        let mut kinds = Vec::new();
        macro_rules! check {
            ($field:ident) => {
                kinds.push(check_mapping(&data.$field));
            };
        }
        for_each_entity_in_dependency_order!(check);
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), EntityKind::ALL.len());
    }
}
