//! AS-003.12 Strategic Alignment Tracking (`strategic_alignment`, endpoint O2).
//!
//! Question: how well do the organisation's skills and training line up with its business
//! goals (KPIs) and its value proposition?
//!
//! Inputs: KPIs `{kpiId, name, target, achieved, weight, linkedSkillIds, departmentId?,
//! period}`, value propositions `{skills [{skillId, requiredLevel, businessPriority}],
//! appliesTo}`, org setting `alignmentWeights {k, s, t}` (default 0.5/0.3/0.2) (DIR);
//! employee skill levels (SE); mandatory enrollments and completions (CB); skill names
//! ([`Catalog`]). Parameters ([`AlignmentParams`]): the range `[start, end)` (default
//! `now − window .. now`, decision 12), `departmentId`, `kpiId`, `valuePropId`.
//!
//! - KPIs in scope: the organisation's KPIs whose period overlaps the range (the `kpiId`
//!   filter keeps one; the `departmentId` filter keeps the department's own KPIs)
//!   **(decided here)**; sorted by name, then id.
//!   `achievementPct = achieved / target * 100` (reported uncapped, 1 dp; null if target is
//!   0); `status` on_track >= 80, at_risk >= 50, else off_track, judged on the rounded pct.
//!   `KPI_achievement` = weight-normalised mean of `clamp(pct, 0, 100)` over the KPIs with a
//!   pct (the lower clamp is **decided here**); all weights 0 -> plain mean **(decided
//!   here)**.
//! - Value proposition: see [`shared`] for the choice and scope. Skill `coveragePct` =
//!   in-scope employees with level >= required / in-scope * 100 (1 dp);
//!   `overallSkillCoveragePct` = mean over skills; `workerReadinessPct` = in-scope employees
//!   meeting all required levels / in-scope * 100. When the in-scope employees are only part
//!   of the analysed employees (a department-scoped proposition), they are a sub-group: below
//!   K the proposition is replaced by the k-anonymity marker, readiness is null and the
//!   coverage component is dropped from the score **(decided here)**.
//! - `mandatoryCompletionPct` = employees who completed all their mandatory courses (by the
//!   range end) / employees with any * 100; `nonCompliantCount` = the others; pct null when
//!   none is assigned (see [`shared`] for "assigned").
//! - `alignmentScore = k*KPI + s*coverage + t*compliance`, 1 dp; null components dropped and
//!   weights rescaled; invalid weights (negative, non-finite, all zero) fall back to the
//!   defaults **(decided here)**. `alignmentGrade` A >= 90, B >= 80, C >= 70, D >= 60, else F
//!   on the rounded score.
//! - `alignmentMatrix`: KPI rows x linked skills (by name, then id), cell = coverage among
//!   the analysed employees at the proposition's required level for that skill, Beginner
//!   (holds the skill) for a skill the proposition does not list **(decided here)**.
//! - Gap analysis over the proposition's skills (rounded coverage): < 50 critical, < 75
//!   medium, < 100 low; `topMissingSkills` = the 5 lowest-coverage skills with a gap,
//!   `{skill (name), priority, gap = 100 - coverage}`, ties by priority then name.
//! - `departments`: the same components per department (its own KPIs, its members in the
//!   proposition's scope, its members' mandatory training); hidden below K with
//!   complementary suppression; shown rows carry `sampleSize`.
//! - `insights`: deterministic templates.
//!
//! Example: 0.5*74 + 0.3*68.2 + 0.2*81.4 = 73.74 -> 73.7 -> C.
//!
//! Insufficient data: a `departmentId` that is unknown or hidden; or nothing to align
//! (no KPI in range, no value proposition, no mandatory assignment).

use super::period::{DateRange, Span};
use super::shared::{
    Grade, Requirement, grade, group_coverage, in_vp_scope, mandatory_assignments, meets_level,
    requirements, rescaled_weighted, select_value_proposition, skill_coverage, skill_name,
};
use super::workforce::{Employee, OrgMetricsInput, Workforce};
use crate::analytics::Analysis;
use crate::analytics::common::{Clock, K, Window, clamp, mean, pct, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{DepartmentId, KpiId, OrgId, SkillId, ValuePropId};
use crate::model::{AlignmentWeights, BusinessPriority, Kpi, SkillLevel, ValueProposition};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Default component weights `{k, s, t}`.
pub const DEFAULT_WEIGHTS: AlignmentWeights = AlignmentWeights {
    k: 0.5,
    s: 0.3,
    t: 0.2,
};

/// Query parameters of O2.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignmentParams {
    pub span: Span,
    pub department_id: Option<DepartmentId>,
    pub kpi_id: Option<KpiId>,
    pub value_prop_id: Option<ValuePropId>,
}

