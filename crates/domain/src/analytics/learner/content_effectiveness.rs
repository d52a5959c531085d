//! AS-001.6 Course & Content Effectiveness (`content_effectiveness`; endpoint L6 for the
//! learner scope; the trainer and org scopes feed trainer/org views and recommendations).
//!
//! Question answered: which content (format, item, creation method, course) goes with
//! better assessment results: for one learner (`learner` scope), for a trainer's own
//! content (`trainer` scope, effect sizes from pre/post pairs) and across an organisation
//! (`org` scope)?
//!
//! Inputs: the [`Catalog`] (content items with type, creation method and module; modules;
//! assessments), the learners' [`LearnerRecord`]s (content interactions, assessment
//! attempts) and [`ContentFilters`]: `start`, `end` (required; the learner endpoint derives
//! them from its `window`: `start = now - window`, `end = now`, decision 12, see
//! [`ContentFilters::for_window`]), optional `courseId`, `moduleId`, `contentType`,
//! `creationMethod`.
//!
//! # Attribution (spec, decided there)
//! - Interactions count when they started in `[start, end)`; an item is *started* by a
//!   learner with any such interaction, *completed* when one of them is `completed`, and
//!   *consumed* when one has `progressPct >= 50` or is completed.
//! - Post score of learner L on module M = L's best score on M's non-pre assessments; pre
//!   score = L's score on M's pre-assessment, else on the course's pre-assessment (a `pre`
//!   assessment of the course without a module). Scores use attempts submitted before
//!   `end`; "the score" on a pre-assessment is the first attempt's **(decided here)**.
//! - Each consumed item gets L's post score on its module (items without a module get
//!   none); a pre/post pair exists when both exist.
//! - Filters: an item's course is its `courseId`, else its module's course.
//!
//! # Learner scope ([`compute`], [`compute_learner`])
//! - `effectivenessByType [{type, avgScore, count}]`: per content type, the mean post score
//!   of the consumed items that have one (`count` = those items); types without a scored
//!   item are left out.
//! - `engagementToScoreCorrelation` = Pearson r over the learner's modules with in-range
//!   interactions and a post score: x = minutes of all in-range interactions with the
//!   module's items, y = the post score (null if n < 3 or a variance is 0; 2 dp).
//! - `topContent` / `lowContent`: the 3 best / worst scored consumed items
//!   `{contentId, title, type, score}`; an item in `topContent` is not repeated in
//!   `lowContent` **(decided here)**.
//! - `recommendedContentType` = the type with the best `avgScore` among those with count
//!   >= 3 (ties: larger count, then type order), else null.
//! - [`Analysis::InsufficientData`] when the learner has no interaction in the range.
//!
//! # Trainer scope ([`compute_trainer`])
//! Items of the courses listing the trainer (after the filters); the trainer's own record
//! is left out.
//! - `effectSizeByContent [{contentId, title, type, method, delta, effectSize, n}]`: per
//!   item, over the learners who consumed it and have a pre/post pair: n = those learners,
//!   `delta = mean(post - pre)` (1 dp), `effectSize` = paired Cohen's d (2 dp). Ordered by
//!   effect size (largest first), then title, then id.
//! - `completionByFormat [{type, completionPct}]` = completed / started (learner × item) * 100.
//! - `flaggedLowEffectivenessContent` = the entries with n >= K and (effectSize < 0.2 or
//!   delta <= 0), same fields.
//! - [`Analysis::InsufficientData`] when the trainer has no course or nobody interacted
//!   with the content in the range.
//!
//! - Per content type of one course ([`course_effect_size_by_type`], for AS-004.17's
//!   "convert formats" trainer rule): paired Cohen's d over one (pre, post) pair per learner
//!   and type, types with >= K such learners.
//!
//! # Org scope ([`compute_org`])
//! The organisation's members (and records whose user belongs to it); any content they
//! used.
//! - `formatEffectivenessIndex [{type, index}]`: `index = avgPost(type) / avgPost(all) *
//!   100` (1 dp) over scored consumptions (learner × item).
//! - `aiVsManualDelta {delta, aiAvg, manualAvg, aiCount, manualCount}`: mean post score of
//!   scored consumptions of `ai` vs `manual` items (hybrid excluded), `delta = aiAvg -
//!   manualAvg`, counts = scored consumptions; null if a side has < K learners.
//! - `courseEffectivenessRanking [{courseId, title, meanDelta, avgPostScore, rank}]`:
//!   per course, `meanDelta` = mean(post - pre) over its pre/post pairs (learner × consumed
//!   item), `avgPostScore` = mean post score of its scored consumptions; rank 1 = largest
//!   mean delta (ties: higher avgPostScore, title, id).
//! - [`Analysis::InsufficientData`] when no member interacted with content in the range.
//!
//! # k-anonymity
//! "Trainer/org aggregates need >= K learners per item/type/course" (spec): every trainer
//! and org entry is built through [`Guarded`] with its distinct-learner count (for items
//! and courses: learners with a pre/post pair; for the org's types and the AI/manual
//! sides: learners with a scored consumption; for the trainer's formats: learners who
//! started an item of the format); entries below K are left out of the lists
//! (the AI/manual comparison is null) so that no size below K is disclosed. This is the
//! analytic's own minimum, applied to trainers too although decision 14 would let a trainer
//! see small classes of their own courses **(decided here)**. No list shows a total next to
//! its segments, so complementary suppression is not needed.
//!
//! `insights` are deterministic templates (see the `*_insights` functions).

use crate::analytics::common::{K, mean, paired_cohens_d, pct, pearson, round_dp};
use crate::analytics::privacy::Guarded;
use crate::analytics::{Analysis, Catalog, Clock, LearnerRecord, OrgRecord, Window};
use crate::ids::{ContentId, CourseId, ModuleId, UserId};
use crate::model::{AssessmentKind, ContentItem, ContentType, Course, CreationMethod};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Progress at which an item counts as consumed.
pub const CONSUMED_PROGRESS: f64 = 50.0;
/// Minimum scored items of a type for `recommendedContentType`.
pub const RECOMMEND_MIN_ITEMS: usize = 3;
/// Effect size below which an item is flagged.
pub const LOW_EFFECT_SIZE: f64 = 0.2;
/// Items in `topContent` / `lowContent`.
pub const TOP_ITEMS: usize = 3;

/// The filters of AS-001.6.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContentFilters {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub course_id: Option<CourseId>,
    pub module_id: Option<ModuleId>,
    pub content_type: Option<ContentType>,
    pub creation_method: Option<CreationMethod>,
}

impl ContentFilters {
    /// `[start, end)` without further filters.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        ContentFilters {
            start,
            end,
            course_id: None,
            module_id: None,
            content_type: None,
            creation_method: None,
        }
    }

    /// The learner endpoint's range: `start = now - window`, `end = now` (decision 12).
    pub fn for_window(clock: &Clock, window: Window) -> Self {
        ContentFilters::new(clock.now - Duration::days(window.days()), clock.now)
    }

    fn admits(&self, item: &ContentItem, catalog: &Catalog) -> bool {
        self.course_id
            .is_none_or(|c| item_course(item, catalog) == Some(c))
            && self.module_id.is_none_or(|m| item.module_id == Some(m))
            && self.content_type.is_none_or(|t| item.content_type == t)
            && self
                .creation_method
                .is_none_or(|m| item.creation_method == m)
    }
}

