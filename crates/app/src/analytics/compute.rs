//! Computing every analytic for every subject of a platform snapshot: pure and parallel.
//!
//! Platform-wide figures (benchmarks, demand scores, peer groups) are built once; then each
//! learner's analytics run in parallel across cores (rayon). Results come back as
//! [`StoredResult`]s ready to upsert. Nothing here does I/O.

use super::load::PlatformInputs;
use super::names;
use crate::results::{ResultKey, ResultStatus, StoredResult, SubjectType};
use chrono::{DateTime, Utc};
use la_domain::Role;
use la_domain::analytics::comparison::{peer, skill_demand};
use la_domain::analytics::learner::{
    content_effectiveness, engagement, mastery, performance, skill_gap, velocity,
};
use la_domain::analytics::{Analysis, Clock, LearnerRecord, Window};
use la_domain::model::ValueProposition;
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// Platform-wide figures every subject's analytics read; built once per batch.
pub struct PlatformFigures {
    value_props: Vec<ValueProposition>,
    demand_learners: Vec<skill_demand::DemandLearner>,
    demand: skill_gap::PlatformDemand,
    popularity: skill_gap::CoursePopularity,
    path_times: velocity::PathTimeBenchmarks,
    engagement_peers: engagement::OrgEngagementScores,
    acquisition: mastery::AcquisitionBenchmarks,
    performance: performance::PerformancePlatform,
}

impl PlatformFigures {
    pub fn build(inputs: &PlatformInputs, now: DateTime<Utc>) -> Self {
        let clock = Clock::utc(now);
        let records = &inputs.records;
        let catalog = &inputs.catalog;
        let value_props: Vec<ValueProposition> = inputs
            .orgs
            .values()
            .flat_map(|o| o.value_propositions.iter().cloned())
            .collect();
        let demand_learners = skill_demand::project(records);
        let scores =
            skill_demand::platform_demand_scores(catalog, &demand_learners, &value_props, &clock);
        PlatformFigures {
            demand: skill_gap::PlatformDemand::from_scores(
                scores.into_iter().map(|(skill, score)| (skill, score as f64)),
            ),
            popularity: skill_gap::CoursePopularity::build(records),
            path_times: velocity::PathTimeBenchmarks::build(records, catalog, &clock),
            engagement_peers: engagement::OrgEngagementScores::build(
                records,
                catalog,
                &inputs.orgs,
                now,
            ),
            acquisition: mastery::build_benchmarks(records, catalog),
            performance: performance::build_platform(records, catalog),
            value_props,
            demand_learners,
        }
    }
}

/// The computation instant and window of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub window: Window,
}

impl Snapshot {
    fn params_key(&self) -> String {
        format!("window={}", self.window.as_str())
    }
}

/// Turns one analytic's outcome into a stored result.
fn stored<T: Serialize>(
    key: ResultKey,
    organization_id: Option<la_domain::OrgId>,
    outcome: Analysis<T>,
    calculated_at: DateTime<Utc>,
    started: Instant,
) -> StoredResult {
    let (data, status) = match outcome {
        Analysis::Ready(value) => (
            Some(serde_json::to_value(value).expect("analytics outputs serialise to JSON")),
            ResultStatus::Complete,
        ),
        Analysis::InsufficientData(_) => (None, ResultStatus::InsufficientData),
    };
    StoredResult {
        key,
        organization_id,
        data,
        status,
        low_confidence: false,
        coverage: 1.0,
        warnings: Vec::new(),
        calculated_at,
        calculation_ms: started.elapsed().as_millis() as i64,
    }
}

/// What phase 1 learns about a learner that later phases need.
struct LearnerSignals {
    metrics: peer::ComputedMetrics,
}

