//! Coverage marking of computed results (decision 9, `integration.md` 6.7): which upstream
//! families are present at `now`, judged once per batch or on-demand computation from
//! `source_status`, and what that does to each result's status, confidence, coverage and
//! warnings. The rules themselves are pure (`la_domain::coverage`).
//!
//! Every result also records its `input_origin` and per-family `sources` (6.7): the families
//! its analytic requires, or all eight for analytics outside the matrix, which read the whole
//! activity feed.
//!
//! Results of analytics outside the dependency matrix (gamification, leaderboards) are not
//! judged for coverage. Below 50 % a result becomes `insufficient_data` with no data (decision 10): the
//! rows it was computed from stay stored, and the next computation after the sources
//! recover serves them again; generated data never stands in (decision 3).

use super::names;
use crate::ports::{CollectionStore, SourceStatus, StoreError};
use crate::results::{ResultStatus, StoredResult};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use la_domain::coverage::{self, Band, Family, FamilyOrigin, Presence, SourceReport};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// Decision 9's default: a source is present when it succeeded in the last 48 hours.
pub const DEFAULT_MAX_AGE_HOURS: u32 = 48;

/// Process-wide maximum age, set once at start-up from the configuration
/// (`LA_COVERAGE_MAX_AGE_HOURS`). A setting rather than a parameter so that the batch and
/// the on-demand path, which are started from many places, need no new argument.
static MAX_AGE_HOURS: AtomicU32 = AtomicU32::new(DEFAULT_MAX_AGE_HOURS);

pub fn set_max_age_hours(hours: u32) {
    MAX_AGE_HOURS.store(hours, Ordering::Relaxed);
}

pub fn max_age() -> Duration {
    Duration::hours(i64::from(MAX_AGE_HOURS.load(Ordering::Relaxed)))
}

/// The analytic id of `analytics.md` 1 behind a storage name.
pub fn analytic_id(analytics_type: &str) -> Option<&'static str> {
    Some(match analytics_type {
        names::VELOCITY => "001.1",
        names::SKILL_GAP => "001.2",
        names::ENGAGEMENT => "001.3",
        names::MASTERY => "001.4",
        names::PERFORMANCE => "001.5",
        names::CONTENT_EFFECTIVENESS => "001.6",
        names::COURSE_PERFORMANCE => "002.7",
        names::COURSE_HEALTH => "002.8",
        names::STUDENT_DISTRIBUTION => "002.9",
        names::TEACHING_EFFECTIVENESS => "002.10",
        names::ORG_LEARNING_VELOCITY => "003.11",
        names::STRATEGIC_ALIGNMENT => "003.12",
        names::ORG_PERFORMANCE => "003.13",
        names::LEARNING_CULTURE => "003.14",
        names::DROP_OFF_RISK => "004.15",
        names::FORECAST => "004.16",
        names::RECOMMENDATIONS => "004.17",
        names::SKILL_DEMAND => "005.18",
        names::PEER => "005.19",
        _ => return None,
    })
}

/// The families' presence and origins at one instant, applied to results as they are written.
#[derive(Debug, Clone)]
pub struct Marking {
    presence: BTreeMap<Family, Presence>,
    origins: BTreeMap<Family, FamilyOrigin>,
}

impl Marking {
    /// Reads `source_status` once and judges every family at `now`.
    pub async fn load<S: CollectionStore + ?Sized>(
        store: &S,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let statuses = store.source_statuses().await?;
        Ok(Self::from_statuses(&statuses, now, max_age()))
    }

    pub fn from_statuses(statuses: &[SourceStatus], now: DateTime<Utc>, max_age: Duration) -> Self {
        let reports: Vec<SourceReport> = statuses
            .iter()
            .map(|s| SourceReport {
                source: s.source,
                entity: s.entity,
                last_success_at: s.last_success_at,
                last_failure_at: s.last_failure_at,
            })
            .collect();
        Marking {
            presence: coverage::presence(&reports, now, max_age),
            origins: coverage::family_origins(&reports, now, max_age),
        }
    }

    fn is_present(&self, family: Family) -> bool {
        self.presence.get(&family).is_none_or(|p| p.is_present())
    }

    /// Records the input origins of every result and marks those whose analytic requires a
    /// missing family.
    pub fn apply(&self, results: &mut [StoredResult]) {
        let all_present = Family::ALL.into_iter().all(|f| self.is_present(f));
        for result in results {
            if all_present {
                // The common case (always so in a database that never recorded a source
                // status): nothing is missing, only the origins are recorded.
                self.record_origins(result);
            } else {
                self.mark(result);
            }
        }
    }

