//! AS-003.11 Organizational Learning Velocity (`org_learning_velocity`, endpoint O1).
//!
//! Question: how much and how fast is the organisation learning this quarter, per
//! department, and what does it return on the training investment?
//!
//! Inputs: employees with their department (DIR); per-employee AS-001.1 `averagePace`
//! ([`OrgMetricsInput`]); enrollments and completions, the course certificate flag and
//! taught skills (CB, [`Catalog`]); skill acquisitions with dates and targets (SE); sessions
//! (learning hours); optional org settings `trainingInvestment`, `valuePerSkill`,
//! `gapClosureTarget`. Parameters ([`VelocityParams`]): `period` = a calendar quarter
//! (default the current one, decision 12), optional `departmentId`.
//!
//! The period is the quarter up to now: `[quarter start, min(quarter end, now))`, calendar
//! days in the clock's (organisation's) timezone.
//!
//! Overview:
//! - `totalEmployees`; `activelyLearning` = employees with an activity event in the period;
//!   `participationRate = activelyLearning / totalEmployees * 100` (1 dp).
//! - `averageCompletionRate` = completed / all employee enrollments existing at period end
//!   (enrolled before it) * 100; completed = status `completed`, completed before the period
//!   end (or undated) (1 dp).
//! - `skillsAcquiredThisQuarter` = (employee, skill) acquisitions dated in the period;
//!   `certificationsEarned` = enrollments completed in the period of courses with
//!   `issuesCertificate`.
//! - Worker velocity = AS-001.1 `averagePace` **(decided here)**; `averageVelocity` = mean
//!   over the actively learning employees (2 dp); `velocityDistribution` counts them:
//!   high >= 2.0, medium 1.0-1.99, low < 1.0 topics/week. For the current quarter the pace is the
//!   input number (falling back to the AS-001.1 formula on the records when the batch gave
//!   none); for a past quarter it is the AS-001.1 formula evaluated at the period end,
//!   `units in the 30 days before / (30/7)` **(decided here)**.
//!
//! ROI, only with investment data, else `roiMetrics: null` **(decided here)**: the
//! investment of the quarter is the sum of `trainingInvestment` entries whose `period` is the
//! quarter (`"2026-Q2"`), one of its months (`"2026-04"`), or its year (`"2026"`, counted
//! as a quarter: amount / 4) **(decided here)**; none matching = no investment data. With a
//! `departmentId` filter there is no department investment, so `roiMetrics` is null.
//! - `productivityGains = skills * valuePerSkill` (null without `valuePerSkill`);
//!   `roi = (gains - investment) / investment * 100` (1 dp; null if either is missing or
//!   investment is 0); `costPerSkillAcquired = investment / skills` (null with no skills);
//!   money 2 dp **(decided here)**.
//! - `averageTimeToSkill` = mean weeks (1 dp) from the employee's first enrollment in a course
//!   teaching the skill to the acquisition, over the period's acquisitions having such an
//!   enrollment before the acquisition.
//!
//! Departments (direct members; hidden below K with complementary suppression):
//! overview metrics (`totalEmployees`, `activelyLearning`, `participationRate`,
//! `completionRate`, `skillsAcquired`) plus
//! - `topSkills` = the 3 skills acquired (by the period end) by most members,
//!   `{skill (name), employeesWithSkill}`, ties by name;
//! - `skillGapClosure` = closed target requirements / all target requirements * 100 (1 dp);
//!   a requirement is a member's skill target (SE, all sources, highest target level per
//!   skill); it is closed once the member's level reached the target (see [`shared`]);
//!   null without targets;
//! - `target` = org `gapClosureTarget`, default 75; `status` on_track >= target, at_risk
//!   within 10 below (>= target - 10), else behind (null without closure), judged on the
//!   rounded closure;
//! - `trend` = closure at the period end minus closure at the previous quarter's end
//!   (percentage points, 1 dp).
//!
//! Trends:
//! - `quarterOverQuarter` / `yearOverYear` = `growth_pct` of skills acquired in the period
//!   vs the same elapsed span of the previous quarter / of the same quarter a year earlier
//!   (so a quarter in progress is compared like for like) **(decided here)**; 1 dp; null
//!   when the earlier count is 0.
//! - `peakLearningMonth` = `"YYYY-MM"` with the most employee learning hours among the 12
//!   calendar months ending with the period's last month (the current month for the
//!   current quarter); ties to the earlier month; null without any hours **(decided here)**.
//! - `weeklyAverageVelocity` = 12 points of 7-day weeks ending at the period end; `value`
//!   = mean worker velocity as of the week end (AS-001.1 formula on the records) over the
//!   employees with an activity event in the 30 days before the week end, 2 dp, null when
//!   none **(decided here)**.
//!
//! Insufficient data: no employees; a period that has not started; a `departmentId` that
//! is unknown or hidden (below K or complementarily suppressed).

