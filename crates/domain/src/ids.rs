//! Typed identifiers.
//!
//! Every entity id is a UUID wrapped in its own type so that a `UserId` can never be passed
//! where a `CourseId` is expected. Upstream systems may use any opaque string as an id
//! (`user_123`); [`IdKind::map_external`] turns such a string into a stable UUID v5 in a
//! namespace per entity kind, so that references between records resolve without a lookup
//! (spec README, decision 11).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;
use uuid::Uuid;

/// Why an external id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be 1 to 128 characters")]
    Length,
    #[error("may contain only letters, digits and . _ : -")]
    Charset,
}

/// The entity kinds that carry their own id; each has its own UUID v5 namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Organization,
    Department,
    Team,
    User,
    Session,
    Course,
    Module,
    Enrollment,
    Assessment,
    AssessmentAttempt,
    Skill,
    LearningPath,
    Topic,
    ContentItem,
    PracticeSubmission,
    CourseReview,
    Kpi,
    ValueProposition,
    UpstreamRecommendation,
}

/// Root namespace of all per-kind namespaces (a fixed random UUID; never change it, or every
/// mapped external id would move).
const ROOT_NAMESPACE: Uuid = Uuid::from_u128(0x6c61_2d61_6e61_6c79_7469_6373_2d69_6473);

impl IdKind {
    pub fn slug(self) -> &'static str {
        match self {
            IdKind::Organization => "organization",
            IdKind::Department => "department",
            IdKind::Team => "team",
            IdKind::User => "user",
            IdKind::Session => "session",
            IdKind::Course => "course",
            IdKind::Module => "module",
            IdKind::Enrollment => "enrollment",
            IdKind::Assessment => "assessment",
            IdKind::AssessmentAttempt => "assessment-attempt",
            IdKind::Skill => "skill",
            IdKind::LearningPath => "learning-path",
            IdKind::Topic => "topic",
            IdKind::ContentItem => "content-item",
            IdKind::PracticeSubmission => "practice-submission",
            IdKind::CourseReview => "course-review",
            IdKind::Kpi => "kpi",
            IdKind::ValueProposition => "value-proposition",
            IdKind::UpstreamRecommendation => "upstream-recommendation",
        }
    }

    pub const ALL: [IdKind; 19] = [
        IdKind::Organization,
        IdKind::Department,
        IdKind::Team,
        IdKind::User,
        IdKind::Session,
        IdKind::Course,
        IdKind::Module,
        IdKind::Enrollment,
        IdKind::Assessment,
        IdKind::AssessmentAttempt,
        IdKind::Skill,
        IdKind::LearningPath,
        IdKind::Topic,
        IdKind::ContentItem,
        IdKind::PracticeSubmission,
        IdKind::CourseReview,
        IdKind::Kpi,
        IdKind::ValueProposition,
        IdKind::UpstreamRecommendation,
    ];

    /// The entity whose table holds ids of this kind, if any (topics live inside learning
    /// paths and have no table of their own).
    pub fn entity(self) -> Option<crate::model::EntityKind> {
        use crate::model::EntityKind as E;
        Some(match self {
            IdKind::Organization => E::Organizations,
            IdKind::Department => E::Departments,
            IdKind::Team => E::Teams,
            IdKind::User => E::Users,
            IdKind::Session => E::Sessions,
            IdKind::Course => E::Courses,
            IdKind::Module => E::Modules,
            IdKind::Enrollment => E::Enrollments,
            IdKind::Assessment => E::Assessments,
            IdKind::AssessmentAttempt => E::AssessmentAttempts,
            IdKind::Skill => E::Skills,
            IdKind::LearningPath => E::LearningPaths,
            IdKind::Topic => return None,
            IdKind::ContentItem => E::ContentItems,
            IdKind::PracticeSubmission => E::PracticeSubmissions,
            IdKind::CourseReview => E::CourseReviews,
            IdKind::Kpi => E::Kpis,
            IdKind::ValueProposition => E::ValuePropositions,
            IdKind::UpstreamRecommendation => E::UpstreamRecommendations,
        })
    }

    /// This kind's UUID v5 namespace (computed once: mapping ids is a hot path of ingestion).
    pub fn namespace(self) -> Uuid {
        static NAMESPACES: OnceLock<Vec<Uuid>> = OnceLock::new();
        NAMESPACES.get_or_init(|| {
            IdKind::ALL
                .iter()
                .map(|kind| Uuid::new_v5(&ROOT_NAMESPACE, kind.slug().as_bytes()))
                .collect()
        })[self as usize]
    }

    /// Maps an external id to the internal UUID: a UUID is kept as it is, any other valid
    /// string becomes UUID v5 of the string in this kind's namespace.
    pub fn map_external(self, external: &str) -> Result<Uuid, IdError> {
        if external.is_empty() || external.len() > 128 {
            return Err(IdError::Length);
        }
        if let Ok(uuid) = Uuid::parse_str(external) {
            return Ok(uuid);
        }
        if !external
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        {
            return Err(IdError::Charset);
        }
        Ok(Uuid::new_v5(&self.namespace(), external.as_bytes()))
    }
}

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub const KIND: IdKind = IdKind::$kind;

            /// The internal id of an upstream (external) id of this kind.
            pub fn from_external(external: &str) -> Result<Self, IdError> {
                IdKind::$kind.map_external(external).map(Self)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    )*};
}

id_types! {
    /// An organisation (tenant).
    OrgId => Organization;
    DepartmentId => Department;
    TeamId => Team;
    UserId => User;
    SessionId => Session;
    CourseId => Course;
    ModuleId => Module;
    EnrollmentId => Enrollment;
    AssessmentId => Assessment;
    AttemptId => AssessmentAttempt;
    SkillId => Skill;
    PathId => LearningPath;
    /// A learning-path topic (unique across paths).
    TopicId => Topic;
    ContentId => ContentItem;
    SubmissionId => PracticeSubmission;
    ReviewId => CourseReview;
    KpiId => Kpi;
    ValuePropId => ValueProposition;
    RecommendationId => UpstreamRecommendation;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_external_id_is_kept_as_it_is() {
        let uuid = Uuid::new_v4();
        assert_eq!(UserId::from_external(&uuid.to_string()).unwrap().0, uuid);
    }

    #[test]
    fn external_ids_map_stably_and_per_kind() {
        let a = UserId::from_external("user_123").unwrap();
        assert_eq!(a, UserId::from_external("user_123").unwrap());
        assert_ne!(a.0, CourseId::from_external("user_123").unwrap().0);
        assert_ne!(a, UserId::from_external("user_124").unwrap());
    }

    #[test]
    fn namespaces_are_distinct_and_indexed_by_kind() {
        for (i, kind) in IdKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i);
        }
        let mut all: Vec<Uuid> = IdKind::ALL.iter().map(|k| k.namespace()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), IdKind::ALL.len());
    }

    #[test]
    fn bad_external_ids_are_refused_with_a_reason() {
        assert_eq!(UserId::from_external(""), Err(IdError::Length));
        assert_eq!(
            UserId::from_external(&"x".repeat(129)),
            Err(IdError::Length)
        );
        assert_eq!(UserId::from_external("a b"), Err(IdError::Charset));
        assert_eq!(UserId::from_external("ü"), Err(IdError::Charset));
        assert!(UserId::from_external(&"x".repeat(128)).is_ok());
        assert!(UserId::from_external("org:42.a_b-c").is_ok());
    }
}
