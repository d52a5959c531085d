//! AS-005.19 Peer Comparison (Privacy-Preserved) (`peer_comparison`, endpoint C1).
//!
//! Question answered: how does this learner compare with anonymous groups of similar
//! learners, without revealing anybody else's values, identity or position?
//!
//! Inputs: one [`PeerSnapshot`] per learner (the daily `PeerMetricSnapshot`: orgId,
//! departmentId, competency level, primary path and its difficulty, and the seven metrics
//! below), indexed once per batch into a [`PeerIndex`]; the subject's own snapshot.
//! [`PeerSnapshot::from_record`] derives the record-based parts; the results of other
//! analytics enter as plain numbers ([`ComputedMetrics`]).
//!
//! `myMetrics` **(decided here in the spec)**: `overallProgress` (mean `progressPct` of the
//! active and completed paths, else of the enrollments that are not dropped, else 0
//! **(decided here: dropped enrollments and "nothing at all")**), `averageScore` (AS-001.5
//! overall), `learningPace` (AS-001.1 averagePace), `engagementScore` (AS-001.3),
//! `skillsAcquired` (user skills with `acquired`), `masteryPercentage` (AS-001.4),
//! `coursesCompleted` (enrollments with status `completed`). Higher is better for all seven.
//! A metric another analytic could not compute is absent (`null`) and the learner is left
//! out of that metric's peer figures. Primary path = the path with the latest
//! `lastActivityAt` (ties: path id), any status.
//!
//! Groups (the subject excluded from each): `sameDepartment` (same departmentId),
//! `sameOrganization` (same orgId), `sameLearningPath` (same primary path),
//! `sameCompetencyLevel` (same competency level, platform-wide), `platform` (everyone). A
//! subject without a department, organisation or path has an empty group of that kind. The
//! population is the snapshots given to [`PeerIndex::build`] (the batch passes learners).
//!
//! Per group (shown only with `groupSize >= K = 10`, else `{insufficientData: true,
//! minimumRequired: 10}`):
//! - `groupSize` = other members;
//! - `averageProgress`, `averageScore`, `averagePace`, `averageEngagement`, `averageSkills` =
//!   the mean over the other members having the metric, `null` when fewer than K have it
//!   **(decided here)**;
//! - `percentiles {<metric>: int}` = `pr(v, G) = (count(g < v) + 0.5 count(g = v)) / |G| *
//!   100` over the other members having the metric; `null` when the subject lacks the metric
//!   or fewer than K others have it; `myPercentile` = the `overallProgress` percentile;
//! - `topPercentBand` from `myPercentile`: `>= 90` `top_10`, `>= 75` `top_25`, `>= 50`
//!   `top_50`, else `bottom_50` **(decided here: boundaries inclusive)**.
//!
//! No absolute rank ("15th of 45") is returned anywhere.
//!
//! Against the default group (`sameOrganization` when shown, else `platform`; echoed as
//! `defaultGroup`, **decided here**):
//! - `strengthsComparedToPeers`: metrics with `yourValue / peerAverage >= 1.10` (and, when
//!   the peer average is 0, any positive value), `{metric, yourValue, peerAverage,
//!   percentageBetter = (you − avg) / avg * 100}` (`null` when avg = 0), sorted by
//!   `percentageBetter` desc (avg = 0 first), then metric order;
//! - `areasToImprove`: metrics with `yourValue < peerAverage`, `{metric, yourValue,
//!   peerAverage, topPerformersAverage, gap = peerAverage − yourValue}` **(decided here:
//!   gap to the average)**, sorted by `gap / peerAverage` desc, then metric order;
//!   `topPerformersAverage` = mean of the other members with a value `>= p75` of the group
//!   (linear interpolation), `null` unless that subset has `>= K` members;
//! - `visualization {type: "radar_chart", dataPoints [{dimension, you, peers}]}` for
//!   Progress, Scores, Pace, Engagement, Skills (`peers` = default group average);
//! - `privacyNote`: a fixed text.
//!
//! Rounding: percentages, scores, engagement, counts' averages 1 dp; pace 2 dp; percentiles
//! integer.
//!
//! Outcome: `Err(InsufficientPeerGroup)` (→ `422 INSUFFICIENT_PEER_GROUP`) only when the
//! platform-wide group (everyone but the subject) is below K (decision 14); smaller groups
//! are individually marked.
//!
//! Efficiency: [`PeerIndex::build`] sorts each group's metric values once (with prefix sums);
//! per subject every figure is `O(log n)`: the subject's own indexed values are removed
//! arithmetically (sum minus value, binary-search counts minus one, index shift for
//! quantiles), never by copying or scanning the group.

use crate::analytics::common::{K, mean, pct, ratio, round_dp, round_int};
use crate::analytics::input::{Catalog, LearnerRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{DepartmentId, OrgId, PathId, UserId};
use crate::model::{Difficulty, EnrollmentStatus, PathStatus, SkillLevel};
use serde::Serialize;
use std::collections::BTreeMap;

/// The text of `privacyNote`.
pub const PRIVACY_NOTE: &str = "Comparisons use only anonymous averages and percentiles of \
groups with at least 10 other learners; you are not part of your own groups, smaller groups \
are not shown, and no names, individual values or ranks of other learners are revealed.";

/// The seven compared metrics, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    OverallProgress,
    AverageScore,
    LearningPace,
    EngagementScore,
    SkillsAcquired,
    MasteryPercentage,
    CoursesCompleted,
}

impl Metric {
    pub const ALL: [Metric; 7] = [
        Metric::OverallProgress,
        Metric::AverageScore,
        Metric::LearningPace,
        Metric::EngagementScore,
        Metric::SkillsAcquired,
        Metric::MasteryPercentage,
        Metric::CoursesCompleted,
    ];

    /// Output decimals: paces 2 dp, everything else 1 dp.
    fn dp(self) -> u32 {
        match self {
            Metric::LearningPace => 2,
            _ => 1,
        }
    }

    fn round(self, value: f64) -> f64 {
        round_dp(value, self.dp())
    }
}

/// The seven metrics of one learner (results of other analytics and record counts).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PeerMetrics {
    /// Percent 0-100.
    pub overall_progress: f64,
    /// AS-001.5 overall score, percent.
    pub average_score: Option<f64>,
    /// AS-001.1 averagePace.
    pub learning_pace: Option<f64>,
    /// AS-001.3 engagement score 0-100.
    pub engagement_score: Option<f64>,
    pub skills_acquired: u32,
    /// AS-001.4 mastery percentage.
    pub mastery_percentage: Option<f64>,
    pub courses_completed: u32,
}

