//! Coverage of an analytic's inputs (decision 9, `integration.md` 5 and 6.7).
//!
//! An analytic *requires* some of the eight upstream input families (the R cells of the
//! dependency matrix). Its coverage is the share of those families that are *present*,
//! and the coverage picks the outcome band:
//!
//! | coverage | outcome |
//! |---|---|
//! | 100 % | `complete` |
//! | 80 % to < 100 % | `partial` |
//! | 50 % to < 80 % | `partial` and `lowConfidence` |
//! | < 50 % | `insufficient_data` |
//!
//! A family is present when the newest successful collection or ingestion of any of its
//! entities is at most `max_age` old (48 h by default). A family that has never reported
//! anything (no status row for any of its entities, neither success nor failure) is not
//! judged and counts as present: the seeded demo and the test fixtures write their rows
//! without status rows, and an upstream that was never configured has nothing to be stale
//! about. A collector that only ever failed does leave a status row, so it is judged.
//!
//! Each result also records where its inputs came from (`integration.md` 6.7, `data.md`
//! `input_origin` and `sources`): per required family an [`Origin`] and the family's last
//! successful sync, and overall the worst of them ([`family_origins`], [`input_origin`]).
//!
//! Pure: `now` is a parameter.

use crate::model::{DataSource, EntityKind};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An upstream input family: the columns of the dependency matrix. Serialised (as a key of
/// stored `sources`) as the slug of the upstream that supplies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Family {
    #[serde(rename = "directory")]
    Directory,
    #[serde(rename = "course-builder")]
    CourseBuilder,
    #[serde(rename = "content-studio")]
    ContentStudio,
    #[serde(rename = "assessment")]
    Assessment,
    #[serde(rename = "skills-engine")]
    SkillsEngine,
    #[serde(rename = "learner-ai")]
    LearnerAi,
    #[serde(rename = "devlab")]
    Devlab,
    #[serde(rename = "rag-assistant")]
    RagAssistant,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::Directory,
        Family::CourseBuilder,
        Family::ContentStudio,
        Family::Assessment,
        Family::SkillsEngine,
        Family::LearnerAi,
        Family::Devlab,
        Family::RagAssistant,
    ];

    /// The matrix's column name (`DIR`, `CB`, …).
    pub fn code(self) -> &'static str {
        match self {
            Family::Directory => "DIR",
            Family::CourseBuilder => "CB",
            Family::ContentStudio => "CS",
            Family::Assessment => "ASM",
            Family::SkillsEngine => "SE",
            Family::LearnerAi => "LAI",
            Family::Devlab => "DL",
            Family::RagAssistant => "RAG",
        }
    }

    /// The upstream whose collector supplies the family (its slug names it in warnings).
    pub fn source(self) -> DataSource {
        match self {
            Family::Directory => DataSource::Directory,
            Family::CourseBuilder => DataSource::CourseBuilder,
            Family::ContentStudio => DataSource::ContentStudio,
            Family::Assessment => DataSource::Assessment,
            Family::SkillsEngine => DataSource::SkillsEngine,
            Family::LearnerAi => DataSource::LearnerAi,
            Family::Devlab => DataSource::Devlab,
            Family::RagAssistant => DataSource::RagAssistant,
        }
    }

    /// The section 9 entities of the family. Each entity belongs to exactly one family, the
    /// upstream the collectors pull it from (`la_upstream::Service::entities`); the two
    /// push-only entities go to the family `analytics.md` 9 names as their source (content
    /// shares: CS, mentoring events: DIR). Where section 9 names two sources (users: DIR,
    /// SE; skill targets: SE, DIR) the collector's supplier decides.
    pub fn entities(self) -> &'static [EntityKind] {
        use EntityKind as E;
        match self {
            Family::Directory => &[
                E::Organizations,
                E::Departments,
                E::Teams,
                E::Users,
                E::Sessions,
                E::Kpis,
                E::ValuePropositions,
                E::CourseReviews,
                E::MentoringEvents,
            ],
            Family::CourseBuilder => &[E::Courses, E::Modules, E::Enrollments, E::ModuleProgress],
            Family::ContentStudio => &[E::ContentItems, E::ContentInteractions, E::ContentShares],
            Family::Assessment => &[E::Assessments, E::AssessmentAttempts],
            Family::SkillsEngine => &[E::Skills, E::UserSkills, E::SkillTargets, E::SkillDemand],
            Family::LearnerAi => &[
                E::LearningPaths,
                E::UserLearningPaths,
                E::TopicCompletions,
                E::UpstreamRecommendations,
            ],
            Family::Devlab => &[E::PracticeSubmissions],
            Family::RagAssistant => &[E::HelpRequests],
        }
    }

    /// The family an entity belongs to, whoever wrote it (its collector, a push, or mock).
    pub fn of_entity(entity: EntityKind) -> Family {
        Family::ALL
            .into_iter()
            .find(|f| f.entities().contains(&entity))
            .expect("every entity belongs to a family (tested)")
    }
}

