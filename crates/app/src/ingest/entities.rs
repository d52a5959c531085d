//! Each entity of `analytics.md` section 9 as pushed: where its ids are, its key
//! (decision 11) and its rules. One declaration per entity; the machinery is in `wire.rs`.
//!
//! Rules (beyond the types and enumerations serde checks): percentages within 0-100,
//! durations and counts not negative, skill levels 0-4 (by type), event times not later than
//! `now` + 5 minutes, an end not before its start, names not blank, time zones known, and
//! every reference resolvable (checked in bulk by the use case). Deadlines and due dates may
//! lie in the future.

use super::check::{Checker, MAX_NAME, MAX_TEXT};
use super::wire::{KeyType, StoredRule, WireEntity, enum_text};
use la_domain::IdKind;
use la_domain::model::*;

macro_rules! wire {
    (
        $ty:ident in $list:ident as $kind:ident,
        ids { $($path:literal => $idk:ident),* $(,)? },
        key { $($kf:literal => $kt:expr),+ $(,)? },
        $(external_id: $ext:ident,)?
        check($r:ident, $c:ident) $body:block
        $(stored($sr:ident, $si:ident, $so:ident) $stored:block)?
    ) => {
        impl WireEntity for $ty {
            const KIND: EntityKind = EntityKind::$kind;
            const IDS: &'static [(&'static str, IdKind)] = &[$(($path, IdKind::$idk)),*];
            const KEY: &'static [(&'static str, KeyType)] = &[$(($kf, $kt)),+];

            fn check(&self, $c: &mut Checker<'_>) {
                let $r = self;
                $body
            }

            $(fn stored_rules(&self, $si: usize, $so: &mut Vec<StoredRule>) {
                let $sr = self;
                $stored
            })?

            $(fn set_external_id(&mut self, external: Option<String>) {
                self.$ext = external;
            })?

            fn into_dataset(records: Vec<Self>) -> Dataset {
                Dataset { $list: records, ..Dataset::default() }
            }
        }
    };
}

use KeyType::{Date, Id, Text, Ts};

wire!(Organization in organizations as Organizations,
    ids { "id" => Organization },
    key { "id" => Id(IdKind::Organization) },
    external_id: external_id,
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        c.timezone("timezone", r.timezone.as_deref());
        let s = &r.settings;
        if let Some(w) = s.alignment_weights {
            for (field, value) in [("k", w.k), ("s", w.s), ("t", w.t)] {
                c.range(&format!("settings.alignmentWeights.{field}"), value, 0.0, 1.0);
            }
        }
        c.opt_range("settings.gapClosureTarget", s.gap_closure_target, 0.0, 100.0);
        c.opt_range("settings.ksiTarget", s.ksi_target, 0.0, 100.0);
        c.opt_range("settings.recommendedHoursPerWeek", s.recommended_hours_per_week, 0.0, 168.0);
        c.opt_non_negative("settings.valuePerSkill", s.value_per_skill);
        for (i, t) in s.training_investment.iter().enumerate() {
            c.name(&format!("settings.trainingInvestment[{i}].period"), &t.period, 32);
            c.non_negative(&format!("settings.trainingInvestment[{i}].amount"), t.amount);
        }
    }
);

wire!(Department in departments as Departments,
    ids { "id" => Department, "orgId" => Organization, "parentId" => Department },
    key { "id" => Id(IdKind::Department) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        if r.parent_id == Some(r.id) {
            c.fail("parentId", "must not be the department itself");
        }
    }
);

wire!(Team in teams as Teams,
    ids { "id" => Team, "orgId" => Organization, "parentId" => Department },
    key { "id" => Id(IdKind::Team) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
    }
);

wire!(User in users as Users,
    ids {
        "id" => User, "orgId" => Organization, "departmentId" => Department, "teamId" => Team,
    },
    key { "id" => Id(IdKind::User) },
    external_id: external_id,
    check(r, c) {
        c.name("displayName", &r.display_name, MAX_NAME);
        if let Some(email) = &r.email
            && !plausible_email(email)
        {
            c.fail("email", "must be an email address");
        }
        c.timezone("timezone", r.timezone.as_deref());
        c.past("createdAt", r.created_at);
    }
    stored(r, index, out) {
        if let Some(email) = &r.email {
            out.push(StoredRule::UniqueEmail { index, user: r.id.0, email: email.to_lowercase() });
        }
    }
);

