//! Request bodies: `application/json` only (415 otherwise), parsed strictly (unknown fields
//! → 400), with every field problem reported at once under its field name.

use crate::error::ApiError;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Checks the content type and parses the body; a syntax or shape error becomes a 400 naming
/// the offending field where serde can tell it.
pub fn parse_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    require_json(headers)?;
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        // serde_json names unknown fields as "unknown field `x`, expected …".
        let field = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        match field {
            Some(field) => ApiError::validation(field, "is not a known field"),
            None if e.is_syntax() || e.is_eof() => {
                ApiError::validation("body", "is not well-formed JSON")
            }
            None => ApiError::validation("body", strip_position(&message)),
        }
    })
}

/// 415 unless the body is declared JSON (`application/json` or `application/*+json`).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || (v.starts_with("application/") && v.ends_with("+json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// serde's messages end with "at line 1 column 17"; the position helps nobody here.
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// Collects field errors so that all of them are reported together (`api.md` 3.7).
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// A required string field: present, a string, and within `min..=max` characters.
    pub fn string(
        &mut self,
        field: &str,
        value: Option<&serde_json::Value>,
        min: usize,
        max: usize,
    ) -> Option<String> {
        match value {
            None | Some(serde_json::Value::Null) => {
                self.add(field, "is required");
                None
            }
            Some(serde_json::Value::String(s)) => {
                let n = s.chars().count();
                if n < min || n > max {
                    self.add(field, format!("must be {min} to {max} characters"));
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                self.add(field, "must be a string");
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}
