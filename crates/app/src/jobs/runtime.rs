//! The running queue of one instance: worker pools, the lease reaper and the scheduler, as
//! tokio tasks stopped together with the server.

use super::handlers::JobHandler;
use super::schedule::{ScheduleEntry, tick};
use super::worker::{Ran, Worker, reap_expired_with};
use crate::ports::JobStore;
use chrono::Utc;
use la_domain::jobs::{JobType, QueueTiming};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Interactive work: one subject or one push at a time; its own pool so it never waits
/// behind batch chunks (`data.md` 6.3).
pub const INTERACTIVE: [JobType; 5] = [
    JobType::ManualAnalyticsRefresh,
    JobType::LoginStalenessRefresh,
    JobType::StaleReadRefresh,
    JobType::DataCollection,
    JobType::IngestRefresh,
];

/// Batch and maintenance work.
pub const BACKGROUND: [JobType; 4] = [
    JobType::DailyAnalyticsBatch,
    JobType::BatchAnalyticsChunk,
    JobType::BatchAnalyticsRetry,
    JobType::RetentionCleanup,
];

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub interactive_workers: usize,
    pub background_workers: usize,
    /// How often an idle worker looks for work (the original's 2 s).
    pub poll: Duration,
    /// How long running jobs may finish at shutdown before going back to pending.
    pub shutdown_grace: Duration,
    pub reap_every: Duration,
    pub tick_every: Duration,
    pub schedules: Vec<ScheduleEntry>,
    /// Lease, heartbeat and retry backoff (`reap_every` should be about half the lease).
    pub timing: QueueTiming,
}

impl RuntimeConfig {
    pub fn new(schedules: Vec<ScheduleEntry>) -> Self {
        RuntimeConfig {
            interactive_workers: 2,
            background_workers: 1,
            poll: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(30),
            reap_every: Duration::from_secs(60),
            tick_every: Duration::from_secs(30),
            schedules,
            timing: QueueTiming::default(),
        }
    }
}

/// The started runtime; [`JobRuntime::shutdown`] stops it.
pub struct JobRuntime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl JobRuntime {
    pub fn start(
        jobs: Arc<dyn JobStore>,
        handler: Arc<dyn JobHandler>,
        config: RuntimeConfig,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let instance = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let mut tasks = Vec::new();
        let pools = [
            (
                "interactive",
                config.interactive_workers,
                INTERACTIVE.to_vec(),
            ),
            ("background", config.background_workers, BACKGROUND.to_vec()),
        ];
        for (pool, size, types) in pools {
            for slot in 0..size {
                let worker = Worker::new(
                    jobs.clone(),
                    handler.clone(),
                    format!("{instance}-{pool}-{slot}"),
                    types.clone(),
                )
                .with_timing(config.timing);
                tasks.push(tokio::spawn(work_loop(
                    worker,
                    stopped.clone(),
                    config.poll,
                    config.shutdown_grace,
                )));
            }
        }
        tasks.push(tokio::spawn(every(config.reap_every, stopped.clone(), {
            let jobs = jobs.clone();
            let timing = config.timing;
            move || {
                let jobs = jobs.clone();
                async move {
                    match reap_expired_with(jobs.as_ref(), &timing, Utc::now()).await {
                        Ok(reaped) if !reaped.is_empty() => {
                            tracing::warn!(
                                count = reaped.len(),
                                "expired job leases returned to the queue"
                            )
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "job reaper failed"),
                    }
                }
            }
        })));
        let schedules = Arc::new(config.schedules);
        tasks.push(tokio::spawn(every(config.tick_every, stopped, move || {
            let jobs = jobs.clone();
            let schedules = schedules.clone();
            async move {
                if let Err(e) = tick(jobs.as_ref(), &schedules, Utc::now()).await {
                    tracing::warn!(error = %e, "scheduler tick failed");
                }
            }
        })));
        JobRuntime { stop, tasks }
    }

    /// Stops claiming, lets running jobs finish within the grace period (then gives them
    /// back to pending), and waits for every task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "job task ended abnormally");
            }
        }
    }
}

async fn work_loop(
    worker: Worker,
    mut stopped: watch::Receiver<bool>,
    poll: Duration,
    grace: Duration,
) {
    while !*stopped.borrow() {
        let idle = match worker.run_once(&stopped, grace).await {
            Ok(Ran::Idle) => true,
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(worker = worker.id(), error = %e, "job worker error");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stopped.changed() => {}
            }
        }
    }
}

async fn every<F, Fut>(period: Duration, mut stopped: watch::Receiver<bool>, mut action: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => action().await,
            _ = stopped.changed() => {}
        }
        if *stopped.borrow() {
            return;
        }
    }
}
