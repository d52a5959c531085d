//! Comparison and benchmarking (AS-005.18, AS-005.19), under k-anonymity (`analytics.md`
//! sections 6 and 7).
//!
//! - [`skill_demand`]: AS-005.18 Platform Skill Demand Analytics (`platform_skill_demand`),
//!   plus the per-skill `demandScore` map AS-001.2 reads as `careerImpact`.
//! - [`peer`]: AS-005.19 Peer Comparison (Privacy-Preserved) (`peer_comparison`), over a
//!   [`peer::PeerIndex`] built once per batch from per-learner metric snapshots.
//!
//! Privacy (section 7.1) as applied here: every statistic about other people needs at least
//! K = 10 distinct users, the subject excluded, and goes through
//! [`Guarded`](crate::analytics::privacy::Guarded); below K only the marker
//! `{insufficientData: true, minimumRequired: 10}` is shown and the real size is never
//! disclosed; no peer identity and no absolute rank ever leaves these modules.

pub mod peer;
pub mod skill_demand;
