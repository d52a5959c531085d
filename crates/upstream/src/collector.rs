//! The collection use case (decision 6: collectors write the tables, calculations only read
//! them) and the per-upstream registry behind the integration endpoints (`api.md` I1-I6).
//!
//! A run has two phases. The Directory goes first and its organisations, departments, teams
//! and users are written, because every other upstream is pulled per stored user
//! (and their rows reference users). Then every other selected upstream is pulled in
//! parallel; their records, with the Directory's KPIs, value propositions and course
//! reviews, are written entity by entity in dependency order (skills before user skills,
//! courses before enrollments …) through the push-ingestion validation, each under its
//! supplier's provenance (`mock` for a mocked upstream). Each upstream's outcome goes to
//! `source_status`: success only when every call succeeded (coverage, decision 9), otherwise
//! the failure and its reason, while the stored rows stay as last known data.

use crate::breaker::{BreakerConfig, BreakerSnapshot, BreakerState};
use crate::clients::{self, Pull, PullContext};
use crate::clock::{Clock, SystemClock};
use crate::config::{Mode, UpstreamSettings};
use crate::metrics::FallbackKind;
use crate::mock;
use crate::retry::RetryPolicy;
use crate::service::Service;
use crate::stats::{CallStats, StatsSnapshot};
use crate::transport::{CallError, DEFAULT_MAX_IN_FLIGHT, ProbeResult, Transport, TransportConfig};
use crate::writer::{EntityWrite, wire_records, write_entity};
use chrono::{DateTime, Duration, Utc};
use la_app::ports::{CollectionStore, Roster, SourceStatus, StoreError};
use la_demo::DemoConfig;
use la_domain::model::{DataSource, Dataset, EntityKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The Directory entities written before the other upstreams are pulled (the roster);
/// sessions, KPIs, value propositions and reviews may reference courses and skills, so
/// they wait for the second phase.
const DIRECTORY_FIRST: [EntityKind; 4] = [
    EntityKind::Organizations,
    EntityKind::Departments,
    EntityKind::Teams,
    EntityKind::Users,
];
/// How far back windowed pulls reach at most (`integration.md` 3.1), and the overlap
/// with the last successful run (late-arriving rows).
const MAX_WINDOW_DAYS: i64 = 90;
const OVERLAP_DAYS: i64 = 1;
/// `degraded` above this p95 latency (`integration.md` 10.1).
const DEGRADED_P95_MS: u64 = 1_000;

/// Tunables of the collectors (defaults from `integration.md` 11).
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    pub retry: RetryPolicy,
    pub breaker: BreakerConfig,
    pub max_in_flight: usize,
    /// Calls of one pull in flight at once.
    pub concurrency: usize,
    /// The demo world mock upstreams serve (its `now` is replaced by the run's day).
    pub demo: DemoConfig,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions {
            retry: RetryPolicy::default(),
            breaker: BreakerConfig::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            concurrency: 8,
            demo: DemoConfig::new(Utc::now()),
        }
    }
}

#[derive(Debug)]
enum Source {
    Mock,
    Http(Arc<Transport>),
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("upstream `{0}` is not configured (push-only)")]
    NotConfigured(Service),
    #[error("upstream `{0}` is not pulled")]
    NotPulled(Service),
    #[error("upstream `{0}` is in mock mode")]
    MockMode(Service),
    #[error(transparent)]
    Call(#[from] CallError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The configured upstreams with their breakers and statistics; lives as long as the
/// process (state is per instance, `integration.md` 6.3).
#[derive(Debug)]
pub struct Upstreams {
    sources: BTreeMap<Service, Source>,
    extra_org_ids: Vec<String>,
    options: CollectorOptions,
    /// The background probe's interval in ms while it runs (0: none; see [`crate::probe`]).
    probe_interval_ms: AtomicU64,
    /// Pulls answered by the generator, per upstream in mock mode (I6 `mockDataFallbacks`).
    mock_answers: BTreeMap<Service, AtomicU64>,
}

/// How a run of one upstream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every call succeeded and every record was stored.
    Completed,
    /// Some calls failed, or some records failed validation; the rest was written.
    Partial,
    /// Nothing arrived (or nothing could be written).
    Failed,
}

