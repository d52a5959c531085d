//! The batch: load the platform snapshot, compute every analytic for every subject in
//! parallel, and upsert the results in chunks. Running it twice over the same data and
//! instant writes the same rows (upserts by key).

use super::compute::{ComputedState, PreparedBatch, Snapshot, compute_all, compute_part, prepare};
use super::load::{PlatformInputs, load_platform};
use crate::ports::{GamificationState, Store, StoreError};
use crate::results::StoredResult;
use chrono::{DateTime, Utc};
use la_domain::analytics::Window;
use la_domain::{OrgId, UserId};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Results written per transaction.
const RESULTS_PER_WRITE: usize = 2_000;

/// Gamification states (a (user, role)'s ledger rows, awards and streak) written per
/// transaction. SQLite: a first batch inserts about 67 ledger rows per learner, and the
/// ledger's `(organization_id, role, occurred_at)` index takes them in no useful order, so a
/// transaction dirties most of that index's pages whatever its size, and each commit writes
/// them all to the WAL again: 5 000 states per transaction instead of 500 took a first batch
/// of 10 000 learners' gamification writing from 9.8 s to 7.7 s (the WAL then holds a few
/// hundred MB until the next checkpoint). Since session 13 the computation hands states
/// over in steps of 2 048 (`compute.rs`, `GAMIFICATION_PER_STEP`), so a SQLite transaction
/// holds at most one step. The change that brought this was a gain overall (README,
/// Performance); the smaller transactions alone were not measured.
/// PostgreSQL writes in two lanes of smaller transactions (see [`write_in_lanes`]).
fn gamification_per_write(backend: crate::ports::Backend) -> usize {
    match backend {
        crate::ports::Backend::Sqlite => 5_000,
        crate::ports::Backend::Postgres => RESULTS_PER_WRITE / 4,
    }
}

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
    /// The part of `write` spent on gamification state (points ledger, badges, streaks,
    /// written between results as it is computed) and recommendation item states.
    pub write_state: Duration,
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
/// computed from every organisation; the scope only chooses whose results are computed and
/// stored, so a chunk of the daily batch, or a refresh of one subject's organisation, writes
/// the same rows the full batch would for those subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Subjects of these organisations; `None` stands for the platform subject and users
    /// without an organisation.
    Orgs(BTreeSet<Option<OrgId>>),
    /// A slice of one organisation (or of the users without one), so that a large one is
    /// shared among workers (decision 18: chunks of about 500 subjects): its users with ids
    /// in `first..=last`, and with `org_subject` also the organisation's own subject (for
    /// `None`: the platform subject).
    Slice {
        org: Option<OrgId>,
        first: uuid::Uuid,
        last: uuid::Uuid,
        org_subject: bool,
    },
}

impl Scope {
    /// The scope as a short text for another instance (`all`, or the organisation ids with
    /// `-` for users without one), e.g. a PostgreSQL `NOTIFY` payload. A slice travels as
    /// its whole organisation: over-invalidating a cache is safe.
    pub fn to_payload(&self) -> String {
        match self.organizations() {
            None => "all".to_owned(),
            Some(orgs) => orgs
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

    /// The organisations whose results the scope may rewrite (`None`: all of them).
    pub fn organizations(&self) -> Option<BTreeSet<Option<OrgId>>> {
        match self {
            Scope::All => None,
            Scope::Orgs(orgs) => Some(orgs.clone()),
            Scope::Slice { org, .. } => Some(BTreeSet::from([*org])),
        }
    }

    /// Whether the user's own results (as learner, trainer or for gamification) are in scope.
    pub fn keeps_user(&self, org: Option<OrgId>, user: UserId) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(orgs) => orgs.contains(&org),
            Scope::Slice {
                org: slice_org,
                first,
                last,
                ..
            } => *slice_org == org && (*first..=*last).contains(&user.0),
        }
    }

    /// Whether the organisation's subject (`None`: the platform subject) is in scope.
    pub fn keeps_org_subject(&self, org: Option<OrgId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(orgs) => orgs.contains(&org),
            Scope::Slice {
                org: slice_org,
                org_subject,
                ..
            } => *org_subject && *slice_org == org,
        }
    }
}

