//! Shared test helpers: a recording implementation of the collection port, settings that
//! point upstreams at wiremock servers, and fast retry settings.

#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use la_app::ports::*;
use la_domain::UserId;
use la_domain::model::{DataSource, Dataset, EntityKind, Provenance};
use la_upstream::breaker::BreakerConfig;
use la_upstream::retry::RetryPolicy;
use la_upstream::{CollectorOptions, Mode, Service, UpstreamSettings};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The instant of every run in these tests; payload times lie before it.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("valid time")
}

/// Retries in milliseconds instead of seconds.
pub fn fast_options() -> CollectorOptions {
    CollectorOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            backoff_base: Duration::from_millis(10),
            attempt_timeout: Duration::from_millis(300),
            connect_timeout: Duration::from_millis(200),
        },
        breaker: BreakerConfig::default(),
        concurrency: 4,
        demo: la_demo::DemoConfig {
            learners: 10,
            trainers: 2,
            courses: 4,
            skills: 12,
            departments: 2,
            second_org_learners: 0,
            ..la_demo::DemoConfig::new(now())
        },
        ..CollectorOptions::default()
    }
}

pub fn http(services: &[(Service, &str)]) -> UpstreamSettings {
    UpstreamSettings {
        services: services
            .iter()
            .map(|(s, url)| {
                (
                    *s,
                    Mode::Http {
                        base_url: la_upstream::config::base_url("test", url).expect("url"),
                        token: la_upstream::auth::ServiceToken::new("test-token"),
                    },
                )
            })
            .collect(),
        extra_org_ids: Vec::new(),
        service_secret: None,
    }
}

pub fn known(external: &str, kind: la_domain::IdKind) -> KnownId {
    KnownId {
        id: kind.map_external(external).expect("valid id"),
        external_id: Some(external.to_owned()),
    }
}

/// A recorded outcome: source, entities, and the error of a failed run.
pub type Outcome = (DataSource, Vec<EntityKind>, Option<String>);

/// Records what the collectors write; every referenced id "exists".
#[derive(Default)]
pub struct RecordingStore {
    pub roster: Roster,
    pub writes: Mutex<Vec<(Dataset, Provenance)>>,
    pub outcomes: Mutex<Vec<Outcome>>,
    /// What `source_statuses` answers (earlier runs).
    pub statuses: Vec<SourceStatus>,
}

impl RecordingStore {
    pub fn with_users(users: &[&str]) -> Self {
        RecordingStore {
            roster: Roster {
                users: users
                    .iter()
                    .map(|u| known(u, la_domain::IdKind::User))
                    .collect(),
                ..Roster::default()
            },
            ..RecordingStore::default()
        }
    }

    /// Everything written, merged, with the sources used.
    pub fn written(&self) -> (Dataset, Vec<DataSource>) {
        let writes = self.writes.lock().expect("lock");
        let mut all = Dataset::default();
        let mut sources = Vec::new();
        for (data, provenance) in writes.iter() {
            all.append(data.clone());
            if !sources.contains(&provenance.source) {
                sources.push(provenance.source);
            }
        }
        (all, sources)
    }

    pub fn outcome(&self, source: DataSource) -> Option<Option<String>> {
        self.outcomes
            .lock()
            .expect("lock")
            .iter()
            .find(|(s, _, _)| *s == source)
            .map(|(_, _, e)| e.clone())
    }
}

#[async_trait]
impl PushIngestStore for RecordingStore {
    async fn existing_ids(
        &self,
        _kind: EntityKind,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        Ok(ids.to_vec())
    }

    async fn assessment_max_scores(
        &self,
        _ids: &[uuid::Uuid],
    ) -> Result<Vec<(uuid::Uuid, f64)>, StoreError> {
        Ok(Vec::new())
    }

    async fn users_by_email(
        &self,
        _emails: &[String],
    ) -> Result<Vec<(String, UserId)>, StoreError> {
        Ok(Vec::new())
    }

    async fn upsert_changed(
        &self,
        data: &Dataset,
        provenance: Provenance,
    ) -> Result<ChangeCounts, StoreError> {
        self.writes
            .lock()
            .expect("lock")
            .push((data.clone(), provenance));
        Ok(ChangeCounts {
            inserted: data.total_records() as u64,
            ..ChangeCounts::default()
        })
    }

    async fn delete_keys(
        &self,
        _kind: EntityKind,
        _keys: &[Vec<KeyValue>],
    ) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[async_trait]
impl CollectionStore for RecordingStore {
    async fn roster(&self) -> Result<Roster, StoreError> {
        Ok(self.roster.clone())
    }

    async fn record_source_success(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.outcomes
            .lock()
            .expect("lock")
            .push((source, entities.to_vec(), None));
        Ok(())
    }

    async fn record_source_failure(
        &self,
        source: DataSource,
        entities: &[EntityKind],
        _at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.outcomes.lock().expect("lock").push((
            source,
            entities.to_vec(),
            Some(error.to_owned()),
        ));
        Ok(())
    }

    async fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError> {
        Ok(self.statuses.clone())
    }
}

/// Counts per entity of a dataset, for compact assertions.
pub fn counts(data: &Dataset) -> BTreeMap<EntityKind, usize> {
    data.counts().into_iter().filter(|(_, n)| *n > 0).collect()
}