impl PeerMetrics {
    /// The value of `metric`; non-finite values count as absent.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        let value = match metric {
            Metric::OverallProgress => Some(self.overall_progress),
            Metric::AverageScore => self.average_score,
            Metric::LearningPace => self.learning_pace,
            Metric::EngagementScore => self.engagement_score,
            Metric::SkillsAcquired => Some(f64::from(self.skills_acquired)),
            Metric::MasteryPercentage => self.mastery_percentage,
            Metric::CoursesCompleted => Some(f64::from(self.courses_completed)),
        };
        value.filter(|v| v.is_finite())
    }
}

/// The metrics that come from other analytics, as plain numbers (`None` when that analytic
/// had insufficient data for the learner).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ComputedMetrics {
    pub average_score: Option<f64>,
    pub learning_pace: Option<f64>,
    pub engagement_score: Option<f64>,
    pub mastery_percentage: Option<f64>,
}

/// One learner's daily peer snapshot (`PeerMetricSnapshot` of `analytics.md` 9).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSnapshot {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub department_id: Option<DepartmentId>,
    pub competency_level: SkillLevel,
    pub primary_path_id: Option<PathId>,
    pub primary_path_difficulty: Option<Difficulty>,
    pub metrics: PeerMetrics,
}

impl PeerSnapshot {
    /// Builds the snapshot: structure and competency from the user, the primary path (latest
    /// `lastActivityAt`, ties by path id) and its difficulty from the catalogue,
    /// `overallProgress`, `skillsAcquired`, `coursesCompleted` from the record, the rest
    /// from `computed`.
    pub fn from_record(
        record: &LearnerRecord,
        catalog: &Catalog,
        computed: &ComputedMetrics,
    ) -> Self {
        let primary = record
            .paths
            .iter()
            .max_by_key(|p| (p.last_activity_at, p.path_id))
            .map(|p| p.path_id);
        let path_progress: Vec<f64> = record
            .paths
            .iter()
            .filter(|p| matches!(p.status, PathStatus::Active | PathStatus::Completed))
            .map(|p| p.progress_pct.clamp(0.0, 100.0))
            .collect();
        let enrollment_progress: Vec<f64> = record
            .enrollments
            .iter()
            .filter(|e| e.status != EnrollmentStatus::Dropped)
            .map(|e| e.progress_pct.clamp(0.0, 100.0))
            .collect();
        let overall_progress = mean(&path_progress)
            .or_else(|| mean(&enrollment_progress))
            .unwrap_or(0.0);
        PeerSnapshot {
            user_id: record.id(),
            org_id: record.user.org_id,
            department_id: record.user.department_id,
            competency_level: record.user.competency_level,
            primary_path_id: primary,
            primary_path_difficulty: primary
                .and_then(|p| catalog.paths.get(&p))
                .map(|p| p.difficulty),
            metrics: PeerMetrics {
                overall_progress,
                average_score: computed.average_score,
                learning_pace: computed.learning_pace,
                engagement_score: computed.engagement_score,
                skills_acquired: record.user_skills.iter().filter(|s| s.acquired).count() as u32,
                mastery_percentage: computed.mastery_percentage,
                courses_completed: record
                    .enrollments
                    .iter()
                    .filter(|e| e.status == EnrollmentStatus::Completed)
                    .count() as u32,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------
// The index: sorted metric columns per group, built once per batch
// ---------------------------------------------------------------------------------------

/// One metric's values in a group, sorted, with prefix sums (`prefix[i]` = sum of the first
/// `i` values).
#[derive(Debug, Clone, Default)]
struct Column {
    sorted: Vec<f64>,
    prefix: Vec<f64>,
}

impl Column {
    fn new(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let mut prefix = Vec::with_capacity(values.len() + 1);
        let mut sum = 0.0;
        prefix.push(sum);
        for v in &values {
            sum += v;
            prefix.push(sum);
        }
        Column {
            sorted: values,
            prefix,
        }
    }

    /// Number of values `< v`.
    fn below(&self, v: f64) -> usize {
        self.sorted.partition_point(|x| *x < v)
    }

    /// Number of values `<= v`.
    fn at_most(&self, v: f64) -> usize {
        self.sorted.partition_point(|x| *x <= v)
    }
}

/// A column without the subject's own value (`removed`, which is in the column).
#[derive(Debug, Clone, Copy)]
struct Others<'a> {
    column: &'a Column,
    removed: Option<f64>,
}

impl<'a> Others<'a> {
    fn new(column: &'a Column, removed: Option<f64>) -> Self {
        // Only a value actually present can be removed.
        let removed = removed.filter(|r| column.at_most(*r) > column.below(*r));
        Others { column, removed }
    }

    fn len(&self) -> usize {
        self.column.sorted.len() - usize::from(self.removed.is_some())
    }

    fn sum(&self) -> f64 {
        self.column.prefix[self.column.sorted.len()] - self.removed.unwrap_or(0.0)
    }

    fn mean(&self) -> Option<f64> {
        ratio(self.sum(), self.len() as f64)
    }

    /// `pr(v, others)`, integer.
    fn percentile_rank(&self, v: f64) -> Option<i64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let (below, at_most) = (self.column.below(v), self.column.at_most(v));
        let (mut below, mut equal) = (below, at_most - below);
        match self.removed {
            Some(r) if r < v => below -= 1,
            Some(r) if r == v => equal -= 1,
            _ => {}
        }
        Some(round_int(
            (below as f64 + 0.5 * equal as f64) / n as f64 * 100.0,
        ))
    }

    /// The `i`-th smallest of the others.
    fn nth(&self, i: usize) -> f64 {
        match self.removed {
            Some(r) if i >= self.column.below(r) => self.column.sorted[i + 1],
            _ => self.column.sorted[i],
        }
    }

    /// Quantile with linear interpolation (`percentile_cont`) over the others.
    fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let position = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let (lower, upper) = (position.floor() as usize, position.ceil() as usize);
        let (a, b) = (self.nth(lower), self.nth(upper));
        Some(a + (b - a) * (position - lower as f64))
    }

    /// Count and sum of the others with a value `>= t`.
    fn at_least(&self, t: f64) -> (usize, f64) {
        let from = self.column.below(t);
        let len = self.column.sorted.len();
        let (mut count, mut sum) = (
            len - from,
            self.column.prefix[len] - self.column.prefix[from],
        );
        if let Some(r) = self.removed.filter(|r| *r >= t) {
            count -= 1;
            sum -= r;
        }
        (count, sum)
    }
}

/// The sorted columns of one group.
#[derive(Debug, Clone, Default)]
struct GroupColumns {
    members: usize,
    columns: [Column; 7],
}

#[derive(Default)]
struct GroupBuilder {
    members: usize,
    values: [Vec<f64>; 7],
}

impl GroupBuilder {
    fn add(&mut self, metrics: &PeerMetrics) {
        self.members += 1;
        for (i, metric) in Metric::ALL.iter().enumerate() {
            if let Some(v) = metrics.get(*metric) {
                self.values[i].push(v);
            }
        }
    }

