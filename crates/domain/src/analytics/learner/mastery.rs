//! AS-001.4 Mastery Progress Tracking (`mastery_progress`, endpoint L4).
//!
//! Question answered: how far has the learner got towards mastering each skill they are
//! aiming at, which skills are mastered, which need review, and what to master next?
//!
//! Inputs: the learner's [`LearnerRecord`] (skill targets, learning paths, `UserSkill`
//! acquisitions, assessment attempts with optional question results, DevLab practice,
//! module progress), the [`Catalog`] (assessment → skill mapping, module → skill mapping,
//! path topics and skill names), the [`Clock`], the platform benchmark
//! [`AcquisitionBenchmarks`] (built once per batch by [`build_benchmarks`]) and the stored
//! milestone history ([`MilestoneFact`]s, table `analytics_milestones`).
//!
//! The output is the spec's `masteryTracking` object (it is `data` itself, not wrapped;
//! decision 10).
//!
//! # Units
//! Unit = each target skill; output fields keep the original's `topic*` names and
//! `topicId` = skillId (spec). The target skills are the skills of the learner's
//! `SkillTarget`s **plus the skills of the topics of the learner's learning paths** (path
//! membership makes a skill a target; the Skills Engine usually mirrors them as `path`
//! targets anyway) **(decided here)**.
//!
//! # Evidence on a skill (decided here where the spec names only the source)
//! - Mapped assessments: assessments whose `skillIds` list the skill (all kinds, pre
//!   included); attempts submitted up to now with `maxScore > 0`; `scorePct` clamped to
//!   0-100.
//! - DevLab practice: submissions whose `skillIds` list the skill, started up to now. A
//!   submission still `in_progress` is not judged yet: it adds time and marks the skill as
//!   started, but is not a practice attempt.
//! - Time: minutes of module progress on modules mapped to the skill (the module's
//!   `skillIds`, or the skills of the path topic the module is mapped to) plus the
//!   `durationMinutes` of the skill's DevLab submissions; a module mapped to several skills
//!   counts fully for each.
//! - Last activity: the latest mapped attempt submission or practice submission
//!   (`completedAt`, else `startedAt`).
//! - A skill is *started* when it has a mapped attempt, a practice submission or a
//!   progress row on a mapped module.
//!
//! # Formulas (spec, component formulas decided there)
//! - Mastered: SE `acquired` OR (best mapped assessment score >= 80 AND >= 1 passed DL
//!   submission on the skill). Status `mastered`; else `in_progress` when started; else
//!   `not_started`.
//! - `masteryLevel = round(0.40A + 0.30Pr + 0.15E + 0.15Ret)`, clamped to 0-100:
//!   - A = mean best score per mapped assessment (0 if none);
//!   - Pr = DL pass rate of the last 20 judged submissions * 100 (0 if none);
//!   - E = `min(100, benchmarkHours / actualHours * 100)`, 0 if no time, 50 if the
//!     benchmark has < K acquirers (no time is checked first: without time there is no
//!     efficiency to judge) **(order decided here)**;
//!   - Ret = `round(100 * 0.5^(max(0, d - 7) / 30))`, d = calendar days (learner's
//!     timezone) since the last assessment/practice on the skill, 0 if never. Ret is an
//!     integer by its definition and enters `masteryLevel` as such.
//!   - A skill that is neither started nor mastered has `masteryLevel` 0 (the spec's "not
//!     started = 0") and `retentionScore` 0, `needsReview` false **(decided here)**.
//!     A skill acquired in SE without any activity here is mastered with level 15 (only
//!     Ret = 100 contributes): the formula is applied as specified.
//! - `masteryGrade`: 0-30 `Beginner`, 31-60 `Developing`, 61-85 `Proficient`, 86-100
//!   `Master`. `progressToMaster = min(100, level / 86 * 100)` (1 dp).
//! - `nextReviewDate = lastActivity + 23 days` (the first day Ret < 70), null without
//!   assessment/practice; `needsReview = Ret < 70`.
//! - `practiceAttempts` = judged DL submissions on the skill; `successRate` = passed /
//!   judged * 100 over all of them (null if none); `averageScore` = A (null if no mapped
//!   assessment); `timeSpent` in hours (1 dp); `lastPracticeDate` = the date of the last
//!   assessment/practice **(decided here)**.
//! - `masteryPercentage = mastered / target skills * 100` (1 dp), also per path: a path's
//!   skills are the distinct skills of its topics, for every path the learner is on
//!   (any status); null for a path without skills. `overallMasteryScore` = mean
//!   `masteryLevel` over all target skills (integer).
//! - Milestones = the first dates the stored level reached 31 (`Developing`), 61
//!   (`Proficient`), 86 (`Master`). Stored facts come in as [`MilestoneFact`]s; a
//!   threshold the current level reaches without a stored fact is a new milestone dated
//!   now, listed in the output and returned in [`MasteryTracking::new_milestones`] (not
//!   serialised) for the caller to store. `milestone` is the grade reached, `achievedAt` a
//!   timestamp, `level` the level when it was reached **(decided here)**.
//! - Strength / improvement areas: question tags (questions of the skill's mapped
//!   assessments) with >= 5 answers and correctness >= 80% / < 60%, best first / worst
//!   first, ties by tag.
//! - `nextSkillsToMaster`: the 3 in-progress skills with the highest level (ties by name,
//!   then id), as skill ids **(decided here: ids, their names are in `topicBreakdown`)**.
//! - `topicBreakdown` and `pathBreakdown` are ordered by name, then id.
//!
//! # Benchmark
//! [`build_benchmarks`]: per skill, the hours-to-acquire of every learner whose
//! `UserSkill` is `acquired`: their time on the skill (definition above) counting only
//! module progress started and practice started no later than `acquiredAt` (all of it when
//! `acquiredAt` is unknown). Acquirers with no recorded time carry no timing information
//! and are left out **(decided here)**. The benchmark for a subject is the median over the
//! other acquirers (subject excluded), shown only when they are at least K = 10
//! ([`Guarded`]); otherwise E = 50.
//!
//! `compute` is [`Analysis::InsufficientData`] when the learner has no target skill.

