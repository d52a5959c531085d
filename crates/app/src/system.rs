//! Liveness and status of the service (`api.md` 2.9, S1 and S2).

use crate::ports::SystemStore;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a database ping may take before the database counts as unhealthy.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Unhealthy,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceHealth {
    pub database: Health,
    pub cache: Health,
    pub queue: Health,
    pub external_apis: Health,
}

#[derive(Debug, Clone, Serialize)]
pub struct HealthIssue {
    pub service: &'static str,
    pub status: Health,
    pub message: String,
}

/// The body of `GET /api/health`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub status: Health,
    pub timestamp: DateTime<Utc>,
    pub uptime: u64,
    pub environment: String,
    pub version: &'static str,
    pub services: ServiceHealth,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<HealthIssue>,
}

impl HealthReport {
    /// 503 is due when the database, cache or queue is unhealthy (api.md S1); a degraded
    /// upstream alone keeps 200.
    pub fn is_serving(&self) -> bool {
        self.status != Health::Unhealthy
    }
}

/// Facts about the running process that the reports need.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub name: String,
    pub environment: String,
    pub version: &'static str,
    pub started: Instant,
}

#[derive(Clone)]
pub struct SystemService {
    store: Arc<dyn SystemStore>,
    /// Shared: the service is cloned for every request (axum state).
    info: Arc<ServiceInfo>,
}

impl SystemService {
    pub fn new(store: Arc<dyn SystemStore>, info: ServiceInfo) -> Self {
        Self {
            store,
            info: Arc::new(info),
        }
    }

    pub fn info(&self) -> &ServiceInfo {
        &self.info
    }

    pub fn uptime_secs(&self) -> u64 {
        self.info.started.elapsed().as_secs()
    }

    /// Checks the database (which also holds the job queue) with a bounded ping.
    pub async fn health(&self) -> HealthReport {
        let mut issues = Vec::new();
        let database = match tokio::time::timeout(PING_TIMEOUT, self.store.ping()).await {
            Ok(Ok(())) => Health::Healthy,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health check: database ping failed");
                issues.push(HealthIssue {
                    service: "database",
                    status: Health::Unhealthy,
                    message: "database ping failed".to_owned(),
                });
                Health::Unhealthy
            }
            Err(_) => {
                issues.push(HealthIssue {
                    service: "database",
                    status: Health::Unhealthy,
                    message: format!("database ping timed out after {PING_TIMEOUT:?}"),
                });
                Health::Unhealthy
            }
        };
        // The queue lives in the database; the cache is in-process and cannot fail on its
        // own. Upstream health joins with the upstream clients; until then every upstream
        // runs in mock mode, which needs no network.
        let queue = database;
        let services = ServiceHealth {
            database,
            cache: Health::Healthy,
            queue,
            external_apis: Health::Healthy,
        };
        let status = if database == Health::Unhealthy {
            Health::Unhealthy
        } else if services.external_apis != Health::Healthy {
            Health::Degraded
        } else {
            Health::Healthy
        };
        HealthReport {
            status,
            timestamp: Utc::now(),
            uptime: self.uptime_secs(),
            environment: self.info.environment.clone(),
            version: self.info.version,
            services,
            issues,
        }
    }
}
