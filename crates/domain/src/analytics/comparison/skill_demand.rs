//! AS-005.18 Platform Skill Demand Analytics (`platform_skill_demand`, endpoint C2).
//!
//! Question answered: which skills are in demand on this platform (or inside one
//! organisation), which are growing, which are completed most, and where demand is heading.
//! Platform-internal demand only (no job postings or salaries).
//!
//! Inputs:
//! - the [`Catalog`]: skills with `category`, courses with `taughtSkills`, learning paths with
//!   the skills of their topics and `targetCompetency`;
//! - one [`DemandLearner`] per learner: a light projection of the [`LearnerRecord`]
//!   (enrollments, skill acquisitions, active paths), built by [`DemandLearner::from_record`]
//!   or [`project`];
//! - the value propositions of all organisations;
//! - [`SkillDemandFilters`]: `timeframe` (`3months` | `6months` | `1year`, default
//!   `6months`, decision 12), `skillCategory`, `competencyLevel`, `orgId`, `skills` (names);
//! - the [`Clock`].
//!
//! Window: `end = now`, `start = now − timeframe` in calendar months (3, 6 or 12); the
//! preceding window is `[start − (end − start), start)` **(decided here: calendar months)**.
//!
//! Per skill of the result set (catalogue skills passing `skillCategory` and `skills`):
//! - `enrollmentCount` = distinct learners with an enrollment (`enrolledAt` in the window) in
//!   a course teaching the skill **(decided here: "in the window" = enrolled in the window)**;
//! - `valuePropCount` = distinct organisations with a value proposition requiring the skill
//!   whose period overlaps the window (`periodStart <= end` and `periodEnd` absent or
//!   `>= start`, calendar dates) **(decided here)**;
//! - `pathRequirementCount` = learning paths whose topics list the skill and that at least
//!   one learner of the population follows with status `active` **(decided here: "active
//!   path")**;
//! - `competencyLevel` counts only requirements at that exact level: value-proposition skills
//!   with `requiredLevel = level`, paths with `targetCompetency = level` (paths without one
//!   are then not counted); enrollments are not requirements and are not filtered
//!   **(decided here)**;
//! - `demandScore = round(100 * (0.40 n(enroll) + 0.35 n(valueProp) + 0.25 n(pathReq)))`,
//!   `n(x) = x / max over the result set` (0 when that max is 0);
//! - `growthRate = (enrollNow − enrollPrev) / enrollPrev * 100` (1 dp; `null` when
//!   `enrollPrev = 0`), `trend` = growth label (`> 10` growing, `< −10` declining, else
//!   stable; `enrollPrev = 0`: growing if `enrollNow > 0`) **(decided here: growth is
//!   measured on `enrollmentCount`)**;
//! - `acquisitionVelocity` = acquisitions (`acquired`, `acquiredAt` in the window) / months
//!   of the window (2 dp);
//! - `completionRate` = completed / all enrollments in the window in courses teaching the
//!   skill * 100 (1 dp); `null` without enrollments, and `null` when `enrollmentCount < K`
//!   (a rate over fewer than 10 people is an aggregate about identifiable people, 7.1 rule 1)
//!   **(decided here)**.
//!
//! Lists (ties always broken by `enrollmentCount` desc, then name, then id):
//! - `topSkills`: the 10 highest `demandScore` (unrounded) among skills with a score above 0
//!   **(decided here: zero-demand skills are not "top")**;
//! - `fastestGrowing`: 5 by `growthRate` desc among skills with `enrollmentCount >= K` and a
//!   positive, defined `growthRate` **(decided here: a skill new in this window has no
//!   growth rate and is not ranked; a shrinking skill is not "growing")**;
//! - `highestCompletion`: 5 by `completionRate` desc among skills with `enrollmentCount >= K`;
//! - `demandByCategory`: per category of the result set, `demandScore` = round(mean of the
//!   unrounded scores) and `topSkill` = the name of its highest-demand skill, sorted by mean
//!   desc then category **(decided here: `topSkill` is the skill name)**.
//!
//! Forecast (for each of `topSkills`): 6 monthly enrollment counts `m_0..m_5` (distinct
//! learners enrolling in month `i`, months = calendar-month steps back from `now`, `m_5` the
//! most recent, independent of `timeframe`); `fitted` = OLS line at `x = 11` (6 months after
//! `m_5`); `ratio = fitted / mean(m_3, m_4, m_5)`, and `ratio = 1` when that mean is 0 (no
//! recent enrollment signal: demand carried forward) **(decided here)**;
//! `forecastedDemand = clamp(round(demandScore * ratio), 0, 100)` (unrounded score);
//! `confidence = R²` (2 dp); `aiInsight` is the deterministic template fallback (0.4), to be
//! replaced by AI text where that is enabled.
//!
//! Privacy: with `orgId` every figure is computed inside that organisation (its learners'
//! enrollments, acquisitions and active paths, its own value propositions) and the whole
//! result needs `>= K` learners in the organisation, else `data` is the marker
//! `{insufficientData: true, minimumRequired: 10}` ("org-specific breakdowns need >= K
//! learners"). The population size is the number of [`DemandLearner`]s of the organisation
//! (the batch passes learners).
//!
//! `Analysis::InsufficientData` when no catalogue skill passes the filters.
//!
//! [`platform_demand_scores`] gives every catalogue skill's platform-wide `demandScore`
//! (default filters) for AS-001.2's `careerImpact`.

use crate::analytics::Analysis;
use crate::analytics::common::{
    Clock, Growth, K, clamp, growth_label, growth_pct, mean, ols, ols_predict, pct, round_dp,
    round_int,
};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{CourseId, OrgId, PathId, SkillId, UserId};
use crate::model::{EnrollmentStatus, PathStatus, Skill, SkillLevel, ValueProposition};
use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Number of entries of `topSkills` (and of `forecast`).
pub const TOP_SKILLS: usize = 10;
/// Number of entries of `fastestGrowing` and `highestCompletion`.
pub const SHORT_LIST: usize = 5;
/// Monthly enrollment counts the forecast is fitted on.
pub const FORECAST_MONTHS: usize = 6;

const W_ENROLL: f64 = 0.40;
const W_VALUE_PROP: f64 = 0.35;
const W_PATH: f64 = 0.25;

/// The `timeframe` query parameter of C2 (`api.md` 1.8).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Timeframe {
    #[serde(rename = "3months")]
    Months3,
    #[default]
    #[serde(rename = "6months")]
    Months6,
    #[serde(rename = "1year")]
    Year1,
}

impl Timeframe {
    pub fn months(self) -> u32 {
        match self {
            Timeframe::Months3 => 3,
            Timeframe::Months6 => 6,
            Timeframe::Year1 => 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::Months3 => "3months",
            Timeframe::Months6 => "6months",
            Timeframe::Year1 => "1year",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Timeframe::Months3, Timeframe::Months6, Timeframe::Year1]
            .into_iter()
            .find(|t| t.as_str() == value)
    }
}

