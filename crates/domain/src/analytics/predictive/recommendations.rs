//! AS-004.17 Personalized Recommendations (`learner_success_strategies`,
//! `trainer_improvement_strategies`, `org_strategic_recommendations`).
//!
//! Question: what should this learner / trainer / organisation do next, and why? Built on
//! demand from the latest results of the other analytics, which enter as plain numbers and
//! labels ([`LearnerSignals`], [`TrainerSignals`], [`OrgSignals`]), from the raw records where
//! a rule needs them (pending assessments, DevLab practice, upstream LAI suggestions), and
//! from platform statistics computed once per batch ([`platform_statistics`]).
//!
//! # Items and their lifecycle
//! Item `{recommendationId, category, action, reason, source, bucket urgent|thisWeek|ongoing,
//! status new|saved|dismissed|completed, createdAt}`, persisted by (rule, target) so user
//! decisions survive regeneration; items expire 14 days after `createdAt`;
//! `followThroughRate = completed / (completed + dismissed + expired)`, a fraction 0-1 as the
//! spec writes it (no `* 100`), 2 dp like the other 0-1 scores, null without any finished
//! item **(decided here)**. The stored states enter as [`RecommendationState`]s; the
//! states to write back leave in [`Recommendations::states`] (not serialised).
//!
//! Lifecycle **(decided here)**, per (rule, target), with `now`:
//! 1. a stored `new`/`saved` item whose 14 days have passed becomes `expired`;
//! 2. `followThroughRate` is taken over the states at this point (so an outcome counts in the
//!    generation that observes it; each (rule, target) row holds only its latest cycle);
//! 3. a firing trigger without a state creates a `new` item (`createdAt = now`); with a
//!    `new`/`saved` state it is shown with that status and `createdAt`; with a `completed`
//!    state within its 14 days it is shown as `completed`; an `expired` state, or a
//!    `completed` one past its 14 days, starts a new cycle (`new`, `createdAt = now`: the
//!    problem is back); a `dismissed` state is never shown again (the user said no);
//! 4. a state whose trigger no longer fires is kept but not shown (the recommendation no
//!    longer applies; it returns with its status if the trigger fires again).
//!
//! `recommendationId` = UUID v5 of `viewer|role|rule|target` (viewer = the learner, the
//! trainer or the org admin, whose own states these are), so the id is stable across
//! regenerations and is the key of `PATCH .../recommendations/:userId/:recommendationId`.
//! `source` is the catalogue id of the triggering analytic (e.g. `AS-004.15`), or `LAI`.
//! Within a bucket, items keep the rule order below, then the rule's own order.
//!
//! # Rules (trigger → action [bucket])
//! Learner:
//! - AS-004.15 high/critical in a course → study session today [urgent] (per course, riskiest
//!   first);
//! - AS-004.16 completionProbability < 60 → raise weekly hours [urgent];
//! - top critical AS-001.2 gap → focus on it [thisWeek];
//! - AS-001.4 needsReview → review the skill [thisWeek] (at most 3, lowest retention first,
//!   decided here);
//! - pending assessment without DevLab practice on a mapped skill in 14 d → practise 2 days
//!   before, with the practice statistic [thisWeek];
//! - AS-001.1 status behind → raise the pace to targetPace [ongoing];
//! - AS-001.3 time score < 50 → add the missing hours (recommended − last 7 days) [ongoing];
//! - AS-001.6 best type ≠ preferred type → use more of the best type [ongoing];
//! - LAI upstream suggestions (not expired) → [ongoing], `source = "LAI"`, upstream reason.
//!
//! Trainer (per taught course):
//! - students at AS-004.15 high/critical → check in, ids listed [urgent];
//! - AS-002.9 share of (student, assessment) pairs needing 3+ attempts >= 30% → ease the
//!   difficulty or add practice [thisWeek];
//! - upcoming assessment with a shown practice statistic → DevLab reminder [thisWeek];
//! - AS-002.8 problem module → split / scaffold it [ongoing];
//! - AS-001.6 effect sizes of content types differing by >= 0.3 → convert formats [ongoing];
//! - AS-002.10 negative theme with >= 5 mentions → address it [ongoing].
//!
//! Org admin:
//! - AS-003.13 group engagement < org mean − 15 → investigate [urgent];
//! - AS-003.12 skill coverage < 50 → prioritise training [thisWeek];
//! - voluntaryParticipationPct < 70 → incentives [ongoing]; KSI >= target → recognise sharers
//!   [ongoing];
//! - org course completion < 50% → review the course [ongoing];
//! - employee missing a required skill with a deadline <= 60 d → a `workerKPIs` entry.
//!
//! # Statistics about other people (k = 10, subject excluded)
//! - Practice statistic: first attempts on an assessment, split by whether the learner had a
//!   DevLab submission on a skill mapped to the assessment in the 48 h before the attempt
//!   started; first-attempt pass rate of each side with `sampleSize`; shown only if each side
//!   has >= K distinct learners ([`PracticeStatistics`]).
//! - Peer insight: of the learners who acquired a skill in the last 90 days, the share who
//!   studied more weekly hours (28 days before acquiring) than the median weekly hours (last
//!   28 d) of the learners active in the last 28 days; shown when both groups have >= K
//!   learners ([`PeerStatistics`]), for the learner's open target skills (at most 3).
//!
//! `aiSummary` (no AI here): "Urgent: <first actionable urgent action>. This week: <first
//! actionable thisWeek action>." (parts without an item left out; a fixed sentence when both
//! are missing); actionable = status `new` or `saved`.
//!
//! # Decided here (beyond the above)
//! - Trigger details: a learner's pending assessments are required, non-pre assessments of
//!   active enrollments, never attempted, mapped to at least one skill, not past due (at most
//!   3, soonest due first); "upcoming" for trainers = due within the next 14 days, and the
//!   reminder needs the practice statistic shown with the practised side passing more often.
//!   Statistic per assessment when shown, else the overall one.
//! - "Needing 3+ attempts": the attempts up to and including the first pass (all attempts
//!   when never passed) number 3 or more.
//! - Groups (AS-003.13) with fewer than K members and org courses with fewer than K employee
//!   enrollments are not judged (k-anonymity); skill coverage items are at most the 5 lowest.
//! - `workerKPIs` is anonymous (spec README, decision 14): `workerId` is a stable pseudonym
//!   (UUID v5 of org and user), `name` is null. Required skills come from the organisation's
//!   value propositions in force today that apply to the worker's department; missing = the
//!   worker's level below the required level; a passed deadline still counts (<= 60 d).
//!   `kpiStatus` = the worst status (AS-003.12 bands: on_track >= 80, at_risk >= 50, else
//!   off_track) of the KPIs in force that link a missing skill; null without one.
//! - `workerKPIs` is `null` for learners and trainers; `peerInsights` are learner-only;
//!   `devlabInsights` list the overall statistic and the per-assessment ones the items used.
//! - `courseId` is the trainer's course filter when given, else null.

use super::drop_off::{self, RiskLevel};
use super::forecast::{self, ForecastQuery, ForecastScope};
use super::{assessment_label, fmt_num};
use crate::analytics::activity::learning_hours;
use crate::analytics::common::{Clock, K, Window, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::*;
use crate::model::{
    AssessmentAttempt, AssessmentKind, ContentType, Course, EnrollmentStatus, RecommendationKind,
    SkillLevel,
};
use crate::role::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Days an item lives after `createdAt`.
pub const LIFETIME_DAYS: i64 = 14;
/// Hours before a first attempt in which DevLab practice counts.
pub const PRACTICE_WINDOW_HOURS: i64 = 48;
/// Days without practice that make a pending assessment a practice item.
pub const NO_PRACTICE_DAYS: i64 = 14;
/// "Recent" acquisitions for the peer insight.
pub const RECENT_ACQUISITION_DAYS: i64 = 90;

// ---------------------------------------------------------------- item model

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Bucket {
    #[serde(rename = "urgent")]
    Urgent,
    #[serde(rename = "thisWeek")]
    ThisWeek,
    #[serde(rename = "ongoing")]
    Ongoing,
}

/// The status of a shown item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    New,
    Saved,
    Dismissed,
    Completed,
}

/// The stored status of a (rule, target): the item statuses plus `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredStatus {
    New,
    Saved,
    Dismissed,
    Completed,
    Expired,
}