use super::period::{Quarter, Span, add_months, month_start};
use super::shared::{active_in, pace_at, progress_unit_times, skill_name};
use super::workforce::{Employee, OrgMetricsInput, Segment, Workforce};
use crate::analytics::Analysis;
use crate::analytics::activity::{activity_events, learning_hours};
use crate::analytics::common::{Clock, growth_pct, mean, pct, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{DepartmentId, OrgId, SkillId, UserId};
use crate::model::{EnrollmentStatus, OrgSettings, SkillLevel};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Default `skillGapClosure` target.
pub const DEFAULT_GAP_CLOSURE_TARGET: f64 = 75.0;
/// Velocity bands (topics per week).
pub const HIGH_VELOCITY: f64 = 2.0;
pub const MEDIUM_VELOCITY: f64 = 1.0;
/// Weekly points of `weeklyAverageVelocity`.
pub const WEEKLY_POINTS: usize = 12;

/// Query parameters of O1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VelocityParams {
    /// Default: the current calendar quarter.
    pub period: Option<Quarter>,
    pub department_id: Option<DepartmentId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgLearningVelocity {
    pub organization_id: OrgId,
    pub period: Quarter,
    pub overview: Overview,
    pub roi_metrics: Option<RoiMetrics>,
    pub department_breakdown: Vec<DepartmentRow>,
    pub trends: Trends,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub total_employees: usize,
    pub actively_learning: usize,
    pub participation_rate: Option<f64>,
    pub average_completion_rate: Option<f64>,
    pub skills_acquired_this_quarter: usize,
    pub certifications_earned: usize,
    pub average_velocity: Option<f64>,
    pub velocity_distribution: VelocityDistribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VelocityDistribution {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoiMetrics {
    pub training_investment: f64,
    pub productivity_gains: Option<f64>,
    pub roi: Option<f64>,
    pub cost_per_skill_acquired: Option<f64>,
    pub average_time_to_skill: Option<f64>,
}

/// A department: its metrics, or the k-anonymity marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentRow {
    pub department_id: DepartmentId,
    pub department_name: String,
    #[serde(flatten)]
    pub metrics: Guarded<DepartmentMetrics>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentMetrics {
    pub sample_size: usize,
    pub total_employees: usize,
    pub actively_learning: usize,
    pub participation_rate: Option<f64>,
    pub completion_rate: Option<f64>,
    pub skills_acquired: usize,
    pub top_skills: Vec<TopSkill>,
    pub skill_gap_closure: Option<f64>,
    pub target: f64,
    pub status: Option<ClosureStatus>,
    pub trend: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopSkill {
    pub skill: String,
    pub employees_with_skill: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureStatus {
    OnTrack,
    AtRisk,
    Behind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trends {
    pub quarter_over_quarter: Option<f64>,
    pub year_over_year: Option<f64>,
    pub peak_learning_month: Option<String>,
    pub weekly_average_velocity: Vec<WeeklyVelocity>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyVelocity {
    pub week_start: NaiveDate,
    pub value: Option<f64>,
}

/// on_track >= target, at_risk >= target - 10, else behind.
pub fn closure_status(closure: f64, target: f64) -> ClosureStatus {
    if closure >= target {
        ClosureStatus::OnTrack
    } else if closure >= target - 10.0 {
        ClosureStatus::AtRisk
    } else {
        ClosureStatus::Behind
    }
}

/// The velocity band a worker falls in.
pub fn velocity_band(pace: f64, distribution: &mut VelocityDistribution) {
    if pace >= HIGH_VELOCITY {
        distribution.high += 1;
    } else if pace >= MEDIUM_VELOCITY {
        distribution.medium += 1;
    } else {
        distribution.low += 1;
    }
}

/// The quarter's training investment, `None` without a matching entry.
pub fn investment_for(settings: &OrgSettings, quarter: Quarter) -> Option<f64> {
    let quarter_label = quarter.label();
    let year_label = quarter.year().to_string();
    let month_labels: Vec<String> = quarter
        .months()
        .iter()
        .map(|(y, m)| format!("{y}-{m:02}"))
        .collect();
    let mut total = None;
    for entry in &settings.training_investment {
        if !entry.amount.is_finite() {
            continue;
        }
        let period = entry.period.trim().to_ascii_uppercase();
        let share = if period == quarter_label {
            entry.amount
        } else if period == year_label {
            entry.amount / 4.0
        } else if month_labels.contains(&period) {
            entry.amount
        } else {
            continue;
        };
        *total.get_or_insert(0.0) += share;
    }
    total
}

pub fn compute(
    org: &OrgRecord,
    members: &[&LearnerRecord],
    catalog: &Catalog,
    metrics: &OrgMetricsInput,
    clock: &Clock,
    params: &VelocityParams,
) -> Analysis<OrgLearningVelocity> {
    let workforce = Workforce::new(org, members, metrics);
    if workforce.is_empty() {
        return Analysis::InsufficientData("the organisation has no employees");
    }
    let quarter = params.period.unwrap_or_else(|| Quarter::current(clock));
    let whole = quarter.span(clock.tz);
    if whole.start >= clock.now {
        return Analysis::InsufficientData("the period has not started");
    }
    let period = whole.until(clock.now);
    let is_current = whole.end > clock.now;

    let departments = workforce.departments();
    let (scope, rows): (Vec<Employee<'_>>, Vec<&Segment<'_, DepartmentId>>) =
        match params.department_id {
            Some(id) => match departments.iter().find(|d| d.id == id) {
                Some(d) if d.shown => (d.members.clone(), vec![d]),
                _ => {
                    return Analysis::InsufficientData(
                        "the department is unknown or has fewer than 10 employees",
                    );
                }
            },
            None => (workforce.employees.clone(), departments.iter().collect()),
        };

    let ctx = Ctx {
        catalog,
        clock,
        period,
        quarter,
        is_current,
    };
    let units: BTreeMap<_, Vec<DateTime<Utc>>> = scope
        .iter()
        .map(|e| (e.id(), progress_unit_times(e.record, catalog)))
        .collect();

    // Overview.
    let active: Vec<&Employee<'_>> = scope
        .iter()
        .filter(|e| active_in(e.record, clock, &period))
        .collect();
    let paces: Vec<f64> = active
        .iter()
        .map(|e| {
            let computed = || pace_at(units_of(&units, e.id()), period.end);
            if is_current {
                e.metrics.pace().unwrap_or_else(computed)
            } else {
                computed()
            }
        })
        .collect();
    let mut distribution = VelocityDistribution::default();
    for pace in &paces {
        velocity_band(*pace, &mut distribution);
    }
    let skills_acquired = acquisitions(&scope, &period).len();
    let overview = Overview {
        total_employees: scope.len(),
        actively_learning: active.len(),
        participation_rate: pct(active.len() as f64, scope.len() as f64).map(|p| round_dp(p, 1)),
        average_completion_rate: completion_rate(&scope, period.end).map(|p| round_dp(p, 1)),
        skills_acquired_this_quarter: skills_acquired,
        certifications_earned: certifications(&scope, catalog, &period),
        average_velocity: mean(&paces).map(|p| round_dp(p, 2)),
        velocity_distribution: distribution,
    };

    let roi_metrics = if params.department_id.is_some() {
        None
    } else {
        investment_for(&org.org.settings, quarter).map(|investment| {
            roi_metrics(&ctx, &scope, investment, skills_acquired, &org.org.settings)
        })
    };

    let target = org
        .org
        .settings
        .gap_closure_target
        .filter(|t| t.is_finite())
        .unwrap_or(DEFAULT_GAP_CLOSURE_TARGET);
    let department_breakdown = rows
        .into_iter()
        .map(|segment| DepartmentRow {
            department_id: segment.id,
            department_name: segment.name.clone(),
            metrics: Guarded::new(
                if segment.shown {
                    segment.members.len()
                } else {
                    0
                },
                || department_metrics(&ctx, &segment.members, target, whole.start),
            ),
        })
        .collect();

    Analysis::Ready(OrgLearningVelocity {
        organization_id: org.org.id,
        period: quarter,
        overview,
        roi_metrics,
        department_breakdown,
        trends: trends(&ctx, &scope, &units, skills_acquired),
    })
}

fn units_of(units: &BTreeMap<UserId, Vec<DateTime<Utc>>>, user: UserId) -> &[DateTime<Utc>] {
    units.get(&user).map_or(&[], Vec::as_slice)
}

struct Ctx<'c> {
    catalog: &'c Catalog,
    clock: &'c Clock,
    /// The quarter up to now.
    period: Span,
    quarter: Quarter,
    is_current: bool,
}

/// `(employee, skill, acquiredAt)` of the acquisitions dated in `span`.
fn acquisitions(scope: &[Employee<'_>], span: &Span) -> Vec<(usize, SkillId, DateTime<Utc>)> {
    let mut found = Vec::new();
    for (index, employee) in scope.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for skill in &employee.record.user_skills {
            if let (true, Some(at)) = (skill.acquired, skill.acquired_at)
                && span.contains(at)
                && seen.insert(skill.skill_id)
            {
                found.push((index, skill.skill_id, at));
            }
        }
    }
    found
}

/// Completed / enrollments existing at `end` * 100.
fn completion_rate(scope: &[Employee<'_>], end: DateTime<Utc>) -> Option<f64> {
    let mut all = 0usize;
    let mut completed = 0usize;
    for employee in scope {
        for enrollment in &employee.record.enrollments {
            if enrollment.enrolled_at >= end {
                continue;
            }
            all += 1;
            if enrollment.status == EnrollmentStatus::Completed
                && enrollment.completed_at.is_none_or(|t| t < end)
            {
                completed += 1;
            }
        }
    }
    pct(completed as f64, all as f64)
}

fn certifications(scope: &[Employee<'_>], catalog: &Catalog, span: &Span) -> usize {
    scope
        .iter()
        .flat_map(|e| &e.record.enrollments)
        .filter(|en| en.status == EnrollmentStatus::Completed)
        .filter(|en| en.completed_at.is_some_and(|t| span.contains(t)))
        .filter(|en| {
            catalog
                .courses
                .get(&en.course_id)
                .is_some_and(|c| c.issues_certificate)
        })
        .count()
}

fn roi_metrics(
    ctx: &Ctx<'_>,
    scope: &[Employee<'_>],
    investment: f64,
    skills: usize,
    settings: &OrgSettings,
) -> RoiMetrics {
    let gains = settings
        .value_per_skill
        .filter(|v| v.is_finite())
        .map(|v| skills as f64 * v);
    let roi = gains.and_then(|g| pct(g - investment, investment));
    let weeks: Vec<f64> = acquisitions(scope, &ctx.period)
        .into_iter()
        .filter_map(|(index, skill, acquired_at)| {
            let first = scope[index]
                .record
                .enrollments
                .iter()
                .filter(|en| {
                    ctx.catalog
                        .courses
                        .get(&en.course_id)
                        .is_some_and(|c| c.taught_skills.iter().any(|t| t.skill_id == skill))
                })
                .map(|en| en.enrolled_at)
                .min()?;
            (first <= acquired_at)
                .then(|| (acquired_at - first).num_seconds() as f64 / (7.0 * 86_400.0))
        })
        .collect();
    RoiMetrics {
        training_investment: round_dp(investment, 2),
        productivity_gains: gains.map(|g| round_dp(g, 2)),
        roi: roi.map(|r| round_dp(r, 1)),
        cost_per_skill_acquired: (skills > 0).then(|| round_dp(investment / skills as f64, 2)),
        average_time_to_skill: mean(&weeks).map(|w| round_dp(w, 1)),
    }
}

fn department_metrics(
    ctx: &Ctx<'_>,
    members: &[Employee<'_>],
    target: f64,
    previous_quarter_end: DateTime<Utc>,
) -> DepartmentMetrics {
    let active = members
        .iter()
        .filter(|e| active_in(e.record, ctx.clock, &ctx.period))
        .count();
    let closure_now = gap_closure(members, ctx.period.end);
    let closure_before = gap_closure(members, previous_quarter_end);
    let closure = closure_now.map(|c| round_dp(c, 1));
    DepartmentMetrics {
        sample_size: members.len(),
        total_employees: members.len(),
        actively_learning: active,
        participation_rate: pct(active as f64, members.len() as f64).map(|p| round_dp(p, 1)),
        completion_rate: completion_rate(members, ctx.period.end).map(|p| round_dp(p, 1)),
        skills_acquired: acquisitions(members, &ctx.period).len(),
        top_skills: top_skills(ctx.catalog, members, ctx.period.end),
        skill_gap_closure: closure,
        target: round_dp(target, 1),
        status: closure.map(|c| closure_status(c, target)),
        trend: closure_now
            .zip(closure_before)
            .map(|(now, before)| round_dp(now - before, 1)),
    }
}

/// The 3 skills acquired by `end` by most members (ties by name).
fn top_skills(catalog: &Catalog, members: &[Employee<'_>], end: DateTime<Utc>) -> Vec<TopSkill> {
    let mut holders: BTreeMap<SkillId, BTreeSet<_>> = BTreeMap::new();
    for employee in members {
        for skill in &employee.record.user_skills {
            if skill.acquired && skill.acquired_at.is_none_or(|t| t < end) {
                holders
                    .entry(skill.skill_id)
                    .or_default()
                    .insert(employee.id());
            }
        }
    }
    let mut skills: Vec<TopSkill> = holders
        .into_iter()
        .map(|(skill, users)| TopSkill {
            skill: skill_name(catalog, skill),
            employees_with_skill: users.len(),
        })
        .collect();
    skills.sort_by(|a, b| {
        b.employees_with_skill
            .cmp(&a.employees_with_skill)
            .then(a.skill.cmp(&b.skill))
    });
    skills.truncate(3);
    skills
}

/// Closed target requirements / all target requirements * 100 as of `at`.
pub fn gap_closure(members: &[Employee<'_>], at: DateTime<Utc>) -> Option<f64> {
    let mut all = 0usize;
    let mut closed = 0usize;
    for employee in members {
        let mut targets: BTreeMap<SkillId, SkillLevel> = BTreeMap::new();
        for target in &employee.record.skill_targets {
            let level = targets
                .entry(target.skill_id)
                .or_insert(target.target_level);
            *level = (*level).max(target.target_level);
        }
        for (skill, level) in targets {
            all += 1;
            if super::shared::meets_level(employee.record, skill, level, at) {
                closed += 1;
            }
        }
    }
    pct(closed as f64, all as f64)
}

fn trends(
    ctx: &Ctx<'_>,
    scope: &[Employee<'_>],
    units: &BTreeMap<UserId, Vec<DateTime<Utc>>>,
    skills_now: usize,
) -> Trends {
    let elapsed = ctx.period.end - ctx.period.start;
    let like_for_like = |quarter: Quarter| {
        let whole = quarter.span(ctx.clock.tz);
        whole.until(whole.start + elapsed)
    };
    let previous = acquisitions(scope, &like_for_like(ctx.quarter.previous())).len();
    let year_ago = acquisitions(scope, &like_for_like(ctx.quarter.year_before())).len();
    Trends {
        quarter_over_quarter: growth_pct(skills_now as f64, previous as f64)
            .map(|g| round_dp(g, 1)),
        year_over_year: growth_pct(skills_now as f64, year_ago as f64).map(|g| round_dp(g, 1)),
        peak_learning_month: peak_month(ctx, scope),
        weekly_average_velocity: weekly_velocity(ctx, scope, units),
    }
}

fn peak_month(ctx: &Ctx<'_>, scope: &[Employee<'_>]) -> Option<String> {
    let (last_year, last_month) = if ctx.is_current {
        let today = ctx.clock.today();
        (
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
        )
    } else {
        ctx.quarter.months()[2]
    };
    let mut best: Option<(f64, String)> = None;
    for offset in -11..=0 {
        let (year, month) = add_months(last_year, last_month, offset);
        let (next_year, next_month) = add_months(year, month, 1);
        let from = month_start(ctx.clock.tz, year, month);
        let to = month_start(ctx.clock.tz, next_year, next_month).min(ctx.clock.now);
        let hours: f64 = scope
            .iter()
            .map(|e| learning_hours(&e.record.sessions, from, to))
            .sum();
        if hours > 0.0 && best.as_ref().is_none_or(|(h, _)| hours > *h) {
            best = Some((hours, format!("{year}-{month:02}")));
        }
    }
    best.map(|(_, label)| label)
}

fn weekly_velocity(
    ctx: &Ctx<'_>,
    scope: &[Employee<'_>],
    units: &BTreeMap<UserId, Vec<DateTime<Utc>>>,
) -> Vec<WeeklyVelocity> {
    let events: Vec<Vec<DateTime<Utc>>> = scope
        .iter()
        .map(|e| activity_events(e.record, ctx.clock))
        .collect();
    (0..WEEKLY_POINTS)
        .map(|i| {
            let end = ctx.period.end - Duration::days(7 * (WEEKLY_POINTS - 1 - i) as i64);
            let start = end - Duration::days(7);
            let window = Span::new(end - Duration::days(30), end);
            let paces: Vec<f64> = scope
                .iter()
                .zip(&events)
                .filter(|(_, events)| events.iter().any(|t| window.contains(*t)))
                .map(|(e, _)| pace_at(units_of(units, e.id()), end))
                .collect();
            WeeklyVelocity {
                week_start: ctx.clock.local_date(start),
                value: mean(&paces).map(|p| round_dp(p, 2)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::org::test_support::*;
    use crate::analytics::org::workforce::{EmployeeMetrics, build_org_metrics};
    use crate::model::{AssignmentType, TrainingInvestment};
    use proptest::prelude::*;

    fn pace(p: f64) -> EmployeeMetrics {
        EmployeeMetrics {
            average_pace: Some(p),
            ..EmployeeMetrics::default()
        }
    }

    /// Ten employees in department Alpha; see the test for the hand computation.
    fn fixture() -> (OrgRecord, Vec<LearnerRecord>, Catalog, OrgMetricsInput) {
        let mut org = org(&[(1, "Alpha")], &[]);
        org.org.settings.training_investment = vec![
            TrainingInvestment {
                period: "2026-Q2".into(),
                amount: 1000.0,
            },
            TrainingInvestment {
                period: "2026".into(),
                amount: 400.0,
            },
        ];
        org.org.settings.value_per_skill = Some(800.0);
        org.org.settings.gap_closure_target = Some(60.0);
        let mut people: Vec<LearnerRecord> = (0..10).map(|n| learner(n, Some(1), None)).collect();
        for n in 0..4 {
            people[n as usize]
                .sessions
                .push(session(n, at(2026, 5, 10), 60));
        }
        people[5].sessions.push(session(5, at(2026, 3, 10), 180));
        let e0 = &mut people[0];
        e0.topic_completions = vec![
            topic_completion(0, 1, ago(10)),
            topic_completion(0, 2, ago(3)),
            topic_completion(0, 3, ago(2)),
        ];
        e0.enrollments = vec![
            enrollment(
                0,
                1,
                at(2026, 4, 3),
                Some(at(2026, 4, 20)),
                AssignmentType::Voluntary,
            ),
            enrollment(0, 2, at(2026, 4, 5), None, AssignmentType::Voluntary),
        ];
        e0.user_skills = vec![
            user_skill(0, 1, 3, Some(at(2026, 5, 1))),
            user_skill(0, 2, 2, Some(at(2026, 3, 15))),
        ];
        e0.skill_targets = vec![skill_target(0, 1, 2)];
        let e1 = &mut people[1];
        let mut completed_undated =
            enrollment(1, 2, at(2026, 2, 1), None, AssignmentType::Mandatory);
        completed_undated.status = EnrollmentStatus::Completed;
        e1.enrollments = vec![completed_undated];
        e1.user_skills = vec![
            user_skill(1, 1, 2, Some(at(2026, 4, 10))),
            user_skill(1, 3, 1, None),
        ];
        e1.skill_targets = vec![skill_target(1, 3, 2)];
        people[2].enrollments = vec![enrollment(
            2,
            2,
            at(2026, 7, 1),
            None,
            AssignmentType::Voluntary,
        )];
        let catalog = catalog(
            vec![course(1, true, &[1]), course(2, false, &[])],
            vec![skill(1, "Rust"), skill(2, "SQL"), skill(3, "Go")],
        );
        let metrics = build_org_metrics([
            (user_id(0), pace(2.0)),
            (user_id(1), pace(1.9)),
            (user_id(2), pace(1.0)),
            (user_id(3), pace(0.5)),
            (user_id(5), pace(3.0)),
        ]);
        (org, people, catalog, metrics)
    }

    fn run(params: &VelocityParams) -> Analysis<OrgLearningVelocity> {
        let (org, people, catalog, metrics) = fixture();
        compute(&org, &refs(&people), &catalog, &metrics, &clock(), params)
    }

    #[test]
    fn hand_computed_current_quarter() {
        let out = run(&VelocityParams::default());
        let out = out.ready().expect("ready");
        assert_eq!(out.period.label(), "2026-Q2");
        let o = &out.overview;
        // Employees 0-3 have a session on 10 May: 4 of 10 -> 40.0.
        assert_eq!((o.total_employees, o.actively_learning), (10, 4));
        assert_eq!(o.participation_rate, Some(40.0));
        // Enrollments existing now: e0 x2, e1 x1 (e2's starts in July); completed: e0's
        // course 1 and e1's undated completion -> 2/3 = 66.7.
        assert_eq!(o.average_completion_rate, Some(66.7));
        // Acquired in Q2: e0 Rust (1 May), e1 Rust (10 Apr); e0 SQL (15 Mar) is Q1.
        assert_eq!(o.skills_acquired_this_quarter, 2);
        assert_eq!(o.certifications_earned, 1);
        // Paces of the active: 2.0, 1.9, 1.0, 0.5 -> mean 5.4/4 = 1.35; e5 (3.0) inactive.
        assert_eq!(o.average_velocity, Some(1.35));
        assert_eq!(
            o.velocity_distribution,
            VelocityDistribution {
                high: 1,
                medium: 2,
                low: 1
            }
        );
        // Investment 1000 + 400/4 = 1100; gains 2 * 800 = 1600; roi 500/1100 = 45.45 ->
        // 45.5; cost 1100/2 = 550; e0 enrolled in Rust's course 3 Apr, acquired 1 May:
        // 28 days = 4.0 weeks (e1 has no such enrollment).
        assert_eq!(
            out.roi_metrics,
            Some(RoiMetrics {
                training_investment: 1100.0,
                productivity_gains: Some(1600.0),
                roi: Some(45.5),
                cost_per_skill_acquired: Some(550.0),
                average_time_to_skill: Some(4.0),
            })
        );
        // Department Alpha holds everyone. Targets: e0 Rust>=2 (level 3 since 1 May: closed
        // now, open on 1 Apr), e1 Go>=2 (level 1: open) -> 50.0 now, 0.0 before -> +50.0.
        // Target 60: 50 is exactly target - 10 -> at_risk.
        let row = &out.department_breakdown[0];
        let d = row.metrics.shown().expect("shown");
        assert_eq!(d.sample_size, 10);
        assert_eq!(d.skill_gap_closure, Some(50.0));
        assert_eq!(d.target, 60.0);
        assert_eq!(d.status, Some(ClosureStatus::AtRisk));
        assert_eq!(d.trend, Some(50.0));
        assert_eq!(
            d.top_skills,
            vec![
                TopSkill {
                    skill: "Rust".into(),
                    employees_with_skill: 2
                },
                TopSkill {
                    skill: "SQL".into(),
                    employees_with_skill: 1
                },
            ]
        );
        // Q1 like for like (1 Jan .. 17 Mar 12:00) holds e0's SQL: (2 - 1)/1 = +100%.
        assert_eq!(out.trends.quarter_over_quarter, Some(100.0));
        assert_eq!(out.trends.year_over_year, None);
        // May: 4 x 1 h > March: 3 h.
        assert_eq!(out.trends.peak_learning_month.as_deref(), Some("2026-05"));
        let weekly = &out.trends.weekly_average_velocity;
        assert_eq!(weekly.len(), 12);
        assert_eq!(weekly[0].week_start.to_string(), "2026-03-23");
        assert_eq!(weekly[11].week_start.to_string(), "2026-06-08");
        // Last week: only e0 active in the 30 days before now, 3 units -> 3/(30/7) = 0.7.
        assert_eq!(weekly[11].value, Some(0.7));
        // Week ending 8 Jun: e0-e3 active (10 May session), e0 has 1 unit (5 Jun):
        // (7/30)/4 = 0.0583 -> 0.06.
        assert_eq!(weekly[10].value, Some(0.06));
    }

    #[test]
    fn past_quarter_recomputes_pace_and_prorates_the_annual_budget() {
        let q1 = Quarter::new(2026, 1);
        let out = run(&VelocityParams {
            period: q1,
            department_id: None,
        });
        let out = out.ready().unwrap();
        // Only e5 (10 Mar session) is active; pace at 1 Apr from the records is 0.
        assert_eq!(out.overview.actively_learning, 1);
        assert_eq!(out.overview.average_velocity, Some(0.0));
        assert_eq!(out.overview.velocity_distribution.low, 1);
        assert_eq!(out.overview.skills_acquired_this_quarter, 1);
        // Only the annual entry matches Q1: 400/4 = 100; gains 800; roi 700%.
        let roi = out.roi_metrics.as_ref().unwrap();
        assert_eq!(roi.training_investment, 100.0);
        assert_eq!(roi.roi, Some(700.0));
        assert_eq!(out.trends.peak_learning_month.as_deref(), Some("2026-03"));
    }

    #[test]
    fn no_investment_data_means_no_roi() {
        let (mut org, people, catalog, metrics) = fixture();
        org.org.settings.training_investment.clear();
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &VelocityParams::default(),
        );
        let out = out.ready().unwrap();
        assert_eq!(out.roi_metrics, None);
        let json = serde_json::to_value(out).unwrap();
        assert!(json["roiMetrics"].is_null());
    }

    #[test]
    fn empty_org_and_future_periods_are_insufficient() {
        let (org, _, catalog, metrics) = fixture();
        let out = compute(
            &org,
            &[],
            &catalog,
            &metrics,
            &clock(),
            &VelocityParams::default(),
        );
        assert!(out.ready().is_none());
        let future = run(&VelocityParams {
            period: Quarter::new(2026, 3),
            department_id: None,
        });
        assert!(future.ready().is_none());
    }

    #[test]
    fn small_departments_are_hidden_with_their_complement() {
        // Alpha 12, Beta 4, Gamma 15: Beta hidden, so Alpha (next smallest) too.
        let org = org(&[(1, "Alpha"), (2, "Beta"), (3, "Gamma")], &[]);
        let mut people = Vec::new();
        for n in 0..31u128 {
            let dept = if n < 12 {
                1
            } else if n < 16 {
                2
            } else {
                3
            };
            people.push(learner(n, Some(dept), None));
        }
        let catalog = catalog(vec![], vec![]);
        let metrics = OrgMetricsInput::default();
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &VelocityParams::default(),
        );
        let out = out.ready().unwrap();
        assert_eq!(
            out.overview.total_employees, 31,
            "org totals whatever the segments"
        );
        let shown: Vec<bool> = out
            .department_breakdown
            .iter()
            .map(|r| !r.metrics.is_suppressed())
            .collect();
        assert_eq!(shown, vec![false, false, true]);
        let json = serde_json::to_value(&out.department_breakdown[1]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "departmentId": dept_id(2),
                "departmentName": "Beta",
                "insufficientData": true,
                "minimumRequired": 10
            })
        );
        let gamma = serde_json::to_value(&out.department_breakdown[2]).unwrap();
        assert_eq!(gamma["sampleSize"], 15);
        assert_eq!(gamma["skillGapClosure"], serde_json::Value::Null);
        // Filtering by a hidden department is refused; by a shown one, scoped.
        let hidden = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &VelocityParams {
                period: None,
                department_id: Some(dept_id(1)),
            },
        );
        assert!(hidden.ready().is_none());
        let scoped = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &VelocityParams {
                period: None,
                department_id: Some(dept_id(3)),
            },
        );
        let scoped = scoped.ready().unwrap();
        assert_eq!(scoped.overview.total_employees, 15);
        assert_eq!(scoped.department_breakdown.len(), 1);
        assert_eq!(scoped.roi_metrics, None);
    }

    #[test]
    fn bands_and_investment_periods() {
        // on_track >= target; at_risk >= target - 10; else behind.
        assert_eq!(closure_status(75.0, 75.0), ClosureStatus::OnTrack);
        assert_eq!(closure_status(74.9, 75.0), ClosureStatus::AtRisk);
        assert_eq!(closure_status(65.0, 75.0), ClosureStatus::AtRisk);
        assert_eq!(closure_status(64.9, 75.0), ClosureStatus::Behind);
        let mut d = VelocityDistribution::default();
        for p in [2.0, 1.99, 1.0, 0.99, 0.0] {
            velocity_band(p, &mut d);
        }
        assert_eq!(
            d,
            VelocityDistribution {
                high: 1,
                medium: 2,
                low: 2
            }
        );
        let settings = OrgSettings {
            training_investment: vec![
                TrainingInvestment {
                    period: "2026-04".into(),
                    amount: 10.0,
                },
                TrainingInvestment {
                    period: "2026-06".into(),
                    amount: 20.0,
                },
                TrainingInvestment {
                    period: "2026-07".into(),
                    amount: 99.0,
                },
                TrainingInvestment {
                    period: "2025".into(),
                    amount: 99.0,
                },
            ],
            ..OrgSettings::default()
        };
        // Months April and June of Q2: 10 + 20 = 30; July and 2025 do not match.
        assert_eq!(
            investment_for(&settings, Quarter::new(2026, 2).unwrap()),
            Some(30.0)
        );
        assert_eq!(
            investment_for(&settings, Quarter::new(2026, 1).unwrap()),
            None
        );
    }

    #[test]
    fn output_serialises_with_the_spec_names() {
        let out = run(&VelocityParams::default());
        let json = serde_json::to_value(out.ready().unwrap()).unwrap();
        for key in [
            "organizationId",
            "period",
            "overview",
            "roiMetrics",
            "departmentBreakdown",
            "trends",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["period"], "2026-Q2");
        assert!(json["overview"]["velocityDistribution"]["high"].is_number());
        assert!(json["trends"]["weeklyAverageVelocity"][0]["weekStart"].is_string());
        assert_eq!(json["departmentBreakdown"][0]["status"], "at_risk");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_orgs_stay_in_range(
            people in prop::collection::vec(
                (0u8..4, prop::option::of(0.0f64..6.0), prop::collection::vec(0i64..200, 0..4),
                 prop::collection::vec((0i64..200, prop::option::of(0i64..200)), 0..3),
                 prop::collection::vec((1u128..4, 0i64..200, 0u8..5), 0..3)),
                0..25),
            target in prop::option::of(0.0f64..100.0),
        ) {
            let mut org = org(&[(1, "A"), (2, "B"), (3, "C")], &[]);
            org.org.settings.gap_closure_target = target;
            org.org.settings.training_investment = vec![TrainingInvestment { period: "2026-Q2".into(), amount: 500.0 }];
            org.org.settings.value_per_skill = Some(100.0);
            let mut records = Vec::new();
            let mut entries = Vec::new();
            for (n, (dept, p, sessions, enrollments, skills)) in people.iter().enumerate() {
                let n = n as u128;
                let mut r = learner(n, (*dept > 0).then_some(u128::from(*dept)), None);
                for s in sessions { r.sessions.push(session(n, ago(*s), 30)); }
                for (i, (e, c)) in enrollments.iter().enumerate() {
                    let done = c.filter(|c| c < e).map(ago);
                    r.enrollments.push(enrollment(n, i as u128, ago(*e), done, AssignmentType::Voluntary));
                }
                for (s, a, l) in skills {
                    r.user_skills.push(user_skill(n, *s, *l, Some(ago(*a))));
                    r.skill_targets.push(skill_target(n, *s, 2));
                    r.topic_completions.push(topic_completion(n, *s, ago(*a)));
                }
                r.sort();
                entries.push((user_id(n), EmployeeMetrics { average_pace: *p, ..EmployeeMetrics::default() }));
                records.push(r);
            }
            let metrics = build_org_metrics(entries);
            let catalog = catalog(vec![course(0, true, &[1]), course(1, false, &[2])], vec![skill(1, "a"), skill(2, "b")]);
            let run = || compute(&org, &refs(&records), &catalog, &metrics, &clock(), &VelocityParams::default());
            let out = run();
            prop_assert_eq!(&out, &run());
            let debug = format!("{out:?}");
            prop_assert!(!has_non_finite(&debug), "{}", debug);
            if let Some(out) = out.ready() {
                let o = &out.overview;
                for rate in [o.participation_rate, o.average_completion_rate].into_iter().flatten() {
                    prop_assert!((0.0..=100.0).contains(&rate));
                }
                let d = o.velocity_distribution;
                prop_assert_eq!(d.high + d.medium + d.low, o.actively_learning);
                prop_assert!(o.actively_learning <= o.total_employees);
                prop_assert_eq!(out.trends.weekly_average_velocity.len(), 12);
                for row in &out.department_breakdown {
                    if let Some(m) = row.metrics.shown() {
                        prop_assert!(m.sample_size >= 10);
                        if let (Some(c), Some(s)) = (m.skill_gap_closure, m.status) {
                            prop_assert!((0.0..=100.0).contains(&c));
                            prop_assert_eq!(s, closure_status(c, m.target));
                        }
                    }
                }
            } else {
                prop_assert!(records.is_empty());
            }
        }
    }
}