/// The filters of AS-005.18. `Default` is the daily batch's platform-wide `6months` run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SkillDemandFilters {
    pub timeframe: Timeframe,
    /// Only skills of this category (case-insensitive).
    pub skill_category: Option<String>,
    /// Count only requirements at this level (value propositions, paths).
    pub competency_level: Option<SkillLevel>,
    /// Everything inside this organisation (org admin); needs >= K learners.
    pub org_id: Option<OrgId>,
    /// Only skills with these names (case-insensitive; the C2 `skills` parameter); empty =
    /// all skills.
    pub skills: Vec<String>,
}

/// One enrollment as the demand analytic sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandEnrollment {
    pub course_id: CourseId,
    pub enrolled_at: DateTime<Utc>,
    pub completed: bool,
}

/// One acquired skill.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillAcquisition {
    pub skill_id: SkillId,
    pub acquired_at: DateTime<Utc>,
}

/// The per-learner projection AS-005.18 reads (a few columns of three tables), so that the
/// platform-wide run does not need full [`LearnerRecord`]s.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandLearner {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub enrollments: Vec<DemandEnrollment>,
    pub acquisitions: Vec<SkillAcquisition>,
    /// Paths this learner follows with status `active`.
    pub active_paths: Vec<PathId>,
}

impl DemandLearner {
    /// Projects a learner record: every enrollment (completed = status `completed` or a
    /// `completedAt`), every acquired skill with an `acquiredAt`, every `active` path.
    pub fn from_record(record: &LearnerRecord) -> Self {
        DemandLearner {
            user_id: record.id(),
            org_id: record.user.org_id,
            enrollments: record
                .enrollments
                .iter()
                .map(|e| DemandEnrollment {
                    course_id: e.course_id,
                    enrolled_at: e.enrolled_at,
                    completed: e.status == EnrollmentStatus::Completed || e.completed_at.is_some(),
                })
                .collect(),
            acquisitions: record
                .user_skills
                .iter()
                .filter(|s| s.acquired)
                .filter_map(|s| {
                    s.acquired_at.map(|at| SkillAcquisition {
                        skill_id: s.skill_id,
                        acquired_at: at,
                    })
                })
                .collect(),
            active_paths: record
                .paths
                .iter()
                .filter(|p| p.status == PathStatus::Active)
                .map(|p| p.path_id)
                .collect(),
        }
    }
}