impl StoredStatus {
    /// The stored and wire name (`saved`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            StoredStatus::New => "new",
            StoredStatus::Saved => "saved",
            StoredStatus::Dismissed => "dismissed",
            StoredStatus::Completed => "completed",
            StoredStatus::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            StoredStatus::New,
            StoredStatus::Saved,
            StoredStatus::Dismissed,
            StoredStatus::Completed,
            StoredStatus::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// One persisted (rule, target) of the viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendationState {
    pub recommendation_id: Uuid,
    pub rule_id: String,
    pub target_id: String,
    pub status: StoredStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    // learner
    DropOffRisk,
    CompletionForecast,
    SkillGap,
    Review,
    Practice,
    Pace,
    TimeInvestment,
    ContentFormat,
    // upstream
    LearningPath,
    Skill,
    Content,
    // trainer
    AtRiskStudents,
    AssessmentDifficulty,
    CourseDesign,
    Feedback,
    // org
    Engagement,
    SkillCoverage,
    LearningCulture,
    Recognition,
    CourseQuality,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationItem {
    pub recommendation_id: Uuid,
    pub category: Category,
    pub action: String,
    pub reason: String,
    pub source: String,
    pub bucket: Bucket,
    pub status: ItemStatus,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub rule_id: &'static str,
    #[serde(skip)]
    pub target_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevlabInsight {
    pub insight: String,
    pub with_practice_pass_rate: f64,
    pub without_practice_pass_rate: f64,
    pub sample_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerInsight {
    pub insight: String,
    pub sample_size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    OffTrack,
    AtRisk,
    OnTrack,
}

impl KpiStatus {
    /// AS-003.12: on_track >= 80, at_risk >= 50, else off_track.
    pub fn from_achievement_pct(pct: f64) -> Self {
        if pct >= 80.0 {
            KpiStatus::OnTrack
        } else if pct >= 50.0 {
            KpiStatus::AtRisk
        } else {
            KpiStatus::OffTrack
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerKpi {
    /// A stable pseudonym, not the user id (anonymous, decision 14).
    pub worker_id: Uuid,
    /// Always null (anonymous).
    pub name: Option<String>,
    pub missing_skills: Vec<String>,
    pub kpi_status: Option<KpiStatus>,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationLists {
    pub urgent: Vec<RecommendationItem>,
    pub this_week: Vec<RecommendationItem>,
    pub ongoing: Vec<RecommendationItem>,
    pub devlab_insights: Vec<DevlabInsight>,
    pub peer_insights: Vec<PeerInsight>,
    #[serde(rename = "workerKPIs")]
    pub worker_kpis: Option<Vec<WorkerKpi>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    pub subject_id: Uuid,
    pub course_id: Option<CourseId>,
    #[serde(serialize_with = "crate::analytics::common::wire_ts::serialize")]
    pub generated_at: DateTime<Utc>,
    pub ai_summary: String,
    pub recommendations: RecommendationLists,
    pub follow_through_rate: Option<f64>,
    /// Every state of the viewer after this generation, to upsert (not part of the output).
    #[serde(skip)]
    pub states: Vec<RecommendationState>,
}

/// Rule ids, as stored in `recommendation_state.rule_id`.
pub mod rule {
    pub const LEARNER_DROP_OFF: &str = "learner.drop_off_risk";
    pub const LEARNER_FORECAST: &str = "learner.completion_probability";
    pub const LEARNER_CRITICAL_GAP: &str = "learner.critical_gap";
    pub const LEARNER_REVIEW: &str = "learner.needs_review";
    pub const LEARNER_PRACTICE: &str = "learner.practice_before_assessment";
    pub const LEARNER_PACE: &str = "learner.pace_behind";
    pub const LEARNER_TIME: &str = "learner.time_investment";
    pub const LEARNER_CONTENT_TYPE: &str = "learner.content_type";
    pub const LAI: &str = "lai";
    pub const TRAINER_AT_RISK: &str = "trainer.at_risk_students";
    pub const TRAINER_RETRIES: &str = "trainer.retry_share";
    pub const TRAINER_DEVLAB: &str = "trainer.devlab_reminder";
    pub const TRAINER_PROBLEM_MODULE: &str = "trainer.problem_module";
    pub const TRAINER_FORMATS: &str = "trainer.content_formats";
    pub const TRAINER_THEME: &str = "trainer.negative_theme";
    pub const ORG_GROUP_ENGAGEMENT: &str = "org.group_engagement";
    pub const ORG_SKILL_COVERAGE: &str = "org.skill_coverage";
    pub const ORG_VOLUNTARY: &str = "org.voluntary_participation";
    pub const ORG_KSI: &str = "org.knowledge_sharing";
    pub const ORG_COURSE_COMPLETION: &str = "org.course_completion";
}

/// The namespace of recommendation ids and worker pseudonyms.
fn namespace() -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        b"urn:learning-analytics:recommendations",
    )
}

/// `recommendationId` = UUID v5 of `viewer|role|rule|target`.
pub fn recommendation_id(viewer: Uuid, role: Role, rule_id: &str, target_id: &str) -> Uuid {
    Uuid::new_v5(
        &namespace(),
        format!("{viewer}|{}|{rule_id}|{target_id}", role.as_str()).as_bytes(),
    )
}

/// The anonymous `workerId` of an employee in an organisation.
pub fn worker_pseudonym(org: OrgId, user: UserId) -> Uuid {
    Uuid::new_v5(&namespace(), format!("worker|{org}|{user}").as_bytes())
}

// ---------------------------------------------------------------- lifecycle

/// A fired trigger, before the lifecycle.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    rule: &'static str,
    target: String,
    category: Category,
    action: String,
    reason: String,
    source: &'static str,
    bucket: Bucket,
}

struct Reconciled {
    urgent: Vec<RecommendationItem>,
    this_week: Vec<RecommendationItem>,
    ongoing: Vec<RecommendationItem>,
    states: Vec<RecommendationState>,
    follow_through_rate: Option<f64>,
}

fn reconcile(
    viewer: Uuid,
    role: Role,
    candidates: Vec<Candidate>,
    stored: &[RecommendationState],
    now: DateTime<Utc>,
) -> Reconciled {
    let lifetime = Duration::days(LIFETIME_DAYS);
    // One state per key: the latest update wins.
    let mut states: BTreeMap<(String, String), RecommendationState> = BTreeMap::new();
    for s in stored {
        let key = (s.rule_id.clone(), s.target_id.clone());
        match states.get(&key) {
            Some(existing) if existing.updated_at > s.updated_at => {}
            _ => {
                states.insert(key, s.clone());
            }
        }
    }
    // 1. Expiry.
    for s in states.values_mut() {
        if matches!(s.status, StoredStatus::New | StoredStatus::Saved)
            && now >= s.created_at + lifetime
        {
            s.status = StoredStatus::Expired;
            s.updated_at = now;
        }
    }
    // 2. Follow-through over the finished items.
    let count = |status: StoredStatus| states.values().filter(|s| s.status == status).count();
    let (completed, dismissed, expired) = (
        count(StoredStatus::Completed),
        count(StoredStatus::Dismissed),
        count(StoredStatus::Expired),
    );
    let finished = completed + dismissed + expired;
    let follow_through_rate =
        (finished > 0).then(|| round_dp(completed as f64 / finished as f64, 2));
    // 3. Fired triggers.
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let (mut urgent, mut this_week, mut ongoing) = (Vec::new(), Vec::new(), Vec::new());
    for c in candidates {
        let key = (c.rule.to_owned(), c.target.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        let id = recommendation_id(viewer, role, c.rule, &c.target);
        let fresh = RecommendationState {
            recommendation_id: id,
            rule_id: c.rule.to_owned(),
            target_id: c.target.clone(),
            status: StoredStatus::New,
            created_at: now,
            updated_at: now,
        };
        let state = states.entry(key).or_insert_with(|| fresh.clone());
        let status = match state.status {
            StoredStatus::Dismissed => continue,
            StoredStatus::New => ItemStatus::New,
            StoredStatus::Saved => ItemStatus::Saved,
            StoredStatus::Completed if now < state.created_at + lifetime => ItemStatus::Completed,
            StoredStatus::Completed | StoredStatus::Expired => {
                // A new cycle keeps the stored id (the key of status changes).
                *state = RecommendationState {
                    recommendation_id: state.recommendation_id,
                    ..fresh
                };
                ItemStatus::New
            }
        };
        let item = RecommendationItem {
            recommendation_id: state.recommendation_id,
            category: c.category,
            action: c.action,
            reason: c.reason,
            source: c.source.to_owned(),
            bucket: c.bucket,
            status,
            created_at: state.created_at,
            rule_id: c.rule,
            target_id: c.target,
        };
        match c.bucket {
            Bucket::Urgent => urgent.push(item),
            Bucket::ThisWeek => this_week.push(item),
            Bucket::Ongoing => ongoing.push(item),
        }
    }
    Reconciled {
        urgent,
        this_week,
        ongoing,
        states: states.into_values().collect(),
        follow_through_rate,
    }
}

/// "Urgent: <a>. This week: <b>." over actionable (new or saved) items.
fn ai_summary(
    urgent: &[RecommendationItem],
    this_week: &[RecommendationItem],
    idle: &str,
) -> String {
    let first = |items: &[RecommendationItem]| {
        items
            .iter()
            .find(|i| matches!(i.status, ItemStatus::New | ItemStatus::Saved))
            .map(|i| i.action.clone())
    };
    match (first(urgent), first(this_week)) {
        (Some(u), Some(t)) => format!("Urgent: {u}. This week: {t}."),
        (Some(u), None) => format!("Urgent: {u}."),
        (None, Some(t)) => format!("This week: {t}."),
        (None, None) => idle.to_owned(),
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    viewer: Uuid,
    role: Role,
    subject_id: Uuid,
    course_id: Option<CourseId>,
    clock: &Clock,
    candidates: Vec<Candidate>,
    states: &[RecommendationState],
    devlab_insights: Vec<DevlabInsight>,
    peer_insights: Vec<PeerInsight>,
    worker_kpis: Option<Vec<WorkerKpi>>,
    idle: &str,
) -> Recommendations {
    let r = reconcile(viewer, role, candidates, states, clock.now);
    Recommendations {
        subject_id,
        course_id,
        generated_at: clock.now,
        ai_summary: ai_summary(&r.urgent, &r.this_week, idle),
        recommendations: RecommendationLists {
            urgent: r.urgent,
            this_week: r.this_week,
            ongoing: r.ongoing,
            devlab_insights,
            peer_insights,
            worker_kpis,
        },
        follow_through_rate: r.follow_through_rate,
        states: r.states,
    }
}

// ---------------------------------------------------------------- platform statistics

/// First attempts with / without DevLab practice, of one learner (overall or on one
/// assessment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PracticeTally {
    pub with_attempts: u32,
    pub with_passed: u32,
    pub without_attempts: u32,
    pub without_passed: u32,
}

impl PracticeTally {
    fn add(&mut self, practised: bool, passed: bool) {
        if practised {
            self.with_attempts += 1;
            self.with_passed += u32::from(passed);
        } else {
            self.without_attempts += 1;
            self.without_passed += u32::from(passed);
        }
    }
}

/// The practice statistic's raw tallies per learner, so that any view can exclude its subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PracticeStatistics {
    pub by_user: BTreeMap<UserId, PracticeTally>,
    pub by_assessment: BTreeMap<AssessmentId, BTreeMap<UserId, PracticeTally>>,
    /// Sums over `by_user` and over each assessment's tallies ([`PracticeStatistics::total_up`]),
    /// so that a view without its subject is the sum minus one tally: every learner's view
    /// costs a lookup, not a pass over the whole platform.
    totals: GroupTotals,
    assessment_totals: BTreeMap<AssessmentId, GroupTotals>,
}

/// The sums a [`PracticeView`] is made of, over a group of learners.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct GroupTotals {
    with_users: usize,
    without_users: usize,
    with_attempts: u64,
    with_passed: u64,
    without_attempts: u64,
    without_passed: u64,
}

impl GroupTotals {
    fn of<'a>(tallies: impl IntoIterator<Item = &'a PracticeTally>) -> Self {
        let mut totals = GroupTotals::default();
        for t in tallies {
            totals.with_users += usize::from(t.with_attempts > 0);
            totals.without_users += usize::from(t.without_attempts > 0);
            totals.with_attempts += u64::from(t.with_attempts);
            totals.with_passed += u64::from(t.with_passed);
            totals.without_attempts += u64::from(t.without_attempts);
            totals.without_passed += u64::from(t.without_passed);
        }
        totals
    }

    /// The group without one of its members.
    fn without(self, t: &PracticeTally) -> Self {
        GroupTotals {
            with_users: self.with_users - usize::from(t.with_attempts > 0),
            without_users: self.without_users - usize::from(t.without_attempts > 0),
            with_attempts: self.with_attempts - u64::from(t.with_attempts),
            with_passed: self.with_passed - u64::from(t.with_passed),
            without_attempts: self.without_attempts - u64::from(t.without_attempts),
            without_passed: self.without_passed - u64::from(t.without_passed),
        }
    }
}

/// A shown practice statistic (unrounded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PracticeView {
    pub with_practice_pass_rate: f64,
    pub without_practice_pass_rate: f64,
    /// First attempts on both sides.
    pub sample_size: usize,
}

fn practice_view(
    tallies: &BTreeMap<UserId, PracticeTally>,
    totals: GroupTotals,
    exclude: Option<UserId>,
) -> Guarded<PracticeView> {
    let totals = match exclude.and_then(|user| tallies.get(&user)) {
        Some(own) => totals.without(own),
        None => totals,
    };
    Guarded::new(totals.with_users.min(totals.without_users), || {
        let (wa, wp) = (totals.with_attempts as f64, totals.with_passed as f64);
        let (na, np) = (totals.without_attempts as f64, totals.without_passed as f64);
        PracticeView {
            with_practice_pass_rate: if wa > 0.0 { wp / wa * 100.0 } else { 0.0 },
            without_practice_pass_rate: if na > 0.0 { np / na * 100.0 } else { 0.0 },
            sample_size: (wa + na) as usize,
        }
    })
}

impl PracticeStatistics {
    /// Computes the sums behind every view; call after the tallies are complete.
    pub fn total_up(&mut self) {
        self.totals = GroupTotals::of(self.by_user.values());
        self.assessment_totals = self
            .by_assessment
            .iter()
            .map(|(id, tallies)| (*id, GroupTotals::of(tallies.values())))
            .collect();
    }

    /// Over all assessments; `exclude` = the subject.
    pub fn overall(&self, exclude: Option<UserId>) -> Guarded<PracticeView> {
        practice_view(&self.by_user, self.totals, exclude)
    }

    /// On one assessment; `exclude` = the subject.
    pub fn for_assessment(
        &self,
        assessment: AssessmentId,
        exclude: Option<UserId>,
    ) -> Guarded<PracticeView> {
        match (
            self.by_assessment.get(&assessment),
            self.assessment_totals.get(&assessment),
        ) {
            (Some(tallies), Some(totals)) => practice_view(tallies, *totals, exclude),
            _ => Guarded::Suppressed,
        }
    }

    /// The per-assessment statistic when shown, else the overall one.
    pub fn best(
        &self,
        assessment: AssessmentId,
        exclude: Option<UserId>,
    ) -> Option<(PracticeView, bool)> {
        if let Some(v) = self.for_assessment(assessment, exclude).shown() {
            return Some((*v, true));
        }
        self.overall(exclude).shown().map(|v| (*v, false))
    }
}

/// The inputs of the peer insight, with per-learner values so a view can exclude its subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeerStatistics {
    /// Mean weekly learning hours (last 28 d) of every learner active in the last 28 d.
    pub weekly_hours: BTreeMap<UserId, f64>,
    /// The same values, sorted.
    pub sorted_hours: Vec<f64>,
    /// Per skill: its recent acquirers and their mean weekly hours in the 28 days before.
    pub acquirers: BTreeMap<SkillId, Vec<(UserId, f64)>>,
    /// `acquirers` indexed ([`PeerStatistics::index_acquirers`]): per skill the hours sorted,
    /// and each acquirer's own, so a view without its subject counts by binary search
    /// instead of copying the skill's whole group for every learner.
    sorted_acquirer_hours: BTreeMap<SkillId, Vec<f64>>,
    acquirer_hours: BTreeMap<(SkillId, UserId), f64>,
}

/// A shown peer insight (unrounded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerView {
    pub share_above_median_pct: f64,
    pub median_weekly_hours: f64,
    pub sample_size: usize,
}

/// Quantile of a sorted slice with the element at `skip` removed.
fn quantile_without(sorted: &[f64], skip: Option<usize>, q: f64) -> Option<f64> {
    let n = sorted.len() - usize::from(skip.is_some());
    if n == 0 {
        return None;
    }
    let at = |j: usize| match skip {
        Some(s) if j >= s => sorted[j + 1],
        _ => sorted[j],
    };
    let position = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let (lower, upper) = (position.floor() as usize, position.ceil() as usize);
    Some(at(lower) + (at(upper) - at(lower)) * (position - lower as f64))
}

impl PeerStatistics {
    /// Indexes `acquirers`; call after they are complete.
    pub fn index_acquirers(&mut self) {
        self.sorted_acquirer_hours = self
            .acquirers
            .iter()
            .map(|(skill, list)| {
                let mut hours: Vec<f64> = list.iter().map(|(_, h)| *h).collect();
                hours.sort_by(f64::total_cmp);
                (*skill, hours)
            })
            .collect();
        self.acquirer_hours = self
            .acquirers
            .iter()
            .flat_map(|(skill, list)| list.iter().map(move |(user, h)| ((*skill, *user), *h)))
            .collect();
    }

    /// The insight on one skill for a subject (excluded from both groups).
    pub fn skill_view(&self, skill: SkillId, subject: UserId) -> Guarded<PeerView> {
        let all = self
            .sorted_acquirer_hours
            .get(&skill)
            .map_or(&[][..], Vec::as_slice);
        let own = self.acquirer_hours.get(&(skill, subject)).copied();
        let acquirers = all.len() - usize::from(own.is_some());
        let skip = self.weekly_hours.get(&subject).and_then(|own| {
            self.sorted_hours
                .binary_search_by(|v| v.total_cmp(own))
                .ok()
        });
        let group = self.sorted_hours.len() - usize::from(skip.is_some());
        Guarded::new(acquirers.min(group), || {
            let median = quantile_without(&self.sorted_hours, skip, 0.5).unwrap_or(0.0);
            let above = all.len()
                - all.partition_point(|h| *h <= median)
                - usize::from(own.is_some_and(|h| h > median));
            PeerView {
                share_above_median_pct: above as f64 / acquirers as f64 * 100.0,
                median_weekly_hours: median,
                sample_size: acquirers,
            }
        })
    }
}