/// All learner analytics of one learner (AS-001.1 … AS-001.6).
fn learner_results(
    record: &LearnerRecord,
    inputs: &PlatformInputs,
    figures: &PlatformFigures,
    snapshot: Snapshot,
) -> (Vec<StoredResult>, LearnerSignals) {
    let org = inputs.org_of(record);
    let timezone = record
        .user
        .timezone
        .as_deref()
        .or(org.and_then(|o| o.org.timezone.as_deref()));
    let clock = Clock::in_zone(snapshot.now, timezone);
    let catalog = &inputs.catalog;
    let key = |analytics_type: &str| ResultKey {
        subject_type: SubjectType::User,
        subject_id: record.id().0,
        role: Some(Role::Learner),
        analytics_type: analytics_type.to_owned(),
        params_key: snapshot.params_key(),
    };
    let org_id = record.user.org_id;
    let mut results = Vec::with_capacity(names::LEARNER.len());

    let started = Instant::now();
    let velocity = velocity::compute(
        record,
        catalog,
        &clock,
        snapshot.window,
        &figures.path_times,
    );
    let learning_pace = velocity.ready().map(|v| v.average_pace);
    results.push(stored(key(names::VELOCITY), org_id, velocity, snapshot.now, started));

    let started = Instant::now();
    let gap = skill_gap::compute(
        record,
        catalog,
        org,
        &clock,
        Some(&figures.demand),
        &figures.popularity,
    );
    results.push(stored(key(names::SKILL_GAP), org_id, gap, snapshot.now, started));

    let started = Instant::now();
    // The score of 7 days ago comes from the stored history once the job queue keeps it.
    let engagement = engagement::compute(record, catalog, org, &clock, None, &figures.engagement_peers);
    let engagement_score = engagement.ready().map(|e| e.overall_score as f64);
    results.push(stored(key(names::ENGAGEMENT), org_id, engagement, snapshot.now, started));

    let started = Instant::now();
    let mastery = mastery::compute(record, catalog, &figures.acquisition, &[], &clock);
    let mastery_percentage = mastery.ready().map(|m| m.summary.mastery_percentage);
    results.push(stored(key(names::MASTERY), org_id, mastery, snapshot.now, started));

    let started = Instant::now();
    let performance = performance::compute(record, catalog, &figures.performance, &clock);
    let average_score = performance.overview.overall_average_score;
    results.push(stored(
        key(names::PERFORMANCE),
        org_id,
        Analysis::Ready(performance),
        snapshot.now,
        started,
    ));

    let started = Instant::now();
    let content = content_effectiveness::compute(record, catalog, &clock, snapshot.window);
    results.push(stored(
        key(names::CONTENT_EFFECTIVENESS),
        org_id,
        content,
        snapshot.now,
        started,
    ));

    let signals = LearnerSignals {
        metrics: peer::ComputedMetrics {
            average_score,
            learning_pace,
            engagement_score,
            mastery_percentage,
        },
    };
    (results, signals)
}

/// Computes every analytic of the snapshot. `progress(done, total)` counts subjects.
pub fn compute_all(
    inputs: &PlatformInputs,
    snapshot: Snapshot,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<StoredResult> {
    let figures = PlatformFigures::build(inputs, snapshot.now);
    let learners: Vec<&LearnerRecord> = inputs
        .records
        .iter()
        .filter(|r| r.user.is_active && r.user.roles.contains(&Role::Learner))
        .collect();
    let total = learners.len() + 1;
    let done = std::sync::atomic::AtomicUsize::new(0);

    // Phase 1: every learner's own analytics, in parallel.
    let phase1: Vec<(Vec<StoredResult>, LearnerSignals)> = learners
        .par_iter()
        .map(|record| {
            let out = learner_results(record, inputs, &figures, snapshot);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n % 256 == 0 {
                progress(n, total);
            }
            out
        })
        .collect();

    // Phase 2: comparisons that need every learner's phase-1 figures.
    let snapshots: Vec<peer::PeerSnapshot> = learners
        .iter()
        .zip(&phase1)
        .map(|(record, (_, signals))| {
            peer::PeerSnapshot::from_record(record, &inputs.catalog, &signals.metrics)
        })
        .collect();
    let index = peer::PeerIndex::build(&snapshots);
    let peer_results: Vec<StoredResult> = snapshots
        .par_iter()
        .map(|subject| {
            let started = Instant::now();
            let outcome = match peer::compute(subject, &index) {
                Ok(comparison) => Analysis::Ready(comparison),
                Err(_) => Analysis::InsufficientData("platform peer group below k"),
            };
            stored(
                ResultKey {
                    subject_type: SubjectType::User,
                    subject_id: subject.user_id.0,
                    role: Some(Role::Learner),
                    analytics_type: names::PEER.to_owned(),
                    params_key: snapshot.params_key(),
                },
                subject.org_id,
                outcome,
                snapshot.now,
                started,
            )
        })
        .collect();

    // The platform subject: skill demand over the default timeframe.
    let started = Instant::now();
    let demand = skill_demand::compute(
        &inputs.catalog,
        &figures.demand_learners,
        &figures.value_props,
        &skill_demand::SkillDemandFilters::default(),
        &Clock::utc(snapshot.now),
    );
    let demand_result = stored(
        ResultKey {
            subject_type: SubjectType::Platform,
            subject_id: uuid::Uuid::nil(),
            role: None,
            analytics_type: names::SKILL_DEMAND.to_owned(),
            params_key: "timeframe=6months".to_owned(),
        },
        None,
        demand,
        snapshot.now,
        started,
    );
    progress(total, total);

    let mut results: Vec<StoredResult> = phase1.into_iter().flat_map(|(r, _)| r).collect();
    results.extend(peer_results);
    results.push(demand_result);
    results
}