    pub fn mark(&self, result: &mut StoredResult) {
        self.record_origins(result);
        let Some(required) = analytic_id(&result.key.analytics_type).and_then(coverage::required)
        else {
            return;
        };
        let assessment = coverage::assess(required, |f| self.is_present(f));
        if assessment.missing.is_empty() {
            return;
        }
        result.coverage = assessment.coverage;
        result
            .warnings
            .extend(assessment.missing.iter().map(|f| self.warning(*f)));
        match assessment.band {
            Band::Complete => {}
            Band::Partial => result.status = partial(result.status),
            Band::PartialLowConfidence => {
                result.status = partial(result.status);
                result.low_confidence = true;
            }
            Band::InsufficientData => {
                result.status = ResultStatus::InsufficientData;
                result.data = None;
                result.low_confidence = true;
            }
        }
    }

    /// `input_origin` and `sources` over the families the analytic reads: its R cells, or
    /// every family for an analytic outside the matrix.
    fn record_origins(&self, result: &mut StoredResult) {
        let families = analytic_id(&result.key.analytics_type)
            .and_then(coverage::required)
            .unwrap_or(&Family::ALL);
        result.sources = coverage::sources_of(families, &self.origins);
        result.input_origin = coverage::input_origin(&result.sources);
    }

    fn warning(&self, family: Family) -> String {
        let source = family.source();
        match self.presence.get(&family) {
            Some(Presence::Stale(Some(at))) => format!(
                "source {source} last synced {}; data may be incomplete",
                at.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            _ => format!("source {source} has never synced successfully; data may be incomplete"),
        }
    }
}

/// A computed answer with missing inputs is partial; an analytic that found too little data
/// of its own stays `insufficient_data`.
fn partial(status: ResultStatus) -> ResultStatus {
    match status {
        ResultStatus::InsufficientData => ResultStatus::InsufficientData,
        _ => ResultStatus::Partial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{JsonDocument, ResultKey, SubjectType};
    use chrono::TimeZone;
    use la_domain::coverage::Origin;
    use la_domain::model::{DataSource, EntityKind};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn result(analytics_type: &str, data: Option<&str>) -> StoredResult {
        StoredResult {
            key: ResultKey {
                subject_type: SubjectType::User,
                subject_id: uuid::Uuid::from_u128(7),
                role: Some(la_domain::Role::Learner),
                analytics_type: analytics_type.to_owned(),
                params_key: "window=30d".to_owned(),
            },
            organization_id: None,
            data: data.map(|d| JsonDocument::from_text(d.to_owned()).unwrap()),
            status: if data.is_some() {
                ResultStatus::Complete
            } else {
                ResultStatus::InsufficientData
            },
            low_confidence: false,
            coverage: 1.0,
            warnings: Vec::new(),
            calculated_at: at(26, 12),
            calculation_ms: 1,
            input_origin: Origin::Live,
            sources: Default::default(),
        }
    }

    fn status(
        source: DataSource,
        entity: EntityKind,
        success: Option<DateTime<Utc>>,
    ) -> SourceStatus {
        SourceStatus {
            source,
            entity,
            last_success_at: success,
            last_failure_at: None,
            last_error: None,
            rows_written: 0,
        }
    }

    #[test]
    fn every_storage_name_of_the_matrix_has_a_row() {
        for name in names::LEARNER {
            let id = analytic_id(name).unwrap();
            assert!(coverage::required(id).is_some(), "{name}");
        }
        assert_eq!(analytic_id(names::GAMIFICATION_STATS), None);
    }

    #[test]
    fn a_stale_course_builder_marks_only_the_analytics_that_require_it() {
        let now = at(26, 12);
        let statuses = [
            // Course Builder's collector last succeeded 4 days ago and failed since.
            SourceStatus {
                last_failure_at: Some(at(26, 2)),
                last_error: Some("timeout".into()),
                ..status(
                    DataSource::CourseBuilder,
                    EntityKind::Enrollments,
                    Some(at(22, 2)),
                )
            },
            status(
                DataSource::Assessment,
                EntityKind::AssessmentAttempts,
                Some(at(26, 2)),
            ),
            status(DataSource::Push, EntityKind::Sessions, Some(at(25, 20))),
        ];
        let marking = Marking::from_statuses(&statuses, now, Duration::hours(48));
        let mut results = vec![
            result(names::VELOCITY, Some(r#"{"v":1}"#)),
            result(names::PERFORMANCE, Some(r#"{"p":2}"#)),
            result(names::COURSE_PERFORMANCE, None),
            result(names::GAMIFICATION_STATS, Some("{}")),
        ];
        let before = results.clone();
        marking.apply(&mut results);

        // Velocity requires DIR, CB, LAI: 2 of 3, so partial with low confidence, data kept.
        let velocity = &results[0];
        assert_eq!(velocity.status, ResultStatus::Partial);
        assert!(velocity.low_confidence);
        assert!((velocity.coverage - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(velocity.data, before[0].data);
        assert_eq!(
            velocity.warnings,
            vec![
                "source course-builder last synced 2026-11-22T02:00:00Z; data may be incomplete"
                    .to_owned()
            ]
        );
        // Its inputs: DIR never reported (live), CB is stale (last known), LAI never reported.
        assert_eq!(velocity.input_origin, Origin::LastKnown);
        assert_eq!(
            velocity.sources[&Family::CourseBuilder],
            FamilyOrigin {
                origin: Origin::LastKnown,
                fetched_at: Some(at(22, 2))
            }
        );
        assert_eq!(
            velocity.sources.keys().copied().collect::<Vec<_>>(),
            vec![Family::Directory, Family::CourseBuilder, Family::LearnerAi]
        );
        // Performance requires ASM only, which is fresh: unchanged but for its origins.
        assert_eq!(without_origins(&results[1]), before[1]);
        assert_eq!(results[1].input_origin, Origin::Live);
        assert_eq!(
            results[1].sources[&Family::Assessment].fetched_at,
            Some(at(26, 2))
        );
        // Course performance found too little data itself: it stays insufficient, but says why
        // it may be.
        assert_eq!(results[2].status, ResultStatus::InsufficientData);
        assert_eq!(results[2].coverage, 0.5);
        assert_eq!(results[2].warnings.len(), 1);
        // Gamification is outside the matrix: not judged, but it reads every family, CB's
        // last known rows included.
        assert_eq!(without_origins(&results[3]), before[3]);
        assert_eq!(results[3].sources.len(), Family::ALL.len());
        assert_eq!(results[3].input_origin, Origin::LastKnown);
    }

    #[test]
    fn below_half_the_result_is_insufficient_without_data() {
        let now = at(26, 12);
        let statuses = [
            status(DataSource::Directory, EntityKind::Users, Some(at(20, 0))),
            status(DataSource::LearnerAi, EntityKind::LearningPaths, None),
        ];
        let marking = Marking::from_statuses(&statuses, now, Duration::hours(48));
        let mut velocity = result(names::VELOCITY, Some(r#"{"v":1}"#));
        marking.mark(&mut velocity);
        assert_eq!(velocity.status, ResultStatus::InsufficientData);
        assert_eq!(velocity.data, None);
        assert!((velocity.coverage - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            velocity.warnings,
            vec![
                "source directory last synced 2026-11-20T00:00:00Z; data may be incomplete",
                "source learner-ai has never synced successfully; data may be incomplete",
            ]
        );
    }

    #[test]
    fn without_status_rows_nothing_changes() {
        let marking = Marking::from_statuses(&[], at(26, 12), Duration::hours(48));
        let mut results = vec![
            result(names::VELOCITY, Some(r#"{"v":1}"#)),
            result(names::FORECAST, None),
        ];
        let before = results.clone();
        marking.apply(&mut results);
        for (after, before) in results.iter().zip(&before) {
            assert_eq!(&without_origins(after), before);
            assert_eq!(after.input_origin, Origin::Live);
            assert!(after.sources.values().all(|s| s.fetched_at.is_none()));
        }
        assert_eq!(results[0].sources.len(), 3, "velocity: DIR, CB, LAI");
        assert_eq!(results[1].sources.len(), 4, "forecast: DIR, CB, ASM, LAI");
    }

    #[test]
    fn a_mock_mode_family_makes_the_result_mock_yet_complete() {
        let now = at(26, 12);
        let statuses = [
            status(DataSource::Mock, EntityKind::Users, Some(at(26, 11))),
            status(DataSource::Mock, EntityKind::Enrollments, Some(at(26, 11))),
            status(
                DataSource::LearnerAi,
                EntityKind::LearningPaths,
                Some(at(26, 10)),
            ),
        ];
        let marking = Marking::from_statuses(&statuses, now, Duration::hours(48));
        let mut results = vec![
            result(names::VELOCITY, Some(r#"{"v":1}"#)),
            result(names::RECOMMENDATIONS, Some("{}")),
        ];
        marking.apply(&mut results);
        // Decision 7: mock rows count as real for coverage and confidence.
        let velocity = &results[0];
        assert_eq!(velocity.status, ResultStatus::Complete);
        assert!(!velocity.low_confidence);
        assert_eq!(velocity.coverage, 1.0);
        // ... and are reported honestly.
        assert_eq!(velocity.input_origin, Origin::Mock);
        assert_eq!(velocity.sources[&Family::Directory].origin, Origin::Mock);
        assert_eq!(velocity.sources[&Family::LearnerAi].origin, Origin::Live);
        // Recommendations read LAI only: live.
        assert_eq!(results[1].input_origin, Origin::Live);
    }

    /// A result with the origins reset to what `compute` writes.
    fn without_origins(result: &StoredResult) -> StoredResult {
        StoredResult {
            input_origin: Origin::Live,
            sources: Default::default(),
            ..result.clone()
        }
    }
}