/// One upstream's part of a run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReport {
    pub service: Service,
    pub mode: &'static str,
    pub status: RunStatus,
    pub calls: u64,
    pub failed_calls: u64,
    /// The first few distinct failure reasons.
    pub errors: Vec<String>,
    pub unmappable: u64,
    pub written: Vec<EntityWrite>,
    pub duration_ms: u64,
}

impl ServiceReport {
    pub fn rows_written(&self) -> u64 {
        self.written.iter().map(|w| w.inserted + w.updated).sum()
    }
}

/// The result of [`Upstreams::collect`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionReport {
    pub collection_id: uuid::Uuid,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub services: Vec<ServiceReport>,
}

/// Health of one upstream (`integration.md` 10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    Degraded,
    Unhealthy,
}

/// What I1/I2 show of one upstream: configuration (never the token), breaker, statistics.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamStatus {
    pub service: Service,
    pub display_name: &'static str,
    /// `mock`, `http`, or `none` (push-only).
    pub mode: &'static str,
    pub base_url: Option<String>,
    pub health: Option<Health>,
    pub breaker: Option<BreakerSnapshot>,
    pub stats: Option<StatsSnapshot>,
    pub last_probe: Option<ProbeResult>,
}

/// Outcome of a single test call (I3).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCall {
    pub status: u16,
    pub response_ms: u64,
}

impl Health {
    /// The value of `upstream_health_status`: 0 healthy, 1 degraded, 2 unhealthy.
    pub fn gauge(self) -> u8 {
        match self {
            Health::Healthy => 0,
            Health::Degraded => 1,
            Health::Unhealthy => 2,
        }
    }
}

/// `integration.md` 10.1: unhealthy when unreachable or the breaker is open; degraded when
/// half-open, after a recent failure, or when the p95 latency of the calls of the last five
/// minutes (not of the last N calls: an old slow spell must not keep it degraded) is above
/// 1000 ms. `now` is a parameter so the window can be tested without waiting.
fn health(
    breaker: &BreakerSnapshot,
    stats: &CallStats,
    probe: Option<&ProbeResult>,
    now: DateTime<Utc>,
) -> Health {
    if probe.is_some_and(|p| !p.reachable) {
        return Health::Unhealthy;
    }
    match breaker.state {
        BreakerState::Open => Health::Unhealthy,
        BreakerState::HalfOpen => Health::Degraded,
        BreakerState::Closed
            if breaker.failure_count > 0
                || stats.recent_p95(now).is_some_and(|p| p > DEGRADED_P95_MS) =>
        {
            Health::Degraded
        }
        BreakerState::Closed => Health::Healthy,
    }
}

impl Upstreams {
    pub fn new(settings: &UpstreamSettings, options: CollectorOptions) -> Result<Self, CallError> {
        Self::with_clock(settings, options, Arc::new(SystemClock))
    }

