//! One struct per entity of `analytics.md` section 9, with the optional fields of decision 8
//! (`Module.skillIds`, `Assessment.dueAt`, departments/teams as entities). Entities without
//! their own id are keyed by the natural keys of decision 11 (see `natural key` below).

use super::enums::*;
use crate::ids::*;
use crate::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

type Ts = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: OrgId,
    /// The upstream's own id when it is not a UUID (kept for upstream calls; decision 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub name: String,
    pub timezone: Option<String>,
    #[serde(default)]
    pub settings: OrgSettings,
}

/// Organisation-level analytic settings (all optional; analytics fall back to spec defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrgSettings {
    pub alignment_weights: Option<AlignmentWeights>,
    pub gap_closure_target: Option<f64>,
    pub ksi_target: Option<f64>,
    pub recommended_hours_per_week: Option<f64>,
    pub training_investment: Vec<TrainingInvestment>,
    pub value_per_skill: Option<f64>,
}

/// Weights `{k, s, t}` of the strategic alignment score (AS-003.12).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlignmentWeights {
    pub k: f64,
    pub s: f64,
    pub t: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInvestment {
    /// A period label such as `2026-Q3`.
    pub period: String,
    pub amount: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    pub id: DepartmentId,
    pub org_id: OrgId,
    pub parent_id: Option<DepartmentId>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: TeamId,
    pub org_id: OrgId,
    /// The department the team belongs to.
    pub parent_id: Option<DepartmentId>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    /// The upstream's own id when it is not a UUID (kept for upstream calls; decision 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub org_id: Option<OrgId>,
    pub department_id: Option<DepartmentId>,
    pub team_id: Option<TeamId>,
    pub display_name: String,
    /// Only users who log in need one (decision 8); stored lowercased.
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub timezone: Option<String>,
    pub competency_level: SkillLevel,
    #[serde(default = "default_true")]
    pub is_active: bool,
    pub created_at: Ts,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub started_at: Ts,
    pub ended_at: Option<Ts>,
    pub last_activity_at: Option<Ts>,
    pub device: Option<String>,
    pub course_id: Option<CourseId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    pub id: CourseId,
    /// The upstream's own id when it is not a UUID (kept for upstream calls; decision 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub title: String,
    pub category: String,
    pub owner_org_id: Option<OrgId>,
    pub trainer_ids: Vec<UserId>,
    pub is_active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub estimated_duration_weeks: Option<f64>,
    /// Percent, default 75 where absent (AS-002).
    pub target_completion_rate: Option<f64>,
    pub issues_certificate: bool,
    pub taught_skills: Vec<TaughtSkill>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaughtSkill {
    pub skill_id: SkillId,
    pub level: SkillLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    pub id: ModuleId,
    pub course_id: CourseId,
    pub order: i32,
    pub name: String,
    pub estimated_hours: Option<f64>,
    pub topic_id: Option<TopicId>,
    #[serde(default)]
    pub skill_ids: Vec<SkillId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    pub id: EnrollmentId,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub enrolled_at: Ts,
    pub status: EnrollmentStatus,
    pub progress_pct: f64,
    pub completed_at: Option<Ts>,
    pub last_activity_at: Option<Ts>,
    pub assignment_type: AssignmentType,
    pub due_date: Option<NaiveDate>,
}

/// Natural key (userId, moduleId).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleProgress {
    pub user_id: UserId,
    pub module_id: ModuleId,
    pub started_at: Option<Ts>,
    pub completed_at: Option<Ts>,
    pub progress_pct: f64,
    pub time_spent_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub id: AssessmentId,
    pub course_id: Option<CourseId>,
    pub module_id: Option<ModuleId>,
    pub kind: AssessmentKind,
    pub max_score: f64,
    /// Percent; 70 applies only when an attempt carries no `passed` flag (AS-001.5).
    pub pass_threshold: Option<f64>,
    pub required: bool,
    pub topic_id: Option<TopicId>,
    #[serde(default)]
    pub skill_ids: Vec<SkillId>,
    pub due_at: Option<Ts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentAttempt {
    pub id: AttemptId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    pub attempt_no: i32,
    pub started_at: Ts,
    pub submitted_at: Ts,
    pub duration_minutes: f64,
    pub score: f64,
    pub max_score: f64,
    pub passed: bool,
    pub question_results: Option<Vec<QuestionResult>>,
}

impl AssessmentAttempt {
    /// `scorePct = score / maxScore * 100` (`analytics.md` 0.2); `None` when maxScore is 0.
    pub fn score_pct(&self) -> Option<f64> {
        (self.max_score > 0.0).then(|| self.score / self.max_score * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResult {
    pub question_id: String,
    pub tag: String,
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    pub id: SkillId,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub prerequisite_skill_ids: Vec<SkillId>,
}

/// Natural key (userId, skillId).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSkill {
    pub user_id: UserId,
    pub skill_id: SkillId,
    pub current_level: SkillLevel,
    pub acquired: bool,
    pub acquired_at: Option<Ts>,
    pub acquired_via: Option<AcquiredVia>,
    pub updated_at: Ts,
}

/// Natural key (userId, skillId, source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillTarget {
    pub user_id: UserId,
    pub skill_id: SkillId,
    pub target_level: SkillLevel,
    pub source: TargetSource,
    pub business_priority: BusinessPriority,
    pub business_justification: Option<String>,
    pub deadline: Option<NaiveDate>,
}

/// Natural key (skillId, asOf).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillDemand {
    pub skill_id: SkillId,
    /// 0-100.
    pub market_demand: f64,
    pub market_trend: Option<String>,
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningPath {
    pub id: PathId,
    pub name: String,
    pub difficulty: Difficulty,
    pub target_competency: Option<SkillLevel>,
    pub topics: Vec<PathTopic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathTopic {
    pub topic_id: TopicId,
    pub name: String,
    #[serde(default)]
    pub skill_ids: Vec<SkillId>,
}

/// Natural key (userId, pathId).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLearningPath {
    pub user_id: UserId,
    pub path_id: PathId,
    pub status: PathStatus,
    pub started_at: Ts,
    pub target_date: Option<NaiveDate>,
    pub topics_total: i32,
    pub topics_completed: i32,
    pub progress_pct: f64,
    pub completed_at: Option<Ts>,
    pub last_activity_at: Ts,
}

/// Natural key (userId, pathId, topicId).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicCompletion {
    pub user_id: UserId,
    pub path_id: PathId,
    pub topic_id: TopicId,
    pub completed_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentItem {
    pub id: ContentId,
    /// The upstream's own id when it is not a UUID (kept for upstream calls; decision 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub course_id: Option<CourseId>,
    pub module_id: Option<ModuleId>,
    pub title: String,
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub creation_method: CreationMethod,
    pub created_by: Option<UserId>,
    pub created_at: Ts,
    pub owner_org_id: Option<OrgId>,
}

/// Natural key (userId, contentId, startedAt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInteraction {
    pub user_id: UserId,
    pub content_id: ContentId,
    pub started_at: Ts,
    pub last_interaction_at: Ts,
    pub duration_seconds: f64,
    pub progress_pct: f64,
    pub completed: bool,
    pub completed_at: Option<Ts>,
}

/// Natural key (contentId, sharedBy, sharedAt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentShare {
    pub content_id: ContentId,
    pub shared_by: UserId,
    pub shared_at: Ts,
}

