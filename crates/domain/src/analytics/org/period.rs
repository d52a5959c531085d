//! Periods of the organisation analytics.
//!
//! - [`Quarter`]: AS-003.11 is quarter-based (decision 12): the current calendar quarter by
//!   default, the previous quarter and the same quarter a year earlier for its trends.
//!   Quarter boundaries are calendar days in the clock's timezone (the organisation's, UTC
//!   when unknown), labelled `"2026-Q2"` on the wire **(decided here)**.
//! - [`Span`]: AS-003.12 … AS-003.14 take a date range, `start = now − window`, `end = now`
//!   (decision 12), or explicit `start`/`end`; half open `[start, end)`.

use crate::analytics::common::{Clock, Window, day_start};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    /// 1 ..= 4
    quarter: u32,
}

impl Quarter {
    /// `None` unless `quarter` is 1 to 4 and the year is a plausible calendar year.
    pub fn new(year: i32, quarter: u32) -> Option<Self> {
        ((1..=4).contains(&quarter) && (1..=9998).contains(&year))
            .then_some(Quarter { year, quarter })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn quarter(self) -> u32 {
        self.quarter
    }

    /// The quarter a calendar day belongs to.
    pub fn containing(date: NaiveDate) -> Self {
        Quarter {
            year: date.year(),
            quarter: (date.month() - 1) / 3 + 1,
        }
    }

    /// The quarter of today in the clock's calendar.
    pub fn current(clock: &Clock) -> Self {
        Quarter::containing(clock.today())
    }

    /// Parses `"2026-Q2"` (case-insensitive `q`).
    pub fn parse(value: &str) -> Option<Self> {
        let (year, quarter) = value.trim().split_once('-')?;
        let quarter = quarter.strip_prefix(['Q', 'q'])?;
        Quarter::new(year.parse().ok()?, quarter.parse().ok()?)
    }

    /// `"2026-Q2"`.
    pub fn label(self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }

    pub fn previous(self) -> Self {
        if self.quarter == 1 {
            Quarter {
                year: self.year - 1,
                quarter: 4,
            }
        } else {
            Quarter {
                year: self.year,
                quarter: self.quarter - 1,
            }
        }
    }

    /// The same quarter one year earlier.
    pub fn year_before(self) -> Self {
        Quarter {
            year: self.year - 1,
            quarter: self.quarter,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.quarter - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first day of the next quarter (exclusive end).
    pub fn end_day(self) -> NaiveDate {
        let (year, month) = if self.quarter == 4 {
            (self.year + 1, 1)
        } else {
            (self.year, self.quarter * 3 + 1)
        };
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
    }

    /// The `(year, month)` of the quarter's three months.
    pub fn months(self) -> [(i32, u32); 3] {
        let first = (self.quarter - 1) * 3 + 1;
        [
            (self.year, first),
            (self.year, first + 1),
            (self.year, first + 2),
        ]
    }

    /// The whole quarter as instants, `[first day 00:00, next quarter 00:00)` in `tz`.
    pub fn span(self, tz: Tz) -> Span {
        Span::new(
            day_start(tz, self.first_day()),
            day_start(tz, self.end_day()),
        )
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

/// A half-open range of instants `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    /// An inverted range becomes the empty range at `start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// `[now − window, now)` (decision 12).
    pub fn from_window(clock: &Clock, window: Window) -> Self {
        Span::new(clock.now - Duration::days(window.days()), clock.now)
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }

    /// Length in days (fractional).
    pub fn days(&self) -> f64 {
        (self.end - self.start).num_seconds() as f64 / 86_400.0
    }

    /// This span cut at `end` (no later than its own end).
    pub fn until(&self, end: DateTime<Utc>) -> Span {
        Span::new(self.start, end.min(self.end))
    }

    /// The ends of three equal consecutive sub-periods (AS-003.13 trend).
    pub fn thirds(&self) -> [DateTime<Utc>; 3] {
        let third = (self.end - self.start) / 3;
        [self.start + third, self.start + third * 2, self.end]
    }

    /// The range as calendar days for output.
    pub fn date_range(&self, clock: &Clock) -> DateRange {
        DateRange {
            start: clock.local_date(self.start),
            end: clock.local_date(self.end),
        }
    }
}

/// `dateRange {start, end}` of the outputs, calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The first instant of a calendar month in `tz`.
pub fn month_start(tz: Tz, year: i32, month: u32) -> DateTime<Utc> {
    day_start(
        tz,
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN),
    )
}

/// The `(year, month)` `offset` months after `(year, month)` (negative: before).
pub fn add_months(year: i32, month: u32, offset: i32) -> (i32, u32) {
    let index = year * 12 + month as i32 - 1 + offset;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quarters_parse_label_and_step() {
        let q = Quarter::parse("2026-q2").unwrap();
        assert_eq!(q.label(), "2026-Q2");
        assert_eq!(q.previous().label(), "2026-Q1");
        assert_eq!(q.previous().previous().label(), "2025-Q4");
        assert_eq!(q.year_before().label(), "2025-Q2");
        assert_eq!(Quarter::parse("2026-Q5"), None);
        assert_eq!(Quarter::parse("2026"), None);
        assert_eq!(q.first_day(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(q.end_day(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        let q4 = Quarter::new(2025, 4).unwrap();
        assert_eq!(q4.end_day(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(q4.months(), [(2025, 10), (2025, 11), (2025, 12)]);
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            serde_json::json!("2026-Q2")
        );
    }

    #[test]
    fn current_quarter_follows_the_clock_calendar() {
        // 2026-07-01 01:00 UTC is still 30 June in New York: Q2 there, Q3 in UTC.
        let now = Utc.with_ymd_and_hms(2026, 7, 1, 1, 0, 0).unwrap();
        assert_eq!(Quarter::current(&Clock::utc(now)).label(), "2026-Q3");
        let ny = Clock::in_zone(now, Some("America/New_York"));
        assert_eq!(Quarter::current(&ny).label(), "2026-Q2");
    }

    #[test]
    fn spans_are_half_open_and_split_in_thirds() {
        let now = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        let span = Span::from_window(&Clock::utc(now), Window::Days30);
        assert!(span.contains(now - Duration::days(30)));
        assert!(!span.contains(now));
        assert_eq!(span.days(), 30.0);
        assert_eq!(span.thirds()[0], now - Duration::days(20));
        assert_eq!(span.thirds()[2], now);
        let inverted = Span::new(now, now - Duration::days(1));
        assert_eq!(inverted.days(), 0.0);
        assert_eq!(add_months(2026, 1, -1), (2025, 12));
        assert_eq!(add_months(2026, 12, 1), (2027, 1));
        assert_eq!(add_months(2026, 6, -11), (2025, 7));
    }
}
