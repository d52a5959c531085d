//! The batch: load the platform snapshot, compute every analytic for every subject in
//! parallel, and upsert the results in chunks. Running it twice over the same data and
//! instant writes the same rows (upserts by key).

use super::compute::{Snapshot, compute_all};
use super::load::load_platform;
use crate::ports::{Store, StoreError};
use crate::results::StoredResult;
use chrono::{DateTime, Utc};
use la_domain::OrgId;
use la_domain::analytics::Window;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Results written per transaction.
const RESULTS_PER_WRITE: usize = 2_000;

#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    pub now: DateTime<Utc>,
    pub window: Window,
    /// Write only the results of this organisation's subjects (platform-wide figures such as
    /// peer groups are still computed from every organisation).
    pub org: Option<OrgId>,
}

/// What a batch did and how long each stage took.
#[derive(Debug, Clone, Default)]
pub struct BatchSummary {
    pub organizations: usize,
    pub users: usize,
    pub input_rows: usize,
    pub subjects: usize,
    pub results: usize,
    pub insufficient: usize,
    /// (user, role) pairs whose points, badges and streak state were written.
    pub gamification_subjects: usize,
    pub load: Duration,
    pub compute: Duration,
    pub write: Duration,
}

impl BatchSummary {
    pub fn total(&self) -> Duration {
        self.load + self.compute + self.write
    }
}

/// Where the batch is, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStage {
    Loading { done: usize, total: usize },
    Computing { done: usize, total: usize },
    Writing { done: usize, total: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the computation stopped unexpectedly: {0}")]
    Compute(String),
}

pub async fn run_batch(
    store: Arc<dyn Store>,
    options: BatchOptions,
    progress: impl Fn(BatchStage) + Send + Sync + 'static,
) -> Result<BatchSummary, BatchError> {
    let scope = match options.org {
        Some(org) => Scope::orgs([Some(org)]),
        None => Scope::All,
    };
    run_batch_scoped(store, options.now, options.window, scope, progress).await
}

/// Whose results a batch writes. Platform-wide figures (peer groups, benchmarks) are always
/// computed from every organisation; the scope only filters what is stored, so a chunk of
/// the daily batch, or a refresh of one subject's organisation, writes the same rows the full
/// batch would for those subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Subjects of these organisations; `None` stands for the platform subject and users
    /// without an organisation.
    Orgs(BTreeSet<Option<OrgId>>),
}

impl Scope {
    /// The scope as a short text for another instance (`all`, or the organisation ids with
    /// `-` for users without one), e.g. a PostgreSQL `NOTIFY` payload.
    pub fn to_payload(&self) -> String {
        match self {
            Scope::All => "all".to_owned(),
            Scope::Orgs(orgs) => orgs
                .iter()
                .map(|o| o.map_or_else(|| "-".to_owned(), |o| o.0.to_string()))
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Reads [`Scope::to_payload`]; anything unreadable means everything (over-invalidating
    /// is safe, under-invalidating is not).
    pub fn from_payload(payload: &str) -> Scope {
        if payload == "all" {
            return Scope::All;
        }
        let mut orgs = BTreeSet::new();
        for part in payload.split(',').filter(|p| !p.is_empty()) {
            match part {
                "-" => {
                    orgs.insert(None);
                }
                id => match uuid::Uuid::parse_str(id) {
                    Ok(id) => {
                        orgs.insert(Some(OrgId(id)));
                    }
                    Err(_) => return Scope::All,
                },
            }
        }
        Scope::Orgs(orgs)
    }

    pub fn orgs(orgs: impl IntoIterator<Item = Option<OrgId>>) -> Self {
        Scope::Orgs(orgs.into_iter().collect())
    }

    fn keeps(&self, org: Option<OrgId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(orgs) => orgs.contains(&org),
        }
    }
}

/// The batch at `now` and `window`, writing only the results of `scope` (job handlers: the
/// daily batch's chunks and the per-subject refreshes).
pub async fn run_batch_scoped(
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
    window: Window,
    scope: Scope,
    progress: impl Fn(BatchStage) + Send + Sync + 'static,
) -> Result<BatchSummary, BatchError> {
    let progress = Arc::new(progress);
    let mut summary = BatchSummary::default();

    let started = Instant::now();
    let report = progress.clone();
    let inputs = load_platform(store.as_ref(), move |done, total| {
        report(BatchStage::Loading { done, total })
    })
    .await?;
    summary.load = started.elapsed();
    summary.organizations = inputs.orgs.len();
    summary.users = inputs.records.len();
    summary.input_rows = inputs.total_rows();

    // Computing runs on blocking threads and hands results over a small channel; this task
    // writes them meanwhile, so the database works while the cores compute.
    let started = Instant::now();
    let snapshot = Snapshot { now, window };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<StoredResult>>(4);
    let report = progress.clone();
    let keep = scope.clone();
    let computing = tokio::task::spawn_blocking(move || {
        compute_all(
            &inputs,
            snapshot,
            &|org| keep.keeps(org),
            &move |done, total| report(BatchStage::Computing { done, total }),
            &move |results| {
                // A closed channel means writing failed; that error is reported below.
                let _ = sender.blocking_send(results);
            },
        )
    });
    let mut subjects = std::collections::BTreeSet::new();
    let mut write_time = Duration::ZERO;
    let marking = super::coverage::Marking::load(store.as_ref(), now).await?;
    while let Some(mut results) = receiver.recv().await {
        if scope != Scope::All {
            results.retain(|r| scope.keeps(r.organization_id));
        }
        marking.apply(&mut results);
        summary.results += results.len();
        summary.insufficient += results.iter().filter(|r| r.data.is_none()).count();
        subjects.extend(
            results
                .iter()
                .map(|r| (r.key.subject_type, r.key.subject_id, r.key.role)),
        );
        let writing = Instant::now();
        for chunk in results.chunks(RESULTS_PER_WRITE) {
            store.upsert_results(chunk).await?;
        }
        write_time += writing.elapsed();
        progress(BatchStage::Writing {
            done: summary.results,
            total: summary.results,
        });
    }
    let computed = computing
        .await
        .map_err(|e| BatchError::Compute(e.to_string()))?;
    let mut gamification = computed.gamification;
    summary.subjects = subjects.len();
    if scope != Scope::All {
        gamification.retain(|g| scope.keeps(g.organization_id));
    }
    let recommendation_states: Vec<_> = computed
        .recommendation_states
        .into_iter()
        .filter(|(org, _)| scope.keeps(*org))
        .map(|(_, state)| state)
        .collect();
    let writing = Instant::now();
    store
        .write_recommendation_states(&recommendation_states)
        .await?;
    write_time += writing.elapsed();
    let writing = Instant::now();
    for chunk in gamification.chunks(RESULTS_PER_WRITE / 4) {
        store.write_gamification(chunk).await?;
    }
    write_time += writing.elapsed();
    summary.gamification_subjects = gamification.len();
    // Writing overlaps computing: `compute` is the wall time of the overlapped stage minus
    // the time spent waiting on the database.
    summary.write = write_time;
    summary.compute = started.elapsed().saturating_sub(write_time);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_travel_as_payloads() {
        let org = OrgId(uuid::Uuid::from_u128(1));
        for scope in [Scope::All, Scope::orgs([Some(org), None]), Scope::orgs([])] {
            assert_eq!(Scope::from_payload(&scope.to_payload()), scope);
        }
        // Unreadable means everything.
        assert_eq!(Scope::from_payload("not-an-id"), Scope::All);
    }
}
