//! Storage names of the analytics (`data.md` 3.3: the API path names).

pub const VELOCITY: &str = "velocity";
pub const SKILL_GAP: &str = "skill-gap";
pub const ENGAGEMENT: &str = "engagement";
pub const MASTERY: &str = "mastery";
pub const PERFORMANCE: &str = "performance";
pub const CONTENT_EFFECTIVENESS: &str = "content-effectiveness";
pub const DROP_OFF_RISK: &str = "drop-off-risk";
pub const FORECAST: &str = "forecast";
pub const RECOMMENDATIONS: &str = "recommendations";
pub const PEER: &str = "peer";
pub const SKILL_DEMAND: &str = "skill-demand";

pub const COURSE_PERFORMANCE: &str = "course-performance";
pub const COURSE_HEALTH: &str = "course-health";
pub const STUDENT_DISTRIBUTION: &str = "student-distribution";
pub const TEACHING_EFFECTIVENESS: &str = "teaching-effectiveness";

pub const ORG_LEARNING_VELOCITY: &str = "learning-velocity";
pub const STRATEGIC_ALIGNMENT: &str = "strategic-alignment";
pub const LEARNING_CULTURE: &str = "learning-culture";
pub const ORG_PERFORMANCE: &str = "org-performance";

pub const GAMIFICATION_STATS: &str = "gamification-stats";
pub const GAMIFICATION_ACHIEVEMENTS: &str = "gamification-achievements";
pub const GAMIFICATION_STREAK: &str = "gamification-streak";
/// Gamification views take no window.
pub const GAMIFICATION_PARAMS: &str = "default";

/// The learner analytics computed per learner by the batch.
pub const LEARNER: [&str; 6] = [
    VELOCITY,
    SKILL_GAP,
    ENGAGEMENT,
    MASTERY,
    PERFORMANCE,
    CONTENT_EFFECTIVENESS,
];