/// An item's course: its own, else its module's.
fn item_course(item: &ContentItem, catalog: &Catalog) -> Option<CourseId> {
    item.course_id.or_else(|| {
        item.module_id
            .and_then(|m| catalog.modules.get(&m))
            .map(|m| m.course_id)
    })
}

/// One learner's use of one item in the range.
#[derive(Debug, Default, Clone, Copy)]
struct ItemUse {
    consumed: bool,
    completed: bool,
    minutes: f64,
}

/// What one learner did with the content in scope during the range, and their scores.
struct LearnerUse<'c> {
    user: UserId,
    items: BTreeMap<ContentId, (&'c ContentItem, ItemUse)>,
    post_by_module: BTreeMap<ModuleId, f64>,
    pre_by_module: BTreeMap<ModuleId, (DateTime<Utc>, f64)>,
    pre_by_course: BTreeMap<CourseId, (DateTime<Utc>, f64)>,
    catalog: &'c Catalog,
}

impl<'c> LearnerUse<'c> {
    fn gather(
        record: &LearnerRecord,
        catalog: &'c Catalog,
        filters: &ContentFilters,
        in_scope: &dyn Fn(&ContentItem) -> bool,
    ) -> Self {
        let mut items: BTreeMap<ContentId, (&ContentItem, ItemUse)> = BTreeMap::new();
        for interaction in &record.content_interactions {
            if interaction.started_at < filters.start || interaction.started_at >= filters.end {
                continue;
            }
            let Some(item) = catalog.content.get(&interaction.content_id) else {
                continue;
            };
            if !in_scope(item) {
                continue;
            }
            let (_, usage) = items.entry(item.id).or_insert((item, ItemUse::default()));
            usage.completed |= interaction.completed;
            usage.consumed |=
                interaction.completed || interaction.progress_pct >= CONSUMED_PROGRESS;
            if interaction.duration_seconds.is_finite() && interaction.duration_seconds > 0.0 {
                usage.minutes += interaction.duration_seconds / 60.0;
            }
        }
        let mut post_by_module: BTreeMap<ModuleId, f64> = BTreeMap::new();
        let mut pre_by_module: BTreeMap<ModuleId, (DateTime<Utc>, f64)> = BTreeMap::new();
        let mut pre_by_course: BTreeMap<CourseId, (DateTime<Utc>, f64)> = BTreeMap::new();
        let earliest = |slot: &mut (DateTime<Utc>, f64), at: DateTime<Utc>, score: f64| {
            if at < slot.0 {
                *slot = (at, score);
            }
        };
        for attempt in record
            .attempts
            .iter()
            .filter(|a| a.submitted_at < filters.end)
        {
            let (Some(assessment), Some(score)) = (
                catalog.assessments.get(&attempt.assessment_id),
                attempt.score_pct(),
            ) else {
                continue;
            };
            let score = score.clamp(0.0, 100.0);
            let at = attempt.submitted_at;
            match (assessment.kind, assessment.module_id, assessment.course_id) {
                (AssessmentKind::Pre, Some(module), _) => {
                    let slot = pre_by_module.entry(module).or_insert((at, score));
                    earliest(slot, at, score);
                }
                (AssessmentKind::Pre, None, Some(course)) => {
                    let slot = pre_by_course.entry(course).or_insert((at, score));
                    earliest(slot, at, score);
                }
                (AssessmentKind::Pre, None, None) => {}
                (_, Some(module), _) => {
                    let best = post_by_module.entry(module).or_insert(score);
                    *best = best.max(score);
                }
                (_, None, _) => {}
            }
        }
        LearnerUse {
            user: record.id(),
            items,
            post_by_module,
            pre_by_module,
            pre_by_course,
            catalog,
        }
    }

    fn post(&self, item: &ContentItem) -> Option<f64> {
        item.module_id
            .and_then(|m| self.post_by_module.get(&m).copied())
    }

    fn pre(&self, item: &ContentItem) -> Option<f64> {
        let module = item.module_id?;
        self.pre_by_module.get(&module).map(|p| p.1).or_else(|| {
            self.catalog
                .modules
                .get(&module)
                .and_then(|m| self.pre_by_course.get(&m.course_id))
                .map(|p| p.1)
        })
    }

    /// Consumed items with their post score, and pre score when there is one.
    fn scored(&self) -> impl Iterator<Item = (&'c ContentItem, f64, Option<f64>)> + '_ {
        self.items
            .values()
            .filter(|(_, usage)| usage.consumed)
            .filter_map(|(item, _)| self.post(item).map(|post| (*item, post, self.pre(item))))
    }
}

// ---------------------------------------------------------------------------------------
// Learner scope
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearnerContentEffectiveness {
    pub effectiveness_by_type: Vec<TypeEffectiveness>,
    pub engagement_to_score_correlation: Option<f64>,
    pub top_content: Vec<ContentScore>,
    pub low_content: Vec<ContentScore>,
    pub recommended_content_type: Option<ContentType>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeEffectiveness {
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub avg_score: f64,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentScore {
    pub content_id: ContentId,
    pub title: String,
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub score: f64,
}

/// The L6 endpoint: the learner scope over `[now - window, now)`.
pub fn compute(
    record: &LearnerRecord,
    catalog: &Catalog,
    clock: &Clock,
    window: Window,
) -> Analysis<LearnerContentEffectiveness> {
    compute_learner(record, catalog, &ContentFilters::for_window(clock, window))
}

/// The learner scope with explicit filters.
pub fn compute_learner(
    record: &LearnerRecord,
    catalog: &Catalog,
    filters: &ContentFilters,
) -> Analysis<LearnerContentEffectiveness> {
    let usage = LearnerUse::gather(record, catalog, filters, &|item| {
        filters.admits(item, catalog)
    });
    if usage.items.is_empty() {
        return Analysis::InsufficientData("no content interaction in the range");
    }
    let scored: Vec<(&ContentItem, f64)> = usage.scored().map(|(i, post, _)| (i, post)).collect();

    let mut by_type: BTreeMap<ContentType, Vec<f64>> = BTreeMap::new();
    for (item, score) in &scored {
        by_type.entry(item.content_type).or_default().push(*score);
    }
    let type_means: Vec<(ContentType, f64, usize)> = by_type
        .iter()
        .filter_map(|(t, scores)| mean(scores).map(|m| (*t, m, scores.len())))
        .collect();
    let recommended = type_means
        .iter()
        .filter(|(_, _, n)| *n >= RECOMMEND_MIN_ITEMS)
        .min_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)))
        .map(|(t, m, n)| (*t, *m, *n));

