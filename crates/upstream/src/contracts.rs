//! Payload types of the upstream contracts (`integration.md` 3). Fields marked * there are
//! required here (a missing one makes the response malformed, a breaker failure); every
//! other field is optional, and unknown fields are ignored. Times are RFC 3339, a time
//! without offset is UTC (2.1).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

/// An RFC 3339 timestamp; without an offset it is read as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_ts(&text)
            .map(Ts)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time")))
    }
}

pub fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Some(ts.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// A calendar day given as a date or a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub NaiveDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_ts(&text)
            .map(|ts| Day(ts.date_naive()))
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date")))
    }
}

/// An id that upstreams may send as a string or a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        Ok(Id(match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Number(n) => n.to_string(),
        }))
    }
}

// ---- 3.1 Directory ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirUser {
    pub id: Id,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub organization_id: Id,
    pub department_id: Option<Id>,
    pub team_id: Option<Id>,
    pub hire_date: Option<Ts>,
    pub is_active: Option<bool>,
    pub profile: Option<Profile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirOrganization {
    pub id: Id,
    pub name: String,
    pub settings: Option<OrgSettings>,
    #[serde(default)]
    pub departments: Vec<DirDepartment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrgSettings {
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DirDepartment {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub teams: Vec<DirTeam>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DirTeam {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirKpi {
    pub id: Id,
    pub name: String,
    pub value: f64,
    pub target: Option<f64>,
    pub period: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginLog {
    pub id: Id,
    pub user_id: Id,
    pub login_time: Ts,
    pub logout_time: Option<Ts>,
    pub session_duration: Option<f64>,
    pub is_successful: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    pub id: Id,
    pub course_id: Id,
    pub trainer_id: Option<Id>,
    pub user_id: Id,
    pub rating: i32,
    pub comment: Option<String>,
    pub created_at: Ts,
}

// ---- 3.2 Course Builder ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseProgress {
    pub user_id: Id,
    pub course_id: Id,
    pub progress: f64,
    pub last_accessed: Option<Ts>,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseCompletion {
    pub user_id: Id,
    pub course_id: Id,
    pub completed_at: Ts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CbEnrollment {
    pub course_id: Id,
    pub user_id: Id,
    pub enrolled_at: Ts,
    pub enrollment_type: Option<String>,
    pub status: String,
    pub progress: Option<f64>,
    pub last_accessed: Option<Ts>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CbCourse {
    pub id: Id,
    pub title: String,
    pub category: Option<String>,
    pub organization_id: Option<Id>,
    #[serde(default)]
    pub trainer_ids: Vec<Id>,
    #[serde(default)]
    pub modules: Vec<CbModule>,
    #[serde(default)]
    pub taught_skills: Vec<CbTaughtSkill>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CbModule {
    pub id: Id,
    pub order: Option<i32>,
    pub name: Option<String>,
    pub estimated_hours: Option<f64>,
    pub topic_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CbTaughtSkill {
    pub skill_id: Id,
    pub level: Option<serde_json::Value>,
}

// ---- 3.3 Content Studio ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseContent {
    #[serde(alias = "contentId")]
    pub id: Id,
    pub module_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentMetadata {
    pub id: Id,
    pub title: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub created_at: Option<Ts>,
    pub course_id: Option<Id>,
    pub module_id: Option<Id>,
    pub creation_method: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInteraction {
    pub content_id: Id,
    pub started_at: Ts,
    pub last_interaction_at: Option<Ts>,
    pub duration_seconds: Option<f64>,
    pub progress: Option<f64>,
    pub completed: Option<bool>,
    pub completed_at: Option<Ts>,
}

// ---- 3.4 Assessment ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub id: Id,
    pub user_id: Id,
    pub assessment_id: Id,
    pub score: f64,
    pub max_score: f64,
    pub percentage: Option<f64>,
    pub attempt_number: i32,
    pub completed_at: Ts,
    pub time_spent: Option<f64>,
    pub status: Option<String>,
    pub threshold: Option<f64>,
    pub started_at: Option<Ts>,
    pub kind: Option<String>,
    pub course_id: Option<Id>,
    pub module_id: Option<Id>,
    #[serde(default)]
    pub skill_ids: Vec<Id>,
    pub question_results: Option<Vec<QuestionResult>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResult {
    pub question_id: Id,
    pub tag: Option<String>,
    pub correct: bool,
}

// ---- 3.5 Skills Engine ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSkill {
    pub id: Id,
    pub name: String,
    pub category: Option<String>,
    pub level: serde_json::Value,
    pub last_updated: Option<Ts>,
    pub acquired: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillAcquisition {
    pub user_id: Id,
    pub skill_id: Id,
    pub acquired_at: Ts,
    pub acquisition_method: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillTarget {
    pub skill_id: Id,
    pub target_level: serde_json::Value,
    pub source: Option<String>,
    pub deadline: Option<Day>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogSkill {
    pub skill_id: Id,
    pub name: String,
    pub category: Option<String>,
    #[serde(default)]
    pub prerequisite_skill_ids: Vec<Id>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Demand {
    pub skill_id: Id,
    pub market_demand: f64,
    pub market_trend: Option<String>,
    pub as_of: Day,
}

// ---- 3.6 Learner AI ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningPath {
    pub id: Id,
    pub title: String,
    pub difficulty: Option<String>,
    pub steps: Vec<PathStep>,
    pub target_date: Option<Day>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    pub order: Option<i32>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub completed_at: Option<Ts>,
    pub topic_id: Option<Id>,
    #[serde(default)]
    pub skill_ids: Vec<Id>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub title: String,
    pub reason: Option<String>,
}

// ---- 3.7 DevLab ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PracticeSession {
    pub id: Id,
    pub user_id: Id,
    pub started_at: Ts,
    pub completed_at: Option<Ts>,
    pub duration: Option<f64>,
    pub status: String,
    pub score: Option<f64>,
    pub passed: Option<bool>,
    pub topic_id: Option<Id>,
    #[serde(default)]
    pub skill_ids: Vec<Id>,
}

// ---- 3.8 RAG Assistant ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: Id,
    pub user_id: Id,
    pub timestamp: Ts,
    #[serde(rename = "type")]
    pub kind: String,
}

// ---- 3.9 MS12 ----

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ms12User {
    pub id: Id,
    pub email: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub organization_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ms12Login {
    pub user: Ms12User,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_without_offset_are_utc_and_ids_may_be_numbers() {
        let ts: Ts = serde_json::from_str("\"2026-01-02T03:04:05\"").expect("naive");
        assert_eq!(ts.0.to_rfc3339(), "2026-01-02T03:04:05+00:00");
        let ts: Ts = serde_json::from_str("\"2026-01-02T03:04:05+02:00\"").expect("offset");
        assert_eq!(ts.0.to_rfc3339(), "2026-01-02T01:04:05+00:00");
        assert!(serde_json::from_str::<Ts>("\"yesterday\"").is_err());
        let id: Id = serde_json::from_str("42").expect("number id");
        assert_eq!(id.0, "42");
    }

    #[test]
    fn required_fields_are_required() {
        let missing_email = r#"{"id": "u1", "organizationId": "o1"}"#;
        assert!(serde_json::from_str::<DirUser>(missing_email).is_err());
        let extra = r#"{"id": "u1", "email": "a@example.com", "organizationId": "o1", "x": 1}"#;
        assert!(serde_json::from_str::<DirUser>(extra).is_ok());
    }
}