/// The R cells of `integration.md` 5, by the analytic ids of `analytics.md` 1. Trainer and
/// org variants and peer comparison also read stored learner analytics; those are judged
/// when they are computed, so only the upstream families are listed here.
pub fn required(analytic_id: &str) -> Option<&'static [Family]> {
    use Family::*;
    Some(match analytic_id {
        "001.1" => &[Directory, CourseBuilder, LearnerAi],
        "001.2" => &[Directory, Assessment, SkillsEngine],
        "001.3" => &[Directory, ContentStudio, Assessment],
        "001.4" => &[Assessment, SkillsEngine, LearnerAi, Devlab],
        "001.5" => &[Assessment],
        "001.6" => &[CourseBuilder, ContentStudio, Assessment],
        "002.7" => &[CourseBuilder, Assessment],
        "002.8" => &[CourseBuilder, Assessment],
        "002.9" => &[Directory, CourseBuilder, Assessment],
        "002.10" => &[CourseBuilder, Assessment],
        "003.11" => &[Directory, CourseBuilder, SkillsEngine, LearnerAi],
        "003.12" => &[Directory, CourseBuilder, SkillsEngine],
        "003.13" => &[Directory, CourseBuilder, Assessment, SkillsEngine],
        "003.14" => &[Directory, CourseBuilder],
        "004.15" => &[Directory, CourseBuilder, Assessment],
        "004.16" => &[Directory, CourseBuilder, Assessment, LearnerAi],
        "004.17" => &[LearnerAi],
        "005.18" => &[CourseBuilder, SkillsEngine, LearnerAi],
        "005.19" => &[Directory],
        _ => return None,
    })
}

/// The outcome band of `integration.md` 6.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Complete,
    Partial,
    PartialLowConfidence,
    InsufficientData,
}

/// The coverage of one analytic and its band.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Present required families / required families; 1 when nothing is required.
    pub coverage: f64,
    pub band: Band,
    /// The required families that are missing, in matrix order.
    pub missing: Vec<Family>,
}

/// Coverage and band of an analytic requiring `required`, given which families are present.
/// The bands are compared in whole numbers, so that 4 of 5 is exactly 80 %.
pub fn assess(required: &[Family], is_present: impl Fn(Family) -> bool) -> Assessment {
    let missing: Vec<Family> = required
        .iter()
        .copied()
        .filter(|f| !is_present(*f))
        .collect();
    let total = required.len();
    let present = total - missing.len();
    if total == 0 {
        return Assessment {
            coverage: 1.0,
            band: Band::Complete,
            missing,
        };
    }
    let band = if present == total {
        Band::Complete
    } else if present * 100 >= total * 80 {
        Band::Partial
    } else if present * 2 >= total {
        Band::PartialLowConfidence
    } else {
        Band::InsufficientData
    };
    Assessment {
        coverage: present as f64 / total as f64,
        band,
        missing,
    }
}

/// One row of `source_status` as far as coverage and origins care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceReport {
    /// Who wrote the entity's rows: a collector (its slug), `push`, or `mock` (a collector
    /// in mock mode, decision 7).
    pub source: DataSource,
    pub entity: EntityKind,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
}

/// How one family stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// No status row for any of its entities: not judged, counts as present.
    NeverReported,
    /// Its newest success is at most `max_age` old.
    Fresh(DateTime<Utc>),
    /// It reported, but its newest success (if any) is older than `max_age`.
    Stale(Option<DateTime<Utc>>),
}

impl Presence {
    pub fn is_present(self) -> bool {
        !matches!(self, Presence::Stale(_))
    }
}

