//! The semantic rules of one record (ranges, time order, clock skew), collected as field
//! errors rather than stopping at the first.

use super::FieldError;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How far in the future a pushed timestamp may lie: clocks of upstream systems drift, so a
/// few minutes are tolerated (decided here: 5 minutes).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Collects the errors of the record at `index`.
pub(crate) struct Checker<'a> {
    pub(crate) now: DateTime<Utc>,
    pub(crate) index: usize,
    pub(crate) errors: &'a mut Vec<FieldError>,
}

impl Checker<'_> {
    pub(crate) fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors
            .push(FieldError::record(self.index, field, reason.into()));
    }

    /// An event time: at most [`CLOCK_SKEW`] after `now`.
    pub(crate) fn past(&mut self, field: &str, ts: DateTime<Utc>) {
        if ts > self.now + CLOCK_SKEW {
            self.fail(field, "must not be in the future");
        }
    }

    pub(crate) fn opt_past(&mut self, field: &str, ts: Option<DateTime<Utc>>) {
        if let Some(ts) = ts {
            self.past(field, ts);
        }
    }

    /// A date of an observation (not a deadline): not after today (UTC, with the skew).
    pub(crate) fn past_date(&mut self, field: &str, date: NaiveDate) {
        if date > (self.now + CLOCK_SKEW).date_naive() {
            self.fail(field, "must not be in the future");
        }
    }

    /// `later` (named `field`) must not precede `earlier` (named `earlier_field`).
    pub(crate) fn not_before<T: PartialOrd>(
        &mut self,
        field: &str,
        later: Option<T>,
        earlier_field: &str,
        earlier: Option<T>,
    ) {
        if let (Some(later), Some(earlier)) = (later, earlier)
            && later < earlier
        {
            self.fail(field, format!("must not be before {earlier_field}"));
        }
    }

    pub(crate) fn range(&mut self, field: &str, value: f64, min: f64, max: f64) {
        if !(min..=max).contains(&value) {
            self.fail(field, format!("must be between {min} and {max}"));
        }
    }

    pub(crate) fn opt_range(&mut self, field: &str, value: Option<f64>, min: f64, max: f64) {
        if let Some(value) = value {
            self.range(field, value, min, max);
        }
    }

    pub(crate) fn pct(&mut self, field: &str, value: f64) {
        self.range(field, value, 0.0, 100.0);
    }

    pub(crate) fn non_negative(&mut self, field: &str, value: f64) {
        if value < 0.0 {
            self.fail(field, "must not be negative");
        }
    }

    pub(crate) fn opt_non_negative(&mut self, field: &str, value: Option<f64>) {
        if let Some(value) = value {
            self.non_negative(field, value);
        }
    }

    pub(crate) fn positive(&mut self, field: &str, value: f64) {
        if value <= 0.0 {
            self.fail(field, "must be greater than 0");
        }
    }

    pub(crate) fn int_range(&mut self, field: &str, value: i32, min: i32, max: i32) {
        if !(min..=max).contains(&value) {
            self.fail(field, format!("must be between {min} and {max}"));
        }
    }

    /// Free text that names something: not blank, at most `max` characters.
    pub(crate) fn name(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail(field, "must not be blank");
        } else if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
    }

    pub(crate) fn timezone(&mut self, field: &str, value: Option<&str>) {
        if let Some(tz) = value
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            self.fail(field, "must be an IANA time zone such as Europe/Berlin");
        }
    }
}

/// Longest accepted name or title (decided here; long enough for any real title).
pub const MAX_NAME: usize = 500;
/// Longest accepted free-text comment or reason (decided here).
pub const MAX_TEXT: usize = 10_000;
