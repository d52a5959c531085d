//! Building the application: connect, migrate, seed on first start, bind. The same path
//! serves production and the integration tests (which bind port 0).

use crate::config::Settings;
use anyhow::Context;
use la_app::system::{ServiceInfo, SystemService};
use la_storage::Database;
use std::future::Future;
use std::time::Instant;
use tokio::net::TcpListener;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A built, bound, not yet running service.
pub struct Application {
    listener: TcpListener,
    router: la_http::Router,
    database: Database,
    port: u16,
    /// The job runtime to start with the server (`None`: no workers, no scheduler).
    jobs: Option<JobRuntimePlan>,
    /// The upstreams the background health probe watches, and its interval.
    upstreams: std::sync::Arc<la_upstream::Upstreams>,
    probe_interval: std::time::Duration,
}

/// What `run_until` starts next to the HTTP server.
struct JobRuntimePlan {
    store: std::sync::Arc<dyn la_app::ports::JobStore>,
    handler: std::sync::Arc<dyn la_app::jobs::handlers::JobHandler>,
    config: la_app::jobs::runtime::RuntimeConfig,
}

/// What happened while building, for the caller to report.
pub struct BuildReport {
    pub seeded: Option<la_app::demo::SeedSummary>,
    pub batch: Option<la_app::analytics::batch::BatchSummary>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<(Self, BuildReport)> {
        let started = Instant::now();
        let database = connect_and_migrate(settings).await?;
        let store = database.store();
        let mut report = BuildReport {
            seeded: None,
            batch: None,
        };
        if settings.seed_demo && store.is_empty().await? {
            tracing::info!("empty database: seeding the demo organisation");
            let config = la_demo::DemoConfig::new(crate::demo_now());
            let summary = la_app::demo::seed_demo(
                store.clone(),
                config,
                settings.demo_password.expose(),
                |_, _| {},
            )
            .await
            .context("seeding the demo organisation failed")?;
            report.seeded = Some(summary);
            // Compute the demo's analytics now so that the first reads are served from storage.
            let batch = la_app::analytics::batch::run_batch(
                store.clone(),
                la_app::analytics::batch::BatchOptions {
                    now: chrono::Utc::now(),
                    window: la_domain::analytics::Window::Days30,
                    org: None,
                },
                |_| {},
            )
            .await
            .context("computing the demo analytics failed")?;
            report.batch = Some(batch);
        }
        let system = SystemService::new(
            store.clone(),
            ServiceInfo {
                name: settings.service_name.clone(),
                environment: settings.environment.as_str().to_owned(),
                version: VERSION,
                started,
            },
        );
        let auth = la_app::auth::AuthService::new(
            store.clone(),
            la_app::auth::TokenCodec::new(
                settings.jwt_secret.expose().as_bytes(),
                &settings.jwt_issuer,
                &settings.jwt_audience,
            ),
        )
        .with_jobs(database.jobs());
        let analytics =
            la_app::analytics::read::AnalyticsReader::new(store.clone()).with_jobs(database.jobs());
        // Login and manual refresh are counted in the database, shared by every instance.
        let limits = la_http::limits::RateLimits::new(settings.rate_limit_multiplier)
            .with_shared_counters(store.clone());
        let ingest =
            la_app::ingest::IngestService::new(store.clone(), settings.ingest_keys.clone())
                .with_refresh(database.jobs(), store.clone());
        let preferences = la_app::preferences::PreferenceService::new(store.clone());
        // Clones share the caches: the workers invalidate what the handlers read.
        let cache = analytics.clone();
        let state = la_http::AppState::new(system, auth, analytics, ingest, preferences, limits)
            .with_cors_origins(settings.cors_origins.clone())
            .with_jobs(la_app::jobs::service::JobsService::new(
                store.clone(),
                database.jobs(),
            ));
        let upstreams = std::sync::Arc::new(build_upstreams(&settings.upstreams)?);
        let state = state.with_integration(upstreams.clone());
        let router = la_http::router(state);
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        // Other instances' recalculations evict this instance's copies (PostgreSQL only).
        let listening = cache.clone();
        database
            .listen_results_changed(move |scope| listening.invalidate(&scope))
            .await
            .context("cannot listen for result changes")?;
        let jobs = job_runtime_plan(settings, &database, store.clone(), cache)?;
        Ok((
            Application {
                listener,
                router,
                database,
                port,
                jobs,
                upstreams,
                probe_interval: std::time::Duration::from_secs(u64::from(
                    settings.upstream_probe_seconds,
                )),
            },
            report,
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The upstream registry behind I1-I6 and `/metrics` (shared; tests call through it).
    pub fn upstreams(&self) -> std::sync::Arc<la_upstream::Upstreams> {
        self.upstreams.clone()
    }

    /// The database handle (shares the pool; used by tests and for shutdown).
    pub fn database(&self) -> Database {
        self.database.clone()
    }

    /// Serves until `shutdown` resolves, finishes in-flight requests, closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Workers start with the server and stop after it: running jobs get the grace
        // period to finish, then go back to pending (data.md 6.3).
        let runtime = self.jobs.map(|plan| {
            la_app::jobs::runtime::JobRuntime::start(plan.store, plan.handler, plan.config)
        });
        // The upstream health probe (integration.md 10.1) runs as long as the server.
        let prober = la_upstream::probe::Prober::start(
            self.upstreams,
            self.probe_interval,
            la_upstream::probe::PROBE_TIMEOUT,
        );
        let result = la_http::serve(self.listener, self.router, shutdown).await;
        if let Some(prober) = prober {
            prober.shutdown().await;
        }
        if let Some(runtime) = runtime {
            runtime.shutdown().await;
        }
        self.database.close().await;
        result
    }
}

/// The job runtime of `serve` from the settings.
fn job_runtime_plan(
    settings: &Settings,
    database: &Database,
    store: std::sync::Arc<dyn la_app::ports::Store>,
    cache: la_app::analytics::read::AnalyticsReader,
) -> anyhow::Result<Option<JobRuntimePlan>> {
    let jobs = &settings.jobs;
    let schedules = if jobs.scheduler_enabled {
        la_app::jobs::schedule::default_entries(&jobs.batch_schedule, &jobs.retention_schedule)
            .context("invalid job schedule")?
    } else {
        Vec::new()
    };
    let mut config = la_app::jobs::runtime::RuntimeConfig::new(schedules);
    config.timing = la_domain::jobs::QueueTiming {
        lease: chrono::Duration::seconds(i64::from(jobs.lease_seconds)),
        retry_base: chrono::Duration::seconds(i64::from(jobs.retry_seconds)),
    };
    config.reap_every = config
        .timing
        .reap_every()
        .to_std()
        .context("LA_JOB_LEASE_SECONDS")?;
    if jobs.workers_enabled {
        config.interactive_workers = jobs.interactive_workers;
        config.background_workers = jobs.background_workers;
    } else {
        config.interactive_workers = 0;
        config.background_workers = 0;
    }
    if config.interactive_workers + config.background_workers == 0 && config.schedules.is_empty() {
        return Ok(None);
    }
    let queue = database.jobs();
    let notifier = database.clone();
    let mut handler = la_app::jobs::handlers::AnalyticsJobs::new(store, queue.clone())
        .with_invalidation(std::sync::Arc::new(move |scope| {
            cache.invalidate(scope);
            // Tell the other instances; a lost notification costs at most the
            // memory cache's 5 minutes of an old result.
            let (database, scope) = (notifier.clone(), scope.clone());
            tokio::spawn(async move {
                if let Err(error) = database.notify_results_changed(&scope).await {
                    tracing::warn!(%error, "could not announce changed results");
                }
            });
        }));
    if let Some(pause) = jobs.test_chunk_pause_ms {
        handler = handler.with_chunk_pause(std::time::Duration::from_millis(pause));
    }
    Ok(Some(JobRuntimePlan {
        handler: std::sync::Arc::new(handler),
        store: queue,
        config,
    }))
}

/// The upstream registry of `collect` and of `serve`'s I1-I6 from the `LA_UPSTREAM_*`
/// settings; mock upstreams generate the demo world anchored at [`crate::demo_now`].
pub fn build_upstreams(
    settings: &la_upstream::UpstreamSettings,
) -> anyhow::Result<la_upstream::Upstreams> {
    // reqwest is built without a default TLS provider.
    la_upstream::install_tls_provider();
    la_upstream::Upstreams::new(
        settings,
        la_upstream::CollectorOptions {
            demo: la_demo::DemoConfig::new(crate::demo_now()),
            ..la_upstream::CollectorOptions::default()
        },
    )
    .context("cannot build the upstream clients")
}

/// Connects to the configured database and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Database> {
    let database = Database::connect(&settings.database_url, settings.database_max_connections)
        .await
        .with_context(|| "cannot open the database (LA_DATABASE_URL)".to_owned())?;
    database.migrate().await.context("migrations failed")?;
    Ok(database)
}