/// A lenient shape check (`local@domain.tld`, no spaces, at most 254 characters): delivery is
/// not our concern, only that the login lookup has a sensible key.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

wire!(Session in sessions as Sessions,
    ids { "id" => Session, "userId" => User, "courseId" => Course },
    key { "id" => Id(IdKind::Session) },
    check(r, c) {
        c.past("startedAt", r.started_at);
        c.opt_past("endedAt", r.ended_at);
        c.opt_past("lastActivityAt", r.last_activity_at);
        c.not_before("endedAt", r.ended_at, "startedAt", Some(r.started_at));
        c.not_before("lastActivityAt", r.last_activity_at, "startedAt", Some(r.started_at));
        if let Some(device) = &r.device {
            c.name("device", device, MAX_NAME);
        }
    }
);

wire!(Skill in skills as Skills,
    ids { "id" => Skill, "prerequisiteSkillIds[]" => Skill },
    key { "id" => Id(IdKind::Skill) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        c.name("category", &r.category, MAX_NAME);
        if r.prerequisite_skill_ids.contains(&r.id) {
            c.fail("prerequisiteSkillIds", "must not contain the skill itself");
        }
    }
);

wire!(Course in courses as Courses,
    ids {
        "id" => Course, "ownerOrgId" => Organization, "trainerIds[]" => User,
        "taughtSkills[].skillId" => Skill,
    },
    key { "id" => Id(IdKind::Course) },
    external_id: external_id,
    check(r, c) {
        c.name("title", &r.title, MAX_NAME);
        c.name("category", &r.category, MAX_NAME);
        c.past("createdAt", r.created_at);
        c.past("updatedAt", r.updated_at);
        c.not_before("updatedAt", Some(r.updated_at), "createdAt", Some(r.created_at));
        c.opt_non_negative("estimatedDurationWeeks", r.estimated_duration_weeks);
        c.opt_range("targetCompletionRate", r.target_completion_rate, 0.0, 100.0);
    }
);

wire!(Module in modules as Modules,
    ids { "id" => Module, "courseId" => Course, "topicId" => Topic, "skillIds[]" => Skill },
    key { "id" => Id(IdKind::Module) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        c.int_range("order", r.order, 0, i32::MAX);
        c.opt_non_negative("estimatedHours", r.estimated_hours);
    }
);

wire!(Enrollment in enrollments as Enrollments,
    ids { "id" => Enrollment, "userId" => User, "courseId" => Course },
    key { "id" => Id(IdKind::Enrollment) },
    check(r, c) {
        c.past("enrolledAt", r.enrolled_at);
        c.opt_past("completedAt", r.completed_at);
        c.opt_past("lastActivityAt", r.last_activity_at);
        c.not_before("completedAt", r.completed_at, "enrolledAt", Some(r.enrolled_at));
        c.pct("progressPct", r.progress_pct);
    }
);

wire!(ModuleProgress in module_progress as ModuleProgress,
    ids { "userId" => User, "moduleId" => Module },
    key { "userId" => Id(IdKind::User), "moduleId" => Id(IdKind::Module) },
    check(r, c) {
        c.opt_past("startedAt", r.started_at);
        c.opt_past("completedAt", r.completed_at);
        c.not_before("completedAt", r.completed_at, "startedAt", r.started_at);
        c.pct("progressPct", r.progress_pct);
        c.non_negative("timeSpentMinutes", r.time_spent_minutes);
    }
);

wire!(Assessment in assessments as Assessments,
    ids {
        "id" => Assessment, "courseId" => Course, "moduleId" => Module, "topicId" => Topic,
        "skillIds[]" => Skill,
    },
    key { "id" => Id(IdKind::Assessment) },
    check(r, c) {
        c.positive("maxScore", r.max_score);
        c.opt_range("passThreshold", r.pass_threshold, 0.0, 100.0);
    }
);

