//! Shared rate-limit counters (`rate_limit_counters`, migration 0008).

/// One statement for both databases: insert the bucket, or count one more request in its
/// window, restarting the window at this request once it has expired. The row lock of the
/// upsert makes it atomic across instances. Times are epoch milliseconds so that the same
/// arithmetic runs on PostgreSQL and SQLite.
pub(crate) const HIT: &str = "\
    INSERT INTO rate_limit_counters AS c (bucket_key, window_started_ms, window_s, count) \
    VALUES ($1, $2, $3, 1) \
    ON CONFLICT (bucket_key) DO UPDATE SET \
        count = CASE WHEN c.window_started_ms + c.window_s * 1000 <= excluded.window_started_ms \
                     THEN 1 ELSE c.count + 1 END, \
        window_started_ms = CASE WHEN c.window_started_ms + c.window_s * 1000 <= excluded.window_started_ms \
                                 THEN excluded.window_started_ms ELSE c.window_started_ms END, \
        window_s = excluded.window_s \
    RETURNING count, window_started_ms";

/// Implements `RateLimitStore` for an adapter with a `pool` field.
macro_rules! rate_limit_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl la_app::ports::RateLimitStore for $store {
            async fn rate_limit_hit(
                &self,
                bucket: &str,
                window: std::time::Duration,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<la_app::ports::WindowCount, la_app::ports::StoreError> {
                use sqlx::Row;
                let window_s = i32::try_from(window.as_secs()).unwrap_or(i32::MAX).max(1);
                let row = sqlx::query(crate::limits::HIT)
                    .bind(bucket)
                    .bind(now.timestamp_millis())
                    .bind(window_s)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(crate::error::store_error)?;
                let count: i32 = row.try_get(0).map_err(crate::error::store_error)?;
                let started: i64 = row.try_get(1).map_err(crate::error::store_error)?;
                Ok(la_app::ports::WindowCount {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    window_started_at: chrono::DateTime::from_timestamp_millis(started)
                        .unwrap_or(now),
                })
            }
        }
    };
}
pub(crate) use rate_limit_store;