/// The batch at `now` and `window`, computing and writing only the results of `scope` (job
/// handlers: refreshes of one subject's organisation; ingest refreshes).
pub async fn run_batch_scoped(
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
    window: Window,
    scope: Scope,
    progress: impl Fn(BatchStage) + Send + Sync + 'static,
) -> Result<BatchSummary, BatchError> {
    let progress: Progress = Arc::new(progress);
    let mut summary = BatchSummary::default();
    let inputs = load(store.as_ref(), &progress, &mut summary).await?;
    let snapshot = Snapshot { now, window };
    let keep = scope.clone();
    let report = progress.clone();
    write_streaming(store, now, &progress, summary, move |(sink, states)| {
        compute_all(
            inputs,
            snapshot,
            &keep,
            &move |done, total| report(BatchStage::Computing { done, total }),
            sink,
            states,
        )
    })
    .await
}

/// Loads the platform and prepares a batch at `now` and `window` without writing anything:
/// the shared part of the daily batch's chunks ([`run_prepared_part`]). Returns it with the
/// time loading took.
pub async fn prepare_batch(
    store: &dyn Store,
    now: DateTime<Utc>,
    window: Window,
) -> Result<(PreparedBatch, BatchSummary), BatchError> {
    let progress: Progress = Arc::new(|_| {});
    let mut summary = BatchSummary::default();
    let inputs = load(store, &progress, &mut summary).await?;
    let started = Instant::now();
    let snapshot = Snapshot { now, window };
    let prepared = tokio::task::spawn_blocking(move || {
        prepare(inputs, snapshot, &Scope::orgs([]), &|_, _| {}, &|_| {}).0
    })
    .await
    .map_err(|e| BatchError::Compute(e.to_string()))?;
    summary.compute = started.elapsed();
    Ok((prepared, summary))
}

/// Computes and writes the subjects of `scope` from a prepared batch.
pub async fn run_prepared_part(
    store: Arc<dyn Store>,
    prepared: Arc<PreparedBatch>,
    scope: Scope,
    progress: impl Fn(BatchStage) + Send + Sync + 'static,
) -> Result<BatchSummary, BatchError> {
    let progress: Progress = Arc::new(progress);
    let summary = BatchSummary {
        organizations: prepared.inputs().orgs.len(),
        users: prepared.inputs().records.len(),
        ..BatchSummary::default()
    };
    let keep = scope.clone();
    let report = progress.clone();
    let now = prepared.snapshot().now;
    write_streaming(store, now, &progress, summary, move |(sink, states)| {
        compute_part(
            &prepared,
            &keep,
            false,
            &move |done, total| report(BatchStage::Computing { done, total }),
            sink,
            states,
        )
    })
    .await
}

type Progress = Arc<dyn Fn(BatchStage) + Send + Sync>;

async fn load(
    store: &dyn Store,
    progress: &Progress,
    summary: &mut BatchSummary,
) -> Result<Arc<PlatformInputs>, BatchError> {
    let started = Instant::now();
    let report = progress.clone();
    let inputs = load_platform(store, move |done, total| {
        report(BatchStage::Loading { done, total })
    })
    .await?;
    summary.load = started.elapsed();
    summary.organizations = inputs.orgs.len();
    summary.users = inputs.records.len();
    summary.input_rows = inputs.total_rows();
    Ok(Arc::new(inputs))
}

/// Hand-overs ([`Ready`]) that may wait for the writer before the computation waits too.
/// Each is a step of the computation (about 1 000 learners' results, or 2 000 subjects'
/// gamification states), so the memory they hold does not grow with the platform. Why 16
/// and not 4: on SQLite one gamification transaction of a first batch takes the writer
/// about half a second, and with 4 the computation stood still meanwhile (a first batch of
/// 10 000 learners 9.3–10.3 s; with 16, 8.8–8.9 s and 0.08 GB more peak memory).
const READY_WAITING: usize = 16;

/// What the computation hands to the writer, in the order it is written.
enum Ready {
    Results(Vec<StoredResult>),
    Gamification(Vec<GamificationState>),
}

/// The computation's two sinks: results, and gamification states.
type Sinks<'a> = (
    &'a (dyn Fn(Vec<StoredResult>) + Sync),
    &'a (dyn Fn(Vec<GamificationState>) + Sync),
);

