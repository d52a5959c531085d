//! Push-ingestion throughput: times `la_app::ingest::ingest` end to end (JSON parsing, id
//! mapping, validation, bulk reference look-ups, the change-counting upsert) for batches of
//! new `assessment-attempts` and `content-interactions`, and for re-sending a batch
//! unchanged. Prints the median records per second of several runs. Driven by
//! `bench/ingest.sh`.
//!
//! With `pushers` above 1, that many clients push new batches at once (each `runs` batches)
//! and the line reports the sustained rate: all records over the wall time of all batches.
//!
//!   ingest_bench <database URL> [batch size, default 5000] [runs, default 7] [pushers, default 1]

use chrono::{DateTime, Duration, TimeZone, Utc};
use la_app::ingest;
use la_app::ports::Store;
use la_domain::model::{DataSource, Dataset, Provenance};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
}

/// New attempts (fresh ids per run) on stored assessments by stored learners.
fn attempts(data: &Dataset, run: usize, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let a = &data.assessments[i % data.assessments.len()];
            let user = &data.users[(i * 7 + run) % data.users.len()];
            let submitted = now() - Duration::minutes((run * n + i) as i64);
            json!({
                "id": format!("bench-{run}-{i}"),
                "assessmentId": a.id,
                "userId": user.id,
                "attemptNo": 1 + (i % 3) as i32,
                "startedAt": submitted - Duration::minutes(25),
                "submittedAt": submitted,
                "durationMinutes": 25,
                "score": a.max_score * 0.7,
                "maxScore": a.max_score,
                "passed": true,
                "questionResults": [
                    {"questionId": "q1", "tag": "basics", "correct": true},
                    {"questionId": "q2", "tag": "advanced", "correct": false},
                ],
            })
        })
        .collect()
}

/// New interactions (a fresh start time per run and record) by stored learners.
fn interactions(data: &Dataset, run: usize, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let started = now() - Duration::days(300) + Duration::seconds((run * n + i) as i64);
            json!({
                "userId": data.users[i % data.users.len()].id,
                "contentId": data.content_items[i % data.content_items.len()].id,
                "startedAt": started,
                "lastInteractionAt": started + Duration::minutes(4),
                "durationSeconds": 240,
                "progressPct": 80,
                "completed": true,
                "completedAt": started + Duration::minutes(4),
            })
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn time(store: &dyn Store, entity: &str, body: &[u8], expect_inserted: bool) -> f64 {
    let started = Instant::now();
    let outcome = ingest::ingest(store, entity, body, now())
        .await
        .unwrap_or_else(|e| panic!("{entity}: {e} {:?}", e.validation_map()));
    let secs = started.elapsed().as_secs_f64();
    let n = outcome.received as u64;
    if expect_inserted {
        assert_eq!(outcome.inserted, n, "{entity}: every record is new");
    } else {
        assert_eq!(outcome.unchanged, n, "{entity}: every record is unchanged");
    }
    n as f64 / secs
}

/// The service binary's allocator (`crates/cli/src/main.rs`), so the figures are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Make = fn(&Dataset, usize, usize) -> Vec<Value>;

/// `pushers` clients each pushing `runs` batches of new records at once (bodies built
/// beforehand): all records over the wall time.
async fn sustained(
    store: &Arc<dyn Store>,
    data: &Dataset,
    entity: &'static str,
    make: Make,
    batch: usize,
    runs: usize,
    pushers: usize,
) -> f64 {
    // Run numbers continue after the single-pusher runs' so every record is new.
    let bodies: Vec<Vec<Vec<u8>>> = (0..pushers)
        .map(|p| {
            (0..runs)
                .map(|r| {
                    let run = 1000 + p * runs + r;
                    serde_json::to_vec(&json!({ "records": make(data, run, batch) })).unwrap()
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|bodies| {
            let store = store.clone();
            tokio::spawn(async move {
                for body in bodies {
                    time(&*store, entity, &body, true).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("pusher");
    }
    (pushers * runs * batch) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: ingest_bench <database URL> [batch] [runs] [pushers]");
    let batch: usize = args.next().map_or(5000, |a| a.parse().expect("batch size"));
    let runs: usize = args.next().map_or(7, |a| a.parse().expect("runs"));
    let pushers: usize = args.next().map_or(1, |a| a.parse().expect("pushers"));

    let db = la_storage::Database::connect(&url, 4.max(pushers as u32 * 2))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let store = db.store();
    let mut config = la_demo::DemoConfig::new(now());
    config.learners = 500;
    let data = la_demo::generate(&config);
    store
        .write_dataset(
            &data,
            Provenance {
                source: DataSource::Mock,
                synced_at: now(),
            },
        )
        .await
        .expect("seed reference data");

    let cases: [(&str, Make); 2] = [
        ("assessment-attempts", attempts),
        ("content-interactions", interactions),
    ];
    for (entity, make) in cases {
        if pushers > 1 {
            let rate = sustained(&store, &data, entity, make, batch, runs, pushers).await;
            println!(
                "{} {entity} {batch} {runs} {pushers} {rate:.0}",
                store.backend().as_str()
            );
            continue;
        }
        let (mut new, mut resent) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let body = serde_json::to_vec(&json!({ "records": make(&data, run, batch) })).unwrap();
            new.push(time(&*store, entity, &body, true).await);
            resent.push(time(&*store, entity, &body, false).await);
        }
        println!(
            "{} {entity} {batch} {runs} {:.0} {:.0}",
            store.backend().as_str(),
            median(new),
            median(resent)
        );
    }
    db.close().await;
}
