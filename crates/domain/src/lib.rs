//! The pure domain of the learning analytics service.
//!
//! Architecture invariant: this crate performs no I/O and has no async code. It holds the
//! vocabulary every other layer shares (ids, roles, the ingestion model of `analytics.md`
//! section 9) and, in later modules, the analytics formulas, gamification rules and privacy
//! rules. Everything here is deterministic given its inputs, which is what makes the
//! formulas testable with hand-computed examples.

pub mod analytics;
pub mod coverage;
pub mod ids;
pub mod jobs;
pub mod model;
pub mod role;

pub use ids::*;
pub use role::Role;
