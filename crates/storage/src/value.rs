//! A dialect-neutral column value.
//!
//! Records of the ingestion model turn into rows of [`Value`]s once (in `records.rs`); each
//! backend then binds them in its own encoding (UUID as `uuid` or 16-byte BLOB, timestamps as
//! `timestamptz` or RFC 3339 text, JSON as `jsonb` or text). This keeps the column mapping of
//! every entity in one place for both databases.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use la_domain::ids::*;
use la_domain::model::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Ts(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Json(Option<serde_json::Value>),
    Bytes(Option<Vec<u8>>),
}

/// SQLite stores timestamps as text in one fixed format (microseconds, `Z`), so that text
/// order equals time order.
pub(crate) fn sqlite_timestamp(ts: &DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SQLite stores dates as `YYYY-MM-DD` text.
const SQLITE_DATE: &str = "%Y-%m-%d";

pub(crate) fn sqlite_date(date: &NaiveDate) -> String {
    date.format(SQLITE_DATE).to_string()
}

/// The read side of [`sqlite_timestamp`] (any RFC 3339 text).
pub(crate) fn parse_sqlite_timestamp(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.to_utc())
}

/// The read side of [`sqlite_date`].
pub(crate) fn parse_sqlite_date(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(text, SQLITE_DATE)
}

/// Conversion of a record field into a column value.
pub(crate) trait ToValue {
    fn to_value(&self) -> Value;
}

/// The typed NULL of a field type (PostgreSQL needs the parameter type even for NULL).
pub(crate) trait Nullable {
    fn null() -> Value;
}

impl<T: ToValue + Nullable> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => T::null(),
        }
    }
}

impl<T: ToValue> ToValue for &T {
    fn to_value(&self) -> Value {
        (*self).to_value()
    }
}

macro_rules! uuid_values {
    ($($id:ty),*) => {$(
        impl ToValue for $id {
            fn to_value(&self) -> Value { Value::Uuid(Some(self.0)) }
        }
        impl Nullable for $id {
            fn null() -> Value { Value::Uuid(None) }
        }
    )*};
}
uuid_values!(
    OrgId,
    DepartmentId,
    TeamId,
    UserId,
    SessionId,
    CourseId,
    ModuleId,
    EnrollmentId,
    AssessmentId,
    AttemptId,
    SkillId,
    PathId,
    TopicId,
    ContentId,
    SubmissionId,
    ReviewId,
    KpiId,
    ValuePropId,
    RecommendationId
);

macro_rules! text_values {
    ($($ty:ty),*) => {$(
        impl ToValue for $ty {
            fn to_value(&self) -> Value { Value::Text(Some(self.as_str().to_owned())) }
        }
        impl Nullable for $ty {
            fn null() -> Value { Value::Text(None) }
        }
    )*};
}
text_values!(
    EnrollmentStatus,
    AssignmentType,
    AssessmentKind,
    AcquiredVia,
    TargetSource,
    BusinessPriority,
    Difficulty,
    PathStatus,
    ContentType,
    CreationMethod,
    PracticeStatus,
    MentoringKind,
    RecommendationKind,
    DataSource,
    String
);

impl ToValue for Uuid {
    fn to_value(&self) -> Value {
        Value::Uuid(Some(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(Some(*self))
    }
}
impl Nullable for f64 {
    fn null() -> Value {
        Value::Real(None)
    }
}
impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Int(Some(i64::from(*self)))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(Some(*self))
    }
}
impl ToValue for SkillLevel {
    fn to_value(&self) -> Value {
        Value::Int(Some(i64::from(self.value())))
    }
}
impl Nullable for SkillLevel {
    fn null() -> Value {
        Value::Int(None)
    }
}
impl ToValue for DateTime<Utc> {
    fn to_value(&self) -> Value {
        Value::Ts(Some(*self))
    }
}
impl Nullable for DateTime<Utc> {
    fn null() -> Value {
        Value::Ts(None)
    }
}
impl ToValue for NaiveDate {
    fn to_value(&self) -> Value {
        Value::Date(Some(*self))
    }
}
impl Nullable for NaiveDate {
    fn null() -> Value {
        Value::Date(None)
    }
}

/// A field stored as a JSON document (lists and nested objects of the model).
pub(crate) struct AsJson<'a, T: Serialize>(pub &'a T);

impl<T: Serialize> ToValue for AsJson<'_, T> {
    fn to_value(&self) -> Value {
        // Serialising plain model structs cannot fail (no maps with non-string keys).
        Value::Json(Some(
            serde_json::to_value(self.0).expect("model values serialise to JSON"),
        ))
    }
}

/// An optional field stored as JSON; `None` is SQL NULL.
pub(crate) struct AsOptJson<'a, T: Serialize>(pub &'a Option<T>);

impl<T: Serialize> ToValue for AsOptJson<'_, T> {
    fn to_value(&self) -> Value {
        match self.0 {
            Some(v) => AsJson(v).to_value(),
            None => Value::Json(None),
        }
    }
}
