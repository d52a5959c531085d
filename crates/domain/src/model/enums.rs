//! Closed value sets of the model. Each is stored as text (`CHECK`ed in the schema) and
//! spelled on the wire exactly as `as_str` returns.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value outside an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of: {expected}")]
pub struct UnknownValue {
    pub value: String,
    pub expected: String,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Result<Self, UnknownValue> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        value: value.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

text_enum! {
    /// The origin of a stored row: an upstream slug, a direct push, or the mock generator.
    DataSource {
        Mock = "mock",
        Push = "push",
        Directory = "directory",
        CourseBuilder = "course-builder",
        ContentStudio = "content-studio",
        Assessment = "assessment",
        SkillsEngine = "skills-engine",
        LearnerAi = "learner-ai",
        Devlab = "devlab",
        RagAssistant = "rag-assistant",
    }
}

text_enum! {
    /// The entities of the ingestion model, named as in `POST /api/v1/ingest/{entity}`.
    EntityKind {
        Organizations = "organizations",
        Departments = "departments",
        Teams = "teams",
        Users = "users",
        Sessions = "sessions",
        Skills = "skills",
        Courses = "courses",
        Modules = "modules",
        Enrollments = "enrollments",
        ModuleProgress = "module-progress",
        Assessments = "assessments",
        AssessmentAttempts = "assessment-attempts",
        UserSkills = "user-skills",
        SkillTargets = "skill-targets",
        SkillDemand = "skill-demand",
        LearningPaths = "learning-paths",
        UserLearningPaths = "user-learning-paths",
        TopicCompletions = "topic-completions",
        ContentItems = "content-items",
        ContentInteractions = "content-interactions",
        ContentShares = "content-shares",
        HelpRequests = "help-requests",
        PracticeSubmissions = "practice-submissions",
        CourseReviews = "course-reviews",
        Kpis = "kpis",
        ValuePropositions = "value-propositions",
        MentoringEvents = "mentoring-events",
        UpstreamRecommendations = "upstream-recommendations",
    }
}

impl EntityKind {
    /// The table that holds this entity (snake_case of the wire name).
    pub const fn table(self) -> &'static str {
        match self {
            EntityKind::Organizations => "organizations",
            EntityKind::Departments => "departments",
            EntityKind::Teams => "teams",
            EntityKind::Users => "users",
            EntityKind::Sessions => "sessions",
            EntityKind::Skills => "skills",
            EntityKind::Courses => "courses",
            EntityKind::Modules => "modules",
            EntityKind::Enrollments => "enrollments",
            EntityKind::ModuleProgress => "module_progress",
            EntityKind::Assessments => "assessments",
            EntityKind::AssessmentAttempts => "assessment_attempts",
            EntityKind::UserSkills => "user_skills",
            EntityKind::SkillTargets => "skill_targets",
            EntityKind::SkillDemand => "skill_demand",
            EntityKind::LearningPaths => "learning_paths",
            EntityKind::UserLearningPaths => "user_learning_paths",
            EntityKind::TopicCompletions => "topic_completions",
            EntityKind::ContentItems => "content_items",
            EntityKind::ContentInteractions => "content_interactions",
            EntityKind::ContentShares => "content_shares",
            EntityKind::HelpRequests => "help_requests",
            EntityKind::PracticeSubmissions => "practice_submissions",
            EntityKind::CourseReviews => "course_reviews",
            EntityKind::Kpis => "kpis",
            EntityKind::ValuePropositions => "value_propositions",
            EntityKind::MentoringEvents => "mentoring_events",
            EntityKind::UpstreamRecommendations => "upstream_recommendations",
        }
    }
}

text_enum! {
    EnrollmentStatus { Active = "active", Completed = "completed", Dropped = "dropped" }
}

text_enum! {
    AssignmentType { Voluntary = "voluntary", Mandatory = "mandatory" }
}

text_enum! {
    AssessmentKind { Pre = "pre", Post = "post", Quiz = "quiz", Exam = "exam" }
}

text_enum! {
    AcquiredVia { Assessment = "assessment", Devlab = "devlab", Course = "course", Manual = "manual" }
}

text_enum! {
    TargetSource { ValueProposition = "value_proposition", Path = "path", Personal = "personal" }
}

text_enum! {
    BusinessPriority { Critical = "critical", High = "high", Medium = "medium", Low = "low" }
}