/// Everything AS-004.17 needs about other learners, computed once per batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformStatistics {
    pub practice: PracticeStatistics,
    pub peers: PeerStatistics,
}

fn practice_time(p: &crate::model::PracticeSubmission) -> DateTime<Utc> {
    p.completed_at.unwrap_or(p.started_at)
}

/// Each assessment's first attempt of a learner (lowest attempt number, then earliest).
fn first_attempts(
    record: &LearnerRecord,
    now: DateTime<Utc>,
) -> BTreeMap<AssessmentId, &AssessmentAttempt> {
    let mut first: BTreeMap<AssessmentId, &AssessmentAttempt> = BTreeMap::new();
    for a in record.attempts.iter().filter(|a| a.submitted_at <= now) {
        let entry = first.entry(a.assessment_id).or_insert(a);
        if (a.attempt_no, a.submitted_at, a.id) < (entry.attempt_no, entry.submitted_at, entry.id) {
            *entry = a;
        }
    }
    first
}

/// Builder over all learners' records: the practice statistic and the peer insight inputs.
pub fn platform_statistics(
    records: &[LearnerRecord],
    catalog: &Catalog,
    clock: &Clock,
) -> PlatformStatistics {
    let now = clock.now;
    let mut stats = PlatformStatistics::default();
    for record in records {
        let user = record.id();
        // Practice statistic.
        for (aid, attempt) in first_attempts(record, now) {
            let Some(assessment) = catalog.assessments.get(&aid) else {
                continue;
            };
            if assessment.skill_ids.is_empty() {
                continue;
            }
            let from = attempt.started_at - Duration::hours(PRACTICE_WINDOW_HOURS);
            let practised = record.practice.iter().any(|p| {
                let t = practice_time(p);
                t >= from
                    && t < attempt.started_at
                    && p.skill_ids.iter().any(|s| assessment.skill_ids.contains(s))
            });
            stats
                .practice
                .by_user
                .entry(user)
                .or_default()
                .add(practised, attempt.passed);
            stats
                .practice
                .by_assessment
                .entry(aid)
                .or_default()
                .entry(user)
                .or_default()
                .add(practised, attempt.passed);
        }
        // Peer insight inputs.
        let active = record
            .sessions
            .iter()
            .any(|s| clock.within_last_days(s.started_at, 28));
        if active {
            let hours = learning_hours(&record.sessions, now - Duration::days(28), now) / 4.0;
            stats.peers.weekly_hours.insert(user, hours);
        }
        for skill in &record.user_skills {
            let Some(at) = skill.acquired_at.filter(|_| skill.acquired) else {
                continue;
            };
            if !clock.within_last_days(at, RECENT_ACQUISITION_DAYS) {
                continue;
            }
            let hours = learning_hours(&record.sessions, at - Duration::days(28), at) / 4.0;
            stats
                .peers
                .acquirers
                .entry(skill.skill_id)
                .or_default()
                .push((user, hours));
        }
    }
    let mut sorted: Vec<f64> = stats.peers.weekly_hours.values().copied().collect();
    sorted.sort_by(f64::total_cmp);
    stats.peers.sorted_hours = sorted;
    stats.practice.total_up();
    stats.peers.index_acquirers();
    stats
}

fn practice_sentence(view: &PracticeView) -> String {
    format!(
        "learners who practised a mapped skill in DevLab in the 48 h before a first attempt passed {}% of the time, against {}% without practice ({} first attempts)",
        fmt_num(view.with_practice_pass_rate, 1),
        fmt_num(view.without_practice_pass_rate, 1),
        view.sample_size
    )
}

fn devlab_insight(view: &PracticeView, prefix: &str) -> DevlabInsight {
    let sentence = practice_sentence(view);
    let mut chars = sentence.chars();
    let capitalised = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    };
    DevlabInsight {
        insight: if prefix.is_empty() {
            format!("{capitalised}.")
        } else {
            format!("{prefix}: {sentence}.")
        },
        with_practice_pass_rate: round_dp(view.with_practice_pass_rate, 1),
        without_practice_pass_rate: round_dp(view.without_practice_pass_rate, 1),
        sample_size: view.sample_size,
    }
}

fn skill_names(catalog: &Catalog, ids: &[SkillId]) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .map(|s| {
            catalog
                .skills
                .get(s)
                .map(|k| k.name.clone())
                .unwrap_or_else(|| "a mapped skill".to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

// ---------------------------------------------------------------- learner

/// The pace status of AS-001.1 (`comparisonToGoal.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceStatus {
    Ahead,
    OnTrack,
    Behind,
    NoTarget,
    Overdue,
}

/// AS-004.15 for one course.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseRiskSignal {
    pub course_id: CourseId,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
}

/// AS-004.16 for the default scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSignal {
    /// The course or path id.
    pub target_id: String,
    pub name: String,
    pub completion_probability: i64,
    pub weekly_study_hours: f64,
}

impl ForecastSignal {
    /// The signal of an already computed AS-004.16 forecast.
    pub fn from_forecast(f: &forecast::LearningOutcomeForecast) -> Self {
        ForecastSignal {
            target_id: match f.scope {
                ForecastScope::Course => f.course_id.map(|c| c.to_string()),
                ForecastScope::Path => f.path_id.map(|p| p.to_string()),
            }
            .unwrap_or_default(),
            name: f.scope_name.clone(),
            completion_probability: f.forecast.completion_probability,
            weekly_study_hours: f.scenario.weekly_study_hours,
        }
    }
}

/// The top critical gap of AS-001.2.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillGapSignal {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub current_level: SkillLevel,
    pub target_level: SkillLevel,
    pub priority_score: i64,
}

/// A skill of AS-001.4 with `needsReview`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSignal {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub retention_score: i64,
}

/// AS-001.1 `comparisonToGoal`.
#[derive(Debug, Clone, PartialEq)]
pub struct VelocitySignal {
    pub status: PaceStatus,
    pub current_pace: f64,
    pub target_pace: Option<f64>,
}

/// AS-001.3 `breakdowns.timeInvestment`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSignal {
    pub time_score: f64,
    pub hours_last_7_days: f64,
    pub recommended_hours_per_week: f64,
}

/// AS-001.6 best content type (by score) vs AS-001.3 preferred type (by use).
#[derive(Debug, Clone, PartialEq)]
pub struct ContentTypeSignal {
    pub best_type: Option<ContentType>,
    pub preferred_type: Option<ContentType>,
}

/// The results of other analytics that the learner rules read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LearnerSignals {
    pub drop_off: Vec<CourseRiskSignal>,
    pub forecast: Option<ForecastSignal>,
    pub top_critical_gap: Option<SkillGapSignal>,
    pub needs_review: Vec<ReviewSignal>,
    pub velocity: Option<VelocitySignal>,
    pub engagement_time: Option<TimeSignal>,
    pub content_types: Option<ContentTypeSignal>,
}

impl LearnerSignals {
    /// Builder of the predictive part (AS-004.15 per active course, AS-004.16 default scope);
    /// the other fields are filled by the batch from the other analytics' results.
    pub fn from_predictive(record: &LearnerRecord, catalog: &Catalog, clock: &Clock) -> Self {
        let drop_off = drop_off::risk_by_course(record, catalog, clock)
            .into_iter()
            .map(|(course_id, (risk_score, risk_level))| CourseRiskSignal {
                course_id,
                risk_score,
                risk_level,
            })
            .collect();
        let forecast = forecast::compute(
            record,
            catalog,
            clock,
            Window::Days30,
            &ForecastQuery::default(),
            &forecast::ForecastHistory::default(),
        )
        .ready()
        .map(ForecastSignal::from_forecast);
        LearnerSignals {
            drop_off,
            forecast,
            ..LearnerSignals::default()
        }
    }
}

fn course_title(catalog: &Catalog, course: CourseId) -> String {
    catalog
        .courses
        .get(&course)
        .map(|c| c.title.clone())
        .unwrap_or_else(|| "your course".to_owned())
}

fn content_type_label(t: ContentType) -> &'static str {
    t.as_str()
}

/// The learner's pending practice items with the statistic they cite.
fn practice_candidates(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    platform: &PlatformStatistics,
) -> (Vec<Candidate>, Vec<DevlabInsight>) {
    let now = clock.now;
    let active: BTreeSet<CourseId> = record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Active)
        .map(|e| e.course_id)
        .collect();
    let attempted: BTreeSet<AssessmentId> = record
        .attempts
        .iter()
        .filter(|a| a.submitted_at <= now)
        .map(|a| a.assessment_id)
        .collect();
    let mut pending: Vec<_> = catalog
        .assessments
        .values()
        .filter(|a| a.required && a.kind != AssessmentKind::Pre && !a.skill_ids.is_empty())
        .filter(|a| {
            catalog
                .course_of_assessment(a)
                .is_some_and(|c| active.contains(&c))
        })
        .filter(|a| !attempted.contains(&a.id))
        .filter(|a| a.due_at.is_none_or(|d| d > now))
        .filter(|a| {
            !record.practice.iter().any(|p| {
                clock.within_last_days(practice_time(p), NO_PRACTICE_DAYS)
                    && p.skill_ids.iter().any(|s| a.skill_ids.contains(s))
            })
        })
        .collect();
    pending.sort_by_key(|a| (a.due_at.is_none(), a.due_at, a.id));
    pending.truncate(3);
    let mut candidates = Vec::new();
    let mut insights = Vec::new();
    let today = clock.today();
    for a in pending {
        let label = assessment_label(catalog, a);
        let skills = skill_names(catalog, &a.skill_ids);
        let action = match a.due_at {
            Some(due) => {
                let due_day = clock.local_date(due);
                let practise_day = due_day - Duration::days(2);
                if practise_day <= today {
                    format!("Practise {skills} in DevLab today, before {label} is due on {due_day}")
                } else {
                    format!(
                        "Practise {skills} in DevLab on {practise_day}, two days before {label} is due"
                    )
                }
            }
            None => format!("Practise {skills} in DevLab in the two days before you take {label}"),
        };
        let mut reason = format!("No DevLab practice on {skills} in the last 14 days.");
        if let Some((view, specific)) = platform.practice.best(a.id, Some(record.id())) {
            reason.push_str(&format!(
                " On {}, {}.",
                if specific {
                    label.as_str()
                } else {
                    "all assessments"
                },
                practice_sentence(&view)
            ));
            if specific {
                insights.push(devlab_insight(&view, &format!("On {label}")));
            }
        }
        candidates.push(Candidate {
            rule: rule::LEARNER_PRACTICE,
            target: a.id.to_string(),
            category: Category::Practice,
            action,
            reason,
            source: "AS-001.5",
            bucket: Bucket::ThisWeek,
        });
    }
    (candidates, insights)
}

/// The upstream LAI suggestions as ongoing items.
fn lai_candidates(record: &LearnerRecord, catalog: &Catalog, clock: &Clock) -> Vec<Candidate> {
    let now = clock.now;
    record
        .recommendations
        .iter()
        .filter(|r| r.created_at <= now && r.expires_at.is_none_or(|e| e > now))
        .map(|r| {
            let uuid = Uuid::parse_str(&r.target_id).ok();
            let (category, action) = match r.kind {
                RecommendationKind::Path => {
                    let name = uuid
                        .and_then(|u| catalog.paths.get(&PathId(u)))
                        .map(|p| p.name.clone())
                        .unwrap_or_else(|| r.target_id.clone());
                    (
                        Category::LearningPath,
                        format!("Explore the learning path {name}"),
                    )
                }
                RecommendationKind::Skill => {
                    let name = uuid
                        .and_then(|u| catalog.skills.get(&SkillId(u)))
                        .map(|s| s.name.clone())
                        .unwrap_or_else(|| r.target_id.clone());
                    (Category::Skill, format!("Prioritise the skill {name}"))
                }
                RecommendationKind::Content => {
                    let name = uuid
                        .and_then(|u| catalog.content.get(&ContentId(u)))
                        .map(|c| c.title.clone())
                        .unwrap_or_else(|| r.target_id.clone());
                    (Category::Content, format!("Try {name}"))
                }
            };
            Candidate {
                rule: rule::LAI,
                target: r.id.to_string(),
                category,
                action,
                reason: r.reason.clone(),
                source: "LAI",
                bucket: Bucket::Ongoing,
            }
        })
        .collect()
}

