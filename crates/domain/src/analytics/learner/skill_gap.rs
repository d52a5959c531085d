//! AS-001.2 Skill Gap Matrix with Prioritization (`analyticsType = skill_gap_matrix`).
//!
//! Question: which of the skills this learner is expected to have are still missing, which
//! gaps matter most, and what should they do to close each one?
//!
//! Inputs: the learner's [`LearnerRecord`] (skill targets, current skill levels, sessions for
//! weekly study hours, activity on skills, learning paths, enrollments), the [`Catalog`]
//! (skills and their prerequisite graph, market demand, courses with taught skills, path
//! topics with skills, assessments and modules mapped to skills), the learner's organisation
//! (`Option<&OrgRecord>`: value propositions with business priority and justification), the
//! [`Clock`], [`PlatformDemand`] (the AS-005.18 `demandScore` per skill, built from that
//! analytic's result by [`PlatformDemand::from_scores`]) and [`CoursePopularity`]
//! (enrollments per course, built once per batch by [`CoursePopularity::build`]).
//!
//! # Targets
//! A target skill comes from any of these sources; its target level is the **max over
//! sources**; targets of level 0 are skipped:
//! - the learner's `SkillTarget` rows (any source);
//! - the value propositions of the learner's organisation that are in force today
//!   (`periodStart <= today <= periodEnd?`) and apply to the learner (`appliesTo` absent or
//!   with no departments = the whole organisation, else the learner's department must be
//!   listed) (decided here);
//! - the target competency of each active learning path, for every skill of its topics.
//!
//! `businessPriority` comes from the value proposition (a `SkillTarget` of source
//! `value_proposition` or an organisation value proposition; the highest of several, decided
//! here), else `medium`; `businessJustification` comes with the chosen value proposition.
//! `deadline` is the earliest deadline over all sources (decided here).
//!
//! # Formulas
//! - `gap = target - current` (current = the SE level, 0 when unknown);
//!   `gapPercentage = gap / target * 100` (1 dp).
//! - `priorityScore = round(0.25*gapPercentage + 0.30*B + 0.20*marketDemand +
//!   0.15*min(20*|prerequisiteFor|, 100) + 0.10*careerImpact)`, `B = {critical 100, high 75,
//!   medium 50, low 25}`; `marketDemand` = the latest SE observation (0-100), 50 when missing;
//!   `prerequisiteFor` = names of the learner's other open-gap target skills having this one
//!   as a direct prerequisite; `careerImpact` = the platform `demandScore` of AS-005.18, used
//!   unscaled. Fallback (decided here): when no AS-005.18 result is available at all
//!   (`platform_demand = None`) careerImpact is a neutral 50, like a missing marketDemand;
//!   when it is available but does not list the skill, the skill has no platform demand: 0.
//! - `blockedSkills` (decided here) = the number of the learner's open-gap target skills
//!   that need this one directly or transitively (through the catalogue's prerequisite
//!   graph).
//! - Critical: `gap >= 2 OR priorityScore >= 80`. Status: `achieved` (gap <= 0),
//!   `not_started` (level 0 and no activity on the skill), else `in_progress`. Activity on a
//!   skill (decided here): an attempt on an assessment mapped to it, a DevLab submission
//!   listing it, progress on a module listing it or in a course teaching it, a completed path
//!   topic listing it.
//! - `prioritizedGaps` = all gap > 0, sorted by priorityScore desc, then gap desc, then
//!   deadline (earliest first, none last), then skill name and id; `priorityRank` 1..n.
//!   `skillsOnTrack` = those with gap = 1 and not critical (same order). `skillsAchieved` =
//!   gap <= 0 (by name), `achievedDate` = the SE acquisition date in the learner's calendar.
//! - Action plan: `estimatedHours = 10*gap`; `estimatedTimeToClose = ceil(hours /
//!   weeklyHours)` weeks, weeklyHours = the learner's learning hours of the last 28 days / 4,
//!   5 when that is 0; `recommendedPath` = up to 3 active courses the learner has not
//!   completed that teach the skill above the current level, by taught level ascending (the
//!   next step first), then enrollments descending, then title and id (decided here);
//!   `practices` = names of up to 3 catalogue topics mapped to the skill that the learner has
//!   not completed, by name (decided here: DevLab exercises are keyed by these topic ids);
//!   `nextMilestone` = "reach <label(current+1)>"; `deadline` as above.
//! - `progressBarPercentage = current / target * 100` (1 dp).
//! - Summary: counts per status over all target skills, `criticalGaps` = critical open gaps,
//!   `averageGap` = mean of `max(gap, 0)` over all target skills (2 dp, decided here:
//!   achieved skills count as no gap).
//!
//! Insufficient data (decided here): the learner has no target skill of level > 0.

