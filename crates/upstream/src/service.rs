//! The nine upstreams of `integration.md` 1: slugs, which section 9 entities each supplies,
//! and the contract path templates (for the I2/I3 management endpoints).

use la_domain::model::{DataSource, EntityKind};
use serde::Serialize;
use std::fmt;

/// One upstream microservice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    Directory,
    CourseBuilder,
    ContentStudio,
    Assessment,
    SkillsEngine,
    LearnerAi,
    Devlab,
    RagAssistant,
    Ms12Auth,
}

/// An unknown service slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown upstream service `{0}` (expected one of: {names})", names = Service::slugs())]
pub struct UnknownService(pub String);

impl Service {
    pub const ALL: [Service; 9] = [
        Service::Directory,
        Service::CourseBuilder,
        Service::ContentStudio,
        Service::Assessment,
        Service::SkillsEngine,
        Service::LearnerAi,
        Service::Devlab,
        Service::RagAssistant,
        Service::Ms12Auth,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Service::Directory => "directory",
            Service::CourseBuilder => "course-builder",
            Service::ContentStudio => "content-studio",
            Service::Assessment => "assessment",
            Service::SkillsEngine => "skills-engine",
            Service::LearnerAi => "learner-ai",
            Service::Devlab => "devlab",
            Service::RagAssistant => "rag-assistant",
            Service::Ms12Auth => "ms12-auth",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Service::Directory => "Directory MS",
            Service::CourseBuilder => "Course Builder MS",
            Service::ContentStudio => "Content Studio MS",
            Service::Assessment => "Assessment MS",
            Service::SkillsEngine => "Skills Engine MS",
            Service::LearnerAi => "Learner AI MS",
            Service::Devlab => "DevLab MS",
            Service::RagAssistant => "RAG Assistant MS",
            Service::Ms12Auth => "MS12 (Auth)",
        }
    }

    /// The part of the environment variable names (`LA_UPSTREAM_<KEY>_URL`).
    pub fn env_key(self) -> &'static str {
        match self {
            Service::Directory => "DIRECTORY",
            Service::CourseBuilder => "COURSE_BUILDER",
            Service::ContentStudio => "CONTENT_STUDIO",
            Service::Assessment => "ASSESSMENT",
            Service::SkillsEngine => "SKILLS_ENGINE",
            Service::LearnerAi => "LEARNER_AI",
            Service::Devlab => "DEVLAB",
            Service::RagAssistant => "RAG_ASSISTANT",
            Service::Ms12Auth => "MS12_AUTH",
        }
    }

    fn slugs() -> String {
        Service::ALL.map(Service::slug).join(", ")
    }

    pub fn parse(slug: &str) -> Result<Self, UnknownService> {
        Service::ALL
            .into_iter()
            .find(|s| s.slug() == slug)
            .ok_or_else(|| UnknownService(slug.to_owned()))
    }

    /// Whether collectors pull from it (MS12 only verifies logins).
    pub fn is_pulled(self) -> bool {
        self != Service::Ms12Auth
    }

    /// The provenance of rows this service supplies (`None` for MS12, which supplies none).
    pub fn source(self) -> Option<DataSource> {
        Some(match self {
            Service::Directory => DataSource::Directory,
            Service::CourseBuilder => DataSource::CourseBuilder,
            Service::ContentStudio => DataSource::ContentStudio,
            Service::Assessment => DataSource::Assessment,
            Service::SkillsEngine => DataSource::SkillsEngine,
            Service::LearnerAi => DataSource::LearnerAi,
            Service::Devlab => DataSource::Devlab,
            Service::RagAssistant => DataSource::RagAssistant,
            Service::Ms12Auth => return None,
        })
    }

    /// The section 9 entities this service supplies. Each entity has exactly one supplier,
    /// so a collection run writes every entity under its supplier's provenance. Content
    /// shares and mentoring events have no upstream contract (push only).
    pub fn entities(self) -> &'static [EntityKind] {
        use EntityKind as E;
        match self {
            Service::Directory => &[
                E::Organizations,
                E::Departments,
                E::Teams,
                E::Users,
                E::Sessions,
                E::Kpis,
                E::ValuePropositions,
                E::CourseReviews,
            ],
            Service::CourseBuilder => &[E::Courses, E::Modules, E::Enrollments, E::ModuleProgress],
            Service::ContentStudio => &[E::ContentItems, E::ContentInteractions],
            Service::Assessment => &[E::Assessments, E::AssessmentAttempts],
            Service::SkillsEngine => &[E::Skills, E::UserSkills, E::SkillTargets, E::SkillDemand],
            Service::LearnerAi => &[
                E::LearningPaths,
                E::UserLearningPaths,
                E::TopicCompletions,
                E::UpstreamRecommendations,
            ],
            Service::Devlab => &[E::PracticeSubmissions],
            Service::RagAssistant => &[E::HelpRequests],
            Service::Ms12Auth => &[],
        }
    }

    /// The supplier of an entity, if an upstream supplies it.
    pub fn supplier_of(entity: EntityKind) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|s| s.entities().contains(&entity))
    }

    /// The contract's path templates (`integration.md` 3), relative to `<base>/api/v1`.
    pub fn endpoints(self) -> &'static [&'static str] {
        match self {
            Service::Directory => &[
                "/users/{userId}",
                "/organizations/{orgId}",
                "/organizations/{orgId}/kpis",
                "/users/{userId}/login-logs",
                "/organizations/{orgId}/users",
                "/feedback",
            ],
            Service::CourseBuilder => &[
                "/users/{userId}/progress",
                "/users/{userId}/completions",
                "/courses/{courseId}/enrollments",
                "/courses/{courseId}",
                "/trainers/{trainerId}/courses",
            ],
            Service::ContentStudio => &[
                "/content/{contentId}/metadata",
                "/content/{contentId}/usage",
                "/users/{userId}/content-interactions",
                "/courses/{courseId}/content",
            ],
            Service::Assessment => &["/users/{userId}/scores", "/users/{userId}/completions"],
            Service::SkillsEngine => &[
                "/users/{userId}/skills",
                "/users/{userId}/skill-acquisition",
                "/users/{userId}/skill-targets",
                "/skills/catalog",
                "/skills/demand",
            ],
            Service::LearnerAi => &[
                "/users/{userId}/learning-paths",
                "/users/{userId}/recommendations",
            ],
            Service::Devlab => &[
                "/users/{userId}/practice-sessions",
                "/users/{userId}/mastery-completions",
            ],
            Service::RagAssistant => &["/users/{userId}/chat-history"],
            Service::Ms12Auth => &["/auth/login"],
        }
    }

    /// Whether `path` (placeholders substituted, no query) matches one of the templates
    /// (`integration.md` 10.3, I3).
    pub fn matches_endpoint(self, path: &str) -> bool {
        let given: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.endpoints().iter().any(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == given.len()
                && parts.iter().zip(&given).all(|(t, g)| {
                    if t.starts_with('{') {
                        !g.is_empty() && la_domain::IdKind::User.map_external(g).is_ok()
                    } else {
                        t == g
                    }
                })
        })
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The coverage families (`la_domain::coverage`) list every entity a family may supply,
    /// pushes included; each collector pulls a subset of its family's. A collector that
    /// starts pulling an entity of another family must change one table or the other.
    #[test]
    fn every_collected_entity_counts_toward_its_own_coverage_family() {
        use la_domain::coverage::Family;
        for service in Service::ALL {
            let family = match service {
                Service::Directory => Family::Directory,
                Service::CourseBuilder => Family::CourseBuilder,
                Service::ContentStudio => Family::ContentStudio,
                Service::Assessment => Family::Assessment,
                Service::SkillsEngine => Family::SkillsEngine,
                Service::LearnerAi => Family::LearnerAi,
                Service::Devlab => Family::Devlab,
                Service::RagAssistant => Family::RagAssistant,
                Service::Ms12Auth => continue,
            };
            for entity in service.entities() {
                assert_eq!(
                    Family::of_entity(*entity),
                    family,
                    "{service:?} collects {entity:?}"
                );
            }
        }
    }

    #[test]
    fn every_upstream_entity_has_one_supplier() {
        for kind in EntityKind::ALL {
            let suppliers = Service::ALL
                .iter()
                .filter(|s| s.entities().contains(kind))
                .count();
            let push_only = matches!(
                kind,
                EntityKind::ContentShares | EntityKind::MentoringEvents
            );
            assert_eq!(suppliers, usize::from(!push_only), "{kind}");
        }
    }

    #[test]
    fn slugs_parse_and_paths_match_templates() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.slug()), Ok(s));
        }
        assert!(Service::parse("nope").is_err());
        assert!(Service::Directory.matches_endpoint("/users/u_1/login-logs"));
        assert!(!Service::Directory.matches_endpoint("/users/u_1/secrets"));
        assert!(!Service::Directory.matches_endpoint("/users/../login-logs/x"));
    }
}