impl BusinessPriority {
    /// `B` of the skill-gap priority score (AS-001.2).
    pub fn weight(self) -> f64 {
        match self {
            BusinessPriority::Critical => 100.0,
            BusinessPriority::High => 75.0,
            BusinessPriority::Medium => 50.0,
            BusinessPriority::Low => 25.0,
        }
    }
}

text_enum! {
    Difficulty { Beginner = "beginner", Intermediate = "intermediate", Advanced = "advanced", Expert = "expert" }
}

text_enum! {
    PathStatus { Active = "active", Completed = "completed", Paused = "paused" }
}

text_enum! {
    ContentType {
        Video = "video",
        Article = "article",
        Interactive = "interactive",
        Quiz = "quiz",
        Podcast = "podcast",
        Other = "other",
    }
}

text_enum! {
    CreationMethod { Manual = "manual", Ai = "ai", Hybrid = "hybrid" }
}

text_enum! {
    /// DevLab practice session state (the DevLab contract sends `completed`/`in_progress`;
    /// `abandoned` marks a session that ended without completion, decided here).
    PracticeStatus { Completed = "completed", InProgress = "in_progress", Abandoned = "abandoned" }
}

text_enum! {
    MentoringKind { Mentor = "mentor", Mentee = "mentee", PeerSupport = "peer_support" }
}

text_enum! {
    RecommendationKind { Path = "path", Skill = "skill", Content = "content" }
}

/// A level on the single skill/competency scale 0-4 (`analytics.md` 0.2): Missing 0,
/// Beginner 1, Intermediate 2, Advanced 3, Expert 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SkillLevel(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("skill level must be 0 to 4, got {0}")]
pub struct InvalidSkillLevel(pub i64);

impl SkillLevel {
    pub const MISSING: SkillLevel = SkillLevel(0);
    pub const BEGINNER: SkillLevel = SkillLevel(1);
    pub const INTERMEDIATE: SkillLevel = SkillLevel(2);
    pub const ADVANCED: SkillLevel = SkillLevel(3);
    pub const EXPERT: SkillLevel = SkillLevel(4);

    pub fn new(level: i64) -> Result<Self, InvalidSkillLevel> {
        u8::try_from(level)
            .ok()
            .filter(|l| *l <= 4)
            .map(SkillLevel)
            .ok_or(InvalidSkillLevel(level))
    }

    /// Maps an upstream label (`Beginner` .. `Expert`, case-insensitive) or a digit.
    pub fn from_label(label: &str) -> Option<Self> {
        match label.trim().to_ascii_lowercase().as_str() {
            "missing" | "none" | "0" => Some(Self::MISSING),
            "beginner" | "1" => Some(Self::BEGINNER),
            "intermediate" | "2" => Some(Self::INTERMEDIATE),
            "advanced" | "3" => Some(Self::ADVANCED),
            "expert" | "4" => Some(Self::EXPERT),
            _ => None,
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        ["Missing", "Beginner", "Intermediate", "Advanced", "Expert"][self.0 as usize]
    }
}

impl TryFrom<u8> for SkillLevel {
    type Error = InvalidSkillLevel;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        SkillLevel::new(value.into())
    }
}

impl From<SkillLevel> for u8 {
    fn from(value: SkillLevel) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip_and_name_the_expected_values() {
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Ok(*kind));
        }
        let err = ContentType::parse("vid").unwrap_err();
        assert!(err.expected.contains("video"), "{err}");
        assert_eq!(
            serde_json::to_string(&TargetSource::ValueProposition).unwrap(),
            "\"value_proposition\""
        );
    }

    #[test]
    fn skill_levels_stay_on_the_0_to_4_scale() {
        assert!(SkillLevel::new(-1).is_err());
        assert!(SkillLevel::new(5).is_err());
        assert_eq!(SkillLevel::new(3).unwrap().label(), "Advanced");
        assert_eq!(SkillLevel::from_label("EXPERT"), Some(SkillLevel::EXPERT));
        assert!(serde_json::from_str::<SkillLevel>("7").is_err());
        assert_eq!(
            serde_json::from_str::<SkillLevel>("2").unwrap(),
            SkillLevel::INTERMEDIATE
        );
    }

    #[test]
    fn every_entity_has_a_distinct_table() {
        let mut tables: Vec<_> = EntityKind::ALL.iter().map(|k| k.table()).collect();
        tables.sort();
        tables.dedup();
        assert_eq!(tables.len(), EntityKind::ALL.len());
    }
}
