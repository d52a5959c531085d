//! The employee and segment view shared by the organisation analytics.
//!
//! - Employees = users of the organisation (`user.orgId` = the org) holding the learner role
//!   (`analytics.md` section 4); deactivated accounts (`isActive = false`) are not employees
//!   **(decided here)**.
//! - Per-employee results of learner analytics (AS-001.1 averagePace, AS-001.3 engagement
//!   score and its stored daily history, AS-001.4 masteryPercentage, AS-001.5 overall average
//!   score, AS-004.15 drop-off risk level, the current streak) are computed by the batch
//!   first and enter as plain numbers in [`EmployeeMetrics`], collected per organisation in
//!   [`OrgMetricsInput`] ([`build_org_metrics`]). A missing or non-finite number is "no
//!   value", never 0.
//! - Segments (departments, teams) hold their direct members; the department hierarchy is
//!   not rolled up **(decided here)**. Segments below K are hidden, with complementary
//!   suppression ([`suppress_families`]): siblings are all departments of the org (with the
//!   employees without a department as an extra, never shown segment); for teams, all teams
//!   of the org and, in addition, the teams of each parent department (with that
//!   department's members outside those teams as the extra segment) **(decided here)**.
//!   The organisation total is shown whatever its size (decision 14).

use crate::analytics::activity::{active_days, current_streak};
use crate::analytics::common::{Clock, K};
use crate::analytics::input::{LearnerRecord, OrgRecord};
use crate::analytics::privacy::complementary_suppression;
use crate::ids::{DepartmentId, TeamId, UserId};
use crate::role::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// AS-004.15 `riskLevel` (critical 75-100, high 50-74, medium 25-49, low 0-24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropOffRiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl DropOffRiskLevel {
    /// The AS-004.15 band of a risk score.
    pub fn from_risk_score(score: f64) -> Self {
        if score >= 75.0 {
            DropOffRiskLevel::Critical
        } else if score >= 50.0 {
            DropOffRiskLevel::High
        } else if score >= 25.0 {
            DropOffRiskLevel::Medium
        } else {
            DropOffRiskLevel::Low
        }
    }
}

/// Results of learner analytics for one employee, as plain numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmployeeMetrics {
    /// AS-001.1 `averagePace` (topics per week, last 30 days).
    pub average_pace: Option<f64>,
    /// AS-001.3 `overallScore` (0-100).
    pub engagement_score: Option<f64>,
    /// Stored daily AS-001.3 scores (decision 15, 90 days), any order; used for the
    /// AS-003.13 trend when the engagement metric is evaluated at past instants.
    pub engagement_history: Vec<(NaiveDate, f64)>,
    /// AS-001.4 `summary.masteryPercentage` (0-100).
    pub mastery_percentage: Option<f64>,
    /// AS-001.5 `overview.overallAverageScore` (0-100).
    pub average_score: Option<f64>,
    /// AS-004.15 `riskLevel` (maximum over active enrollments).
    pub drop_off_risk_level: Option<DropOffRiskLevel>,
    /// Current streak in days (`analytics.md` 8.2); see [`current_streak_of`].
    pub current_streak: Option<u32>,
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

impl EmployeeMetrics {
    pub const EMPTY: EmployeeMetrics = EmployeeMetrics {
        average_pace: None,
        engagement_score: None,
        engagement_history: Vec::new(),
        mastery_percentage: None,
        average_score: None,
        drop_off_risk_level: None,
        current_streak: None,
    };

    pub fn pace(&self) -> Option<f64> {
        finite(self.average_pace).map(|p| p.max(0.0))
    }

    pub fn engagement(&self) -> Option<f64> {
        finite(self.engagement_score)
    }

    pub fn mastery(&self) -> Option<f64> {
        finite(self.mastery_percentage)
    }

    pub fn score(&self) -> Option<f64> {
        finite(self.average_score)
    }

    /// The engagement score as of calendar day `date`: the current score when `date` is
    /// today or later, else the latest stored score dated on or before `date`.
    pub fn engagement_on(&self, date: NaiveDate, today: NaiveDate) -> Option<f64> {
        if date >= today {
            return self.engagement();
        }
        self.engagement_history
            .iter()
            .filter(|(d, v)| *d <= date && v.is_finite())
            .max_by_key(|(d, _)| *d)
            .map(|(_, v)| *v)
    }
}

static EMPTY_METRICS: EmployeeMetrics = EmployeeMetrics::EMPTY;

/// The current streak of `analytics.md` 8.2 from a learner's activity, in the learner's
/// timezone (UTC when unknown): a builder for [`EmployeeMetrics::current_streak`].
pub fn current_streak_of(record: &LearnerRecord, now: DateTime<Utc>) -> u32 {
    let clock = Clock::in_zone(now, record.user.timezone.as_deref());
    current_streak(&active_days(record, &clock), clock.today())
}

/// Per-employee learner results of one organisation, computed once per batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgMetricsInput {
    pub employees: BTreeMap<UserId, EmployeeMetrics>,
}