use crate::analytics::Analysis;
use crate::analytics::activity::learning_hours;
use crate::analytics::common::{Clock, mean, pct, round_dp, round_int};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::ids::{CourseId, SkillId, UserId};
use crate::model::{BusinessPriority, EnrollmentStatus, PathStatus, SkillLevel, TargetSource};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Fallback weekly study hours (no sessions in the last 4 weeks).
pub const DEFAULT_WEEKLY_HOURS: f64 = 5.0;
/// Hours per level of gap.
pub const HOURS_PER_LEVEL: i64 = 10;
/// `marketDemand` when SE has no observation.
pub const DEFAULT_MARKET_DEMAND: f64 = 50.0;
/// `careerImpact` when no AS-005.18 result is available.
pub const DEFAULT_CAREER_IMPACT: f64 = 50.0;

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// The `data` of AS-001.2 (`skillGapMatrix`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillGapMatrix {
    pub summary: GapSummary,
    pub prioritized_gaps: Vec<PrioritizedGap>,
    pub skills_on_track: Vec<SkillOnTrack>,
    pub skills_achieved: Vec<SkillAchieved>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapSummary {
    pub total_target_skills: i64,
    pub skills_acquired: i64,
    pub skills_in_progress: i64,
    pub skills_not_started: i64,
    pub critical_gaps: i64,
    pub average_gap: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    Achieved,
    InProgress,
    NotStarted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrioritizedGap {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub current_level: SkillLevel,
    pub target_level: SkillLevel,
    pub gap: i64,
    pub gap_percentage: f64,
    pub priority_score: i64,
    pub priority_rank: i64,
    pub is_critical: bool,
    pub status: GapStatus,
    pub factors: GapFactors,
    pub action_plan: ActionPlan,
    pub visualization: GapVisualization,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapFactors {
    pub business_priority: BusinessPriority,
    pub business_justification: Option<String>,
    pub market_demand: i64,
    pub market_trend: Option<String>,
    pub prerequisite_for: Vec<String>,
    pub blocked_skills: i64,
    pub career_impact: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPlan {
    pub estimated_hours: i64,
    pub estimated_time_to_close: i64,
    pub recommended_path: Vec<PathStep>,
    pub practices: Vec<String>,
    pub next_milestone: String,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    pub step: i64,
    pub course_id: CourseId,
    pub course_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapVisualization {
    pub progress_bar_percentage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillOnTrack {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub current_level: SkillLevel,
    pub target_level: SkillLevel,
    pub gap: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillAchieved {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub achieved_level: SkillLevel,
    pub target_level: SkillLevel,
    pub achieved_date: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------------------
// Platform inputs
// ---------------------------------------------------------------------------------------

/// The platform `demandScore` (0-100) of AS-005.18 per skill, the `careerImpact` factor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformDemand {
    scores: BTreeMap<SkillId, f64>,
}

impl PlatformDemand {
    /// From AS-005.18's `(skillId, demandScore)` pairs; values are clamped to 0-100 and
    /// non-finite ones dropped.
    pub fn from_scores(scores: impl IntoIterator<Item = (SkillId, f64)>) -> Self {
        PlatformDemand {
            scores: scores
                .into_iter()
                .filter(|(_, s)| s.is_finite())
                .map(|(id, s)| (id, s.clamp(0.0, 100.0)))
                .collect(),
        }
    }

    pub fn score(&self, skill: SkillId) -> Option<f64> {
        self.scores.get(&skill).copied()
    }
}

/// Distinct learners enrolled per course (any status), to order course recommendations.
/// Only used for ordering; no count is shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoursePopularity {
    enrollments: BTreeMap<CourseId, usize>,
}

impl CoursePopularity {
    pub fn from_counts(counts: impl IntoIterator<Item = (CourseId, usize)>) -> Self {
        CoursePopularity {
            enrollments: counts.into_iter().collect(),
        }
    }

    /// Counts the distinct learners enrolled in each course over all records.
    pub fn build(records: &[LearnerRecord]) -> Self {
        let mut learners: BTreeMap<CourseId, BTreeSet<UserId>> = BTreeMap::new();
        for record in records {
            for enrollment in &record.enrollments {
                learners
                    .entry(enrollment.course_id)
                    .or_default()
                    .insert(record.id());
            }
        }
        CoursePopularity {
            enrollments: learners.into_iter().map(|(c, l)| (c, l.len())).collect(),
        }
    }

    pub fn enrollments(&self, course: CourseId) -> usize {
        self.enrollments.get(&course).copied().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Target {
    level: u8,
    /// The value-proposition priority and its justification, if any source is one.
    priority: Option<(BusinessPriority, Option<String>)>,
    deadline: Option<NaiveDate>,
}

impl Target {
    fn merge(
        &mut self,
        level: SkillLevel,
        priority: Option<(BusinessPriority, Option<String>)>,
        deadline: Option<NaiveDate>,
    ) {
        self.level = self.level.max(level.value());
        if let Some((candidate, justification)) = priority {
            let better = match &self.priority {
                None => true,
                Some((current, current_justification)) => {
                    candidate.weight() > current.weight()
                        || (candidate.weight() == current.weight()
                            && current_justification.is_none()
                            && justification.is_some())
                }
            };
            if better {
                self.priority = Some((candidate, justification));
            }
        }
        self.deadline = match (self.deadline, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

fn collect_targets(
    record: &LearnerRecord,
    catalog: &Catalog,
    org: Option<&OrgRecord>,
    today: NaiveDate,
) -> BTreeMap<SkillId, Target> {
    let mut targets: BTreeMap<SkillId, Target> = BTreeMap::new();
    for t in &record.skill_targets {
        let priority = (t.source == TargetSource::ValueProposition)
            .then(|| (t.business_priority, t.business_justification.clone()));
        targets
            .entry(t.skill_id)
            .or_default()
            .merge(t.target_level, priority, t.deadline);
    }
    if let Some(org) = org.filter(|o| record.user.org_id == Some(o.org.id)) {
        for vp in &org.value_propositions {
            let in_force = vp.period_start <= today && vp.period_end.is_none_or(|end| end >= today);
            let applies = match &vp.applies_to {
                None => true,
                Some(a) if a.department_ids.is_empty() => true,
                Some(a) => record
                    .user
                    .department_id
                    .is_some_and(|d| a.department_ids.contains(&d)),
            };
            if in_force && applies {
                for s in &vp.skills {
                    targets.entry(s.skill_id).or_default().merge(
                        s.required_level,
                        Some((s.business_priority, s.justification.clone())),
                        s.deadline,
                    );
                }
            }
        }
    }
    for user_path in record
        .paths
        .iter()
        .filter(|p| p.status == PathStatus::Active)
    {
        let Some(path) = catalog.paths.get(&user_path.path_id) else {
            continue;
        };
        if let Some(level) = path.target_competency {
            for skill in path.topics.iter().flat_map(|t| &t.skill_ids) {
                targets.entry(*skill).or_default().merge(level, None, None);
            }
        }
    }
    targets.retain(|_, t| t.level > 0);
    targets
}

/// Whether the learner has any activity on the skill (see the module doc).
fn has_activity(record: &LearnerRecord, catalog: &Catalog, skill: SkillId) -> bool {
    let course_teaches = |course: CourseId| {
        catalog
            .courses
            .get(&course)
            .is_some_and(|c| c.taught_skills.iter().any(|t| t.skill_id == skill))
    };
    record.attempts.iter().any(|a| {
        catalog
            .assessments
            .get(&a.assessment_id)
            .is_some_and(|x| x.skill_ids.contains(&skill))
    }) || record.practice.iter().any(|p| p.skill_ids.contains(&skill))
        || record.module_progress.iter().any(|p| {
            catalog
                .modules
                .get(&p.module_id)
                .is_some_and(|m| m.skill_ids.contains(&skill) || course_teaches(m.course_id))
        })
        || record.topic_completions.iter().any(|t| {
            catalog
                .paths
                .get(&t.path_id)
                .and_then(|p| p.topics.iter().find(|x| x.topic_id == t.topic_id))
                .is_some_and(|x| x.skill_ids.contains(&skill))
        })
}

/// Every prerequisite of `skill`, direct or transitive, following the catalogue's
/// `prerequisiteSkillIds` (cycles are harmless: each skill is visited once).
fn prerequisite_closure(catalog: &Catalog, skill: SkillId) -> BTreeSet<SkillId> {
    let mut found: BTreeSet<SkillId> = BTreeSet::new();
    let mut frontier = vec![skill];
    while let Some(current) = frontier.pop() {
        for prerequisite in catalog
            .skills
            .get(&current)
            .map_or(&[][..], |s| &s.prerequisite_skill_ids[..])
        {
            if *prerequisite != skill && found.insert(*prerequisite) {
                frontier.push(*prerequisite);
            }
        }
    }
    found
}

fn skill_name(catalog: &Catalog, skill: SkillId) -> String {
    catalog
        .skills
        .get(&skill)
        .map_or_else(|| skill.to_string(), |s| s.name.clone())
}

fn level(value: u8) -> SkillLevel {
    SkillLevel::new(i64::from(value.min(4))).unwrap_or(SkillLevel::MISSING)
}

/// `ceil(x)` tolerant of floating noise just above an integer (e.g. 6.000000000001).
fn ceil_tolerant(x: f64) -> i64 {
    (x - 1e-9).ceil().max(0.0) as i64
}

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/// The raw (unrounded) values of one open gap, before ranking.
struct OpenGap {
    skill: SkillId,
    name: String,
    current: u8,
    target: u8,
    gap: i64,
    gap_pct: f64,
    score: i64,
    critical: bool,
    status: GapStatus,
    factors: GapFactors,
    action_plan: ActionPlan,
    progress: f64,
}

/// AS-001.2 for one learner. `org` is the learner's organisation (value propositions);
/// `platform_demand` the AS-005.18 result (see the module doc for the fallback).
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    org: Option<&OrgRecord>,
    clock: &Clock,
    platform_demand: Option<&PlatformDemand>,
    popularity: &CoursePopularity,
) -> Analysis<SkillGapMatrix> {
    let today = clock.today();
    let targets = collect_targets(record, catalog, org, today);
    if targets.is_empty() {
        return Analysis::InsufficientData("no target skills");
    }
    let current_of = |skill: SkillId| {
        record
            .user_skills
            .iter()
            .find(|s| s.skill_id == skill)
            .map_or(0, |s| s.current_level.value())
    };
    let open: BTreeSet<SkillId> = targets
        .iter()
        .filter(|(skill, t)| t.level > current_of(**skill))
        .map(|(skill, _)| *skill)
        .collect();
    // Each open target's prerequisites, for `blockedSkills`.
    let open_prerequisites: BTreeMap<SkillId, BTreeSet<SkillId>> = open
        .iter()
        .map(|skill| (*skill, prerequisite_closure(catalog, *skill)))
        .collect();
    let weekly_hours = {
        let hours =
            learning_hours(&record.sessions, clock.now - Duration::days(28), clock.now) / 4.0;
        if hours > 0.0 {
            hours
        } else {
            DEFAULT_WEEKLY_HOURS
        }
    };
    let completed_courses: BTreeSet<CourseId> = record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Completed)
        .map(|e| e.course_id)
        .collect();
    let completed_topics: BTreeSet<_> = record
        .topic_completions
        .iter()
        .map(|t| t.topic_id)
        .collect();

    let mut gaps: Vec<OpenGap> = Vec::new();
    let mut achieved: Vec<SkillAchieved> = Vec::new();
    let mut gap_levels: Vec<f64> = Vec::new();
    for (&skill, target) in &targets {
        let current = current_of(skill);
        let gap = i64::from(target.level) - i64::from(current);
        let name = skill_name(catalog, skill);
        gap_levels.push(gap.max(0) as f64);
        if gap <= 0 {
            achieved.push(SkillAchieved {
                skill_id: skill,
                skill_name: name,
                achieved_level: level(current),
                target_level: level(target.level),
                achieved_date: record
                    .user_skills
                    .iter()
                    .find(|s| s.skill_id == skill)
                    .and_then(|s| s.acquired_at)
                    .map(|t| clock.local_date(t)),
            });
            continue;
        }
        let gap_pct = pct(gap as f64, f64::from(target.level)).unwrap_or(0.0);
        let (priority, justification) = target
            .priority
            .clone()
            .unwrap_or((BusinessPriority::Medium, None));
        let latest = catalog.latest_demand(skill);
        let market_demand = latest
            .map(|d| d.market_demand)
            .filter(|d| d.is_finite())
            .map_or(DEFAULT_MARKET_DEMAND, |d| d.clamp(0.0, 100.0));
        let mut prerequisite_for: Vec<(String, SkillId)> = open
            .iter()
            .filter(|other| **other != skill)
            .filter(|other| {
                catalog
                    .skills
                    .get(other)
                    .is_some_and(|s| s.prerequisite_skill_ids.contains(&skill))
            })
            .map(|other| (skill_name(catalog, *other), *other))
            .collect();
        prerequisite_for.sort();
        let blocked = open_prerequisites
            .iter()
            .filter(|(other, closure)| **other != skill && closure.contains(&skill))
            .count() as i64;
        let career_impact = match platform_demand {
            None => DEFAULT_CAREER_IMPACT,
            Some(demand) => demand.score(skill).unwrap_or(0.0),
        };
        let raw = 0.25 * gap_pct
            + 0.30 * priority.weight()
            + 0.20 * market_demand
            + 0.15 * (20.0 * prerequisite_for.len() as f64).min(100.0)
            + 0.10 * career_impact;
        let score = round_int(raw);
        let critical = gap >= 2 || score >= 80;
        let status = if current == 0 && !has_activity(record, catalog, skill) {
            GapStatus::NotStarted
        } else {
            GapStatus::InProgress
        };
        let hours = HOURS_PER_LEVEL * gap;
        gaps.push(OpenGap {
            skill,
            name,
            current,
            target: target.level,
            gap,
            gap_pct,
            score,
            critical,
            status,
            factors: GapFactors {
                business_priority: priority,
                business_justification: justification,
                market_demand: round_int(market_demand),
                market_trend: latest.and_then(|d| d.market_trend.clone()),
                prerequisite_for: prerequisite_for.into_iter().map(|(n, _)| n).collect(),
                blocked_skills: blocked,
                career_impact: round_int(career_impact),
            },
            action_plan: ActionPlan {
                estimated_hours: hours,
                estimated_time_to_close: ceil_tolerant(hours as f64 / weekly_hours),
                recommended_path: recommended_path(
                    catalog,
                    skill,
                    current,
                    &completed_courses,
                    popularity,
                ),
                practices: practices(catalog, skill, &completed_topics),
                next_milestone: format!("reach {}", level(current + 1).label()),
                deadline: target.deadline,
            },
            progress: pct(f64::from(current), f64::from(target.level)).unwrap_or(0.0),
        });
    }

    gaps.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.gap.cmp(&a.gap))
            .then(deadline_order(
                a.action_plan.deadline,
                b.action_plan.deadline,
            ))
            .then(a.name.cmp(&b.name))
            .then(a.skill.cmp(&b.skill))
    });
    achieved.sort_by(|a, b| {
        a.skill_name
            .cmp(&b.skill_name)
            .then(a.skill_id.cmp(&b.skill_id))
    });

    let count = |f: &dyn Fn(&OpenGap) -> bool| gaps.iter().filter(|g| f(g)).count() as i64;
    let summary = GapSummary {
        total_target_skills: targets.len() as i64,
        skills_acquired: achieved.len() as i64,
        skills_in_progress: count(&|g| g.status == GapStatus::InProgress),
        skills_not_started: count(&|g| g.status == GapStatus::NotStarted),
        critical_gaps: count(&|g| g.critical),
        average_gap: round_dp(mean(&gap_levels).unwrap_or(0.0), 2),
    };
    let skills_on_track = gaps
        .iter()
        .filter(|g| g.gap == 1 && !g.critical)
        .map(|g| SkillOnTrack {
            skill_id: g.skill,
            skill_name: g.name.clone(),
            current_level: level(g.current),
            target_level: level(g.target),
            gap: g.gap,
        })
        .collect();
    let prioritized_gaps = gaps
        .into_iter()
        .enumerate()
        .map(|(i, g)| PrioritizedGap {
            skill_id: g.skill,
            skill_name: g.name,
            current_level: level(g.current),
            target_level: level(g.target),
            gap: g.gap,
            gap_percentage: round_dp(g.gap_pct, 1),
            priority_score: g.score,
            priority_rank: i as i64 + 1,
            is_critical: g.critical,
            status: g.status,
            factors: g.factors,
            action_plan: g.action_plan,
            visualization: GapVisualization {
                progress_bar_percentage: round_dp(g.progress, 1),
            },
        })
        .collect();
    Analysis::Ready(SkillGapMatrix {
        summary,
        prioritized_gaps,
        skills_on_track,
        skills_achieved: achieved,
    })
}

/// Earliest deadline first; no deadline last.
fn deadline_order(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn recommended_path(
    catalog: &Catalog,
    skill: SkillId,
    current: u8,
    completed: &BTreeSet<CourseId>,
    popularity: &CoursePopularity,
) -> Vec<PathStep> {
    let mut candidates: Vec<(u8, usize, &str, CourseId)> = catalog
        .courses
        .values()
        .filter(|c| c.is_active && !completed.contains(&c.id))
        .filter_map(|c| {
            let taught = c
                .taught_skills
                .iter()
                .filter(|t| t.skill_id == skill)
                .map(|t| t.level.value())
                .max()?;
            (taught > current).then_some((
                taught,
                popularity.enrollments(c.id),
                c.title.as_str(),
                c.id,
            ))
        })
        .collect();
    candidates.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(b.2))
            .then(a.3.cmp(&b.3))
    });
    candidates
        .into_iter()
        .take(3)
        .enumerate()
        .map(|(i, (_, _, title, id))| PathStep {
            step: i as i64 + 1,
            course_id: id,
            course_name: title.to_owned(),
        })
        .collect()
}

fn practices(
    catalog: &Catalog,
    skill: SkillId,
    completed: &BTreeSet<crate::ids::TopicId>,
) -> Vec<String> {
    let names: BTreeSet<&str> = catalog
        .paths
        .values()
        .flat_map(|p| &p.topics)
        .filter(|t| t.skill_ids.contains(&skill) && !completed.contains(&t.topic_id))
        .map(|t| t.name.as_str())
        .collect();
    names.into_iter().take(3).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::*;
    use chrono::{DateTime, TimeZone, Utc};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
    }

    fn sid(n: u128) -> SkillId {
        SkillId(uuid::Uuid::from_u128(100 + n))
    }

    fn cid(n: u128) -> CourseId {
        CourseId(uuid::Uuid::from_u128(200 + n))
    }

    fn org_id() -> OrgId {
        OrgId(uuid::Uuid::from_u128(300))
    }

    fn dept(n: u128) -> DepartmentId {
        DepartmentId(uuid::Uuid::from_u128(400 + n))
    }

    fn lvl(n: u8) -> SkillLevel {
        SkillLevel::new(n.into()).unwrap()
    }

    fn record() -> LearnerRecord {
        LearnerRecord::new(User {
            id: UserId(uuid::Uuid::from_u128(1)),
            external_id: None,
            org_id: Some(org_id()),
            department_id: Some(dept(1)),
            team_id: None,
            display_name: "Learner".into(),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: now() - Duration::days(400),
        })
    }

    fn skill(n: u128, name: &str, prerequisites: &[u128]) -> Skill {
        Skill {
            id: sid(n),
            name: name.into(),
            category: "tech".into(),
            prerequisite_skill_ids: prerequisites.iter().map(|p| sid(*p)).collect(),
        }
    }

    fn demand(n: u128, value: f64) -> SkillDemand {
        SkillDemand {
            skill_id: sid(n),
            market_demand: value,
            market_trend: Some("growing".into()),
            as_of: today() - Duration::days(3),
        }
    }

    fn course(n: u128, skill: u128, level: u8, active: bool) -> Course {
        Course {
            id: cid(n),
            external_id: None,
            title: format!("Course {n}"),
            category: "tech".into(),
            owner_org_id: None,
            trainer_ids: vec![],
            is_active: active,
            created_at: now() - Duration::days(300),
            updated_at: now() - Duration::days(30),
            estimated_duration_weeks: None,
            target_completion_rate: None,
            issues_certificate: false,
            taught_skills: vec![TaughtSkill {
                skill_id: sid(skill),
                level: lvl(level),
            }],
        }
    }

    fn user_skill(r: &mut LearnerRecord, n: u128, current: u8) {
        r.user_skills.push(UserSkill {
            user_id: r.id(),
            skill_id: sid(n),
            current_level: lvl(current),
            acquired: current > 0,
            acquired_at: (current > 0).then(|| now() - Duration::days(20)),
            acquired_via: None,
            updated_at: now() - Duration::days(20),
        });
    }

    fn target(
        r: &mut LearnerRecord,
        n: u128,
        level: u8,
        source: TargetSource,
        priority: BusinessPriority,
    ) {
        r.skill_targets.push(SkillTarget {
            user_id: r.id(),
            skill_id: sid(n),
            target_level: lvl(level),
            source,
            business_priority: priority,
            business_justification: None,
            deadline: None,
        });
    }

    fn org(vp_skills: Vec<RequiredSkill>, applies_to: Option<AppliesTo>) -> OrgRecord {
        OrgRecord {
            org: Organization {
                id: org_id(),
                external_id: None,
                name: "Org".into(),
                timezone: None,
                settings: OrgSettings::default(),
            },
            departments: vec![],
            teams: vec![],
            kpis: vec![],
            value_propositions: vec![ValueProposition {
                id: ValuePropId(uuid::Uuid::from_u128(500)),
                org_id: org_id(),
                period_start: today() - Duration::days(60),
                period_end: None,
                skills: vp_skills,
                applies_to,
            }],
            members: vec![],
        }
    }

    fn catalog(skills: Vec<Skill>, demand: Vec<SkillDemand>, courses: Vec<Course>) -> Catalog {
        Catalog::new(skills, demand, courses, vec![], vec![], vec![], vec![])
    }

    fn ready(a: Analysis<SkillGapMatrix>) -> SkillGapMatrix {
        a.ready().cloned().expect("ready")
    }

    /// The spec's two examples: JavaScript 1 -> 3 (critical value proposition, demand 94,
    /// prerequisite for React and Node, platform 88) and Docker 2 -> 3 (high, 70, 0, 60).
    #[test]
    fn spec_examples() {
        let cat = catalog(
            vec![
                skill(1, "JavaScript", &[]),
                skill(2, "React", &[1]),
                skill(3, "Node", &[1]),
                skill(4, "Docker", &[]),
            ],
            vec![demand(1, 94.0), demand(4, 70.0)],
            vec![
                course(1, 1, 2, true),
                course(2, 1, 3, true),
                course(3, 1, 2, true),
                course(4, 1, 1, true),  // not above the current level 1
                course(5, 1, 3, true),  // completed by the learner
                course(6, 1, 4, false), // inactive
            ],
        );
        let mut r = record();
        user_skill(&mut r, 1, 1);
        user_skill(&mut r, 4, 2);
        target(
            &mut r,
            4,
            3,
            TargetSource::ValueProposition,
            BusinessPriority::High,
        );
        target(&mut r, 2, 2, TargetSource::Personal, BusinessPriority::Low);
        target(&mut r, 3, 2, TargetSource::Personal, BusinessPriority::Low);
        r.enrollments.push(Enrollment {
            id: EnrollmentId(uuid::Uuid::from_u128(600)),
            user_id: r.id(),
            course_id: cid(5),
            enrolled_at: now() - Duration::days(90),
            status: EnrollmentStatus::Completed,
            progress_pct: 100.0,
            completed_at: Some(now() - Duration::days(10)),
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        });
        let o = org(
            vec![RequiredSkill {
                skill_id: sid(1),
                required_level: lvl(3),
                business_priority: BusinessPriority::Critical,
                justification: Some("Core of the product".into()),
                deadline: Some(today() + Duration::days(90)),
            }],
            Some(AppliesTo {
                department_ids: vec![dept(1)],
            }),
        );
        let platform = PlatformDemand::from_scores([(sid(1), 88.0), (sid(4), 60.0)]);
        let popularity = CoursePopularity::from_counts([(cid(1), 5), (cid(2), 50), (cid(3), 9)]);
        let m = ready(compute(
            &r,
            &cat,
            Some(&o),
            &clock(),
            Some(&platform),
            &popularity,
        ));

        // JavaScript: gap 2, 66.67%; 16.67 + 30 + 18.8 + 0.15*min(2*20,100)=6 + 8.8 = 80.27
        let js = &m.prioritized_gaps[0];
        assert_eq!(js.skill_name, "JavaScript");
        assert_eq!(js.gap, 2);
        assert_eq!(js.gap_percentage, 66.7);
        assert_eq!(js.priority_score, 80);
        assert!(js.is_critical);
        assert_eq!(js.status, GapStatus::InProgress);
        assert_eq!(js.factors.business_priority, BusinessPriority::Critical);
        assert_eq!(
            js.factors.business_justification.as_deref(),
            Some("Core of the product")
        );
        assert_eq!(js.factors.market_demand, 94);
        assert_eq!(js.factors.prerequisite_for, vec!["Node", "React"]);
        assert_eq!(js.factors.blocked_skills, 2);
        assert_eq!(js.factors.career_impact, 88);
        // 10 h per level; no sessions -> 5 h a week -> 20/5 = 4 weeks.
        assert_eq!(js.action_plan.estimated_hours, 20);
        assert_eq!(js.action_plan.estimated_time_to_close, 4);
        assert_eq!(js.action_plan.next_milestone, "reach Intermediate");
        assert_eq!(js.action_plan.deadline, Some(today() + Duration::days(90)));
        // Level 2 first (9 enrollments before 5), then level 3.
        let path: Vec<CourseId> = js
            .action_plan
            .recommended_path
            .iter()
            .map(|s| s.course_id)
            .collect();
        assert_eq!(path, vec![cid(3), cid(1), cid(2)]);
        assert_eq!(js.action_plan.recommended_path[2].step, 3);
        // 1/3*100 = 33.3
        assert_eq!(js.visualization.progress_bar_percentage, 33.3);

        // Docker: 8.33 + 22.5 + 14 + 0 + 6 = 50.83 -> 51, gap 1, not critical -> on track.
        let docker = &m.prioritized_gaps[1];
        assert_eq!(docker.skill_name, "Docker");
        assert_eq!(docker.gap_percentage, 33.3);
        assert_eq!(docker.priority_score, 51);
        assert!(!docker.is_critical);
        assert_eq!(docker.action_plan.estimated_hours, 10);
        assert_eq!(docker.action_plan.estimated_time_to_close, 2);
        assert_eq!(m.skills_on_track.len(), 1);
        assert_eq!(m.skills_on_track[0].skill_name, "Docker");

        // React and Node 0 -> 2, medium, demand 50, platform lists neither -> 0:
        // 25 + 15 + 10 + 0 + 0 = 50; tie broken by name.
        let rest: Vec<(&str, i64, i64)> = m.prioritized_gaps[2..]
            .iter()
            .map(|g| (g.skill_name.as_str(), g.priority_score, g.priority_rank))
            .collect();
        assert_eq!(rest, vec![("Node", 50, 3), ("React", 50, 4)]);
        assert_eq!(m.prioritized_gaps[2].status, GapStatus::NotStarted);

        assert_eq!(
            m.summary,
            GapSummary {
                total_target_skills: 4,
                skills_acquired: 0,
                skills_in_progress: 2,
                skills_not_started: 2,
                critical_gaps: 3,
                // (2 + 1 + 2 + 2) / 4
                average_gap: 1.75,
            }
        );
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json["prioritizedGaps"][0]["factors"]["businessPriority"],
            "critical"
        );
        assert_eq!(json["prioritizedGaps"][0]["currentLevel"], 1);
        assert_eq!(json["prioritizedGaps"][0]["status"], "in_progress");
        assert!(json["prioritizedGaps"][1]["actionPlan"]["deadline"].is_null());
    }

    #[test]
    fn no_target_skills_is_insufficient_data() {
        let cat = catalog(vec![skill(1, "A", &[])], vec![], vec![]);
        let mut r = record();
        let run = |r: &LearnerRecord| {
            compute(r, &cat, None, &clock(), None, &CoursePopularity::default())
        };
        assert!(run(&r).ready().is_none());
        // A target of level 0 is skipped.
        target(&mut r, 1, 0, TargetSource::Personal, BusinessPriority::High);
        assert!(run(&r).ready().is_none());
    }

    #[test]
    fn an_exact_score_of_80_is_critical_even_with_a_gap_of_one() {
        // 0 -> 1: gapPercentage 100 -> 25; critical B -> 30; demand 100 -> 20;
        // no dependents -> 0; no AS-005.18 result -> careerImpact 50 -> 5. Sum 80.
        let cat = catalog(vec![skill(1, "Rust", &[])], vec![demand(1, 100.0)], vec![]);
        let mut r = record();
        target(
            &mut r,
            1,
            1,
            TargetSource::ValueProposition,
            BusinessPriority::Critical,
        );
        let m = ready(compute(
            &r,
            &cat,
            None,
            &clock(),
            None,
            &CoursePopularity::default(),
        ));
        assert_eq!(m.prioritized_gaps[0].priority_score, 80);
        assert_eq!(m.prioritized_gaps[0].factors.career_impact, 50);
        assert!(m.prioritized_gaps[0].is_critical);
        assert!(m.skills_on_track.is_empty());
        // careerImpact 40 -> 4 -> 79: not critical, gap 1 -> on track.
        let platform = PlatformDemand::from_scores([(sid(1), 40.0)]);
        let m = ready(compute(
            &r,
            &cat,
            None,
            &clock(),
            Some(&platform),
            &CoursePopularity::default(),
        ));
        assert_eq!(m.prioritized_gaps[0].priority_score, 79);
        assert!(!m.prioritized_gaps[0].is_critical);
        assert_eq!(m.skills_on_track.len(), 1);
        assert_eq!(m.summary.critical_gaps, 0);
    }

    #[test]
    fn targets_merge_over_sources_and_achieved_skills_are_listed() {
        // Skill 1: personal 2 and path target competency 3 -> 3; a value-proposition target
        // of low priority and an org value proposition of high priority -> high.
        // Skill 2: target 2, current 3 -> achieved (gap -1), acquired 20 days ago.
        let path = LearningPath {
            id: PathId(uuid::Uuid::from_u128(700)),
            name: "Backend".into(),
            difficulty: Difficulty::Advanced,
            target_competency: Some(lvl(3)),
            topics: vec![PathTopic {
                topic_id: TopicId(uuid::Uuid::from_u128(701)),
                name: "Ownership".into(),
                skill_ids: vec![sid(1)],
            }],
        };
        let cat = Catalog::new(
            vec![skill(1, "Rust", &[]), skill(2, "SQL", &[])],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![path.clone()],
            vec![],
        );
        let mut r = record();
        target(
            &mut r,
            1,
            2,
            TargetSource::Personal,
            BusinessPriority::Critical,
        );
        target(
            &mut r,
            1,
            1,
            TargetSource::ValueProposition,
            BusinessPriority::Low,
        );
        target(
            &mut r,
            2,
            2,
            TargetSource::Personal,
            BusinessPriority::Medium,
        );
        user_skill(&mut r, 2, 3);
        r.paths.push(UserLearningPath {
            user_id: r.id(),
            path_id: path.id,
            status: PathStatus::Active,
            started_at: now() - Duration::days(10),
            target_date: None,
            topics_total: 1,
            topics_completed: 0,
            progress_pct: 0.0,
            completed_at: None,
            last_activity_at: now(),
        });
        // Applies to the whole organisation (no departments listed).
        let o = org(
            vec![RequiredSkill {
                skill_id: sid(1),
                required_level: lvl(1),
                business_priority: BusinessPriority::High,
                justification: None,
                deadline: Some(today() + Duration::days(5)),
            }],
            Some(AppliesTo {
                department_ids: vec![],
            }),
        );
        let m = ready(compute(
            &r,
            &cat,
            Some(&o),
            &clock(),
            None,
            &CoursePopularity::default(),
        ));
        let g = &m.prioritized_gaps[0];
        assert_eq!(g.target_level, lvl(3));
        assert_eq!(g.factors.business_priority, BusinessPriority::High);
        assert_eq!(g.action_plan.deadline, Some(today() + Duration::days(5)));
        assert_eq!(g.action_plan.practices, vec!["Ownership"]);
        assert_eq!(m.skills_achieved.len(), 1);
        assert_eq!(m.skills_achieved[0].achieved_level, lvl(3));
        assert_eq!(
            m.skills_achieved[0].achieved_date,
            Some(today() - Duration::days(20))
        );
        // gaps: 3 and 0 -> mean 1.5
        assert_eq!(m.summary.average_gap, 1.5);
        assert_eq!(m.summary.skills_acquired, 1);

        // A value proposition for another department does not apply.
        let other = org(
            vec![RequiredSkill {
                skill_id: sid(2),
                required_level: lvl(4),
                business_priority: BusinessPriority::Critical,
                justification: None,
                deadline: None,
            }],
            Some(AppliesTo {
                department_ids: vec![dept(2)],
            }),
        );
        let m = ready(compute(
            &r,
            &cat,
            Some(&other),
            &clock(),
            None,
            &CoursePopularity::default(),
        ));
        assert_eq!(m.skills_achieved.len(), 1);
    }

    #[test]
    fn study_hours_and_activity_shape_the_plan_and_status() {
        // Four 2-hour sessions in the last 28 days -> 8 h / 4 = 2 h a week; gap 1 -> 10 h
        // -> 10/2 = 5 weeks. Level 0 but a DevLab submission on the skill -> in_progress.
        let cat = catalog(vec![skill(1, "Go", &[])], vec![], vec![]);
        let mut r = record();
        target(
            &mut r,
            1,
            1,
            TargetSource::Personal,
            BusinessPriority::Medium,
        );
        for day in [1, 5, 9, 20] {
            let start = now() - Duration::days(day);
            r.sessions.push(Session {
                id: SessionId(uuid::Uuid::from_u128(800 + day as u128)),
                user_id: r.id(),
                started_at: start,
                ended_at: Some(start + Duration::hours(2)),
                last_activity_at: None,
                device: None,
                course_id: None,
            });
        }
        r.practice.push(PracticeSubmission {
            id: SubmissionId(uuid::Uuid::from_u128(900)),
            user_id: r.id(),
            topic_id: None,
            skill_ids: vec![sid(1)],
            started_at: now() - Duration::days(2),
            completed_at: None,
            status: PracticeStatus::InProgress,
            passed: false,
            score: None,
            duration_minutes: 20.0,
        });
        let m = ready(compute(
            &r,
            &cat,
            None,
            &clock(),
            None,
            &CoursePopularity::default(),
        ));
        let g = &m.prioritized_gaps[0];
        assert_eq!(g.action_plan.estimated_time_to_close, 5);
        assert_eq!(g.status, GapStatus::InProgress);
        assert_eq!(g.action_plan.next_milestone, "reach Beginner");
        assert!(g.action_plan.recommended_path.is_empty());
    }

    #[test]
    fn blocked_skills_count_transitive_dependents() {
        // B needs A, C needs B; all three open: A is a direct prerequisite for B only, but
        // blocks B and C.
        let cat = catalog(
            vec![skill(1, "A", &[]), skill(2, "B", &[1]), skill(3, "C", &[2])],
            vec![],
            vec![],
        );
        let mut r = record();
        for n in 1..=3 {
            target(
                &mut r,
                n,
                2,
                TargetSource::Personal,
                BusinessPriority::Medium,
            );
        }
        let m = ready(compute(
            &r,
            &cat,
            None,
            &clock(),
            None,
            &CoursePopularity::default(),
        ));
        let a = m
            .prioritized_gaps
            .iter()
            .find(|g| g.skill_name == "A")
            .unwrap();
        assert_eq!(a.factors.prerequisite_for, vec!["B"]);
        assert_eq!(a.factors.blocked_skills, 2);
        // A: 25 + 15 + 10 + 3 + 5 = 58 ranks first.
        assert_eq!(a.priority_score, 58);
        assert_eq!(a.priority_rank, 1);
    }

    #[test]
    fn course_popularity_counts_distinct_learners() {
        let mut a = record();
        let enrol = |r: &LearnerRecord, n: u128, course: u128| Enrollment {
            id: EnrollmentId(uuid::Uuid::from_u128(1000 + n)),
            user_id: r.id(),
            course_id: cid(course),
            enrolled_at: now(),
            status: EnrollmentStatus::Active,
            progress_pct: 0.0,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        };
        a.enrollments.push(enrol(&a, 1, 1));
        a.enrollments.push(enrol(&a, 2, 1));
        let mut b = record();
        b.user.id = UserId(uuid::Uuid::from_u128(2));
        b.enrollments.push(enrol(&b, 3, 1));
        let p = CoursePopularity::build(&[a, b]);
        assert_eq!(p.enrollments(cid(1)), 2);
        assert_eq!(p.enrollments(cid(2)), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn scores_ranks_and_labels_are_consistent(
            skills in proptest::collection::vec(
                (0u8..=4, 0u8..=4, 0usize..4, proptest::option::of(0.0f64..100.0),
                 proptest::option::of(0.0f64..100.0), proptest::option::of(0u128..6)),
                1..7,
            ),
            with_platform in any::<bool>(),
        ) {
            let priorities = [
                BusinessPriority::Critical,
                BusinessPriority::High,
                BusinessPriority::Medium,
                BusinessPriority::Low,
            ];
            let mut catalog_skills = Vec::new();
            let mut demands = Vec::new();
            let mut platform = Vec::new();
            let mut r = record();
            for (i, (current, goal, priority, market, career, prereq)) in skills.iter().enumerate() {
                let n = i as u128;
                let prereqs: Vec<u128> = prereq.iter().copied().filter(|p| *p != n).collect();
                catalog_skills.push(skill(n, &format!("S{i}"), &prereqs));
                if let Some(m) = market { demands.push(demand(n, *m)); }
                if let Some(c) = career { platform.push((sid(n), *c)); }
                user_skill(&mut r, n, *current);
                target(&mut r, n, *goal, TargetSource::ValueProposition, priorities[*priority]);
            }
            let cat = catalog(catalog_skills, demands, vec![]);
            let platform = PlatformDemand::from_scores(platform);
            let demand_input = with_platform.then_some(&platform);
            let first = compute(&r, &cat, None, &clock(), demand_input, &CoursePopularity::default());
            let second = compute(&r, &cat, None, &clock(), demand_input, &CoursePopularity::default());
            prop_assert_eq!(&first, &second);
            let Some(m) = first.ready() else {
                prop_assert!(skills.iter().all(|s| s.1 == 0));
                return Ok(());
            };
            let s = &m.summary;
            prop_assert_eq!(s.total_target_skills, s.skills_acquired + s.skills_in_progress + s.skills_not_started);
            prop_assert_eq!(s.skills_acquired as usize, m.skills_achieved.len());
            prop_assert!(s.average_gap.is_finite() && (0.0..=4.0).contains(&s.average_gap));
            for (i, g) in m.prioritized_gaps.iter().enumerate() {
                prop_assert_eq!(g.priority_rank, i as i64 + 1);
                prop_assert!((0..=100).contains(&g.priority_score));
                prop_assert!(g.gap > 0);
                prop_assert_eq!(g.is_critical, g.gap >= 2 || g.priority_score >= 80);
                prop_assert!(g.gap_percentage > 0.0 && g.gap_percentage <= 100.0);
                prop_assert!((0.0..100.0).contains(&g.visualization.progress_bar_percentage));
                prop_assert_eq!(g.action_plan.estimated_hours, 10 * g.gap);
                prop_assert_eq!(g.action_plan.estimated_time_to_close, 2 * g.gap);
                if i > 0 {
                    let prev = &m.prioritized_gaps[i - 1];
                    prop_assert!(prev.priority_score > g.priority_score
                        || (prev.priority_score == g.priority_score && prev.gap >= g.gap));
                }
            }
            let on_track = m.prioritized_gaps.iter().filter(|g| g.gap == 1 && !g.is_critical).count();
            prop_assert_eq!(on_track, m.skills_on_track.len());
            prop_assert!(serde_json::to_string(m).is_ok());
        }
    }
}