/// Every family's presence at `now`: the newest success over the family's entities, from
/// any source (its collector, pushes or mock), must be at most `max_age` old.
pub fn presence(
    reports: &[SourceReport],
    now: DateTime<Utc>,
    max_age: Duration,
) -> BTreeMap<Family, Presence> {
    let mut newest: BTreeMap<Family, Option<DateTime<Utc>>> = BTreeMap::new();
    for report in reports {
        let slot = newest.entry(Family::of_entity(report.entity)).or_default();
        *slot = (*slot).max(report.last_success_at);
    }
    Family::ALL
        .into_iter()
        .map(|family| {
            let state = match newest.get(&family) {
                None => Presence::NeverReported,
                Some(Some(at)) if now - *at <= max_age => Presence::Fresh(*at),
                Some(last) => Presence::Stale(*last),
            };
            (family, state)
        })
        .collect()
}

/// Where the stored rows of an input family come from (`data.md` `input_origin`). Ordered
/// from best to worst, so the origin of a whole result is the greatest of its families'.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Current: the family's newest report is a success at most `max_age` old (or the
    /// family never reported, and is not judged).
    #[default]
    Live,
    /// The rows from before an outage: the family is stale, or its newest report is a failure.
    LastKnown,
    /// Rows written by an upstream in mock mode (decision 7). Reported as such, yet counted
    /// as real for coverage, confidence and aggregates.
    Mock,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Live => "live",
            Origin::LastKnown => "last_known",
            Origin::Mock => "mock",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Origin::Live, Origin::LastKnown, Origin::Mock]
            .into_iter()
            .find(|o| o.as_str() == value)
    }
}

/// One family's entry of a result's `sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FamilyOrigin {
    pub origin: Origin,
    /// The family's newest successful collection or ingestion; `None` if it never had one.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// The per-family origins of one result (`data.md` `sources`), by family.
pub type Sources = BTreeMap<Family, FamilyOrigin>;

/// Every family's origin at `now`.
///
/// - `mock` when any of its entities was written successfully by a collector in mock mode
///   (source `mock`): those rows are among the inputs, whatever else was written since.
/// - `last_known` when the family is stale (see [`presence`]), or when its newest report is
///   a failure (the last collection failed, so the rows used are the ones from before it).
/// - `live` otherwise, including a family that never reported (not judged, like coverage).
///
/// `fetched_at` is the newest success over the family's entities, from any source.
pub fn family_origins(
    reports: &[SourceReport],
    now: DateTime<Utc>,
    max_age: Duration,
) -> BTreeMap<Family, FamilyOrigin> {
    let presence = presence(reports, now, max_age);
    let mut mocked: BTreeMap<Family, bool> = BTreeMap::new();
    let mut newest_failure: BTreeMap<Family, Option<DateTime<Utc>>> = BTreeMap::new();
    for report in reports {
        let family = Family::of_entity(report.entity);
        if report.source == DataSource::Mock && report.last_success_at.is_some() {
            mocked.insert(family, true);
        }
        let slot = newest_failure.entry(family).or_default();
        *slot = (*slot).max(report.last_failure_at);
    }
    presence
        .into_iter()
        .map(|(family, state)| {
            let fetched_at = match state {
                Presence::NeverReported => None,
                Presence::Fresh(at) => Some(at),
                Presence::Stale(at) => at,
            };
            let failed_last = newest_failure
                .get(&family)
                .copied()
                .flatten()
                .is_some_and(|failure| fetched_at.is_none_or(|success| failure > success));
            let origin = if mocked.get(&family).copied().unwrap_or(false) {
                Origin::Mock
            } else if !state.is_present() || failed_last {
                Origin::LastKnown
            } else {
                Origin::Live
            };
            (family, FamilyOrigin { origin, fetched_at })
        })
        .collect()
}

/// The `sources` of an analytic reading `families`, picked from every family's origin.
pub fn sources_of(families: &[Family], origins: &BTreeMap<Family, FamilyOrigin>) -> Sources {
    families
        .iter()
        .map(|family| {
            let origin = origins.get(family).copied().unwrap_or(FamilyOrigin {
                origin: Origin::Live,
                fetched_at: None,
            });
            (*family, origin)
        })
        .collect()
}

