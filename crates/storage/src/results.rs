//! The column mapping of stored analytics results (`analytics_results`).

use crate::decode::{Cells, Decode, DecodeResult};
use crate::records::Record;
use crate::value::{AsJson, ToValue, Value};
use la_app::ports::StoreError;
use la_app::results::{JsonDocument, ResultKey, ResultStatus, StoredResult, SubjectType};
use la_domain::coverage::Origin;
use la_domain::{OrgId, Role};

/// The stored spelling of "no role" (the platform subject); see migration 0002.
const NO_ROLE: &str = "none";

fn role_text(role: Option<Role>) -> String {
    role.map_or(NO_ROLE, Role::as_str).to_owned()
}

impl Record for StoredResult {
    const TABLE: &'static str = "analytics_results";
    const KEY: &'static [&'static str] = &[
        "subject_type",
        "subject_id",
        "role",
        "analytics_type",
        "params_key",
    ];
    const COLUMNS: &'static [&'static str] = &[
        "subject_type",
        "subject_id",
        "role",
        "analytics_type",
        "params_key",
        "organization_id",
        "payload",
        "status",
        "low_confidence",
        "coverage",
        "warnings",
        "calculated_at",
        "calculation_ms",
        "input_origin",
        "sources",
    ];

    fn push_values(&self, out: &mut Vec<Value>) {
        let key = &self.key;
        out.push(Value::Text(Some(key.subject_type.as_str().to_owned())));
        out.push(key.subject_id.to_value());
        out.push(Value::Text(Some(role_text(key.role))));
        out.push(key.analytics_type.to_value());
        out.push(key.params_key.to_value());
        out.push(self.organization_id.to_value());
        out.push(Value::Bytes(self.data.as_ref().map(compress)));
        out.push(Value::Text(Some(self.status.as_str().to_owned())));
        out.push(self.low_confidence.to_value());
        out.push(self.coverage.to_value());
        out.push(AsJson(&self.warnings).to_value());
        out.push(self.calculated_at.to_value());
        out.push(Value::Int(Some(self.calculation_ms)));
        out.push(Value::Text(Some(self.input_origin.as_str().to_owned())));
        out.push(AsJson(&self.sources).to_value());
    }
}

impl Decode for StoredResult {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        let subject_type = c.parsed(|s| SubjectType::parse(s).ok_or("unknown subject type"))?;
        let subject_id = c.uuid()?;
        let role = c.parsed(|s| match s {
            NO_ROLE => Ok(None),
            other => Role::parse_wire(other).map(Some),
        })?;
        let analytics_type = c.text()?;
        let params_key = c.text()?;
        Ok(StoredResult {
            key: ResultKey {
                subject_type,
                subject_id,
                role,
                analytics_type,
                params_key,
            },
            organization_id: c.opt_uuid()?.map(OrgId),
            data: c.opt_bytes()?.map(|bytes| decompress(&bytes)).transpose()?,
            status: c.parsed(|s| ResultStatus::parse(s).ok_or("unknown status"))?,
            low_confidence: c.bool()?,
            coverage: c.f64()?,
            warnings: c.json()?,
            calculated_at: c.ts()?,
            calculation_ms: c
                .opt_i64()?
                .ok_or_else(|| StoreError::Corrupt("calculation_ms is NULL".to_owned()))?,
            input_origin: c.parsed(|s| Origin::parse(s).ok_or("unknown input origin"))?,
            sources: c.json()?,
        })
    }
}

/// A document as stored in `payload`: its JSON text compressed with lz4 (block format, the
/// uncompressed length prepended), see migration 0006. Results are compressed where they are
/// written, once, and decompressed only when one is read.
fn compress(document: &JsonDocument) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(document.as_str().as_bytes())
}

fn decompress(bytes: &[u8]) -> Result<JsonDocument, StoreError> {
    let corrupt =
        |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("analytics_results.payload: {e}"));
    let raw = lz4_flex::block::decompress_size_prepended(bytes).map_err(|e| corrupt(&e))?;
    let text = String::from_utf8(raw).map_err(|e| corrupt(&e))?;
    JsonDocument::from_text(text).map_err(|e| corrupt(&e))
}

/// The filter selecting one key (parameters `$1`-`$5` in key order).
pub(crate) const KEY_FILTER: &str = "WHERE subject_type = $1 AND subject_id = $2 AND role = $3 \
     AND analytics_type = $4 AND params_key = $5";

/// The filter selecting one subject and role (parameters `$1`-`$3`).
pub(crate) const SUBJECT_FILTER: &str =
    "WHERE subject_type = $1 AND subject_id = $2 AND role = $3 ORDER BY analytics_type, params_key";

pub(crate) fn key_params(key: &ResultKey) -> Vec<Value> {
    let mut params = subject_params(key.subject_type, key.subject_id, key.role);
    params.push(key.analytics_type.to_value());
    params.push(key.params_key.to_value());
    params
}

pub(crate) fn subject_params(
    subject_type: SubjectType,
    subject_id: uuid::Uuid,
    role: Option<Role>,
) -> Vec<Value> {
    vec![
        Value::Text(Some(subject_type.as_str().to_owned())),
        subject_id.to_value(),
        Value::Text(Some(role_text(role))),
    ]
}
