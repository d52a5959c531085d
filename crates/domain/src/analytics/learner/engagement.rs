//! AS-001.3 Engagement Score with Behavioral Insights (`analyticsType = engagement_score`).
//!
//! Question: how engaged is this learner right now (consistency, time, quality of
//! interaction, breadth of resources), are they at risk, and how do they learn?
//!
//! Inputs: the learner's [`LearnerRecord`] (sessions with times and device, content
//! interactions, help requests, DevLab submissions, assessment attempts), the [`Catalog`]
//! (content types), the learner's organisation (`Option<&OrgRecord>`: the
//! `recommendedHoursPerWeek` setting; there is no per-learner setting in the model, so the
//! organisation's applies, else 5), the [`Clock`] (learner's calendar), the learner's stored
//! overall score of 7 days earlier (`Option<i64>`, from the 90-day score history of decision
//! 15) and [`OrgEngagementScores`] (other members' overall scores per organisation, built once
//! per batch by [`OrgEngagementScores::build`] or from stored scores by
//! [`OrgEngagementScores::from_scores`]).
//!
//! # Window and rates
//! 14 days, recency weighted: a weekly rate is `rate = (2*c1 + c2) / 3`, `c1` = count in days
//! 1-7, `c2` = count in days 8-14. Days are calendar days in the learner's timezone (decision
//! 13): day 1 is today, days 1-7 are today-6 ..= today, days 8-14 today-13 ..= today-7;
//! events after `now` are ignored. Logins are session starts, help requests count at
//! `occurredAt`, DevLab submissions at `startedAt`, attempts at `submittedAt`.
//!
//! # Components (1 dp in the output)
//! - Consistency `C = min(lf/5, 1)*50 + min(streak/7, 1)*30 + (1 - min(gap/7, 1))*20`,
//!   `lf` = rate(logins), `streak` = current login streak (8.2: consecutive login days ending
//!   today, or yesterday), `gap` = longest run of days without an activity event within the
//!   14 days. Each term capped individually.
//! - Time `T = min(hoursLast7Days / recommendedHoursPerWeek * 100, 100)`; hours are session
//!   hours of sessions started in `[now - 7*24h, now)` (`analytics.md` 0.2).
//! - Quality `Q = 0.4*completionRate + 20*min(rate(help)/5, 1) + 20*min(rate(DL)/10, 1) +
//!   20*min(rate(attempts)/3, 1)`; completionRate (decided here) = of the distinct content
//!   items with an interaction started in the 14 days, the percentage with a completed
//!   interaction among those (so it never exceeds 100); null (→ 0 in Q) without items.
//! - Resource `R = min(distinct types used of {video, article, interactive, quiz, podcast} /
//!   5, 1) * 100`, types of the content interacted with in the 14 days.
//!
//! # Score and labels
//! `overallScore = round(0.30C + 0.25T + 0.25Q + 0.20R)` (unrounded components).
//! `engagementBand`: highly_engaged >= 80, engaged 50-79, at_risk < 50. `scoreGrade`:
//! Excellent >= 85, Good 70-84, Fair 50-69, Poor < 50. `riskLevel`: high < 50, medium 50-69,
//! low >= 70; `riskScore = 100 - overallScore`; `interventionRecommended = riskLevel != low`;
//! `riskFactors` = the names (`consistency`, `timeInvestment`, `interactionQuality`,
//! `resourceUsage`) of components whose shown (1 dp) score is below 50. `scoreTrend =
//! overallScore - stored score 7 days earlier`, null without one.
//!
//! # Breakdown details (decided here)
//! `loginFrequency` = rate(logins) and the `chatbotInteractions` / `practiceAttempts` /
//! `assessmentAttempts` fields are the weekly rates used in the formulas (1 dp), so the
//! component scores can be recomputed from the output. `hoursLast30Days` over `[now - 30*24h,
//! now)`; `averageSessionDuration` = mean session minutes of the last 30 days (null without
//! sessions of known length); `comparisonToRecommended = hoursLast7Days /
//! recommendedHoursPerWeek * 100` (uncapped). `resourceUsage.preferredContentType` = the type
//! with most interaction time in the 14 days; `underutilizedResources` = the five types not
//! used in the 14 days.
//!
//! # Behavioral patterns (last 30 days, `[now - 30*24h, now)`, decided here)
//! `peakLearningTime` = the local 2-hour block (`"HH:00-HH:00"`) with most session minutes,
//! a session counting in the block it starts in; `peakLearningDays` = up to 3 weekdays with
//! the most session minutes (ties in calendar order Monday first, only days with minutes);
//! `preferredDevice` = the device with most session minutes; `averageSessionsPerDay =
//! sessions / active days`; `learningStyle` from interaction time per content type: `visual`
//! (video >= 50%), `reading` (article >= 50%), `interactive` (interactive + quiz >= 50%), else
//! `mixed`, null without interaction time; `concentrationSpan` = median session minutes;
//! `preferredContentType` = type with most interaction time; `underutilizedResources` = the
//! five types unused in the 30 days. Ties are broken by the fixed orders (types as listed,
//! devices by name, earliest block).
//!
//! # Peers
//! `comparisonToPeers {yourScore, peerAverage (1 dp), percentile}` over the other members of
//! the learner's organisation with a stored score (AS-005.19 `sameOrganization`, subject
//! excluded); null when they are fewer than K = 10 (the section says "null below K").
//!
//! Insufficient data (decided here): a learner with no activity event ever, no enrollment
//! and no learning path has nothing to be engaged with.

use crate::analytics::Analysis;
use crate::analytics::activity::{
    active_days, any_activity, current_streak, events_up_to_now, learning_hours, login_days,
    longest_gap, session_minutes,
};
use crate::analytics::common::{Clock, mean, median, pct, ratio, round_dp, round_int};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{OrgId, UserId};
use crate::model::ContentType;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Default `recommendedHoursPerWeek`.
pub const DEFAULT_RECOMMENDED_HOURS: f64 = 5.0;
/// `loginFrequencyTarget`: logins a week for full marks. The output field is the integer the
/// spec writes (`loginFrequencyTarget: 5`); the formula uses it as a float.
pub const LOGIN_FREQUENCY_TARGET_LOGINS: u32 = 5;
/// [`LOGIN_FREQUENCY_TARGET_LOGINS`] for the formula.
pub const LOGIN_FREQUENCY_TARGET: f64 = LOGIN_FREQUENCY_TARGET_LOGINS as f64;