/// A result's overall `inputOrigin`: `mock` if any family is mock, else `last_known` if any
/// is, else `live` (also with no family at all).
pub fn input_origin(sources: &Sources) -> Origin {
    sources
        .values()
        .map(|s| s.origin)
        .max()
        .unwrap_or(Origin::Live)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::BTreeSet;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn assess_with(required: &[Family], missing: &[Family]) -> Assessment {
        assess(required, |f| !missing.contains(&f))
    }

    #[test]
    fn every_entity_belongs_to_exactly_one_family() {
        for entity in EntityKind::ALL {
            let owners = Family::ALL
                .iter()
                .filter(|f| f.entities().contains(entity))
                .count();
            assert_eq!(owners, 1, "{entity}");
        }
    }

    #[test]
    fn the_matrix_covers_the_analytics_of_section_1() {
        let ids = [
            "001.1", "001.2", "001.3", "001.4", "001.5", "001.6", "002.7", "002.8", "002.9",
            "002.10", "003.11", "003.12", "003.13", "003.14", "004.15", "004.16", "004.17",
            "005.18", "005.19",
        ];
        for id in ids {
            let families = required(id).unwrap_or_else(|| panic!("{id} has no row"));
            assert!(!families.is_empty(), "{id}");
            let distinct: BTreeSet<_> = families.iter().collect();
            assert_eq!(distinct.len(), families.len(), "{id} repeats a family");
        }
        assert_eq!(required("G1"), None);
        // Two cells read back from the table: velocity needs DIR, CB and LAI; performance
        // needs ASM only.
        assert_eq!(
            required("001.1"),
            Some(&[Family::Directory, Family::CourseBuilder, Family::LearnerAi][..])
        );
        assert_eq!(required("001.5"), Some(&[Family::Assessment][..]));
    }

    #[test]
    fn every_family_present_is_complete() {
        let all = Family::ALL;
        let a = assess_with(&all, &[]);
        assert_eq!(a.band, Band::Complete);
        assert_eq!(a.coverage, 1.0);
        assert!(a.missing.is_empty());
    }

    #[test]
    fn the_bands_at_their_boundaries() {
        use Family::*;
        let five = [
            Directory,
            CourseBuilder,
            ContentStudio,
            Assessment,
            SkillsEngine,
        ];
        // 4/5 = 80 %: the lowest partial.
        let a = assess_with(&five, &[Directory]);
        assert_eq!((a.band, a.coverage), (Band::Partial, 0.8));
        assert_eq!(a.missing, vec![Directory]);
        // 7/8 = 87.5 %: partial.
        let a = assess_with(&Family::ALL, &[Devlab]);
        assert_eq!((a.band, a.coverage), (Band::Partial, 0.875));
        // 3/4 = 75 %: just below 80 %, low confidence.
        let four = [Directory, CourseBuilder, Assessment, LearnerAi];
        let a = assess_with(&four, &[CourseBuilder]);
        assert_eq!((a.band, a.coverage), (Band::PartialLowConfidence, 0.75));
        // 3/5 = 60 %.
        let a = assess_with(&five, &[Directory, Assessment]);
        assert_eq!((a.band, a.coverage), (Band::PartialLowConfidence, 0.6));
        assert_eq!(a.missing, vec![Directory, Assessment]);
        // 1/2 = 50 %: the lowest low-confidence partial.
        let a = assess_with(&[CourseBuilder, Assessment], &[CourseBuilder]);
        assert_eq!((a.band, a.coverage), (Band::PartialLowConfidence, 0.5));
        // 2/4 = 50 % as well.
        let a = assess_with(&four, &[Directory, LearnerAi]);
        assert_eq!((a.band, a.coverage), (Band::PartialLowConfidence, 0.5));
        // 2/5 = 40 % and 1/3: below 50 %, insufficient.
        let a = assess_with(&five, &[Directory, CourseBuilder, Assessment]);
        assert_eq!((a.band, a.coverage), (Band::InsufficientData, 0.4));
        let a = assess_with(
            &[Directory, CourseBuilder, LearnerAi],
            &[Directory, LearnerAi],
        );
        assert_eq!(a.band, Band::InsufficientData);
        assert!((a.coverage - 1.0 / 3.0).abs() < 1e-12);
        // 0/1.
        let a = assess_with(&[Assessment], &[Assessment]);
        assert_eq!((a.band, a.coverage), (Band::InsufficientData, 0.0));
        // Nothing required: nothing can be missing.
        let a = assess_with(&[], &[Assessment]);
        assert_eq!((a.band, a.coverage), (Band::Complete, 1.0));
    }

    #[test]
    fn presence_is_the_newest_success_of_any_entity_within_max_age() {
        let now = at(26, 12);
        let max_age = Duration::hours(48);
        let report = |entity, last_success_at| SourceReport {
            source: DataSource::Push,
            entity,
            last_success_at,
            last_failure_at: None,
        };
        let reports = [
            // CB: enrollments 49 h old, modules 47 h old (e.g. pushed): the newest counts.
            report(EntityKind::Enrollments, Some(at(24, 11))),
            report(EntityKind::Modules, Some(at(24, 13))),
            // ASM: exactly 48 h old is still present.
            report(EntityKind::AssessmentAttempts, Some(at(24, 12))),
            // SE: 48 h and one hour.
            report(EntityKind::Skills, Some(at(24, 11))),
            // DL: only ever failed.
            report(EntityKind::PracticeSubmissions, None),
        ];
        let p = presence(&reports, now, max_age);
        assert_eq!(p[&Family::CourseBuilder], Presence::Fresh(at(24, 13)));
        assert_eq!(p[&Family::Assessment], Presence::Fresh(at(24, 12)));
        assert_eq!(p[&Family::SkillsEngine], Presence::Stale(Some(at(24, 11))));
        assert_eq!(p[&Family::Devlab], Presence::Stale(None));
        assert_eq!(p[&Family::Directory], Presence::NeverReported);
        let present: Vec<_> = Family::ALL
            .into_iter()
            .filter(|f| p[f].is_present())
            .collect();
        assert_eq!(
            present,
            vec![
                Family::Directory,
                Family::CourseBuilder,
                Family::ContentStudio,
                Family::Assessment,
                Family::LearnerAi,
                Family::RagAssistant
            ]
        );
        // A shorter maximum age turns the 47-hour-old success stale.
        let p = presence(&reports, now, Duration::hours(24));
        assert_eq!(p[&Family::CourseBuilder], Presence::Stale(Some(at(24, 13))));
    }

    #[test]
    fn no_reports_at_all_judge_nothing() {
        let p = presence(&[], at(26, 12), Duration::hours(48));
        assert!(p.values().all(|s| *s == Presence::NeverReported));
        let a = assess(required("004.16").unwrap(), |f| p[&f].is_present());
        assert_eq!((a.band, a.coverage), (Band::Complete, 1.0));
    }

    fn report(
        source: DataSource,
        entity: EntityKind,
        success: Option<DateTime<Utc>>,
        failure: Option<DateTime<Utc>>,
    ) -> SourceReport {
        SourceReport {
            source,
            entity,
            last_success_at: success,
            last_failure_at: failure,
        }
    }

    #[test]
    fn families_serialise_as_their_upstream_slug() {
        for family in Family::ALL {
            let text = serde_json::to_string(&family).unwrap();
            assert_eq!(text, format!("\"{}\"", family.source().as_str()));
            assert_eq!(serde_json::from_str::<Family>(&text).unwrap(), family);
        }
        for origin in [Origin::Live, Origin::LastKnown, Origin::Mock] {
            let text = serde_json::to_string(&origin).unwrap();
            assert_eq!(text, format!("\"{}\"", origin.as_str()));
            assert_eq!(Origin::parse(origin.as_str()), Some(origin));
        }
        assert_eq!(Origin::parse("cached"), None);
    }

    #[test]
    fn each_family_gets_its_origin_and_last_successful_sync() {
        let now = at(26, 12);
        let max_age = Duration::hours(48);
        let reports = [
            // DIR: pushed an hour ago: live.
            report(DataSource::Push, EntityKind::Users, Some(at(26, 11)), None),
            // CB: its collector last succeeded 72 h ago: stale, last known.
            report(
                DataSource::CourseBuilder,
                EntityKind::Enrollments,
                Some(at(23, 12)),
                None,
            ),
            // ASM: succeeded 10 h ago, failed 2 h ago: present, but the rows are last known.
            report(
                DataSource::Assessment,
                EntityKind::AssessmentAttempts,
                Some(at(26, 2)),
                Some(at(26, 10)),
            ),
            // SE: failed 30 h ago, then succeeded: live.
            report(
                DataSource::SkillsEngine,
                EntityKind::Skills,
                Some(at(26, 6)),
                Some(at(25, 6)),
            ),
            // LAI: a collector in mock mode wrote it, 3 days ago (stale, yet mock wins).
            report(
                DataSource::Mock,
                EntityKind::LearningPaths,
                Some(at(23, 12)),
                None,
            ),
            // DL: mock once, pushed since: the mock rows are still among the inputs.
            report(
                DataSource::Mock,
                EntityKind::PracticeSubmissions,
                Some(at(25, 0)),
                None,
            ),
            report(
                DataSource::Push,
                EntityKind::PracticeSubmissions,
                Some(at(26, 0)),
                None,
            ),
            // RAG: only ever failed.
            report(
                DataSource::RagAssistant,
                EntityKind::HelpRequests,
                None,
                Some(at(26, 1)),
            ),
            // A mock-mode collector that only ever failed left no mock rows.
            report(
                DataSource::Mock,
                EntityKind::HelpRequests,
                None,
                Some(at(26, 1)),
            ),
        ];
        let origins = family_origins(&reports, now, max_age);
        let of = |family: Family| {
            let o: FamilyOrigin = origins[&family];
            (o.origin, o.fetched_at)
        };
        assert_eq!(of(Family::Directory), (Origin::Live, Some(at(26, 11))));
        assert_eq!(
            of(Family::CourseBuilder),
            (Origin::LastKnown, Some(at(23, 12)))
        );
        assert_eq!(of(Family::Assessment), (Origin::LastKnown, Some(at(26, 2))));
        assert_eq!(of(Family::SkillsEngine), (Origin::Live, Some(at(26, 6))));
        assert_eq!(of(Family::LearnerAi), (Origin::Mock, Some(at(23, 12))));
        assert_eq!(of(Family::Devlab), (Origin::Mock, Some(at(26, 0))));
        assert_eq!(of(Family::RagAssistant), (Origin::LastKnown, None));
        // CS never reported: not judged, live, no sync time.
        assert_eq!(of(Family::ContentStudio), (Origin::Live, None));
        assert_eq!(origins.len(), Family::ALL.len());
    }

    #[test]
    fn the_overall_origin_is_the_worst_required_family() {
        let now = at(26, 12);
        let reports = [
            report(
                DataSource::Directory,
                EntityKind::Users,
                Some(at(26, 11)),
                None,
            ),
            report(
                DataSource::CourseBuilder,
                EntityKind::Enrollments,
                Some(at(20, 0)),
                None,
            ),
            report(
                DataSource::Mock,
                EntityKind::LearningPaths,
                Some(at(26, 11)),
                None,
            ),
        ];
        let origins = family_origins(&reports, now, Duration::hours(48));

        // Performance needs ASM only, which never reported: live.
        let sources = sources_of(required("001.5").unwrap(), &origins);
        assert_eq!(
            sources.keys().copied().collect::<Vec<_>>(),
            vec![Family::Assessment]
        );
        assert_eq!(input_origin(&sources), Origin::Live);
        // Skill gap needs DIR, ASM, SE: all live.
        let sources = sources_of(required("001.2").unwrap(), &origins);
        assert_eq!(input_origin(&sources), Origin::Live);
        assert_eq!(sources[&Family::Directory].fetched_at, Some(at(26, 11)));
        // Course health needs CB and ASM: CB is stale, so last known.
        let sources = sources_of(required("002.8").unwrap(), &origins);
        assert_eq!(input_origin(&sources), Origin::LastKnown);
        // Velocity needs DIR, CB, LAI: LAI is mock, which outranks CB's last known.
        let sources = sources_of(required("001.1").unwrap(), &origins);
        assert_eq!(sources.len(), 3);
        assert_eq!(sources[&Family::CourseBuilder].origin, Origin::LastKnown);
        assert_eq!(input_origin(&sources), Origin::Mock);
        // Nothing read, nothing to doubt.
        assert_eq!(input_origin(&Sources::new()), Origin::Live);
        // A family missing from the origins (none known) is live with no sync time.
        let sources = sources_of(&[Family::Devlab], &BTreeMap::new());
        assert_eq!(
            sources[&Family::Devlab],
            FamilyOrigin {
                origin: Origin::Live,
                fetched_at: None
            }
        );
    }

    #[test]
    fn stored_sources_are_keyed_by_slug_with_camel_case_fields() {
        let mut sources = Sources::new();
        sources.insert(
            Family::CourseBuilder,
            FamilyOrigin {
                origin: Origin::LastKnown,
                fetched_at: Some(at(23, 12)),
            },
        );
        sources.insert(
            Family::Directory,
            FamilyOrigin {
                origin: Origin::Live,
                fetched_at: None,
            },
        );
        let json = serde_json::to_value(&sources).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "directory": {"origin": "live", "fetchedAt": null},
                "course-builder": {"origin": "last_known", "fetchedAt": "2026-11-23T12:00:00Z"}
            })
        );
        assert_eq!(serde_json::from_value::<Sources>(json).unwrap(), sources);
    }
}
