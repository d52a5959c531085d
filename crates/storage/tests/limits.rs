//! Shared rate-limit counters (migration 0008) on a real database: a fixed window per bucket
//! starting at its first request, restarted after it ends, counted atomically however many
//! requests (instances) arrive at once, and purged by the retention clean-up.

use chrono::{Duration, TimeZone, Utc};
use la_app::ports::RateLimitStore;
use la_storage::testing::TestDatabase;
use std::sync::Arc;

const HOUR: std::time::Duration = std::time::Duration::from_secs(3_600);

#[tokio::test]
async fn a_bucket_counts_in_a_fixed_window_from_its_first_request() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store = db.store();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
    for (minutes, expected) in [(0, 1), (10, 2), (59, 3), (59, 4)] {
        let hit = store
            .rate_limit_hit("refresh:user:a", HOUR, t0 + Duration::minutes(minutes))
            .await
            .unwrap();
        assert_eq!((hit.count, hit.window_started_at), (expected, t0));
    }
    // Another bucket is separate.
    let other = store
        .rate_limit_hit("refresh:user:b", HOUR, t0)
        .await
        .unwrap();
    assert_eq!(other.count, 1);
    // At the window's end a new one starts at that request.
    let later = t0 + Duration::minutes(61);
    let hit = store
        .rate_limit_hit("refresh:user:a", HOUR, later)
        .await
        .unwrap();
    assert_eq!((hit.count, hit.window_started_at), (1, later));

    // Retention removes counters whose window ended before the cutoff, and only those.
    let removed = db
        .jobs()
        .purge(
            t0 - Duration::days(30),
            t0 + Duration::minutes(90),
            t0 - Duration::days(30),
        )
        .await
        .unwrap();
    assert_eq!(
        removed.rate_limit_counters, 1,
        "bucket b ended at t0 + 60 min"
    );
    let b_again = store
        .rate_limit_hit("refresh:user:b", HOUR, t0 + Duration::minutes(91))
        .await
        .unwrap();
    assert_eq!(b_again.count, 1);
    let a_again = store
        .rate_limit_hit("refresh:user:a", HOUR, t0 + Duration::minutes(91))
        .await
        .unwrap();
    assert_eq!(
        a_again.count, 2,
        "bucket a's window (from 61 min) is still open"
    );
}

#[tokio::test]
async fn simultaneous_requests_are_each_counted_once() {
    let test_db = TestDatabase::create().await;
    let db = test_db.migrated().await;
    let store: Arc<dyn RateLimitStore> = db.store();
    let now = Utc::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.rate_limit_hit("login:ip:x", HOUR, now).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap().count);
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>());
}