wire!(AssessmentAttempt in assessment_attempts as AssessmentAttempts,
    ids { "id" => AssessmentAttempt, "assessmentId" => Assessment, "userId" => User },
    key { "id" => Id(IdKind::AssessmentAttempt) },
    check(r, c) {
        c.int_range("attemptNo", r.attempt_no, 1, i32::MAX);
        c.past("startedAt", r.started_at);
        c.past("submittedAt", r.submitted_at);
        c.not_before("submittedAt", Some(r.submitted_at), "startedAt", Some(r.started_at));
        c.non_negative("durationMinutes", r.duration_minutes);
        c.positive("maxScore", r.max_score);
        if r.max_score > 0.0 {
            c.range("score", r.score, 0.0, r.max_score);
        }
        for (i, q) in r.question_results.iter().flatten().enumerate() {
            c.name(&format!("questionResults[{i}].questionId"), &q.question_id, MAX_NAME);
        }
    }
    stored(r, index, out) {
        out.push(StoredRule::ScoreWithinAssessment {
            index,
            assessment: r.assessment_id.0,
            score: r.score,
        });
    }
);

wire!(UserSkill in user_skills as UserSkills,
    ids { "userId" => User, "skillId" => Skill },
    key { "userId" => Id(IdKind::User), "skillId" => Id(IdKind::Skill) },
    check(r, c) {
        c.opt_past("acquiredAt", r.acquired_at);
        c.past("updatedAt", r.updated_at);
    }
);

wire!(SkillTarget in skill_targets as SkillTargets,
    ids { "userId" => User, "skillId" => Skill },
    key {
        "userId" => Id(IdKind::User), "skillId" => Id(IdKind::Skill),
        "source" => Text(enum_text::<TargetSource>),
    },
    check(r, c) {
        if let Some(text) = &r.business_justification {
            c.name("businessJustification", text, MAX_TEXT);
        }
    }
);

wire!(SkillDemand in skill_demand as SkillDemand,
    ids { "skillId" => Skill },
    key { "skillId" => Id(IdKind::Skill), "asOf" => Date },
    check(r, c) {
        c.pct("marketDemand", r.market_demand);
        c.past_date("asOf", r.as_of);
    }
);

wire!(LearningPath in learning_paths as LearningPaths,
    ids { "id" => LearningPath, "topics[].topicId" => Topic, "topics[].skillIds[]" => Skill },
    key { "id" => Id(IdKind::LearningPath) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        for (i, topic) in r.topics.iter().enumerate() {
            c.name(&format!("topics[{i}].name"), &topic.name, MAX_NAME);
            if r.topics[..i].iter().any(|t| t.topic_id == topic.topic_id) {
                c.fail(&format!("topics[{i}].topicId"), "repeats an earlier topic");
            }
        }
    }
);

wire!(UserLearningPath in user_learning_paths as UserLearningPaths,
    ids { "userId" => User, "pathId" => LearningPath },
    key { "userId" => Id(IdKind::User), "pathId" => Id(IdKind::LearningPath) },
    check(r, c) {
        c.past("startedAt", r.started_at);
        c.opt_past("completedAt", r.completed_at);
        c.past("lastActivityAt", r.last_activity_at);
        c.not_before("completedAt", r.completed_at, "startedAt", Some(r.started_at));
        c.int_range("topicsTotal", r.topics_total, 0, i32::MAX);
        c.int_range("topicsCompleted", r.topics_completed, 0, r.topics_total.max(0));
        c.pct("progressPct", r.progress_pct);
    }
);

wire!(TopicCompletion in topic_completions as TopicCompletions,
    ids { "userId" => User, "pathId" => LearningPath, "topicId" => Topic },
    key {
        "userId" => Id(IdKind::User), "pathId" => Id(IdKind::LearningPath),
        "topicId" => Id(IdKind::Topic),
    },
    check(r, c) {
        c.past("completedAt", r.completed_at);
    }
);