    // Per module: minutes of all in-range interactions vs the post score.
    let mut module_minutes: BTreeMap<ModuleId, f64> = BTreeMap::new();
    for (item, item_use) in usage.items.values() {
        if let Some(module) = item.module_id {
            *module_minutes.entry(module).or_default() += item_use.minutes;
        }
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = module_minutes
        .iter()
        .filter_map(|(m, minutes)| usage.post_by_module.get(m).map(|post| (*minutes, *post)))
        .unzip();
    let correlation = pearson(&xs, &ys).map(|r| round_dp(r, 2));

    let to_entry = |(item, score): &(&ContentItem, f64)| ContentScore {
        content_id: item.id,
        title: item.title.clone(),
        content_type: item.content_type,
        score: round_dp(*score, 1),
    };
    let mut ranked = scored.clone();
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.title.cmp(&b.0.title))
            .then(a.0.id.cmp(&b.0.id))
    });
    let top: Vec<ContentScore> = ranked.iter().take(TOP_ITEMS).map(to_entry).collect();
    let top_ids: BTreeSet<ContentId> = top.iter().map(|c| c.content_id).collect();
    let mut low_ranked: Vec<&(&ContentItem, f64)> = ranked
        .iter()
        .filter(|(item, _)| !top_ids.contains(&item.id))
        .collect();
    low_ranked.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then_with(|| a.0.title.cmp(&b.0.title))
            .then(a.0.id.cmp(&b.0.id))
    });
    let low: Vec<ContentScore> = low_ranked
        .into_iter()
        .take(TOP_ITEMS)
        .map(to_entry)
        .collect();

    let effectiveness_by_type: Vec<TypeEffectiveness> = type_means
        .iter()
        .map(|(t, m, n)| TypeEffectiveness {
            content_type: *t,
            avg_score: round_dp(*m, 1),
            count: *n as u32,
        })
        .collect();
    let insights = learner_insights(
        scored.is_empty(),
        recommended,
        correlation,
        low.first().or(top.last()),
    );
    Analysis::Ready(LearnerContentEffectiveness {
        effectiveness_by_type,
        engagement_to_score_correlation: correlation,
        top_content: top,
        low_content: low,
        recommended_content_type: recommended.map(|r| r.0),
        insights,
    })
}

fn learner_insights(
    nothing_scored: bool,
    recommended: Option<(ContentType, f64, usize)>,
    correlation: Option<f64>,
    weakest: Option<&ContentScore>,
) -> Vec<String> {
    let mut insights = Vec::new();
    if nothing_scored {
        insights.push(
            "None of the content you used in this period has a module assessment result yet; \
             complete the module assessments to see which content works best for you."
                .to_string(),
        );
        return insights;
    }
    match recommended {
        Some((t, avg, n)) => insights.push(format!(
            "You score highest after {t} content: {}% on average over {n} items.",
            round_dp(avg, 1)
        )),
        None => insights.push(format!(
            "Use at least {RECOMMEND_MIN_ITEMS} assessed items of one format to get a format \
             recommendation."
        )),
    }
    match correlation {
        Some(r) if r >= 0.3 => insights.push(format!(
            "Modules where you spend more time on the content end with higher scores (r = {r})."
        )),
        Some(r) if r <= -0.3 => insights.push(format!(
            "More time on content has not meant higher module scores (r = {r}); try another \
             format for difficult modules."
        )),
        Some(r) => insights.push(format!(
            "Time spent on content and module scores are only weakly related (r = {r})."
        )),
        None => {}
    }
    if let Some(item) = weakest.filter(|i| i.score < 60.0) {
        insights.push(format!(
            "Consider revisiting \"{}\": its module score is {}%.",
            item.title, item.score
        ));
    }
    insights
}

// ---------------------------------------------------------------------------------------
// Trainer scope
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainerContentEffectiveness {
    pub effect_size_by_content: Vec<ContentEffect>,
    pub completion_by_format: Vec<FormatCompletion>,
    pub flagged_low_effectiveness_content: Vec<ContentEffect>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentEffect {
    pub content_id: ContentId,
    pub title: String,
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub method: CreationMethod,
    pub delta: f64,
    pub effect_size: f64,
    pub n: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatCompletion {
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub completion_pct: f64,
}

/// An item and its learners' (pre, post) pairs.
type ItemPairs<'c> = (&'c ContentItem, Vec<(f64, f64)>);

/// Whether an effect entry is flagged: n >= K and (effect size < 0.2 or delta <= 0).
pub fn is_low_effectiveness(n: usize, delta: f64, effect_size: f64) -> bool {
    n >= K && (effect_size < LOW_EFFECT_SIZE || delta <= 0.0)
}

/// The trainer scope: the content of the trainer's courses.
pub fn compute_trainer(
    trainer: UserId,
    learners: &[LearnerRecord],
    catalog: &Catalog,
    filters: &ContentFilters,
) -> Analysis<TrainerContentEffectiveness> {
    let courses: BTreeSet<CourseId> = catalog.courses_of_trainer(trainer).map(|c| c.id).collect();
    if courses.is_empty() {
        return Analysis::InsufficientData("the trainer teaches no course");
    }
    let in_scope = |item: &ContentItem| {
        filters.admits(item, catalog)
            && item_course(item, catalog).is_some_and(|c| courses.contains(&c))
    };
    let uses: Vec<LearnerUse> = learners
        .iter()
        .filter(|r| r.id() != trainer)
        .map(|r| LearnerUse::gather(r, catalog, filters, &in_scope))
        .filter(|u| !u.items.is_empty())
        .collect();
    if uses.is_empty() {
        return Analysis::InsufficientData("nobody used the trainer's content in the range");
    }

    // Pre/post pairs per item (one per learner).
    let mut pairs: BTreeMap<ContentId, ItemPairs> = BTreeMap::new();
    let mut formats: BTreeMap<ContentType, FormatUse> = BTreeMap::new();
    for usage in &uses {
        for (item, item_use) in usage.items.values() {
            let format = formats.entry(item.content_type).or_default();
            format.started += 1;
            format.completed += usize::from(item_use.completed);
            format.learners.insert(usage.user);
        }
        for (item, post, pre) in usage.scored() {
            if let Some(pre) = pre {
                pairs
                    .entry(item.id)
                    .or_insert((item, Vec::new()))
                    .1
                    .push((pre, post));
            }
        }
    }

    // (entry, flagged) per item with at least K pairs.
    let mut effects: Vec<(ContentEffect, bool)> = Vec::new();
    for (item, item_pairs) in pairs.values() {
        let guarded = Guarded::new(item_pairs.len(), || {
            let deltas: Vec<f64> = item_pairs.iter().map(|(pre, post)| post - pre).collect();
            let delta = mean(&deltas).unwrap_or(0.0);
            let d = paired_cohens_d(item_pairs).unwrap_or(0.0);
            let entry = ContentEffect {
                content_id: item.id,
                title: item.title.clone(),
                content_type: item.content_type,
                method: item.creation_method,
                delta: round_dp(delta, 1),
                effect_size: round_dp(d, 2),
                n: item_pairs.len() as u32,
            };
            // Flagging uses the unrounded values.
            (entry, is_low_effectiveness(item_pairs.len(), delta, d))
        });
        if let Guarded::Shown(effect) = guarded {
            effects.push(effect);
        }
    }
    effects.sort_by(|a, b| {
        b.0.effect_size
            .total_cmp(&a.0.effect_size)
            .then_with(|| a.0.title.cmp(&b.0.title))
            .then(a.0.content_id.cmp(&b.0.content_id))
    });
    let flagged: Vec<ContentEffect> = effects
        .iter()
        .filter(|(_, flag)| *flag)
        .map(|(e, _)| e.clone())
        .collect();
    let effects: Vec<ContentEffect> = effects.into_iter().map(|(e, _)| e).collect();

    let completion: Vec<FormatCompletion> = formats
        .iter()
        .filter_map(|(t, format)| {
            let guarded = Guarded::new(format.learners.len(), || {
                pct(format.completed as f64, format.started as f64).map(|p| FormatCompletion {
                    content_type: *t,
                    completion_pct: round_dp(p, 1),
                })
            });
            match guarded {
                Guarded::Shown(entry) => entry,
                Guarded::Suppressed => None,
            }
        })
        .collect();

    let insights = trainer_insights(&effects, &flagged, &completion);
    Analysis::Ready(TrainerContentEffectiveness {
        effect_size_by_content: effects,
        completion_by_format: completion,
        flagged_low_effectiveness_content: flagged,
        insights,
    })
}

/// The effect size of one content type in one course (feeds AS-004.17's "convert formats"
/// trainer rule, see [`course_effect_size_by_type`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeEffectSize {
    pub content_type: ContentType,
    /// Paired Cohen's d over the learners' (pre, post) pairs of the type, 2 dp.
    pub effect_size: f64,
    /// Learners with a pair for the type (>= K, else the type is left out).
    pub learners: usize,
}

