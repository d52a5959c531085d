//! The analytics of `analytics.md`: one module per analytic, each a pure function from
//! typed inputs ([`input`]) and a [`Clock`] to a typed output whose serde form is exactly
//! the spec's `data` object.
//!
//! Conventions every module follows:
//! - the formula is documented next to the code, and the spec's worked example plus
//!   hand-computed boundary cases are unit tests in the same file;
//! - outputs never contain NaN or infinity; a missing denominator gives `null` (`Option`);
//! - only output fields are rounded ([`common::round_dp`]), never intermediate values;
//! - any statistic about other people goes through [`privacy::Guarded`] (k = 10);
//! - "not enough data to say anything" is [`Analysis::InsufficientData`], not an error.

pub mod activity;
pub mod common;
pub mod comparison;
pub mod gamification;
pub mod input;
pub mod learner;
pub mod org;
pub mod predictive;
pub mod privacy;
pub mod trainer;

pub use common::{Clock, K, Window};
pub use input::{Catalog, LearnerRecord, OrgRecord};
pub use privacy::Guarded;

use serde::Serialize;

/// The result of one analytic for one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Analysis<T> {
    Ready(T),
    /// Served as `200` with `data: null` and `status: "insufficient_data"` (decision 10).
    #[serde(serialize_with = "serialize_null")]
    InsufficientData(&'static str),
}

fn serialize_null<S: serde::Serializer>(_: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

impl<T> Analysis<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Analysis::Ready(value) => Some(value),
            Analysis::InsufficientData(_) => None,
        }
    }
}