wire!(ContentItem in content_items as ContentItems,
    ids {
        "id" => ContentItem, "courseId" => Course, "moduleId" => Module, "createdBy" => User,
        "ownerOrgId" => Organization,
    },
    key { "id" => Id(IdKind::ContentItem) },
    external_id: external_id,
    check(r, c) {
        c.name("title", &r.title, MAX_NAME);
        c.past("createdAt", r.created_at);
    }
);

wire!(ContentInteraction in content_interactions as ContentInteractions,
    ids { "userId" => User, "contentId" => ContentItem },
    key {
        "userId" => Id(IdKind::User), "contentId" => Id(IdKind::ContentItem), "startedAt" => Ts,
    },
    check(r, c) {
        c.past("startedAt", r.started_at);
        c.past("lastInteractionAt", r.last_interaction_at);
        c.opt_past("completedAt", r.completed_at);
        c.not_before(
            "lastInteractionAt", Some(r.last_interaction_at), "startedAt", Some(r.started_at),
        );
        c.not_before("completedAt", r.completed_at, "startedAt", Some(r.started_at));
        c.non_negative("durationSeconds", r.duration_seconds);
        c.pct("progressPct", r.progress_pct);
    }
);

wire!(ContentShare in content_shares as ContentShares,
    ids { "contentId" => ContentItem, "sharedBy" => User },
    key {
        "contentId" => Id(IdKind::ContentItem), "sharedBy" => Id(IdKind::User), "sharedAt" => Ts,
    },
    check(r, c) {
        c.past("sharedAt", r.shared_at);
    }
);

wire!(HelpRequest in help_requests as HelpRequests,
    ids { "userId" => User, "courseId" => Course },
    key { "userId" => Id(IdKind::User), "occurredAt" => Ts },
    check(r, c) {
        c.past("occurredAt", r.occurred_at);
    }
);

wire!(PracticeSubmission in practice_submissions as PracticeSubmissions,
    ids { "id" => PracticeSubmission, "userId" => User, "topicId" => Topic, "skillIds[]" => Skill },
    key { "id" => Id(IdKind::PracticeSubmission) },
    check(r, c) {
        c.past("startedAt", r.started_at);
        c.opt_past("completedAt", r.completed_at);
        c.not_before("completedAt", r.completed_at, "startedAt", Some(r.started_at));
        c.opt_non_negative("score", r.score);
        c.non_negative("durationMinutes", r.duration_minutes);
    }
);

wire!(CourseReview in course_reviews as CourseReviews,
    ids { "id" => CourseReview, "courseId" => Course, "trainerId" => User, "userId" => User },
    key { "id" => Id(IdKind::CourseReview) },
    check(r, c) {
        c.int_range("rating", r.rating, 1, 5);
        if let Some(comment) = &r.comment {
            c.name("comment", comment, MAX_TEXT);
        }
        for (i, tag) in r.tags.iter().enumerate() {
            c.name(&format!("tags[{i}]"), tag, MAX_NAME);
        }
        c.past("createdAt", r.created_at);
    }
);

wire!(Kpi in kpis as Kpis,
    ids {
        "id" => Kpi, "orgId" => Organization, "departmentId" => Department,
        "linkedSkillIds[]" => Skill,
    },
    key { "id" => Id(IdKind::Kpi) },
    check(r, c) {
        c.name("name", &r.name, MAX_NAME);
        c.non_negative("weight", r.weight);
        c.not_before("periodEnd", Some(r.period_end), "periodStart", Some(r.period_start));
    }
);

wire!(ValueProposition in value_propositions as ValuePropositions,
    ids {
        "id" => ValueProposition, "orgId" => Organization, "skills[].skillId" => Skill,
        "appliesTo.departmentIds[]" => Department,
    },
    key { "id" => Id(IdKind::ValueProposition) },
    check(r, c) {
        c.not_before("periodEnd", r.period_end, "periodStart", Some(r.period_start));
        for (i, skill) in r.skills.iter().enumerate() {
            if let Some(text) = &skill.justification {
                c.name(&format!("skills[{i}].justification"), text, MAX_TEXT);
            }
        }
    }
);

