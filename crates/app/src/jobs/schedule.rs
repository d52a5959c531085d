//! Schedules (`data.md` 6.5): cron expressions in UTC, evaluated by every instance every
//! 30 s; the store's unique (name, day) row lets exactly one instance start a day's run.

use crate::ports::{JobStore, NewJob, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::str::FromStr;
use uuid::Uuid;

/// Builds the job of a run from its day and the current instant.
pub type JobMaker = fn(NaiveDate, DateTime<Utc>) -> NewJob;

#[derive(Debug, thiserror::Error)]
#[error("invalid schedule `{expression}` for {name}: {reason}")]
pub struct ScheduleError {
    pub name: String,
    pub expression: String,
    pub reason: String,
}

/// One scheduled job.
#[derive(Clone)]
pub struct ScheduleEntry {
    pub name: String,
    schedule: cron::Schedule,
    /// A slot missed by more than this is skipped (batch 6 h, others 1 h; `data.md` 6.5).
    pub grace: Duration,
    make: JobMaker,
}

impl std::fmt::Debug for ScheduleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduleEntry")
            .field("name", &self.name)
            .field("schedule", &self.schedule.to_string())
            .field("grace", &self.grace)
            .finish()
    }
}

impl ScheduleEntry {
    /// `expression` is a standard 5-field cron line (`30 4 * * *`) in UTC; the `cron` crate's
    /// 6- and 7-field forms (with seconds, years) are accepted too.
    pub fn parse(
        name: &str,
        expression: &str,
        grace: Duration,
        make: JobMaker,
    ) -> Result<Self, ScheduleError> {
        let fields = expression.split_whitespace().count();
        let full = if fields == 5 {
            format!("0 {expression}")
        } else {
            expression.to_owned()
        };
        let schedule = cron::Schedule::from_str(&full).map_err(|e| ScheduleError {
            name: name.to_owned(),
            expression: expression.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(ScheduleEntry {
            name: name.to_owned(),
            schedule,
            grace,
            make,
        })
    }

    /// The latest slot at or before `now` and within the grace period, if any.
    pub fn due_slot(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&(now - self.grace))
            .take_while(|slot| *slot <= now)
            .last()
    }
}

/// Starts every due run not started yet; returns the ids of the jobs this call started.
pub async fn tick(
    jobs: &dyn JobStore,
    entries: &[ScheduleEntry],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut started = Vec::new();
    for entry in entries {
        let Some(slot) = entry.due_slot(now) else {
            continue;
        };
        let day = slot.date_naive();
        let job = (entry.make)(day, now);
        if let Some(id) = jobs.start_scheduled(&entry.name, day, &job).await? {
            tracing::info!(schedule = %entry.name, %day, job_id = %id, "scheduled run started");
            started.push(id);
        }
    }
    Ok(started)
}

/// The default schedules: daily batch at 02:00 UTC, retention at 04:30 UTC.
pub fn default_entries(batch: &str, retention: &str) -> Result<Vec<ScheduleEntry>, ScheduleError> {
    Ok(vec![
        ScheduleEntry::parse(
            "daily-analytics-batch",
            batch,
            Duration::hours(6),
            super::daily_batch_job,
        )?,
        ScheduleEntry::parse(
            "retention-cleanup",
            retention,
            Duration::hours(1),
            super::retention_job,
        )?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).single().unwrap()
    }

    #[test]
    fn a_slot_is_due_within_its_grace_only() {
        let entries = default_entries("0 2 * * *", "30 4 * * *").unwrap();
        let batch = &entries[0];
        assert_eq!(batch.due_slot(at(1, 59)), None);
        assert_eq!(batch.due_slot(at(2, 0)), Some(at(2, 0)));
        assert_eq!(batch.due_slot(at(7, 59)), Some(at(2, 0)));
        assert_eq!(batch.due_slot(at(8, 1)), None);
        let retention = &entries[1];
        assert_eq!(retention.due_slot(at(5, 0)), Some(at(4, 30)));
        assert_eq!(retention.due_slot(at(5, 31)), None);
    }

    #[test]
    fn bad_expressions_are_refused() {
        assert!(default_entries("0 25 * * *", "30 4 * * *").is_err());
        assert!(default_entries("nonsense", "30 4 * * *").is_err());
    }
}