    fn finish(self) -> GroupColumns {
        GroupColumns {
            members: self.members,
            columns: self.values.map(Column::new),
        }
    }
}

/// Every learner's snapshot and the sorted metric columns of every group, built once per
/// batch ([`PeerIndex::build`]) and shared by all subjects.
#[derive(Debug, Clone, Default)]
pub struct PeerIndex {
    members: BTreeMap<UserId, PeerSnapshot>,
    platform: GroupColumns,
    departments: BTreeMap<DepartmentId, GroupColumns>,
    organizations: BTreeMap<OrgId, GroupColumns>,
    paths: BTreeMap<PathId, GroupColumns>,
    levels: BTreeMap<SkillLevel, GroupColumns>,
}

fn finish_all<Key: Ord>(groups: BTreeMap<Key, GroupBuilder>) -> BTreeMap<Key, GroupColumns> {
    groups.into_iter().map(|(k, g)| (k, g.finish())).collect()
}

impl PeerIndex {
    /// Indexes the population (one snapshot per user; a repeated user id keeps the last).
    /// `O(n log n)`.
    pub fn build(snapshots: &[PeerSnapshot]) -> Self {
        let members: BTreeMap<UserId, PeerSnapshot> =
            snapshots.iter().map(|s| (s.user_id, s.clone())).collect();
        let mut platform = GroupBuilder::default();
        let mut departments: BTreeMap<DepartmentId, GroupBuilder> = BTreeMap::new();
        let mut organizations: BTreeMap<OrgId, GroupBuilder> = BTreeMap::new();
        let mut paths: BTreeMap<PathId, GroupBuilder> = BTreeMap::new();
        let mut levels: BTreeMap<SkillLevel, GroupBuilder> = BTreeMap::new();
        for snapshot in members.values() {
            let metrics = &snapshot.metrics;
            platform.add(metrics);
            if let Some(d) = snapshot.department_id {
                departments.entry(d).or_default().add(metrics);
            }
            if let Some(o) = snapshot.org_id {
                organizations.entry(o).or_default().add(metrics);
            }
            if let Some(p) = snapshot.primary_path_id {
                paths.entry(p).or_default().add(metrics);
            }
            levels
                .entry(snapshot.competency_level)
                .or_default()
                .add(metrics);
        }
        PeerIndex {
            members,
            platform: platform.finish(),
            departments: finish_all(departments),
            organizations: finish_all(organizations),
            paths: finish_all(paths),
            levels: finish_all(levels),
        }
    }

    /// Number of indexed learners.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The indexed snapshot of a learner.
    pub fn get(&self, user: UserId) -> Option<&PeerSnapshot> {
        self.members.get(&user)
    }

    /// The group of `kind` that `snapshot` belongs to, if any.
    fn group(&self, kind: GroupKind, snapshot: &PeerSnapshot) -> Option<&GroupColumns> {
        match kind {
            GroupKind::SameDepartment => snapshot
                .department_id
                .and_then(|d| self.departments.get(&d)),
            GroupKind::SameOrganization => snapshot.org_id.and_then(|o| self.organizations.get(&o)),
            GroupKind::SameLearningPath => {
                snapshot.primary_path_id.and_then(|p| self.paths.get(&p))
            }
            GroupKind::SameCompetencyLevel => self.levels.get(&snapshot.competency_level),
            GroupKind::Platform => Some(&self.platform),
        }
    }
}

/// The comparison groups, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupKind {
    SameDepartment,
    SameOrganization,
    SameLearningPath,
    SameCompetencyLevel,
    Platform,
}

impl GroupKind {
    pub const ALL: [GroupKind; 5] = [
        GroupKind::SameDepartment,
        GroupKind::SameOrganization,
        GroupKind::SameLearningPath,
        GroupKind::SameCompetencyLevel,
        GroupKind::Platform,
    ];

    /// Whether two snapshots fall into the same group of this kind.
    fn same(self, a: &PeerSnapshot, b: &PeerSnapshot) -> bool {
        match self {
            GroupKind::SameDepartment => {
                a.department_id.is_some() && a.department_id == b.department_id
            }
            GroupKind::SameOrganization => a.org_id.is_some() && a.org_id == b.org_id,
            GroupKind::SameLearningPath => {
                a.primary_path_id.is_some() && a.primary_path_id == b.primary_path_id
            }
            GroupKind::SameCompetencyLevel => a.competency_level == b.competency_level,
            GroupKind::Platform => true,
        }
    }
}

/// A group seen from one subject: the subject's indexed values removed.
#[derive(Debug, Clone, Copy)]
struct GroupView<'a> {
    columns: Option<&'a GroupColumns>,
    excluded: Option<&'a PeerMetrics>,
}

impl<'a> GroupView<'a> {
    fn size(&self) -> usize {
        self.columns
            .map_or(0, |c| c.members - usize::from(self.excluded.is_some()))
    }