use crate::analytics::common::{clamp, mean, pct, round_dp, round_int};
use crate::analytics::privacy::Guarded;
use crate::analytics::{Analysis, Catalog, Clock, LearnerRecord};
use crate::ids::{AssessmentId, PathId, SkillId, UserId};
use crate::model::{Module, PathTopic, PracticeStatus};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Best mapped assessment score needed (with a passed DL submission) for mastery.
pub const MASTERED_SCORE: f64 = 80.0;
/// Number of latest judged DL submissions in the practice pass rate.
pub const PRACTICE_WINDOW: usize = 20;
/// The level of the `Master` grade, the denominator of `progressToMaster`.
pub const MASTER_LEVEL: i64 = 86;
/// Days after the last activity at which Ret first drops below 70.
pub const REVIEW_AFTER_DAYS: i64 = 23;
/// Ret below this means the skill needs review.
pub const REVIEW_RETENTION: i64 = 70;
/// E when the benchmark population is below K.
pub const NEUTRAL_EFFICIENCY: f64 = 50.0;
/// Minimum answers for a question tag to be a strength or improvement area.
pub const TAG_MIN_ANSWERS: usize = 5;

/// The status of one target skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicStatus {
    Mastered,
    InProgress,
    NotStarted,
}

/// `masteryGrade`, spelled as the spec writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MasteryGrade {
    Beginner,
    Developing,
    Proficient,
    Master,
}

impl MasteryGrade {
    /// 0-30 Beginner, 31-60 Developing, 61-85 Proficient, 86-100 Master.
    pub fn of(level: i64) -> Self {
        match level {
            l if l >= 86 => MasteryGrade::Master,
            l if l >= 61 => MasteryGrade::Proficient,
            l if l >= 31 => MasteryGrade::Developing,
            _ => MasteryGrade::Beginner,
        }
    }

    /// The lowest level of the grade.
    pub fn threshold(self) -> i64 {
        match self {
            MasteryGrade::Beginner => 0,
            MasteryGrade::Developing => 31,
            MasteryGrade::Proficient => 61,
            MasteryGrade::Master => 86,
        }
    }

    /// The grades that are milestones (31, 61, 86).
    pub const MILESTONES: [MasteryGrade; 3] = [
        MasteryGrade::Developing,
        MasteryGrade::Proficient,
        MasteryGrade::Master,
    ];
}

/// A stored milestone: the first time a skill's level reached a grade threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MilestoneFact {
    pub skill_id: SkillId,
    pub milestone: MasteryGrade,
    pub achieved_at: DateTime<Utc>,
    pub level: i64,
}

impl MilestoneFact {
    /// The `analytics_milestones.milestone_key` of the fact, e.g. `skill:<id>:level:61`.
    pub fn key(&self) -> String {
        format!(
            "skill:{}:level:{}",
            self.skill_id,
            self.milestone.threshold()
        )
    }

    /// Reads a key written by [`MilestoneFact::key`].
    pub fn parse_key(key: &str) -> Option<(SkillId, MasteryGrade)> {
        let rest = key.strip_prefix("skill:")?;
        let (id, threshold) = rest.rsplit_once(":level:")?;
        let skill = SkillId(id.parse().ok()?);
        let threshold: i64 = threshold.parse().ok()?;
        MasteryGrade::MILESTONES
            .into_iter()
            .find(|g| g.threshold() == threshold)
            .map(|g| (skill, g))
    }
}

/// The platform's hours-to-acquire per skill, one value per acquirer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcquisitionBenchmarks {
    pub per_skill: BTreeMap<SkillId, AcquirerHours>,
}

/// Hours-to-acquire of each acquirer of one skill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcquirerHours {
    pub by_user: BTreeMap<UserId, f64>,
    /// The same values, sorted ascending.
    pub sorted: Vec<f64>,
}

impl AcquisitionBenchmarks {
    /// The median hours-to-acquire of `skill` over the acquirers other than `subject`,
    /// suppressed below K of them.
    pub fn benchmark_hours(&self, skill: SkillId, subject: UserId) -> Guarded<f64> {
        let Some(hours) = self.per_skill.get(&skill) else {
            return Guarded::Suppressed;
        };
        let own = hours.by_user.get(&subject).copied();
        let others = hours.sorted.len() - usize::from(own.is_some());
        Guarded::new(others, || {
            median_sorted_without(&hours.sorted, own).unwrap_or(0.0)
        })
    }
}

