//! AS-003.13 Department & Team Analytics (`team_analytics`, endpoint O4).
//!
//! Question: how do the organisation's departments or teams compare on skills, completion,
//! engagement and assessment results, and (for the org admin, identified) how is each
//! worker doing?
//!
//! Inputs: employees with department and team (DIR); per-employee AS-001.1 averagePace,
//! AS-001.3 engagement score (and its stored daily history for the trend), AS-001.4
//! masteryPercentage, AS-001.5 overall average score, AS-004.15 risk level
//! ([`OrgMetricsInput`]); skill levels (SE); value propositions (DIR); mandatory
//! enrollments and completions (CB); attempts (ASM). Parameters ([`TeamParams`]): range
//! `[start, end)` (default `now − window .. now`), `groupType` department|team (default
//! team), `groupId`, `metric` skills|completion|engagement|passRate (default engagement),
//! `includeWorkers`, `departmentId` (worker filter).
//!
//! Per group (direct members; hidden below K with complementary suppression, shown rows
//! carry `sampleSize`), each metric "as of" an instant `t` in the range:
//! - `skillCoveragePct` as AS-003.12 (mean per-skill coverage of the selected value
//!   proposition over the group's in-scope members, levels reached by `t`); null when the
//!   proposition does not apply to the group or none is active.
//! - `completionPct` = members who completed all their assigned courses / members with
//!   assignments * 100; assigned = mandatory enrollments enrolled before `t` and not
//!   completed before the range start; completed before `t` **(decided here)**.
//! - `engagementScore` = mean AS-001.3 over members with a score (1 dp); at a past `t` the
//!   stored score of that day (decision 15).
//! - `passRatePct` = passed / attempted (member, assessment) pairs with attempts submitted
//!   in `[start, t)`; a pair passes if any of those attempts passed **(decided here)**.
//! - `avgTimeToCompleteDays` = mean days from enrollment to completion of the enrollments
//!   completed in the range (1 dp); `activeLearners` = members with an activity event in the
//!   range.
//! - `rank` (1 = best, equal values share a rank) and `percentile` (percentile rank among
//!   the other shown groups) by the selected metric at the range end, rounded as shown;
//!   null for a group without a value.
//! - `trend` = OLS slope of the selected metric at the ends of the 3 equal consecutive
//!   thirds of the range (> +2 improving, < -2 declining, else stable); null unless all
//!   three values exist **(decided here: the thirds of the selected range, which the
//!   90-day history covers)**.
//! - `topTeams` / `bottomTeams` = names of the 3 best / worst shown groups by the selected
//!   metric (best first / worst first; ties by name). The lists never overlap: with fewer
//!   than 6 ranked groups the better half (rounded up) is top, the rest bottom **(decided
//!   here)**.
//! - Rows keep the spec's `teamId`/`teamName` names for both group types **(decided
//!   here)**.
//!
//! Workers (`includeWorkers`; org admin only, identified; the only named output):
//! `{userId, displayName, departmentId, teamId, averagePace (2 dp), engagementScore (int),
//! masteryPercentage, averageScore, completionPct (own assigned courses completed / assigned,
//! 1 dp), skillCoveragePct (own required skills met / required, 1 dp), dropOffRiskLevel}`,
//! restricted to the `groupId` group when given and to `departmentId`; sorted by name, then
//! id. `workers` is null when not requested.
//!
//! Insufficient data: no employees; an unknown `groupId`.