impl OrgMetricsInput {
    pub fn of(&self, user: UserId) -> &EmployeeMetrics {
        self.employees.get(&user).unwrap_or(&EMPTY_METRICS)
    }
}

/// Collects the per-employee numbers the batch computed (later entries for the same user
/// replace earlier ones).
pub fn build_org_metrics(
    entries: impl IntoIterator<Item = (UserId, EmployeeMetrics)>,
) -> OrgMetricsInput {
    OrgMetricsInput {
        employees: entries.into_iter().collect(),
    }
}

/// One employee: the raw record plus the learner-analytics numbers.
#[derive(Debug, Clone, Copy)]
pub struct Employee<'a> {
    pub record: &'a LearnerRecord,
    pub metrics: &'a EmployeeMetrics,
}

impl<'a> Employee<'a> {
    pub fn id(&self) -> UserId {
        self.record.user.id
    }

    pub fn department(&self) -> Option<DepartmentId> {
        self.record.user.department_id
    }

    pub fn team(&self) -> Option<TeamId> {
        self.record.user.team_id
    }
}

/// Whether a user is an employee of the organisation.
pub fn is_employee(org: &OrgRecord, record: &LearnerRecord) -> bool {
    let user = &record.user;
    user.org_id == Some(org.org.id) && user.is_active && user.roles.contains(&Role::Learner)
}

/// A segment (department or team) with its direct members and whether it may be shown.
#[derive(Debug, Clone)]
pub struct Segment<'a, Id> {
    pub id: Id,
    pub name: String,
    pub members: Vec<Employee<'a>>,
    pub shown: bool,
}

/// The employees of one organisation.
#[derive(Debug, Clone)]
pub struct Workforce<'a> {
    pub org: &'a OrgRecord,
    /// Sorted by user id, without duplicates.
    pub employees: Vec<Employee<'a>>,
}

impl<'a> Workforce<'a> {
    /// The employees among `members` (records of other organisations, non-learners and
    /// deactivated users are ignored).
    pub fn new(
        org: &'a OrgRecord,
        members: &[&'a LearnerRecord],
        metrics: &'a OrgMetricsInput,
    ) -> Self {
        let mut by_id: BTreeMap<UserId, &'a LearnerRecord> = BTreeMap::new();
        for record in members {
            if is_employee(org, record) {
                by_id.entry(record.user.id).or_insert(record);
            }
        }
        let employees = by_id
            .into_values()
            .map(|record| Employee {
                record,
                metrics: metrics.of(record.user.id),
            })
            .collect();
        Workforce { org, employees }
    }

    pub fn len(&self) -> usize {
        self.employees.len()
    }

    pub fn is_empty(&self) -> bool {
        self.employees.is_empty()
    }

    /// The org's departments (sorted by name, then id) with their suppression state.
    pub fn departments(&self) -> Vec<Segment<'a, DepartmentId>> {
        let mut seen = BTreeSet::new();
        let mut departments: Vec<_> = self
            .org
            .departments
            .iter()
            .filter(|d| d.org_id == self.org.org.id && seen.insert(d.id))
            .collect();
        departments.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let mut segments: Vec<Segment<'a, DepartmentId>> = departments
            .iter()
            .map(|d| Segment {
                id: d.id,
                name: d.name.clone(),
                members: self
                    .employees
                    .iter()
                    .filter(|e| e.department() == Some(d.id))
                    .copied()
                    .collect(),
                shown: false,
            })
            .collect();
        let sizes: Vec<usize> = segments.iter().map(|s| s.members.len()).collect();
        let assigned: usize = sizes.iter().sum();
        let family = Family {
            children: (0..segments.len()).collect(),
            remainder: self.len() - assigned,
        };
        for (segment, shown) in segments
            .iter_mut()
            .zip(suppress_families(&sizes, &[family]))
        {
            segment.shown = shown;
        }
        segments
    }

    /// The org's teams (sorted by name, then id) with their suppression state.
    pub fn teams(&self) -> Vec<Segment<'a, TeamId>> {
        let mut seen = BTreeSet::new();
        let mut teams: Vec<_> = self
            .org
            .teams
            .iter()
            .filter(|t| t.org_id == self.org.org.id && seen.insert(t.id))
            .collect();
        teams.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let mut segments: Vec<Segment<'a, TeamId>> = teams
            .iter()
            .map(|t| Segment {
                id: t.id,
                name: t.name.clone(),
                members: self
                    .employees
                    .iter()
                    .filter(|e| e.team() == Some(t.id))
                    .copied()
                    .collect(),
                shown: false,
            })
            .collect();
        let sizes: Vec<usize> = segments.iter().map(|s| s.members.len()).collect();
        let mut families = vec![Family {
            children: (0..segments.len()).collect(),
            remainder: self.len() - sizes.iter().sum::<usize>(),
        }];
        let parents: BTreeSet<DepartmentId> = teams.iter().filter_map(|t| t.parent_id).collect();
        for parent in parents {
            let children: Vec<usize> = (0..teams.len())
                .filter(|i| teams[*i].parent_id == Some(parent))
                .collect();
            let child_ids: BTreeSet<TeamId> = children.iter().map(|i| teams[*i].id).collect();
            let remainder = self
                .employees
                .iter()
                .filter(|e| e.department() == Some(parent))
                .filter(|e| !e.team().is_some_and(|t| child_ids.contains(&t)))
                .count();
            families.push(Family {
                children,
                remainder,
            });
        }
        for (segment, shown) in segments
            .iter_mut()
            .zip(suppress_families(&sizes, &families))
        {
            segment.shown = shown;
        }
        segments
    }
}