/// Median (linear interpolation) of a sorted list with one occurrence of `removed` left
/// out, in O(log n).
fn median_sorted_without(sorted: &[f64], removed: Option<f64>) -> Option<f64> {
    let (len, gap) = match removed {
        Some(value) => {
            let index = sorted.partition_point(|v| *v < value);
            if index < sorted.len() && sorted[index] == value {
                (sorted.len() - 1, Some(index))
            } else {
                (sorted.len(), None)
            }
        }
        None => (sorted.len(), None),
    };
    if len == 0 {
        return None;
    }
    let at = |i: usize| match gap {
        Some(g) if i >= g => sorted[i + 1],
        _ => sorted[i],
    };
    let position = 0.5 * (len - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    Some(at(lower) + (at(upper) - at(lower)) * (position - lower as f64))
}

/// Builds the per-skill hours-to-acquire of every acquirer (see the module doc).
pub fn build_benchmarks(records: &[LearnerRecord], catalog: &Catalog) -> AcquisitionBenchmarks {
    let mut benchmarks = AcquisitionBenchmarks::default();
    for record in records {
        for user_skill in record.user_skills.iter().filter(|s| s.acquired) {
            let hours =
                minutes_on_skill(record, catalog, user_skill.skill_id, user_skill.acquired_at)
                    / 60.0;
            if hours > 0.0 && hours.is_finite() {
                benchmarks
                    .per_skill
                    .entry(user_skill.skill_id)
                    .or_default()
                    .by_user
                    .insert(record.id(), hours);
            }
        }
    }
    for hours in benchmarks.per_skill.values_mut() {
        hours.sorted = hours.by_user.values().copied().collect();
        hours.sorted.sort_by(f64::total_cmp);
    }
    benchmarks
}

/// The path topic a module or assessment is mapped to.
fn path_topic(catalog: &Catalog, topic: crate::ids::TopicId) -> Option<&PathTopic> {
    catalog
        .topic_paths
        .get(&topic)
        .and_then(|p| catalog.paths.get(p))
        .and_then(|p| p.topics.iter().find(|t| t.topic_id == topic))
}

/// The skills a module is mapped to: its own `skillIds` and those of its path topic.
fn module_skills(catalog: &Catalog, module: &Module) -> BTreeSet<SkillId> {
    let mut skills: BTreeSet<SkillId> = module.skill_ids.iter().copied().collect();
    if let Some(topic) = module.topic_id.and_then(|t| path_topic(catalog, t)) {
        skills.extend(topic.skill_ids.iter().copied());
    }
    skills
}

/// Minutes on a skill: mapped module progress plus DevLab practice, optionally counting
/// only what started no later than `until`.
fn minutes_on_skill(
    record: &LearnerRecord,
    catalog: &Catalog,
    skill: SkillId,
    until: Option<DateTime<Utc>>,
) -> f64 {
    let in_time = |t: Option<DateTime<Utc>>| match (until, t) {
        (Some(limit), Some(t)) => t <= limit,
        _ => true,
    };
    let modules: f64 = record
        .module_progress
        .iter()
        .filter(|p| in_time(p.started_at))
        .filter(|p| {
            catalog
                .modules
                .get(&p.module_id)
                .is_some_and(|m| module_skills(catalog, m).contains(&skill))
        })
        .map(|p| finite_minutes(p.time_spent_minutes))
        .sum();
    let practice: f64 = record
        .practice
        .iter()
        .filter(|p| in_time(Some(p.started_at)) && p.skill_ids.contains(&skill))
        .map(|p| finite_minutes(p.duration_minutes))
        .sum();
    modules + practice
}

fn finite_minutes(minutes: f64) -> f64 {
    if minutes.is_finite() {
        minutes.max(0.0)
    } else {
        0.0
    }
}

/// Everything observed about one target skill.
#[derive(Debug, Default)]
struct Evidence {
    best_by_assessment: BTreeMap<AssessmentId, f64>,
    /// Judged DevLab submissions `(time, passed)`, oldest first.
    judged: Vec<(DateTime<Utc>, bool)>,
    any_practice_passed: bool,
    started: bool,
    last_activity: Option<DateTime<Utc>>,
    /// Per question tag: (answers, correct).
    tags: BTreeMap<String, (usize, usize)>,
}

impl Evidence {
    fn touch(&mut self, at: DateTime<Utc>) {
        self.started = true;
        self.last_activity = Some(self.last_activity.map_or(at, |l| l.max(at)));
    }
}

fn gather(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    targets: &BTreeSet<SkillId>,
) -> BTreeMap<SkillId, Evidence> {
    let mut evidence: BTreeMap<SkillId, Evidence> =
        targets.iter().map(|s| (*s, Evidence::default())).collect();
    for attempt in record
        .attempts
        .iter()
        .filter(|a| a.submitted_at <= clock.now)
    {
        let (Some(assessment), Some(score)) = (
            catalog.assessments.get(&attempt.assessment_id),
            attempt.score_pct(),
        ) else {
            continue;
        };
        let score = clamp(score, 0.0, 100.0);
        let skills: BTreeSet<SkillId> = assessment.skill_ids.iter().copied().collect();
        for skill in skills {
            let Some(e) = evidence.get_mut(&skill) else {
                continue;
            };
            e.touch(attempt.submitted_at);
            let best = e.best_by_assessment.entry(assessment.id).or_insert(score);
            *best = best.max(score);
            for q in attempt.question_results.iter().flatten() {
                let tag = e.tags.entry(q.tag.clone()).or_default();
                tag.0 += 1;
                tag.1 += usize::from(q.correct);
            }
        }
    }
    for submission in record.practice.iter().filter(|p| p.started_at <= clock.now) {
        let at = submission
            .completed_at
            .filter(|t| *t <= clock.now && *t >= submission.started_at)
            .unwrap_or(submission.started_at);
        let skills: BTreeSet<SkillId> = submission.skill_ids.iter().copied().collect();
        for skill in skills {
            let Some(e) = evidence.get_mut(&skill) else {
                continue;
            };
            e.touch(at);
            if submission.status != PracticeStatus::InProgress {
                e.judged.push((at, submission.passed));
            }
            e.any_practice_passed |= submission.passed;
        }
    }
    for progress in &record.module_progress {
        if let Some(module) = catalog.modules.get(&progress.module_id) {
            for skill in module_skills(catalog, module) {
                if let Some(e) = evidence.get_mut(&skill) {
                    e.started = true;
                }
            }
        }
    }
    for e in evidence.values_mut() {
        // Stable: equal times keep the record's (startedAt, id) order.
        e.judged.sort_by_key(|(at, _)| *at);
    }
    evidence
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// `masteryTracking`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MasteryTracking {
    pub summary: MasterySummary,
    pub path_breakdown: Vec<PathMastery>,
    pub topic_breakdown: Vec<TopicMastery>,
    pub next_skills_to_master: Vec<String>,
    /// Milestones reached now for the first time; the caller stores them
    /// (`analytics_milestones`). Not part of `data`.
    #[serde(skip)]
    pub new_milestones: Vec<MilestoneFact>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterySummary {
    pub topics_mastered: u32,
    pub topics_in_progress: u32,
    pub topics_not_started: u32,
    pub overall_mastery_score: i64,
    pub mastery_percentage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathMastery {
    pub path_id: PathId,
    pub path_name: String,
    pub mastered_skills: u32,
    pub total_skills: u32,
    pub mastery_percentage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicMastery {
    pub topic_id: SkillId,
    pub topic_name: String,
    pub status: TopicStatus,
    pub mastery_level: i64,
    pub mastery_grade: MasteryGrade,
    pub progress_to_master: f64,
    pub practice_attempts: u32,
    pub success_rate: Option<f64>,
    pub average_score: Option<f64>,
    pub time_spent: f64,
    pub retention_score: i64,
    pub last_practice_date: Option<NaiveDate>,
    pub needs_review: bool,
    pub next_review_date: Option<NaiveDate>,
    pub milestones: Vec<Milestone>,
    pub strength_areas: Vec<String>,
    pub improvement_areas: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    pub milestone: MasteryGrade,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub achieved_at: DateTime<Utc>,
    pub level: i64,
}

/// `Ret = round(100 * 0.5^(max(0, d - 7) / 30))`.
pub fn retention_score(days_since: i64) -> i64 {
    let decay_days = (days_since - 7).max(0) as f64;
    round_int(100.0 * 0.5f64.powf(decay_days / 30.0))
}

/// `E = min(100, benchmark / actual * 100)`; 0 without time; 50 without a benchmark.
pub fn efficiency(actual_hours: f64, benchmark_hours: Option<f64>) -> f64 {
    if actual_hours <= 0.0 || !actual_hours.is_finite() {
        return 0.0;
    }
    match benchmark_hours {
        Some(b) => (b / actual_hours * 100.0).min(100.0),
        None => NEUTRAL_EFFICIENCY,
    }
}

/// `round(0.40A + 0.30Pr + 0.15E + 0.15Ret)`, clamped to 0-100.
pub fn mastery_level(a: f64, pr: f64, e: f64, ret: i64) -> i64 {
    let level = 0.40 * a + 0.30 * pr + 0.15 * e + 0.15 * ret as f64;
    round_int(clamp(level, 0.0, 100.0))
}

/// The learner's target skills: `SkillTarget`s plus the skills of their paths' topics.
fn target_skills(record: &LearnerRecord, catalog: &Catalog) -> BTreeSet<SkillId> {
    let mut targets: BTreeSet<SkillId> = record.skill_targets.iter().map(|t| t.skill_id).collect();
    for user_path in &record.paths {
        if let Some(path) = catalog.paths.get(&user_path.path_id) {
            for topic in &path.topics {
                targets.extend(topic.skill_ids.iter().copied());
            }
        }
    }
    targets
}

fn skill_name(catalog: &Catalog, skill: SkillId) -> String {
    catalog
        .skills
        .get(&skill)
        .map_or_else(|| skill.to_string(), |s| s.name.clone())
}

/// Computes AS-001.4 for one learner. `history` holds the learner's stored milestones
/// (others are ignored).
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    benchmarks: &AcquisitionBenchmarks,
    history: &[MilestoneFact],
    clock: &Clock,
) -> Analysis<MasteryTracking> {
    let targets = target_skills(record, catalog);
    if targets.is_empty() {
        return Analysis::InsufficientData("the learner has no target skills");
    }
    let acquired: BTreeSet<SkillId> = record
        .user_skills
        .iter()
        .filter(|s| s.acquired)
        .map(|s| s.skill_id)
        .collect();
    let evidence = gather(record, catalog, clock, &targets);
    let today = clock.today();

    // Earliest stored fact per (skill, milestone).
    let mut stored: BTreeMap<(SkillId, MasteryGrade), &MilestoneFact> = BTreeMap::new();
    for fact in history {
        if MasteryGrade::MILESTONES.contains(&fact.milestone) {
            let slot = stored
                .entry((fact.skill_id, fact.milestone))
                .or_insert(fact);
            if (fact.achieved_at, fact.level) < (slot.achieved_at, slot.level) {
                *slot = fact;
            }
        }
    }

    let mut topics = Vec::with_capacity(targets.len());
    let mut new_milestones = Vec::new();
    let mut mastered_set = BTreeSet::new();
    for (skill, e) in &evidence {
        let scores: Vec<f64> = e.best_by_assessment.values().copied().collect();
        let average = mean(&scores);
        let best = scores
            .iter()
            .copied()
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
        let mastered = acquired.contains(skill)
            || (best.is_some_and(|b| b >= MASTERED_SCORE) && e.any_practice_passed);
        let status = if mastered {
            TopicStatus::Mastered
        } else if e.started {
            TopicStatus::InProgress
        } else {
            TopicStatus::NotStarted
        };
        if mastered {
            mastered_set.insert(*skill);
        }

        let last20 = &e.judged[e.judged.len().saturating_sub(PRACTICE_WINDOW)..];
        let pr = pct(
            last20.iter().filter(|(_, p)| *p).count() as f64,
            last20.len() as f64,
        )
        .unwrap_or(0.0);
        let actual_hours = minutes_on_skill(record, catalog, *skill, None) / 60.0;
        let benchmark = benchmarks.benchmark_hours(*skill, record.id());
        let eff = efficiency(actual_hours, benchmark.shown().copied());
        let last_date = e.last_activity.map(|t| clock.local_date(t));
        let days_since = last_date.map_or(0, |d| (today - d).num_days().max(0));

        let (level, retention) = if status == TopicStatus::NotStarted {
            (0, 0)
        } else {
            let ret = retention_score(days_since);
            (mastery_level(average.unwrap_or(0.0), pr, eff, ret), ret)
        };
        let needs_review = status != TopicStatus::NotStarted && retention < REVIEW_RETENTION;

        let mut milestones = Vec::new();
        for grade in MasteryGrade::MILESTONES {
            if let Some(fact) = stored.get(&(*skill, grade)) {
                milestones.push(Milestone {
                    milestone: grade,
                    achieved_at: fact.achieved_at,
                    level: fact.level,
                });
            } else if level >= grade.threshold() {
                milestones.push(Milestone {
                    milestone: grade,
                    achieved_at: clock.now,
                    level,
                });
                new_milestones.push(MilestoneFact {
                    skill_id: *skill,
                    milestone: grade,
                    achieved_at: clock.now,
                    level,
                });
            }
        }

        let mut strengths: Vec<(&String, f64)> = Vec::new();
        let mut improvements: Vec<(&String, f64)> = Vec::new();
        for (tag, (answers, correct)) in &e.tags {
            if *answers < TAG_MIN_ANSWERS {
                continue;
            }
            let rate = *correct as f64 / *answers as f64;
            if rate >= 0.8 {
                strengths.push((tag, rate));
            } else if rate < 0.6 {
                improvements.push((tag, rate));
            }
        }
        strengths.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        improvements.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0)));

        topics.push(TopicMastery {
            topic_id: *skill,
            topic_name: skill_name(catalog, *skill),
            status,
            mastery_level: level,
            mastery_grade: MasteryGrade::of(level),
            progress_to_master: round_dp(
                (level as f64 / MASTER_LEVEL as f64 * 100.0).min(100.0),
                1,
            ),
            practice_attempts: e.judged.len() as u32,
            success_rate: pct(
                e.judged.iter().filter(|(_, p)| *p).count() as f64,
                e.judged.len() as f64,
            )
            .map(|r| round_dp(r, 1)),
            average_score: average.map(|a| round_dp(a, 1)),
            time_spent: round_dp(actual_hours, 1),
            retention_score: retention,
            last_practice_date: last_date,
            needs_review,
            next_review_date: last_date.map(|d| d + Duration::days(REVIEW_AFTER_DAYS)),
            milestones,
            strength_areas: strengths.into_iter().map(|(t, _)| t.clone()).collect(),
            improvement_areas: improvements.into_iter().map(|(t, _)| t.clone()).collect(),
        });
    }
    topics.sort_by(|a, b| {
        a.topic_name
            .cmp(&b.topic_name)
            .then(a.topic_id.cmp(&b.topic_id))
    });
    let order: BTreeMap<SkillId, usize> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.topic_id, i))
        .collect();
    new_milestones.sort_by_key(|f| (order[&f.skill_id], f.milestone));

    let count = |s: TopicStatus| topics.iter().filter(|t| t.status == s).count() as u32;
    let levels: Vec<f64> = topics.iter().map(|t| t.mastery_level as f64).collect();
    let summary = MasterySummary {
        topics_mastered: count(TopicStatus::Mastered),
        topics_in_progress: count(TopicStatus::InProgress),
        topics_not_started: count(TopicStatus::NotStarted),
        overall_mastery_score: round_int(mean(&levels).unwrap_or(0.0)),
        mastery_percentage: round_dp(
            pct(mastered_set.len() as f64, targets.len() as f64).unwrap_or(0.0),
            1,
        ),
    };

    let mut path_breakdown: Vec<PathMastery> = Vec::new();
    let path_ids: BTreeSet<PathId> = record.paths.iter().map(|p| p.path_id).collect();
    for path in path_ids.iter().filter_map(|id| catalog.paths.get(id)) {
        let skills: BTreeSet<SkillId> = path
            .topics
            .iter()
            .flat_map(|t| t.skill_ids.iter().copied())
            .collect();
        let mastered = skills.intersection(&mastered_set).count();
        path_breakdown.push(PathMastery {
            path_id: path.id,
            path_name: path.name.clone(),
            mastered_skills: mastered as u32,
            total_skills: skills.len() as u32,
            mastery_percentage: pct(mastered as f64, skills.len() as f64).map(|p| round_dp(p, 1)),
        });
    }
    path_breakdown.sort_by(|a, b| {
        a.path_name
            .cmp(&b.path_name)
            .then(a.path_id.cmp(&b.path_id))
    });

    let mut in_progress: Vec<&TopicMastery> = topics
        .iter()
        .filter(|t| t.status == TopicStatus::InProgress)
        .collect();
    // `topics` is already ordered by name then id; a stable sort keeps that for ties.
    in_progress.sort_by_key(|t| std::cmp::Reverse(t.mastery_level));
    let next_skills_to_master = in_progress
        .iter()
        .take(3)
        .map(|t| t.topic_id.to_string())
        .collect();

    Analysis::Ready(MasteryTracking {
        summary,
        path_breakdown,
        topic_breakdown: topics,
        next_skills_to_master,
        new_milestones,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn days_ago(d: i64) -> DateTime<Utc> {
        now() - Duration::days(d)
    }

    fn uid(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn sid(n: u128) -> SkillId {
        SkillId(uuid::Uuid::from_u128(0x5000 + n))
    }

    fn aid(n: u128) -> AssessmentId {
        AssessmentId(uuid::Uuid::from_u128(0xA000 + n))
    }

    fn mid(n: u128) -> ModuleId {
        ModuleId(uuid::Uuid::from_u128(0xB000 + n))
    }

    fn user(n: u128) -> User {
        User {
            id: uid(n),
            external_id: None,
            org_id: None,
            department_id: None,
            team_id: None,
            display_name: format!("user {n}"),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: days_ago(400),
        }
    }

    fn skill(n: u128, name: &str) -> Skill {
        Skill {
            id: sid(n),
            name: name.to_owned(),
            category: "tech".into(),
            prerequisite_skill_ids: vec![],
        }
    }

    fn assessment(n: u128, skills: &[u128]) -> Assessment {
        Assessment {
            id: aid(n),
            course_id: None,
            module_id: None,
            kind: AssessmentKind::Quiz,
            max_score: 100.0,
            pass_threshold: None,
            required: false,
            topic_id: None,
            skill_ids: skills.iter().map(|s| sid(*s)).collect(),
            due_at: None,
        }
    }

    fn module(n: u128, skills: &[u128]) -> Module {
        Module {
            id: mid(n),
            course_id: CourseId(uuid::Uuid::from_u128(0xC000)),
            order: n as i32,
            name: format!("module {n}"),
            estimated_hours: None,
            topic_id: None,
            skill_ids: skills.iter().map(|s| sid(*s)).collect(),
        }
    }

    fn catalog() -> Catalog {
        Catalog::new(
            vec![skill(1, "Rust"), skill(2, "SQL"), skill(3, "Go")],
            vec![],
            vec![],
            vec![module(1, &[1]), module(2, &[2])],
            vec![
                assessment(1, &[1]),
                assessment(2, &[1]),
                assessment(3, &[2]),
            ],
            vec![LearningPath {
                id: PathId(uuid::Uuid::from_u128(0xD001)),
                name: "Backend".into(),
                difficulty: Difficulty::Beginner,
                target_competency: None,
                topics: vec![PathTopic {
                    topic_id: TopicId(uuid::Uuid::from_u128(0xE001)),
                    name: "Databases".into(),
                    skill_ids: vec![sid(2), sid(3)],
                }],
            }],
            vec![],
        )
    }

    fn target(user: u128, skill: u128) -> SkillTarget {
        SkillTarget {
            user_id: uid(user),
            skill_id: sid(skill),
            target_level: SkillLevel::ADVANCED,
            source: TargetSource::Personal,
            business_priority: BusinessPriority::High,
            business_justification: None,
            deadline: None,
        }
    }

    fn attempt(user: u128, a: u128, score: f64, at: DateTime<Utc>) -> AssessmentAttempt {
        AssessmentAttempt {
            id: AttemptId(uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{user}-{a}-{at}-{score}").as_bytes(),
            )),
            assessment_id: aid(a),
            user_id: uid(user),
            attempt_no: 1,
            started_at: at - Duration::minutes(30),
            submitted_at: at,
            duration_minutes: 30.0,
            score,
            max_score: 100.0,
            passed: score >= 70.0,
            question_results: None,
        }
    }

    fn practice(
        user: u128,
        skill: u128,
        passed: bool,
        minutes: f64,
        at: DateTime<Utc>,
    ) -> PracticeSubmission {
        PracticeSubmission {
            id: SubmissionId(uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("p-{user}-{skill}-{at}-{passed}").as_bytes(),
            )),
            user_id: uid(user),
            topic_id: None,
            skill_ids: vec![sid(skill)],
            started_at: at - Duration::minutes(minutes as i64),
            completed_at: Some(at),
            status: PracticeStatus::Completed,
            passed,
            score: None,
            duration_minutes: minutes,
        }
    }

    fn progress(user: u128, module: u128, minutes: f64) -> ModuleProgress {
        ModuleProgress {
            user_id: uid(user),
            module_id: mid(module),
            started_at: Some(days_ago(60)),
            completed_at: None,
            progress_pct: 50.0,
            time_spent_minutes: minutes,
        }
    }

    fn acquired(user: u128, skill: u128, at: Option<DateTime<Utc>>) -> UserSkill {
        UserSkill {
            user_id: uid(user),
            skill_id: sid(skill),
            current_level: SkillLevel::ADVANCED,
            acquired: true,
            acquired_at: at,
            acquired_via: Some(AcquiredVia::Assessment),
            updated_at: days_ago(1),
        }
    }

    fn learner(n: u128) -> LearnerRecord {
        LearnerRecord::new(user(n))
    }

    fn ready(a: Analysis<MasteryTracking>) -> MasteryTracking {
        match a {
            Analysis::Ready(t) => t,
            Analysis::InsufficientData(why) => panic!("insufficient: {why}"),
        }
    }

    fn topic(t: &MasteryTracking, s: u128) -> &TopicMastery {
        t.topic_breakdown
            .iter()
            .find(|x| x.topic_id == sid(s))
            .unwrap()
    }

    /// Ten other acquirers of skill 1 with 2, 4, ..., 20 hours of practice.
    fn acquirers() -> Vec<LearnerRecord> {
        (0..10)
            .map(|i| {
                let mut r = learner(100 + i);
                r.user_skills.push(acquired(100 + i, 1, None));
                r.practice.push(practice(
                    100 + i,
                    1,
                    true,
                    120.0 * (i + 1) as f64,
                    days_ago(50),
                ));
                r
            })
            .collect()
    }

    #[test]
    fn retention_decays_from_day_seven_and_first_drops_below_70_on_day_23() {
        assert_eq!(retention_score(0), 100);
        assert_eq!(retention_score(7), 100);
        // d = 37: 0.5^(30/30) = 0.5 -> 50
        assert_eq!(retention_score(37), 50);
        // d = 22: 0.5^(15/30) = 0.7071 -> 71; d = 23: 0.5^(16/30) = 0.6910 -> 69
        assert_eq!(retention_score(22), 71);
        assert_eq!(retention_score(23), 69);
    }

    #[test]
    fn grades_and_components_hit_their_boundaries() {
        assert_eq!(MasteryGrade::of(30), MasteryGrade::Beginner);
        assert_eq!(MasteryGrade::of(31), MasteryGrade::Developing);
        assert_eq!(MasteryGrade::of(60), MasteryGrade::Developing);
        assert_eq!(MasteryGrade::of(61), MasteryGrade::Proficient);
        assert_eq!(MasteryGrade::of(85), MasteryGrade::Proficient);
        assert_eq!(MasteryGrade::of(86), MasteryGrade::Master);
        assert_eq!(efficiency(0.0, Some(5.0)), 0.0);
        assert_eq!(efficiency(0.0, None), 0.0);
        assert_eq!(efficiency(10.0, None), 50.0);
        assert_eq!(efficiency(10.0, Some(5.0)), 50.0);
        assert_eq!(efficiency(2.0, Some(5.0)), 100.0);
        // 0.4*90 + 0.3*100 + 0.15*50 + 0.15*100 = 36 + 30 + 7.5 + 15 = 88.5 -> 89
        assert_eq!(mastery_level(90.0, 100.0, 50.0, 100), 89);
    }

    #[test]
    fn median_without_the_subject_interpolates() {
        let v = [1.0, 2.0, 3.0, 10.0];
        assert_eq!(median_sorted_without(&v, None), Some(2.5));
        assert_eq!(median_sorted_without(&v, Some(10.0)), Some(2.0));
        assert_eq!(median_sorted_without(&v, Some(1.0)), Some(3.0));
        assert_eq!(median_sorted_without(&v, Some(7.0)), Some(2.5));
        assert_eq!(median_sorted_without(&[4.0], Some(4.0)), None);
    }

    #[test]
    fn no_target_skill_is_insufficient_data() {
        let r = learner(1);
        assert_eq!(
            compute(
                &r,
                &catalog(),
                &AcquisitionBenchmarks::default(),
                &[],
                &clock()
            ),
            Analysis::InsufficientData("the learner has no target skills")
        );
    }

    #[test]
    fn a_worked_learner() {
        let cat = catalog();
        let mut records = acquirers();
        let mut r = learner(1);
        r.skill_targets.push(target(1, 1));
        // On the Backend path: skills 2 and 3 become targets too.
        r.paths.push(UserLearningPath {
            user_id: uid(1),
            path_id: PathId(uuid::Uuid::from_u128(0xD001)),
            status: PathStatus::Active,
            started_at: days_ago(90),
            target_date: None,
            topics_total: 1,
            topics_completed: 0,
            progress_pct: 10.0,
            completed_at: None,
            last_activity_at: days_ago(3),
        });
        // Skill 1: assessments 1 (best 90) and 2 (70) -> A = 80; practice: 3 passed of 4
        // judged -> Pr = 75; time 60 min module + 4*60 min practice = 5 h.
        let mut a1 = attempt(1, 1, 60.0, days_ago(20));
        a1.question_results = Some(
            (0..6)
                .map(|i| QuestionResult {
                    question_id: format!("q{i}"),
                    tag: "ownership".into(),
                    correct: i < 5,
                })
                .chain((0..5).map(|i| QuestionResult {
                    question_id: format!("l{i}"),
                    tag: "lifetimes".into(),
                    correct: i < 2,
                }))
                .chain((0..4).map(|i| QuestionResult {
                    question_id: format!("t{i}"),
                    tag: "traits".into(),
                    correct: false,
                }))
                .collect(),
        );
        r.attempts.push(a1);
        r.attempts.push(attempt(1, 1, 90.0, days_ago(12)));
        r.attempts.push(attempt(1, 2, 70.0, days_ago(10)));
        r.practice.push(practice(1, 1, false, 60.0, days_ago(30)));
        r.practice.push(practice(1, 1, true, 60.0, days_ago(25)));
        r.practice.push(practice(1, 1, true, 60.0, days_ago(24)));
        r.practice.push(practice(1, 1, true, 60.0, days_ago(23)));
        r.module_progress.push(progress(1, 1, 60.0));
        // Skill 2: one module with 30 min, nothing else.
        r.module_progress.push(progress(1, 2, 30.0));
        r.sort();
        records.push(r.clone());
        let bench = build_benchmarks(&records, &cat);
        // Others: 2, 4, ..., 20 h -> median 11 h; the subject (5 h) is excluded.
        assert_eq!(bench.benchmark_hours(sid(1), uid(1)), Guarded::Shown(11.0));
        let history = vec![MilestoneFact {
            skill_id: sid(1),
            milestone: MasteryGrade::Developing,
            achieved_at: days_ago(40),
            level: 35,
        }];
        let t = ready(compute(&r, &cat, &bench, &history, &clock()));

        let s1 = topic(&t, 1);
        // E = min(100, 11/5*100) = 100; last activity 10 days ago -> Ret =
        // round(100*0.5^(3/30)) = round(93.30) = 93.
        // level = 0.4*80 + 0.3*75 + 0.15*100 + 0.15*93 = 32 + 22.5 + 15 + 13.95 = 83.45 -> 83
        assert_eq!(s1.mastery_level, 83);
        assert_eq!(s1.mastery_grade, MasteryGrade::Proficient);
        // best 90 >= 80 and a passed practice -> mastered
        assert_eq!(s1.status, TopicStatus::Mastered);
        assert_eq!(s1.retention_score, 93);
        assert_eq!(s1.average_score, Some(80.0));
        assert_eq!(s1.practice_attempts, 4);
        assert_eq!(s1.success_rate, Some(75.0));
        assert_eq!(s1.time_spent, 5.0);
        // 83/86*100 = 96.51 -> 96.5
        assert_eq!(s1.progress_to_master, 96.5);
        assert_eq!(s1.last_practice_date, Some(days_ago(10).date_naive()));
        assert_eq!(
            s1.next_review_date,
            Some(days_ago(10).date_naive() + Duration::days(23))
        );
        assert!(!s1.needs_review);
        // ownership 5/6 = 83% strength; lifetimes 2/5 = 40% improvement; traits only 4 answers
        assert_eq!(s1.strength_areas, vec!["ownership".to_string()]);
        assert_eq!(s1.improvement_areas, vec!["lifetimes".to_string()]);
        // 31 was stored; 61 is new (83 >= 61); 86 not reached.
        assert_eq!(
            s1.milestones,
            vec![
                Milestone {
                    milestone: MasteryGrade::Developing,
                    achieved_at: days_ago(40),
                    level: 35
                },
                Milestone {
                    milestone: MasteryGrade::Proficient,
                    achieved_at: now(),
                    level: 83
                },
            ]
        );
        assert_eq!(
            t.new_milestones,
            vec![MilestoneFact {
                skill_id: sid(1),
                milestone: MasteryGrade::Proficient,
                achieved_at: now(),
                level: 83
            }]
        );
        assert_eq!(
            t.new_milestones[0].key(),
            format!("skill:{}:level:61", sid(1))
        );
        assert_eq!(
            MilestoneFact::parse_key(&t.new_milestones[0].key()),
            Some((sid(1), MasteryGrade::Proficient))
        );

        // Skill 2: only module time (0.5 h); no benchmark (no acquirers) -> E = 50 ;
        // never assessed -> d = 0, Ret = 100.
        // level = 0 + 0 + 0.15*50 + 0.15*100 = 22.5 -> 23 (half away from zero)
        let s2 = topic(&t, 2);
        assert_eq!(s2.status, TopicStatus::InProgress);
        assert_eq!(s2.mastery_level, 23);
        assert_eq!(s2.retention_score, 100);
        assert_eq!(s2.success_rate, None);
        assert_eq!(s2.average_score, None);
        assert_eq!(s2.next_review_date, None);
        assert!(s2.milestones.is_empty());

        // Skill 3: nothing at all.
        let s3 = topic(&t, 3);
        assert_eq!(s3.status, TopicStatus::NotStarted);
        assert_eq!((s3.mastery_level, s3.retention_score), (0, 0));
        assert!(!s3.needs_review);

        // Summary: 1 of 3 mastered = 33.3%; overall (83 + 23 + 0)/3 = 35.33 -> 35.
        assert_eq!(
            t.summary,
            MasterySummary {
                topics_mastered: 1,
                topics_in_progress: 1,
                topics_not_started: 1,
                overall_mastery_score: 35,
                mastery_percentage: 33.3,
            }
        );
        // Path Backend has skills 2 and 3, none mastered.
        assert_eq!(t.path_breakdown.len(), 1);
        assert_eq!(t.path_breakdown[0].total_skills, 2);
        assert_eq!(t.path_breakdown[0].mastery_percentage, Some(0.0));
        assert_eq!(t.next_skills_to_master, vec![sid(2).to_string()]);
        // Ordered by name: Go (3), Rust (1), SQL (2).
        let names: Vec<&str> = t
            .topic_breakdown
            .iter()
            .map(|x| x.topic_name.as_str())
            .collect();
        assert_eq!(names, vec!["Go", "Rust", "SQL"]);

        let json = serde_json::to_value(&t).unwrap();
        assert!(json.get("newMilestones").is_none());
        assert!(json["topicBreakdown"][0]["lastPracticeDate"].is_null());
        assert_eq!(json["topicBreakdown"][1]["masteryGrade"], "Proficient");
        assert_eq!(json["topicBreakdown"][0]["status"], "not_started");
    }

    #[test]
    fn review_is_due_from_day_23_and_acquired_skills_are_mastered() {
        let cat = catalog();
        let mut r = learner(1);
        r.skill_targets.push(target(1, 1));
        r.skill_targets.push(target(1, 2));
        r.user_skills.push(acquired(1, 2, Some(days_ago(5))));
        // Skill 1: one attempt of 100 exactly 23 days ago, no practice -> not mastered
        // (needs a passed DL submission), Ret = 69 -> needs review.
        r.attempts.push(attempt(1, 1, 100.0, days_ago(23)));
        let t = ready(compute(
            &r,
            &cat,
            &AcquisitionBenchmarks::default(),
            &[],
            &clock(),
        ));
        let s1 = topic(&t, 1);
        assert_eq!(s1.status, TopicStatus::InProgress);
        assert_eq!(s1.retention_score, 69);
        assert!(s1.needs_review);
        assert_eq!(s1.next_review_date, Some(now().date_naive()));
        // A = 100, Pr = 0, E = 0 (no time), Ret = 69: 40 + 10.35 = 50.35 -> 50
        assert_eq!(s1.mastery_level, 50);
        // Skill 2: acquired in SE, no activity: mastered; level = 0.15*100 = 15.
        let s2 = topic(&t, 2);
        assert_eq!(s2.status, TopicStatus::Mastered);
        assert_eq!(s2.mastery_level, 15);
        assert_eq!(t.summary.mastery_percentage, 50.0);
    }

    #[test]
    fn the_benchmark_needs_ten_other_acquirers() {
        let cat = catalog();
        let mut records = acquirers();
        records.pop(); // nine left
        let mut r = learner(1);
        r.user_skills.push(acquired(1, 1, Some(days_ago(5))));
        r.practice.push(practice(1, 1, true, 60.0, days_ago(10)));
        // Practice after the acquisition does not count towards hours-to-acquire.
        r.practice.push(practice(1, 1, true, 60.0, days_ago(1)));
        records.push(r);
        let bench = build_benchmarks(&records, &cat);
        assert_eq!(bench.per_skill[&sid(1)].by_user[&uid(1)], 1.0);
        // Ten acquirers in total, but only nine others.
        assert!(bench.benchmark_hours(sid(1), uid(1)).is_suppressed());
        assert!(!bench.benchmark_hours(sid(1), uid(999)).is_suppressed());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn outputs_stay_in_range(
            scores in proptest::collection::vec((0u128..3, 0.0f64..120.0, 0i64..120), 0..12),
            subs in proptest::collection::vec((1u128..4, any::<bool>(), 0.0f64..300.0, 0i64..120), 0..30),
            minutes in proptest::collection::vec((1u128..3, 0.0f64..600.0), 0..3),
            acquired_skill in proptest::option::of(1u128..4),
        ) {
            let cat = catalog();
            let mut r = learner(1);
            for s in 1..4 { r.skill_targets.push(target(1, s)); }
            for (a, score, d) in &scores {
                r.attempts.push(attempt(1, a + 1, *score, days_ago(*d)));
            }
            for (s, passed, m, d) in &subs {
                r.practice.push(practice(1, *s, *passed, *m, days_ago(*d)));
            }
            for (m, t) in &minutes {
                r.module_progress.push(progress(1, *m, *t));
            }
            if let Some(s) = acquired_skill { r.user_skills.push(acquired(1, s, None)); }
            r.sort();
            let mut records = acquirers();
            records.push(r.clone());
            let bench = build_benchmarks(&records, &cat);
            let first = compute(&r, &cat, &bench, &[], &clock());
            prop_assert_eq!(&first, &compute(&r, &cat, &bench, &[], &clock()));
            let t = ready(first);
            let json = serde_json::to_string(&t).unwrap();
            prop_assert!(!json.contains("NaN") && !json.contains("inf"));
            prop_assert!((0..=100).contains(&t.summary.overall_mastery_score));
            prop_assert!((0.0..=100.0).contains(&t.summary.mastery_percentage));
            for x in &t.topic_breakdown {
                prop_assert!((0..=100).contains(&x.mastery_level));
                prop_assert_eq!(x.mastery_grade, MasteryGrade::of(x.mastery_level));
                prop_assert!((0.0..=100.0).contains(&x.progress_to_master));
                prop_assert!((0..=100).contains(&x.retention_score));
                prop_assert_eq!(x.needs_review, x.status != TopicStatus::NotStarted && x.retention_score < 70);
                if let Some(rate) = x.success_rate { prop_assert!((0.0..=100.0).contains(&rate)); }
                if let Some(a) = x.average_score { prop_assert!((0.0..=100.0).contains(&a)); }
                for m in &x.milestones { prop_assert!(m.level >= m.milestone.threshold()); }
            }
            // Every new milestone is listed, and storing them makes the next run add none.
            let again = ready(compute(&r, &cat, &bench, &t.new_milestones, &clock()));
            prop_assert!(again.new_milestones.is_empty());
            prop_assert_eq!(&again.topic_breakdown, &t.topic_breakdown);
        }
    }
}