use super::period::{DateRange, Span};
use super::shared::{
    active_in, employee_coverage, group_coverage, mandatory_assignments, select_value_proposition,
};
use super::workforce::{DropOffRiskLevel, Employee, OrgMetricsInput, Segment, Workforce};
use crate::analytics::Analysis;
use crate::analytics::common::{
    Clock, Window, mean, ols, pct, percentile_rank, round_dp, round_int,
};
use crate::analytics::input::{LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{AssessmentId, DepartmentId, OrgId, TeamId, UserId};
use crate::model::{EnrollmentStatus, ValueProposition};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Slope beyond which the trend is improving / declining (metric points per third).
pub const TREND_THRESHOLD: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupType {
    Department,
    #[default]
    Team,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum TeamMetric {
    #[serde(rename = "skills")]
    Skills,
    #[serde(rename = "completion")]
    Completion,
    #[default]
    #[serde(rename = "engagement")]
    Engagement,
    #[serde(rename = "passRate")]
    PassRate,
}

impl TeamMetric {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "skills" => Some(TeamMetric::Skills),
            "completion" => Some(TeamMetric::Completion),
            "engagement" => Some(TeamMetric::Engagement),
            "passRate" => Some(TeamMetric::PassRate),
            _ => None,
        }
    }
}

/// Query parameters of O4.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamParams {
    pub span: Span,
    pub group_type: GroupType,
    /// A department or team id, per `group_type`.
    pub group_id: Option<Uuid>,
    pub metric: TeamMetric,
    pub include_workers: bool,
    /// Worker-list filter.
    pub department_id: Option<DepartmentId>,
}

