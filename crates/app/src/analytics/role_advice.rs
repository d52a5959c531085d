//! The signals of the AS-004.17 trainer and organisation rules, gathered in the batch from
//! the trainer (AS-002.x) and organisation (AS-003.x) outputs it has just computed and from
//! the records (`la_domain::analytics::predictive::recommendations` documents the rules).
//!
//! Where the signals come from **(decided here)**:
//! - Trainer, per taught course (the course's cohort: its enrolled learners):
//!   `at_risk_students` and `retry_heavy_pairs_pct` from
//!   [`recommendations::trainer_course_signals`] (AS-004.15 at the batch instant, UTC
//!   calendar like the other trainer analytics); `problem_modules` = the AS-002.8 drop-off
//!   points of the stored T2 output flagged `isProblemArea`; `effect_size_by_type` from
//!   [`content_effectiveness::course_effect_size_by_type`] over the course's cohort and
//!   items in the batch window `[now - window, now)` (one pre/post pair per learner and
//!   type, types with >= K learners; the "convert formats" rule then fires per
//!   [`recommendations::format_gap`]).
//! - Trainer negative themes (AS-002.10): the reviews of the taught courses created in the
//!   batch window with a rating <= 2, counted by tag (as AS-002.10's negative themes); when
//!   no such review has a tag, the negative keywords of the window's reviews. `mentions` =
//!   the number of reviews naming the theme.
//! - Organisation: `org_mean_engagement` = mean AS-001.3 score of the members with a score;
//!   `groups` = the shown (>= K) team rows of the stored O4 output (teams, its default
//!   group type) with an engagement score; `skill_coverage` = the skills of O2's selected
//!   value proposition when shown; `voluntary_participation_pct` and
//!   `knowledge_sharing_index` from O3; the KSI target from the organisation's settings;
//!   course completion and worker needs from the records
//!   ([`recommendations::org_course_completion`], [`recommendations::worker_skill_needs`]).

use chrono::{DateTime, Utc};
use la_domain::UserId;
use la_domain::analytics::common::Clock;
use la_domain::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use la_domain::analytics::learner::content_effectiveness::{self, ContentFilters};
use la_domain::analytics::org::{learning_culture, strategic_alignment, team_analytics};
use la_domain::analytics::predictive::recommendations::{
    self, GroupEngagementSignal, OrgSignals, ProblemModuleSignal, SkillCoverageSignal, ThemeSignal,
    TrainerCourseSignals, TrainerSignals, TypeEffectSignal,
};
use la_domain::analytics::trainer::cohort::{self, CourseCohort, TrainerCourses};
use la_domain::analytics::trainer::course_health::CourseHealth;
use la_domain::ids::CourseId;
use la_domain::model::CourseReview;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Reviews at or below this rating are negative (AS-002.10).
const NEGATIVE_RATING: i32 = 2;

/// The record-based signals of every course, built once per batch (courses in parallel);
/// content effect sizes over the interactions started in `[window_start, clock.now)`.
pub(crate) fn course_signals(
    cohorts: &BTreeMap<CourseId, CourseCohort<'_>>,
    catalog: &Catalog,
    clock: &Clock,
    window_start: DateTime<Utc>,
) -> BTreeMap<CourseId, TrainerCourseSignals> {
    let list: Vec<&CourseCohort<'_>> = cohorts.values().collect();
    list.par_iter()
        .map(|c| {
            let mut signals = recommendations::trainer_course_signals(
                c.course,
                c.members.iter().map(|m| m.record),
                catalog,
                clock,
            );
            signals.effect_size_by_type = type_effect_sizes(c, catalog, window_start, clock.now);
            (c.course.id, signals)
        })
        .collect()
}