/// Per content type of `course`'s items (after `filters`), the paired Cohen's d of its
/// learners' pre/post pairs, with the attribution of the trainer scope **(decided here;
/// the spec names "effect sizes of types" without defining them)**:
/// - a learner's pair for a type = (mean pre, mean post) over the distinct modules where
///   the learner consumed an item of the type and has a pre/post pair, so that each learner
///   counts once per type and a module with many items of one type weighs as one;
/// - the course's trainers are left out (as the trainer scope leaves the trainer out);
/// - a type is listed only with >= K learners with a pair (the analytic's "aggregates need
///   >= K learners per ... type"), in type order.
pub fn course_effect_size_by_type<'a>(
    course: &Course,
    learners: impl IntoIterator<Item = &'a LearnerRecord>,
    catalog: &Catalog,
    filters: &ContentFilters,
) -> Vec<TypeEffectSize> {
    let in_scope = |item: &ContentItem| {
        filters.admits(item, catalog) && item_course(item, catalog) == Some(course.id)
    };
    let mut pairs_by_type: BTreeMap<ContentType, Vec<(f64, f64)>> = BTreeMap::new();
    for record in learners
        .into_iter()
        .filter(|r| !course.trainer_ids.contains(&r.id()))
    {
        let usage = LearnerUse::gather(record, catalog, filters, &in_scope);
        let mut modules_by_type: BTreeMap<ContentType, BTreeMap<ModuleId, (f64, f64)>> =
            BTreeMap::new();
        for (item, post, pre) in usage.scored() {
            if let (Some(pre), Some(module)) = (pre, item.module_id) {
                modules_by_type
                    .entry(item.content_type)
                    .or_default()
                    .insert(module, (pre, post));
            }
        }
        for (content_type, modules) in modules_by_type {
            let pres: Vec<f64> = modules.values().map(|(pre, _)| *pre).collect();
            let posts: Vec<f64> = modules.values().map(|(_, post)| *post).collect();
            if let (Some(pre), Some(post)) = (mean(&pres), mean(&posts)) {
                pairs_by_type
                    .entry(content_type)
                    .or_default()
                    .push((pre, post));
            }
        }
    }
    pairs_by_type
        .into_iter()
        .filter_map(|(content_type, pairs)| {
            let guarded = Guarded::new(pairs.len(), || {
                paired_cohens_d(&pairs).map(|d| TypeEffectSize {
                    content_type,
                    effect_size: round_dp(d, 2),
                    learners: pairs.len(),
                })
            });
            match guarded {
                Guarded::Shown(entry) => entry,
                Guarded::Suppressed => None,
            }
        })
        .collect()
}

fn trainer_insights(
    effects: &[ContentEffect],
    flagged: &[ContentEffect],
    completion: &[FormatCompletion],
) -> Vec<String> {
    let mut insights = Vec::new();
    match effects.first() {
        None => insights.push(format!(
            "No content item has {K} learners with pre- and post-assessment scores in this \
             period yet; effect sizes appear from {K} learners per item."
        )),
        Some(best) if best.delta > 0.0 => insights.push(format!(
            "Most effective item: \"{}\" (+{} points, effect size {}).",
            best.title, best.delta, best.effect_size
        )),
        Some(_) => {}
    }
    if !flagged.is_empty() {
        let weakest = flagged
            .iter()
            .min_by(|a, b| {
                a.effect_size
                    .total_cmp(&b.effect_size)
                    .then_with(|| a.title.cmp(&b.title))
                    .then(a.content_id.cmp(&b.content_id))
            })
            .expect("non-empty");
        insights.push(format!(
            "{} content item(s) show little or no learning gain (effect size below \
             {LOW_EFFECT_SIZE} or no score increase); start with \"{}\" (effect size {}).",
            flagged.len(),
            weakest.title,
            weakest.effect_size
        ));
    }
    if completion.len() >= 2 {
        let lowest = completion
            .iter()
            .min_by(|a, b| {
                a.completion_pct
                    .total_cmp(&b.completion_pct)
                    .then(a.content_type.cmp(&b.content_type))
            })
            .expect("non-empty");
        insights.push(format!(
            "{} content has the lowest completion rate ({}%).",
            lowest.content_type, lowest.completion_pct
        ));
    }
    insights
}