    fn metric(&self, metric: Metric) -> Option<Others<'a>> {
        let i = Metric::ALL.iter().position(|m| *m == metric)?;
        let column = &self.columns?.columns[i];
        Some(Others::new(
            column,
            self.excluded.and_then(|e| e.get(metric)),
        ))
    }

    /// The mean of the others having `metric`, when at least K have it.
    fn average(&self, metric: Metric) -> Option<f64> {
        let others = self.metric(metric)?;
        Guarded::new(others.len(), || others.mean())
            .shown()
            .copied()
            .flatten()
    }

    /// The subject's percentile rank on `metric` among at least K others having it.
    fn percentile(&self, metric: Metric, you: Option<f64>) -> Option<i64> {
        let others = self.metric(metric)?;
        let you = you?;
        Guarded::new(others.len(), || others.percentile_rank(you))
            .shown()
            .copied()
            .flatten()
    }

    /// Mean of the others at or above the group's p75, when that subset has at least K.
    fn top_performers_average(&self, metric: Metric) -> Option<f64> {
        let others = self.metric(metric)?;
        let p75 = others.quantile(0.75)?;
        let (count, sum) = others.at_least(p75);
        Guarded::new(count, || ratio(sum, count as f64))
            .shown()
            .copied()
            .flatten()
    }
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerComparison {
    pub my_metrics: MyMetrics,
    pub peer_groups: PeerGroups,
    /// The group strengths, areas and the radar chart compare with.
    pub default_group: GroupKind,
    pub strengths_compared_to_peers: Vec<Strength>,
    pub areas_to_improve: Vec<AreaToImprove>,
    pub visualization: Visualization,
    pub privacy_note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyMetrics {
    pub overall_progress: Option<f64>,
    pub average_score: Option<f64>,
    pub learning_pace: Option<f64>,
    /// AS-001.3 `overallScore`, an integer 0-100 there and here.
    pub engagement_score: Option<i64>,
    pub skills_acquired: u32,
    pub mastery_percentage: Option<f64>,
    pub courses_completed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerGroups {
    pub same_department: Guarded<PeerGroup>,
    pub same_organization: Guarded<PeerGroup>,
    pub same_learning_path: Guarded<PeerGroup>,
    pub same_competency_level: Guarded<PeerGroup>,
    pub platform: Guarded<PeerGroup>,
}

impl PeerGroups {
    pub fn get(&self, kind: GroupKind) -> &Guarded<PeerGroup> {
        match kind {
            GroupKind::SameDepartment => &self.same_department,
            GroupKind::SameOrganization => &self.same_organization,
            GroupKind::SameLearningPath => &self.same_learning_path,
            GroupKind::SameCompetencyLevel => &self.same_competency_level,
            GroupKind::Platform => &self.platform,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerGroup {
    /// Other members (the subject excluded); always >= K when shown.
    pub group_size: usize,
    pub average_progress: Option<f64>,
    pub average_score: Option<f64>,
    pub average_pace: Option<f64>,
    pub average_engagement: Option<f64>,
    pub average_skills: Option<f64>,
    /// Percentile rank on `overallProgress`.
    pub my_percentile: Option<i64>,
    pub percentiles: MetricPercentiles,
    pub top_percent_band: Option<TopPercentBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricPercentiles {
    pub overall_progress: Option<i64>,
    pub average_score: Option<i64>,
    pub learning_pace: Option<i64>,
    pub engagement_score: Option<i64>,
    pub skills_acquired: Option<i64>,
    pub mastery_percentage: Option<i64>,
    pub courses_completed: Option<i64>,
}

/// Top 10% / 25% / 50% / bottom 50% by `myPercentile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TopPercentBand {
    #[serde(rename = "top_10")]
    Top10,
    #[serde(rename = "top_25")]
    Top25,
    #[serde(rename = "top_50")]
    Top50,
    #[serde(rename = "bottom_50")]
    Bottom50,
}

impl TopPercentBand {
    /// `>= 90` top 10, `>= 75` top 25, `>= 50` top 50, else bottom 50.
    pub fn of(percentile: i64) -> Self {
        match percentile {
            p if p >= 90 => TopPercentBand::Top10,
            p if p >= 75 => TopPercentBand::Top25,
            p if p >= 50 => TopPercentBand::Top50,
            _ => TopPercentBand::Bottom50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Strength {
    pub metric: Metric,
    pub your_value: f64,
    pub peer_average: f64,
    /// Percent, 1 dp; `null` when the peer average is 0.
    pub percentage_better: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AreaToImprove {
    pub metric: Metric,
    pub your_value: f64,
    pub peer_average: f64,
    pub top_performers_average: Option<f64>,
    /// `peerAverage − yourValue`.
    pub gap: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Visualization {
    #[serde(rename = "type")]
    pub chart_type: &'static str,
    pub data_points: Vec<DataPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPoint {
    pub dimension: Dimension,
    pub you: Option<f64>,
    pub peers: Option<f64>,
}

/// The radar chart's axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dimension {
    Progress,
    Scores,
    Pace,
    Engagement,
    Skills,
}

impl Dimension {
    const ALL: [(Dimension, Metric); 5] = [
        (Dimension::Progress, Metric::OverallProgress),
        (Dimension::Scores, Metric::AverageScore),
        (Dimension::Pace, Metric::LearningPace),
        (Dimension::Engagement, Metric::EngagementScore),
        (Dimension::Skills, Metric::SkillsAcquired),
    ];
}

/// The distinct outcome behind `422 INSUFFICIENT_PEER_GROUP`: fewer than K learners besides
/// the subject on the whole platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("INSUFFICIENT_PEER_GROUP: the platform-wide peer group is smaller than {K}")]
pub struct InsufficientPeerGroup;

// ---------------------------------------------------------------------------------------
// Computation
// ---------------------------------------------------------------------------------------

/// AS-005.19 for `subject` against `index` (which may or may not contain the subject; when
/// it does, the indexed values are excluded from every group the indexed snapshot is in).
pub fn compute(
    subject: &PeerSnapshot,
    index: &PeerIndex,
) -> Result<PeerComparison, InsufficientPeerGroup> {
    let indexed = index.get(subject.user_id);
    let view = |kind: GroupKind| GroupView {
        columns: index.group(kind, subject),
        excluded: indexed
            .filter(|own| kind.same(own, subject))
            .map(|own| &own.metrics),
    };
    let platform = view(GroupKind::Platform);
    if platform.size() < K {
        return Err(InsufficientPeerGroup);
    }
    let me = &subject.metrics;
    let group = |kind: GroupKind| {
        let v = view(kind);
        Guarded::new(v.size(), || group_figures(&v, me))
    };
    let peer_groups = PeerGroups {
        same_department: group(GroupKind::SameDepartment),
        same_organization: group(GroupKind::SameOrganization),
        same_learning_path: group(GroupKind::SameLearningPath),
        same_competency_level: group(GroupKind::SameCompetencyLevel),
        platform: group(GroupKind::Platform),
    };
    let default_group = if peer_groups.same_organization.is_suppressed() {
        GroupKind::Platform
    } else {
        GroupKind::SameOrganization
    };
    let default_view = view(default_group);
    let (strengths, areas) = strengths_and_areas(&default_view, me);
    let visualization = Visualization {
        chart_type: "radar_chart",
        data_points: Dimension::ALL
            .iter()
            .map(|(dimension, metric)| DataPoint {
                dimension: *dimension,
                you: me.get(*metric).map(|v| metric.round(v)),
                peers: default_view.average(*metric).map(|v| metric.round(v)),
            })
            .collect(),
    };
    Ok(PeerComparison {
        my_metrics: MyMetrics {
            overall_progress: me.get(Metric::OverallProgress).map(|v| round_dp(v, 1)),
            average_score: me
                .average_score
                .filter(|v| v.is_finite())
                .map(|v| round_dp(v, 1)),
            learning_pace: me
                .learning_pace
                .filter(|v| v.is_finite())
                .map(|v| round_dp(v, 2)),
            engagement_score: me.engagement_score.filter(|v| v.is_finite()).map(round_int),
            skills_acquired: me.skills_acquired,
            mastery_percentage: me
                .mastery_percentage
                .filter(|v| v.is_finite())
                .map(|v| round_dp(v, 1)),
            courses_completed: me.courses_completed,
        },
        peer_groups,
        default_group,
        strengths_compared_to_peers: strengths,
        areas_to_improve: areas,
        visualization,
        privacy_note: PRIVACY_NOTE.to_owned(),
    })
}

/// The figures of one group of at least K others (called only through `Guarded`).
fn group_figures(view: &GroupView<'_>, me: &PeerMetrics) -> PeerGroup {
    let average = |m: Metric| view.average(m).map(|v| m.round(v));
    let percentile = |m: Metric| view.percentile(m, me.get(m));
    let my_percentile = percentile(Metric::OverallProgress);
    PeerGroup {
        group_size: view.size(),
        average_progress: average(Metric::OverallProgress),
        average_score: average(Metric::AverageScore),
        average_pace: average(Metric::LearningPace),
        average_engagement: average(Metric::EngagementScore),
        average_skills: average(Metric::SkillsAcquired),
        my_percentile,
        percentiles: MetricPercentiles {
            overall_progress: my_percentile,
            average_score: percentile(Metric::AverageScore),
            learning_pace: percentile(Metric::LearningPace),
            engagement_score: percentile(Metric::EngagementScore),
            skills_acquired: percentile(Metric::SkillsAcquired),
            mastery_percentage: percentile(Metric::MasteryPercentage),
            courses_completed: percentile(Metric::CoursesCompleted),
        },
        top_percent_band: my_percentile.map(TopPercentBand::of),
    }
}

/// Strengths (`you / avg >= 1.10`) and areas to improve (`you < avg`) against the default
/// group, each sorted by relative difference, then metric order.
fn strengths_and_areas(
    view: &GroupView<'_>,
    me: &PeerMetrics,
) -> (Vec<Strength>, Vec<AreaToImprove>) {
    let mut strengths: Vec<(f64, Strength)> = Vec::new();
    let mut areas: Vec<(f64, AreaToImprove)> = Vec::new();
    for metric in Metric::ALL {
        let (Some(you), Some(avg)) = (me.get(metric), view.average(metric)) else {
            continue;
        };
        let relative = ratio(you - avg, avg);
        let is_strength = match ratio(you, avg) {
            Some(r) => r >= 1.10,
            None => you > 0.0,
        };
        if is_strength {
            strengths.push((
                relative.unwrap_or(f64::INFINITY),
                Strength {
                    metric,
                    your_value: metric.round(you),
                    peer_average: metric.round(avg),
                    percentage_better: pct(you - avg, avg).map(|p| round_dp(p, 1)),
                },
            ));
        } else if you < avg {
            areas.push((
                relative.map_or(0.0, |r| -r),
                AreaToImprove {
                    metric,
                    your_value: metric.round(you),
                    peer_average: metric.round(avg),
                    top_performers_average: view
                        .top_performers_average(metric)
                        .map(|v| metric.round(v)),
                    gap: metric.round(avg - you),
                },
            ));
        }
    }
    let by_size =
        |a: &f64, b: &f64, ma: Metric, mb: Metric| b.total_cmp(a).then_with(|| ma.cmp(&mb));
    strengths.sort_by(|(a, sa), (b, sb)| by_size(a, b, sa.metric, sb.metric));
    areas.sort_by(|(a, aa), (b, ab)| by_size(a, b, aa.metric, ab.metric));
    (
        strengths.into_iter().map(|(_, s)| s).collect(),
        areas.into_iter().map(|(_, a)| a).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::common::{percentile_rank, quantile};
    use crate::ids::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use uuid::Uuid;

    fn uid(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    /// A snapshot in org `org`, department `dept`, path `path` (0 = none for each).
    fn snap(
        n: u128,
        org: u128,
        dept: u128,
        path: u128,
        level: u8,
        metrics: PeerMetrics,
    ) -> PeerSnapshot {
        PeerSnapshot {
            user_id: uid(n),
            org_id: (org > 0).then(|| OrgId(Uuid::from_u128(org))),
            department_id: (dept > 0).then(|| DepartmentId(Uuid::from_u128(dept))),
            competency_level: SkillLevel::new(i64::from(level)).unwrap(),
            primary_path_id: (path > 0).then(|| PathId(Uuid::from_u128(path))),
            primary_path_difficulty: (path > 0).then_some(Difficulty::Beginner),
            metrics,
        }
    }

    fn progress(p: f64) -> PeerMetrics {
        PeerMetrics {
            overall_progress: p,
            average_score: Some(70.0),
            learning_pace: Some(1.0),
            engagement_score: Some(50.0),
            skills_acquired: 3,
            mastery_percentage: Some(40.0),
            courses_completed: 1,
        }
    }

    fn marker() -> Value {
        json!({"insufficientData": true, "minimumRequired": 10})
    }

    #[test]
    fn groups_of_exactly_k_are_shown_and_nine_are_not() {
        // Subject 0 and 10 others in org 1 / department 1, all at level 2; 9 of the others
        // share the subject's path 7.
        let mut population = vec![snap(0, 1, 1, 7, 2, progress(50.0))];
        for i in 1..=10 {
            population.push(snap(i, 1, 1, if i <= 9 { 7 } else { 8 }, 2, progress(50.0)));
        }
        let index = PeerIndex::build(&population);
        let result = compute(&population[0], &index).unwrap();
        let value = serde_json::to_value(&result).unwrap();
        let groups = &value["peerGroups"];
        for name in [
            "sameDepartment",
            "sameOrganization",
            "sameCompetencyLevel",
            "platform",
        ] {
            assert_eq!(groups[name]["groupSize"], 10, "{name}");
        }
        assert_eq!(groups["sameLearningPath"], marker());
        assert_eq!(result.default_group, GroupKind::SameOrganization);
        assert_eq!(value["privacyNote"], PRIVACY_NOTE);
        // AS-001.3 `overallScore` is an integer, and so is its copy here (not 50.0).
        assert_eq!(value["myMetrics"]["engagementScore"], json!(50));

        // Nine others on the whole platform: the 422 outcome.
        let small = PeerIndex::build(&population[..10]);
        assert_eq!(compute(&population[0], &small), Err(InsufficientPeerGroup));
        // Empty index, subject unknown.
        assert_eq!(
            compute(&population[0], &PeerIndex::default()),
            Err(InsufficientPeerGroup)
        );
    }

    #[test]
    fn percentiles_and_bands_by_hand() {
        // Others' progress 10, 20, ..., 100 (10 members).
        let mut population: Vec<PeerSnapshot> = (1..=10)
            .map(|i| snap(i, 1, 0, 0, 1, progress(10.0 * i as f64)))
            .collect();
        population.push(snap(0, 1, 0, 0, 1, progress(0.0)));
        let index = PeerIndex::build(&population);
        for (you, percentile, band) in [
            // 4 below, 1 equal: (4 + 0.5) / 10 * 100 = 45 -> bottom 50
            (50.0, 45, TopPercentBand::Bottom50),
            // 5 below, 0 equal: 50 -> top 50 (inclusive)
            (55.0, 50, TopPercentBand::Top50),
            // 7 below, 1 equal: 75 -> top 25 (inclusive)
            (80.0, 75, TopPercentBand::Top25),
            // 9 below: 90 -> top 10 (inclusive)
            (95.0, 90, TopPercentBand::Top10),
            // 0 below: 0
            (5.0, 0, TopPercentBand::Bottom50),
        ] {
            let mut subject = population[10].clone();
            subject.metrics.overall_progress = you;
            let result = compute(&subject, &index).unwrap();
            let org = result.peer_groups.same_organization.shown().unwrap();
            assert_eq!(org.my_percentile, Some(percentile), "{you}");
            assert_eq!(org.percentiles.overall_progress, Some(percentile));
            assert_eq!(org.top_percent_band, Some(band));
            // Mean of 10..100 = 55, the subject's own indexed 0 excluded.
            assert_eq!(org.average_progress, Some(55.0));
            assert_eq!(org.group_size, 10);
            // All others have score 70 and so does the subject: 0 below, 10 equal -> 50.
            assert_eq!(org.percentiles.average_score, Some(50));
        }
    }

    #[test]
    fn the_subject_is_excluded_from_its_own_groups() {
        // 10 others at 50, the subject at 100: the average stays 50 (not 54.5).
        let mut population: Vec<PeerSnapshot> = (1..=10)
            .map(|i| snap(i, 1, 0, 0, 1, progress(50.0)))
            .collect();
        population.push(snap(0, 1, 0, 0, 1, progress(100.0)));
        let index = PeerIndex::build(&population);
        let result = compute(&population[10], &index).unwrap();
        let platform = result.peer_groups.platform.shown().unwrap();
        assert_eq!(
            (platform.group_size, platform.average_progress),
            (10, Some(50.0))
        );
        // 10 below -> 100.
        assert_eq!(platform.my_percentile, Some(100));
        // A learner not in the index (e.g. computed on demand) is compared with everyone.
        let newcomer = snap(99, 1, 0, 0, 1, progress(50.0));
        let result = compute(&newcomer, &index).unwrap();
        let platform = result.peer_groups.platform.shown().unwrap();
        // 11 others: (50 * 10 + 100) / 11 = 54.545 -> 54.5; 0 below, 10 equal -> 45.45 -> 45.
        assert_eq!(
            (platform.group_size, platform.average_progress),
            (11, Some(54.5))
        );
        assert_eq!(platform.my_percentile, Some(45));
    }

    #[test]
    fn strengths_and_areas_at_the_boundaries() {
        // 10 others with engagement 10 and progress 50; the default group is the
        // organisation.
        let others: Vec<PeerSnapshot> = (1..=10)
            .map(|i| {
                let mut m = progress(50.0);
                m.engagement_score = Some(10.0);
                snap(i, 1, 0, 0, 1, m)
            })
            .collect();
        let index = PeerIndex::build(&others);
        let with = |engagement: f64, progress_value: f64| {
            let mut m = progress(progress_value);
            m.engagement_score = Some(engagement);
            compute(&snap(0, 1, 0, 0, 1, m), &index).unwrap()
        };
        // 11 / 10 = 1.10 -> strength, (11 - 10) / 10 * 100 = 10%.
        let r = with(11.0, 50.0);
        assert_eq!(
            r.strengths_compared_to_peers,
            vec![Strength {
                metric: Metric::EngagementScore,
                your_value: 11.0,
                peer_average: 10.0,
                percentage_better: Some(10.0),
            }]
        );
        assert!(r.areas_to_improve.is_empty());
        // 10.9 / 10 = 1.09: neither a strength nor below average.
        let r = with(10.9, 50.0);
        assert!(r.strengths_compared_to_peers.is_empty() && r.areas_to_improve.is_empty());
        // 9 < 10: an area, gap 1; all 10 others are >= p75 = 10 -> top performers 10.
        let r = with(9.0, 20.0);
        assert_eq!(r.areas_to_improve.len(), 2);
        // Progress 20 vs 50 is 60% short, engagement 10% short: progress first.
        assert_eq!(r.areas_to_improve[0].metric, Metric::OverallProgress);
        assert_eq!(
            r.areas_to_improve[1],
            AreaToImprove {
                metric: Metric::EngagementScore,
                your_value: 9.0,
                peer_average: 10.0,
                top_performers_average: Some(10.0),
                gap: 1.0,
            }
        );
        let engagement = r.visualization.data_points[3].clone();
        assert_eq!(
            engagement,
            DataPoint {
                dimension: Dimension::Engagement,
                you: Some(9.0),
                peers: Some(10.0)
            }
        );
        assert_eq!(
            serde_json::to_value(&r.visualization).unwrap()["type"],
            "radar_chart"
        );
    }

    #[test]
    fn top_performers_need_k_members() {
        // 12 others with progress 1..12: p75 at position 0.75 * 11 = 8.25 -> 9 + 0.25 * 1 =
        // 9.25; members >= 9.25: 10, 11, 12 -> 3 < K -> null.
        let others: Vec<PeerSnapshot> = (1..=12)
            .map(|i| snap(i, 0, 0, 0, 1, progress(i as f64)))
            .collect();
        let index = PeerIndex::build(&others);
        let r = compute(&snap(0, 0, 0, 0, 1, progress(0.0)), &index).unwrap();
        // No organisation: the default group is the platform; mean 6.5.
        assert_eq!(r.default_group, GroupKind::Platform);
        let area = &r.areas_to_improve[0];
        assert_eq!(
            (
                area.metric,
                area.peer_average,
                area.top_performers_average,
                area.gap
            ),
            (Metric::OverallProgress, 6.5, None, 6.5)
        );
        assert_eq!(
            serde_json::to_value(&r.peer_groups.same_organization).unwrap(),
            marker()
        );
        // 40 others with progress 1..40: p75 at 0.75 * 39 = 29.25 -> 30.25; members >= 30.25:
        // 31..40 -> 10 = K -> mean 35.5.
        let others: Vec<PeerSnapshot> = (1..=40)
            .map(|i| snap(i, 0, 0, 0, 1, progress(i as f64)))
            .collect();
        let index = PeerIndex::build(&others);
        let r = compute(&snap(0, 0, 0, 0, 1, progress(0.0)), &index).unwrap();
        assert_eq!(r.areas_to_improve[0].top_performers_average, Some(35.5));
    }

    #[test]
    fn metrics_held_by_fewer_than_k_are_null() {
        // 12 others, only 9 of them have an average score; the subject has none.
        let others: Vec<PeerSnapshot> = (1..=12)
            .map(|i| {
                let mut m = progress(50.0);
                m.average_score = (i <= 9).then_some(80.0);
                snap(i, 1, 0, 0, 1, m)
            })
            .collect();
        let index = PeerIndex::build(&others);
        let mut me = progress(50.0);
        me.average_score = Some(90.0);
        let r = compute(&snap(0, 1, 0, 0, 1, me), &index).unwrap();
        let org = r.peer_groups.same_organization.shown().unwrap();
        assert_eq!(
            (org.average_score, org.percentiles.average_score),
            (None, None)
        );
        assert_eq!(org.average_engagement, Some(50.0));
        assert_eq!(r.visualization.data_points[1].peers, None);
        assert!(
            r.strengths_compared_to_peers
                .iter()
                .all(|s| s.metric != Metric::AverageScore)
        );
        // A subject without the metric: percentile null, myMetrics null.
        let mut me = progress(50.0);
        me.learning_pace = None;
        let r = compute(&snap(0, 1, 0, 0, 1, me), &index).unwrap();
        assert_eq!(r.my_metrics.learning_pace, None);
        assert_eq!(
            r.peer_groups
                .platform
                .shown()
                .unwrap()
                .percentiles
                .learning_pace,
            None
        );
        assert_eq!(
            r.peer_groups.platform.shown().unwrap().average_pace,
            Some(1.0)
        );
    }

    #[test]
    fn peer_average_zero_strength_has_no_percentage() {
        // Others have 0 completed courses; the subject 2: a strength without a percentage.
        let others: Vec<PeerSnapshot> = (1..=10)
            .map(|i| {
                let mut m = progress(50.0);
                m.courses_completed = 0;
                snap(i, 1, 0, 0, 1, m)
            })
            .collect();
        let index = PeerIndex::build(&others);
        let mut me = progress(50.0);
        me.courses_completed = 2;
        let r = compute(&snap(0, 1, 0, 0, 1, me), &index).unwrap();
        assert_eq!(
            r.strengths_compared_to_peers[0].metric,
            Metric::CoursesCompleted
        );
        assert_eq!(r.strengths_compared_to_peers[0].percentage_better, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["strengthsComparedToPeers"][0]["percentageBetter"],
            Value::Null
        );
        assert_eq!(
            json["strengthsComparedToPeers"][0]["metric"],
            "coursesCompleted"
        );
    }

    #[test]
    fn snapshot_from_a_learner_record() {
        use crate::model::*;
        use chrono::{Duration, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        let user = User {
            id: uid(1),
            external_id: None,
            org_id: Some(OrgId(Uuid::from_u128(5))),
            department_id: Some(DepartmentId(Uuid::from_u128(6))),
            team_id: None,
            display_name: "A".to_owned(),
            email: None,
            roles: vec![],
            timezone: None,
            competency_level: SkillLevel::ADVANCED,
            is_active: true,
            created_at: now - Duration::days(400),
        };
        let mut record = LearnerRecord::new(user);
        let path_row = |n: u128, status, progress_pct, days| UserLearningPath {
            user_id: uid(1),
            path_id: PathId(Uuid::from_u128(n)),
            status,
            started_at: now - Duration::days(100),
            target_date: None,
            topics_total: 10,
            topics_completed: 0,
            progress_pct,
            completed_at: None,
            last_activity_at: now - Duration::days(days),
        };
        // Active 40 and completed 100 -> (40 + 100) / 2 = 70; paused path ignored but it is
        // the most recently active one -> primary.
        record.paths.push(path_row(1, PathStatus::Active, 40.0, 10));
        record
            .paths
            .push(path_row(2, PathStatus::Completed, 100.0, 30));
        record.paths.push(path_row(3, PathStatus::Paused, 5.0, 1));
        let enrollment = |status| Enrollment {
            id: EnrollmentId(Uuid::new_v4()),
            user_id: uid(1),
            course_id: CourseId(Uuid::from_u128(9)),
            enrolled_at: now - Duration::days(50),
            status,
            progress_pct: 30.0,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        };
        record
            .enrollments
            .push(enrollment(EnrollmentStatus::Completed));
        record
            .enrollments
            .push(enrollment(EnrollmentStatus::Dropped));
        let catalog = Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![LearningPath {
                id: PathId(Uuid::from_u128(3)),
                name: "p".to_owned(),
                difficulty: Difficulty::Advanced,
                target_competency: None,
                topics: vec![],
            }],
            vec![],
        );
        let computed = ComputedMetrics {
            average_score: Some(81.0),
            ..ComputedMetrics::default()
        };
        let s = PeerSnapshot::from_record(&record, &catalog, &computed);
        assert_eq!(s.metrics.overall_progress, 70.0);
        assert_eq!(s.primary_path_id, Some(PathId(Uuid::from_u128(3))));
        assert_eq!(s.primary_path_difficulty, Some(Difficulty::Advanced));
        assert_eq!(
            (s.metrics.courses_completed, s.metrics.skills_acquired),
            (1, 0)
        );
        assert_eq!(s.metrics.average_score, Some(81.0));
        // Without active/completed paths: mean of non-dropped enrollments = 30.
        record.paths.clear();
        let s = PeerSnapshot::from_record(&record, &catalog, &computed);
        assert_eq!(
            (s.metrics.overall_progress, s.primary_path_id),
            (30.0, None)
        );
        // Nothing at all: 0.
        record.enrollments.clear();
        assert_eq!(
            PeerSnapshot::from_record(&record, &catalog, &computed)
                .metrics
                .overall_progress,
            0.0
        );
    }

    #[test]
    fn a_platform_of_100k_is_indexed_once_and_compared_quickly() {
        let population: Vec<PeerSnapshot> = (0..100_000u128)
            .map(|i| {
                let mut m = progress((i % 101) as f64);
                m.engagement_score = Some((i * 7 % 100) as f64);
                snap(
                    i,
                    1 + i % 20,
                    100 + i % 400,
                    1000 + i % 50,
                    (i % 5) as u8,
                    m,
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let index = PeerIndex::build(&population);
        let mut top10 = 0;
        for subject in population.iter().step_by(10) {
            let r = compute(subject, &index).unwrap();
            if r.peer_groups.platform.shown().unwrap().top_percent_band
                == Some(TopPercentBand::Top10)
            {
                top10 += 1;
            }
        }
        // Progress is uniform on 0..100: roughly the top tenth is in the top 10% band.
        assert!((800..=1200).contains(&top10), "{top10}");
        // Generous bound for an unoptimised build on a shared machine.
        assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    }

    // -----------------------------------------------------------------------------------
    // Properties
    // -----------------------------------------------------------------------------------

    /// (org 0..3, dept 0..4, path 0..3, level 0..3, progress, score?, engagement?, skills),
    /// values in halves so that sums are exact.
    type RawMember = (u8, u8, u8, u8, u16, Option<u16>, Option<u16>, u8);

    fn arb_member() -> impl Strategy<Value = RawMember> {
        (
            0u8..3,
            0u8..4,
            0u8..3,
            0u8..3,
            0u16..=200,
            prop::option::of(0u16..=200),
            prop::option::of(0u16..=200),
            0u8..6,
        )
    }

    fn population_of(raw: &[RawMember]) -> Vec<PeerSnapshot> {
        raw.iter()
            .enumerate()
            .map(
                |(i, (org, dept, path, level, p, score, engagement, skills))| {
                    let metrics = PeerMetrics {
                        overall_progress: f64::from(*p) / 2.0,
                        average_score: score.map(|s| f64::from(s) / 2.0),
                        learning_pace: Some(f64::from(*skills) / 4.0),
                        engagement_score: engagement.map(|e| f64::from(e) / 2.0),
                        skills_acquired: u32::from(*skills),
                        mastery_percentage: score.map(|s| f64::from(200 - s) / 2.0),
                        courses_completed: u32::from(*skills % 3),
                    };
                    let dept = if *dept == 0 {
                        0
                    } else {
                        u128::from(*org) * 10 + u128::from(*dept)
                    };
                    snap(
                        i as u128 + 1,
                        u128::from(*org),
                        dept,
                        u128::from(*path),
                        *level,
                        metrics,
                    )
                },
            )
            .collect()
    }

    fn naive_others<'a>(
        population: &'a [PeerSnapshot],
        subject: &PeerSnapshot,
        kind: GroupKind,
    ) -> Vec<&'a PeerSnapshot> {
        population
            .iter()
            .filter(|p| p.user_id != subject.user_id && kind.same(subject, p))
            .collect()
    }

    fn keys_of(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map
                .iter()
                .flat_map(|(k, v)| std::iter::once(k.clone()).chain(keys_of(v)))
                .collect(),
            Value::Array(items) => items.iter().flat_map(keys_of).collect(),
            _ => Vec::new(),
        }
    }

    const GROUP_NAMES: [(GroupKind, &str); 5] = [
        (GroupKind::SameDepartment, "sameDepartment"),
        (GroupKind::SameOrganization, "sameOrganization"),
        (GroupKind::SameLearningPath, "sameLearningPath"),
        (GroupKind::SameCompetencyLevel, "sameCompetencyLevel"),
        (GroupKind::Platform, "platform"),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// For any group below 10 members no group statistic appears in the serialised
        /// output: the group is exactly the marker, and no figure derived from it (strengths,
        /// areas, radar peers) appears when it would be the default group.
        #[test]
        fn groups_below_k_disclose_nothing(raw in prop::collection::vec(arb_member(), 1..45), pick in any::<prop::sample::Index>()) {
            let population = population_of(&raw);
            let subject = &population[pick.index(population.len())];
            let index = PeerIndex::build(&population);
            let platform_size = population.len() - 1;
            match compute(subject, &index) {
                Err(InsufficientPeerGroup) => prop_assert!(platform_size < K),
                Ok(result) => {
                    prop_assert!(platform_size >= K);
                    let json = serde_json::to_value(&result).unwrap();
                    for (kind, name) in GROUP_NAMES {
                        let size = naive_others(&population, subject, kind).len();
                        let group = &json["peerGroups"][name];
                        if size < K {
                            prop_assert_eq!(group, &marker(), "{} has {} members", name, size);
                        } else {
                            prop_assert_eq!(group["groupSize"].as_u64(), Some(size as u64));
                        }
                    }
                    let org_size = naive_others(&population, subject, GroupKind::SameOrganization).len();
                    let expected_default = if org_size >= K { GroupKind::SameOrganization } else { GroupKind::Platform };
                    prop_assert_eq!(result.default_group, expected_default);
                    // No field is a rank or position.
                    let positional = keys_of(&json).into_iter().any(|k| {
                        let k = k.to_lowercase();
                        k.contains("rank") || k.contains("position")
                    });
                    prop_assert!(!positional);
                    prop_assert_eq!(&result, &compute(subject, &index).unwrap());
                }
            }
        }

        /// The index (sorted columns, arithmetic exclusion) gives exactly the naive figures.
        #[test]
        fn the_index_matches_the_naive_definitions(raw in prop::collection::vec(arb_member(), 11..60), pick in any::<prop::sample::Index>()) {
            let population = population_of(&raw);
            let subject = &population[pick.index(population.len())];
            let index = PeerIndex::build(&population);
            let result = compute(subject, &index).unwrap();
            for (kind, _) in GROUP_NAMES {
                let others = naive_others(&population, subject, kind);
                let Some(group) = result.peer_groups.get(kind).shown() else {
                    prop_assert!(others.len() < K);
                    continue;
                };
                let values = |m: Metric| -> Vec<f64> { others.iter().filter_map(|o| o.metrics.get(m)).collect() };
                let expect_average = |m: Metric| {
                    let v = values(m);
                    (v.len() >= K).then(|| m.round(v.iter().sum::<f64>() / v.len() as f64))
                };
                let expect_percentile = |m: Metric| {
                    let v = values(m);
                    if v.len() >= K { subject.metrics.get(m).and_then(|you| percentile_rank(you, &v)) } else { None }
                };
                prop_assert_eq!(group.average_progress, expect_average(Metric::OverallProgress));
                prop_assert_eq!(group.average_score, expect_average(Metric::AverageScore));
                prop_assert_eq!(group.average_pace, expect_average(Metric::LearningPace));
                prop_assert_eq!(group.average_engagement, expect_average(Metric::EngagementScore));
                prop_assert_eq!(group.average_skills, expect_average(Metric::SkillsAcquired));
                let p = &group.percentiles;
                let got = [p.overall_progress, p.average_score, p.learning_pace, p.engagement_score, p.skills_acquired, p.mastery_percentage, p.courses_completed];
                for (metric, got) in Metric::ALL.iter().zip(got) {
                    prop_assert_eq!(got, expect_percentile(*metric), "{:?}", metric);
                    if let Some(g) = got { prop_assert!((0..=100).contains(&g)); }
                }
                if let (Some(pr), Some(band)) = (group.my_percentile, group.top_percent_band) {
                    prop_assert_eq!(band, TopPercentBand::of(pr));
                }
                if kind == result.default_group {
                    for area in &result.areas_to_improve {
                        let v = values(area.metric);
                        let p75 = quantile(&v, 0.75).unwrap();
                        let top: Vec<f64> = v.iter().copied().filter(|x| *x >= p75).collect();
                        let expected = (top.len() >= K).then(|| area.metric.round(top.iter().sum::<f64>() / top.len() as f64));
                        prop_assert_eq!(area.top_performers_average, expected);
                        prop_assert!(area.your_value <= area.peer_average && area.gap >= 0.0);
                    }
                    for s in &result.strengths_compared_to_peers {
                        prop_assert!(s.your_value >= s.peer_average);
                        if let Some(b) = s.percentage_better { prop_assert!(b >= 9.9); }
                    }
                }
            }
        }
    }
}
