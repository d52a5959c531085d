//! Typed pulls of the eight pulled upstreams (`integration.md` 3) and their mapping into the
//! section 9 entities. Each `pull` issues the contract calls for the roster, maps what it
//! gets, and remembers every failed call; it never fabricates a record. A failed call leaves
//! its records out (the stored rows stay as last known data); once the breaker is open the
//! pull stops instead of queueing short-circuited calls.

pub mod assessment;
pub mod content_studio;
pub mod course_builder;
pub mod devlab;
pub mod directory;
pub mod learner_ai;
pub mod ms12;
pub mod rag_assistant;
pub mod skills_engine;

use crate::contracts::Id;
use crate::transport::{CallError, Get, Transport};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use la_app::ports::Roster;
use la_domain::model::Dataset;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::future::Future;
use uuid::Uuid;

/// What a pull needs to know.
#[derive(Debug, Clone)]
pub struct PullContext {
    /// Stored organisations, users, courses and content items (upstream ids).
    pub roster: Roster,
    /// Organisations to pull beyond the stored ones (configured; how a first run starts).
    pub extra_org_ids: Vec<String>,
    pub now: DateTime<Utc>,
    /// Start of windowed pulls (`start_date=`): the last successful run (minus an overlap),
    /// at most 90 days back (`integration.md` 3.1).
    pub since: DateTime<Utc>,
    /// `X-Request-Id` of every call of the run.
    pub request_id: String,
    /// Calls of one pull in flight at once (the bulkhead bounds the upstream as a whole).
    pub concurrency: usize,
    /// The source has stored rows from an earlier successful run: a failed call falls back
    /// to them (`microservice_fallback_total{kind="last_known"}`, else `missing`).
    pub has_last_known: bool,
}

impl PullContext {
    pub fn user_ids(&self) -> Vec<String> {
        self.roster.users.iter().map(|u| u.upstream_id()).collect()
    }

    pub fn course_ids(&self) -> Vec<String> {
        self.roster
            .courses
            .iter()
            .map(|c| c.upstream_id())
            .collect()
    }

    /// Whether `user` (an upstream id) is a stored user: optional references to unknown
    /// users are dropped rather than failing the record.
    pub fn knows_user(&self, user: &Id) -> bool {
        let Ok(id) = la_domain::UserId::from_external(&user.0) else {
            return false;
        };
        self.roster.users.iter().any(|u| u.id == id.0)
    }
}

/// The outcome of one pull: the mapped records, calls made, and failures.
#[derive(Debug, Default)]
pub struct Pull {
    pub data: Dataset,
    pub calls: u64,
    pub errors: Vec<CallError>,
    /// Payload records that could not be mapped (bad ids, unknown enumerations).
    pub unmappable: u64,
    /// The breaker opened during the pull: later calls were not made.
    pub stopped: bool,
}

impl Pull {
    /// Records a call's result; `None` when it failed.
    pub fn take<T>(&mut self, result: Result<T, CallError>) -> Option<T> {
        self.calls += 1;
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                if e == CallError::ShortCircuited {
                    self.stopped = true;
                }
                self.errors.push(e);
                None
            }
        }
    }

    pub fn succeeded(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Runs `call` for every id, `concurrency` at a time, stopping early when the breaker opens.
pub async fn each<T, F, Fut>(
    ids: Vec<String>,
    concurrency: usize,
    pull: &mut Pull,
    call: F,
) -> Vec<(String, T)>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let mut out = Vec::with_capacity(ids.len());
    let mut results = futures_util::stream::iter(ids.into_iter().map(|id| {
        let fut = call(id.clone());
        async move { (id, fut.await) }
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((id, result)) = results.next().await {
        if let Some(value) = pull.take(result) {
            out.push((id, value));
        }
        if pull.stopped {
            break;
        }
    }
    // Sorted by id: the output does not depend on which call finished first.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A list endpoint under `/users/{userId}/…`.
pub async fn user_list<T: DeserializeOwned>(
    t: &Transport,
    ctx: &PullContext,
    template: &'static str,
    user: &str,
    windowed: bool,
    extension: bool,
) -> Result<Vec<T>, CallError> {
    let path = template.replace("{userId}", user);
    let mut get = Get::new(template, path);
    if windowed {
        get = get
            .query("start_date", ctx.since.to_rfc3339())
            .query("end_date", ctx.now.to_rfc3339());
    }
    if extension {
        get = get.extension();
    }
    t.get_list(&get, &ctx.request_id).await
}

/// Drops repeated keys (the last record wins), so that one upstream answer cannot fail
/// validation with "repeats the key".
pub fn dedup_by_key<T, K: std::hash::Hash + Eq>(records: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out: Vec<T> = records
        .into_iter()
        .rev()
        .filter(|r| seen.insert(key(r)))
        .collect();
    out.reverse();
    out
}

/// UUID v5 of `name` under an id kind's namespace, for ids the contract does not carry
/// (an enrollment is (user, course); a path step without topic id is (path, order)).
pub fn derived_id(kind: la_domain::IdKind, name: &str) -> Uuid {
    Uuid::new_v5(&kind.namespace(), name.as_bytes())
}
