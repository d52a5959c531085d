//! Computing every analytic for every subject of a platform snapshot: pure and parallel.
//!
//! Platform-wide figures (benchmarks, demand scores, peer groups) are built once; then each
//! learner's analytics run in parallel across cores (rayon). Results come back as
//! [`StoredResult`]s ready to upsert. Nothing here does I/O.

use super::batch::Scope;
use super::load::PlatformInputs;
use super::names;
use super::role_advice;
use crate::ports::{GamificationState, ViewerRecommendationState};
use crate::results::{JsonDocument, ResultKey, ResultStatus, StoredResult, SubjectType};
use chrono::{DateTime, Utc};
use la_domain::Role;
use la_domain::analytics::comparison::{peer, skill_demand};
use la_domain::analytics::gamification::{
    self, BadgeAward, GamificationSubject, Leaderboards, RarityTable, leaderboard,
};
use la_domain::analytics::learner::{
    content_effectiveness, engagement, mastery, performance, skill_gap, velocity,
};
use la_domain::analytics::org::{
    self as org_analytics, learning_culture, learning_velocity, strategic_alignment, team_analytics,
};
use la_domain::analytics::predictive::{drop_off, forecast, recommendations};
use la_domain::analytics::trainer::{
    cohort, course_health, course_performance, student_distribution, teaching_effectiveness,
};
use la_domain::analytics::{Analysis, Clock, LearnerRecord, Window};
use la_domain::model::ValueProposition;
use la_domain::{OrgId, UserId};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
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
    statistics: recommendations::PlatformStatistics,
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
        // The builders are independent: run them side by side.
        let (
            (demand_learners, scores),
            ((path_times, engagement_peers), (acquisition, (performance, statistics))),
        ) = rayon::join(
            || {
                let learners = skill_demand::project(records);
                let scores =
                    skill_demand::platform_demand_scores(catalog, &learners, &value_props, &clock);
                (learners, scores)
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || velocity::PathTimeBenchmarks::build(records, catalog, &clock),
                            || {
                                engagement::OrgEngagementScores::build(
                                    records,
                                    catalog,
                                    &inputs.orgs,
                                    now,
                                )
                            },
                        )
                    },
                    || {
                        rayon::join(
                            || mastery::build_benchmarks(records, catalog),
                            || {
                                rayon::join(
                                    || performance::build_platform(records, catalog),
                                    || {
                                        recommendations::platform_statistics(
                                            records, catalog, &clock,
                                        )
                                    },
                                )
                            },
                        )
                    },
                )
            },
        );
        PlatformFigures {
            demand: skill_gap::PlatformDemand::from_scores(
                scores
                    .into_iter()
                    .map(|(skill, score)| (skill, score as f64)),
            ),
            popularity: skill_gap::CoursePopularity::build(records),
            path_times,
            engagement_peers,
            acquisition,
            performance,
            statistics,
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
pub(crate) fn stored<T: Serialize>(
    key: ResultKey,
    organization_id: Option<la_domain::OrgId>,
    outcome: Analysis<T>,
    calculated_at: DateTime<Utc>,
    started: Instant,
) -> StoredResult {
    let (data, status) = match outcome {
        Analysis::Ready(value) => (
            Some(
                JsonDocument::from_serializable(&value)
                    .expect("analytics outputs serialise to JSON"),
            ),
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
        // Set with the coverage, from `source_status`, before the result is written.
        input_origin: la_domain::coverage::Origin::Live,
        sources: la_domain::coverage::Sources::new(),
    }
}

/// Runs one analytic, timing it, and stores its outcome under `key`.
fn timed<T: Serialize>(
    key: ResultKey,
    organization_id: Option<OrgId>,
    calculated_at: DateTime<Utc>,
    compute: impl FnOnce() -> Analysis<T>,
) -> StoredResult {
    let started = Instant::now();
    let outcome = compute();
    stored(key, organization_id, outcome, calculated_at, started)
}

/// What phase 1 learns about a learner that later phases need.
struct LearnerSignals {
    metrics: peer::ComputedMetrics,
    /// AS-004.15 risk score (the maximum over active enrollments).
    risk_score: Option<i64>,
    /// The learner's AS-004.17 item states this generation changed (new, expired), to store.
    recommendation_states: Vec<recommendations::RecommendationState>,
}

/// All learner analytics of one learner (AS-001.1 … AS-001.6, AS-004.15–17).
///
/// With `emit` false (a learner outside the part of the batch being written) only what later
/// phases read of every learner is computed: the four metrics of the peer comparison and
/// the trainer views (velocity, engagement, mastery, performance) and the drop-off risk of
/// the organisation views, nothing serialised.
fn learner_results(
    record: &LearnerRecord,
    inputs: &PlatformInputs,
    figures: &PlatformFigures,
    snapshot: Snapshot,
    emit: bool,
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
    let velocity_signal = velocity.ready().map(|v| recommendations::VelocitySignal {
        status: match v.comparison_to_goal.status {
            velocity::GoalStatus::Ahead => recommendations::PaceStatus::Ahead,
            velocity::GoalStatus::OnTrack => recommendations::PaceStatus::OnTrack,
            velocity::GoalStatus::Behind => recommendations::PaceStatus::Behind,
            velocity::GoalStatus::Overdue => recommendations::PaceStatus::Overdue,
            velocity::GoalStatus::NoTarget => recommendations::PaceStatus::NoTarget,
        },
        current_pace: v.current_pace,
        target_pace: v.comparison_to_goal.target_pace,
    });
    if emit {
        results.push(stored(
            key(names::VELOCITY),
            org_id,
            velocity,
            snapshot.now,
            started,
        ));
    }

    // Only the recommendations read the gap's signal: nothing to do in a metrics-only pass.
    let top_critical_gap = if emit {
        let started = Instant::now();
        let gap = skill_gap::compute(
            record,
            catalog,
            org,
            &clock,
            Some(&figures.demand),
            &figures.popularity,
        );
        let top = gap.ready().and_then(|g| {
            g.prioritized_gaps
                .iter()
                .find(|gap| gap.is_critical)
                .map(|gap| recommendations::SkillGapSignal {
                    skill_id: gap.skill_id,
                    skill_name: gap.skill_name.clone(),
                    current_level: gap.current_level,
                    target_level: gap.target_level,
                    priority_score: gap.priority_score,
                })
        });
        results.push(stored(
            key(names::SKILL_GAP),
            org_id,
            gap,
            snapshot.now,
            started,
        ));

        top
    } else {
        None
    };
    let started = Instant::now();
    // The score of 7 days ago comes from the stored history once the job queue keeps it.
    let engagement = engagement::compute(
        record,
        catalog,
        org,
        &clock,
        None,
        &figures.engagement_peers,
    );
    let engagement_score = engagement.ready().map(|e| e.overall_score as f64);
    let engagement_time = engagement.ready().map(|e| {
        let time = &e.breakdowns.time_investment;
        recommendations::TimeSignal {
            time_score: time.score,
            hours_last_7_days: time.hours_last7_days,
            recommended_hours_per_week: time.recommended_hours_per_week,
        }
    });
    let preferred_type = engagement
        .ready()
        .and_then(|e| e.behavioral_patterns.preferred_content_type);
    if emit {
        results.push(stored(
            key(names::ENGAGEMENT),
            org_id,
            engagement,
            snapshot.now,
            started,
        ));
    }

    let started = Instant::now();
    let mastery = mastery::compute(record, catalog, &figures.acquisition, &[], &clock);
    let mastery_percentage = mastery.ready().map(|m| m.summary.mastery_percentage);
    let needs_review: Vec<recommendations::ReviewSignal> = mastery
        .ready()
        .map(|m| {
            m.topic_breakdown
                .iter()
                .filter(|t| t.needs_review)
                .map(|t| recommendations::ReviewSignal {
                    skill_id: t.topic_id,
                    skill_name: t.topic_name.clone(),
                    retention_score: t.retention_score,
                })
                .collect()
        })
        .unwrap_or_default();
    if emit {
        results.push(stored(
            key(names::MASTERY),
            org_id,
            mastery,
            snapshot.now,
            started,
        ));
    }

    let started = Instant::now();
    let performance = performance::compute(record, catalog, &figures.performance, &clock);
    let average_score = performance.overview.overall_average_score;
    let metrics = peer::ComputedMetrics {
        average_score,
        learning_pace,
        engagement_score,
        mastery_percentage,
    };
    if !emit {
        // The organisation views read every member's risk level, and a member may be
        // computed in another part of the batch than their organisation's subject.
        let risk = drop_off::compute(record, catalog, &clock, None, &Default::default());
        let signals = LearnerSignals {
            metrics,
            risk_score: risk.ready().map(|r| r.risk_score),
            recommendation_states: Vec::new(),
        };
        return (results, signals);
    }
    results.push(stored(
        key(names::PERFORMANCE),
        org_id,
        Analysis::Ready(performance),
        snapshot.now,
        started,
    ));

    let started = Instant::now();
    let content = content_effectiveness::compute(record, catalog, &clock, snapshot.window);
    let best_type = content.ready().and_then(|c| c.recommended_content_type);
    results.push(stored(
        key(names::CONTENT_EFFECTIVENESS),
        org_id,
        content,
        snapshot.now,
        started,
    ));

    // AS-004.15 and AS-004.16 without a course or path: the riskiest active enrollment, the
    // most recently active path. Stored daily histories join with the job queue.
    let started = Instant::now();
    let risk = drop_off::compute(record, catalog, &clock, None, &Default::default());
    let risk_score = risk.ready().map(|r| r.risk_score);
    results.push(stored(
        key(names::DROP_OFF_RISK),
        org_id,
        risk,
        snapshot.now,
        started,
    ));

    let started = Instant::now();
    let outlook = forecast::compute(
        record,
        catalog,
        &clock,
        snapshot.window,
        &Default::default(),
        &Default::default(),
    );
    let forecast_signal = outlook
        .ready()
        .map(recommendations::ForecastSignal::from_forecast);
    results.push(stored(
        key(names::FORECAST),
        org_id,
        outlook,
        snapshot.now,
        started,
    ));

    // AS-004.17 from the results above.
    let started = Instant::now();
    // The forecast signal reuses the forecast above instead of computing it again.
    let signals = recommendations::LearnerSignals {
        drop_off: drop_off::risk_by_course(record, catalog, &clock)
            .into_iter()
            .map(
                |(course_id, (risk_score, risk_level))| recommendations::CourseRiskSignal {
                    course_id,
                    risk_score,
                    risk_level,
                },
            )
            .collect(),
        forecast: forecast_signal,
        top_critical_gap,
        needs_review,
        velocity: velocity_signal,
        engagement_time,
        content_types: Some(recommendations::ContentTypeSignal {
            best_type,
            preferred_type,
        }),
    };
    // The stored lifecycle states (saved, dismissed, ...) carry the user's decisions over.
    let stored_states = inputs
        .recommendation_states
        .get(&(record.id(), Role::Learner))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut advice = recommendations::compute(
        record,
        catalog,
        &clock,
        &signals,
        &figures.statistics,
        stored_states,
    );
    // Only what this generation changed is written (most items keep their state night after
    // night; unchanged rows are not rewritten, nor a decision made meanwhile overwritten).
    let recommendation_states = std::mem::take(&mut advice.states)
        .into_iter()
        .filter(|s| !stored_states.contains(s))
        .collect();
    results.push(stored(
        key(names::RECOMMENDATIONS),
        org_id,
        Analysis::Ready(advice),
        snapshot.now,
        started,
    ));

    let signals = LearnerSignals {
        metrics,
        risk_score,
        recommendation_states,
    };
    (results, signals)
}

/// Item states of AS-004.17 to store: those a generation changed.
pub type ItemStates = Vec<ViewerRecommendationState>;

/// The storage parameters of O4: `includeWorkers=true` (the only named output, decision 12:
/// part of the cache key) before the window, keys sorted by name; `false` is the default
/// output and shares its key.
pub fn org_performance_params(
    window: la_domain::analytics::Window,
    include_workers: bool,
) -> String {
    if include_workers {
        format!("includeWorkers=true&window={}", window.as_str())
    } else {
        format!("window={}", window.as_str())
    }
}

/// The four trainer analytics (T1-T4) of every trainer, from course cohorts built once, and
/// the trainer's AS-004.17 recommendations (`trainer_improvement_strategies`) from them.
fn trainer_results(
    inputs: &PlatformInputs,
    engagement: &BTreeMap<UserId, f64>,
    figures: &PlatformFigures,
    scope: &Scope,
    snapshot: Snapshot,
) -> (Vec<StoredResult>, ItemStates) {
    let trainers: Vec<&LearnerRecord> = inputs
        .records
        .iter()
        .filter(|r| {
            r.user.is_active
                && r.user.roles.contains(&Role::Trainer)
                && scope.keeps_user(r.user.org_id, r.id())
        })
        .collect();
    // The cohorts span the platform (a course's students come from any organisation); a
    // part of the batch without trainers skips building them.
    if trainers.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let catalog = &inputs.catalog;
    let clock = Clock::utc(snapshot.now);
    let cohorts = cohort::build_cohorts(catalog, inputs.records.iter());
    let benchmarks = cohort::CourseBenchmarks::build(&cohorts);
    let start = snapshot.now - chrono::Duration::days(snapshot.window.days());
    let peers = teaching_effectiveness::TeachingPeers::build(
        catalog,
        &cohorts,
        start,
        snapshot.now,
        &clock,
    );
    let course_signals = role_advice::course_signals(&cohorts, catalog, &clock, start);
    let per_trainer: Vec<(Vec<StoredResult>, ItemStates)> = trainers
        .par_iter()
        .map(|record| {
            let user = &record.user;
            let key = |analytics_type: &str| ResultKey {
                subject_type: SubjectType::User,
                subject_id: user.id.0,
                role: Some(Role::Trainer),
                analytics_type: analytics_type.to_owned(),
                params_key: snapshot.params_key(),
            };
            let org = user.org_id;
            let mut out = Vec::with_capacity(5);
            out.push(timed(
                key(names::COURSE_PERFORMANCE),
                org,
                snapshot.now,
                || course_performance::for_trainer(user, catalog, &cohorts, &benchmarks, &clock),
            ));
            let started = Instant::now();
            let health =
                course_health::for_trainer(user.id, catalog, &cohorts, &benchmarks, &clock);
            let problem_modules = role_advice::problem_modules(health.ready());
            out.push(stored(
                key(names::COURSE_HEALTH),
                org,
                health,
                snapshot.now,
                started,
            ));
            out.push(timed(
                key(names::STUDENT_DISTRIBUTION),
                org,
                snapshot.now,
                || {
                    student_distribution::for_trainer(
                        user.id,
                        catalog,
                        &cohorts,
                        engagement,
                        &clock,
                        snapshot.window,
                    )
                },
            ));
            out.push(timed(
                key(names::TEACHING_EFFECTIVENESS),
                org,
                snapshot.now,
                || {
                    teaching_effectiveness::for_trainer(
                        user.id,
                        catalog,
                        &cohorts,
                        &peers,
                        &clock,
                        snapshot.window,
                    )
                },
            ));
            // AS-004.17 for the trainer, with their stored item states (decision 17).
            let started = Instant::now();
            let signals = role_advice::trainer_signals(
                user.id,
                catalog,
                &cohorts,
                &course_signals,
                problem_modules,
                (start, snapshot.now),
            );
            let stored_states = inputs
                .recommendation_states
                .get(&(user.id, Role::Trainer))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let mut advice = recommendations::compute_trainer(
                user.id,
                None,
                catalog,
                &clock,
                &signals,
                &figures.statistics,
                stored_states,
            );
            let states = std::mem::take(&mut advice.states)
                .into_iter()
                .filter(|s| !stored_states.contains(s))
                .map(|s| (user.id, Role::Trainer, s))
                .collect();
            out.push(stored(
                key(names::RECOMMENDATIONS),
                org,
                Analysis::Ready(advice),
                snapshot.now,
                started,
            ));
            (out, states)
        })
        .collect();
    let mut results = Vec::with_capacity(per_trainer.len() * 5);
    let mut states = Vec::new();
    for (r, s) in per_trainer {
        results.extend(r);
        states.extend(s);
    }
    (results, states)
}

/// The four organisation analytics (O1-O4) of every organisation (O4 also with its worker
/// list, under its own key), and the AS-004.17 organisation recommendations
/// (`org_strategic_recommendations`): one per org admin of the organisation, with their own
/// item states, and one without states under the organisation subject for platform admins
/// **(decided here)**.
fn org_results(
    inputs: &PlatformInputs,
    employees: &BTreeMap<UserId, org_analytics::EmployeeMetrics>,
    figures: &PlatformFigures,
    scope: &Scope,
    snapshot: Snapshot,
) -> (Vec<StoredResult>, ItemStates) {
    let catalog = &inputs.catalog;
    let mut admins: BTreeMap<OrgId, Vec<UserId>> = BTreeMap::new();
    for r in &inputs.records {
        if r.user.is_active
            && r.user.roles.contains(&Role::OrgAdmin)
            && let Some(org) = r.user.org_id
        {
            admins.entry(org).or_default().push(r.id());
        }
    }
    let orgs: Vec<(&OrgId, &la_domain::analytics::OrgRecord)> = inputs
        .orgs
        .iter()
        .filter(|(id, _)| scope.keeps_org_subject(Some(**id)))
        .collect();
    let per_org: Vec<(Vec<StoredResult>, ItemStates)> = orgs
        .par_iter()
        .map(|(org_id, org)| {
            let clock = Clock::in_zone(snapshot.now, org.org.timezone.as_deref());
            let members: Vec<&LearnerRecord> = org
                .members
                .iter()
                .filter_map(|id| inputs.record(*id))
                .collect();
            let metrics = org_analytics::build_org_metrics(
                members
                    .iter()
                    .filter_map(|m| employees.get(&m.id()).map(|e| (m.id(), e.clone()))),
            );
            let key = |analytics_type: &str| ResultKey {
                subject_type: SubjectType::Organization,
                subject_id: org_id.0,
                role: Some(Role::OrgAdmin),
                analytics_type: analytics_type.to_owned(),
                params_key: snapshot.params_key(),
            };
            let org_key = Some(**org_id);
            let mut out = Vec::with_capacity(7 + admins.get(*org_id).map_or(0, Vec::len));
            out.push(timed(
                key(names::ORG_LEARNING_VELOCITY),
                org_key,
                snapshot.now,
                || {
                    learning_velocity::compute(
                        org,
                        &members,
                        catalog,
                        &metrics,
                        &clock,
                        &learning_velocity::VelocityParams {
                            period: None,
                            department_id: None,
                        },
                    )
                },
            ));
            let started = Instant::now();
            let alignment = strategic_alignment::compute(
                org,
                &members,
                catalog,
                &metrics,
                &clock,
                &strategic_alignment::AlignmentParams::for_window(&clock, snapshot.window),
            );
            let alignment_ms = started.elapsed();
            let started = Instant::now();
            let culture = learning_culture::compute(
                org,
                &members,
                catalog,
                &metrics,
                &clock,
                learning_culture::default_span(&clock, snapshot.window),
            );
            let culture_ms = started.elapsed();
            // O4 once with the worker list; the default output is the same without it.
            let started = Instant::now();
            let with_workers = team_analytics::compute(
                org,
                &members,
                &metrics,
                &clock,
                &team_analytics::TeamParams {
                    include_workers: true,
                    ..team_analytics::TeamParams::for_window(&clock, snapshot.window)
                },
            );
            let teams = match &with_workers {
                Analysis::Ready(t) => Analysis::Ready(team_analytics::TeamAnalytics {
                    workers: None,
                    ..t.clone()
                }),
                Analysis::InsufficientData(reason) => Analysis::InsufficientData(reason),
            };
            let teams_ms = started.elapsed();

            let started = Instant::now();
            let signals = role_advice::org_signals(
                org,
                &members,
                catalog,
                &clock,
                members
                    .iter()
                    .map(|m| employees.get(&m.id()).and_then(|e| e.engagement_score)),
                alignment.ready(),
                culture.ready(),
                teams.ready(),
            );
            let mut states: ItemStates = Vec::new();
            let viewers = admins.get(*org_id).map(Vec::as_slice).unwrap_or(&[]);
            for viewer in viewers {
                let stored_states = inputs
                    .recommendation_states
                    .get(&(*viewer, Role::OrgAdmin))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let mut advice = recommendations::compute_org(
                    org,
                    *viewer,
                    &clock,
                    &signals,
                    &figures.statistics,
                    stored_states,
                );
                states.extend(
                    std::mem::take(&mut advice.states)
                        .into_iter()
                        .filter(|s| !stored_states.contains(s))
                        .map(|s| (*viewer, Role::OrgAdmin, s)),
                );
                out.push(stored(
                    ResultKey {
                        subject_type: SubjectType::User,
                        subject_id: viewer.0,
                        role: Some(Role::OrgAdmin),
                        analytics_type: names::RECOMMENDATIONS.to_owned(),
                        params_key: snapshot.params_key(),
                    },
                    org_key,
                    Analysis::Ready(advice),
                    snapshot.now,
                    started,
                ));
            }
            // The organisation's view without anyone's decisions (ids of the nil viewer).
            let neutral = recommendations::compute_org(
                org,
                UserId(uuid::Uuid::nil()),
                &clock,
                &signals,
                &figures.statistics,
                &[],
            );
            out.push(stored(
                key(names::RECOMMENDATIONS),
                org_key,
                Analysis::Ready(neutral),
                snapshot.now,
                started,
            ));

            let ended = Instant::now();
            out.push(stored(
                key(names::STRATEGIC_ALIGNMENT),
                org_key,
                alignment,
                snapshot.now,
                ended - alignment_ms,
            ));
            out.push(stored(
                key(names::LEARNING_CULTURE),
                org_key,
                culture,
                snapshot.now,
                ended - culture_ms,
            ));
            out.push(stored(
                key(names::ORG_PERFORMANCE),
                org_key,
                teams,
                snapshot.now,
                ended - teams_ms,
            ));
            out.push(stored(
                ResultKey {
                    params_key: org_performance_params(snapshot.window, true),
                    ..key(names::ORG_PERFORMANCE)
                },
                org_key,
                with_workers,
                snapshot.now,
                ended - teams_ms,
            ));
            (out, states)
        })
        .collect();
    let mut results = Vec::new();
    let mut states = Vec::new();
    for (r, s) in per_org {
        results.extend(r);
        states.extend(s);
    }
    (results, states)
}

/// The roles whose gamification the batch tracks (`analytics.md` 8: per user and role). The
/// spec defines gamification for learners, trainers and org admins; a platform admin has no
/// activities of their own that earn anything.
pub(crate) const GAMIFIED_ROLES: [Role; 3] = [Role::Learner, Role::Trainer, Role::OrgAdmin];

/// The platform-wide part of gamification: badge rarity and the leaderboards of every
/// gamified role, built once per batch.
pub struct GamificationFigures {
    rarity: RarityTable,
    boards: BTreeMap<Role, Leaderboards>,
}

impl GamificationFigures {
    fn build(inputs: &PlatformInputs, snapshot: Snapshot) -> Self {
        let learner_awards: BTreeMap<UserId, Vec<BadgeAward>> = inputs
            .awards
            .iter()
            .filter(|((_, role), _)| *role == Role::Learner)
            .map(|((user, _), awards)| (*user, awards.clone()))
            .collect();
        let rarity = RarityTable::from_records(&inputs.records, snapshot.now, &learner_awards);
        let departments: Vec<la_domain::model::Department> = inputs
            .orgs
            .values()
            .flat_map(|o| o.departments.iter().cloned())
            .collect();
        let boards = GAMIFIED_ROLES
            .par_iter()
            .map(|role| {
                let participants = leaderboard::build_participants(
                    &inputs.records,
                    snapshot.now,
                    *role,
                    &inputs.opted_out,
                );
                (*role, Leaderboards::build(participants, &departments))
            })
            .collect();
        GamificationFigures { rarity, boards }
    }
}

/// G1, G2 and G4 of every (user, role) in `scope`, handed to `sink`, and the state rows
/// the batch keeps (decision 16), handed to `states`; both a step of
/// [`GAMIFICATION_PER_STEP`] subjects at a time.
fn gamification_results(
    inputs: &PlatformInputs,
    figures: &GamificationFigures,
    scope: &Scope,
    snapshot: Snapshot,
    sink: &(dyn Fn(Vec<StoredResult>) + Sync),
    states: &(dyn Fn(Vec<GamificationState>) + Sync),
) {
    let subjects: Vec<(&LearnerRecord, Role)> = inputs
        .records
        .iter()
        .filter(|r| r.user.is_active && scope.keeps_user(r.user.org_id, r.id()))
        .flat_map(|r| {
            GAMIFIED_ROLES
                .iter()
                .filter(|role| r.user.roles.contains(role))
                .map(move |role| (r, *role))
        })
        .collect();
    for step in subjects.chunks(GAMIFICATION_PER_STEP) {
        let (results, step_states) = gamification_step(inputs, figures, step, snapshot);
        sink(results);
        states(step_states);
    }
}

/// Gamification subjects ((user, role) pairs) computed per step: their state rows go to the
/// writer while the next step computes, as results do (a first batch writes about 67
/// ledger rows per subject).
const GAMIFICATION_PER_STEP: usize = 2_048;

fn gamification_step(
    inputs: &PlatformInputs,
    figures: &GamificationFigures,
    subjects: &[(&LearnerRecord, Role)],
    snapshot: Snapshot,
) -> (Vec<StoredResult>, Vec<GamificationState>) {
    let catalog = &inputs.catalog;
    let GamificationFigures { rarity, boards } = figures;
    let per_subject: Vec<(Vec<StoredResult>, GamificationState)> = subjects
        .par_iter()
        .map(|(record, role)| {
            let org = inputs.org_of(record);
            let timezone = record
                .user
                .timezone
                .as_deref()
                .or(org.and_then(|o| o.org.timezone.as_deref()));
            let clock = Clock::in_zone(snapshot.now, timezone);
            let awards = inputs
                .awards
                .get(&(record.id(), *role))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let subject = GamificationSubject {
                record,
                catalog,
                clock: &clock,
                role: *role,
                awards,
            };
            let key = |analytics_type: &str| ResultKey {
                subject_type: SubjectType::User,
                subject_id: record.id().0,
                role: Some(*role),
                analytics_type: analytics_type.to_owned(),
                params_key: names::GAMIFICATION_PARAMS.to_owned(),
            };
            let org_id = record.user.org_id;
            let (board_type, scope, period) = leaderboard::STATS_BOARD;
            let started = Instant::now();
            let board = boards[role]
                .view(
                    &leaderboard::Requester::of(&record.user),
                    board_type,
                    scope,
                    period,
                )
                .ready()
                .cloned();
            let opted_out = inputs.opted_out.contains(&subject.record.id());
            let stats = gamification::views::stats(&subject, rarity, opted_out, board);
            let mut results = vec![stored(
                key(names::GAMIFICATION_STATS),
                org_id,
                Analysis::Ready(stats),
                snapshot.now,
                started,
            )];
            let started = Instant::now();
            let achievements = gamification::views::achievements(&subject, rarity);
            results.push(stored(
                key(names::GAMIFICATION_ACHIEVEMENTS),
                org_id,
                Analysis::Ready(achievements),
                snapshot.now,
                started,
            ));
            let started = Instant::now();
            let streak = gamification::views::streak(&subject);
            results.push(stored(
                key(names::GAMIFICATION_STREAK),
                org_id,
                Analysis::Ready(streak),
                snapshot.now,
                started,
            ));
            let (ledger, new_awards, streak) = subject.state_updates();
            let ledger_digest = gamification::points::ledger_digest(&ledger, org_id);
            let state = GamificationState {
                user_id: record.id(),
                role: *role,
                organization_id: org_id,
                ledger_changed: inputs.ledger_digests.get(&(record.id(), *role))
                    != Some(&ledger_digest),
                ledger_digest,
                ledger,
                new_awards,
                streak,
                updated_at: snapshot.now,
            };
            (results, state)
        })
        .collect();
    let mut results = Vec::with_capacity(per_subject.len() * 3);
    let mut states = Vec::with_capacity(per_subject.len());
    for (r, s) in per_subject {
        results.extend(r);
        states.push(s);
    }
    (results, states)
}

/// Learners computed (and handed to the sink) per step of phase 1: bounds how many results
/// wait in memory and lets writing overlap with computing.
const LEARNERS_PER_STEP: usize = 1_024;

/// What the batch stores besides results and gamification states.
#[derive(Debug, Default)]
pub struct ComputedState {
    /// AS-004.17 item states of the learners, trainers and org admins computed.
    pub recommendation_states: ItemStates,
}

/// Everything of a batch that depends on the whole platform, built once and shared by every
/// part of it: the platform figures, each active learner's phase-1 signals (the peer
/// comparison's metrics, engagement and risk that trainer and organisation analytics read),
/// the peer index and the gamification figures. A part then computes and stores only the
/// subjects of its [`Scope`] ([`compute_part`]); the daily batch's chunks share one of these
/// per worker process instead of each loading and summarising the platform again.
pub struct PreparedBatch {
    inputs: std::sync::Arc<PlatformInputs>,
    snapshot: Snapshot,
    figures: PlatformFigures,
    gamification: GamificationFigures,
    /// Indices into `inputs.records` of the active learners, in record order.
    learners: Vec<usize>,
    peer_snapshots: Vec<peer::PeerSnapshot>,
    peer_index: peer::PeerIndex,
    engagement: BTreeMap<UserId, f64>,
    employees: BTreeMap<UserId, org_analytics::EmployeeMetrics>,
}

impl PreparedBatch {
    pub fn inputs(&self) -> &PlatformInputs {
        &self.inputs
    }

    pub fn snapshot(&self) -> Snapshot {
        self.snapshot
    }
}

/// Phase 1 over `learners`, in parallel, a step at a time: every learner's signals (in
/// order) and the item states of those whose results are emitted (`emit`); their results go
/// to `sink` step by step. `progress(done, total)` counts learners.
fn phase_one(
    learners: &[&LearnerRecord],
    inputs: &PlatformInputs,
    figures: &PlatformFigures,
    snapshot: Snapshot,
    emit: &(dyn Fn(&LearnerRecord) -> bool + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
    sink: &(dyn Fn(Vec<StoredResult>) + Sync),
) -> (Vec<LearnerSignals>, ItemStates) {
    let total = learners.len();
    let mut signals: Vec<LearnerSignals> = Vec::with_capacity(total);
    let mut states = ItemStates::new();
    for (step, chunk) in learners.chunks(LEARNERS_PER_STEP).enumerate() {
        let computed: Vec<(Vec<StoredResult>, LearnerSignals)> = chunk
            .par_iter()
            .map(|record| learner_results(record, inputs, figures, snapshot, emit(record)))
            .collect();
        let mut results = Vec::with_capacity(computed.len() * names::LEARNER.len() + 32);
        for (record, (r, mut s)) in chunk.iter().zip(computed) {
            results.extend(r);
            let user = record.id();
            states.extend(
                std::mem::take(&mut s.recommendation_states)
                    .into_iter()
                    .map(|state| (user, Role::Learner, state)),
            );
            signals.push(s);
        }
        if !results.is_empty() {
            sink(results);
        }
        progress((step * LEARNERS_PER_STEP + chunk.len()).min(total), total);
    }
    (signals, states)
}

/// Builds the platform-wide part of a batch. Phase 1 runs over every active learner; the
/// results of those in `emit` are handed to `sink` on the way (the direct batch, which
/// would otherwise compute them twice), the others only yield the metrics later phases read.
/// Returns the prepared batch and the item states of the emitted learners.
pub fn prepare(
    inputs: std::sync::Arc<PlatformInputs>,
    snapshot: Snapshot,
    emit: &Scope,
    progress: &(dyn Fn(usize, usize) + Sync),
    sink: &(dyn Fn(Vec<StoredResult>) + Sync),
) -> (PreparedBatch, ItemStates) {
    let (figures, gamification) = rayon::join(
        || PlatformFigures::build(&inputs, snapshot.now),
        || GamificationFigures::build(&inputs, snapshot),
    );
    let learners: Vec<usize> = inputs
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.user.is_active && r.user.roles.contains(&Role::Learner))
        .map(|(i, _)| i)
        .collect();

    // Phase 1: every learner's own analytics.
    let records: Vec<&LearnerRecord> = learners.iter().map(|&i| &inputs.records[i]).collect();
    let (signals, states) = phase_one(
        &records,
        &inputs,
        &figures,
        snapshot,
        &|record| emit.keeps_user(record.user.org_id, record.id()),
        progress,
        sink,
    );

    // What phase 2 reads of every learner.
    let peer_snapshots: Vec<peer::PeerSnapshot> = learners
        .iter()
        .zip(&signals)
        .map(|(&i, signals)| {
            peer::PeerSnapshot::from_record(&inputs.records[i], &inputs.catalog, &signals.metrics)
        })
        .collect();
    let peer_index = peer::PeerIndex::build(&peer_snapshots);
    let engagement: BTreeMap<UserId, f64> = learners
        .iter()
        .zip(&signals)
        .filter_map(|(&i, s)| {
            s.metrics
                .engagement_score
                .map(|e| (inputs.records[i].id(), e))
        })
        .collect();
    let employees: BTreeMap<UserId, org_analytics::EmployeeMetrics> = learners
        .iter()
        .zip(&signals)
        .map(|(&i, signals)| {
            (
                inputs.records[i].id(),
                org_analytics::EmployeeMetrics {
                    average_pace: signals.metrics.learning_pace,
                    engagement_score: signals.metrics.engagement_score,
                    engagement_history: Vec::new(),
                    mastery_percentage: signals.metrics.mastery_percentage,
                    average_score: signals.metrics.average_score,
                    drop_off_risk_level: signals
                        .risk_score
                        .map(|s| org_analytics::DropOffRiskLevel::from_risk_score(s as f64)),
                    current_streak: None,
                },
            )
        })
        .collect();
    let prepared = PreparedBatch {
        inputs,
        snapshot,
        figures,
        gamification,
        learners,
        peer_snapshots,
        peer_index,
        engagement,
        employees,
    };
    (prepared, states)
}

/// Computes the analytics of the subjects in `scope` from a prepared batch, handing results
/// to `sink` and gamification states to `states` as they are ready, and returns the item
/// states to store. With `learners_done` the learners' own analytics were already emitted
/// by [`prepare`]; otherwise they are computed here for the learners in `scope`
/// (`progress` counts them).
pub fn compute_part(
    prepared: &PreparedBatch,
    scope: &Scope,
    learners_done: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
    sink: &(dyn Fn(Vec<StoredResult>) + Sync),
    states: &(dyn Fn(Vec<GamificationState>) + Sync),
) -> ComputedState {
    let inputs = &*prepared.inputs;
    let snapshot = prepared.snapshot;
    // Gamification first: its state rows are the largest write of a first batch, and
    // handed over now they are written while the rest computes.
    gamification_results(
        inputs,
        &prepared.gamification,
        scope,
        snapshot,
        sink,
        states,
    );
    let mut recommendation_states = if learners_done {
        ItemStates::new()
    } else {
        let mine: Vec<&LearnerRecord> = prepared
            .learners
            .iter()
            .map(|&i| &inputs.records[i])
            .filter(|r| scope.keeps_user(r.user.org_id, r.id()))
            .collect();
        let emit_all = |_: &LearnerRecord| true;
        let figures = &prepared.figures;
        phase_one(&mine, inputs, figures, snapshot, &emit_all, progress, sink).1
    };

    // Phase 2: peer comparisons, trainers and organisations, from the learners' phase-1
    // figures, side by side: a trainer's cohorts and an organisation's figures are each
    // computed on one thread, so run one after the other they left a core idle.
    let peers = || {
        let results: Vec<StoredResult> = prepared
            .peer_snapshots
            .par_iter()
            .filter(|subject| scope.keeps_user(subject.org_id, subject.user_id))
            .map(|subject| {
                let started = Instant::now();
                let outcome = match peer::compute(subject, &prepared.peer_index) {
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
        sink(results);
    };
    let trainers = || {
        let (results, states) = trainer_results(
            inputs,
            &prepared.engagement,
            &prepared.figures,
            scope,
            snapshot,
        );
        sink(results);
        states
    };
    let orgs = || {
        let (results, states) = org_results(
            inputs,
            &prepared.employees,
            &prepared.figures,
            scope,
            snapshot,
        );
        sink(results);
        states
    };
    let ((), (trainer_states, org_states)) = rayon::join(peers, || rayon::join(trainers, orgs));

    // The platform subject: skill demand over the default timeframe.
    if scope.keeps_org_subject(None) {
        let started = Instant::now();
        let figures = &prepared.figures;
        let demand = skill_demand::compute(
            &inputs.catalog,
            &figures.demand_learners,
            &figures.value_props,
            &skill_demand::SkillDemandFilters::default(),
            &Clock::utc(snapshot.now),
        );
        sink(vec![stored(
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
        )]);
    }
    recommendation_states.extend(trainer_states);
    recommendation_states.extend(org_states);
    ComputedState {
        recommendation_states,
    }
}

/// Computes every analytic of the subjects in `scope` (platform-wide figures still come from
/// every learner), handing results to `sink` and gamification states to `states` in chunks
/// as they are ready (so the caller can write while the rest is computed), and returns the
/// recommendation item states to store. `progress(done, total)` counts learners.
pub fn compute_all(
    inputs: std::sync::Arc<PlatformInputs>,
    snapshot: Snapshot,
    scope: &Scope,
    progress: &(dyn Fn(usize, usize) + Sync),
    sink: &(dyn Fn(Vec<StoredResult>) + Sync),
    states: &(dyn Fn(Vec<GamificationState>) + Sync),
) -> ComputedState {
    let (prepared, learner_states) = prepare(inputs, snapshot, scope, progress, sink);
    let mut computed = compute_part(&prepared, scope, true, progress, sink, states);
    computed.recommendation_states.extend(learner_states);
    computed
}
