//! Organisation analytics (`analytics.md` section 4, AS-003.11 … AS-003.14): subject = an
//! organisation, role = org admin.
//!
//! Inputs common to all four: the [`OrgRecord`](crate::analytics::OrgRecord) (departments,
//! teams, KPIs, value propositions, settings), the members' `LearnerRecord`s (employees =
//! org users with the learner role, see [`workforce`]), the
//! [`Catalog`](crate::analytics::Catalog), and the per-employee results of learner analytics
//! as plain numbers ([`OrgMetricsInput`], built once per batch by [`build_org_metrics`]).
//!
//! Calendar boundaries (quarters, months, the dates of `dateRange`, week starts) are days in
//! the clock's timezone: the batch passes `Clock::in_zone(now, org.timezone)` (UTC when
//! unknown); each employee's streak uses the employee's own timezone.
//!
//! Privacy (`analytics.md` 7, decision 14): the org admin sees their own organisation's
//! totals whatever its size; every department or team figure needs K = 10 employees, with
//! complementary suppression among siblings ([`workforce::suppress_families`]); a hidden
//! group appears as its id and name plus `{insufficientData: true, minimumRequired: 10}`,
//! and a shown group carries `sampleSize`. The worker list of AS-003.13
//! (`includeWorkers`) is the only place named people appear, limited to its key metrics.
//!
//! | Id | Module | Entry point |
//! |---|---|---|
//! | AS-003.11 | [`learning_velocity`] | `compute(org, members, catalog, metrics, clock, &VelocityParams)` |
//! | AS-003.12 | [`strategic_alignment`] | `compute(org, members, catalog, metrics, clock, &AlignmentParams)` |
//! | AS-003.13 | [`team_analytics`] | `compute(org, members, metrics, clock, &TeamParams)` |
//! | AS-003.14 | [`learning_culture`] | `compute(org, members, catalog, metrics, clock, span)` |

pub mod learning_culture;
pub mod learning_velocity;
pub mod period;
pub mod shared;
pub mod strategic_alignment;
pub mod team_analytics;
#[cfg(test)]
pub(crate) mod test_support;
pub mod workforce;

pub use period::{DateRange, Quarter, Span};
pub use shared::Grade;
pub use workforce::{
    DropOffRiskLevel, EmployeeMetrics, OrgMetricsInput, build_org_metrics, current_streak_of,
};
