//! Computed analytics as stored (layer 2 of `data.md` 2): one current result per subject,
//! role, analytics type and parameter set, with the facts the response envelope needs.

use chrono::{DateTime, Utc};
use la_domain::coverage::{Origin, Sources};
use la_domain::{OrgId, Role};
use uuid::Uuid;

/// What an analytic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectType {
    User,
    Organization,
    /// The whole platform (skill demand); stored with the nil UUID as its id.
    Platform,
}

impl SubjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::User => "user",
            SubjectType::Organization => "organization",
            SubjectType::Platform => "platform",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            SubjectType::User,
            SubjectType::Organization,
            SubjectType::Platform,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// `status` of the envelope (decision 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultStatus {
    Complete,
    Partial,
    InsufficientData,
}

impl ResultStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Complete => "complete",
            ResultStatus::Partial => "partial",
            ResultStatus::InsufficientData => "insufficient_data",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ResultStatus::Complete,
            ResultStatus::Partial,
            ResultStatus::InsufficientData,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// The identity of a stored result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResultKey {
    pub subject_type: SubjectType,
    /// The user or organisation; the nil UUID for the platform.
    pub subject_id: Uuid,
    /// The role the result was computed for; `None` for the platform subject.
    pub role: Option<Role>,
    /// The storage name of the analytic (`velocity`, `course-health`, …; `data.md` 3.3).
    pub analytics_type: String,
    /// Sorted `k=v&…` of the parameters that change the output, e.g. `window=30d`.
    pub params_key: String,
}

/// An analytic's output as JSON text: serialised once when computed (in parallel, without an
/// intermediate tree) and served as it is. Two documents are equal when they hold the same
/// JSON value (PostgreSQL's `jsonb` reorders keys and drops whitespace).
#[derive(Debug, Clone)]
pub struct JsonDocument(String);

impl PartialEq for JsonDocument {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.to_value() == other.to_value()
    }
}

impl JsonDocument {
    pub fn from_serializable<T: serde::Serialize>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(JsonDocument)
    }

    /// Wraps text that is known to be JSON (read back from the database), checking it.
    pub fn from_text(text: String) -> Result<Self, serde_json::Error> {
        serde_json::from_str::<&serde_json::value::RawValue>(&text)?;
        Ok(JsonDocument(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The document as a JSON tree (for tests and rare inspection; serving uses the text).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).expect("a JsonDocument holds valid JSON")
    }
}

/// One stored result.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    pub key: ResultKey,
    pub organization_id: Option<OrgId>,
    /// The analytic's output object; `None` when the status is `insufficient_data`.
    pub data: Option<JsonDocument>,
    pub status: ResultStatus,
    pub low_confidence: bool,
    /// Share of required input families present, 0-1.
    pub coverage: f64,
    pub warnings: Vec<String>,
    pub calculated_at: DateTime<Utc>,
    pub calculation_ms: i64,
    /// Where the inputs came from overall (`data.md` `input_origin`): the worst of `sources`.
    pub input_origin: Origin,
    /// Per input family read: its origin and last successful sync (`data.md` `sources`).
    pub sources: Sources,
}