/// AS-004.17 for a learner (`learner_success_strategies`).
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    signals: &LearnerSignals,
    platform: &PlatformStatistics,
    states: &[RecommendationState],
) -> Recommendations {
    let mut c: Vec<Candidate> = Vec::new();

    // AS-004.15 high/critical -> study session today [urgent], riskiest first.
    let mut risky: Vec<&CourseRiskSignal> = signals
        .drop_off
        .iter()
        .filter(|s| s.risk_level.is_high_or_critical())
        .collect();
    risky.sort_by(|a, b| {
        b.risk_score
            .cmp(&a.risk_score)
            .then(a.course_id.cmp(&b.course_id))
    });
    for s in risky {
        let title = course_title(catalog, s.course_id);
        c.push(Candidate {
            rule: rule::LEARNER_DROP_OFF,
            target: s.course_id.to_string(),
            category: Category::DropOffRisk,
            action: format!("Plan a study session for {title} today"),
            reason: format!(
                "Your drop-off risk in {title} is {} ({}/100).",
                s.risk_level.as_str(),
                s.risk_score
            ),
            source: "AS-004.15",
            bucket: Bucket::Urgent,
        });
    }
    // AS-004.16 completionProbability < 60 -> raise weekly hours [urgent].
    if let Some(f) = signals
        .forecast
        .as_ref()
        .filter(|f| f.completion_probability < 60)
    {
        c.push(Candidate {
            rule: rule::LEARNER_FORECAST,
            target: f.target_id.clone(),
            category: Category::CompletionForecast,
            action: format!(
                "Raise your weekly study time for {} above {} h",
                f.name,
                fmt_num(f.weekly_study_hours, 1)
            ),
            reason: format!(
                "The chance of completing {} is forecast at {}%, below 60%.",
                f.name, f.completion_probability
            ),
            source: "AS-004.16",
            bucket: Bucket::Urgent,
        });
    }
    // Top critical AS-001.2 gap -> focus [thisWeek].
    if let Some(g) = &signals.top_critical_gap {
        c.push(Candidate {
            rule: rule::LEARNER_CRITICAL_GAP,
            target: g.skill_id.to_string(),
            category: Category::SkillGap,
            action: format!("Focus on {} this week", g.skill_name),
            reason: format!(
                "{} is your most critical skill gap ({} of {} targeted, priority score {}).",
                g.skill_name,
                g.current_level.label(),
                g.target_level.label(),
                g.priority_score
            ),
            source: "AS-001.2",
            bucket: Bucket::ThisWeek,
        });
    }
    // AS-001.4 needsReview -> review [thisWeek], at most 3, lowest retention first.
    let mut review: Vec<&ReviewSignal> = signals.needs_review.iter().collect();
    review.sort_by(|a, b| {
        a.retention_score
            .cmp(&b.retention_score)
            .then(a.skill_id.cmp(&b.skill_id))
    });
    for r in review.into_iter().take(3) {
        c.push(Candidate {
            rule: rule::LEARNER_REVIEW,
            target: r.skill_id.to_string(),
            category: Category::Review,
            action: format!("Review {}", r.skill_name),
            reason: format!(
                "Retention of {} has dropped to {} (below 70).",
                r.skill_name, r.retention_score
            ),
            source: "AS-001.4",
            bucket: Bucket::ThisWeek,
        });
    }
    // Pending assessment without practice -> practise 2 days before [thisWeek].
    let (practice, mut devlab) = practice_candidates(record, catalog, clock, platform);
    c.extend(practice);
    // AS-001.1 behind -> raise pace [ongoing].
    if let Some(v) = signals
        .velocity
        .as_ref()
        .filter(|v| v.status == PaceStatus::Behind)
        && let Some(target) = v.target_pace.filter(|t| t.is_finite())
    {
        c.push(Candidate {
            rule: rule::LEARNER_PACE,
            target: "pace".to_owned(),
            category: Category::Pace,
            action: format!("Raise your pace to {} topics per week", fmt_num(target, 2)),
            reason: format!(
                "At {} topics per week you are behind the {} needed to reach your goal on time.",
                fmt_num(v.current_pace, 2),
                fmt_num(target, 2)
            ),
            source: "AS-001.1",
            bucket: Bucket::Ongoing,
        });
    }
    // AS-001.3 time score < 50 -> add the missing hours [ongoing].
    if let Some(t) = signals
        .engagement_time
        .as_ref()
        .filter(|t| t.time_score < 50.0)
    {
        let missing = (t.recommended_hours_per_week - t.hours_last_7_days).max(0.0);
        c.push(Candidate {
            rule: rule::LEARNER_TIME,
            target: "time".to_owned(),
            category: Category::TimeInvestment,
            action: format!(
                "Add {} h of study per week to reach {} h",
                fmt_num(missing, 1),
                fmt_num(t.recommended_hours_per_week, 1)
            ),
            reason: format!(
                "You studied {} h in the last 7 days (time score {}, below 50).",
                fmt_num(t.hours_last_7_days, 1),
                fmt_num(t.time_score, 1)
            ),
            source: "AS-001.3",
            bucket: Bucket::Ongoing,
        });
    }
    // AS-001.6 best type != preferred type -> use more of it [ongoing].
    if let Some(ContentTypeSignal {
        best_type: Some(best),
        preferred_type: Some(preferred),
    }) = signals.content_types
        && best != preferred
    {
        c.push(Candidate {
            rule: rule::LEARNER_CONTENT_TYPE,
            target: best.as_str().to_owned(),
            category: Category::ContentFormat,
            action: format!("Use more {} content", content_type_label(best)),
            reason: format!(
                "You score best after {} content but mostly use {}.",
                content_type_label(best),
                content_type_label(preferred)
            ),
            source: "AS-001.6",
            bucket: Bucket::Ongoing,
        });
    }
    // Upstream LAI suggestions [ongoing].
    c.extend(lai_candidates(record, catalog, clock));

    // Insights about other learners.
    let mut devlab_insights = Vec::new();
    if let Some(view) = platform.practice.overall(Some(record.id())).shown() {
        devlab_insights.push(devlab_insight(view, ""));
    }
    devlab_insights.append(&mut devlab);
    let peer_insights = peer_insights(record, catalog, platform);

    assemble(
        record.id().0,
        Role::Learner,
        record.id().0,
        None,
        clock,
        c,
        states,
        devlab_insights,
        peer_insights,
        None,
        "Nothing needs your attention right now: keep up your routine.",
    )
}

/// Peer insights on the learner's open target skills (at most 3).
fn peer_insights(
    record: &LearnerRecord,
    catalog: &Catalog,
    platform: &PlatformStatistics,
) -> Vec<PeerInsight> {
    let level = |skill: SkillId| {
        record
            .user_skills
            .iter()
            .find(|s| s.skill_id == skill)
            .map(|s| (s.current_level, s.acquired))
            .unwrap_or((SkillLevel::MISSING, false))
    };
    let open: BTreeSet<SkillId> = record
        .skill_targets
        .iter()
        .filter(|t| {
            let (current, acquired) = level(t.skill_id);
            !acquired && current < t.target_level
        })
        .map(|t| t.skill_id)
        .collect();
    open.into_iter()
        .filter_map(|skill| {
            let view = *platform.peers.skill_view(skill, record.id()).shown()?;
            let name = catalog
                .skills
                .get(&skill)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| "this skill".to_owned());
            Some(PeerInsight {
                insight: format!(
                    "{}% of the {} learners who acquired {name} in the last 90 days studied more than the typical {} h per week in the 4 weeks before.",
                    fmt_num(view.share_above_median_pct, 1),
                    view.sample_size,
                    fmt_num(view.median_weekly_hours, 1)
                ),
                sample_size: view.sample_size,
            })
        })
        .take(3)
        .collect()
}

// ---------------------------------------------------------------- trainer

/// A problem module of AS-002.8.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemModuleSignal {
    pub module_id: ModuleId,
    pub module_name: String,
    pub drop_off_rate: f64,
}

/// The effect size of a content type in a course (AS-001.6 trainer scope).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeEffectSignal {
    pub content_type: ContentType,
    pub effect_size: f64,
}

/// A negative feedback theme of AS-002.10.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeSignal {
    pub theme: String,
    pub mentions: u32,
}

/// What the trainer rules read about one taught course.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerCourseSignals {
    pub course_id: CourseId,
    pub course_title: String,
    /// Students at AS-004.15 high or critical risk in this course.
    pub at_risk_students: Vec<UserId>,
    /// % of attempted (student, assessment) pairs needing 3+ attempts; `None` without pairs.
    pub retry_heavy_pairs_pct: Option<f64>,
    pub problem_modules: Vec<ProblemModuleSignal>,
    pub effect_size_by_type: Vec<TypeEffectSignal>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainerSignals {
    pub courses: Vec<TrainerCourseSignals>,
    pub negative_themes: Vec<ThemeSignal>,
}

/// The spread of AS-001.6 effect sizes between a course's content types from which the
/// "convert formats" rule fires.
pub const FORMAT_EFFECT_SIZE_GAP: f64 = 0.3;

/// The decision of the "convert formats" rule for one course: its (best, worst) content
/// types when their effect sizes differ by >= [`FORMAT_EFFECT_SIZE_GAP`], else `None` (so
/// never with fewer than two types). The difference is compared at 2 dp, the precision of
/// the effect sizes, so that 0.70 against 0.40 fires although `0.7 - 0.4` is just below
/// 0.3 in binary floating point **(decided here)**. Ties: the earlier type in type order is
/// the best one and the worst one.
pub fn format_gap(effects: &[TypeEffectSignal]) -> Option<(&TypeEffectSignal, &TypeEffectSignal)> {
    let finite = || effects.iter().filter(|e| e.effect_size.is_finite());
    let best = finite().max_by(|a, b| {
        a.effect_size
            .total_cmp(&b.effect_size)
            .then(b.content_type.cmp(&a.content_type))
    })?;
    let worst = finite().min_by(|a, b| {
        a.effect_size
            .total_cmp(&b.effect_size)
            .then(a.content_type.cmp(&b.content_type))
    })?;
    (best.content_type != worst.content_type
        && round_dp(best.effect_size - worst.effect_size, 2) >= FORMAT_EFFECT_SIZE_GAP)
        .then_some((best, worst))
}

/// Builder of the parts of a course's signals that come from the learners' records: the
/// students at high/critical drop-off risk and the share of pairs needing 3+ attempts. The
/// batch adds problem modules and effect sizes from AS-002.8 and AS-001.6. `learners` may be
/// every record or only the course's cohort (others contribute nothing but their attempts on
/// the course's assessments).
pub fn trainer_course_signals<'a>(
    course: &Course,
    learners: impl IntoIterator<Item = &'a LearnerRecord>,
    catalog: &Catalog,
    clock: &Clock,
) -> TrainerCourseSignals {
    let mut at_risk = Vec::new();
    let (mut pairs, mut heavy) = (0usize, 0usize);
    for record in learners {
        if let Some(enrollment) = record
            .enrollments
            .iter()
            .filter(|e| e.course_id == course.id && e.status == EnrollmentStatus::Active)
            .max_by_key(|e| (e.enrolled_at, e.id))
        {
            let risk = drop_off::score(
                course.id,
                drop_off::measure(record, catalog, clock, enrollment),
            );
            if risk.risk_level.is_high_or_critical() {
                at_risk.push(record.id());
            }
        }
        let mut by_assessment: BTreeMap<AssessmentId, Vec<&AssessmentAttempt>> = BTreeMap::new();
        for a in record
            .attempts
            .iter()
            .filter(|a| a.submitted_at <= clock.now)
        {
            let in_course = catalog
                .assessments
                .get(&a.assessment_id)
                .is_some_and(|x| catalog.course_of_assessment(x) == Some(course.id));
            if in_course {
                by_assessment.entry(a.assessment_id).or_default().push(a);
            }
        }
        for attempts in by_assessment.values_mut() {
            attempts.sort_by_key(|a| (a.attempt_no, a.submitted_at, a.id));
            let needed = attempts
                .iter()
                .position(|a| a.passed)
                .map(|i| i + 1)
                .unwrap_or(attempts.len());
            pairs += 1;
            heavy += usize::from(needed >= 3);
        }
    }
    at_risk.sort();
    at_risk.dedup();
    TrainerCourseSignals {
        course_id: course.id,
        course_title: course.title.clone(),
        at_risk_students: at_risk,
        retry_heavy_pairs_pct: (pairs > 0).then(|| heavy as f64 / pairs as f64 * 100.0),
        problem_modules: Vec::new(),
        effect_size_by_type: Vec::new(),
    }
}