wire!(MentoringEvent in mentoring_events as MentoringEvents,
    ids { "orgId" => Organization, "userId" => User },
    key {
        "orgId" => Id(IdKind::Organization), "userId" => Id(IdKind::User),
        "kind" => Text(enum_text::<MentoringKind>), "occurredAt" => Ts,
    },
    check(r, c) {
        c.past("occurredAt", r.occurred_at);
    }
);

wire!(UpstreamRecommendation in upstream_recommendations as UpstreamRecommendations,
    ids { "id" => UpstreamRecommendation, "userId" => User },
    key { "id" => Id(IdKind::UpstreamRecommendation) },
    check(r, c) {
        c.name("targetId", &r.target_id, MAX_NAME);
        c.name("reason", &r.reason, MAX_TEXT);
        c.past("createdAt", r.created_at);
        c.not_before("expiresAt", r.expires_at, "createdAt", Some(r.created_at));
    }
);

/// Runs `$body` with `$T` bound to the model type of `$kind`.
macro_rules! with_entity {
    ($kind:expr, $T:ident => $body:expr) => {{
        use la_domain::model::EntityKind as K;
        match $kind {
            K::Organizations => {
                type $T = la_domain::model::Organization;
                $body
            }
            K::Departments => {
                type $T = la_domain::model::Department;
                $body
            }
            K::Teams => {
                type $T = la_domain::model::Team;
                $body
            }
            K::Users => {
                type $T = la_domain::model::User;
                $body
            }
            K::Sessions => {
                type $T = la_domain::model::Session;
                $body
            }
            K::Skills => {
                type $T = la_domain::model::Skill;
                $body
            }
            K::Courses => {
                type $T = la_domain::model::Course;
                $body
            }
            K::Modules => {
                type $T = la_domain::model::Module;
                $body
            }
            K::Enrollments => {
                type $T = la_domain::model::Enrollment;
                $body
            }
            K::ModuleProgress => {
                type $T = la_domain::model::ModuleProgress;
                $body
            }
            K::Assessments => {
                type $T = la_domain::model::Assessment;
                $body
            }
            K::AssessmentAttempts => {
                type $T = la_domain::model::AssessmentAttempt;
                $body
            }
            K::UserSkills => {
                type $T = la_domain::model::UserSkill;
                $body
            }
            K::SkillTargets => {
                type $T = la_domain::model::SkillTarget;
                $body
            }
            K::SkillDemand => {
                type $T = la_domain::model::SkillDemand;
                $body
            }
            K::LearningPaths => {
                type $T = la_domain::model::LearningPath;
                $body
            }
            K::UserLearningPaths => {
                type $T = la_domain::model::UserLearningPath;
                $body
            }
            K::TopicCompletions => {
                type $T = la_domain::model::TopicCompletion;
                $body
            }
            K::ContentItems => {
                type $T = la_domain::model::ContentItem;
                $body
            }
            K::ContentInteractions => {
                type $T = la_domain::model::ContentInteraction;
                $body
            }
            K::ContentShares => {
                type $T = la_domain::model::ContentShare;
                $body
            }
            K::HelpRequests => {
                type $T = la_domain::model::HelpRequest;
                $body
            }
            K::PracticeSubmissions => {
                type $T = la_domain::model::PracticeSubmission;
                $body
            }
            K::CourseReviews => {
                type $T = la_domain::model::CourseReview;
                $body
            }
            K::Kpis => {
                type $T = la_domain::model::Kpi;
                $body
            }
            K::ValuePropositions => {
                type $T = la_domain::model::ValueProposition;
                $body
            }
            K::MentoringEvents => {
                type $T = la_domain::model::MentoringEvent;
                $body
            }
            K::UpstreamRecommendations => {
                type $T = la_domain::model::UpstreamRecommendation;
                $body
            }
        }
    }};
}
pub(crate) use with_entity;
