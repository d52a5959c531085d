//! The `learning-analytics` binary's library half: configuration, telemetry and the
//! application builder. It is the only crate that names concrete adapters; everything else
//! sees ports.

pub mod config;
pub mod startup;
pub mod telemetry;

use chrono::{DateTime, SubsecRound, Utc};

/// The instant the demo data is generated up to (whole seconds, so that stored timestamps
/// are tidy).
pub fn demo_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}