/// AS-004.17 for a trainer (`trainer_improvement_strategies`), over the taught courses in
/// `signals` (only `course_filter` when given).
pub fn compute_trainer(
    trainer: UserId,
    course_filter: Option<CourseId>,
    catalog: &Catalog,
    clock: &Clock,
    signals: &TrainerSignals,
    platform: &PlatformStatistics,
    states: &[RecommendationState],
) -> Recommendations {
    let now = clock.now;
    let mut courses: Vec<&TrainerCourseSignals> = signals
        .courses
        .iter()
        .filter(|c| course_filter.is_none_or(|f| f == c.course_id))
        .collect();
    courses.sort_by_key(|c| c.course_id);
    let mut c: Vec<Candidate> = Vec::new();
    let mut devlab_insights = Vec::new();
    if let Some(view) = platform.practice.overall(Some(trainer)).shown() {
        devlab_insights.push(devlab_insight(view, ""));
    }

    for s in &courses {
        if s.at_risk_students.is_empty() {
            continue;
        }
        let ids: Vec<String> = s.at_risk_students.iter().map(|u| u.to_string()).collect();
        c.push(Candidate {
            rule: rule::TRAINER_AT_RISK,
            target: s.course_id.to_string(),
            category: Category::AtRiskStudents,
            action: format!(
                "Check in with the {} students at high drop-off risk in {}",
                ids.len(),
                s.course_title
            ),
            reason: format!("High or critical drop-off risk: {}.", ids.join(", ")),
            source: "AS-004.15",
            bucket: Bucket::Urgent,
        });
    }
    for s in &courses {
        if let Some(pct) = s.retry_heavy_pairs_pct.filter(|p| *p >= 30.0) {
            c.push(Candidate {
                rule: rule::TRAINER_RETRIES,
                target: s.course_id.to_string(),
                category: Category::AssessmentDifficulty,
                action: format!(
                    "Ease the assessment difficulty or add practice in {}",
                    s.course_title
                ),
                reason: format!(
                    "{}% of student-assessment pairs needed 3 or more attempts (threshold 30%).",
                    fmt_num(pct, 1)
                ),
                source: "AS-002.9",
                bucket: Bucket::ThisWeek,
            });
        }
    }
    for s in &courses {
        let mut upcoming: Vec<_> = catalog
            .assessments
            .values()
            .filter(|a| catalog.course_of_assessment(a) == Some(s.course_id))
            .filter(|a| !a.skill_ids.is_empty())
            .filter(|a| {
                a.due_at
                    .is_some_and(|d| d > now && d <= now + Duration::days(LIFETIME_DAYS))
            })
            .collect();
        upcoming.sort_by_key(|a| (a.due_at, a.id));
        for a in upcoming {
            let Some((view, specific)) = platform.practice.best(a.id, Some(trainer)) else {
                continue;
            };
            if view.with_practice_pass_rate <= view.without_practice_pass_rate {
                continue;
            }
            let label = assessment_label(catalog, a);
            let due = a
                .due_at
                .map(|d| clock.local_date(d).to_string())
                .unwrap_or_default();
            if specific {
                devlab_insights.push(devlab_insight(&view, &format!("On {label}")));
            }
            c.push(Candidate {
                rule: rule::TRAINER_DEVLAB,
                target: a.id.to_string(),
                category: Category::Practice,
                action: format!(
                    "Remind your students to practise in DevLab before {label} (due {due})"
                ),
                reason: format!(
                    "On {}, {}.",
                    if specific {
                        label.as_str()
                    } else {
                        "all assessments"
                    },
                    practice_sentence(&view)
                ),
                source: "AS-004.17",
                bucket: Bucket::ThisWeek,
            });
        }
    }
    for s in &courses {
        let mut modules: Vec<&ProblemModuleSignal> = s.problem_modules.iter().collect();
        modules.sort_by(|a, b| {
            b.drop_off_rate
                .total_cmp(&a.drop_off_rate)
                .then(a.module_id.cmp(&b.module_id))
        });
        for m in modules {
            c.push(Candidate {
                rule: rule::TRAINER_PROBLEM_MODULE,
                target: m.module_id.to_string(),
                category: Category::CourseDesign,
                action: format!(
                    "Split {} into smaller steps or add scaffolding",
                    m.module_name
                ),
                reason: format!(
                    "{}% of the students reaching {} in {} drop out there.",
                    fmt_num(m.drop_off_rate, 1),
                    m.module_name,
                    s.course_title
                ),
                source: "AS-002.8",
                bucket: Bucket::Ongoing,
            });
        }
    }
    for s in &courses {
        if let Some((best, worst)) = format_gap(&s.effect_size_by_type) {
            c.push(Candidate {
                rule: rule::TRAINER_FORMATS,
                target: s.course_id.to_string(),
                category: Category::ContentFormat,
                action: format!(
                    "Convert {} content in {} to {}",
                    worst.content_type.as_str(),
                    s.course_title,
                    best.content_type.as_str()
                ),
                reason: format!(
                    "{} content has an effect size of {}, against {} for {}.",
                    best.content_type.as_str(),
                    fmt_num(best.effect_size, 2),
                    fmt_num(worst.effect_size, 2),
                    worst.content_type.as_str()
                ),
                source: "AS-001.6",
                bucket: Bucket::Ongoing,
            });
        }
    }
    let mut themes: Vec<&ThemeSignal> = signals
        .negative_themes
        .iter()
        .filter(|t| t.mentions >= 5)
        .collect();
    themes.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.theme.cmp(&b.theme)));
    for t in themes {
        c.push(Candidate {
            rule: rule::TRAINER_THEME,
            target: t.theme.to_lowercase(),
            category: Category::Feedback,
            action: format!("Address the feedback theme \"{}\"", t.theme),
            reason: format!("Reviews mention \"{}\" {} times.", t.theme, t.mentions),
            source: "AS-002.10",
            bucket: Bucket::Ongoing,
        });
    }
    assemble(
        trainer.0,
        Role::Trainer,
        trainer.0,
        course_filter,
        clock,
        c,
        states,
        devlab_insights,
        Vec::new(),
        None,
        "Your courses need no attention right now.",
    )
}

// ---------------------------------------------------------------- org

/// A department or team of AS-003.13.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEngagementSignal {
    pub group_id: String,
    pub group_name: String,
    pub member_count: usize,
    pub engagement_score: f64,
}

/// A required skill's coverage of AS-003.12.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillCoverageSignal {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub coverage_pct: f64,
}

/// A course's completion among the organisation's employees.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseCompletionSignal {
    pub course_id: CourseId,
    pub title: String,
    pub enrollments: usize,
    pub completion_pct: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MissingSkill {
    pub skill_id: SkillId,
    pub skill_name: String,
    pub deadline: NaiveDate,
}

/// An employee missing required skills with a deadline within 60 days.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSkillNeed {
    pub user_id: UserId,
    pub missing: Vec<MissingSkill>,
    pub kpi_status: Option<KpiStatus>,
}

/// What the org rules read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgSignals {
    /// AS-003.13: the organisation's mean engagement and its groups.
    pub org_mean_engagement: Option<f64>,
    pub groups: Vec<GroupEngagementSignal>,
    /// AS-003.12 per required skill.
    pub skill_coverage: Vec<SkillCoverageSignal>,
    /// AS-003.14.
    pub voluntary_participation_pct: Option<f64>,
    pub knowledge_sharing_index: Option<f64>,
    /// KSI target (org setting, default 5).
    pub ksi_target: Option<f64>,
    /// Builder: [`org_course_completion`].
    pub courses: Vec<CourseCompletionSignal>,
    /// Builder: [`worker_skill_needs`].
    pub workers: Vec<WorkerSkillNeed>,
}

fn is_member(org: &OrgRecord, record: &LearnerRecord) -> bool {
    record.user.org_id == Some(org.org.id) || org.members.contains(&record.id())
}

/// Builder: completion of each course among the organisation's employees' enrollments.
pub fn org_course_completion<'a>(
    org: &OrgRecord,
    learners: impl IntoIterator<Item = &'a LearnerRecord>,
    catalog: &Catalog,
) -> Vec<CourseCompletionSignal> {
    let mut counts: BTreeMap<CourseId, (usize, usize)> = BTreeMap::new();
    for record in learners.into_iter().filter(|r| is_member(org, r)) {
        for e in &record.enrollments {
            let entry = counts.entry(e.course_id).or_default();
            entry.0 += 1;
            entry.1 += usize::from(e.status == EnrollmentStatus::Completed);
        }
    }
    counts
        .into_iter()
        .map(|(course_id, (n, done))| CourseCompletionSignal {
            course_id,
            title: course_title(catalog, course_id),
            enrollments: n,
            completion_pct: done as f64 / n as f64 * 100.0,
        })
        .collect()
}

/// Builder: employees missing a required skill (value propositions in force) with a deadline
/// within 60 days, with the worst status of the KPIs linking those skills.
pub fn worker_skill_needs<'a>(
    org: &OrgRecord,
    learners: impl IntoIterator<Item = &'a LearnerRecord>,
    catalog: &Catalog,
    clock: &Clock,
) -> Vec<WorkerSkillNeed> {
    let today = clock.today();
    let horizon = today + Duration::days(60);
    let props: Vec<_> = org
        .value_propositions
        .iter()
        .filter(|v| v.period_start <= today && v.period_end.is_none_or(|e| e >= today))
        .collect();
    let kpis: Vec<_> = org
        .kpis
        .iter()
        .filter(|k| k.period_start <= today && k.period_end >= today && k.target > 0.0)
        .collect();
    let mut out = Vec::new();
    for record in learners.into_iter().filter(|r| is_member(org, r)) {
        let department = record.user.department_id;
        let mut missing: BTreeMap<SkillId, MissingSkill> = BTreeMap::new();
        for v in &props {
            let applies = v
                .applies_to
                .as_ref()
                .is_none_or(|a| department.is_some_and(|d| a.department_ids.contains(&d)));
            if !applies {
                continue;
            }
            for req in &v.skills {
                let Some(deadline) = req.deadline.filter(|d| *d <= horizon) else {
                    continue;
                };
                let current = record
                    .user_skills
                    .iter()
                    .find(|s| s.skill_id == req.skill_id)
                    .map(|s| s.current_level)
                    .unwrap_or(SkillLevel::MISSING);
                if current >= req.required_level {
                    continue;
                }
                let name = catalog
                    .skills
                    .get(&req.skill_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| req.skill_id.to_string());
                let entry = missing.entry(req.skill_id).or_insert(MissingSkill {
                    skill_id: req.skill_id,
                    skill_name: name,
                    deadline,
                });
                entry.deadline = entry.deadline.min(deadline);
            }
        }
        if missing.is_empty() {
            continue;
        }
        let kpi_status = kpis
            .iter()
            .filter(|k| k.department_id.is_none() || k.department_id == department)
            .filter(|k| k.linked_skill_ids.iter().any(|s| missing.contains_key(s)))
            .map(|k| KpiStatus::from_achievement_pct(k.achieved / k.target * 100.0))
            .min();
        let mut missing: Vec<MissingSkill> = missing.into_values().collect();
        missing.sort_by(|a, b| {
            a.deadline
                .cmp(&b.deadline)
                .then(a.skill_name.cmp(&b.skill_name))
        });
        out.push(WorkerSkillNeed {
            user_id: record.id(),
            missing,
            kpi_status,
        });
    }
    out
}