/// Runs `compute` on a blocking thread, writing the results and gamification states it
/// hands over meanwhile (so the database works while the cores compute), then the item
/// states it returns. `compute` produces only what its scope holds (an organisation's
/// subject carries its org admins' organisation recommendations, which is why nothing is
/// filtered here by subject id).
async fn write_streaming(
    store: Arc<dyn Store>,
    now: DateTime<Utc>,
    progress: &Progress,
    mut summary: BatchSummary,
    compute: impl FnOnce(Sinks<'_>) -> ComputedState + Send + 'static,
) -> Result<BatchSummary, BatchError> {
    let started = Instant::now();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Ready>(READY_WAITING);
    let computing = tokio::task::spawn_blocking(move || {
        // A closed channel means writing failed; that error is reported below.
        let send = |ready| {
            let _ = sender.blocking_send(ready);
        };
        compute((&|results| send(Ready::Results(results)), &|states| {
            send(Ready::Gamification(states))
        }))
    });
    let mut subjects = BTreeSet::new();
    let mut write_time = Duration::ZERO;
    let mut state_time = Duration::ZERO;
    let mut ledger_fill = false;
    let marking = super::coverage::Marking::load(store.as_ref(), now).await?;
    let written: Result<(), StoreError> = async {
        while let Some(ready) = receiver.recv().await {
            let writing = Instant::now();
            match ready {
                Ready::Results(mut results) => {
                    marking.apply(&mut results);
                    summary.results += results.len();
                    summary.insufficient += results.iter().filter(|r| r.data.is_none()).count();
                    subjects.extend(
                        results
                            .iter()
                            .map(|r| (r.key.subject_type, r.key.subject_id, r.key.role)),
                    );
                    write_in_lanes(
                        store.as_ref(),
                        &results,
                        RESULTS_PER_WRITE,
                        |store, chunk| store.upsert_results(chunk),
                    )
                    .await?;
                    write_time += writing.elapsed();
                }
                Ready::Gamification(states) => {
                    if !ledger_fill {
                        store.begin_ledger_fill().await?;
                        ledger_fill = true;
                    }
                    write_in_lanes(
                        store.as_ref(),
                        &states,
                        gamification_per_write(store.backend()),
                        |store, chunk| store.write_gamification(chunk),
                    )
                    .await?;
                    summary.gamification_subjects += states.len();
                    state_time += writing.elapsed();
                }
            }
            progress(BatchStage::Writing {
                done: summary.results,
                total: summary.results,
            });
        }
        Ok(())
    }
    .await;
    // Whether or not the writes succeeded, a begun ledger fill gets its deferred index back.
    let ending = Instant::now();
    let ended = if ledger_fill {
        store.end_ledger_fill().await
    } else {
        Ok(())
    };
    state_time += ending.elapsed();
    written?;
    ended?;
    let computed = computing
        .await
        .map_err(|e| BatchError::Compute(e.to_string()))?;
    summary.subjects = subjects.len();
    let writing = Instant::now();
    store
        .write_recommendation_states(&computed.recommendation_states)
        .await?;
    summary.write_state = state_time + writing.elapsed();
    // Writing overlaps computing: `compute` is the wall time of the overlapped stage minus
    // the time spent waiting on the database.
    summary.write = write_time + summary.write_state;
    summary.compute = started.elapsed().saturating_sub(summary.write);
    Ok(summary)
}

/// A port's write, as `async_trait` returns it.
type WriteFuture<'s> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send + 's>>;

/// Writes `items` in transactions of `per_write`. On PostgreSQL two connections write side
/// by side (disjoint keys, so they never wait on each other's rows): the server's work
/// (index upkeep; on the points ledger, its key and, past a first fill, its foreign key and
/// two more indexes) is what the batch waits for, and with one connection it runs on one
/// core. SQLite has one writer at a time.
async fn write_in_lanes<'a, T: Sync>(
    store: &'a dyn Store,
    items: &'a [T],
    per_write: usize,
    write: impl for<'s> Fn(&'s dyn Store, &'s [T]) -> WriteFuture<'s> + Sync,
) -> Result<(), StoreError> {
    let chunks: Vec<&[T]> = items.chunks(per_write).collect();
    let lane = |first: usize, step: usize| {
        let (chunks, write) = (&chunks, &write);
        async move {
            for chunk in chunks.iter().skip(first).step_by(step) {
                write(store, chunk).await?;
            }
            Ok::<(), StoreError>(())
        }
    };
    match store.backend() {
        crate::ports::Backend::Postgres => {
            tokio::try_join!(lane(0, 2), lane(1, 2))?;
        }
        crate::ports::Backend::Sqlite => lane(0, 1).await?,
    }
    Ok(())
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