/// The five content types that count for resource usage, in their fixed order.
const COUNTED_TYPES: [ContentType; 5] = [
    ContentType::Video,
    ContentType::Article,
    ContentType::Interactive,
    ContentType::Quiz,
    ContentType::Podcast,
];

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// The `data` of AS-001.3 (`engagementAnalytics`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementAnalytics {
    pub overall_score: i64,
    pub engagement_band: EngagementBand,
    pub score_grade: ScoreGrade,
    pub score_trend: Option<i64>,
    pub breakdowns: Breakdowns,
    pub behavioral_patterns: BehavioralPatterns,
    pub risk_assessment: RiskAssessment,
    pub comparison_to_peers: Option<PeerComparison>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementBand {
    HighlyEngaged,
    Engaged,
    AtRisk,
}

impl EngagementBand {
    /// highly_engaged >= 80, engaged 50-79, at_risk < 50.
    pub fn of(score: i64) -> Self {
        match score {
            s if s >= 80 => EngagementBand::HighlyEngaged,
            s if s >= 50 => EngagementBand::Engaged,
            _ => EngagementBand::AtRisk,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScoreGrade {
    Excellent,
    Good,
    Fair,
    Poor,
}

impl ScoreGrade {
    /// Excellent >= 85, Good 70-84, Fair 50-69, Poor < 50.
    pub fn of(score: i64) -> Self {
        match score {
            s if s >= 85 => ScoreGrade::Excellent,
            s if s >= 70 => ScoreGrade::Good,
            s if s >= 50 => ScoreGrade::Fair,
            _ => ScoreGrade::Poor,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    High,
    Medium,
    Low,
}

impl RiskLevel {
    /// high < 50, medium 50-69, low >= 70.
    pub fn of(score: i64) -> Self {
        match score {
            s if s >= 70 => RiskLevel::Low,
            s if s >= 50 => RiskLevel::Medium,
            _ => RiskLevel::High,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdowns {
    pub consistency: Consistency,
    pub time_investment: TimeInvestment,
    pub interaction_quality: InteractionQuality,
    pub resource_usage: ResourceUsage,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consistency {
    pub score: f64,
    pub login_frequency: f64,
    pub login_frequency_target: u32,
    pub active_streak: i64,
    pub longest_gap: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeInvestment {
    pub score: f64,
    pub hours_last7_days: f64,
    pub hours_last30_days: f64,
    pub average_session_duration: Option<f64>,
    pub recommended_hours_per_week: f64,
    pub comparison_to_recommended: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionQuality {
    pub score: f64,
    pub content_completion_rate: Option<f64>,
    pub chatbot_interactions: f64,
    pub practice_attempts: f64,
    pub assessment_attempts: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUsage {
    pub score: f64,
    pub content_types_used: Vec<ContentType>,
    pub preferred_content_type: Option<ContentType>,
    pub underutilized_resources: Vec<ContentType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningStyle {
    Visual,
    Reading,
    Interactive,
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BehavioralPatterns {
    pub peak_learning_time: Option<String>,
    pub peak_learning_days: Vec<String>,
    pub preferred_device: Option<String>,
    pub average_sessions_per_day: Option<f64>,
    pub learning_style: Option<LearningStyle>,
    pub concentration_span: Option<f64>,
    pub preferred_content_type: Option<ContentType>,
    pub underutilized_resources: Vec<ContentType>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskAssessment {
    pub risk_level: RiskLevel,
    pub risk_score: i64,
    pub risk_factors: Vec<String>,
    pub intervention_recommended: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerComparison {
    pub your_score: i64,
    pub peer_average: f64,
    pub percentile: i64,
}

// ---------------------------------------------------------------------------------------
// Peer input
// ---------------------------------------------------------------------------------------

/// Every learner's overall engagement score grouped by organisation. Scores are integers
/// 0-100, so each organisation keeps a 101-bucket histogram: the mean and percentile rank of
/// "everyone but the subject" then cost O(101) instead of O(members) per subject (the values
/// equal [`mean`] and [`crate::analytics::common::percentile_rank`] over the expanded group;
/// a test checks it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgEngagementScores {
    orgs: BTreeMap<OrgId, OrgScores>,
}

#[derive(Debug, Clone, PartialEq)]
struct OrgScores {
    by_user: BTreeMap<UserId, i64>,
    histogram: [usize; 101],
}

impl Default for OrgScores {
    fn default() -> Self {
        OrgScores {
            by_user: BTreeMap::new(),
            histogram: [0; 101],
        }
    }
}

impl OrgEngagementScores {
    /// From stored `(learner, organisation, overallScore)` values (clamped to 0-100; a
    /// learner listed twice keeps the last value).
    pub fn from_scores(scores: impl IntoIterator<Item = (UserId, OrgId, i64)>) -> Self {
        let mut orgs: BTreeMap<OrgId, OrgScores> = BTreeMap::new();
        for (user, org, score) in scores {
            orgs.entry(org)
                .or_default()
                .by_user
                .insert(user, score.clamp(0, 100));
        }
        for org in orgs.values_mut() {
            for score in org.by_user.values() {
                org.histogram[*score as usize] += 1;
            }
        }
        OrgEngagementScores { orgs }
    }

    /// Computes every learner's overall score (in their own timezone) and groups them by
    /// organisation; learners without an organisation or with insufficient data are left
    /// out.
    pub fn build(
        records: &[LearnerRecord],
        catalog: &Catalog,
        orgs: &BTreeMap<OrgId, OrgRecord>,
        now: DateTime<Utc>,
    ) -> Self {
        Self::from_scores(records.iter().filter_map(|record| {
            let org_id = record.user.org_id?;
            let clock = Clock::in_zone(now, record.user.timezone.as_deref());
            let score = overall_score(record, catalog, orgs.get(&org_id), &clock)?;
            Some((record.id(), org_id, score))
        }))
    }

    /// The same-organisation comparison for `subject` with overall score `your_score`,
    /// shown only when at least K other members have a score.
    pub fn compare(&self, org: OrgId, subject: UserId, your_score: i64) -> Guarded<PeerComparison> {
        let Some(scores) = self.orgs.get(&org) else {
            return Guarded::Suppressed;
        };
        let mut histogram = scores.histogram;
        if let Some(own) = scores.by_user.get(&subject) {
            histogram[*own as usize] -= 1;
        }
        let size: usize = histogram.iter().sum();
        Guarded::new(size, || {
            let n = size as f64;
            let sum: f64 = histogram
                .iter()
                .enumerate()
                .map(|(score, count)| score as f64 * *count as f64)
                .sum();
            let mine = your_score.clamp(0, 100) as usize;
            let below: usize = histogram[..mine].iter().sum();
            let equal = histogram[mine];
            PeerComparison {
                your_score,
                peer_average: round_dp(sum / n, 1),
                percentile: round_int((below as f64 + 0.5 * equal as f64) / n * 100.0),
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Measures and component formulas
// ---------------------------------------------------------------------------------------

/// Counts in days 1-7 and days 8-14.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct TwoWeeks {
    recent: u32,
    earlier: u32,
}

impl TwoWeeks {
    /// `(2*c1 + c2) / 3`.
    fn rate(self) -> f64 {
        (2.0 * f64::from(self.recent) + f64::from(self.earlier)) / 3.0
    }
}

/// The measured quantities the four components are computed from.
#[derive(Debug, Clone, PartialEq)]
struct Measures {
    logins: TwoWeeks,
    streak: u32,
    longest_gap: i64,
    hours_last_7_days: f64,
    recommended_hours: f64,
    completion_rate: Option<f64>,
    help: TwoWeeks,
    practice: TwoWeeks,
    attempts: TwoWeeks,
    types_used: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Components {
    c: f64,
    t: f64,
    q: f64,
    r: f64,
}

impl Components {
    fn overall(self) -> i64 {
        round_int(0.30 * self.c + 0.25 * self.t + 0.25 * self.q + 0.20 * self.r)
    }
}

fn components(m: &Measures) -> Components {
    let c = (m.logins.rate() / LOGIN_FREQUENCY_TARGET).min(1.0) * 50.0
        + (f64::from(m.streak) / 7.0).min(1.0) * 30.0
        + (1.0 - (m.longest_gap as f64 / 7.0).min(1.0)) * 20.0;
    let t = pct(m.hours_last_7_days, m.recommended_hours)
        .unwrap_or(0.0)
        .min(100.0);
    let q = 0.4 * m.completion_rate.unwrap_or(0.0)
        + 20.0 * (m.help.rate() / 5.0).min(1.0)
        + 20.0 * (m.practice.rate() / 10.0).min(1.0)
        + 20.0 * (m.attempts.rate() / 3.0).min(1.0);
    let r = (m.types_used as f64 / 5.0).min(1.0) * 100.0;
    Components { c, t, q, r }
}

/// The calendar-day windows of the 14-day measures.
struct Days {
    today: NaiveDate,
}

impl Days {
    /// Days ago of `ts` in the learner's calendar, if in the 14 days and not after now.
    fn bucket(&self, clock: &Clock, ts: DateTime<Utc>) -> Option<bool> {
        if ts > clock.now {
            return None;
        }
        let ago = (self.today - clock.local_date(ts)).num_days();
        match ago {
            0..=6 => Some(true),
            7..=13 => Some(false),
            _ => None,
        }
    }

    fn count(&self, clock: &Clock, times: impl Iterator<Item = DateTime<Utc>>) -> TwoWeeks {
        let mut counts = TwoWeeks::default();
        for ts in times {
            match self.bucket(clock, ts) {
                Some(true) => counts.recent += 1,
                Some(false) => counts.earlier += 1,
                None => {}
            }
        }
        counts
    }

    fn within(&self, clock: &Clock, ts: DateTime<Utc>) -> bool {
        self.bucket(clock, ts).is_some()
    }
}

fn recommended_hours(record: &LearnerRecord, org: Option<&OrgRecord>) -> f64 {
    org.filter(|o| record.user.org_id == Some(o.org.id))
        .and_then(|o| o.org.settings.recommended_hours_per_week)
        .filter(|h| h.is_finite() && *h > 0.0)
        .unwrap_or(DEFAULT_RECOMMENDED_HOURS)
}

/// Interaction seconds per content type for interactions accepted by `keep`.
fn seconds_by_type(
    record: &LearnerRecord,
    catalog: &Catalog,
    keep: impl Fn(DateTime<Utc>) -> bool,
) -> BTreeMap<ContentType, f64> {
    let mut seconds: BTreeMap<ContentType, f64> = BTreeMap::new();
    for interaction in &record.content_interactions {
        if !keep(interaction.started_at) {
            continue;
        }
        if let Some(item) = catalog.content.get(&interaction.content_id) {
            let duration = interaction.duration_seconds;
            *seconds.entry(item.content_type).or_default() += if duration.is_finite() {
                duration.max(0.0)
            } else {
                0.0
            };
        }
    }
    seconds
}

/// The type with most time (ties: the fixed type order), if any time was spent.
fn preferred_type(seconds: &BTreeMap<ContentType, f64>) -> Option<ContentType> {
    let mut best: Option<(ContentType, f64)> = None;
    for (ty, secs) in seconds {
        if *secs > 0.0 && best.is_none_or(|(_, b)| *secs > b) {
            best = Some((*ty, *secs));
        }
    }
    best.map(|(ty, _)| ty)
}

fn has_activity(record: &LearnerRecord, clock: &Clock) -> bool {
    !record.enrollments.is_empty() || !record.paths.is_empty() || any_activity(record, clock)
}

fn measures(
    record: &LearnerRecord,
    catalog: &Catalog,
    org: Option<&OrgRecord>,
    clock: &Clock,
) -> Measures {
    let today = clock.today();
    let days = Days { today };
    let logins = days.count(clock, record.sessions.iter().map(|s| s.started_at));
    let help = days.count(clock, record.help_requests.iter().map(|h| h.occurred_at));
    let practice = days.count(clock, record.practice.iter().map(|p| p.started_at));
    let attempts = days.count(clock, record.attempts.iter().map(|a| a.submitted_at));
    let streak = current_streak(&login_days(record, clock), today);
    let gap = longest_gap(
        &active_days(record, clock),
        today - Duration::days(13),
        today,
    );
    let mut started: BTreeSet<_> = BTreeSet::new();
    let mut completed: BTreeSet<_> = BTreeSet::new();
    let mut types: BTreeSet<ContentType> = BTreeSet::new();
    for interaction in &record.content_interactions {
        if !days.within(clock, interaction.started_at) {
            continue;
        }
        started.insert(interaction.content_id);
        if interaction.completed {
            completed.insert(interaction.content_id);
        }
        if let Some(item) = catalog.content.get(&interaction.content_id)
            && COUNTED_TYPES.contains(&item.content_type)
        {
            types.insert(item.content_type);
        }
    }
    Measures {
        logins,
        streak,
        longest_gap: gap,
        hours_last_7_days: learning_hours(
            &record.sessions,
            clock.now - Duration::days(7),
            clock.now,
        ),
        recommended_hours: recommended_hours(record, org),
        completion_rate: pct(completed.len() as f64, started.len() as f64),
        help,
        practice,
        attempts,
        types_used: types.len(),
    }
}

/// The overall score alone (for the peer input and the stored history); `None` when the
/// learner has insufficient data.
pub fn overall_score(
    record: &LearnerRecord,
    catalog: &Catalog,
    org: Option<&OrgRecord>,
    clock: &Clock,
) -> Option<i64> {
    has_activity(record, clock)
        .then(|| components(&measures(record, catalog, org, clock)).overall())
}

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

/// AS-001.3 for one learner. `org` is the learner's organisation (recommended hours),
/// `score_7_days_ago` the stored overall score of 7 days earlier, `peers` the organisation
/// scores of this batch.
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    org: Option<&OrgRecord>,
    clock: &Clock,
    score_7_days_ago: Option<i64>,
    peers: &OrgEngagementScores,
) -> Analysis<EngagementAnalytics> {
    if !has_activity(record, clock) {
        return Analysis::InsufficientData("no activity, enrollment or learning path");
    }
    let m = measures(record, catalog, org, clock);
    let comp = components(&m);
    let overall = comp.overall();
    let shown = |x: f64| round_dp(x, 1);

    // Time investment details.
    let now = clock.now;
    let recent_sessions: Vec<_> = record
        .sessions
        .iter()
        .filter(|s| clock.within_last_days(s.started_at, 30))
        .collect();
    let recent_minutes: Vec<f64> = recent_sessions
        .iter()
        .filter_map(|s| session_minutes(s))
        .collect();
    let hours_30 = learning_hours(&record.sessions, now - Duration::days(30), now);

    // Resource usage in the 14 days.
    let days = Days {
        today: clock.today(),
    };
    let seconds_14 = seconds_by_type(record, catalog, |ts| days.within(clock, ts));
    let used_14: Vec<ContentType> = COUNTED_TYPES
        .iter()
        .copied()
        .filter(|t| seconds_14.contains_key(t))
        .collect();

    let risk_factors: Vec<String> = [
        ("consistency", comp.c),
        ("timeInvestment", comp.t),
        ("interactionQuality", comp.q),
        ("resourceUsage", comp.r),
    ]
    .into_iter()
    .filter(|(_, score)| shown(*score) < 50.0)
    .map(|(name, _)| name.to_owned())
    .collect();
    let risk_level = RiskLevel::of(overall);

    let comparison_to_peers = record
        .user
        .org_id
        .and_then(|org_id| peers.compare(org_id, record.id(), overall).shown().cloned());

    Analysis::Ready(EngagementAnalytics {
        overall_score: overall,
        engagement_band: EngagementBand::of(overall),
        score_grade: ScoreGrade::of(overall),
        score_trend: score_7_days_ago.map(|earlier| overall - earlier),
        breakdowns: Breakdowns {
            consistency: Consistency {
                score: shown(comp.c),
                login_frequency: shown(m.logins.rate()),
                login_frequency_target: LOGIN_FREQUENCY_TARGET_LOGINS,
                active_streak: i64::from(m.streak),
                longest_gap: m.longest_gap,
            },
            time_investment: TimeInvestment {
                score: shown(comp.t),
                hours_last7_days: round_dp(m.hours_last_7_days, 1),
                hours_last30_days: round_dp(hours_30, 1),
                average_session_duration: mean(&recent_minutes).map(shown),
                recommended_hours_per_week: round_dp(m.recommended_hours, 1),
                comparison_to_recommended: shown(
                    pct(m.hours_last_7_days, m.recommended_hours).unwrap_or(0.0),
                ),
            },
            interaction_quality: InteractionQuality {
                score: shown(comp.q),
                content_completion_rate: m.completion_rate.map(shown),
                chatbot_interactions: shown(m.help.rate()),
                practice_attempts: shown(m.practice.rate()),
                assessment_attempts: shown(m.attempts.rate()),
            },
            resource_usage: ResourceUsage {
                score: shown(comp.r),
                underutilized_resources: COUNTED_TYPES
                    .iter()
                    .copied()
                    .filter(|t| !used_14.contains(t))
                    .collect(),
                content_types_used: used_14,
                preferred_content_type: preferred_type(&seconds_14),
            },
        },
        behavioral_patterns: behavioral_patterns(record, catalog, clock, &recent_minutes),
        risk_assessment: RiskAssessment {
            risk_level,
            risk_score: 100 - overall,
            risk_factors,
            intervention_recommended: risk_level != RiskLevel::Low,
        },
        comparison_to_peers,
    })
}

fn behavioral_patterns(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    recent_minutes: &[f64],
) -> BehavioralPatterns {
    let recent = |ts: DateTime<Utc>| clock.within_last_days(ts, 30);
    let mut blocks = [0.0f64; 12];
    let mut weekdays = [0.0f64; 7];
    let mut devices: BTreeMap<&str, f64> = BTreeMap::new();
    let mut sessions = 0usize;
    for session in record.sessions.iter().filter(|s| recent(s.started_at)) {
        sessions += 1;
        let minutes = session_minutes(session).unwrap_or(0.0);
        let local = session.started_at.with_timezone(&clock.tz);
        blocks[(local.hour() / 2) as usize] += minutes;
        weekdays[local.weekday().num_days_from_monday() as usize] += minutes;
        if let Some(device) = session.device.as_deref() {
            *devices.entry(device).or_default() += minutes;
        }
    }
    let peak_block = blocks
        .iter()
        .enumerate()
        .filter(|(_, m)| **m > 0.0)
        .fold(None::<(usize, f64)>, |best, (i, m)| match best {
            Some((_, b)) if b >= *m => best,
            _ => Some((i, *m)),
        })
        .map(|(i, _)| format!("{:02}:00-{:02}:00", 2 * i, 2 * i + 2));
    let mut day_order: Vec<usize> = (0..7).filter(|d| weekdays[*d] > 0.0).collect();
    day_order.sort_by(|a, b| weekdays[*b].total_cmp(&weekdays[*a]).then(a.cmp(b)));
    let peak_days = day_order
        .into_iter()
        .take(3)
        .map(|d| WEEKDAYS[d].to_owned())
        .collect();
    let preferred_device = devices
        .iter()
        .filter(|(_, m)| **m > 0.0)
        .fold(None::<(&str, f64)>, |best, (d, m)| match best {
            Some((_, b)) if b >= *m => best,
            _ => Some((d, *m)),
        })
        .map(|(d, _)| d.to_owned());
    let active: BTreeSet<NaiveDate> = events_up_to_now(record, clock)
        .filter(|t| recent(*t))
        .map(|t| clock.local_date(t))
        .collect();
    let seconds_30 = seconds_by_type(record, catalog, recent);
    let total: f64 = seconds_30.values().sum();
    let share = |types: &[ContentType]| {
        types
            .iter()
            .map(|t| seconds_30.get(t).copied().unwrap_or(0.0))
            .sum::<f64>()
            / total
    };
    let learning_style = (total > 0.0).then(|| {
        if share(&[ContentType::Video]) >= 0.5 {
            LearningStyle::Visual
        } else if share(&[ContentType::Article]) >= 0.5 {
            LearningStyle::Reading
        } else if share(&[ContentType::Interactive, ContentType::Quiz]) >= 0.5 {
            LearningStyle::Interactive
        } else {
            LearningStyle::Mixed
        }
    });
    BehavioralPatterns {
        peak_learning_time: peak_block,
        peak_learning_days: peak_days,
        preferred_device,
        average_sessions_per_day: ratio(sessions as f64, active.len() as f64)
            .map(|v| round_dp(v, 1)),
        learning_style,
        concentration_span: median(recent_minutes).map(|v| round_dp(v, 1)),
        preferred_content_type: preferred_type(&seconds_30),
        underutilized_resources: COUNTED_TYPES
            .iter()
            .copied()
            .filter(|t| !seconds_30.contains_key(t))
            .collect(),
    }
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::common::percentile_rank;
    use crate::ids::*;
    use crate::model::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        // A Monday.
        Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
    }

    fn clock() -> Clock {
        Clock::utc(now())
    }

    fn uid(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    fn org_id() -> OrgId {
        OrgId(uuid::Uuid::from_u128(900))
    }

    fn content_id(n: u128) -> ContentId {
        ContentId(uuid::Uuid::from_u128(500 + n))
    }

    fn record(n: u128) -> LearnerRecord {
        LearnerRecord::new(User {
            id: uid(n),
            external_id: None,
            org_id: Some(org_id()),
            department_id: None,
            team_id: None,
            display_name: format!("Learner {n}"),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: now() - Duration::days(400),
        })
    }

    /// `days_ago` calendar days before today at `hour`:`minute` UTC.
    fn at(days_ago: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, hour, minute, 0).unwrap() - Duration::days(days_ago)
    }

    fn session(n: u128, start: DateTime<Utc>, minutes: i64, device: &str) -> Session {
        Session {
            id: SessionId(uuid::Uuid::from_u128(1_000 + n)),
            user_id: uid(1),
            started_at: start,
            ended_at: Some(start + Duration::minutes(minutes)),
            last_activity_at: None,
            device: Some(device.into()),
            course_id: None,
        }
    }

    fn item(n: u128, ty: ContentType) -> ContentItem {
        ContentItem {
            id: content_id(n),
            external_id: None,
            course_id: None,
            module_id: None,
            title: format!("Item {n}"),
            content_type: ty,
            creation_method: CreationMethod::Manual,
            created_by: None,
            created_at: now() - Duration::days(100),
            owner_org_id: None,
        }
    }

    fn interaction(
        n: u128,
        start: DateTime<Utc>,
        seconds: f64,
        completed: bool,
    ) -> ContentInteraction {
        ContentInteraction {
            user_id: uid(1),
            content_id: content_id(n),
            started_at: start,
            last_interaction_at: start,
            duration_seconds: seconds,
            progress_pct: if completed { 100.0 } else { 40.0 },
            completed,
            completed_at: completed.then_some(start),
        }
    }

    fn practice(n: u128, start: DateTime<Utc>) -> PracticeSubmission {
        PracticeSubmission {
            id: SubmissionId(uuid::Uuid::from_u128(2_000 + n)),
            user_id: uid(1),
            topic_id: None,
            skill_ids: vec![],
            started_at: start,
            completed_at: None,
            status: PracticeStatus::Completed,
            passed: true,
            score: None,
            duration_minutes: 10.0,
        }
    }

    fn attempt(n: u128, at: DateTime<Utc>) -> AssessmentAttempt {
        AssessmentAttempt {
            id: AttemptId(uuid::Uuid::from_u128(3_000 + n)),
            assessment_id: AssessmentId(uuid::Uuid::from_u128(3_500)),
            user_id: uid(1),
            attempt_no: n as i32,
            started_at: at - Duration::minutes(20),
            submitted_at: at,
            duration_minutes: 20.0,
            score: 80.0,
            max_score: 100.0,
            passed: true,
            question_results: None,
        }
    }

    fn catalog() -> Catalog {
        Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![
                item(1, ContentType::Video),
                item(2, ContentType::Video),
                item(3, ContentType::Article),
                item(4, ContentType::Quiz),
            ],
        )
    }

    fn ready(a: Analysis<EngagementAnalytics>) -> EngagementAnalytics {
        a.ready().cloned().expect("ready")
    }

    #[test]
    fn spec_example_formulas() {
        // Counts as days 1-7 / 8-14. (The example's figures are formula inputs: a 6-day
        // login streak with only 5 logins in days 1-7 cannot occur in real data, so the
        // end-to-end case below uses 6 logins.)
        let m = Measures {
            logins: TwoWeeks {
                recent: 5,
                earlier: 3,
            },
            streak: 6,
            longest_gap: 2,
            hours_last_7_days: 4.0,
            recommended_hours: 5.0,
            completion_rate: Some(75.0),
            help: TwoWeeks {
                recent: 2,
                earlier: 1,
            },
            practice: TwoWeeks {
                recent: 6,
                earlier: 3,
            },
            attempts: TwoWeeks {
                recent: 1,
                earlier: 1,
            },
            types_used: 3,
        };
        let c = components(&m);
        // lf = 13/3 = 4.33: 43.3 + 6/7*30 = 25.7 + (1 - 2/7)*20 = 14.3 -> 83.3
        assert_eq!(round_dp(c.c, 1), 83.3);
        assert_eq!(round_dp(c.t, 1), 80.0);
        // 30 + 20*(1.67/5) = 6.7 + 20*(5/10) = 10 + 20*(1/3) = 6.7 -> 53.3
        assert_eq!(round_dp(c.q, 1), 53.3);
        assert_eq!(round_dp(c.r, 1), 60.0);
        // 25.0 + 20.0 + 13.3 + 12.0 = 70.3 -> 70
        let overall = c.overall();
        assert_eq!(overall, 70);
        assert_eq!(EngagementBand::of(overall), EngagementBand::Engaged);
        assert_eq!(ScoreGrade::of(overall), ScoreGrade::Good);
        assert_eq!(RiskLevel::of(overall), RiskLevel::Low);
        assert_eq!(100 - overall, 30);
    }

    /// A realisable version of the example (now = Monday 2026-06-15 12:00 UTC).
    fn example_learner() -> LearnerRecord {
        let mut r = record(1);
        // Logins: one a day on days ago 0..=5 at 09:00 for 40 min (c1 = 6, streak 6, 4 h in
        // the last 7 days); days ago 8, 10, 13 at 20:00 for 60 min (c2 = 3).
        for d in 0..=5 {
            r.sessions
                .push(session(d as u128, at(d, 9, 0), 40, "laptop"));
            r.practice.push(practice(d as u128, at(d, 9, 10)));
        }
        for d in [8, 10, 13] {
            r.sessions
                .push(session(d as u128, at(d, 20, 0), 60, "phone"));
            r.practice.push(practice(d as u128, at(d, 20, 10)));
        }
        // 4 items started in the 14 days, 3 completed: 75 %. Types video, article, quiz.
        r.content_interactions
            .push(interaction(1, at(1, 9, 5), 600.0, true));
        r.content_interactions
            .push(interaction(3, at(2, 9, 5), 300.0, true));
        r.content_interactions
            .push(interaction(4, at(3, 9, 5), 120.0, true));
        r.content_interactions
            .push(interaction(2, at(8, 20, 5), 900.0, false));
        // Help 2 / 1 (help requests are not activity events).
        for d in [1, 2, 10] {
            r.help_requests.push(HelpRequest {
                user_id: uid(1),
                occurred_at: at(d, 9, 20),
                course_id: None,
            });
        }
        // Attempts 1 / 1.
        r.attempts.push(attempt(1, at(1, 9, 30)));
        r.attempts.push(attempt(2, at(8, 20, 30)));
        r.sort();
        r
    }

    #[test]
    fn end_to_end_example() {
        let r = example_learner();
        let e = ready(compute(
            &r,
            &catalog(),
            None,
            &clock(),
            Some(65),
            &OrgEngagementScores::default(),
        ));
        let b = &e.breakdowns;
        // lf = (2*6 + 3)/3 = 5 -> 50; streak 6 -> 25.71; active days 0-5, 8, 10, 13: longest
        // gap 2 (days 6-7, 11-12) -> 14.29; C = 90.0
        assert_eq!(b.consistency.login_frequency, 5.0);
        assert_eq!(b.consistency.active_streak, 6);
        assert_eq!(b.consistency.longest_gap, 2);
        assert_eq!(b.consistency.score, 90.0);
        // 6 * 40 min = 4 h of 5 -> 80
        assert_eq!(b.time_investment.hours_last7_days, 4.0);
        assert_eq!(b.time_investment.score, 80.0);
        assert_eq!(b.time_investment.comparison_to_recommended, 80.0);
        // 4 h + 3 h; (6*40 + 3*60)/9 = 46.7 min
        assert_eq!(b.time_investment.hours_last30_days, 7.0);
        assert_eq!(b.time_investment.average_session_duration, Some(46.7));
        // Q = 0.4*75 + 20*(5/3)/5 + 20*5/10 + 20*1/3 = 30 + 6.67 + 10 + 6.67 = 53.3
        assert_eq!(b.interaction_quality.content_completion_rate, Some(75.0));
        assert_eq!(b.interaction_quality.chatbot_interactions, 1.7);
        assert_eq!(b.interaction_quality.practice_attempts, 5.0);
        assert_eq!(b.interaction_quality.assessment_attempts, 1.0);
        assert_eq!(b.interaction_quality.score, 53.3);
        // video, article, quiz -> 60
        assert_eq!(b.resource_usage.score, 60.0);
        assert_eq!(
            b.resource_usage.content_types_used,
            vec![ContentType::Video, ContentType::Article, ContentType::Quiz]
        );
        assert_eq!(
            b.resource_usage.underutilized_resources,
            vec![ContentType::Interactive, ContentType::Podcast]
        );
        assert_eq!(
            b.resource_usage.preferred_content_type,
            Some(ContentType::Video)
        );
        // 27 + 20 + 13.33 + 12 = 72.33 -> 72
        assert_eq!(e.overall_score, 72);
        assert_eq!(e.engagement_band, EngagementBand::Engaged);
        assert_eq!(e.score_grade, ScoreGrade::Good);
        assert_eq!(e.score_trend, Some(7));
        assert_eq!(e.risk_assessment.risk_level, RiskLevel::Low);
        assert_eq!(e.risk_assessment.risk_score, 28);
        assert!(e.risk_assessment.risk_factors.is_empty());
        assert!(!e.risk_assessment.intervention_recommended);
        // Behaviour: 09:00 sessions 240 min vs 20:00 sessions 180 min.
        let p = &e.behavioral_patterns;
        assert_eq!(p.peak_learning_time.as_deref(), Some("08:00-10:00"));
        // Friday (Jun 12 + Jun 5) and Sunday (Jun 14 + Jun 7) 100 min each, Tuesday 60.
        assert_eq!(p.peak_learning_days, vec!["Friday", "Sunday", "Tuesday"]);
        assert_eq!(p.preferred_device.as_deref(), Some("laptop"));
        assert_eq!(p.average_sessions_per_day, Some(1.0));
        // video 1500 s of 1920 s -> visual
        assert_eq!(p.learning_style, Some(LearningStyle::Visual));
        assert_eq!(p.concentration_span, Some(40.0));
        assert!(e.comparison_to_peers.is_none());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["engagementBand"], "engaged");
        assert_eq!(json["scoreGrade"], "Good");
        assert_eq!(json["breakdowns"]["timeInvestment"]["hoursLast7Days"], 4.0);
        assert_eq!(
            json["breakdowns"]["consistency"]["loginFrequencyTarget"],
            serde_json::json!(5),
            "an integer, as analytics.md writes it"
        );
        assert!(json["comparisonToPeers"].is_null());
        assert_eq!(
            overall_score(&r, &catalog(), None, &clock()),
            Some(e.overall_score)
        );
    }

    #[test]
    fn labels_follow_the_thresholds() {
        assert_eq!(EngagementBand::of(80), EngagementBand::HighlyEngaged);
        assert_eq!(EngagementBand::of(79), EngagementBand::Engaged);
        assert_eq!(EngagementBand::of(50), EngagementBand::Engaged);
        assert_eq!(EngagementBand::of(49), EngagementBand::AtRisk);
        assert_eq!(ScoreGrade::of(85), ScoreGrade::Excellent);
        assert_eq!(ScoreGrade::of(84), ScoreGrade::Good);
        assert_eq!(ScoreGrade::of(70), ScoreGrade::Good);
        assert_eq!(ScoreGrade::of(69), ScoreGrade::Fair);
        assert_eq!(ScoreGrade::of(50), ScoreGrade::Fair);
        assert_eq!(ScoreGrade::of(49), ScoreGrade::Poor);
        assert_eq!(RiskLevel::of(70), RiskLevel::Low);
        assert_eq!(RiskLevel::of(69), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(50), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(49), RiskLevel::High);
    }

    #[test]
    fn an_enrolled_learner_without_activity_scores_zero() {
        let r = record(1);
        let run = |r: &LearnerRecord| {
            compute(
                r,
                &catalog(),
                None,
                &clock(),
                Some(10),
                &OrgEngagementScores::default(),
            )
        };
        assert!(
            run(&r).ready().is_none(),
            "nothing at all: insufficient data"
        );
        let mut r = record(1);
        r.enrollments.push(Enrollment {
            id: EnrollmentId(uuid::Uuid::from_u128(77)),
            user_id: uid(1),
            course_id: CourseId(uuid::Uuid::from_u128(78)),
            enrolled_at: now() - Duration::days(3),
            status: EnrollmentStatus::Active,
            progress_pct: 0.0,
            completed_at: None,
            last_activity_at: None,
            assignment_type: AssignmentType::Mandatory,
            due_date: None,
        });
        // lf 0, streak 0, gap 14 (capped at 7) -> C = 0; T = Q = R = 0 -> 0.
        let e = ready(run(&r));
        assert_eq!(e.overall_score, 0);
        assert_eq!(e.breakdowns.consistency.longest_gap, 14);
        assert_eq!(
            e.breakdowns.interaction_quality.content_completion_rate,
            None
        );
        assert_eq!(e.breakdowns.time_investment.average_session_duration, None);
        assert_eq!(e.engagement_band, EngagementBand::AtRisk);
        assert_eq!(e.score_grade, ScoreGrade::Poor);
        assert_eq!(e.score_trend, Some(-10));
        assert_eq!(e.risk_assessment.risk_level, RiskLevel::High);
        assert_eq!(e.risk_assessment.risk_score, 100);
        assert_eq!(e.risk_assessment.risk_factors.len(), 4);
        assert!(e.risk_assessment.intervention_recommended);
        assert_eq!(e.behavioral_patterns.peak_learning_time, None);
        assert_eq!(e.behavioral_patterns.learning_style, None);
        assert_eq!(e.behavioral_patterns.average_sessions_per_day, None);
        assert_eq!(e.behavioral_patterns.underutilized_resources.len(), 5);
    }

    #[test]
    fn recommended_hours_come_from_the_organisation() {
        // 4 h against an org setting of 8 h -> T = 50.
        let r = example_learner();
        let org = OrgRecord {
            org: Organization {
                id: org_id(),
                external_id: None,
                name: "Org".into(),
                timezone: None,
                settings: OrgSettings {
                    recommended_hours_per_week: Some(8.0),
                    ..OrgSettings::default()
                },
            },
            departments: vec![],
            teams: vec![],
            kpis: vec![],
            value_propositions: vec![],
            members: vec![],
        };
        let e = ready(compute(
            &r,
            &catalog(),
            Some(&org),
            &clock(),
            None,
            &OrgEngagementScores::default(),
        ));
        assert_eq!(e.breakdowns.time_investment.recommended_hours_per_week, 8.0);
        assert_eq!(e.breakdowns.time_investment.score, 50.0);
        assert_eq!(e.score_trend, None);
    }

    #[test]
    fn peers_need_k_other_members() {
        // The subject (score 72) plus peers 2..=11 scoring 30, 35, ..., 75.
        let mut scores: Vec<(UserId, OrgId, i64)> = vec![(uid(1), org_id(), 72)];
        scores.extend((2..=11).map(|n| (uid(n), org_id(), 20 + 5 * n as i64)));
        let peers = OrgEngagementScores::from_scores(scores.clone());
        let r = example_learner();
        let e = ready(compute(&r, &catalog(), None, &clock(), None, &peers));
        // mean(30..=75 step 5) = 52.5; below 72: 30..70 = 9 of 10 -> 90
        assert_eq!(
            e.comparison_to_peers,
            Some(PeerComparison {
                your_score: 72,
                peer_average: 52.5,
                percentile: 90,
            })
        );
        // Nine peers: suppressed.
        scores.retain(|(u, _, _)| *u != uid(11));
        let peers = OrgEngagementScores::from_scores(scores);
        assert!(peers.compare(org_id(), uid(1), 72).is_suppressed());
        let e = ready(compute(&r, &catalog(), None, &clock(), None, &peers));
        assert_eq!(e.comparison_to_peers, None);
    }

    #[test]
    fn peer_builder_scores_every_org_member() {
        let mut other = example_learner();
        other.user.id = uid(2);
        let built = OrgEngagementScores::build(
            &[example_learner(), other, record(3)],
            &catalog(),
            &BTreeMap::new(),
            now(),
        );
        // Two scored members (the empty record 3 has insufficient data).
        assert_eq!(built.orgs[&org_id()].by_user.len(), 2);
        assert_eq!(built.orgs[&org_id()].by_user[&uid(2)], 72);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn histogram_statistics_equal_the_common_building_blocks(
            group in proptest::collection::vec(0i64..=100, 10..40),
            mine in 0i64..=100,
        ) {
            let mut scores: Vec<(UserId, OrgId, i64)> = group
                .iter()
                .enumerate()
                .map(|(i, s)| (uid(10 + i as u128), org_id(), *s))
                .collect();
            scores.push((uid(1), org_id(), mine));
            let peers = OrgEngagementScores::from_scores(scores);
            let shown = peers.compare(org_id(), uid(1), mine);
            let values: Vec<f64> = group.iter().map(|s| *s as f64).collect();
            let c = shown.shown().unwrap();
            prop_assert_eq!(c.percentile, percentile_rank(mine as f64, &values).unwrap());
            prop_assert_eq!(c.peer_average, round_dp(mean(&values).unwrap(), 1));
        }

        #[test]
        fn scores_are_bounded_labelled_and_deterministic(
            sessions in proptest::collection::vec((0i64..40, 0u32..24, 0i64..300), 0..30),
            events in proptest::collection::vec((0i64..20, 0usize..4), 0..30),
            interactions in proptest::collection::vec((0i64..40, 1u128..=4, 0.0f64..4000.0, any::<bool>()), 0..12),
            enrolled in any::<bool>(),
            earlier in proptest::option::of(0i64..=100),
        ) {
            let mut r = record(1);
            for (i, (d, h, m)) in sessions.iter().enumerate() {
                r.sessions.push(session(i as u128, at(*d, *h, 0), *m, if i % 2 == 0 { "laptop" } else { "phone" }));
            }
            for (i, (d, kind)) in events.iter().enumerate() {
                let t = at(*d, 10, 0);
                match kind {
                    0 => r.practice.push(practice(i as u128, t)),
                    1 => r.attempts.push(attempt(i as u128, t)),
                    2 => r.help_requests.push(HelpRequest { user_id: uid(1), occurred_at: t, course_id: None }),
                    _ => r.content_interactions.push(interaction(1, t, 60.0, true)),
                }
            }
            for (d, n, secs, done) in &interactions {
                r.content_interactions.push(interaction(*n, at(*d, 15, 0), *secs, *done));
            }
            if enrolled {
                r.paths.push(UserLearningPath {
                    user_id: uid(1),
                    path_id: PathId(uuid::Uuid::from_u128(5)),
                    status: PathStatus::Active,
                    started_at: now() - Duration::days(50),
                    target_date: None,
                    topics_total: 3,
                    topics_completed: 0,
                    progress_pct: 0.0,
                    completed_at: None,
                    last_activity_at: now(),
                });
            }
            r.sort();
            let run = || compute(&r, &catalog(), None, &clock(), earlier, &OrgEngagementScores::default());
            let first = run();
            prop_assert_eq!(&first, &run());
            let Some(e) = first.ready() else { return Ok(()); };
            prop_assert!((0..=100).contains(&e.overall_score));
            prop_assert_eq!(e.engagement_band, EngagementBand::of(e.overall_score));
            prop_assert_eq!(e.score_grade, ScoreGrade::of(e.overall_score));
            prop_assert_eq!(e.risk_assessment.risk_level, RiskLevel::of(e.overall_score));
            prop_assert_eq!(e.risk_assessment.risk_score, 100 - e.overall_score);
            prop_assert_eq!(e.risk_assessment.intervention_recommended, e.overall_score < 70);
            let b = &e.breakdowns;
            for score in [b.consistency.score, b.time_investment.score, b.interaction_quality.score, b.resource_usage.score] {
                prop_assert!(score.is_finite() && (0.0..=100.0).contains(&score));
            }
            prop_assert!(b.interaction_quality.content_completion_rate.is_none_or(|c| (0.0..=100.0).contains(&c)));
            prop_assert!(b.consistency.longest_gap <= 14);
            prop_assert!(e.behavioral_patterns.peak_learning_days.len() <= 3);
            prop_assert!(serde_json::to_string(e).is_ok());
        }
    }
}