// ---------------------------------------------------------------------------------------
// Org scope
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgContentEffectiveness {
    pub format_effectiveness_index: Vec<FormatIndex>,
    pub ai_vs_manual_delta: Option<AiVsManualDelta>,
    pub course_effectiveness_ranking: Vec<CourseEffectiveness>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatIndex {
    #[serde(rename = "type")]
    pub content_type: ContentType,
    pub index: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AiVsManualDelta {
    pub delta: f64,
    pub ai_avg: f64,
    pub manual_avg: f64,
    pub ai_count: u32,
    pub manual_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseEffectiveness {
    pub course_id: CourseId,
    pub title: String,
    pub mean_delta: f64,
    pub avg_post_score: f64,
    pub rank: u32,
}

/// Starts and completions of one content type, and the learners behind them.
#[derive(Default)]
struct FormatUse {
    started: usize,
    completed: usize,
    learners: BTreeSet<UserId>,
}

/// One course's scored consumptions and pre/post pairs, with the learners of the pairs.
#[derive(Default)]
struct CourseScores {
    scored: ScoreGroup,
    pairs: Vec<(f64, f64)>,
    pair_learners: BTreeSet<UserId>,
}

/// Post scores and the learners behind them.
#[derive(Default)]
struct ScoreGroup {
    posts: Vec<f64>,
    learners: BTreeSet<UserId>,
}

impl ScoreGroup {
    fn add(&mut self, user: UserId, post: f64) {
        self.posts.push(post);
        self.learners.insert(user);
    }
}

/// The org scope: the organisation's members and any content they used.
pub fn compute_org(
    org: &OrgRecord,
    learners: &[LearnerRecord],
    catalog: &Catalog,
    filters: &ContentFilters,
) -> Analysis<OrgContentEffectiveness> {
    let members: BTreeSet<UserId> = org.members.iter().copied().collect();
    let in_scope = |item: &ContentItem| filters.admits(item, catalog);
    let uses: Vec<LearnerUse> = learners
        .iter()
        .filter(|r| members.contains(&r.id()) || r.user.org_id == Some(org.org.id))
        .map(|r| LearnerUse::gather(r, catalog, filters, &in_scope))
        .filter(|u| !u.items.is_empty())
        .collect();
    if uses.is_empty() {
        return Analysis::InsufficientData("no member used content in the range");
    }

    let mut all = ScoreGroup::default();
    let mut by_type: BTreeMap<ContentType, ScoreGroup> = BTreeMap::new();
    let mut ai = ScoreGroup::default();
    let mut manual = ScoreGroup::default();
    let mut courses: BTreeMap<CourseId, CourseScores> = BTreeMap::new();
    for usage in &uses {
        for (item, post, pre) in usage.scored() {
            all.add(usage.user, post);
            by_type
                .entry(item.content_type)
                .or_default()
                .add(usage.user, post);
            match item.creation_method {
                CreationMethod::Ai => ai.add(usage.user, post),
                CreationMethod::Manual => manual.add(usage.user, post),
                CreationMethod::Hybrid => {}
            }
            if let Some(course) = item_course(item, catalog) {
                let entry = courses.entry(course).or_default();
                entry.scored.add(usage.user, post);
                if let Some(pre) = pre {
                    entry.pairs.push((pre, post));
                    entry.pair_learners.insert(usage.user);
                }
            }
        }
    }

    let all_avg = mean(&all.posts);
    let format_index: Vec<FormatIndex> = by_type
        .iter()
        .filter_map(|(t, group)| {
            let guarded = Guarded::new(group.learners.len(), || {
                let index = pct(mean(&group.posts)?, all_avg?)?;
                Some(FormatIndex {
                    content_type: *t,
                    index: round_dp(index, 1),
                })
            });
            match guarded {
                Guarded::Shown(entry) => entry,
                Guarded::Suppressed => None,
            }
        })
        .collect();

    let ai_vs_manual = match Guarded::new(ai.learners.len().min(manual.learners.len()), || {
        let (ai_avg, manual_avg) = (mean(&ai.posts)?, mean(&manual.posts)?);
        Some(AiVsManualDelta {
            delta: round_dp(ai_avg - manual_avg, 1),
            ai_avg: round_dp(ai_avg, 1),
            manual_avg: round_dp(manual_avg, 1),
            ai_count: ai.posts.len() as u32,
            manual_count: manual.posts.len() as u32,
        })
    }) {
        Guarded::Shown(entry) => entry,
        Guarded::Suppressed => None,
    };

    let mut ranking: Vec<(CourseEffectiveness, f64, f64)> = courses
        .iter()
        .filter_map(|(course, scores)| {
            let guarded = Guarded::new(scores.pair_learners.len(), || {
                let deltas: Vec<f64> = scores.pairs.iter().map(|(pre, post)| post - pre).collect();
                let mean_delta = mean(&deltas)?;
                let avg_post = mean(&scores.scored.posts)?;
                let title = catalog
                    .courses
                    .get(course)
                    .map_or_else(|| course.to_string(), |c| c.title.clone());
                Some((
                    CourseEffectiveness {
                        course_id: *course,
                        title,
                        mean_delta: round_dp(mean_delta, 1),
                        avg_post_score: round_dp(avg_post, 1),
                        rank: 0,
                    },
                    mean_delta,
                    avg_post,
                ))
            });
            match guarded {
                Guarded::Shown(entry) => entry,
                Guarded::Suppressed => None,
            }
        })
        .collect();
    ranking.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.2.total_cmp(&a.2))
            .then_with(|| a.0.title.cmp(&b.0.title))
            .then(a.0.course_id.cmp(&b.0.course_id))
    });
    let ranking: Vec<CourseEffectiveness> = ranking
        .into_iter()
        .enumerate()
        .map(|(i, (mut entry, _, _))| {
            entry.rank = i as u32 + 1;
            entry
        })
        .collect();

    let insights = org_insights(&format_index, ai_vs_manual.as_ref(), &ranking);
    Analysis::Ready(OrgContentEffectiveness {
        format_effectiveness_index: format_index,
        ai_vs_manual_delta: ai_vs_manual,
        course_effectiveness_ranking: ranking,
        insights,
    })
}