/// AS-001.6 effect sizes per content type of the course's items over its cohort.
fn type_effect_sizes(
    cohort: &CourseCohort<'_>,
    catalog: &Catalog,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<TypeEffectSignal> {
    let filters = ContentFilters {
        course_id: Some(cohort.course.id),
        ..ContentFilters::new(start, end)
    };
    content_effectiveness::course_effect_size_by_type(
        cohort.course,
        cohort.members.iter().map(|m| m.record),
        catalog,
        &filters,
    )
    .into_iter()
    .map(|t| TypeEffectSignal {
        content_type: t.content_type,
        effect_size: t.effect_size,
    })
    .collect()
}

/// AS-002.8 problem modules per course of a trainer's T2 output.
pub(crate) fn problem_modules(
    health: Option<&TrainerCourses<CourseHealth>>,
) -> BTreeMap<CourseId, Vec<ProblemModuleSignal>> {
    let mut out = BTreeMap::new();
    for course in health.map(|h| h.courses.as_slice()).unwrap_or(&[]) {
        let modules: Vec<ProblemModuleSignal> = course
            .drop_off_analysis
            .drop_off_points
            .iter()
            .filter(|p| p.is_problem_area)
            .map(|p| ProblemModuleSignal {
                module_id: p.module_id,
                module_name: p.module_name.clone(),
                drop_off_rate: p.drop_off_rate,
            })
            .collect();
        out.insert(course.course_id, modules);
    }
    out
}

/// The trainer's signals over the courses they teach.
pub(crate) fn trainer_signals(
    trainer: UserId,
    catalog: &Catalog,
    cohorts: &BTreeMap<CourseId, CourseCohort<'_>>,
    course_signals: &BTreeMap<CourseId, TrainerCourseSignals>,
    mut problem_modules: BTreeMap<CourseId, Vec<ProblemModuleSignal>>,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> TrainerSignals {
    let taught = cohort::trainer_cohorts(trainer, catalog, cohorts);
    let courses = taught
        .iter()
        .filter_map(|c| course_signals.get(&c.course.id))
        .map(|s| TrainerCourseSignals {
            problem_modules: problem_modules.remove(&s.course_id).unwrap_or_default(),
            ..s.clone()
        })
        .collect();
    let (start, end) = window;
    let reviews: Vec<_> = taught
        .iter()
        .flat_map(|c| c.reviews.iter().copied())
        .filter(|r| r.created_at >= start && r.created_at <= end)
        .collect();
    TrainerSignals {
        courses,
        negative_themes: negative_themes(&reviews),
    }
}

/// AS-002.10's negative themes of `reviews` with their mentions: the tags of the reviews
/// rated <= 2, else (no such tag) the negative keywords of all of them.
fn negative_themes(reviews: &[&CourseReview]) -> Vec<ThemeSignal> {
    let mut counts = cohort::tag_counts(
        reviews
            .iter()
            .copied()
            .filter(|r| r.rating <= NEGATIVE_RATING),
    );
    if counts.is_empty() {
        counts = cohort::keyword_counts(reviews.iter().copied(), false, true);
    }
    counts
        .into_iter()
        .map(|(theme, mentions)| ThemeSignal {
            theme,
            mentions: u32::try_from(mentions).unwrap_or(u32::MAX),
        })
        .collect()
}

/// The mean of the finite scores present; `None` without any.
fn mean_present(scores: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let scores: Vec<f64> = scores.flatten().filter(|s| s.is_finite()).collect();
    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
}

/// The organisation's signals from its O2-O4 outputs, its members' engagement and records.
#[allow(clippy::too_many_arguments)]
pub(crate) fn org_signals(
    org: &OrgRecord,
    members: &[&LearnerRecord],
    catalog: &Catalog,
    clock: &Clock,
    engagement: impl Iterator<Item = Option<f64>>,
    alignment: Option<&strategic_alignment::StrategicAlignment>,
    culture: Option<&learning_culture::LearningCulture>,
    teams: Option<&team_analytics::TeamAnalytics>,
) -> OrgSignals {
    let org_mean_engagement = mean_present(engagement);
    let groups = teams
        .map(|t| t.teams.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|row| {
            let shown = row.metrics.shown()?;
            Some(GroupEngagementSignal {
                group_id: row.team_id.to_string(),
                group_name: row.team_name.clone(),
                member_count: shown.sample_size,
                engagement_score: shown.engagement_score?,
            })
        })
        .collect();
    let skill_coverage = alignment
        .and_then(|a| a.value_proposition.as_ref())
        .and_then(|v| v.shown())
        .map(|v| {
            v.skills
                .iter()
                .filter_map(|s| {
                    Some(SkillCoverageSignal {
                        skill_id: s.skill_id,
                        skill_name: s.name.clone(),
                        coverage_pct: s.coverage_pct?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    OrgSignals {
        org_mean_engagement,
        groups,
        skill_coverage,
        voluntary_participation_pct: culture.and_then(|c| c.voluntary_participation_pct),
        knowledge_sharing_index: culture.and_then(|c| c.knowledge_sharing_index),
        ksi_target: None,
        courses: recommendations::org_course_completion(org, members.iter().copied(), catalog),
        workers: recommendations::worker_skill_needs(org, members.iter().copied(), catalog, clock),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn review(id: u128, rating: i32, tags: &[&str], comment: Option<&str>) -> CourseReview {
        CourseReview {
            id: la_domain::ids::ReviewId(uuid::Uuid::from_u128(id)),
            course_id: CourseId(uuid::Uuid::from_u128(1)),
            trainer_id: None,
            user_id: UserId(uuid::Uuid::from_u128(100 + id)),
            rating,
            comment: comment.map(str::to_owned),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
        }
    }

    #[test]
    fn negative_themes_count_the_tags_of_low_ratings() {
        // Ratings 1, 2 and 2 are negative; the 5-star review's "pace" tag does not count.
        // "pace": reviews 1 and 2 -> 2 mentions; "audio" (trimmed, lowercased): reviews 2
        // and 3 -> 2; "examples": review 3 -> 1. A tag repeated in one review counts once.
        let reviews = [
            review(1, 1, &["pace", "pace"], None),
            review(2, 2, &["Pace", " audio "], None),
            review(3, 2, &["AUDIO", "examples"], None),
            review(4, 5, &["pace"], None),
        ];
        let refs: Vec<&CourseReview> = reviews.iter().collect();
        let themes: BTreeMap<String, u32> = negative_themes(&refs)
            .into_iter()
            .map(|t| (t.theme, t.mentions))
            .collect();
        assert_eq!(
            themes,
            BTreeMap::from([
                ("audio".to_owned(), 2),
                ("examples".to_owned(), 1),
                ("pace".to_owned(), 2)
            ])
        );
    }

    #[test]
    fn without_negative_tags_no_theme_comes_from_praise() {
        // Only a 5-star tagged review and untagged low ratings without comments: no tag and
        // no keyword, so no theme (and no "address it" item).
        let reviews = [review(1, 5, &["great"], None), review(2, 1, &[], None)];
        let refs: Vec<&CourseReview> = reviews.iter().collect();
        assert!(negative_themes(&refs).is_empty());
    }

    #[test]
    fn the_org_mean_skips_missing_scores() {
        // (60 + 80 + 70) / 3 = 70; the missing and non-finite scores are left out.
        let mean =
            mean_present([Some(60.0), None, Some(80.0), Some(f64::NAN), Some(70.0)].into_iter());
        assert_eq!(mean, Some(70.0));
        assert_eq!(mean_present([None, None].into_iter()), None);
    }
}