impl TeamParams {
    /// `[now − window, now)`, teams, engagement, no workers.
    pub fn for_window(clock: &Clock, window: Window) -> Self {
        TeamParams {
            span: Span::from_window(clock, window),
            group_type: GroupType::Team,
            group_id: None,
            metric: TeamMetric::Engagement,
            include_workers: false,
            department_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamAnalytics {
    pub org_id: OrgId,
    pub date_range: DateRange,
    pub group_type: GroupType,
    pub teams: Vec<GroupRow>,
    pub top_teams: Vec<String>,
    pub bottom_teams: Vec<String>,
    pub workers: Option<Vec<WorkerRow>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub team_id: Uuid,
    pub team_name: String,
    #[serde(flatten)]
    pub metrics: Guarded<GroupMetrics>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMetrics {
    pub sample_size: usize,
    pub skill_coverage_pct: Option<f64>,
    pub completion_pct: Option<f64>,
    pub engagement_score: Option<f64>,
    pub pass_rate_pct: Option<f64>,
    pub avg_time_to_complete_days: Option<f64>,
    pub active_learners: usize,
    pub rank: Option<usize>,
    pub percentile: Option<i64>,
    pub trend: Option<Trend>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

/// > +2 improving, < -2 declining, else stable.
pub fn trend_label(slope: f64) -> Trend {
    if slope > TREND_THRESHOLD {
        Trend::Improving
    } else if slope < -TREND_THRESHOLD {
        Trend::Declining
    } else {
        Trend::Stable
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerRow {
    pub user_id: UserId,
    pub display_name: String,
    pub department_id: Option<DepartmentId>,
    pub team_id: Option<TeamId>,
    pub average_pace: Option<f64>,
    pub engagement_score: Option<i64>,
    pub mastery_percentage: Option<f64>,
    pub average_score: Option<f64>,
    pub completion_pct: Option<f64>,
    pub skill_coverage_pct: Option<f64>,
    pub drop_off_risk_level: Option<DropOffRiskLevel>,
}

/// One group, independent of its type.
struct Group<'a> {
    id: Uuid,
    name: String,
    members: Vec<Employee<'a>>,
    shown: bool,
}

fn groups_of<'a, Id>(segments: Vec<Segment<'a, Id>>, uuid: fn(Id) -> Uuid) -> Vec<Group<'a>> {
    segments
        .into_iter()
        .map(|s| Group {
            id: uuid(s.id),
            name: s.name,
            members: s.members,
            shown: s.shown,
        })
        .collect()
}

/// Evaluates the group metrics of one member list.
struct Evaluator<'c> {
    clock: &'c Clock,
    span: Span,
    vp: Option<&'c ValueProposition>,
}

impl Evaluator<'_> {
    fn metric_at(
        &self,
        metric: TeamMetric,
        members: &[Employee<'_>],
        at: DateTime<Utc>,
    ) -> Option<f64> {
        match metric {
            TeamMetric::Skills => self.coverage_at(members, at),
            TeamMetric::Completion => self.completion_at(members, at),
            TeamMetric::Engagement => self.engagement_at(members, at),
            TeamMetric::PassRate => self.pass_rate_at(members, at),
        }
    }

    fn coverage_at(&self, members: &[Employee<'_>], at: DateTime<Utc>) -> Option<f64> {
        self.vp.and_then(|vp| group_coverage(vp, members, at))
    }

    fn completion_at(&self, members: &[Employee<'_>], at: DateTime<Utc>) -> Option<f64> {
        let mut with_any = 0;
        let mut completers = 0;
        for member in members {
            let assignments = mandatory_assignments(member.record, Some(self.span.start), at);
            if assignments.assigned > 0 {
                with_any += 1;
                if assignments.all_completed() {
                    completers += 1;
                }
            }
        }
        pct(completers as f64, with_any as f64)
    }

    fn engagement_at(&self, members: &[Employee<'_>], at: DateTime<Utc>) -> Option<f64> {
        let date = self.clock.local_date(at);
        let today = self.clock.today();
        let scores: Vec<f64> = members
            .iter()
            .filter_map(|m| m.metrics.engagement_on(date, today))
            .collect();
        mean(&scores)
    }

    fn pass_rate_at(&self, members: &[Employee<'_>], at: DateTime<Utc>) -> Option<f64> {
        let window = self.span.until(at);
        let mut attempted = 0;
        let mut passed = 0;
        for member in members {
            let mut pairs: BTreeMap<AssessmentId, bool> = BTreeMap::new();
            for attempt in member
                .record
                .attempts
                .iter()
                .filter(|a| window.contains(a.submitted_at))
            {
                *pairs.entry(attempt.assessment_id).or_default() |= attempt.passed;
            }
            attempted += pairs.len();
            passed += pairs.values().filter(|p| **p).count();
        }
        pct(passed as f64, attempted as f64)
    }

    fn avg_days_to_complete(&self, members: &[Employee<'_>]) -> Option<f64> {
        let days: Vec<f64> = members
            .iter()
            .flat_map(|m| &m.record.enrollments)
            .filter(|e| e.status == EnrollmentStatus::Completed)
            .filter_map(|e| {
                let done = e.completed_at.filter(|t| self.span.contains(*t))?;
                Some(((done - e.enrolled_at).num_seconds() as f64 / 86_400.0).max(0.0))
            })
            .collect();
        mean(&days)
    }

    fn trend(&self, metric: TeamMetric, members: &[Employee<'_>]) -> Option<Trend> {
        let points: Vec<f64> = self
            .span
            .thirds()
            .iter()
            .map(|at| self.metric_at(metric, members, *at))
            .collect::<Option<Vec<f64>>>()?;
        ols(&points).map(|(slope, _)| trend_label(slope))
    }
}

/// How many groups `topTeams` and `bottomTeams` list: 3 each, fewer when there are not
/// enough groups to keep the lists apart (the better half is "top").
pub fn top_bottom_counts(groups: usize) -> (usize, usize) {
    let top = groups.div_ceil(2).min(3);
    let bottom = (groups - top).min(3);
    (top, bottom)
}

/// Competition rank (1 = best) of `value` among `values`.
fn rank_of(value: f64, values: &[f64]) -> usize {
    1 + values.iter().filter(|v| **v > value).count()
}

pub fn compute(
    org: &OrgRecord,
    members: &[&LearnerRecord],
    metrics: &OrgMetricsInput,
    clock: &Clock,
    params: &TeamParams,
) -> Analysis<TeamAnalytics> {
    let workforce = Workforce::new(org, members, metrics);
    if workforce.is_empty() {
        return Analysis::InsufficientData("the organisation has no employees");
    }
    let span = params.span;
    let groups = match params.group_type {
        GroupType::Department => groups_of(workforce.departments(), |d| d.0),
        GroupType::Team => groups_of(workforce.teams(), |t| t.0),
    };
    if let Some(id) = params.group_id
        && !groups.iter().any(|g| g.id == id)
    {
        return Analysis::InsufficientData("unknown group");
    }
    let evaluator = Evaluator {
        clock,
        span,
        vp: select_value_proposition(org, clock, &span, None),
    };

    // The selected metric of every shown group, rounded as shown.
    let selected: Vec<Option<f64>> = groups
        .iter()
        .map(|g| {
            g.shown
                .then(|| evaluator.metric_at(params.metric, &g.members, span.end))
                .flatten()
                .map(|v| round_dp(v, 1))
        })
        .collect();
    let ranked: Vec<f64> = selected.iter().flatten().copied().collect();

    let rows: Vec<GroupRow> = groups
        .iter()
        .zip(&selected)
        .filter(|(g, _)| params.group_id.is_none_or(|id| g.id == id))
        .map(|(g, value)| GroupRow {
            team_id: g.id,
            team_name: g.name.clone(),
            metrics: Guarded::new(if g.shown { g.members.len() } else { 0 }, || {
                let others: Vec<f64> = {
                    let mut others = ranked.clone();
                    if let Some(v) = value
                        && let Some(i) = others.iter().position(|o| o == v)
                    {
                        others.remove(i);
                    }
                    others
                };
                let end = span.end;
                GroupMetrics {
                    sample_size: g.members.len(),
                    skill_coverage_pct: evaluator
                        .coverage_at(&g.members, end)
                        .map(|v| round_dp(v, 1)),
                    completion_pct: evaluator
                        .completion_at(&g.members, end)
                        .map(|v| round_dp(v, 1)),
                    engagement_score: evaluator
                        .engagement_at(&g.members, end)
                        .map(|v| round_dp(v, 1)),
                    pass_rate_pct: evaluator
                        .pass_rate_at(&g.members, end)
                        .map(|v| round_dp(v, 1)),
                    avg_time_to_complete_days: evaluator
                        .avg_days_to_complete(&g.members)
                        .map(|v| round_dp(v, 1)),
                    active_learners: g
                        .members
                        .iter()
                        .filter(|m| active_in(m.record, clock, &span))
                        .count(),
                    rank: value.map(|v| rank_of(v, &ranked)),
                    percentile: value.and_then(|v| percentile_rank(v, &others)),
                    trend: evaluator.trend(params.metric, &g.members),
                }
            }),
        })
        .collect();

    // Best and worst shown groups by the selected metric.
    let mut order: Vec<(f64, &str)> = groups
        .iter()
        .zip(&selected)
        .filter_map(|(g, v)| v.map(|v| (v, g.name.as_str())))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let (top_count, bottom_count) = top_bottom_counts(order.len());
    let top_teams: Vec<String> = order[..top_count]
        .iter()
        .map(|(_, n)| n.to_string())
        .collect();
    let bottom_teams: Vec<String> = order[order.len() - bottom_count..]
        .iter()
        .rev()
        .map(|(_, n)| n.to_string())
        .collect();

    let workers = params.include_workers.then(|| {
        let in_group = |e: &Employee<'_>| match (params.group_id, params.group_type) {
            (None, _) => true,
            (Some(id), GroupType::Department) => e.department().is_some_and(|d| d.0 == id),
            (Some(id), GroupType::Team) => e.team().is_some_and(|t| t.0 == id),
        };
        let mut list: Vec<WorkerRow> = workforce
            .employees
            .iter()
            .filter(|e| in_group(e))
            .filter(|e| {
                params
                    .department_id
                    .is_none_or(|d| e.department() == Some(d))
            })
            .map(|e| worker_row(e, &evaluator))
            .collect();
        list.sort_by(|a, b| {
            a.display_name
                .cmp(&b.display_name)
                .then(a.user_id.cmp(&b.user_id))
        });
        list
    });

    Analysis::Ready(TeamAnalytics {
        org_id: org.org.id,
        date_range: span.date_range(clock),
        group_type: params.group_type,
        teams: rows,
        top_teams,
        bottom_teams,
        workers,
    })
}

fn worker_row(employee: &Employee<'_>, evaluator: &Evaluator<'_>) -> WorkerRow {
    let assignments = mandatory_assignments(
        employee.record,
        Some(evaluator.span.start),
        evaluator.span.end,
    );
    let m = employee.metrics;
    WorkerRow {
        user_id: employee.id(),
        display_name: employee.record.user.display_name.clone(),
        department_id: employee.department(),
        team_id: employee.team(),
        average_pace: m.pace().map(|p| round_dp(p, 2)),
        engagement_score: m.engagement().map(round_int),
        mastery_percentage: m.mastery().map(|v| round_dp(v, 1)),
        average_score: m.score().map(|v| round_dp(v, 1)),
        completion_pct: pct(assignments.completed as f64, assignments.assigned as f64)
            .map(|v| round_dp(v, 1)),
        skill_coverage_pct: evaluator
            .vp
            .and_then(|vp| employee_coverage(vp, employee, evaluator.span.end))
            .map(|v| round_dp(v, 1)),
        drop_off_risk_level: m.drop_off_risk_level,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::org::test_support::*;
    use crate::analytics::org::workforce::{EmployeeMetrics, build_org_metrics};
    use crate::model::AssignmentType;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        ago(n).date_naive()
    }

    /// Department Eng with teams Apollo (0-9), Borealis (10-21), Cygnus (22-32).
    fn fixture() -> (OrgRecord, Vec<LearnerRecord>, OrgMetricsInput) {
        let org = org(
            &[(1, "Eng")],
            &[
                (1, "Apollo", Some(1)),
                (2, "Borealis", Some(1)),
                (3, "Cygnus", Some(1)),
            ],
        );
        let mut people = Vec::new();
        let mut entries = Vec::new();
        for n in 0..33u128 {
            let team = if n < 10 {
                1
            } else if n < 22 {
                2
            } else {
                3
            };
            let mut r = learner(n, Some(1), Some(team));
            let (score, history) = match team {
                1 => (60.0, vec![(day(20), 50.0), (day(10), 55.0)]),
                2 => (80.0, vec![(day(20), 80.0), (day(10), 80.0)]),
                _ => (70.0, vec![]),
            };
            entries.push((
                user_id(n),
                EmployeeMetrics {
                    engagement_score: Some(score),
                    engagement_history: history,
                    ..EmployeeMetrics::default()
                },
            ));
            if n < 5 {
                let done = (n < 3).then(|| ago(5));
                r.enrollments
                    .push(enrollment(n, 1, ago(20), done, AssignmentType::Mandatory));
            }
            if n == 5 {
                r.enrollments.push(enrollment(
                    n,
                    2,
                    ago(100),
                    Some(ago(50)),
                    AssignmentType::Mandatory,
                ));
            }
            if n < 7 {
                r.sessions.push(session(n, ago(3), 30));
            }
            if (10..22).contains(&n) {
                r.attempts.push(attempt(n, 1, ago(5), n < 19));
            }
            if n == 10 {
                r.attempts.push(attempt(n, 2, ago(6), false));
                r.attempts.push(attempt(n, 2, ago(4), true));
                r.attempts.push(attempt(n, 3, ago(40), true));
            }
            r.sort();
            people.push(r);
        }
        entries[0].1.average_pace = Some(1.234);
        entries[0].1.mastery_percentage = Some(55.25);
        entries[0].1.average_score = Some(71.0);
        entries[0].1.drop_off_risk_level = Some(DropOffRiskLevel::High);
        (org, people, build_org_metrics(entries))
    }

    fn params() -> TeamParams {
        TeamParams::for_window(&clock(), Window::Days30)
    }

    fn row<'a>(out: &'a TeamAnalytics, name: &str) -> &'a GroupMetrics {
        out.teams
            .iter()
            .find(|t| t.team_name == name)
            .and_then(|t| t.metrics.shown())
            .expect(name)
    }

    #[test]
    fn hand_computed_teams_by_engagement() {
        let (org, people, metrics) = fixture();
        let out = compute(&org, &refs(&people), &metrics, &clock(), &params());
        let out = out.ready().unwrap();
        assert_eq!(out.group_type, GroupType::Team);
        let apollo = row(out, "Apollo");
        let borealis = row(out, "Borealis");
        let cygnus = row(out, "Cygnus");
        assert_eq!(
            (
                apollo.engagement_score,
                borealis.engagement_score,
                cygnus.engagement_score
            ),
            (Some(60.0), Some(80.0), Some(70.0))
        );
        // Ranks by engagement: Borealis 1, Cygnus 2, Apollo 3. Percentile among the other
        // two: Borealis (2 below)/2 = 100, Cygnus 1/2 = 50, Apollo 0.
        assert_eq!(
            (borealis.rank, cygnus.rank, apollo.rank),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(
            (borealis.percentile, cygnus.percentile, apollo.percentile),
            (Some(100), Some(50), Some(0))
        );
        // Apollo: 50, 55, 60 at the thirds -> slope 5 > 2 improving; Borealis flat ->
        // stable; Cygnus has no stored history -> null.
        assert_eq!(apollo.trend, Some(Trend::Improving));
        assert_eq!(borealis.trend, Some(Trend::Stable));
        assert_eq!(cygnus.trend, None);
        // Apollo: members 0-4 assigned in range, 0-2 completed -> 3/5 = 60.0 (member 5's
        // assignment was completed before the range); 15 days from enrollment to
        // completion; members 0-6 had a session.
        assert_eq!(apollo.completion_pct, Some(60.0));
        assert_eq!(apollo.avg_time_to_complete_days, Some(15.0));
        assert_eq!(apollo.active_learners, 7);
        // Borealis: 12 pairs on assessment 1 (9 passed) + member 10's assessment 2
        // (failed, then passed) = 10/13 = 76.9; the attempt 40 days ago is out of range.
        assert_eq!(borealis.pass_rate_pct, Some(76.9));
        assert_eq!(apollo.pass_rate_pct, None);
        assert_eq!(apollo.skill_coverage_pct, None, "no value proposition");
        assert_eq!(borealis.sample_size, 12);
        // Three groups: the better two are top, the last is bottom.
        assert_eq!(out.top_teams, vec!["Borealis", "Cygnus"]);
        assert_eq!(out.bottom_teams, vec!["Apollo"]);
        assert_eq!(out.workers, None);
        let json = serde_json::to_value(out).unwrap();
        assert!(json["workers"].is_null());
        assert_eq!(json["teams"][0]["teamName"], "Apollo");
        assert_eq!(json["teams"][0]["trend"], "improving");
        assert_eq!(json["groupType"], "team");
    }

    #[test]
    fn another_metric_ranks_only_groups_with_a_value() {
        let (org, people, metrics) = fixture();
        let out = compute(
            &org,
            &refs(&people),
            &metrics,
            &clock(),
            &TeamParams {
                metric: TeamMetric::Completion,
                ..params()
            },
        );
        let out = out.ready().unwrap();
        assert_eq!(row(out, "Apollo").rank, Some(1));
        assert_eq!(
            row(out, "Apollo").percentile,
            None,
            "no other group to compare with"
        );
        assert_eq!(row(out, "Borealis").rank, None);
        assert_eq!(out.top_teams, vec!["Apollo"]);
        assert!(out.bottom_teams.is_empty());
    }

    #[test]
    fn workers_are_listed_only_on_request() {
        let (org, people, metrics) = fixture();
        let out = compute(
            &org,
            &refs(&people),
            &metrics,
            &clock(),
            &TeamParams {
                include_workers: true,
                department_id: Some(dept_id(1)),
                group_id: Some(team_id(1).0),
                ..params()
            },
        );
        let out = out.ready().unwrap();
        assert_eq!(out.teams.len(), 1, "the groupId filter keeps one row");
        assert_eq!(row(out, "Apollo").rank, Some(3), "ranked among all groups");
        let workers = out.workers.as_ref().unwrap();
        assert_eq!(workers.len(), 10);
        assert_eq!(
            workers[0],
            WorkerRow {
                user_id: user_id(0),
                display_name: "Employee 000".into(),
                department_id: Some(dept_id(1)),
                team_id: Some(team_id(1)),
                average_pace: Some(1.23),
                engagement_score: Some(60),
                mastery_percentage: Some(55.3),
                average_score: Some(71.0),
                completion_pct: Some(100.0),
                skill_coverage_pct: None,
                drop_off_risk_level: Some(DropOffRiskLevel::High),
            }
        );
        // Member 3: one assignment, not completed -> 0.0.
        assert_eq!(workers[3].completion_pct, Some(0.0));
        assert_eq!(workers[9].completion_pct, None);
        let other = compute(
            &org,
            &refs(&people),
            &metrics,
            &clock(),
            &TeamParams {
                include_workers: true,
                department_id: Some(dept_id(2)),
                ..params()
            },
        );
        assert_eq!(other.ready().unwrap().workers.as_ref().unwrap().len(), 0);
    }

    #[test]
    fn small_teams_are_hidden_with_their_complement() {
        let org = org(
            &[(1, "Eng")],
            &[
                (1, "Apollo", Some(1)),
                (2, "Borealis", Some(1)),
                (3, "Cygnus", Some(1)),
            ],
        );
        let people: Vec<LearnerRecord> = (0..25u128)
            .map(|n| {
                learner(
                    n,
                    Some(1),
                    Some(if n < 10 {
                        1
                    } else if n < 22 {
                        2
                    } else {
                        3
                    }),
                )
            })
            .collect();
        let metrics = build_org_metrics((0..25u128).map(|n| {
            (
                user_id(n),
                EmployeeMetrics {
                    engagement_score: Some(50.0),
                    ..EmployeeMetrics::default()
                },
            )
        }));
        let out = compute(&org, &refs(&people), &metrics, &clock(), &params());
        let out = out.ready().unwrap();
        // Cygnus (3) hidden; Apollo (10) is the next smallest and hidden too.
        let shown: Vec<bool> = out
            .teams
            .iter()
            .map(|t| !t.metrics.is_suppressed())
            .collect();
        assert_eq!(shown, vec![false, true, false]);
        assert_eq!(row(out, "Borealis").rank, Some(1));
        assert_eq!(out.top_teams, vec!["Borealis"]);
        assert!(out.bottom_teams.is_empty());
        let json = serde_json::to_value(&out.teams[2]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"teamId": team_id(3), "teamName": "Cygnus", "insufficientData": true, "minimumRequired": 10})
        );
        // By department: one department of 25 is shown.
        let by_department = compute(
            &org,
            &refs(&people),
            &metrics,
            &clock(),
            &TeamParams {
                group_type: GroupType::Department,
                ..params()
            },
        );
        let by_department = by_department.ready().unwrap();
        assert_eq!(by_department.teams.len(), 1);
        assert_eq!(row(by_department, "Eng").engagement_score, Some(50.0));
        let unknown = compute(
            &org,
            &refs(&people),
            &metrics,
            &clock(),
            &TeamParams {
                group_id: Some(id(999)),
                ..params()
            },
        );
        assert!(unknown.ready().is_none());
        assert!(
            compute(&org, &[], &metrics, &clock(), &params())
                .ready()
                .is_none()
        );
    }

    #[test]
    fn boundaries_of_trend_and_list_sizes() {
        assert_eq!(trend_label(2.0), Trend::Stable);
        assert_eq!(trend_label(2.01), Trend::Improving);
        assert_eq!(trend_label(-2.0), Trend::Stable);
        assert_eq!(trend_label(-2.01), Trend::Declining);
        let sizes: Vec<(usize, usize)> = [0, 1, 2, 3, 5, 6, 10]
            .into_iter()
            .map(top_bottom_counts)
            .collect();
        assert_eq!(
            sizes,
            vec![(0, 0), (1, 0), (1, 1), (2, 1), (3, 2), (3, 3), (3, 3)]
        );
        // Equal values share a rank.
        assert_eq!(rank_of(70.0, &[80.0, 70.0, 70.0, 60.0]), 2);
        assert_eq!(rank_of(60.0, &[80.0, 70.0, 70.0, 60.0]), 4);
        assert_eq!(TeamMetric::parse("passRate"), Some(TeamMetric::PassRate));
        assert_eq!(TeamMetric::parse("pass_rate"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_groups_stay_consistent(
            members in prop::collection::vec((0u8..5, prop::option::of(0.0f64..100.0), prop::collection::vec((0i64..40, any::<bool>()), 0..3)), 0..60),
            metric in prop::sample::select(vec![TeamMetric::Skills, TeamMetric::Completion, TeamMetric::Engagement, TeamMetric::PassRate]),
        ) {
            let org = org(&[(1, "D")], &[(1, "A", Some(1)), (2, "B", Some(1)), (3, "C", None), (4, "E", None)]);
            let mut people = Vec::new();
            let mut entries = Vec::new();
            for (n, (team, score, attempts)) in members.iter().enumerate() {
                let n = n as u128;
                let mut r = learner(n, Some(1), (*team > 0).then_some(u128::from(*team)));
                for (i, (d, passed)) in attempts.iter().enumerate() {
                    r.attempts.push(attempt(n, i as u128, ago(*d), *passed));
                    r.enrollments.push(enrollment(n, i as u128, ago(*d + 1), passed.then(|| ago(*d)), AssignmentType::Mandatory));
                }
                r.sort();
                people.push(r);
                entries.push((user_id(n), EmployeeMetrics {
                    engagement_score: *score,
                    engagement_history: score.map(|s| vec![(day(25), s / 2.0), (day(15), s)]).unwrap_or_default(),
                    ..EmployeeMetrics::default()
                }));
            }
            let metrics = build_org_metrics(entries);
            let p = TeamParams { metric, include_workers: true, ..params() };
            let run = || compute(&org, &refs(&people), &metrics, &clock(), &p);
            let out = run();
            prop_assert_eq!(&out, &run());
            let debug = format!("{out:?}");
            prop_assert!(!has_non_finite(&debug));
            if let Some(out) = out.ready() {
                let shown: Vec<&GroupMetrics> = out.teams.iter().filter_map(|t| t.metrics.shown()).collect();
                let ranked = shown.iter().filter(|m| m.rank.is_some()).count();
                for m in &shown {
                    prop_assert!(m.sample_size >= 10);
                    if let Some(r) = m.rank { prop_assert!(r >= 1 && r <= ranked); }
                    if let Some(p) = m.percentile { prop_assert!((0..=100).contains(&p)); }
                    for v in [m.skill_coverage_pct, m.completion_pct, m.engagement_score, m.pass_rate_pct].into_iter().flatten() {
                        prop_assert!((0.0..=100.0).contains(&v));
                    }
                }
                prop_assert_eq!(out.top_teams.len() + out.bottom_teams.len(), ranked.min(6));
                for name in &out.top_teams { prop_assert!(!out.bottom_teams.contains(name)); }
                prop_assert_eq!(out.workers.as_ref().map(|w| w.len()), Some(people.len()));
            } else {
                prop_assert!(people.is_empty());
            }
        }
    }
}