/// Projects every record (see [`DemandLearner::from_record`]).
pub fn project(records: &[LearnerRecord]) -> Vec<DemandLearner> {
    records.iter().map(DemandLearner::from_record).collect()
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillDemand {
    pub date_range: DateRange,
    pub top_skills: Vec<SkillDemandEntry>,
    pub fastest_growing: Vec<SkillDemandEntry>,
    pub highest_completion: Vec<SkillDemandEntry>,
    pub demand_by_category: Vec<CategoryDemand>,
    pub forecast: Vec<DemandForecast>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub start: DateTime<Utc>,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillDemandEntry {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub category: String,
    /// 0-100, integer.
    pub demand_score: i64,
    pub enrollment_count: u64,
    pub value_prop_count: u64,
    pub path_requirement_count: u64,
    pub trend: Growth,
    /// Percent, 1 dp; `null` when the preceding window had no enrollments.
    pub growth_rate: Option<f64>,
    /// Acquisitions per month, 2 dp.
    pub acquisition_velocity: f64,
    /// Percent, 1 dp; `null` without enrollments or below K learners.
    pub completion_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryDemand {
    pub category: String,
    /// Mean demand score of the category's skills, integer.
    pub demand_score: i64,
    /// Name of the category's highest-demand skill.
    pub top_skill: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemandForecast {
    pub skill_id: SkillId,
    pub skill_name: String,
    /// 0-100, integer.
    pub forecasted_demand: i64,
    /// R² of the monthly enrollment trend, 0-1, 2 dp.
    pub confidence: f64,
    pub ai_insight: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Computation
// ---------------------------------------------------------------------------------------

/// The window boundaries of one run.
#[derive(Debug, Clone, Copy)]
struct Windows {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    prev_start: DateTime<Utc>,
    months: f64,
    /// Boundaries of the six forecast months: month `i` is `[bounds[i], bounds[i+1])`.
    bounds: [DateTime<Utc>; FORECAST_MONTHS + 1],
}

fn months_back(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    t.checked_sub_months(Months::new(n))
        .unwrap_or(t - Duration::days(30 * i64::from(n)))
}

impl Windows {
    fn new(clock: &Clock, timeframe: Timeframe) -> Self {
        let end = clock.now;
        let start = months_back(end, timeframe.months());
        let mut bounds = [end; FORECAST_MONTHS + 1];
        for (i, bound) in bounds.iter_mut().enumerate() {
            *bound = months_back(end, (FORECAST_MONTHS - i) as u32);
        }
        Windows {
            start,
            end,
            prev_start: start - (end - start),
            months: f64::from(timeframe.months()),
            bounds,
        }
    }

    fn month_of(&self, t: DateTime<Utc>) -> Option<usize> {
        (0..FORECAST_MONTHS).find(|&i| t >= self.bounds[i] && t < self.bounds[i + 1])
    }
}

/// Raw counts of one skill.
#[derive(Debug, Clone, Default)]
struct Counts {
    learners_now: u64,
    learners_prev: u64,
    monthly: [u64; FORECAST_MONTHS],
    enrollments: u64,
    completed: u64,
    acquisitions: u64,
    value_prop_orgs: BTreeSet<OrgId>,
    active_paths: u64,
}

/// One skill of the result set with its raw counts and unrounded demand score.
#[derive(Debug, Clone)]
struct SkillStat<'a> {
    skill: &'a Skill,
    counts: Counts,
    demand: f64,
}

impl SkillStat<'_> {
    fn growth(&self) -> Option<f64> {
        growth_pct(
            self.counts.learners_now as f64,
            self.counts.learners_prev as f64,
        )
    }

    fn completion(&self) -> Option<f64> {
        Guarded::new(self.counts.learners_now as usize, || {
            pct(self.counts.completed as f64, self.counts.enrollments as f64)
        })
        .shown()
        .copied()
        .flatten()
    }

    /// The total tie-break: enrollmentCount desc, then name, then id.
    fn tie_break(&self, other: &Self) -> Ordering {
        other
            .counts
            .learners_now
            .cmp(&self.counts.learners_now)
            .then_with(|| self.skill.name.cmp(&other.skill.name))
            .then_with(|| self.skill.id.cmp(&other.skill.id))
    }

    fn entry(&self, windows: &Windows) -> SkillDemandEntry {
        let c = &self.counts;
        SkillDemandEntry {
            skill_id: self.skill.id,
            skill_name: self.skill.name.clone(),
            category: self.skill.category.clone(),
            demand_score: round_int(self.demand),
            enrollment_count: c.learners_now,
            value_prop_count: c.value_prop_orgs.len() as u64,
            path_requirement_count: c.active_paths,
            trend: growth_label(c.learners_now as f64, c.learners_prev as f64),
            growth_rate: self.growth().map(|g| round_dp(g, 1)),
            acquisition_velocity: round_dp(c.acquisitions as f64 / windows.months, 2),
            completion_rate: self.completion().map(|r| round_dp(r, 1)),
        }
    }

    fn forecast(&self) -> DemandForecast {
        let series: Vec<f64> = self.counts.monthly.iter().map(|m| *m as f64).collect();
        let fitted = ols_predict(&series, (2 * FORECAST_MONTHS - 1) as f64).unwrap_or(0.0);
        let recent = mean(&series[FORECAST_MONTHS - 3..]).unwrap_or(0.0);
        let ratio = if recent > 0.0 { fitted / recent } else { 1.0 };
        let forecasted = clamp(round_int(self.demand * ratio) as f64, 0.0, 100.0) as i64;
        let confidence = round_dp(ols(&series).map(|(_, r2)| r2).unwrap_or(0.0), 2);
        let current = round_int(self.demand);
        let direction = match forecasted.cmp(&current) {
            Ordering::Greater => "rise",
            Ordering::Less => "fall",
            Ordering::Equal => "hold",
        };
        let ai_insight = format!(
            "Demand for {} is projected to {} from {} to {} over the next 6 months \
             (trend fit R² {}).",
            self.skill.name, direction, current, forecasted, confidence
        );
        DemandForecast {
            skill_id: self.skill.id,
            skill_name: self.skill.name.clone(),
            forecasted_demand: forecasted,
            confidence,
            ai_insight: Some(ai_insight),
        }
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The result set with its counts and demand scores, in catalogue (id) order.
fn skill_stats<'a>(
    catalog: &'a Catalog,
    population: &[&DemandLearner],
    value_props: &[ValueProposition],
    filters: &SkillDemandFilters,
    clock: &Clock,
    windows: &Windows,
) -> Vec<SkillStat<'a>> {
    let mut stats: Vec<SkillStat<'a>> = catalog
        .skills
        .values()
        .filter(|s| {
            filters
                .skill_category
                .as_deref()
                .is_none_or(|c| same_text(&s.category, c))
        })
        .filter(|s| {
            filters.skills.is_empty() || filters.skills.iter().any(|n| same_text(n, &s.name))
        })
        .map(|skill| SkillStat {
            skill,
            counts: Counts::default(),
            demand: 0.0,
        })
        .collect();
    let index: BTreeMap<SkillId, usize> = stats
        .iter()
        .enumerate()
        .map(|(i, s)| (s.skill.id, i))
        .collect();

    // Courses -> result-set skills they teach (each once).
    let course_skills: BTreeMap<CourseId, Vec<usize>> = catalog
        .courses
        .values()
        .filter_map(|course| {
            let mut taught: Vec<usize> = course
                .taught_skills
                .iter()
                .filter_map(|t| index.get(&t.skill_id).copied())
                .collect();
            taught.sort_unstable();
            taught.dedup();
            (!taught.is_empty()).then_some((course.id, taught))
        })
        .collect();

    // Enrollments and acquisitions, one learner at a time. Tags: 0 = this window,
    // 1 = preceding window, 2.. = forecast month; deduplicated per learner so that counts
    // are of distinct learners.
    let mut tags: Vec<(usize, usize)> = Vec::new();
    let mut active_paths: BTreeSet<PathId> = BTreeSet::new();
    for learner in population {
        tags.clear();
        for enrollment in &learner.enrollments {
            let Some(taught) = course_skills.get(&enrollment.course_id) else {
                continue;
            };
            let t = enrollment.enrolled_at;
            let now = t >= windows.start && t < windows.end;
            let prev = t >= windows.prev_start && t < windows.start;
            let month = windows.month_of(t);
            for &i in taught {
                if now {
                    tags.push((0, i));
                    stats[i].counts.enrollments += 1;
                    stats[i].counts.completed += u64::from(enrollment.completed);
                }
                if prev {
                    tags.push((1, i));
                }
                if let Some(m) = month {
                    tags.push((2 + m, i));
                }
            }
        }
        tags.sort_unstable();
        tags.dedup();
        for &(tag, i) in &tags {
            let counts = &mut stats[i].counts;
            match tag {
                0 => counts.learners_now += 1,
                1 => counts.learners_prev += 1,
                m => counts.monthly[m - 2] += 1,
            }
        }
        for acquisition in &learner.acquisitions {
            let t = acquisition.acquired_at;
            if t >= windows.start
                && t < windows.end
                && let Some(&i) = index.get(&acquisition.skill_id)
            {
                stats[i].counts.acquisitions += 1;
            }
        }
        active_paths.extend(learner.active_paths.iter().copied());
    }

    // Value propositions overlapping the window, at the requested level.
    let (start_date, end_date) = (
        clock.local_date(windows.start),
        clock.local_date(windows.end),
    );
    for vp in value_props {
        if filters.org_id.is_some_and(|org| org != vp.org_id)
            || vp.period_start > end_date
            || vp.period_end.is_some_and(|e| e < start_date)
        {
            continue;
        }
        for required in &vp.skills {
            if filters
                .competency_level
                .is_some_and(|l| l != required.required_level)
            {
                continue;
            }
            if let Some(&i) = index.get(&required.skill_id) {
                stats[i].counts.value_prop_orgs.insert(vp.org_id);
            }
        }
    }

    // Active paths requiring each skill.
    for path_id in &active_paths {
        let Some(path) = catalog.paths.get(path_id) else {
            continue;
        };
        if filters
            .competency_level
            .is_some_and(|l| path.target_competency != Some(l))
        {
            continue;
        }
        let required: BTreeSet<usize> = path
            .topics
            .iter()
            .flat_map(|t| t.skill_ids.iter())
            .filter_map(|s| index.get(s).copied())
            .collect();
        for i in required {
            stats[i].counts.active_paths += 1;
        }
    }

    // demandScore = 100 * (0.40 n(enroll) + 0.35 n(valueProp) + 0.25 n(pathReq)).
    let max_of = |f: &dyn Fn(&Counts) -> u64| stats.iter().map(|s| f(&s.counts)).max();
    let max_enroll = max_of(&|c| c.learners_now).unwrap_or(0) as f64;
    let max_vp = max_of(&|c| c.value_prop_orgs.len() as u64).unwrap_or(0) as f64;
    let max_path = max_of(&|c| c.active_paths).unwrap_or(0) as f64;
    let n = |x: u64, max: f64| if max > 0.0 { x as f64 / max } else { 0.0 };
    for stat in &mut stats {
        let c = &stat.counts;
        stat.demand = 100.0
            * (W_ENROLL * n(c.learners_now, max_enroll)
                + W_VALUE_PROP * n(c.value_prop_orgs.len() as u64, max_vp)
                + W_PATH * n(c.active_paths, max_path));
    }
    stats
}

/// AS-005.18 for `filters`. `Ready(Suppressed)` (the k-anonymity marker) when `orgId` is set
/// and the organisation has fewer than K learners; `InsufficientData` when no catalogue skill
/// passes the filters.
pub fn compute(
    catalog: &Catalog,
    learners: &[DemandLearner],
    value_props: &[ValueProposition],
    filters: &SkillDemandFilters,
    clock: &Clock,
) -> Analysis<Guarded<SkillDemand>> {
    let population: Vec<&DemandLearner> = learners
        .iter()
        .filter(|l| filters.org_id.is_none_or(|org| l.org_id == Some(org)))
        .collect();
    let windows = Windows::new(clock, filters.timeframe);
    // With `orgId` the whole result is an org-specific breakdown and needs >= K learners;
    // platform-wide counts are shown whatever the population (per-skill rates are guarded
    // one by one).
    let size = if filters.org_id.is_some() {
        population.len()
    } else {
        usize::MAX
    };
    let guarded = Guarded::new(size, || {
        let stats = skill_stats(catalog, &population, value_props, filters, clock, &windows);
        (!stats.is_empty()).then(|| build(&stats, &windows))
    });
    match guarded {
        Guarded::Suppressed => Analysis::Ready(Guarded::Suppressed),
        Guarded::Shown(None) => {
            Analysis::InsufficientData("no catalogue skill matches the filters")
        }
        Guarded::Shown(Some(data)) => Analysis::Ready(Guarded::Shown(data)),
    }
}

fn build(stats: &[SkillStat<'_>], windows: &Windows) -> SkillDemand {
    let by_demand =
        |a: &&SkillStat, b: &&SkillStat| b.demand.total_cmp(&a.demand).then_with(|| a.tie_break(b));
    let mut top: Vec<&SkillStat> = stats.iter().filter(|s| s.demand > 0.0).collect();
    top.sort_by(by_demand);
    top.truncate(TOP_SKILLS);

    let mut growing: Vec<(&SkillStat, f64)> = stats
        .iter()
        .filter(|s| s.counts.learners_now as usize >= K)
        .filter_map(|s| s.growth().filter(|g| *g > 0.0).map(|g| (s, g)))
        .collect();
    growing.sort_by(|(a, ga), (b, gb)| gb.total_cmp(ga).then_with(|| a.tie_break(b)));
    growing.truncate(SHORT_LIST);

    let mut completing: Vec<(&SkillStat, f64)> = stats
        .iter()
        .filter(|s| s.counts.learners_now as usize >= K)
        .filter_map(|s| s.completion().map(|c| (s, c)))
        .collect();
    completing.sort_by(|(a, ca), (b, cb)| cb.total_cmp(ca).then_with(|| a.tie_break(b)));
    completing.truncate(SHORT_LIST);

    let mut categories: BTreeMap<&str, Vec<&SkillStat>> = BTreeMap::new();
    for stat in stats {
        categories
            .entry(stat.skill.category.as_str())
            .or_default()
            .push(stat);
    }
    let mut by_category: Vec<(f64, CategoryDemand)> = categories
        .into_iter()
        .map(|(category, mut members)| {
            let scores: Vec<f64> = members.iter().map(|s| s.demand).collect();
            let average = mean(&scores).unwrap_or(0.0);
            members.sort_by(by_demand);
            (
                average,
                CategoryDemand {
                    category: category.to_owned(),
                    demand_score: round_int(average),
                    top_skill: members[0].skill.name.clone(),
                },
            )
        })
        .collect();
    by_category
        .sort_by(|(a, ca), (b, cb)| b.total_cmp(a).then_with(|| ca.category.cmp(&cb.category)));

    let output = SkillDemand {
        date_range: DateRange {
            start: windows.start,
            end: windows.end,
        },
        top_skills: top.iter().map(|s| s.entry(windows)).collect(),
        fastest_growing: growing.iter().map(|(s, _)| s.entry(windows)).collect(),
        highest_completion: completing.iter().map(|(s, _)| s.entry(windows)).collect(),
        demand_by_category: by_category.into_iter().map(|(_, c)| c).collect(),
        forecast: top.iter().map(|s| s.forecast()).collect(),
        insights: Vec::new(),
    };
    let declining = stats
        .iter()
        .filter(|s| {
            growth_label(s.counts.learners_now as f64, s.counts.learners_prev as f64)
                == Growth::Declining
        })
        .count();
    SkillDemand {
        insights: insights(&output, declining),
        ..output
    }
}

/// Deterministic insight templates, in a fixed order.
fn insights(output: &SkillDemand, declining: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let Some(top) = output.top_skills.first() else {
        lines.push(
            "No enrollments, organisation requirements or active learning paths reference \
             these skills in the selected period."
                .to_owned(),
        );
        return lines;
    };
    lines.push(format!(
        "{} is the most demanded skill (demand score {}), with {} learners enrolled in \
         courses teaching it in the period.",
        top.skill_name, top.demand_score, top.enrollment_count
    ));
    if let Some(fast) = output.fastest_growing.first()
        && let Some(growth) = fast.growth_rate
    {
        lines.push(format!(
            "{} is growing fastest: enrollments up {}% on the previous period.",
            fast.skill_name, growth
        ));
    }
    if let Some(best) = output.highest_completion.first()
        && let Some(rate) = best.completion_rate
    {
        lines.push(format!(
            "{} has the highest completion rate ({}%) among skills with at least {} \
                 learners.",
            best.skill_name, rate, K
        ));
    }
    if let Some(category) = output.demand_by_category.first() {
        lines.push(format!(
            "{} is the category in highest demand (mean demand score {}); its top skill is {}.",
            category.category, category.demand_score, category.top_skill
        ));
    }
    if declining > 0 {
        lines.push(format!(
            "{} skill{} had fewer enrollments than in the previous period of equal length.",
            declining,
            if declining == 1 { "" } else { "s" }
        ));
    }
    lines
}

/// The platform-wide `demandScore` of every catalogue skill (default filters: `6months`, no
/// category, level or organisation), for AS-001.2's `careerImpact` (used unscaled). Skills
/// without any signal score 0.
pub fn platform_demand_scores(
    catalog: &Catalog,
    learners: &[DemandLearner],
    value_props: &[ValueProposition],
    clock: &Clock,
) -> BTreeMap<SkillId, i64> {
    let filters = SkillDemandFilters::default();
    let windows = Windows::new(clock, filters.timeframe);
    let population: Vec<&DemandLearner> = learners.iter().collect();
    skill_stats(catalog, &population, value_props, &filters, clock, &windows)
        .into_iter()
        .map(|s| (s.skill.id, round_int(s.demand)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::{
        BusinessPriority, Course, Difficulty, LearningPath, PathTopic, RequiredSkill, TaughtSkill,
    };
    use chrono::{NaiveDate, TimeZone};
    use proptest::prelude::*;
    use serde_json::json;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn days_ago(days: i64) -> DateTime<Utc> {
        now() - Duration::days(days)
    }

    fn sid(n: u128) -> SkillId {
        SkillId(Uuid::from_u128(n))
    }

    fn skill(n: u128, name: &str, category: &str) -> Skill {
        Skill {
            id: sid(n),
            name: name.to_owned(),
            category: category.to_owned(),
            prerequisite_skill_ids: vec![],
        }
    }

    fn course(n: u128, skills: &[(u128, u8)]) -> Course {
        Course {
            id: CourseId(Uuid::from_u128(n)),
            external_id: None,
            title: format!("Course {n}"),
            category: "tech".to_owned(),
            owner_org_id: None,
            trainer_ids: vec![],
            is_active: true,
            created_at: days_ago(1000),
            updated_at: days_ago(1000),
            estimated_duration_weeks: None,
            target_completion_rate: None,
            issues_certificate: false,
            taught_skills: skills
                .iter()
                .map(|(s, l)| TaughtSkill {
                    skill_id: sid(*s),
                    level: SkillLevel::new(i64::from(*l)).unwrap(),
                })
                .collect(),
        }
    }

    fn path(n: u128, skills: &[u128], target: Option<u8>) -> LearningPath {
        LearningPath {
            id: PathId(Uuid::from_u128(n)),
            name: format!("Path {n}"),
            difficulty: Difficulty::Intermediate,
            target_competency: target.map(|l| SkillLevel::new(i64::from(l)).unwrap()),
            topics: vec![PathTopic {
                topic_id: TopicId(Uuid::from_u128(n * 1000)),
                name: "topic".to_owned(),
                skill_ids: skills.iter().map(|s| sid(*s)).collect(),
            }],
        }
    }

    fn catalog(skills: Vec<Skill>, courses: Vec<Course>, paths: Vec<LearningPath>) -> Catalog {
        Catalog::new(skills, vec![], courses, vec![], vec![], paths, vec![])
    }

    fn org(n: u128) -> OrgId {
        OrgId(Uuid::from_u128(n))
    }

    fn learner(n: u128, org_n: Option<u128>) -> DemandLearner {
        DemandLearner {
            user_id: UserId(Uuid::from_u128(n)),
            org_id: org_n.map(org),
            enrollments: vec![],
            acquisitions: vec![],
            active_paths: vec![],
        }
    }

    fn enroll(l: &mut DemandLearner, course_n: u128, at: DateTime<Utc>, completed: bool) {
        l.enrollments.push(DemandEnrollment {
            course_id: CourseId(Uuid::from_u128(course_n)),
            enrolled_at: at,
            completed,
        });
    }

    fn vp(
        org_n: u128,
        skills: &[(u128, u8)],
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> ValueProposition {
        ValueProposition {
            id: ValuePropId(Uuid::from_u128(org_n * 7 + skills.len() as u128)),
            org_id: org(org_n),
            period_start: start,
            period_end: end,
            skills: skills
                .iter()
                .map(|(s, l)| RequiredSkill {
                    skill_id: sid(*s),
                    required_level: SkillLevel::new(i64::from(*l)).unwrap(),
                    business_priority: BusinessPriority::High,
                    justification: None,
                    deadline: None,
                })
                .collect(),
            applies_to: None,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn ready(result: Analysis<Guarded<SkillDemand>>) -> SkillDemand {
        match result {
            Analysis::Ready(Guarded::Shown(data)) => data,
            other => panic!("expected data, got {other:?}"),
        }
    }

    /// Rust (A): 20 learners now (5 completed), 16 of them also enrolled in the preceding
    /// window, 3 acquisitions, required by org 1. Docker (B): 10 learners now (4 completed),
    /// none before, required by orgs 1 and 2, on one active path. COBOL (C): nothing.
    fn fixture() -> (Catalog, Vec<DemandLearner>, Vec<ValueProposition>) {
        let cat = catalog(
            vec![
                skill(1, "Rust", "Programming"),
                skill(2, "Docker", "DevOps"),
                skill(3, "COBOL", "Programming"),
            ],
            vec![course(10, &[(1, 2)]), course(11, &[(2, 2)])],
            vec![path(20, &[2], Some(3))],
        );
        let mut learners = Vec::new();
        for i in 0..20u128 {
            let mut l = learner(i, Some(1));
            enroll(&mut l, 10, days_ago(10), i < 5);
            if i < 16 {
                // Preceding window [2025-06-16T12:00, 2025-12-15T12:00).
                enroll(&mut l, 10, days_ago(200), true);
            }
            if i < 3 {
                l.acquisitions.push(SkillAcquisition {
                    skill_id: sid(1),
                    acquired_at: days_ago(5),
                });
            }
            learners.push(l);
        }
        for i in 100..110u128 {
            let mut l = learner(i, Some(2));
            enroll(&mut l, 11, days_ago(10), i < 104);
            if i == 100 {
                l.active_paths.push(PathId(Uuid::from_u128(20)));
            }
            learners.push(l);
        }
        let vps = vec![
            vp(1, &[(1, 2), (2, 3)], date(2026, 1, 1), None),
            vp(2, &[(2, 2)], date(2025, 1, 1), Some(date(2026, 12, 31))),
            // Ended before the window: not counted.
            vp(3, &[(1, 2)], date(2024, 1, 1), Some(date(2025, 6, 30))),
        ];
        (cat, learners, vps)
    }

    #[test]
    fn demand_scores_growth_and_lists_by_hand() {
        let (cat, learners, vps) = fixture();
        let data = ready(compute(
            &cat,
            &learners,
            &vps,
            &SkillDemandFilters::default(),
            &clock(),
        ));
        // max enroll 20, max orgs 2, max paths 1.
        // Docker: 100 * (0.40 * 10/20 + 0.35 * 2/2 + 0.25 * 1/1) = 20 + 35 + 25 = 80.
        // Rust: 100 * (0.40 * 20/20 + 0.35 * 1/2 + 0) = 40 + 17.5 = 57.5 -> 58.
        // COBOL: 0 -> not a top skill.
        let names: Vec<&str> = data
            .top_skills
            .iter()
            .map(|s| s.skill_name.as_str())
            .collect();
        assert_eq!(names, ["Docker", "Rust"]);
        let docker = &data.top_skills[0];
        assert_eq!(
            (
                docker.demand_score,
                docker.enrollment_count,
                docker.value_prop_count,
                docker.path_requirement_count
            ),
            (80, 10, 2, 1)
        );
        // No Docker enrollments before: growth null, trend growing; 4/10 completed = 40%.
        assert_eq!(docker.growth_rate, None);
        assert_eq!(docker.trend, Growth::Growing);
        assert_eq!(docker.completion_rate, Some(40.0));
        let rust = &data.top_skills[1];
        assert_eq!((rust.demand_score, rust.value_prop_count), (58, 1));
        // (20 - 16) / 16 * 100 = 25% growing; 5/20 = 25% completed; 3 acquisitions / 6 months.
        assert_eq!(rust.growth_rate, Some(25.0));
        assert_eq!(rust.trend, Growth::Growing);
        assert_eq!(rust.completion_rate, Some(25.0));
        assert_eq!(rust.acquisition_velocity, 0.5);
        // Only Rust has a defined growth rate; completion: Docker 40 > Rust 25.
        assert_eq!(data.fastest_growing.len(), 1);
        assert_eq!(data.fastest_growing[0].skill_name, "Rust");
        let completion: Vec<&str> = data
            .highest_completion
            .iter()
            .map(|s| s.skill_name.as_str())
            .collect();
        assert_eq!(completion, ["Docker", "Rust"]);
        // DevOps: 80; Programming: (57.5 + 0) / 2 = 28.75 -> 29, top skill Rust.
        assert_eq!(
            serde_json::to_value(&data.demand_by_category).unwrap(),
            json!([
                {"category": "DevOps", "demandScore": 80, "topSkill": "Docker"},
                {"category": "Programming", "demandScore": 29, "topSkill": "Rust"}
            ])
        );
        assert_eq!(
            data.date_range.start,
            Utc.with_ymd_and_hms(2025, 12, 15, 12, 0, 0).unwrap()
        );
        assert_eq!(data.date_range.end, now());
        assert_eq!(
            data.insights[0],
            "Docker is the most demanded skill (demand score 80), with 10 learners enrolled in \
             courses teaching it in the period."
        );
        assert_eq!(data.forecast.len(), 2);
        let scores = platform_demand_scores(&cat, &learners, &vps, &clock());
        assert_eq!(scores.get(&sid(2)), Some(&80));
        assert_eq!(scores.get(&sid(1)), Some(&58));
        assert_eq!(scores.get(&sid(3)), Some(&0));
    }

    #[test]
    fn output_serialises_with_the_spec_field_names() {
        let (cat, learners, vps) = fixture();
        let value = serde_json::to_value(compute(
            &cat,
            &learners,
            &vps,
            &SkillDemandFilters::default(),
            &clock(),
        ))
        .unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        for key in [
            "dateRange",
            "topSkills",
            "fastestGrowing",
            "highestCompletion",
            "demandByCategory",
            "forecast",
            "insights",
        ] {
            assert!(keys.contains(&key), "{key} missing in {keys:?}");
        }
        let entry = &value["topSkills"][0];
        for key in [
            "skillId",
            "skillName",
            "category",
            "demandScore",
            "enrollmentCount",
            "valuePropCount",
            "pathRequirementCount",
            "trend",
            "growthRate",
            "acquisitionVelocity",
            "completionRate",
        ] {
            assert!(entry.get(key).is_some(), "{key} missing in {entry}");
        }
        assert_eq!(entry["growthRate"], serde_json::Value::Null);
        assert_eq!(value["dateRange"]["start"], "2025-12-15T12:00:00Z");
        assert!(value["forecast"][0].get("aiInsight").is_some());
    }

    #[test]
    fn forecast_from_six_monthly_counts() {
        // One skill; 1, 2, 3, 4, 5, 6 distinct learners enrol in months 0..5.
        // OLS on x = 0..5: mean 3.5, slope 1, fitted at x = 11: 3.5 + 1 * (11 - 2.5) = 12;
        // mean of the last 3 months (4 + 5 + 6) / 3 = 5; ratio 2.4.
        // demand = 100 * 0.40 * 1 = 40 (no value propositions or paths); 40 * 2.4 = 96.
        let cat = catalog(
            vec![skill(1, "Go", "Programming")],
            vec![course(10, &[(1, 1)])],
            vec![],
        );
        let mut learners = Vec::new();
        let mut id = 0;
        for month in 0..6u32 {
            let at = months_back(now(), 6 - month) + Duration::days(5);
            for _ in 0..=month {
                let mut l = learner(id, None);
                enroll(&mut l, 10, at, false);
                learners.push(l);
                id += 1;
            }
        }
        let data = ready(compute(
            &cat,
            &learners,
            &[],
            &SkillDemandFilters::default(),
            &clock(),
        ));
        assert_eq!(data.top_skills[0].demand_score, 40);
        assert_eq!(data.top_skills[0].enrollment_count, 21);
        assert_eq!(data.forecast[0].forecasted_demand, 96);
        assert_eq!(data.forecast[0].confidence, 1.0);

        // Reversed (6, 5, ..., 1): fitted 3.5 - 8.5 = -5, ratio -5 / 2 = -2.5 -> clamp 0.
        for l in &mut learners {
            let at = l.enrollments[0].enrolled_at;
            let month = (0..6u32).find(|m| at < months_back(now(), 5 - m)).unwrap();
            l.enrollments[0].enrolled_at = months_back(now(), 1 + month) + Duration::days(5);
        }
        let data = ready(compute(
            &cat,
            &learners,
            &[],
            &SkillDemandFilters::default(),
            &clock(),
        ));
        assert_eq!(data.forecast[0].forecasted_demand, 0);
        assert_eq!(data.forecast[0].confidence, 1.0);
    }

    #[test]
    fn no_recent_enrollments_carry_demand_forward() {
        // Demand only from a value proposition: 100 * 0.35 * 1 = 35; all six months 0 ->
        // ratio 1 -> 35; R² of a flat series is 0.
        let cat = catalog(vec![skill(1, "SAP", "ERP")], vec![], vec![]);
        let vps = vec![vp(1, &[(1, 2)], date(2026, 1, 1), None)];
        let data = ready(compute(
            &cat,
            &[],
            &vps,
            &SkillDemandFilters::default(),
            &clock(),
        ));
        assert_eq!(data.top_skills[0].demand_score, 35);
        assert_eq!(data.forecast[0].forecasted_demand, 35);
        assert_eq!(data.forecast[0].confidence, 0.0);
        assert_eq!(data.top_skills[0].completion_rate, None);
        assert_eq!(data.top_skills[0].acquisition_velocity, 0.0);
    }

    #[test]
    fn growth_label_boundaries() {
        // prev 10 learners; now 11 -> +10% stable, 12 -> +20% growing, 9 -> -10% stable,
        // 8 -> -20% declining.
        let cat = catalog(
            vec![skill(1, "Go", "Programming")],
            vec![course(10, &[(1, 1)])],
            vec![],
        );
        for (now_count, growth, trend) in [
            (11u128, 10.0, Growth::Stable),
            (12, 20.0, Growth::Growing),
            (9, -10.0, Growth::Stable),
            (8, -20.0, Growth::Declining),
        ] {
            let mut learners = Vec::new();
            for i in 0..10u128 {
                let mut l = learner(i, None);
                enroll(&mut l, 10, days_ago(300), false);
                learners.push(l);
            }
            for i in 0..now_count {
                let mut l = learner(1000 + i, None);
                enroll(&mut l, 10, days_ago(3), false);
                learners.push(l);
            }
            let data = ready(compute(
                &cat,
                &learners,
                &[],
                &SkillDemandFilters::default(),
                &clock(),
            ));
            let entry = &data.top_skills[0];
            assert_eq!(entry.growth_rate, Some(growth), "{now_count}");
            assert_eq!(entry.trend, trend, "{now_count}");
            // 9 learners: below K -> no completion rate, not in the K-gated lists.
            if now_count < 10 {
                assert_eq!(entry.completion_rate, None);
                assert!(data.highest_completion.is_empty() && data.fastest_growing.is_empty());
            } else {
                assert_eq!(entry.completion_rate, Some(0.0));
            }
            if trend == Growth::Declining {
                assert!(
                    data.insights
                        .iter()
                        .any(|l| l.starts_with("1 skill had fewer"))
                );
            }
        }
    }

    #[test]
    fn an_org_below_k_gets_only_the_marker() {
        let (cat, learners, vps) = fixture();
        // Org 2 has exactly 10 learners -> shown; drop one -> 9 -> marker.
        let filters = SkillDemandFilters {
            org_id: Some(org(2)),
            ..SkillDemandFilters::default()
        };
        let data = ready(compute(&cat, &learners, &vps, &filters, &clock()));
        // Inside org 2: Docker 10 learners, org 2's own requirement, the active path.
        // Rust: no org-2 learners and org 2 does not require it -> 0, not listed.
        assert_eq!(data.top_skills.len(), 1);
        let docker = &data.top_skills[0];
        assert_eq!(
            (
                docker.demand_score,
                docker.enrollment_count,
                docker.value_prop_count
            ),
            (100, 10, 1)
        );
        let nine: Vec<DemandLearner> = learners
            .iter()
            .filter(|l| l.user_id != UserId(Uuid::from_u128(109)))
            .cloned()
            .collect();
        let result = compute(&cat, &nine, &vps, &filters, &clock());
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            json!({"insufficientData": true, "minimumRequired": 10})
        );
    }

    #[test]
    fn competency_level_counts_only_requirements_at_that_level() {
        let (cat, learners, vps) = fixture();
        let filters = SkillDemandFilters {
            competency_level: Some(SkillLevel::ADVANCED),
            ..SkillDemandFilters::default()
        };
        let data = ready(compute(&cat, &learners, &vps, &filters, &clock()));
        // Level 3: Docker required by org 1 only (org 2 asks level 2); the path targets level
        // 3 -> counted. Rust's requirements are level 2 -> 0 orgs.
        let docker = data
            .top_skills
            .iter()
            .find(|s| s.skill_name == "Docker")
            .unwrap();
        let rust = data
            .top_skills
            .iter()
            .find(|s| s.skill_name == "Rust")
            .unwrap();
        assert_eq!(
            (docker.value_prop_count, docker.path_requirement_count),
            (1, 1)
        );
        assert_eq!((rust.value_prop_count, rust.enrollment_count), (0, 20));
        // Docker: 100 * (0.40 * 0.5 + 0.35 + 0.25) = 80; Rust: 100 * 0.40 = 40.
        assert_eq!((docker.demand_score, rust.demand_score), (80, 40));
        let expert = SkillDemandFilters {
            competency_level: Some(SkillLevel::EXPERT),
            ..SkillDemandFilters::default()
        };
        let data = ready(compute(&cat, &learners, &vps, &expert, &clock()));
        assert!(
            data.top_skills
                .iter()
                .all(|s| s.value_prop_count == 0 && s.path_requirement_count == 0)
        );
    }

    #[test]
    fn filters_and_empty_inputs() {
        let (cat, learners, vps) = fixture();
        let programming = SkillDemandFilters {
            skill_category: Some(" programming ".to_owned()),
            timeframe: Timeframe::Months3,
            ..SkillDemandFilters::default()
        };
        let data = ready(compute(&cat, &learners, &vps, &programming, &clock()));
        // Result set Rust and COBOL only: Rust is the maximum everywhere -> 100 * (0.40 +
        // 0.35) = 75 (no path requires either).
        assert_eq!(data.top_skills.len(), 1);
        assert_eq!(data.top_skills[0].demand_score, 75);
        assert_eq!(
            data.date_range.start,
            Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap()
        );
        // 3 acquisitions over 3 months.
        assert_eq!(data.top_skills[0].acquisition_velocity, 1.0);
        let named = SkillDemandFilters {
            skills: vec!["docker".to_owned()],
            ..SkillDemandFilters::default()
        };
        let data = ready(compute(&cat, &learners, &vps, &named, &clock()));
        assert_eq!(data.top_skills.len(), 1);
        assert_eq!(data.top_skills[0].demand_score, 100);

        let none = SkillDemandFilters {
            skill_category: Some("Cooking".to_owned()),
            ..SkillDemandFilters::default()
        };
        assert!(matches!(
            compute(&cat, &learners, &vps, &none, &clock()),
            Analysis::InsufficientData(_)
        ));
        assert!(matches!(
            compute(
                &Catalog::default(),
                &[],
                &[],
                &SkillDemandFilters::default(),
                &clock()
            ),
            Analysis::InsufficientData(_)
        ));
        let quiet = ready(compute(
            &cat,
            &[],
            &[],
            &SkillDemandFilters::default(),
            &clock(),
        ));
        assert!(quiet.top_skills.is_empty() && quiet.forecast.is_empty());
        assert_eq!(quiet.demand_by_category.len(), 2);
        assert_eq!(quiet.insights.len(), 1);
        assert!(quiet.insights[0].starts_with("No enrollments"));
        assert_eq!(Timeframe::parse("1year"), Some(Timeframe::Year1));
        assert_eq!(Timeframe::parse("2years"), None);
    }

    #[test]
    fn projection_from_a_learner_record() {
        use crate::model::*;
        let user = User {
            id: UserId(Uuid::from_u128(1)),
            external_id: None,
            org_id: Some(org(1)),
            department_id: None,
            team_id: None,
            display_name: "A".to_owned(),
            email: None,
            roles: vec![],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: days_ago(500),
        };
        let mut record = LearnerRecord::new(user);
        record.enrollments.push(Enrollment {
            id: EnrollmentId(Uuid::from_u128(5)),
            user_id: record.id(),
            course_id: CourseId(Uuid::from_u128(10)),
            enrolled_at: days_ago(20),
            status: EnrollmentStatus::Completed,
            progress_pct: 100.0,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        });
        for (n, acquired, at) in [
            (1u128, true, Some(days_ago(3))),
            (2, false, None),
            (3, true, None),
        ] {
            record.user_skills.push(UserSkill {
                user_id: record.id(),
                skill_id: sid(n),
                current_level: SkillLevel::BEGINNER,
                acquired,
                acquired_at: at,
                acquired_via: None,
                updated_at: days_ago(1),
            });
        }
        for (n, status) in [(20u128, PathStatus::Active), (21, PathStatus::Paused)] {
            record.paths.push(UserLearningPath {
                user_id: record.id(),
                path_id: PathId(Uuid::from_u128(n)),
                status,
                started_at: days_ago(50),
                target_date: None,
                topics_total: 4,
                topics_completed: 1,
                progress_pct: 25.0,
                completed_at: None,
                last_activity_at: days_ago(2),
            });
        }
        let projected = project(std::slice::from_ref(&record));
        assert_eq!(projected[0].org_id, Some(org(1)));
        assert!(projected[0].enrollments[0].completed);
        assert_eq!(projected[0].acquisitions.len(), 1);
        assert_eq!(projected[0].active_paths, vec![PathId(Uuid::from_u128(20))]);
    }

    /// (org, [(course, days ago, completed)], [(skill, days ago)], [active path]).
    type RawLearner = (u8, Vec<(u8, u16, bool)>, Vec<(u8, u16)>, Vec<u8>);

    fn arb_learner() -> impl Strategy<Value = RawLearner> {
        (
            0u8..3,
            prop::collection::vec((0u8..5, 0u16..800, any::<bool>()), 0..4),
            prop::collection::vec((0u8..6, 0u16..400), 0..3),
            prop::collection::vec(0u8..3, 0..2),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn demand_outputs_stay_in_range(
            raw in prop::collection::vec(arb_learner(), 0..40),
            vp_raw in prop::collection::vec((0u8..4, 0u8..6, 0u8..5, 0i64..900), 0..6),
            timeframe in prop::sample::select(vec![Timeframe::Months3, Timeframe::Months6, Timeframe::Year1]),
            org_filter in prop::option::of(0u8..3),
            level in prop::option::of(0u8..5),
        ) {
            let skills: Vec<Skill> = (0..6u128)
                .map(|i| skill(i, &format!("S{i}"), if i % 2 == 0 { "even" } else { "odd" }))
                .collect();
            let courses: Vec<Course> = (0..5u128)
                .map(|c| course(100 + c, &[(c, 1), ((c + 1) % 6, 2)]))
                .collect();
            let paths: Vec<LearningPath> = (0..3u128)
                .map(|p| path(200 + p, &[p, p + 3], Some((p + 1) as u8)))
                .collect();
            let cat = catalog(skills, courses, paths);
            let learners: Vec<DemandLearner> = raw
                .iter()
                .enumerate()
                .map(|(i, (o, enrollments, acquisitions, active))| {
                    let mut l = learner(i as u128, Some(u128::from(*o)));
                    for (c, days, completed) in enrollments {
                        enroll(&mut l, 100 + u128::from(*c), days_ago(i64::from(*days)), *completed);
                    }
                    for (s, days) in acquisitions {
                        l.acquisitions.push(SkillAcquisition { skill_id: sid(u128::from(*s)), acquired_at: days_ago(i64::from(*days)) });
                    }
                    l.active_paths = active.iter().map(|p| PathId(Uuid::from_u128(200 + u128::from(*p)))).collect();
                    l
                })
                .collect();
            let vps: Vec<ValueProposition> = vp_raw
                .iter()
                .map(|(o, s, l, days)| vp(u128::from(*o), &[(u128::from(*s), *l)], (now() - Duration::days(*days)).date_naive(), None))
                .collect();
            let filters = SkillDemandFilters {
                timeframe,
                org_id: org_filter.map(|o| org(u128::from(o))),
                competency_level: level.map(|l| SkillLevel::new(i64::from(l)).unwrap()),
                ..SkillDemandFilters::default()
            };
            let first = compute(&cat, &learners, &vps, &filters, &clock());
            prop_assert_eq!(&first, &compute(&cat, &learners, &vps, &filters, &clock()));
            let population = learners.iter().filter(|l| filters.org_id.is_none_or(|o| l.org_id == Some(o))).count();
            match first {
                Analysis::Ready(Guarded::Suppressed) => prop_assert!(filters.org_id.is_some() && population < K),
                Analysis::InsufficientData(_) => prop_assert!(false, "catalogue has skills"),
                Analysis::Ready(Guarded::Shown(data)) => {
                    prop_assert!(filters.org_id.is_none() || population >= K);
                    prop_assert!(data.top_skills.len() <= TOP_SKILLS);
                    prop_assert!(data.fastest_growing.len() <= SHORT_LIST);
                    prop_assert!(data.highest_completion.len() <= SHORT_LIST);
                    prop_assert_eq!(data.forecast.len(), data.top_skills.len());
                    for pair in data.top_skills.windows(2) {
                        prop_assert!(pair[0].demand_score >= pair[1].demand_score);
                    }
                    let all = data.top_skills.iter().chain(&data.fastest_growing).chain(&data.highest_completion);
                    for e in all {
                        prop_assert!((0..=100).contains(&e.demand_score));
                        prop_assert!(e.acquisition_velocity >= 0.0 && e.acquisition_velocity.is_finite());
                        if let Some(c) = e.completion_rate {
                            prop_assert!((0.0..=100.0).contains(&c));
                            prop_assert!(e.enrollment_count as usize >= K);
                        }
                        match e.growth_rate {
                            Some(g) if g > 10.0 => prop_assert_eq!(e.trend, Growth::Growing),
                            Some(g) if g < -10.0 => prop_assert_eq!(e.trend, Growth::Declining),
                            Some(_) => prop_assert_eq!(e.trend, Growth::Stable),
                            None => prop_assert!(e.trend != Growth::Declining),
                        }
                    }
                    for e in data.fastest_growing.iter().chain(&data.highest_completion) {
                        prop_assert!(e.enrollment_count as usize >= K);
                    }
                    for f in &data.forecast {
                        prop_assert!((0..=100).contains(&f.forecasted_demand));
                        prop_assert!((0.0..=1.0).contains(&f.confidence));
                    }
                    for c in &data.demand_by_category {
                        prop_assert!((0..=100).contains(&c.demand_score));
                    }
                    prop_assert!(!data.insights.is_empty());
                }
            }
        }
    }
}