/// Siblings under one shown total: indices into the segment list, plus the number of the
/// parent's members outside every listed child (a segment that is never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub children: Vec<usize>,
    pub remainder: usize,
}

/// k-anonymity for segments with complementary suppression (`analytics.md` 7.1 rule 3),
/// applied to every family until nothing changes: a segment below K is hidden; when exactly
/// one (non-empty) member of a family is hidden, the next smallest shown one is hidden too.
/// Empty segments are hidden but protect nobody, so they do not count as hidden siblings;
/// the remainder counts as a segment when non-empty (it is never shown itself, so a
/// remainder of K or more is a valid complement). Returns, per segment, whether it may be
/// shown.
pub fn suppress_families(sizes: &[usize], families: &[Family]) -> Vec<bool> {
    let mut shown: Vec<bool> = sizes.iter().map(|n| *n >= K).collect();
    loop {
        let mut changed = false;
        for family in families {
            // Family members that hold anyone; a segment already hidden (by size or by
            // another family) enters as size 0 so that it counts as hidden.
            let children: Vec<usize> = family
                .children
                .iter()
                .copied()
                .filter(|i| sizes.get(*i).is_some_and(|n| *n > 0))
                .collect();
            let mut family_sizes: Vec<usize> = children
                .iter()
                .map(|i| if shown[*i] { sizes[*i] } else { 0 })
                .collect();
            if family.remainder > 0 {
                family_sizes.push(family.remainder);
            }
            let verdict = complementary_suppression(&family_sizes);
            for (position, index) in children.iter().enumerate() {
                if shown[*index] && !verdict[position] {
                    shown[*index] = false;
                    changed = true;
                }
            }
        }
        if !changed {
            return shown;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(children: &[usize], remainder: usize) -> Family {
        Family {
            children: children.to_vec(),
            remainder,
        }
    }

    #[test]
    fn risk_levels_follow_the_drop_off_bands() {
        assert_eq!(
            DropOffRiskLevel::from_risk_score(75.0),
            DropOffRiskLevel::Critical
        );
        assert_eq!(
            DropOffRiskLevel::from_risk_score(74.0),
            DropOffRiskLevel::High
        );
        assert_eq!(
            DropOffRiskLevel::from_risk_score(25.0),
            DropOffRiskLevel::Medium
        );
        assert_eq!(
            DropOffRiskLevel::from_risk_score(24.0),
            DropOffRiskLevel::Low
        );
        assert_eq!(
            serde_json::to_value(DropOffRiskLevel::Critical).unwrap(),
            serde_json::json!("critical")
        );
    }

    #[test]
    fn one_small_department_hides_the_next_smallest() {
        // 25, 4, 12 with nobody unassigned: 4 hidden alone -> 12 hidden too.
        assert_eq!(
            suppress_families(&[25, 4, 12], &[fam(&[0, 1, 2], 0)]),
            vec![true, false, false]
        );
        // An unassigned group of 3 is a second hidden segment: nothing to recover.
        assert_eq!(
            suppress_families(&[25, 4, 12], &[fam(&[0, 1, 2], 3)]),
            vec![true, false, true]
        );
        // An unassigned group of 12 (never shown) is the complement of the 4.
        assert_eq!(
            suppress_families(&[25, 4, 30], &[fam(&[0, 1, 2], 12)]),
            vec![true, false, true]
        );
        // An empty department protects nobody.
        assert_eq!(
            suppress_families(&[25, 4, 12, 0], &[fam(&[0, 1, 2, 3], 0)]),
            vec![true, false, false, false]
        );
        // Everything shown.
        assert_eq!(
            suppress_families(&[10, 10], &[fam(&[0, 1], 0)]),
            vec![true, true]
        );
    }

    #[test]
    fn suppression_propagates_across_families() {
        // Teams 0 (20) and 1 (5) under department A; teams 2 (30) and 3 (11) under B.
        // Org level: only team 1 hidden -> hide the next smallest (team 3, 11).
        // Department A: team 1 hidden alone -> hide team 0 too.
        // Department B: team 3 hidden alone -> hide team 2 too.
        let families = [fam(&[0, 1, 2, 3], 0), fam(&[0, 1], 0), fam(&[2, 3], 0)];
        assert_eq!(
            suppress_families(&[20, 5, 30, 11], &families),
            vec![false, false, false, false]
        );
    }
}