fn org_insights(
    formats: &[FormatIndex],
    ai_vs_manual: Option<&AiVsManualDelta>,
    ranking: &[CourseEffectiveness],
) -> Vec<String> {
    let mut insights = Vec::new();
    let best = formats.iter().min_by(|a, b| {
        b.index
            .total_cmp(&a.index)
            .then(a.content_type.cmp(&b.content_type))
    });
    match best {
        Some(f) if formats.len() >= 2 => insights.push(format!(
            "{} content is the most effective format (index {}, 100 = average).",
            f.content_type, f.index
        )),
        _ => insights.push(format!(
            "Format comparisons appear once at least {K} learners have assessed results after \
             each format."
        )),
    }
    match ai_vs_manual {
        Some(c) if c.delta.abs() < 2.0 => insights.push(format!(
            "AI-created and manually created content perform alike ({}% vs {}%).",
            c.ai_avg, c.manual_avg
        )),
        Some(c) => insights.push(format!(
            "AI-created content scores {} points {} than manually created content ({}% vs {}%).",
            round_dp(c.delta.abs(), 1),
            if c.delta > 0.0 { "higher" } else { "lower" },
            c.ai_avg,
            c.manual_avg
        )),
        None => insights.push(format!(
            "The AI versus manual comparison needs at least {K} learners on each side."
        )),
    }
    if let Some(top) = ranking.first() {
        insights.push(format!(
            "\"{}\" leads the course ranking with a mean gain of {} points.",
            top.title, top.mean_delta
        ));
    }
    insights
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

    fn cid(n: u128) -> CourseId {
        CourseId(uuid::Uuid::from_u128(0xC000 + n))
    }

    fn mid(n: u128) -> ModuleId {
        ModuleId(uuid::Uuid::from_u128(0xB000 + n))
    }

    fn aid(n: u128) -> AssessmentId {
        AssessmentId(uuid::Uuid::from_u128(0xA000 + n))
    }

    fn item_id(n: u128) -> ContentId {
        ContentId(uuid::Uuid::from_u128(0xF000 + n))
    }

    const TRAINER: u128 = 900;
    const ORG: u128 = 0x0A;

    fn course(n: u128, trainer: Option<u128>) -> Course {
        Course {
            id: cid(n),
            external_id: None,
            title: format!("Course {n}"),
            category: "tech".into(),
            owner_org_id: None,
            trainer_ids: trainer.map(uid).into_iter().collect(),
            is_active: true,
            created_at: days_ago(300),
            updated_at: days_ago(10),
            estimated_duration_weeks: None,
            target_completion_rate: None,
            issues_certificate: false,
            taught_skills: vec![],
        }
    }

    fn module(n: u128, course: u128) -> Module {
        Module {
            id: mid(n),
            course_id: cid(course),
            order: n as i32,
            name: format!("Module {n}"),
            estimated_hours: None,
            topic_id: None,
            skill_ids: vec![],
        }
    }

    fn assessment(n: u128, kind: AssessmentKind, module: Option<u128>, course: u128) -> Assessment {
        Assessment {
            id: aid(n),
            course_id: Some(cid(course)),
            module_id: module.map(mid),
            kind,
            max_score: 100.0,
            pass_threshold: None,
            required: false,
            topic_id: None,
            skill_ids: vec![],
            due_at: None,
        }
    }

    fn item(n: u128, module: u128, t: ContentType, m: CreationMethod) -> ContentItem {
        ContentItem {
            id: item_id(n),
            external_id: None,
            course_id: None,
            module_id: Some(mid(module)),
            title: format!("Item {n}"),
            content_type: t,
            creation_method: m,
            created_by: None,
            created_at: days_ago(200),
            owner_org_id: None,
        }
    }

    /// Course 1 (modules 1-3, taught by TRAINER), course 2 (module 4).
    /// Assessments: 1 pre of module 1; 2 pre of course 1; 11-14 post of modules 1-4;
    /// 5 pre of course 2.
    /// Items: 1 video m1 (ai), 2 article m1 (manual), 3 video m2 (manual), 4 video m3 (ai),
    /// 5 quiz m4 (hybrid).
    fn catalog() -> Catalog {
        use AssessmentKind::{Exam, Post, Pre};
        use ContentType::{Article, Quiz, Video};
        use CreationMethod::*;
        Catalog::new(
            vec![],
            vec![],
            vec![course(1, Some(TRAINER)), course(2, None)],
            vec![module(1, 1), module(2, 1), module(3, 1), module(4, 2)],
            vec![
                assessment(1, Pre, Some(1), 1),
                assessment(2, Pre, None, 1),
                assessment(11, Post, Some(1), 1),
                assessment(12, AssessmentKind::Quiz, Some(2), 1),
                assessment(13, Exam, Some(3), 1),
                assessment(14, Post, Some(4), 2),
                assessment(5, Pre, None, 2),
            ],
            vec![],
            vec![
                item(1, 1, Video, Ai),
                item(2, 1, Article, Manual),
                item(3, 2, Video, Manual),
                item(4, 3, Video, Ai),
                item(5, 4, Quiz, Hybrid),
            ],
        )
    }

    fn learner(n: u128) -> LearnerRecord {
        LearnerRecord::new(User {
            id: uid(n),
            external_id: None,
            org_id: Some(OrgId(uuid::Uuid::from_u128(ORG))),
            department_id: None,
            team_id: None,
            display_name: format!("user {n}"),
            email: None,
            roles: vec![crate::Role::Learner],
            timezone: None,
            competency_level: SkillLevel::BEGINNER,
            is_active: true,
            created_at: days_ago(400),
        })
    }

    fn use_item(
        r: &mut LearnerRecord,
        item: u128,
        progress: f64,
        completed: bool,
        minutes: f64,
        d: i64,
    ) {
        r.content_interactions.push(ContentInteraction {
            user_id: r.id(),
            content_id: item_id(item),
            started_at: days_ago(d),
            last_interaction_at: days_ago(d),
            duration_seconds: minutes * 60.0,
            progress_pct: progress,
            completed,
            completed_at: completed.then(|| days_ago(d)),
        });
    }

    fn score(r: &mut LearnerRecord, a: u128, pct: f64, d: i64) {
        let n = r.attempts.len() as i32 + 1;
        r.attempts.push(AssessmentAttempt {
            id: AttemptId(uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{}-{a}-{n}", r.id()).as_bytes(),
            )),
            assessment_id: aid(a),
            user_id: r.id(),
            attempt_no: n,
            started_at: days_ago(d) - Duration::minutes(20),
            submitted_at: days_ago(d),
            duration_minutes: 20.0,
            score: pct,
            max_score: 100.0,
            passed: pct >= 70.0,
            question_results: None,
        });
    }

    fn org() -> OrgRecord {
        OrgRecord {
            org: Organization {
                id: OrgId(uuid::Uuid::from_u128(ORG)),
                external_id: None,
                name: "Org".into(),
                timezone: None,
                settings: OrgSettings::default(),
            },
            departments: vec![],
            teams: vec![],
            kpis: vec![],
            value_propositions: vec![],
            members: vec![],
        }
    }

    fn ready<T>(a: Analysis<T>) -> T {
        match a {
            Analysis::Ready(t) => t,
            Analysis::InsufficientData(why) => panic!("insufficient: {why}"),
        }
    }

    #[test]
    fn a_worked_learner() {
        let cat = catalog();
        let mut r = learner(1);
        use_item(&mut r, 1, 100.0, true, 10.0, 5); // video m1, consumed
        use_item(&mut r, 2, 40.0, false, 5.0, 5); // article m1, not consumed
        use_item(&mut r, 3, 60.0, false, 20.0, 4); // video m2
        use_item(&mut r, 4, 80.0, false, 30.0, 3); // video m3
        use_item(&mut r, 5, 50.0, false, 5.0, 2); // quiz m4, exactly 50% -> consumed
        use_item(&mut r, 2, 100.0, true, 60.0, 45); // outside the 30-day window
        score(&mut r, 11, 60.0, 5);
        score(&mut r, 11, 70.0, 4); // module 1 post = best = 70
        score(&mut r, 12, 80.0, 3);
        score(&mut r, 13, 90.0, 2);
        score(&mut r, 14, 50.0, 1);
        r.sort();
        let out = ready(compute(&r, &cat, &clock(), Window::Days30));
        // video: 70, 80, 90 -> 80 over 3; quiz: 50 over 1; article not consumed.
        assert_eq!(
            out.effectiveness_by_type,
            vec![
                TypeEffectiveness {
                    content_type: ContentType::Video,
                    avg_score: 80.0,
                    count: 3
                },
                TypeEffectiveness {
                    content_type: ContentType::Quiz,
                    avg_score: 50.0,
                    count: 1
                },
            ]
        );
        assert_eq!(out.recommended_content_type, Some(ContentType::Video));
        // Modules: m1 15 min (10 + 5; all in-range interactions) -> 70, m2 20 -> 80,
        // m3 30 -> 90, m4 5 -> 50. mean x 17.5, mean y 72.5; Sxy = 525, Sxx = 325,
        // Syy = 875; r = 525 / sqrt(325 * 875) = 0.9845 -> 0.98
        assert_eq!(out.engagement_to_score_correlation, Some(0.98));
        let titles = |v: &[ContentScore]| v.iter().map(|c| c.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&out.top_content), vec!["Item 4", "Item 3", "Item 1"]);
        assert_eq!(titles(&out.low_content), vec!["Item 5"]);
        assert_eq!(
            out.insights,
            vec![
                "You score highest after video content: 80% on average over 3 items.".to_string(),
                "Modules where you spend more time on the content end with higher scores (r = 0.98)."
                    .to_string(),
                "Consider revisiting \"Item 5\": its module score is 50%.".to_string(),
            ]
        );
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["effectivenessByType"][0]["type"], "video");
        assert_eq!(json["topContent"][0]["contentId"], item_id(4).to_string());
        assert_eq!(json["recommendedContentType"], "video");

        // Filters: only the quiz type; a 7-day window drops nothing here.
        let mut filters = ContentFilters::for_window(&clock(), Window::Days7);
        filters.content_type = Some(ContentType::Quiz);
        let only_quiz = ready(compute_learner(&r, &cat, &filters));
        assert_eq!(only_quiz.effectiveness_by_type.len(), 1);
        assert_eq!(only_quiz.recommended_content_type, None);
        // One module only: no correlation.
        assert_eq!(only_quiz.engagement_to_score_correlation, None);
        filters.content_type = None;
        filters.course_id = Some(cid(2));
        assert_eq!(
            ready(compute_learner(&r, &cat, &filters)).top_content.len(),
            1
        );
    }

    #[test]
    fn no_interaction_is_insufficient_and_unscored_content_says_so() {
        let cat = catalog();
        let mut r = learner(1);
        assert_eq!(
            compute(&r, &cat, &clock(), Window::Days30),
            Analysis::InsufficientData("no content interaction in the range")
        );
        // Interaction at exactly `now` is outside [now - 30d, now).
        use_item(&mut r, 1, 100.0, true, 10.0, 0);
        assert!(
            compute(&r, &cat, &clock(), Window::Days30)
                .ready()
                .is_none()
        );
        use_item(&mut r, 3, 100.0, true, 10.0, 1);
        let out = ready(compute(&r, &cat, &clock(), Window::Days30));
        assert!(out.effectiveness_by_type.is_empty() && out.top_content.is_empty());
        assert_eq!(out.recommended_content_type, None);
        assert_eq!(out.insights.len(), 1);
        assert!(out.insights[0].starts_with("None of the content"));
    }

    /// `n` learners 100.. consuming items 1 (m1, module pre) and 3 (m2, course pre) with
    /// the given deltas on item 1 and a zero delta on item 3.
    fn class(n: u128, deltas: impl Fn(u128) -> f64) -> Vec<LearnerRecord> {
        (0..n)
            .map(|i| {
                let mut r = learner(100 + i);
                use_item(&mut r, 1, 100.0, true, 10.0, 10);
                use_item(&mut r, 3, 60.0, false, 10.0, 9);
                score(&mut r, 1, 50.0, 12); // module 1 pre
                score(&mut r, 1, 90.0, 11); // a later pre attempt is ignored
                score(&mut r, 11, 50.0 + deltas(i), 8); // module 1 post
                score(&mut r, 2, 40.0, 12); // course pre -> module 2's pre
                score(&mut r, 12, 40.0, 7); // module 2 post: delta 0
                r.sort();
                r
            })
            .collect()
    }

    #[test]
    fn trainer_effect_sizes_need_ten_pairs_and_flag_weak_items() {
        let cat = catalog();
        let filters = ContentFilters::for_window(&clock(), Window::Days30);
        // Deltas alternate 10, 20: mean 15, sd_pop 5 -> d = 3.00.
        let mut learners = class(10, |i| if i % 2 == 0 { 10.0 } else { 20.0 });
        // Nine learners read the article: its format stays hidden.
        for r in learners.iter_mut().take(9) {
            use_item(r, 2, 100.0, true, 5.0, 10);
        }
        // The trainer's own usage is left out.
        let mut me = learner(TRAINER);
        use_item(&mut me, 2, 100.0, true, 5.0, 10);
        learners.push(me);
        let out = ready(compute_trainer(uid(TRAINER), &learners, &cat, &filters));
        assert_eq!(
            out.effect_size_by_content,
            vec![
                ContentEffect {
                    content_id: item_id(1),
                    title: "Item 1".into(),
                    content_type: ContentType::Video,
                    method: CreationMethod::Ai,
                    delta: 15.0,
                    effect_size: 3.0,
                    n: 10
                },
                // All deltas 0: sd 0 -> d = 0; delta <= 0 -> flagged.
                ContentEffect {
                    content_id: item_id(3),
                    title: "Item 3".into(),
                    content_type: ContentType::Video,
                    method: CreationMethod::Manual,
                    delta: 0.0,
                    effect_size: 0.0,
                    n: 10
                },
            ]
        );
        assert_eq!(
            out.flagged_low_effectiveness_content,
            vec![out.effect_size_by_content[1].clone()]
        );
        // Video: 20 starts, 10 completed -> 50%; article (9 learners) hidden.
        assert_eq!(
            out.completion_by_format,
            vec![FormatCompletion {
                content_type: ContentType::Video,
                completion_pct: 50.0
            }]
        );
        assert_eq!(out.insights.len(), 2);
        assert!(out.insights[0].contains("Item 1"));
        assert!(out.insights[1].starts_with("1 content item(s)"));

        // Nine learners: every item entry is suppressed, nothing is flagged.
        let small = class(9, |_| 10.0);
        let out = ready(compute_trainer(uid(TRAINER), &small, &cat, &filters));
        assert!(out.effect_size_by_content.is_empty());
        assert!(out.flagged_low_effectiveness_content.is_empty());
        assert!(out.completion_by_format.is_empty());
        // A trainer without courses.
        assert!(
            compute_trainer(uid(1), &small, &cat, &filters)
                .ready()
                .is_none()
        );
    }

    #[test]
    fn course_effect_sizes_by_type_pair_each_learner_once_per_type() {
        let cat = catalog();
        let filters = ContentFilters::for_window(&clock(), Window::Days30);
        // Ten learners read the video of module 2 (pre = the course pre, 40; post 40 or
        // 50: deltas 0, 10 -> mean 5, sd_pop 5, d = 1.00) and the video of module 3 (same
        // pre, post 40: delta 0); their video pair is the mean over both modules:
        // (40, 40 or 45), deltas 0, 5 -> d = 2.5 / 2.5 = 1.00. Nine of them read the
        // article of module 1 (pre 50, post 60 or 80: deltas 10, 30 -> d = 20 / 10 = 2.00).
        let mut learners: Vec<LearnerRecord> = (0..10)
            .map(|i| {
                let mut r = learner(300 + i);
                use_item(&mut r, 3, 100.0, true, 10.0, 10);
                use_item(&mut r, 4, 100.0, true, 10.0, 10);
                score(&mut r, 2, 40.0, 12);
                score(&mut r, 12, if i % 2 == 0 { 40.0 } else { 50.0 }, 8);
                score(&mut r, 13, 40.0, 8);
                if i < 9 {
                    use_item(&mut r, 2, 100.0, true, 10.0, 10);
                    score(&mut r, 1, 50.0, 12);
                    score(&mut r, 11, if i % 2 == 0 { 60.0 } else { 80.0 }, 8);
                }
                r.sort();
                r
            })
            .collect();
        // The trainer's own pairs are left out (a huge article gain would change d).
        let mut me = learner(TRAINER);
        use_item(&mut me, 2, 100.0, true, 10.0, 10);
        score(&mut me, 1, 0.0, 12);
        score(&mut me, 11, 100.0, 8);
        me.sort();
        learners.push(me);
        let course1 = &cat.courses[&cid(1)];
        let video = TypeEffectSize {
            content_type: ContentType::Video,
            effect_size: 1.0,
            learners: 10,
        };
        // Nine article learners: the article type is hidden.
        assert_eq!(
            course_effect_size_by_type(course1, &learners, &cat, &filters),
            vec![video.clone()]
        );
        // A tenth article learner (delta 30): deltas 10, 30 x5 -> mean 20, sd 10, d = 2.00.
        let tenth = &mut learners[9];
        use_item(tenth, 2, 100.0, true, 10.0, 10);
        score(tenth, 1, 50.0, 12);
        score(tenth, 11, 80.0, 8);
        tenth.sort();
        assert_eq!(
            course_effect_size_by_type(course1, &learners, &cat, &filters),
            vec![
                video,
                TypeEffectSize {
                    content_type: ContentType::Article,
                    effect_size: 2.0,
                    learners: 10,
                },
            ]
        );
    }

    #[test]
    fn effect_flag_boundaries() {
        // n = K and d = 0.2 exactly, positive delta: not flagged; 0.19 flagged; n = 9 never.
        assert!(!is_low_effectiveness(10, 5.0, 0.2));
        assert!(is_low_effectiveness(10, 5.0, 0.19));
        assert!(is_low_effectiveness(10, 0.0, 1.0));
        assert!(!is_low_effectiveness(9, -5.0, -1.0));
    }

    #[test]
    fn org_indexes_ai_versus_manual_and_course_ranking() {
        let cat = catalog();
        let filters = ContentFilters::for_window(&clock(), Window::Days30);
        let mut learners: Vec<LearnerRecord> = (0..10)
            .map(|i| {
                let mut r = learner(200 + i);
                use_item(&mut r, 1, 100.0, true, 10.0, 10); // video, ai, m1
                use_item(&mut r, 3, 100.0, true, 10.0, 10); // video, manual, m2
                use_item(&mut r, 2, 100.0, true, 10.0, 10); // article, manual, m1
                score(&mut r, 1, 50.0, 12); // m1 pre
                score(&mut r, 2, 40.0, 12); // course 1 pre (m2)
                score(&mut r, 11, 80.0, 5); // m1 post
                score(&mut r, 12, 60.0, 5); // m2 post
                if i < 9 {
                    use_item(&mut r, 5, 100.0, true, 10.0, 10); // quiz, hybrid, m4
                    score(&mut r, 5, 30.0, 12); // course 2 pre
                    score(&mut r, 14, 70.0, 5); // m4 post
                }
                r.sort();
                r
            })
            .collect();
        // Someone from another organisation with extreme scores is ignored.
        let mut outsider = learner(999);
        outsider.user.org_id = None;
        use_item(&mut outsider, 1, 100.0, true, 10.0, 10);
        score(&mut outsider, 11, 0.0, 5);
        learners.push(outsider);
        let out = ready(compute_org(&org(), &learners, &cat, &filters));
        // Scored consumptions: video 80 (x10), 60 (x10); article 80 (x10); quiz 70 (x9).
        // all = (800 + 600 + 800 + 630) / 39 = 2830/39 = 72.564
        // video = 70 -> 70/72.564*100 = 96.47 -> 96.5; article = 80 -> 110.25 -> 110.2
        // (110.2473); quiz hidden (9 learners).
        assert_eq!(
            out.format_effectiveness_index,
            vec![
                FormatIndex {
                    content_type: ContentType::Video,
                    index: 96.5
                },
                FormatIndex {
                    content_type: ContentType::Article,
                    index: 110.2
                },
            ]
        );
        // ai: item 1 -> 80 (x10); manual: items 3 (60) and 2 (80) -> 70 (x20); hybrid out.
        assert_eq!(
            out.ai_vs_manual_delta,
            Some(AiVsManualDelta {
                delta: 10.0,
                ai_avg: 80.0,
                manual_avg: 70.0,
                ai_count: 10,
                manual_count: 20
            })
        );
        // Course 1 pairs: item 1 (50 -> 80) x10, item 2 (50 -> 80) x10, item 3 (40 -> 60) x10:
        // mean delta (300 + 300 + 200)/30 = 26.67 -> 26.7; avg post 2200/30 = 73.33 -> 73.3.
        // Course 2: 9 learners with pairs -> hidden.
        assert_eq!(
            out.course_effectiveness_ranking,
            vec![CourseEffectiveness {
                course_id: cid(1),
                title: "Course 1".into(),
                mean_delta: 26.7,
                avg_post_score: 73.3,
                rank: 1
            }]
        );
        assert_eq!(
            out.insights,
            vec![
                "article content is the most effective format (index 110.2, 100 = average)."
                    .to_string(),
                "AI-created content scores 10 points higher than manually created content (80% vs 70%)."
                    .to_string(),
                "\"Course 1\" leads the course ranking with a mean gain of 26.7 points.".to_string(),
            ]
        );
        // Only AI content: the manual side has no learner -> null.
        let mut ai_only = filters;
        ai_only.creation_method = Some(CreationMethod::Ai);
        let out = ready(compute_org(&org(), &learners, &cat, &ai_only));
        assert_eq!(out.ai_vs_manual_delta, None);
        assert!(serde_json::to_value(&out).unwrap()["aiVsManualDelta"].is_null());
        // Nobody in range.
        let past = ContentFilters::new(days_ago(400), days_ago(300));
        assert!(
            compute_org(&org(), &learners, &cat, &past)
                .ready()
                .is_none()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn outputs_stay_in_range(
            uses in proptest::collection::vec(
                (0u128..14, 1u128..6, 0.0f64..=100.0, any::<bool>(), 0.0f64..90.0, 0i64..40), 0..80),
            scores in proptest::collection::vec(
                (0u128..14, prop::sample::select(vec![1u128, 2, 5, 11, 12, 13, 14]), 0.0f64..=100.0, 0i64..40), 0..80),
        ) {
            let cat = catalog();
            let mut learners: Vec<LearnerRecord> = (0..14).map(|i| learner(300 + i)).collect();
            for (who, item, progress, done, minutes, d) in &uses {
                use_item(&mut learners[*who as usize], *item, *progress, *done, *minutes, *d);
            }
            for (who, a, pct, d) in &scores {
                score(&mut learners[*who as usize], *a, *pct, *d);
            }
            for r in &mut learners { r.sort(); }
            let filters = ContentFilters::for_window(&clock(), Window::Days30);
            for r in &learners {
                let out = compute(r, &cat, &clock(), Window::Days30);
                prop_assert_eq!(&out, &compute(r, &cat, &clock(), Window::Days30));
                if let Analysis::Ready(out) = out {
                    let json = serde_json::to_string(&out).unwrap();
                    prop_assert!(!json.contains("NaN") && !json.contains("inf"));
                    for t in &out.effectiveness_by_type {
                        prop_assert!((0.0..=100.0).contains(&t.avg_score) && t.count >= 1);
                    }
                    if let Some(rt) = out.recommended_content_type {
                        let entry = out.effectiveness_by_type.iter().find(|t| t.content_type == rt).unwrap();
                        prop_assert!(entry.count >= 3);
                    }
                    if let Some(c) = out.engagement_to_score_correlation {
                        prop_assert!((-1.0..=1.0).contains(&c));
                    }
                    prop_assert!(out.top_content.len() <= 3 && out.low_content.len() <= 3);
                }
            }
            let trainer = compute_trainer(uid(TRAINER), &learners, &cat, &filters);
            prop_assert_eq!(&trainer, &compute_trainer(uid(TRAINER), &learners, &cat, &filters));
            if let Analysis::Ready(t) = trainer {
                prop_assert!(!serde_json::to_string(&t).unwrap().contains("NaN"));
                for e in &t.effect_size_by_content {
                    prop_assert!(e.n as usize >= K);
                    prop_assert!((-100.0..=100.0).contains(&e.delta));
                }
                for f in &t.flagged_low_effectiveness_content {
                    prop_assert!(t.effect_size_by_content.contains(f));
                    prop_assert!(f.effect_size <= LOW_EFFECT_SIZE || f.delta <= 0.05);
                }
                for c in &t.completion_by_format {
                    prop_assert!((0.0..=100.0).contains(&c.completion_pct));
                }
            }
            let org_out = compute_org(&org(), &learners, &cat, &filters);
            prop_assert_eq!(&org_out, &compute_org(&org(), &learners, &cat, &filters));
            if let Analysis::Ready(o) = org_out {
                prop_assert!(!serde_json::to_string(&o).unwrap().contains("NaN"));
                for (i, c) in o.course_effectiveness_ranking.iter().enumerate() {
                    prop_assert_eq!(c.rank as usize, i + 1);
                    prop_assert!((0.0..=100.0).contains(&c.avg_post_score));
                }
                if let Some(d) = &o.ai_vs_manual_delta {
                    prop_assert!((d.delta - (d.ai_avg - d.manual_avg)).abs() <= 0.11);
                }
            }
        }
    }
}