impl AlignmentParams {
    /// `[now − window, now)` without filters.
    pub fn for_window(clock: &Clock, window: Window) -> Self {
        AlignmentParams {
            span: Span::from_window(clock, window),
            department_id: None,
            kpi_id: None,
            value_prop_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategicAlignment {
    pub org_id: OrgId,
    pub date_range: DateRange,
    pub kpis: Vec<KpiRow>,
    /// Null without a value proposition; the k-anonymity marker when its scope is a
    /// sub-group below K.
    pub value_proposition: Option<Guarded<ValuePropositionCoverage>>,
    pub worker_readiness_pct: Option<f64>,
    pub training_compliance: TrainingCompliance,
    pub alignment_score: Option<f64>,
    pub alignment_grade: Option<Grade>,
    pub alignment_matrix: Vec<MatrixRow>,
    pub gap_analysis: GapAnalysis,
    pub departments: Vec<DepartmentAlignmentRow>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiRow {
    pub kpi_id: KpiId,
    pub name: String,
    pub target: f64,
    pub achieved: f64,
    pub achievement_pct: Option<f64>,
    pub weight: f64,
    pub status: Option<KpiStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    OnTrack,
    AtRisk,
    OffTrack,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValuePropositionCoverage {
    pub value_prop_id: ValuePropId,
    pub skills: Vec<SkillCoverage>,
    pub overall_skill_coverage_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillCoverage {
    pub skill_id: SkillId,
    pub name: String,
    pub required_level: SkillLevel,
    pub coverage_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingCompliance {
    pub mandatory_completion_pct: Option<f64>,
    pub non_compliant_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixRow {
    pub kpi_id: KpiId,
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixCell {
    pub skill_id: SkillId,
    pub coverage_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapAnalysis {
    pub critical_gaps: usize,
    pub medium_gaps: usize,
    pub low_gaps: usize,
    pub top_missing_skills: Vec<MissingSkill>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingSkill {
    pub skill: String,
    pub priority: BusinessPriority,
    pub gap: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentAlignmentRow {
    pub department_id: DepartmentId,
    #[serde(flatten)]
    pub metrics: Guarded<DepartmentAlignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentAlignment {
    pub sample_size: usize,
    pub kpi_achievement_pct: Option<f64>,
    pub skill_coverage_pct: Option<f64>,
    pub training_compliance_pct: Option<f64>,
    pub alignment_score: Option<f64>,
}

/// on_track >= 80, at_risk >= 50, else off_track.
pub fn kpi_status(achievement_pct: f64) -> KpiStatus {
    if achievement_pct >= 80.0 {
        KpiStatus::OnTrack
    } else if achievement_pct >= 50.0 {
        KpiStatus::AtRisk
    } else {
        KpiStatus::OffTrack
    }
}

/// The org's weights, or the defaults when absent or invalid.
pub fn effective_weights(weights: Option<AlignmentWeights>) -> AlignmentWeights {
    weights
        .filter(|w| {
            let parts = [w.k, w.s, w.t];
            parts.iter().all(|p| p.is_finite() && *p >= 0.0) && parts.iter().sum::<f64>() > 0.0
        })
        .unwrap_or(DEFAULT_WEIGHTS)
}

/// `k*KPI + s*coverage + t*compliance` with null components dropped and weights rescaled
/// (unrounded).
pub fn alignment_score(
    weights: AlignmentWeights,
    kpi: Option<f64>,
    coverage: Option<f64>,
    compliance: Option<f64>,
) -> Option<f64> {
    rescaled_weighted(&[
        (weights.k, kpi),
        (weights.s, coverage),
        (weights.t, compliance),
    ])
}

/// Weight-normalised mean of `clamp(pct, 0, 100)` (plain mean when all weights are 0).
pub fn kpi_achievement(kpis: &[&Kpi]) -> Option<f64> {
    let parts: Vec<(f64, f64)> = kpis
        .iter()
        .filter_map(|k| {
            pct(k.achieved, k.target).map(|p| {
                let weight = if k.weight.is_finite() {
                    k.weight.max(0.0)
                } else {
                    0.0
                };
                (weight, clamp(p, 0.0, 100.0))
            })
        })
        .collect();
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    if total > 0.0 {
        Some(parts.iter().map(|(w, p)| w * p).sum::<f64>() / total)
    } else {
        mean(&parts.iter().map(|(_, p)| *p).collect::<Vec<_>>())
    }
}

/// Employees with any mandatory assignment by `end`, and those who completed them all.
fn compliance(members: &[Employee<'_>], end: DateTime<Utc>) -> (usize, usize) {
    let mut with_any = 0;
    let mut completers = 0;
    for employee in members {
        let a = mandatory_assignments(employee.record, None, end);
        if a.assigned > 0 {
            with_any += 1;
            if a.all_completed() {
                completers += 1;
            }
        }
    }
    (with_any, completers)
}

pub fn compute(
    org: &OrgRecord,
    members: &[&LearnerRecord],
    catalog: &Catalog,
    metrics: &OrgMetricsInput,
    clock: &Clock,
    params: &AlignmentParams,
) -> Analysis<StrategicAlignment> {
    let workforce = Workforce::new(org, members, metrics);
    let span = params.span;
    let end = span.end;
    let range = span.date_range(clock);
    let departments = workforce.departments();
    let (scope, rows): (Vec<Employee<'_>>, Vec<_>) = match params.department_id {
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

    // KPIs.
    let in_range = |k: &&Kpi| {
        k.org_id == org.org.id && k.period_start <= range.end && k.period_end >= range.start
    };
    let mut kpis: Vec<&Kpi> = org
        .kpis
        .iter()
        .filter(in_range)
        .filter(|k| params.kpi_id.is_none_or(|id| k.id == id))
        .filter(|k| {
            params
                .department_id
                .is_none_or(|d| k.department_id == Some(d))
        })
        .collect();
    kpis.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let kpi_rows: Vec<KpiRow> = kpis
        .iter()
        .map(|k| {
            let achievement = pct(k.achieved, k.target).map(|p| round_dp(p, 1));
            KpiRow {
                kpi_id: k.id,
                name: k.name.clone(),
                target: k.target,
                achieved: k.achieved,
                achievement_pct: achievement,
                weight: k.weight,
                status: achievement.map(kpi_status),
            }
        })
        .collect();
    let kpi_component = kpi_achievement(&kpis);

    // Value proposition.
    let vp = select_value_proposition(org, clock, &span, params.value_prop_id);
    let vp_view = vp.map(|vp| VpView::new(vp, catalog, &scope, end));
    let coverage_component = vp_view
        .as_ref()
        .and_then(|v| v.shown.then_some(v.overall).flatten());

    // Training compliance.
    let (with_any, completers) = compliance(&scope, end);
    let compliance_component = pct(completers as f64, with_any as f64);

    let weights = effective_weights(org.org.settings.alignment_weights);
    let score = alignment_score(
        weights,
        kpi_component,
        coverage_component,
        compliance_component,
    )
    .map(|s| round_dp(s, 1));
    if kpis.is_empty() && vp.is_none() && with_any == 0 {
        return Analysis::InsufficientData(
            "no KPI in range, no value proposition and no mandatory training to align with",
        );
    }

    // Matrix over the analysed employees.
    let vp_requirements = vp.map(requirements).unwrap_or_default();
    let alignment_matrix = kpis
        .iter()
        .map(|k| {
            let mut skills: Vec<SkillId> = k.linked_skill_ids.clone();
            skills.sort_by_key(|s| (skill_name(catalog, *s), *s));
            skills.dedup();
            MatrixRow {
                kpi_id: k.id,
                cells: skills
                    .into_iter()
                    .map(|skill| {
                        let requirement = vp_requirements
                            .iter()
                            .find(|r| r.skill_id == skill)
                            .copied()
                            .unwrap_or(Requirement {
                                skill_id: skill,
                                required_level: SkillLevel::BEGINNER,
                                business_priority: BusinessPriority::Medium,
                            });
                        MatrixCell {
                            skill_id: skill,
                            coverage_pct: skill_coverage(&scope, &requirement, end)
                                .map(|c| round_dp(c, 1)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();

    let gap_analysis = vp_view
        .as_ref()
        .filter(|v| v.shown)
        .map(|v| v.gap_analysis())
        .unwrap_or_default();

    let department_rows: Vec<DepartmentAlignmentRow> = rows
        .iter()
        .map(|segment| DepartmentAlignmentRow {
            department_id: segment.id,
            metrics: Guarded::new(
                if segment.shown {
                    segment.members.len()
                } else {
                    0
                },
                || {
                    let own: Vec<&Kpi> = org
                        .kpis
                        .iter()
                        .filter(in_range)
                        .filter(|k| k.department_id == Some(segment.id))
                        .filter(|k| params.kpi_id.is_none_or(|id| k.id == id))
                        .collect();
                    let kpi = kpi_achievement(&own);
                    let coverage = vp.and_then(|vp| group_coverage(vp, &segment.members, end));
                    let (with_any, completers) = compliance(&segment.members, end);
                    let compliance = pct(completers as f64, with_any as f64);
                    DepartmentAlignment {
                        sample_size: segment.members.len(),
                        kpi_achievement_pct: kpi.map(|v| round_dp(v, 1)),
                        skill_coverage_pct: coverage.map(|v| round_dp(v, 1)),
                        training_compliance_pct: compliance.map(|v| round_dp(v, 1)),
                        alignment_score: alignment_score(weights, kpi, coverage, compliance)
                            .map(|v| round_dp(v, 1)),
                    }
                },
            ),
        })
        .collect();

    let training_compliance = TrainingCompliance {
        mandatory_completion_pct: compliance_component.map(|c| round_dp(c, 1)),
        non_compliant_count: with_any - completers,
    };
    let insights = insights(
        score,
        [
            ("KPI achievement", kpi_component),
            ("Skill coverage", coverage_component),
            ("Training compliance", compliance_component),
        ],
        &kpi_rows,
        vp_view.as_ref(),
        &training_compliance,
        department_rows
            .iter()
            .filter(|r| r.metrics.is_suppressed())
            .count(),
    );

    Analysis::Ready(StrategicAlignment {
        org_id: org.org.id,
        date_range: range,
        kpis: kpi_rows,
        value_proposition: vp_view.as_ref().map(VpView::output),
        worker_readiness_pct: vp_view
            .as_ref()
            .filter(|v| v.shown)
            .and_then(|v| v.readiness)
            .map(|r| round_dp(r, 1)),
        training_compliance,
        alignment_score: score,
        alignment_grade: score.map(grade),
        alignment_matrix,
        gap_analysis,
        departments: department_rows,
        insights,
    })
}

/// The selected value proposition evaluated over its in-scope employees.
struct VpView {
    id: ValuePropId,
    /// `(requirement, name, unrounded coverage)` in skill-id order.
    skills: Vec<(Requirement, String, Option<f64>)>,
    overall: Option<f64>,
    readiness: Option<f64>,
    /// False when the in-scope employees are a sub-group below K.
    shown: bool,
}

impl VpView {
    fn new(
        vp: &ValueProposition,
        catalog: &Catalog,
        scope: &[Employee<'_>],
        end: DateTime<Utc>,
    ) -> Self {
        let in_scope: Vec<Employee<'_>> = scope
            .iter()
            .filter(|e| in_vp_scope(vp, e))
            .copied()
            .collect();
        let sub_group = in_scope.len() < scope.len();
        let shown = !sub_group || in_scope.len() >= K;
        let reqs = requirements(vp);
        let skills: Vec<(Requirement, String, Option<f64>)> = reqs
            .iter()
            .map(|r| {
                (
                    *r,
                    skill_name(catalog, r.skill_id),
                    skill_coverage(&in_scope, r, end),
                )
            })
            .collect();
        let overall = mean(&skills.iter().filter_map(|(_, _, c)| *c).collect::<Vec<_>>());
        let ready = in_scope
            .iter()
            .filter(|e| {
                reqs.iter()
                    .all(|r| meets_level(e.record, r.skill_id, r.required_level, end))
            })
            .count();
        VpView {
            id: vp.id,
            skills,
            overall,
            readiness: pct(ready as f64, in_scope.len() as f64),
            shown,
        }
    }

    fn output(&self) -> Guarded<ValuePropositionCoverage> {
        if !self.shown {
            return Guarded::Suppressed;
        }
        Guarded::Shown(ValuePropositionCoverage {
            value_prop_id: self.id,
            skills: self
                .skills
                .iter()
                .map(|(r, name, coverage)| SkillCoverage {
                    skill_id: r.skill_id,
                    name: name.clone(),
                    required_level: r.required_level,
                    coverage_pct: coverage.map(|c| round_dp(c, 1)),
                })
                .collect(),
            overall_skill_coverage_pct: self.overall.map(|c| round_dp(c, 1)),
        })
    }

    fn gap_analysis(&self) -> GapAnalysis {
        let mut analysis = GapAnalysis::default();
        let mut missing: Vec<(f64, &Requirement, &String)> = Vec::new();
        for (requirement, name, coverage) in &self.skills {
            let Some(coverage) = coverage.map(|c| round_dp(c, 1)) else {
                continue;
            };
            if coverage < 50.0 {
                analysis.critical_gaps += 1;
            } else if coverage < 75.0 {
                analysis.medium_gaps += 1;
            } else if coverage < 100.0 {
                analysis.low_gaps += 1;
            }
            if coverage < 100.0 {
                missing.push((coverage, requirement, name));
            }
        }
        missing.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(
                    b.1.business_priority
                        .weight()
                        .total_cmp(&a.1.business_priority.weight()),
                )
                .then(a.2.cmp(b.2))
        });
        analysis.top_missing_skills = missing
            .into_iter()
            .take(5)
            .map(|(coverage, requirement, name)| MissingSkill {
                skill: name.clone(),
                priority: requirement.business_priority,
                gap: round_dp(100.0 - coverage, 1),
            })
            .collect();
        analysis
    }
}

fn insights(
    score: Option<f64>,
    components: [(&str, Option<f64>); 3],
    kpis: &[KpiRow],
    vp: Option<&VpView>,
    compliance: &TrainingCompliance,
    hidden_departments: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(score) = score {
        out.push(format!(
            "Strategic alignment is {score:.1} (grade {:?}).",
            grade(score)
        ));
    }
    let present: Vec<(&str, f64)> = components
        .iter()
        .filter_map(|(name, value)| value.map(|v| (*name, v)))
        .collect();
    if present.len() >= 2
        && let Some((name, value)) = present
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)))
    {
        out.push(format!(
            "{name} is the weakest component at {:.1}%.",
            round_dp(*value, 1)
        ));
    }
    let off_track: Vec<&str> = kpis
        .iter()
        .filter(|k| k.status == Some(KpiStatus::OffTrack))
        .map(|k| k.name.as_str())
        .collect();
    if !off_track.is_empty() {
        out.push(format!(
            "{} of {} KPIs are off track: {}.",
            off_track.len(),
            kpis.len(),
            off_track.join(", ")
        ));
    }
    match vp {
        Some(vp) if !vp.shown => out.push(
            "The value proposition applies to fewer than 10 employees; its coverage is not shown."
                .to_owned(),
        ),
        Some(vp) => {
            let critical: Vec<&str> = vp
                .skills
                .iter()
                .filter(|(_, _, c)| c.is_some_and(|c| round_dp(c, 1) < 50.0))
                .map(|(_, name, _)| name.as_str())
                .collect();
            if !critical.is_empty() {
                out.push(format!(
                    "{} required skill(s) are held by fewer than half of the employees in scope: {}.",
                    critical.len(),
                    critical.join(", ")
                ));
            }
        }
        None => out.push("No value proposition is active in this period.".to_owned()),
    }
    if compliance.non_compliant_count > 0 {
        out.push(format!(
            "{} employee(s) have not completed all their mandatory training.",
            compliance.non_compliant_count
        ));
    }
    if hidden_departments > 0 {
        out.push(format!(
            "{hidden_departments} department(s) are not shown to protect groups of fewer than 10 employees."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::org::test_support::*;
    use crate::analytics::org::workforce::build_org_metrics;
    use crate::model::{AppliesTo, AssignmentType, RequiredSkill};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn kpi(n: u128, name: &str, target: f64, achieved: f64, weight: f64, skills: &[u128]) -> Kpi {
        Kpi {
            id: KpiId(id(5000 + n)),
            org_id: org_id(),
            department_id: None,
            name: name.into(),
            target,
            achieved,
            weight,
            linked_skill_ids: skills.iter().map(|s| skill_id(*s)).collect(),
            period_start: date(2026, 1, 1),
            period_end: date(2026, 12, 31),
        }
    }

    fn vp(
        n: u128,
        skills: &[(u128, u8, BusinessPriority)],
        departments: Option<&[u128]>,
    ) -> ValueProposition {
        ValueProposition {
            id: ValuePropId(id(6000 + n)),
            org_id: org_id(),
            period_start: date(2026, 1, 1),
            period_end: None,
            skills: skills
                .iter()
                .map(|(s, level, priority)| RequiredSkill {
                    skill_id: skill_id(*s),
                    required_level: SkillLevel::new((*level).into()).unwrap(),
                    business_priority: *priority,
                    justification: None,
                    deadline: None,
                })
                .collect(),
            applies_to: departments.map(|d| AppliesTo {
                department_ids: d.iter().map(|n| dept_id(*n)).collect(),
            }),
        }
    }

    fn params() -> AlignmentParams {
        AlignmentParams::for_window(&clock(), Window::Days30)
    }

    /// The spec example built from records: 43 employees in "Ops".
    fn spec_fixture() -> (OrgRecord, Vec<LearnerRecord>, Catalog) {
        let mut org = org(&[(1, "Ops")], &[]);
        org.kpis = vec![kpi(1, "Revenue", 100.0, 74.0, 1.0, &[1, 9])];
        org.value_propositions = vec![vp(
            1,
            &[
                (1, 2, BusinessPriority::Critical),
                (2, 2, BusinessPriority::High),
                (3, 2, BusinessPriority::Medium),
            ],
            None,
        )];
        let mut people = Vec::new();
        for n in 0..43u128 {
            let mut r = learner(n, Some(1), None);
            if n < 29 {
                r.user_skills = vec![
                    user_skill(n, 1, 2, None),
                    user_skill(n, 2, 3, None),
                    user_skill(n, 3, 2, None),
                ];
            } else if n == 29 {
                r.user_skills = vec![user_skill(n, 1, 2, None), user_skill(n, 2, 1, None)];
            }
            let done = (n < 35).then(|| at(2026, 2, 1));
            r.enrollments = vec![enrollment(
                n,
                1,
                at(2026, 1, 10),
                done,
                AssignmentType::Mandatory,
            )];
            people.push(r);
        }
        let catalog = catalog(
            vec![],
            vec![
                skill(1, "Kotlin"),
                skill(2, "Python"),
                skill(3, "Scala"),
                skill(9, "Zig"),
            ],
        );
        (org, people, catalog)
    }

    #[test]
    fn spec_example_73_7_is_grade_c() {
        // 0.5*74 + 0.3*68.2 + 0.2*81.4 = 37 + 20.46 + 16.28 = 73.74 -> 73.7 -> C
        let score = alignment_score(DEFAULT_WEIGHTS, Some(74.0), Some(68.2), Some(81.4)).unwrap();
        assert_eq!(round_dp(score, 1), 73.7);
        assert_eq!(grade(round_dp(score, 1)), Grade::C);
    }

    #[test]
    fn spec_example_from_records() {
        let (org, people, catalog) = spec_fixture();
        let metrics = build_org_metrics([]);
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &params(),
        );
        let out = out.ready().expect("ready");
        // KPI 74/100 = 74.0 -> at_risk (>= 50, < 80).
        assert_eq!(out.kpis[0].achievement_pct, Some(74.0));
        assert_eq!(out.kpis[0].status, Some(KpiStatus::AtRisk));
        // Coverage: Kotlin 30/43 = 69.77, Python 29/43 = 67.44, Scala 29/43 = 67.44;
        // mean = 88/129 = 68.22 -> 68.2.
        let vp = out.value_proposition.as_ref().unwrap().shown().unwrap();
        let coverages: Vec<Option<f64>> = vp.skills.iter().map(|s| s.coverage_pct).collect();
        assert_eq!(coverages, vec![Some(69.8), Some(67.4), Some(67.4)]);
        assert_eq!(vp.overall_skill_coverage_pct, Some(68.2));
        // 29 employees meet all three: 29/43 = 67.4.
        assert_eq!(out.worker_readiness_pct, Some(67.4));
        // 35 of 43 completed their mandatory course: 81.40 -> 81.4; 8 non-compliant.
        assert_eq!(
            out.training_compliance,
            TrainingCompliance {
                mandatory_completion_pct: Some(81.4),
                non_compliant_count: 8
            }
        );
        // 0.5*74 + 0.3*68.217 + 0.2*81.395 = 37 + 20.465 + 16.279 = 73.74 -> 73.7 -> C.
        assert_eq!(out.alignment_score, Some(73.7));
        assert_eq!(out.alignment_grade, Some(Grade::C));
        // Matrix: Kotlin at the proposition's level 2 (69.8); Zig, not listed, at
        // Beginner: nobody -> 0.0. Cells by skill name.
        assert_eq!(
            out.alignment_matrix[0].cells,
            vec![
                MatrixCell {
                    skill_id: skill_id(1),
                    coverage_pct: Some(69.8)
                },
                MatrixCell {
                    skill_id: skill_id(9),
                    coverage_pct: Some(0.0)
                },
            ]
        );
        // All three in [50, 75): medium. Lowest first, ties by priority (high before medium).
        let gaps = &out.gap_analysis;
        assert_eq!(
            (gaps.critical_gaps, gaps.medium_gaps, gaps.low_gaps),
            (0, 3, 0)
        );
        let missing: Vec<(&str, f64)> = gaps
            .top_missing_skills
            .iter()
            .map(|m| (m.skill.as_str(), m.gap))
            .collect();
        assert_eq!(
            missing,
            vec![("Python", 32.6), ("Scala", 32.6), ("Kotlin", 30.2)]
        );
        // Department Ops: no own KPI -> (0.3*68.217 + 0.2*81.395)/0.5 = 73.488 -> 73.5.
        let ops = out.departments[0].metrics.shown().unwrap();
        assert_eq!(ops.sample_size, 43);
        assert_eq!(ops.kpi_achievement_pct, None);
        assert_eq!(ops.skill_coverage_pct, Some(68.2));
        assert_eq!(ops.training_compliance_pct, Some(81.4));
        assert_eq!(ops.alignment_score, Some(73.5));
        assert!(out.insights[0].contains("73.7") && out.insights[0].contains("grade C"));
        let json = serde_json::to_value(out).unwrap();
        assert_eq!(json["alignmentGrade"], "C");
        assert_eq!(json["valueProposition"]["skills"][0]["requiredLevel"], 2);
        assert_eq!(
            json["gapAnalysis"]["topMissingSkills"][0]["priority"],
            "high"
        );
        assert_eq!(json["dateRange"]["end"], "2026-06-15");
    }

    #[test]
    fn kpis_are_weighted_capped_and_missing_components_rescaled() {
        let mut org = org(&[], &[]);
        org.kpis = vec![
            kpi(1, "Growth", 100.0, 150.0, 1.0, &[]),
            kpi(2, "Margin", 200.0, 90.0, 3.0, &[]),
            kpi(3, "Undefined", 0.0, 10.0, 5.0, &[]),
            Kpi {
                period_start: date(2025, 1, 1),
                period_end: date(2025, 12, 31),
                ..kpi(4, "Last year", 100.0, 0.0, 9.0, &[])
            },
        ];
        let mut people: Vec<LearnerRecord> = (0..10).map(|n| learner(n, None, None)).collect();
        for n in 0..5u128 {
            let done = (n < 4).then(|| at(2026, 3, 1));
            people[n as usize].enrollments = vec![enrollment(
                n,
                1,
                at(2026, 2, 1),
                done,
                AssignmentType::Mandatory,
            )];
        }
        let metrics = build_org_metrics([]);
        let out = compute(
            &org,
            &refs(&people),
            &catalog(vec![], vec![]),
            &metrics,
            &clock(),
            &params(),
        );
        let out = out.ready().unwrap();
        // Last year's KPI is out of range; names sorted.
        let rows: Vec<(&str, Option<f64>, Option<KpiStatus>)> = out
            .kpis
            .iter()
            .map(|k| (k.name.as_str(), k.achievement_pct, k.status))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Growth", Some(150.0), Some(KpiStatus::OnTrack)),
                ("Margin", Some(45.0), Some(KpiStatus::OffTrack)),
                ("Undefined", None, None),
            ]
        );
        // KPI = (1*min(150,100) + 3*45)/4 = 58.75; compliance 4/5 = 80; no proposition:
        // (0.5*58.75 + 0.2*80)/0.7 = 45.375/0.7 = 64.82 -> 64.8 -> D.
        assert_eq!(out.alignment_score, Some(64.8));
        assert_eq!(out.alignment_grade, Some(Grade::D));
        assert!(out.value_proposition.is_none());
        assert_eq!(out.worker_readiness_pct, None);
        assert_eq!(out.gap_analysis, GapAnalysis::default());
    }

    #[test]
    fn status_and_weight_boundaries() {
        assert_eq!(kpi_status(80.0), KpiStatus::OnTrack);
        assert_eq!(kpi_status(79.9), KpiStatus::AtRisk);
        assert_eq!(kpi_status(50.0), KpiStatus::AtRisk);
        assert_eq!(kpi_status(49.9), KpiStatus::OffTrack);
        let bad = AlignmentWeights {
            k: -1.0,
            s: 1.0,
            t: 1.0,
        };
        assert_eq!(effective_weights(Some(bad)), DEFAULT_WEIGHTS);
        let zero = AlignmentWeights {
            k: 0.0,
            s: 0.0,
            t: 0.0,
        };
        assert_eq!(effective_weights(Some(zero)), DEFAULT_WEIGHTS);
        let own = AlignmentWeights {
            k: 1.0,
            s: 0.0,
            t: 0.0,
        };
        assert_eq!(effective_weights(Some(own)), own);
        // Only KPI counts with weights (1, 0, 0): the score is the KPI achievement.
        assert_eq!(
            alignment_score(own, Some(55.0), Some(90.0), Some(90.0)),
            Some(55.0)
        );
        // All weights zero in KPIs: plain mean of 100 and 50 = 75.
        let a = kpi(1, "a", 10.0, 10.0, 0.0, &[]);
        let b = kpi(2, "b", 10.0, 5.0, 0.0, &[]);
        assert_eq!(kpi_achievement(&[&a, &b]), Some(75.0));
        // A negative achievement counts as 0.
        let c = kpi(3, "c", 10.0, -5.0, 1.0, &[]);
        assert_eq!(kpi_achievement(&[&c]), Some(0.0));
        assert_eq!(kpi_achievement(&[]), None);
    }

    #[test]
    fn a_small_proposition_scope_is_suppressed_and_left_out_of_the_score() {
        let mut org = org(&[(1, "Small"), (2, "Large")], &[]);
        org.kpis = vec![kpi(1, "Revenue", 100.0, 60.0, 1.0, &[1])];
        org.value_propositions = vec![vp(1, &[(1, 1, BusinessPriority::High)], Some(&[1]))];
        let people: Vec<LearnerRecord> = (0..25u128)
            .map(|n| {
                let mut r = learner(n, Some(if n < 5 { 1 } else { 2 }), None);
                r.user_skills = vec![user_skill(n, 1, 2, None)];
                r
            })
            .collect();
        let metrics = build_org_metrics([]);
        let out = compute(
            &org,
            &refs(&people),
            &catalog(vec![], vec![]),
            &metrics,
            &clock(),
            &params(),
        );
        let out = out.ready().unwrap();
        assert!(out.value_proposition.as_ref().unwrap().is_suppressed());
        assert_eq!(out.worker_readiness_pct, None);
        assert_eq!(out.gap_analysis, GapAnalysis::default());
        // Score = KPI only (no compliance data): 60.0 -> D.
        assert_eq!(out.alignment_score, Some(60.0));
        assert_eq!(out.alignment_grade, Some(Grade::D));
        // Small (5) hidden, Large (20) hidden as its complement.
        assert!(out.departments.iter().all(|d| d.metrics.is_suppressed()));
        let json = serde_json::to_value(out).unwrap();
        assert_eq!(json["valueProposition"]["insufficientData"], true);
        assert!(out.insights.iter().any(|i| i.contains("fewer than 10")));
    }

    #[test]
    fn nothing_to_align_is_insufficient() {
        let org = org(&[(1, "Ops")], &[]);
        let people: Vec<LearnerRecord> = (0..3).map(|n| learner(n, Some(1), None)).collect();
        let metrics = build_org_metrics([]);
        let catalog = catalog(vec![], vec![]);
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &params(),
        );
        assert!(out.ready().is_none());
        let (org, people, catalog) = spec_fixture();
        let filtered = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            &AlignmentParams {
                department_id: Some(dept_id(7)),
                ..params()
            },
        );
        assert!(filtered.ready().is_none(), "unknown department");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_alignment_stays_in_range(
            levels in prop::collection::vec((0u8..3, prop::collection::vec(0u8..5, 3), prop::option::of(any::<bool>())), 0..30),
            kpis in prop::collection::vec((-50.0f64..200.0, -20.0f64..300.0, 0.0f64..5.0), 0..4),
            required in prop::collection::vec(0u8..5, 0..3),
            scoped in any::<bool>(),
        ) {
            let mut org = org(&[(1, "A"), (2, "B")], &[]);
            org.kpis = kpis.iter().enumerate().map(|(i, (t, a, w))| kpi(i as u128, "k", *t, *a, *w, &[1, 2])).collect();
            let skills: Vec<(u128, u8, BusinessPriority)> = required.iter().enumerate().map(|(i, l)| (i as u128, *l, BusinessPriority::Low)).collect();
            org.value_propositions = vec![vp(1, &skills, scoped.then_some(&[1u128][..]))];
            let people: Vec<LearnerRecord> = levels.iter().enumerate().map(|(n, (dept, ls, mandatory))| {
                let n = n as u128;
                let mut r = learner(n, (*dept > 0).then_some(u128::from(*dept)), None);
                r.user_skills = ls.iter().enumerate().map(|(s, l)| user_skill(n, s as u128, *l, None)).collect();
                if let Some(done) = mandatory {
                    r.enrollments.push(enrollment(n, 1, ago(40), done.then(|| ago(10)), AssignmentType::Mandatory));
                }
                r
            }).collect();
            let metrics = build_org_metrics([]);
            let catalog = catalog(vec![], vec![]);
            let run = || compute(&org, &refs(&people), &catalog, &metrics, &clock(), &params());
            let out = run();
            prop_assert_eq!(&out, &run());
            let debug = format!("{out:?}");
            prop_assert!(!has_non_finite(&debug));
            if let Some(out) = out.ready() {
                if let Some(score) = out.alignment_score {
                    prop_assert!((0.0..=100.0).contains(&score));
                    prop_assert_eq!(out.alignment_grade, Some(grade(score)));
                }
                for k in &out.kpis {
                    if let Some(p) = k.achievement_pct { prop_assert_eq!(k.status, Some(kpi_status(p))); }
                }
                if let Some(Guarded::Shown(vp)) = &out.value_proposition {
                    for s in &vp.skills {
                        if let Some(c) = s.coverage_pct { prop_assert!((0.0..=100.0).contains(&c)); }
                    }
                }
                for r in [out.worker_readiness_pct, out.training_compliance.mandatory_completion_pct].into_iter().flatten() {
                    prop_assert!((0.0..=100.0).contains(&r));
                }
            }
        }
    }
}