/// AS-004.17 for an organisation (`org_strategic_recommendations`), seen by the org admin
/// `viewer` (whose item states these are).
pub fn compute_org(
    org: &OrgRecord,
    viewer: UserId,
    clock: &Clock,
    signals: &OrgSignals,
    platform: &PlatformStatistics,
    states: &[RecommendationState],
) -> Recommendations {
    let today = clock.today();
    let mut c: Vec<Candidate> = Vec::new();
    if let Some(mean) = signals.org_mean_engagement.filter(|m| m.is_finite()) {
        let mut groups: Vec<&GroupEngagementSignal> = signals
            .groups
            .iter()
            // Groups below K are not judged (their score is not shown either).
            .filter(|g| !Guarded::new(g.member_count, || ()).is_suppressed())
            .filter(|g| g.engagement_score < mean - 15.0)
            .collect();
        groups.sort_by(|a, b| {
            a.engagement_score
                .total_cmp(&b.engagement_score)
                .then(a.group_id.cmp(&b.group_id))
        });
        for g in groups {
            c.push(Candidate {
                rule: rule::ORG_GROUP_ENGAGEMENT,
                target: g.group_id.clone(),
                category: Category::Engagement,
                action: format!("Investigate the low engagement in {}", g.group_name),
                reason: format!(
                    "Engagement in {} is {}, more than 15 points below the organisation mean of {}.",
                    g.group_name,
                    fmt_num(g.engagement_score, 1),
                    fmt_num(mean, 1)
                ),
                source: "AS-003.13",
                bucket: Bucket::Urgent,
            });
        }
    }
    let mut skills: Vec<&SkillCoverageSignal> = signals
        .skill_coverage
        .iter()
        .filter(|s| s.coverage_pct < 50.0)
        .collect();
    skills.sort_by(|a, b| {
        a.coverage_pct
            .total_cmp(&b.coverage_pct)
            .then(a.skill_id.cmp(&b.skill_id))
    });
    for s in skills.into_iter().take(5) {
        c.push(Candidate {
            rule: rule::ORG_SKILL_COVERAGE,
            target: s.skill_id.to_string(),
            category: Category::SkillCoverage,
            action: format!("Prioritise training for {}", s.skill_name),
            reason: format!(
                "Only {}% of the employees in scope reach the required level of {}.",
                fmt_num(s.coverage_pct, 1),
                s.skill_name
            ),
            source: "AS-003.12",
            bucket: Bucket::ThisWeek,
        });
    }
    if let Some(v) = signals.voluntary_participation_pct.filter(|v| *v < 70.0) {
        c.push(Candidate {
            rule: rule::ORG_VOLUNTARY,
            target: "org".to_owned(),
            category: Category::LearningCulture,
            action: "Introduce incentives for voluntary learning".to_owned(),
            reason: format!(
                "{}% of enrollments are voluntary (below 70%).",
                fmt_num(v, 1)
            ),
            source: "AS-003.14",
            bucket: Bucket::Ongoing,
        });
    }
    let ksi_target = signals
        .ksi_target
        .or(org.org.settings.ksi_target)
        .filter(|t| t.is_finite())
        .unwrap_or(5.0);
    if let Some(ksi) = signals.knowledge_sharing_index.filter(|k| *k >= ksi_target) {
        c.push(Candidate {
            rule: rule::ORG_KSI,
            target: "org".to_owned(),
            category: Category::Recognition,
            action: "Recognise the employees who share knowledge".to_owned(),
            reason: format!(
                "The knowledge-sharing index is {}, at or above the target of {}.",
                fmt_num(ksi, 1),
                fmt_num(ksi_target, 1)
            ),
            source: "AS-003.14",
            bucket: Bucket::Ongoing,
        });
    }
    let mut courses: Vec<&CourseCompletionSignal> = signals
        .courses
        .iter()
        .filter(|s| s.enrollments >= K && s.completion_pct < 50.0)
        .collect();
    courses.sort_by(|a, b| {
        a.completion_pct
            .total_cmp(&b.completion_pct)
            .then(a.course_id.cmp(&b.course_id))
    });
    for s in courses {
        c.push(Candidate {
            rule: rule::ORG_COURSE_COMPLETION,
            target: s.course_id.to_string(),
            category: Category::CourseQuality,
            action: format!("Review the course {}", s.title),
            reason: format!(
                "Only {}% of the {} employee enrollments in {} are completed (below 50%).",
                fmt_num(s.completion_pct, 1),
                s.enrollments,
                s.title
            ),
            source: "AS-003.14",
            bucket: Bucket::Ongoing,
        });
    }
    // Sorted by earliest deadline, then pseudonym.
    let mut workers: Vec<(NaiveDate, WorkerKpi)> = signals
        .workers
        .iter()
        .filter(|w| !w.missing.is_empty())
        .map(|w| {
            let deadline = w.missing.iter().map(|m| m.deadline).min().unwrap_or(today);
            let names: Vec<String> = w.missing.iter().map(|m| m.skill_name.clone()).collect();
            let action = if deadline < today {
                format!(
                    "Complete training in {} (deadline passed on {deadline})",
                    names.join(", ")
                )
            } else {
                format!(
                    "Complete training in {} before {deadline}",
                    names.join(", ")
                )
            };
            let kpi = WorkerKpi {
                worker_id: worker_pseudonym(org.org.id, w.user_id),
                name: None,
                missing_skills: names,
                kpi_status: w.kpi_status,
                action,
            };
            (deadline, kpi)
        })
        .collect();
    workers.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.worker_id.cmp(&b.1.worker_id)));
    let workers: Vec<WorkerKpi> = workers.into_iter().map(|(_, w)| w).collect();
    let mut devlab_insights = Vec::new();
    if let Some(view) = platform.practice.overall(None).shown() {
        devlab_insights.push(devlab_insight(view, ""));
    }
    assemble(
        viewer.0,
        Role::OrgAdmin,
        org.org.id.0,
        None,
        clock,
        c,
        states,
        devlab_insights,
        Vec::new(),
        Some(workers),
        "Nothing in your organisation needs attention right now.",
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::model::{
        AppliesTo, BusinessPriority, Kpi, OrgSettings, Organization, RequiredSkill, SkillTarget,
        TargetSource, UpstreamRecommendation, UserSkill, ValueProposition,
    };
    use proptest::prelude::*;

    const C: u128 = 100;
    const JS: u128 = 800;

    fn cat() -> Catalog {
        let mut quiz = assessment(200, C, AssessmentKind::Quiz, &[JS]);
        quiz.due_at = Some(now() + Duration::days(5));
        let mut exam = assessment(201, C, AssessmentKind::Exam, &[JS]);
        exam.due_at = None;
        let mut pre = assessment(202, C, AssessmentKind::Pre, &[JS]);
        pre.due_at = None;
        catalog(
            vec![skill(JS, "JavaScript"), skill(801, "Docker")],
            vec![course(C, "Rust Basics"), course(101, "Go")],
            vec![],
            vec![quiz, exam, pre],
            vec![],
            vec![],
        )
    }

    fn learner() -> LearnerRecord {
        let mut r = record(1);
        r.enrollments = vec![enrollment(1, 1, C, 40.0, EnrollmentStatus::Active, 30.0)];
        r
    }

    fn all_signals() -> LearnerSignals {
        LearnerSignals {
            drop_off: vec![
                CourseRiskSignal {
                    course_id: CourseId(u(101)),
                    risk_score: 40,
                    risk_level: RiskLevel::Medium,
                },
                CourseRiskSignal {
                    course_id: CourseId(u(C)),
                    risk_score: 69,
                    risk_level: RiskLevel::High,
                },
            ],
            forecast: Some(ForecastSignal {
                target_id: "path-1".into(),
                name: "Backend Path".into(),
                completion_probability: 59,
                weekly_study_hours: 4.0,
            }),
            top_critical_gap: Some(SkillGapSignal {
                skill_id: SkillId(u(JS)),
                skill_name: "JavaScript".into(),
                current_level: SkillLevel::BEGINNER,
                target_level: SkillLevel::ADVANCED,
                priority_score: 80,
            }),
            needs_review: vec![ReviewSignal {
                skill_id: SkillId(u(801)),
                skill_name: "Docker".into(),
                retention_score: 60,
            }],
            velocity: Some(VelocitySignal {
                status: PaceStatus::Behind,
                current_pace: 1.0,
                target_pace: Some(2.0),
            }),
            engagement_time: Some(TimeSignal {
                time_score: 49.9,
                hours_last_7_days: 2.0,
                recommended_hours_per_week: 5.0,
            }),
            content_types: Some(ContentTypeSignal {
                best_type: Some(ContentType::Video),
                preferred_type: Some(ContentType::Article),
            }),
        }
    }

    fn actions(items: &[RecommendationItem]) -> Vec<&str> {
        items.iter().map(|i| i.action.as_str()).collect()
    }

    #[test]
    fn every_learner_rule_fires_in_its_bucket() {
        let out = compute(
            &learner(),
            &cat(),
            &clock(),
            &all_signals(),
            &PlatformStatistics::default(),
            &[],
        );
        let r = &out.recommendations;
        // Only the high course (69) is urgent; the forecast at 59 < 60 is too.
        assert_eq!(
            actions(&r.urgent),
            vec![
                "Plan a study session for Rust Basics today",
                "Raise your weekly study time for Backend Path above 4 h"
            ]
        );
        // Gap, review, then the pending quiz (due in 5 days: practise on day 3) and exam (no
        // due date); the pre-assessment is not a practice item.
        assert_eq!(
            actions(&r.this_week),
            vec![
                "Focus on JavaScript this week",
                "Review Docker",
                "Practise JavaScript in DevLab on 2026-06-18, two days before the quiz of Rust Basics is due",
                "Practise JavaScript in DevLab in the two days before you take the exam of Rust Basics",
            ]
        );
        // Missing hours 5 - 2 = 3.
        assert_eq!(
            actions(&r.ongoing),
            vec![
                "Raise your pace to 2 topics per week",
                "Add 3 h of study per week to reach 5 h",
                "Use more video content"
            ]
        );
        assert!(
            r.urgent
                .iter()
                .chain(&r.this_week)
                .chain(&r.ongoing)
                .all(|i| i.status == ItemStatus::New && i.created_at == now())
        );
        assert_eq!(r.urgent[0].source, "AS-004.15");
        assert_eq!(
            out.ai_summary,
            "Urgent: Plan a study session for Rust Basics today. This week: Focus on JavaScript this week."
        );
        assert_eq!(out.follow_through_rate, None, "nothing finished yet");
        assert_eq!(out.states.len(), 9);
        assert!(r.worker_kpis.is_none());
        let json = serde_json::to_value(&out).unwrap();
        assert!(json["recommendations"]["workerKPIs"].is_null());
        assert_eq!(json["recommendations"]["thisWeek"][0]["bucket"], "thisWeek");
        assert_eq!(json["recommendations"]["urgent"][0]["status"], "new");
        assert!(json.get("states").is_none());
        assert!(json["recommendations"]["urgent"][0].get("ruleId").is_none());
    }

    #[test]
    fn thresholds_are_strict_where_the_spec_says_so() {
        let mut s = all_signals();
        s.forecast.as_mut().unwrap().completion_probability = 60;
        s.engagement_time.as_mut().unwrap().time_score = 50.0;
        s.velocity.as_mut().unwrap().status = PaceStatus::OnTrack;
        s.content_types.as_mut().unwrap().preferred_type = Some(ContentType::Video);
        s.drop_off[1].risk_level = RiskLevel::Medium;
        let out = compute(
            &learner(),
            &cat(),
            &clock(),
            &s,
            &PlatformStatistics::default(),
            &[],
        );
        assert!(out.recommendations.urgent.is_empty());
        assert!(out.recommendations.ongoing.is_empty());
        assert_eq!(out.ai_summary, "This week: Focus on JavaScript this week.");
        // An empty learner gets nothing and the fixed sentence.
        let out = compute(
            &record(2),
            &cat(),
            &clock(),
            &LearnerSignals::default(),
            &PlatformStatistics::default(),
            &[],
        );
        assert!(out.recommendations.this_week.is_empty());
        assert_eq!(
            out.ai_summary,
            "Nothing needs your attention right now: keep up your routine."
        );
    }

    fn state(
        rule: &str,
        target: String,
        status: StoredStatus,
        created_days_ago: f64,
    ) -> RecommendationState {
        RecommendationState {
            recommendation_id: recommendation_id(u(1), Role::Learner, rule, &target),
            rule_id: rule.to_owned(),
            target_id: target,
            status,
            created_at: ago(created_days_ago),
            updated_at: ago(created_days_ago),
        }
    }

    #[test]
    fn user_decisions_survive_regeneration_and_items_expire() {
        let course = CourseId(u(C)).to_string();
        let skill = SkillId(u(JS)).to_string();
        let docker = SkillId(u(801)).to_string();
        let states = vec![
            // Saved 3 days ago: shown as saved with its createdAt.
            state(
                rule::LEARNER_DROP_OFF,
                course.clone(),
                StoredStatus::Saved,
                3.0,
            ),
            // Dismissed: never shown again.
            state(
                rule::LEARNER_CRITICAL_GAP,
                skill.clone(),
                StoredStatus::Dismissed,
                20.0,
            ),
            // New, created exactly 14 days ago: expires now, and as the trigger still fires a
            // new cycle starts.
            state(
                rule::LEARNER_REVIEW,
                docker.clone(),
                StoredStatus::New,
                14.0,
            ),
            // Completed 2 days ago: shown as completed, not actionable.
            state(
                rule::LEARNER_PACE,
                "pace".into(),
                StoredStatus::Completed,
                2.0,
            ),
            // A rule that no longer fires: kept, not shown; new at 13.9 days: not expired.
            state(
                rule::LEARNER_TIME,
                "elsewhere".into(),
                StoredStatus::New,
                13.9,
            ),
        ];
        let out = compute(
            &learner(),
            &cat(),
            &clock(),
            &all_signals(),
            &PlatformStatistics::default(),
            &states,
        );
        let r = &out.recommendations;
        assert_eq!(r.urgent[0].status, ItemStatus::Saved);
        assert_eq!(r.urgent[0].created_at, ago(3.0));
        assert_eq!(r.urgent[0].recommendation_id, states[0].recommendation_id);
        assert!(
            r.this_week
                .iter()
                .all(|i| i.rule_id != rule::LEARNER_CRITICAL_GAP)
        );
        let review = r
            .this_week
            .iter()
            .find(|i| i.rule_id == rule::LEARNER_REVIEW)
            .unwrap();
        assert_eq!((review.status, review.created_at), (ItemStatus::New, now()));
        assert_eq!(r.ongoing[0].status, ItemStatus::Completed);
        // Follow-through before renewal: completed 1, dismissed 1, expired 1 -> 1/3 = 0.33.
        assert_eq!(out.follow_through_rate, Some(0.33));
        // aiSummary skips nothing here: the urgent item is saved (actionable); the first
        // actionable thisWeek item is the review (the gap was dismissed).
        assert_eq!(
            out.ai_summary,
            "Urgent: Plan a study session for Rust Basics today. This week: Review Docker."
        );
        let kept = out
            .states
            .iter()
            .find(|s| s.rule_id == rule::LEARNER_TIME && s.target_id == "elsewhere")
            .unwrap();
        assert_eq!(kept.status, StoredStatus::New);
        let renewed = out
            .states
            .iter()
            .find(|s| s.rule_id == rule::LEARNER_REVIEW)
            .unwrap();
        assert_eq!(
            (renewed.status, renewed.created_at),
            (StoredStatus::New, now())
        );
        // Keys stay unique.
        let keys: BTreeSet<_> = out
            .states
            .iter()
            .map(|s| (&s.rule_id, &s.target_id))
            .collect();
        assert_eq!(keys.len(), out.states.len());
        // Regenerating from the written-back states is stable.
        let again = compute(
            &learner(),
            &cat(),
            &clock(),
            &all_signals(),
            &PlatformStatistics::default(),
            &out.states,
        );
        assert_eq!(again.recommendations, out.recommendations);
    }

    #[test]
    fn upstream_lai_suggestions_merge_as_ongoing_items() {
        let mut r = learner();
        let rec = |id: u128, kind, target: String, expires: Option<f64>| UpstreamRecommendation {
            id: RecommendationId(u(id)),
            user_id: UserId(u(1)),
            kind,
            target_id: target,
            reason: format!("reason {id}"),
            created_at: ago(1.0),
            expires_at: expires.map(ago),
        };
        r.recommendations = vec![
            rec(1, RecommendationKind::Skill, u(JS).to_string(), None),
            rec(2, RecommendationKind::Path, "ext-path-7".into(), Some(-3.0)),
            rec(3, RecommendationKind::Content, "c".into(), Some(0.5)),
        ];
        let out = compute(
            &r,
            &cat(),
            &clock(),
            &LearnerSignals::default(),
            &PlatformStatistics::default(),
            &[],
        );
        let ongoing = &out.recommendations.ongoing;
        assert_eq!(
            actions(ongoing),
            vec![
                "Prioritise the skill JavaScript",
                "Explore the learning path ext-path-7"
            ]
        );
        assert!(
            ongoing
                .iter()
                .all(|i| i.source == "LAI" && i.bucket == Bucket::Ongoing)
        );
        assert_eq!(ongoing[0].reason, "reason 1");
        assert_eq!(ongoing[0].category, Category::Skill);
    }

    /// 20 learners with a first attempt on the quiz: 10 practised JavaScript in the 48 h
    /// before (8 pass), 10 did not (3 pass).
    fn cohort() -> Vec<LearnerRecord> {
        (10..30)
            .map(|n| {
                let mut r = record(n);
                let practised = n < 20;
                let passed = if practised { n < 18 } else { n < 23 };
                let a = attempt(n, n, 200, 1, 10.0, if passed { 80.0 } else { 40.0 }, passed);
                if practised {
                    // Exactly 48 h before the attempt starts still counts.
                    r.practice = vec![practice(n, n, &[JS], a.started_at - Duration::hours(48))];
                } else {
                    // 48 h and one second before does not.
                    r.practice = vec![practice(
                        n,
                        n,
                        &[JS],
                        a.started_at - Duration::hours(48) - Duration::seconds(1),
                    )];
                }
                r.attempts = vec![a, attempt(n, 100 + n, 200, 2, 9.0, 90.0, true)];
                r
            })
            .collect()
    }

    #[test]
    fn the_practice_statistic_needs_k_learners_on_each_side() {
        let stats = platform_statistics(&cohort(), &cat(), &clock());
        let view = *stats.practice.overall(None).shown().unwrap();
        // 8 / 10 = 80%, 3 / 10 = 30%, 20 first attempts.
        assert_eq!(view.with_practice_pass_rate, 80.0);
        assert_eq!(view.without_practice_pass_rate, 30.0);
        assert_eq!(view.sample_size, 20);
        assert!(
            stats
                .practice
                .for_assessment(AssessmentId(u(200)), None)
                .shown()
                .is_some()
        );
        // Excluding a practised learner leaves 9 on that side: suppressed.
        assert!(stats.practice.overall(Some(UserId(u(10)))).is_suppressed());
        // A learner outside the statistic sees it on the pending quiz, with the insight.
        let out = compute(
            &learner(),
            &cat(),
            &clock(),
            &LearnerSignals::default(),
            &stats,
            &[],
        );
        let quiz = &out.recommendations.this_week[0];
        assert!(
            quiz.reason.contains(
                "passed 80% of the time, against 30% without practice (20 first attempts)"
            ),
            "{}",
            quiz.reason
        );
        assert_eq!(out.recommendations.devlab_insights.len(), 2);
        assert_eq!(
            out.recommendations.devlab_insights[0].with_practice_pass_rate,
            80.0
        );
        assert!(
            out.recommendations.devlab_insights[1]
                .insight
                .starts_with("On the quiz of Rust Basics: learners")
        );
        // Practice on JavaScript 3 days ago removes the practice items.
        let mut r = learner();
        r.practice = vec![practice(1, 1, &[JS], ago(3.0))];
        let out = compute(
            &r,
            &cat(),
            &clock(),
            &LearnerSignals::default(),
            &stats,
            &[],
        );
        assert!(out.recommendations.this_week.is_empty());
    }

    #[test]
    fn peer_insights_share_above_the_median() {
        // Learners 1..=12 each have a session 5 days ago of 30n minutes (clipped to 240):
        // weekly hours min(30n, 240) / 60 / 4 = n/8 up to 1. Learners 3..=12 acquired
        // JavaScript 30 days ago; in the 28 days before they had one session of 20n minutes
        // (40 days ago): n/3 h / 4 = n/12 h per week.
        let records: Vec<LearnerRecord> = (1..=12)
            .map(|n| {
                let mut r = record(n);
                r.sessions = vec![session(n, n, 5.0, Some(30 * n as i64))];
                if n >= 3 {
                    r.sessions
                        .insert(0, session(n, 100 + n, 40.0, Some(20 * n as i64)));
                    r.user_skills = vec![UserSkill {
                        user_id: UserId(u(n)),
                        skill_id: SkillId(u(JS)),
                        current_level: SkillLevel::ADVANCED,
                        acquired: true,
                        acquired_at: Some(ago(30.0)),
                        acquired_via: None,
                        updated_at: ago(30.0),
                    }];
                }
                r
            })
            .collect();
        let stats = platform_statistics(&records, &cat(), &clock());
        assert_eq!(stats.peers.weekly_hours.len(), 12);
        let view = stats.peers.skill_view(SkillId(u(JS)), UserId(u(1)));
        let v = view.shown().unwrap();
        // Others (subject 1 excluded): 0.25, 0.375, ..., 0.875, 1 x 5 -> median (6th of 11)
        // 0.875. Acquirers above it: n/12 > 0.875 for n = 11, 12 -> 2 of 10 = 20%.
        assert_eq!(v.median_weekly_hours, 0.875);
        assert_eq!(v.sample_size, 10);
        assert_eq!(v.share_above_median_pct, 20.0);
        // Subject 3 is an acquirer: excluded, 9 left -> suppressed.
        assert!(
            stats
                .peers
                .skill_view(SkillId(u(JS)), UserId(u(3)))
                .is_suppressed()
        );
        // The learner with an open JavaScript target sees the insight.
        let mut r = record(1);
        r.skill_targets = vec![SkillTarget {
            user_id: UserId(u(1)),
            skill_id: SkillId(u(JS)),
            target_level: SkillLevel::ADVANCED,
            source: TargetSource::Personal,
            business_priority: BusinessPriority::High,
            business_justification: None,
            deadline: None,
        }];
        let out = compute(
            &r,
            &cat(),
            &clock(),
            &LearnerSignals::default(),
            &stats,
            &[],
        );
        assert_eq!(out.recommendations.peer_insights.len(), 1);
        assert_eq!(out.recommendations.peer_insights[0].sample_size, 10);
        assert_eq!(
            out.recommendations.peer_insights[0].insight,
            "20% of the 10 learners who acquired JavaScript in the last 90 days studied more than the typical 0.9 h per week in the 4 weeks before."
        );
    }

    #[test]
    fn quantile_without_one_element() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_without(&v, None, 0.5), Some(2.5));
        assert_eq!(quantile_without(&v, Some(0), 0.5), Some(3.0));
        assert_eq!(quantile_without(&v, Some(3), 0.5), Some(2.0));
        assert_eq!(quantile_without(&[5.0], Some(0), 0.5), None);
    }

    fn type_effect(content_type: ContentType, effect_size: f64) -> TypeEffectSignal {
        TypeEffectSignal {
            content_type,
            effect_size,
        }
    }

    #[test]
    fn convert_formats_fires_from_a_gap_of_exactly_0_3() {
        use ContentType::{Article, Podcast, Quiz, Video};
        // 0.70 - 0.40 is 0.29999999999999993 in f64: still exactly 0.3 at 2 dp -> fires,
        // with video the best and article the worst.
        let effects = [type_effect(Article, 0.4), type_effect(Video, 0.7)];
        let (best, worst) = format_gap(&effects).expect("a gap of 0.3 fires");
        assert_eq!((best.content_type, worst.content_type), (Video, Article));
        // 0.29 does not; the middle type of three does not matter.
        let effects = [
            type_effect(Article, 0.41),
            type_effect(Quiz, 0.5),
            type_effect(Video, 0.7),
        ];
        assert_eq!(format_gap(&effects), None);
        // A negative worst type: 0.1 - (-0.2) = 0.3 fires.
        let effects = [type_effect(Podcast, -0.2), type_effect(Quiz, 0.1)];
        let (best, worst) = format_gap(&effects).expect("fires");
        assert_eq!((best.content_type, worst.content_type), (Quiz, Podcast));
        // A single type never fires, whatever its size; nor does nothing, nor a NaN.
        assert_eq!(format_gap(&[type_effect(Video, 3.0)]), None);
        assert_eq!(format_gap(&[]), None);
        assert_eq!(
            format_gap(&[type_effect(Video, 3.0), type_effect(Article, f64::NAN)]),
            None
        );
    }

    #[test]
    fn trainer_rules() {
        let cat = cat();
        // Retries: 10 learners on the quiz; 3 needed 3+ attempts (two failed then passed, one
        // failed three times) -> 3 / 10 = 30% -> fires (>= 30).
        let learners: Vec<LearnerRecord> = (10..20)
            .map(|n| {
                let mut r = record(n);
                r.enrollments = vec![enrollment(
                    n,
                    n,
                    C,
                    40.0,
                    EnrollmentStatus::Active,
                    if n == 10 { 5.0 } else { 90.0 },
                )];
                // Learner 10 never logged in and has 5% progress: at risk.
                if n != 10 {
                    r.sessions = (0..10)
                        .map(|i| session(n, i, 1.0 + i as f64, Some(40)))
                        .collect();
                }
                r.help_requests = (0..6).map(|i| help(n, 1.0 + i as f64, None)).collect();
                let outcomes: Vec<bool> = match n {
                    10 | 11 => vec![false, false, true],
                    12 => vec![false, false, false],
                    _ => vec![true],
                };
                r.attempts = outcomes
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        attempt(
                            n,
                            100 * n + i as u128,
                            200,
                            1 + i as i32,
                            10.0 - i as f64,
                            if *p { 90.0 } else { 40.0 },
                            *p,
                        )
                    })
                    .collect();
                r
            })
            .collect();
        let mut course_signals =
            trainer_course_signals(&course(C, "Rust Basics"), &learners, &cat, &clock());
        assert_eq!(course_signals.retry_heavy_pairs_pct, Some(30.0));
        // Learner 10: d never 15 + f 0 15 + m none 10 = 40; scores 40, 40, 90: s = 56.7 -> 10,
        // fewer than 4 attempts 5; nothing started 4, 6 help requests 0; p 5 -> 10: 69, high.
        // The others: d 1 -> 0, f 10 -> 0, m 40 -> 0, s 90 -> 0, c 5, r 4, h 0, p 90 -> 0 = 9.
        assert_eq!(course_signals.at_risk_students, vec![UserId(u(10))]);
        course_signals.problem_modules = vec![ProblemModuleSignal {
            module_id: ModuleId(u(400)),
            module_name: "Module 1".into(),
            drop_off_rate: 35.0,
        }];
        course_signals.effect_size_by_type = vec![
            TypeEffectSignal {
                content_type: ContentType::Video,
                effect_size: 0.5,
            },
            TypeEffectSignal {
                content_type: ContentType::Article,
                effect_size: 0.125,
            },
        ];
        let signals = TrainerSignals {
            courses: vec![course_signals],
            negative_themes: vec![
                ThemeSignal {
                    theme: "Confusing".into(),
                    mentions: 5,
                },
                ThemeSignal {
                    theme: "slow".into(),
                    mentions: 4,
                },
            ],
        };
        let stats = platform_statistics(&cohort(), &cat, &clock());
        let trainer = UserId(u(7000));
        let out = compute_trainer(
            trainer,
            Some(CourseId(u(C))),
            &cat,
            &clock(),
            &signals,
            &stats,
            &[],
        );
        let r = &out.recommendations;
        assert_eq!(
            actions(&r.urgent),
            vec!["Check in with the 1 students at high drop-off risk in Rust Basics"]
        );
        assert!(r.urgent[0].reason.contains(&UserId(u(10)).to_string()));
        assert_eq!(
            actions(&r.this_week),
            vec![
                "Ease the assessment difficulty or add practice in Rust Basics",
                "Remind your students to practise in DevLab before the quiz of Rust Basics (due 2026-06-20)",
            ]
        );
        // Effect sizes 0.5 vs 0.125 differ by 0.375 >= 0.3; "slow" has only 4 mentions.
        assert_eq!(
            actions(&r.ongoing),
            vec![
                "Split Module 1 into smaller steps or add scaffolding",
                "Convert article content in Rust Basics to video",
                "Address the feedback theme \"Confusing\"",
            ]
        );
        assert_eq!(out.course_id, Some(CourseId(u(C))));
        assert_eq!(out.subject_id, u(7000));
        assert!(r.peer_insights.is_empty());
        assert_eq!(r.devlab_insights.len(), 2);
        // Another course filtered out: only the trainer-level theme remains.
        let out = compute_trainer(
            trainer,
            Some(CourseId(u(101))),
            &cat,
            &clock(),
            &signals,
            &stats,
            &[],
        );
        assert_eq!(out.recommendations.ongoing.len(), 1);
    }

    fn org() -> OrgRecord {
        let today = clock().today();
        OrgRecord {
            org: Organization {
                id: OrgId(u(9000)),
                external_id: None,
                name: "Acme".into(),
                timezone: None,
                settings: OrgSettings::default(),
            },
            departments: vec![],
            teams: vec![],
            kpis: vec![Kpi {
                id: KpiId(u(1)),
                org_id: OrgId(u(9000)),
                department_id: None,
                name: "Delivery".into(),
                target: 100.0,
                achieved: 60.0,
                weight: 1.0,
                linked_skill_ids: vec![SkillId(u(JS))],
                period_start: today - Duration::days(30),
                period_end: today + Duration::days(60),
            }],
            value_propositions: vec![ValueProposition {
                id: ValuePropId(u(1)),
                org_id: OrgId(u(9000)),
                period_start: today - Duration::days(100),
                period_end: None,
                skills: vec![
                    RequiredSkill {
                        skill_id: SkillId(u(JS)),
                        required_level: SkillLevel::INTERMEDIATE,
                        business_priority: BusinessPriority::High,
                        justification: None,
                        deadline: Some(today + Duration::days(60)),
                    },
                    RequiredSkill {
                        skill_id: SkillId(u(801)),
                        required_level: SkillLevel::BEGINNER,
                        business_priority: BusinessPriority::Low,
                        justification: None,
                        deadline: Some(today + Duration::days(61)),
                    },
                ],
                applies_to: Some(AppliesTo {
                    department_ids: vec![],
                }),
            }],
            members: vec![],
        }
    }

    #[test]
    fn org_rules_and_anonymous_worker_kpis() {
        let mut o = org();
        let mut learners: Vec<LearnerRecord> = (1..=12).map(record).collect();
        // appliesTo with no departments applies to nobody; remove it to apply to everyone.
        assert!(worker_skill_needs(&o, &learners, &cat(), &clock()).is_empty());
        o.value_propositions[0].applies_to = None;
        // Learner 2 already has JavaScript at Intermediate.
        learners[1].user_skills = vec![UserSkill {
            user_id: UserId(u(2)),
            skill_id: SkillId(u(JS)),
            current_level: SkillLevel::INTERMEDIATE,
            acquired: true,
            acquired_at: None,
            acquired_via: None,
            updated_at: ago(1.0),
        }];
        // 10 enrollments in C, 4 completed -> 40%; 9 in course 101 (not judged, below K).
        for (i, r) in learners.iter_mut().enumerate().take(10) {
            let status = if i < 4 {
                EnrollmentStatus::Completed
            } else {
                EnrollmentStatus::Active
            };
            r.enrollments.push(enrollment(
                r.id().0.as_u128(),
                50 + i as u128,
                C,
                30.0,
                status,
                50.0,
            ));
            if i < 9 {
                r.enrollments.push(enrollment(
                    r.id().0.as_u128(),
                    80 + i as u128,
                    101,
                    30.0,
                    EnrollmentStatus::Active,
                    0.0,
                ));
            }
        }
        let needs = worker_skill_needs(&o, &learners, &cat(), &clock());
        // JavaScript deadline in exactly 60 days counts, Docker at 61 does not; learner 2 is
        // not missing it. KPI 60% -> at_risk.
        assert_eq!(needs.len(), 11);
        assert!(
            needs
                .iter()
                .all(|n| n.missing.len() == 1 && n.kpi_status == Some(KpiStatus::AtRisk))
        );
        let signals = OrgSignals {
            org_mean_engagement: Some(70.0),
            groups: vec![
                GroupEngagementSignal {
                    group_id: "d1".into(),
                    group_name: "Sales".into(),
                    member_count: 12,
                    engagement_score: 54.9,
                },
                GroupEngagementSignal {
                    group_id: "d2".into(),
                    group_name: "Ops".into(),
                    member_count: 12,
                    engagement_score: 55.0,
                },
                GroupEngagementSignal {
                    group_id: "d3".into(),
                    group_name: "Tiny".into(),
                    member_count: 9,
                    engagement_score: 10.0,
                },
            ],
            skill_coverage: vec![SkillCoverageSignal {
                skill_id: SkillId(u(JS)),
                skill_name: "JavaScript".into(),
                coverage_pct: 49.9,
            }],
            voluntary_participation_pct: Some(69.9),
            knowledge_sharing_index: Some(5.0),
            ksi_target: None,
            courses: org_course_completion(&o, &learners, &cat()),
            workers: needs,
        };
        let viewer = UserId(u(9999));
        let out = compute_org(
            &o,
            viewer,
            &clock(),
            &signals,
            &PlatformStatistics::default(),
            &[],
        );
        let r = &out.recommendations;
        // 54.9 < 70 - 15 = 55 fires; 55.0 does not; the 9-member group is not judged.
        assert_eq!(
            actions(&r.urgent),
            vec!["Investigate the low engagement in Sales"]
        );
        assert_eq!(
            actions(&r.this_week),
            vec!["Prioritise training for JavaScript"]
        );
        assert_eq!(
            actions(&r.ongoing),
            vec![
                "Introduce incentives for voluntary learning",
                "Recognise the employees who share knowledge",
                "Review the course Rust Basics",
            ]
        );
        let workers = r.worker_kpis.as_ref().unwrap();
        assert_eq!(workers.len(), 11);
        let deadline = clock().today() + Duration::days(60);
        assert_eq!(
            workers[0].action,
            format!("Complete training in JavaScript before {deadline}")
        );
        assert!(workers.iter().all(|w| w.name.is_none()));
        let ids: BTreeSet<Uuid> = workers.iter().map(|w| w.worker_id).collect();
        assert_eq!(ids.len(), 11);
        assert!(
            learners.iter().all(|l| !ids.contains(&l.id().0)),
            "pseudonyms, not user ids"
        );
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(
            json["recommendations"]["workerKPIs"][0]["kpiStatus"],
            "at_risk"
        );
        assert!(json["recommendations"]["workerKPIs"][0]["name"].is_null());
        assert_eq!(out.subject_id, u(9000));
        // Ids are per viewer.
        assert_eq!(
            r.urgent[0].recommendation_id,
            recommendation_id(u(9999), Role::OrgAdmin, rule::ORG_GROUP_ENGAGEMENT, "d1")
        );
    }

    #[test]
    fn predictive_signals_come_from_the_sibling_analytics() {
        let mut r = learner();
        r.enrollments[0].progress_pct = 10.0;
        let cat = catalog(
            vec![],
            vec![course(C, "Rust Basics")],
            vec![module(400, C, 1, None)],
            vec![],
            vec![],
            vec![],
        );
        let s = LearnerSignals::from_predictive(&r, &cat, &clock());
        // Never logged in 15 + f 0 15 + m none 10; s none 7 + c 5; r none 4 + h 0 10; p 10 -> 76.
        assert_eq!(
            s.drop_off,
            vec![CourseRiskSignal {
                course_id: CourseId(u(C)),
                risk_score: 76,
                risk_level: RiskLevel::Critical
            }]
        );
        let f = s.forecast.unwrap();
        assert_eq!(f.target_id, CourseId(u(C)).to_string());
        // Inactive, 1 module left at the 0.5 floor -> 2 weeks: 0.8 - 0.2 = 0.6 -> 60.
        assert_eq!(f.completion_probability, 60);
    }

    fn arb_status() -> impl Strategy<Value = StoredStatus> {
        prop_oneof![
            Just(StoredStatus::New),
            Just(StoredStatus::Saved),
            Just(StoredStatus::Dismissed),
            Just(StoredStatus::Completed),
            Just(StoredStatus::Expired),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn lifecycle_invariants_hold_for_random_states(
            stored in proptest::collection::vec((0usize..6, arb_status(), 0.0f64..30.0), 0..10),
            probability in 0i64..100,
            time_score in 0.0f64..100.0,
            risk in 0i64..100,
        ) {
            let rules = [
                (rule::LEARNER_DROP_OFF, CourseId(u(C)).to_string()),
                (rule::LEARNER_FORECAST, "path-1".to_owned()),
                (rule::LEARNER_CRITICAL_GAP, SkillId(u(JS)).to_string()),
                (rule::LEARNER_REVIEW, SkillId(u(801)).to_string()),
                (rule::LEARNER_TIME, "time".to_owned()),
                (rule::LEARNER_PACE, "pace".to_owned()),
            ];
            // One stored state per key (the first generated).
            let mut seen = BTreeSet::new();
            let states: Vec<RecommendationState> = stored
                .iter()
                .filter(|(i, _, _)| seen.insert(*i))
                .map(|(i, status, days)| state(rules[*i].0, rules[*i].1.clone(), *status, *days))
                .collect();
            let mut s = all_signals();
            s.forecast.as_mut().unwrap().completion_probability = probability;
            s.engagement_time.as_mut().unwrap().time_score = time_score;
            s.drop_off[1].risk_score = risk;
            s.drop_off[1].risk_level = RiskLevel::from_score(risk);
            let out = compute(&learner(), &cat(), &clock(), &s, &PlatformStatistics::default(), &states);
            let again = compute(&learner(), &cat(), &clock(), &s, &PlatformStatistics::default(), &states);
            prop_assert_eq!(&out, &again);
            let r = &out.recommendations;
            for (list, bucket) in [(&r.urgent, Bucket::Urgent), (&r.this_week, Bucket::ThisWeek), (&r.ongoing, Bucket::Ongoing)] {
                for item in list {
                    prop_assert_eq!(item.bucket, bucket);
                    prop_assert!(item.status != ItemStatus::Dismissed);
                    prop_assert!(now() - item.created_at < Duration::days(LIFETIME_DAYS));
                }
            }
            prop_assert_eq!(r.urgent.iter().any(|i| i.rule_id == rule::LEARNER_FORECAST), probability < 60 && !states.iter().any(|st| st.rule_id == rule::LEARNER_FORECAST && st.status == StoredStatus::Dismissed));
            if let Some(rate) = out.follow_through_rate { prop_assert!((0.0..=1.0).contains(&rate)); }
            let keys: BTreeSet<_> = out.states.iter().map(|s| (&s.rule_id, &s.target_id)).collect();
            prop_assert_eq!(keys.len(), out.states.len());
            prop_assert!(out.states.iter().all(|s| !matches!(s.status, StoredStatus::New | StoredStatus::Saved) || now() - s.created_at < Duration::days(LIFETIME_DAYS)));
            let json = serde_json::to_string(&out).unwrap();
            prop_assert!(!json.contains("NaN"));
        }
    }

    /// The indexed views (sums minus the subject, binary search over sorted hours) give
    /// exactly what a pass over the whole group without the subject gives, for every subject
    /// of a pseudo-random platform, k-anonymity thresholds included.
    #[test]
    fn indexed_views_equal_a_pass_over_the_group() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let skill = SkillId(u(77));
        let mut peers = PeerStatistics::default();
        let mut practice = PracticeStatistics::default();
        let users: Vec<UserId> = (0..40).map(|i| UserId(u(1000 + i))).collect();
        for user in &users {
            if next(4) > 0 {
                peers.weekly_hours.insert(*user, next(20) as f64 / 4.0);
            }
            if next(3) == 0 {
                let entry = peers.acquirers.entry(skill).or_default();
                entry.push((*user, next(20) as f64 / 4.0));
            }
            let tally = practice.by_user.entry(*user).or_default();
            for _ in 0..next(4) {
                tally.add(next(2) == 0, next(3) > 0);
            }
        }
        let mut sorted: Vec<f64> = peers.weekly_hours.values().copied().collect();
        sorted.sort_by(f64::total_cmp);
        peers.sorted_hours = sorted;
        peers.index_acquirers();
        practice.total_up();

        let mut shown = (0, 0);
        for subject in users.iter().copied().chain([UserId(u(1))]) {
            // Peer insight by a pass over the group without the subject.
            let others: Vec<f64> = peers.acquirers[&skill]
                .iter()
                .filter(|(user, _)| *user != subject)
                .map(|(_, h)| *h)
                .collect();
            let mut hours: Vec<f64> = peers
                .weekly_hours
                .iter()
                .filter(|(user, _)| **user != subject)
                .map(|(_, h)| *h)
                .collect();
            hours.sort_by(f64::total_cmp);
            let expected = Guarded::new(others.len().min(hours.len()), || {
                let median = quantile_without(&hours, None, 0.5).unwrap_or(0.0);
                PeerView {
                    share_above_median_pct: others.iter().filter(|h| **h > median).count() as f64
                        / others.len() as f64
                        * 100.0,
                    median_weekly_hours: median,
                    sample_size: others.len(),
                }
            });
            assert_eq!(peers.skill_view(skill, subject), expected, "{subject:?}");
            shown.0 += usize::from(!expected.is_suppressed());

            // Practice statistic likewise.
            let rest: Vec<&PracticeTally> = practice
                .by_user
                .iter()
                .filter(|(user, _)| **user != subject)
                .map(|(_, t)| t)
                .collect();
            let with_users = rest.iter().filter(|t| t.with_attempts > 0).count();
            let without_users = rest.iter().filter(|t| t.without_attempts > 0).count();
            let expected = Guarded::new(with_users.min(without_users), || {
                let sum =
                    |f: fn(&PracticeTally) -> u32| rest.iter().map(|t| f(t) as f64).sum::<f64>();
                let (wa, wp) = (sum(|t| t.with_attempts), sum(|t| t.with_passed));
                let (na, np) = (sum(|t| t.without_attempts), sum(|t| t.without_passed));
                PracticeView {
                    with_practice_pass_rate: if wa > 0.0 { wp / wa * 100.0 } else { 0.0 },
                    without_practice_pass_rate: if na > 0.0 { np / na * 100.0 } else { 0.0 },
                    sample_size: (wa + na) as usize,
                }
            });
            assert_eq!(practice.overall(Some(subject)), expected, "{subject:?}");
            shown.1 += usize::from(!expected.is_suppressed());
        }
        assert!(
            shown.0 > 0 && shown.1 > 0,
            "the views are shown, not only suppressed"
        );
    }
}
