//! The ingestion data model of `analytics.md` section 9.
//!
//! Upstream collectors and the push-ingestion API both write these entities into normalised
//! tables; the analytics read only from them (spec README, decisions 1 and 8). Field names
//! serialise in camelCase as on the wire. Every stored row also carries a [`DataSource`]
//! and a `syncedAt` time, which the storage layer adds ([`Provenance`]).

mod entities;
mod enums;

pub use entities::*;
pub use enums::*;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a stored row came from and when it was last written; judged for coverage
/// (decision 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub source: DataSource,
    pub synced_at: DateTime<Utc>,
}

/// Every entity of the model, one list each: the output of the demo generator, the unit of a
/// bulk write, and the shape of a bulk read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    pub organizations: Vec<Organization>,
    pub departments: Vec<Department>,
    pub teams: Vec<Team>,
    pub users: Vec<User>,
    pub sessions: Vec<Session>,
    pub skills: Vec<Skill>,
    pub courses: Vec<Course>,
    pub modules: Vec<Module>,
    pub enrollments: Vec<Enrollment>,
    pub module_progress: Vec<ModuleProgress>,
    pub assessments: Vec<Assessment>,
    pub assessment_attempts: Vec<AssessmentAttempt>,
    pub user_skills: Vec<UserSkill>,
    pub skill_targets: Vec<SkillTarget>,
    pub skill_demand: Vec<SkillDemand>,
    pub learning_paths: Vec<LearningPath>,
    pub user_learning_paths: Vec<UserLearningPath>,
    pub topic_completions: Vec<TopicCompletion>,
    pub content_items: Vec<ContentItem>,
    pub content_interactions: Vec<ContentInteraction>,
    pub content_shares: Vec<ContentShare>,
    pub help_requests: Vec<HelpRequest>,
    pub practice_submissions: Vec<PracticeSubmission>,
    pub course_reviews: Vec<CourseReview>,
    pub kpis: Vec<Kpi>,
    pub value_propositions: Vec<ValueProposition>,
    pub mentoring_events: Vec<MentoringEvent>,
    pub upstream_recommendations: Vec<UpstreamRecommendation>,
}

impl Dataset {
    /// Number of records per entity, in a fixed order (for summaries and tests).
    pub fn counts(&self) -> Vec<(EntityKind, usize)> {
        use EntityKind as E;
        vec![
            (E::Organizations, self.organizations.len()),
            (E::Departments, self.departments.len()),
            (E::Teams, self.teams.len()),
            (E::Users, self.users.len()),
            (E::Sessions, self.sessions.len()),
            (E::Skills, self.skills.len()),
            (E::Courses, self.courses.len()),
            (E::Modules, self.modules.len()),
            (E::Enrollments, self.enrollments.len()),
            (E::ModuleProgress, self.module_progress.len()),
            (E::Assessments, self.assessments.len()),
            (E::AssessmentAttempts, self.assessment_attempts.len()),
            (E::UserSkills, self.user_skills.len()),
            (E::SkillTargets, self.skill_targets.len()),
            (E::SkillDemand, self.skill_demand.len()),
            (E::LearningPaths, self.learning_paths.len()),
            (E::UserLearningPaths, self.user_learning_paths.len()),
            (E::TopicCompletions, self.topic_completions.len()),
            (E::ContentItems, self.content_items.len()),
            (E::ContentInteractions, self.content_interactions.len()),
            (E::ContentShares, self.content_shares.len()),
            (E::HelpRequests, self.help_requests.len()),
            (E::PracticeSubmissions, self.practice_submissions.len()),
            (E::CourseReviews, self.course_reviews.len()),
            (E::Kpis, self.kpis.len()),
            (E::ValuePropositions, self.value_propositions.len()),
            (E::MentoringEvents, self.mentoring_events.len()),
            (
                E::UpstreamRecommendations,
                self.upstream_recommendations.len(),
            ),
        ]
    }

    /// Appends every list of `other` to the same list of `self`.
    pub fn append(&mut self, other: Dataset) {
        macro_rules! extend {
            ($($field:ident),* $(,)?) => {{
                // Destructured, so that a new field fails to compile here until it is added.
                let Dataset { $($field),* } = other;
                $(self.$field.extend($field);)*
            }};
        }
        extend!(
            organizations,
            departments,
            teams,
            users,
            sessions,
            skills,
            courses,
            modules,
            enrollments,
            module_progress,
            assessments,
            assessment_attempts,
            user_skills,
            skill_targets,
            skill_demand,
            learning_paths,
            user_learning_paths,
            topic_completions,
            content_items,
            content_interactions,
            content_shares,
            help_requests,
            practice_submissions,
            course_reviews,
            kpis,
            value_propositions,
            mentoring_events,
            upstream_recommendations,
        );
    }

    pub fn total_records(&self) -> usize {
        self.counts().iter().map(|(_, n)| n).sum()
    }
}