/// Natural key (userId, occurredAt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelpRequest {
    pub user_id: UserId,
    pub occurred_at: Ts,
    pub course_id: Option<CourseId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PracticeSubmission {
    pub id: SubmissionId,
    pub user_id: UserId,
    pub topic_id: Option<TopicId>,
    #[serde(default)]
    pub skill_ids: Vec<SkillId>,
    pub started_at: Ts,
    pub completed_at: Option<Ts>,
    pub status: PracticeStatus,
    pub passed: bool,
    pub score: Option<f64>,
    pub duration_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseReview {
    pub id: ReviewId,
    pub course_id: CourseId,
    pub trainer_id: Option<UserId>,
    pub user_id: UserId,
    /// 1-5 stars.
    pub rating: i32,
    pub comment: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kpi {
    pub id: KpiId,
    pub org_id: OrgId,
    pub department_id: Option<DepartmentId>,
    pub name: String,
    pub target: f64,
    pub achieved: f64,
    pub weight: f64,
    #[serde(default)]
    pub linked_skill_ids: Vec<SkillId>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueProposition {
    pub id: ValuePropId,
    pub org_id: OrgId,
    pub period_start: NaiveDate,
    pub period_end: Option<NaiveDate>,
    pub skills: Vec<RequiredSkill>,
    pub applies_to: Option<AppliesTo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredSkill {
    pub skill_id: SkillId,
    pub required_level: SkillLevel,
    pub business_priority: BusinessPriority,
    pub justification: Option<String>,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliesTo {
    pub department_ids: Vec<DepartmentId>,
}

/// Natural key (orgId, userId, kind, occurredAt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MentoringEvent {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub kind: MentoringKind,
    pub occurred_at: Ts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamRecommendation {
    pub id: RecommendationId,
    pub user_id: UserId,
    pub kind: RecommendationKind,
    /// The recommended path, skill or content id, as the upstream names it.
    pub target_id: String,
    pub reason: String,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
}
