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
//! Pure: `now` is a parameter.

use crate::model::{DataSource, EntityKind};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// An upstream input family: the columns of the dependency matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Directory,
    CourseBuilder,
    ContentStudio,
    Assessment,
    SkillsEngine,
    LearnerAi,
    Devlab,
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

/// One row of `source_status` as far as coverage cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceReport {
    pub entity: EntityKind,
    pub last_success_at: Option<DateTime<Utc>>,
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
            entity,
            last_success_at,
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
}
