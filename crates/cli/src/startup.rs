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
        );
        let analytics = la_app::analytics::read::AnalyticsReader::new(store.clone());
        let limits = la_http::limits::RateLimits::new(settings.rate_limit_multiplier);
        let ingest =
            la_app::ingest::IngestService::new(store.clone(), settings.ingest_keys.clone());
        let preferences = la_app::preferences::PreferenceService::new(store.clone());
        let state = la_http::AppState::new(system, auth, analytics, ingest, preferences, limits)
            .with_cors_origins(settings.cors_origins.clone());
        let router = la_http::router(state);
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        Ok((
            Application {
                listener,
                router,
                database,
                port,
            },
            report,
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
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
        let result = la_http::serve(self.listener, self.router, shutdown).await;
        self.database.close().await;
        result
    }
}

/// Connects to the configured database and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Database> {
    let database = Database::connect(&settings.database_url, settings.database_max_connections)
        .await
        .with_context(|| "cannot open the database (LA_DATABASE_URL)".to_owned())?;
    database.migrate().await.context("migrations failed")?;
    Ok(database)
}