    /// As [`Upstreams::new`] with an injected clock (tests move the breaker's time).
    pub fn with_clock(
        settings: &UpstreamSettings,
        options: CollectorOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CallError> {
        let mut sources = BTreeMap::new();
        for (service, mode) in &settings.services {
            let source = match mode {
                Mode::Mock => Source::Mock,
                Mode::Http { base_url, token } => Source::Http(Arc::new(Transport::new(
                    TransportConfig {
                        service: *service,
                        base_url: base_url.clone(),
                        token: token.clone(),
                        minter: match (token, &settings.service_secret) {
                            (None, Some(secret)) => Some(Arc::new(
                                crate::auth::Minter::new(secret.secret(), service.slug())
                                    .map_err(|e| CallError::InvalidRequest(e.to_string()))?,
                            )),
                            _ => None,
                        },
                        retry: options.retry,
                        breaker: options.breaker,
                        max_in_flight: options.max_in_flight,
                    },
                    clock.clone(),
                )?)),
            };
            sources.insert(*service, source);
        }
        let mock_answers = sources
            .iter()
            .filter(|(_, source)| matches!(source, Source::Mock))
            .map(|(service, _)| (*service, AtomicU64::new(0)))
            .collect();
        Ok(Upstreams {
            sources,
            extra_org_ids: settings.extra_org_ids.clone(),
            options,
            probe_interval_ms: AtomicU64::new(0),
            mock_answers,
        })
    }

    /// The transport of an http upstream (tests, MS12 login).
    pub fn transport(&self, service: Service) -> Option<Arc<Transport>> {
        match self.sources.get(&service) {
            Some(Source::Http(t)) => Some(t.clone()),
            _ => None,
        }
    }

    /// Whether any upstream is called over http (what the background probe has to do).
    pub fn has_http(&self) -> bool {
        self.sources.values().any(|s| matches!(s, Source::Http(_)))
    }

    /// The configured upstreams that are pulled.
    pub fn pulled(&self) -> Vec<Service> {
        self.sources
            .keys()
            .copied()
            .filter(|s| s.is_pulled())
            .collect()
    }

    /// I1/I2: every upstream of the inventory, configured or not.
    pub fn status(&self) -> Vec<UpstreamStatus> {
        Service::ALL
            .into_iter()
            .map(|service| {
                let base = UpstreamStatus {
                    service,
                    display_name: service.display_name(),
                    mode: "none",
                    base_url: None,
                    health: None,
                    breaker: None,
                    stats: None,
                    last_probe: None,
                };
                match self.sources.get(&service) {
                    None => base,
                    Some(Source::Mock) => UpstreamStatus {
                        mode: "mock",
                        health: Some(Health::Healthy),
                        ..base
                    },
                    Some(Source::Http(t)) => {
                        let breaker = t.breaker().snapshot();
                        let stats = t.stats().snapshot();
                        let last_probe = t.last_probe();
                        let health = health(&breaker, t.stats(), last_probe.as_ref(), Utc::now());
                        UpstreamStatus {
                            mode: "http",
                            base_url: Some(t.base_url().to_string()),
                            health: Some(health),
                            breaker: Some(breaker),
                            stats: Some(stats),
                            last_probe,
                            ..base
                        }
                    }
                }
            })
            .collect()
    }

    /// Probes every http upstream at once (`GET <base>/health`, `timeout` each; 10.1: every
    /// 60 s with 2 s); the results feed [`Upstreams::status`]. Probes never touch breakers.
    pub async fn probe_all(&self, timeout: std::time::Duration) -> Vec<(Service, ProbeResult)> {
        let probes = self
            .sources
            .iter()
            .filter_map(|(service, source)| match source {
                Source::Http(t) => Some(async move { (*service, t.health_probe(timeout).await) }),
                Source::Mock => None,
            });
        futures_util::future::join_all(probes).await
    }

    /// Records that the background probe runs every `interval` (`None`: it stopped).
    pub(crate) fn set_probe_interval(&self, interval: Option<std::time::Duration>) {
        let ms = interval.map_or(0, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
        });
        self.probe_interval_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether the last probe of `t` is too old to stand for the upstream's reachability:
    /// always without a background probe (I1/I2 then probe themselves, as before it
    /// existed); with one, when it has not answered within two intervals.
    fn probe_stale(&self, t: &Transport) -> bool {
        let interval_ms = self.probe_interval_ms.load(Ordering::Relaxed);
        if interval_ms == 0 {
            return true;
        }
        let max_age = Duration::milliseconds(
            i64::try_from(interval_ms.saturating_mul(2)).unwrap_or(i64::MAX),
        );
        t.last_probe().is_none_or(|p| Utc::now() - p.at > max_age)
    }

    /// I1: probes (with `timeout`) the http upstreams whose last probe is stale (see
    /// [`Upstreams::probe_stale`]); with the background probe running, usually none, so
    /// I1 reports the 60 s probe's results at no network cost.
    pub async fn refresh_probes(&self, timeout: std::time::Duration) {
        let probes = self.sources.values().filter_map(|source| match source {
            Source::Http(t) if self.probe_stale(t) => Some(t.health_probe(timeout)),
            _ => None,
        });
        futures_util::future::join_all(probes).await;
    }

    /// I2: as [`Upstreams::refresh_probes`] for one upstream.
    pub async fn refresh_probe(&self, service: Service, timeout: std::time::Duration) {
        if let Some(Source::Http(t)) = self.sources.get(&service)
            && self.probe_stale(t)
        {
            t.health_probe(timeout).await;
        }
    }

    /// The figures of `/metrics` for every configured upstream (`integration.md` 10.2).
    pub fn metric_figures(&self) -> Vec<crate::metrics::ServiceFigures> {
        self.sources
            .iter()
            .map(|(service, source)| match source {
                Source::Mock => crate::metrics::ServiceFigures {
                    service: service.slug(),
                    circuit_state: None,
                    circuit_trips: None,
                    health: Health::Healthy.gauge(),
                    endpoints: BTreeMap::new(),
                },
                Source::Http(t) => {
                    let breaker = t.breaker().snapshot();
                    let probe = t.last_probe();
                    crate::metrics::ServiceFigures {
                        service: service.slug(),
                        circuit_state: Some(breaker.state.gauge()),
                        circuit_trips: Some(breaker.transitions.trips),
                        health: health(&breaker, t.stats(), probe.as_ref(), Utc::now()).gauge(),
                        endpoints: t.endpoint_metrics().snapshot(),
                    }
                }
            })
            .collect()
    }

    /// I6 `mockDataFallbacks`: the answers of `service` that were mock data.
    ///
    /// Decision 3: mock data is only ever generated for an upstream in mock mode, never as a
    /// fallback for an http upstream (a failed or short-circuited call falls back to the
    /// stored rows, `last_known`, or to nothing, `missing`). So this counts, for an upstream
    /// in mock mode, the pulls the generator answered (one per collection run), and for an
    /// http upstream the `mock` kind of `microservice_fallback_total` (10.2), which its
    /// transport never records. Short-circuits are not fallbacks to mock data: they are
    /// counted by the breaker (`shortCircuited`) and, with stored rows, as `last_known`.
    pub fn mock_data_answers(&self, service: Service) -> u64 {
        match self.sources.get(&service) {
            Some(Source::Mock) => self
                .mock_answers
                .get(&service)
                .map_or(0, |n| n.load(Ordering::Relaxed)),
            Some(Source::Http(t)) => t
                .endpoint_metrics()
                .snapshot()
                .values()
                .filter_map(|e| e.fallbacks.get(FallbackKind::Mock.as_str()))
                .sum(),
            None => 0,
        }
    }

    /// The Prometheus text of the upstream families (appended to `/metrics`).
    pub fn render_prometheus(&self) -> String {
        crate::metrics::render(&self.metric_figures())
    }

    /// I5: closes the breaker of an http upstream.
    pub fn reset_breaker(&self, service: Service) -> Result<(), CollectError> {
        match self.sources.get(&service) {
            Some(Source::Http(t)) => {
                t.breaker().reset();
                Ok(())
            }
            Some(Source::Mock) => Err(CollectError::MockMode(service)),
            None => Err(CollectError::NotConfigured(service)),
        }
    }

    /// I3: one attempt to a contract path, bypassing (and not updating) the breaker.
    pub async fn test_call(
        &self,
        service: Service,
        path: &str,
        timeout: std::time::Duration,
    ) -> Result<TestCall, CollectError> {
        let Some(Source::Http(t)) = self.sources.get(&service) else {
            return Err(match self.sources.get(&service) {
                Some(_) => CollectError::MockMode(service),
                None => CollectError::NotConfigured(service),
            });
        };
        let (status, latency) = t.test_call(path, timeout).await?;
        Ok(TestCall {
            status,
            response_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// I3 `connectivity`: one `GET <base>/health`, bypassing (and not updating) the breaker.
    pub async fn test_connectivity(
        &self,
        service: Service,
        timeout: std::time::Duration,
    ) -> Result<TestCall, CollectError> {
        let Some(Source::Http(t)) = self.sources.get(&service) else {
            return Err(match self.sources.get(&service) {
                Some(_) => CollectError::MockMode(service),
                None => CollectError::NotConfigured(service),
            });
        };
        let (status, latency) = t.connectivity(timeout).await?;
        Ok(TestCall {
            status,
            response_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// I4: a labelled synthetic sample of the upstream's data (any pulled upstream,
    /// whatever its mode; decision 7).
    pub fn mock_sample(
        &self,
        service: Service,
        user: Option<uuid::Uuid>,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, CollectError> {
        if !service.is_pulled() {
            return Err(CollectError::NotPulled(service));
        }
        Ok(mock::sample(service, user, now))
    }

    /// Collects every configured pulled upstream, or only `only`.
    pub async fn collect<S: CollectionStore + ?Sized>(
        &self,
        store: &S,
        only: Option<Service>,
        now: DateTime<Utc>,
    ) -> Result<CollectionReport, CollectError> {
        let started = Instant::now();
        let collection_id = uuid::Uuid::new_v4();
        let selected: Vec<Service> = match only {
            Some(s) if !s.is_pulled() => return Err(CollectError::NotPulled(s)),
            Some(s) if !self.sources.contains_key(&s) => {
                return Err(CollectError::NotConfigured(s));
            }
            Some(s) => vec![s],
            None => self.pulled(),
        };
        let statuses = store.source_statuses().await?;
        let any_mock = selected
            .iter()
            .any(|s| matches!(self.sources.get(s), Some(Source::Mock)));
        let world = if any_mock {
            let config = mock::demo_config(&self.options.demo, now);
            tokio::task::spawn_blocking(move || la_demo::generate(&config))
                .await
                .map_err(|e| StoreError::Other(format!("demo generator failed: {e}")))?
        } else {
            Dataset::default()
        };
        let mut runs: BTreeMap<Service, Run> = BTreeMap::new();
        let mut roster = store.roster().await?;
        let mut deferred = Dataset::default();

        // Phase 1: the Directory.
        if selected.contains(&Service::Directory) {
            let t0 = Instant::now();
            let ctx = self.context(&roster, &statuses, Service::Directory, now, collection_id);
            let pull = self.pull(Service::Directory, &ctx, &world).await;
            let mut run = Run::new(Service::Directory, self.mode_name(Service::Directory), pull);
            let (first, rest) = split(std::mem::take(&mut run.pull.data), &DIRECTORY_FIRST);
            deferred = rest;
            run.write(store, first, self.source_of(Service::Directory), now)
                .await;
            run.elapsed += t0.elapsed();
            runs.insert(Service::Directory, run);
            roster = store.roster().await?;
        }

        // Phase 2: everything else, pulled in parallel.
        let others: Vec<Service> = selected
            .iter()
            .copied()
            .filter(|s| *s != Service::Directory)
            .collect();
        let contexts: Vec<(Service, PullContext)> = others
            .iter()
            .map(|s| (*s, self.context(&roster, &statuses, *s, now, collection_id)))
            .collect();
        let t0 = Instant::now();
        let pulls = futures_util::future::join_all(contexts.iter().map(|(service, ctx)| {
            let world = &world;
            async move { (*service, self.pull(*service, ctx, world).await) }
        }))
        .await;
        let pull_time = t0.elapsed();
        let mut merged = deferred;
        for (service, mut pull) in pulls {
            merged.append(std::mem::take(&mut pull.data));
            let mut run = Run::new(service, self.mode_name(service), pull);
            run.elapsed = pull_time;
            runs.insert(service, run);
        }
        // Written entity by entity in dependency order, each under its supplier's source.
        for (kind, records) in wire_records(&merged) {
            let Some(supplier) = Service::supplier_of(kind) else {
                continue;
            };
            let Some(run) = runs.get_mut(&supplier) else {
                continue;
            };
            let t1 = Instant::now();
            run.write_records(store, kind, records, self.source_of(supplier), now)
                .await;
            run.elapsed += t1.elapsed();
        }

        let mut services = Vec::with_capacity(runs.len());
        for (service, run) in runs {
            services.push(run.finish(store, self.source_of(service), now).await);
        }
        Ok(CollectionReport {
            collection_id,
            started_at: now,
            duration_ms: millis(started.elapsed()),
            services,
        })
    }

    fn mode_name(&self, service: Service) -> &'static str {
        match self.sources.get(&service) {
            Some(Source::Mock) => "mock",
            Some(Source::Http(_)) => "http",
            None => "none",
        }
    }

    /// Rows of a mocked upstream are marked `mock` (decision 7).
    fn source_of(&self, service: Service) -> DataSource {
        match self.sources.get(&service) {
            Some(Source::Mock) => DataSource::Mock,
            _ => service.source().unwrap_or(DataSource::Mock),
        }
    }

    fn context(
        &self,
        roster: &Roster,
        statuses: &[SourceStatus],
        service: Service,
        now: DateTime<Utc>,
        collection_id: uuid::Uuid,
    ) -> PullContext {
        let floor = now - Duration::days(MAX_WINDOW_DAYS);
        // Incremental: from the last run in which every windowed entity succeeded.
        let source = self.source_of(service);
        let last = statuses
            .iter()
            .filter(|s| s.source == source && service.entities().contains(&s.entity))
            .map(|s| s.last_success_at)
            .min()
            .flatten();
        let since = last
            .map(|t| (t - Duration::days(OVERLAP_DAYS)).max(floor))
            .unwrap_or(floor);
        let has_last_known = statuses.iter().any(|s| {
            s.source == source
                && service.entities().contains(&s.entity)
                && s.last_success_at.is_some()
        });
        PullContext {
            roster: roster.clone(),
            extra_org_ids: self.extra_org_ids.clone(),
            now,
            since,
            request_id: collection_id.to_string(),
            concurrency: self.options.concurrency,
            has_last_known,
        }
    }

    async fn pull(&self, service: Service, ctx: &PullContext, world: &Dataset) -> Pull {
        let t = match self.sources.get(&service) {
            Some(Source::Http(t)) => {
                // A failed call leaves the stored rows as last known data, if there are any.
                t.set_fallback(Some(if ctx.has_last_known {
                    crate::metrics::FallbackKind::LastKnown
                } else {
                    crate::metrics::FallbackKind::Missing
                }));
                t.clone()
            }
            Some(Source::Mock) => {
                if let Some(answers) = self.mock_answers.get(&service) {
                    answers.fetch_add(1, Ordering::Relaxed);
                }
                return Pull {
                    data: mock::project(world, service),
                    ..Pull::default()
                };
            }
            None => return Pull::default(),
        };
        match service {
            Service::Directory => clients::directory::pull(t, ctx).await,
            Service::CourseBuilder => clients::course_builder::pull(t, ctx).await,
            Service::ContentStudio => clients::content_studio::pull(t, ctx).await,
            Service::Assessment => clients::assessment::pull(t, ctx).await,
            Service::SkillsEngine => clients::skills_engine::pull(t, ctx).await,
            Service::LearnerAi => clients::learner_ai::pull(t, ctx).await,
            Service::Devlab => clients::devlab::pull(t, ctx).await,
            Service::RagAssistant => clients::rag_assistant::pull(t, ctx).await,
            Service::Ms12Auth => Pull::default(),
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Splits `data` into the lists of `kinds` and the rest.
fn split(data: Dataset, kinds: &[EntityKind]) -> (Dataset, Dataset) {
    let mut first = Dataset::default();
    let mut rest = Dataset::default();
    for kind in EntityKind::ALL {
        let part = mock::project_kind(&data, *kind);
        if kinds.contains(kind) {
            first.append(part);
        } else {
            rest.append(part);
        }
    }
    (first, rest)
}

/// One upstream's run in progress.
struct Run {
    service: Service,
    mode: &'static str,
    pull: Pull,
    written: Vec<EntityWrite>,
    store_error: Option<String>,
    elapsed: std::time::Duration,
}

impl Run {
    fn new(service: Service, mode: &'static str, pull: Pull) -> Self {
        Run {
            service,
            mode,
            pull,
            written: Vec::new(),
            store_error: None,
            elapsed: std::time::Duration::ZERO,
        }
    }

    async fn write<S: CollectionStore + ?Sized>(
        &mut self,
        store: &S,
        data: Dataset,
        source: DataSource,
        now: DateTime<Utc>,
    ) {
        for (kind, records) in wire_records(&data) {
            self.write_records(store, kind, records, source, now).await;
        }
    }

    async fn write_records<S: CollectionStore + ?Sized>(
        &mut self,
        store: &S,
        kind: EntityKind,
        records: Vec<serde_json::Value>,
        source: DataSource,
        now: DateTime<Utc>,
    ) {
        if self.store_error.is_some() {
            return;
        }
        match write_entity(store, kind, records, source, now).await {
            Ok(w) => self.written.push(w),
            Err(e) => self.store_error = Some(e.to_string()),
        }
    }

    async fn finish<S: CollectionStore + ?Sized>(
        self,
        store: &S,
        source: DataSource,
        now: DateTime<Utc>,
    ) -> ServiceReport {
        let mut errors: Vec<String> = Vec::new();
        for e in &self.pull.errors {
            let text = e.to_string();
            if errors.len() < 5 && !errors.contains(&text) {
                errors.push(text);
            }
        }
        if let Some(e) = &self.store_error {
            errors.insert(0, format!("store: {e}"));
        }
        let failed_calls = self.pull.errors.len() as u64;
        let rejected: u64 = self.written.iter().map(|w| w.rejected).sum();
        if rejected > 0 {
            errors.push(format!(
                "{rejected} record(s) failed validation and were left out"
            ));
        }
        let status = if self.store_error.is_some() {
            RunStatus::Failed
        } else if failed_calls == 0 && rejected == 0 {
            RunStatus::Completed
        } else if failed_calls < self.pull.calls || failed_calls == 0 {
            RunStatus::Partial
        } else {
            RunStatus::Failed
        };
        let entities = self.service.entities();
        // Coverage (decision 9) asks whether the source answered and is current: every call
        // succeeded and everything valid was stored. Refused records are reported, not a
        // reason to treat the whole source as missing.
        let answered = self.store_error.is_none() && failed_calls == 0;
        let recorded = if answered {
            store.record_source_success(source, entities, now).await
        } else {
            store
                .record_source_failure(source, entities, now, &errors.join("; "))
                .await
        };
        if let Err(e) = recorded {
            tracing::error!(service = self.service.slug(), error = %e, "could not record the collection outcome");
        }
        tracing::info!(
            service = self.service.slug(),
            mode = self.mode,
            status = ?status,
            calls = self.pull.calls,
            failed_calls,
            "upstream collected"
        );
        ServiceReport {
            service: self.service,
            mode: self.mode,
            status,
            calls: self.pull.calls,
            failed_calls,
            errors,
            unmappable: self.pull.unmappable,
            written: self.written,
            duration_ms: millis(self.elapsed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::Transitions;
    use chrono::TimeZone;

    fn closed() -> BreakerSnapshot {
        BreakerSnapshot {
            state: BreakerState::Closed,
            failure_count: 0,
            half_open_failures: 0,
            retry_in: None,
            transitions: Transitions::default(),
        }
    }

    #[test]
    fn slow_calls_older_than_five_minutes_no_longer_degrade() {
        let start = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let stats = CallStats::default();
        for i in 0..10 {
            stats.success(
                start + Duration::seconds(i),
                std::time::Duration::from_millis(1_500),
            );
        }
        let breaker = closed();
        assert_eq!(
            health(&breaker, &stats, None, start + Duration::minutes(2)),
            Health::Degraded
        );
        // Six minutes on, with no call since: nothing recent is slow.
        let later = start + Duration::minutes(6);
        assert_eq!(health(&breaker, &stats, None, later), Health::Healthy);
        // A fast call now does not bring the old ones back.
        stats.success(later, std::time::Duration::from_millis(50));
        assert_eq!(health(&breaker, &stats, None, later), Health::Healthy);
        // A recent slow spell does degrade again: p95 of 1 fast and 5 slow calls.
        for i in 0..5 {
            stats.success(
                later + Duration::seconds(i),
                std::time::Duration::from_millis(1_200),
            );
        }
        assert_eq!(
            health(&breaker, &stats, None, later + Duration::seconds(10)),
            Health::Degraded
        );
        // At exactly 1000 ms it is not above the line.
        let edge = CallStats::default();
        edge.success(later, std::time::Duration::from_millis(1_000));
        assert_eq!(health(&breaker, &edge, None, later), Health::Healthy);
    }
}
