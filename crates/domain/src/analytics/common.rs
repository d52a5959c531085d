//! Numeric and calendar building blocks shared by every analytic (`analytics.md` 0.2-0.3).
//!
//! Conventions: intermediate values are never rounded, only output fields (decision 13);
//! `x / 0` is `None` unless a fallback is stated; rounding is half away from zero.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// k-anonymity threshold: 10 distinct users, subject excluded (`analytics.md` 7.1).
pub const K: usize = 10;

/// Rounds half away from zero to `dp` decimal places (`f64::round` rounds half away from
/// zero; the tiny bias term keeps values such as 0.285 = 0.28499… from rounding down).
pub fn round_dp(x: f64, dp: u32) -> f64 {
    let factor = 10f64.powi(dp as i32);
    let scaled = x * factor;
    let nudged = scaled + scaled.signum() * scaled.abs() * f64::EPSILON * 4.0;
    let rounded = nudged.round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// Rounds half away from zero to an integer (composite indices).
pub fn round_int(x: f64) -> i64 {
    round_dp(x, 0) as i64
}

/// `num / den`, `None` when the denominator is zero (or either is not finite).
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    (den != 0.0 && num.is_finite() && den.is_finite()).then(|| num / den)
}

/// `num / den * 100`, `None` when the denominator is zero.
pub fn pct(num: f64, den: f64) -> Option<f64> {
    ratio(num, den).map(|r| r * 100.0)
}

pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Population standard deviation; `None` for no values.
pub fn std_pop(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    Some((values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt())
}

/// Quantile `q` in [0, 1] with linear interpolation (`percentile_cont`); `None` for no values.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = clamp(q, 0.0, 1.0) * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    Some(sorted[lower] + (sorted[upper] - sorted[lower]) * fraction)
}

pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// Percentile rank `(count(g < v) + 0.5 * count(g = v)) / |G| * 100`, as an integer; the
/// group must already exclude the subject. `None` for an empty group.
pub fn percentile_rank(value: f64, group: &[f64]) -> Option<i64> {
    if group.is_empty() {
        return None;
    }
    let below = group.iter().filter(|g| **g < value).count() as f64;
    let equal = group.iter().filter(|g| **g == value).count() as f64;
    Some(round_int(
        (below + 0.5 * equal) / group.len() as f64 * 100.0,
    ))
}

/// Least squares of `y` on `x = 0..n-1`: `(slope, r_squared)`. `None` below two points.
/// A flat series has slope 0 and R² 0 (nothing to explain).
pub fn ols(ys: &[f64]) -> Option<(f64, f64)> {
    let xs: Vec<f64> = (0..ys.len()).map(|i| i as f64).collect();
    ols_xy(&xs, ys)
}

/// Least squares of `y` on `x`: `(slope, r_squared)`; `None` below two points or when all
/// `x` are equal.
pub fn ols_xy(xs: &[f64], ys: &[f64]) -> Option<(f64, f64)> {
    let n = xs.len().min(ys.len());
    if n < 2 {
        return None;
    }
    let (xs, ys) = (&xs[..n], &ys[..n]);
    let mx = mean(xs)?;
    let my = mean(ys)?;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_tot: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    let ss_res: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| (y - (intercept + slope * x)).powi(2))
        .sum();
    let r2 = if ss_tot == 0.0 {
        0.0
    } else {
        clamp(1.0 - ss_res / ss_tot, 0.0, 1.0)
    };
    Some((slope, r2))
}

/// The value of the least-squares line of `ys` (on `x = 0..n-1`) at `x`.
pub fn ols_predict(ys: &[f64], x: f64) -> Option<f64> {
    let (slope, _) = ols(ys)?;
    let mx = (ys.len() - 1) as f64 / 2.0;
    Some(mean(ys)? + slope * (x - mx))
}

/// Pearson correlation; `None` if `n < 3` or either variance is 0.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n < 3 {
        return None;
    }
    let (xs, ys) = (&xs[..n], &ys[..n]);
    let mx = mean(xs)?;
    let my = mean(ys)?;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    Some(clamp(sxy / (sxx * syy).sqrt(), -1.0, 1.0))
}

/// Paired Cohen's d over `(pre, post)` pairs: `mean(d) / sd_pop(d)` with `d = post - pre`;
/// 0 if the deviation is 0; `None` below two pairs.
pub fn paired_cohens_d(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 2 {
        return None;
    }
    let deltas: Vec<f64> = pairs.iter().map(|(pre, post)| post - pre).collect();
    let sd = std_pop(&deltas)?;
    if sd == 0.0 {
        return Some(0.0);
    }
    Some(mean(&deltas)? / sd)
}

/// The growth label of `analytics.md` 0.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Growth {
    Growing,
    Stable,
    Declining,
}

/// `g = (recent - earlier) / earlier * 100`; `None` when `earlier` is 0.
pub fn growth_pct(recent: f64, earlier: f64) -> Option<f64> {
    pct(recent - earlier, earlier)
}

/// `g > 10` growing, `g < -10` declining, else stable; `earlier = 0`: growing if
/// `recent > 0`, else stable.
pub fn growth_label(recent: f64, earlier: f64) -> Growth {
    match growth_pct(recent, earlier) {
        Some(g) if g > 10.0 => Growth::Growing,
        Some(g) if g < -10.0 => Growth::Declining,
        Some(_) => Growth::Stable,
        None if recent > 0.0 => Growth::Growing,
        None => Growth::Stable,
    }
}

/// The `window` query parameter of the role analytics (`api.md` 1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Window {
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "90d")]
    Days90,
}

impl Window {
    pub fn days(self) -> i64 {
        match self {
            Window::Days7 => 7,
            Window::Days30 => 30,
            Window::Days90 => 90,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Days7 => "7d",
            Window::Days30 => "30d",
            Window::Days90 => "90d",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Window::Days7, Window::Days30, Window::Days90]
            .into_iter()
            .find(|w| w.as_str() == value)
    }
}

/// The instant and calendar an analytic is computed in. `now` is a parameter, never read
/// from a clock, so every computation is reproducible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub now: DateTime<Utc>,
    /// The subject's timezone (UTC when unknown) for calendar days (decision 13).
    pub tz: Tz,
}

impl Clock {
    pub fn utc(now: DateTime<Utc>) -> Self {
        Clock { now, tz: Tz::UTC }
    }

    /// A clock in the named IANA timezone, falling back to UTC for unknown names.
    pub fn in_zone(now: DateTime<Utc>, tz: Option<&str>) -> Self {
        Clock {
            now,
            tz: parse_tz(tz),
        }
    }

    /// The subject's calendar day of `ts`.
    pub fn local_date(&self, ts: DateTime<Utc>) -> NaiveDate {
        ts.with_timezone(&self.tz).date_naive()
    }

    /// Today in the subject's calendar.
    pub fn today(&self) -> NaiveDate {
        self.local_date(self.now)
    }

    /// Whether `ts` lies in the last `days` days: `[now - days*24h, now)` (`analytics.md` 0.2).
    pub fn within_last_days(&self, ts: DateTime<Utc>, days: i64) -> bool {
        ts >= self.now - Duration::days(days) && ts < self.now
    }

    /// Whether `ts` lies in `[now - to_days*24h, now - from_days*24h)`: e.g. days 8-14 are
    /// `between_days_ago(ts, 7, 14)`.
    pub fn between_days_ago(&self, ts: DateTime<Utc>, from_days: i64, to_days: i64) -> bool {
        ts >= self.now - Duration::days(to_days) && ts < self.now - Duration::days(from_days)
    }

    /// Whole days from `ts` to now (floor; 0 for the future).
    pub fn days_since(&self, ts: DateTime<Utc>) -> i64 {
        (self.now - ts).num_days().max(0)
    }
}

/// An IANA timezone name, UTC when absent or unknown.
pub fn parse_tz(name: Option<&str>) -> Tz {
    name.and_then(|n| n.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}

/// The UTC instant a calendar day starts in a timezone.
pub fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        // A day whose midnight is skipped by a DST jump starts an hour later.
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// Instants in analytics output (`api.md` 1.1: "RFC 3339 UTC with `Z`, second or millisecond
/// precision"). serde's default for `DateTime<Utc>` writes every nanosecond, which the wire
/// format does not allow; use with `#[serde(serialize_with = "wire_ts::serialize")]`.
/// Whole seconds keep the short form (`…:00Z`), anything finer is cut to milliseconds.
pub mod wire_ts {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::Serializer;

    pub fn format(ts: &DateTime<Utc>) -> String {
        let precision = if ts.timestamp_subsec_millis() == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        ts.to_rfc3339_opts(precision, true)
    }

    pub fn serialize<S: Serializer>(ts: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_timestamps_have_second_or_millisecond_precision() {
        let nanos = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
            + Duration::nanoseconds(306_442_123);
        assert_eq!(wire_ts::format(&nanos), "2026-06-15T12:00:00.306Z");
        let whole = Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap();
        assert_eq!(wire_ts::format(&whole), "2026-06-15T12:00:00Z");
        // Below a millisecond counts as a whole second.
        assert_eq!(
            wire_ts::format(&(whole + Duration::nanoseconds(999))),
            "2026-06-15T12:00:00Z"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_dp(2.25, 1), 2.3);
        assert_eq!(round_dp(-2.25, 1), -2.3);
        assert_eq!(round_dp(0.285, 2), 0.29);
        assert_eq!(round_dp(42.857142, 1), 42.9);
        assert_eq!(round_int(85.5), 86);
        assert_eq!(round_int(-0.4), 0);
    }

    #[test]
    fn zero_denominators_give_none() {
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(pct(1.0, 4.0), Some(25.0));
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn quantiles_interpolate_linearly() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&v, 0.25), Some(1.75));
        assert_eq!(quantile(&[7.0], 0.9), Some(7.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn percentile_rank_counts_ties_half() {
        // 2 below, 1 equal of 4: (2 + 0.5) / 4 * 100 = 62.5 -> 63
        assert_eq!(percentile_rank(5.0, &[1.0, 2.0, 5.0, 9.0]), Some(63));
        assert_eq!(percentile_rank(5.0, &[]), None);
    }

    #[test]
    fn ols_fits_a_line() {
        let (slope, r2) = ols(&[1.0, 3.0, 5.0]).unwrap();
        assert!((slope - 2.0).abs() < 1e-12 && (r2 - 1.0).abs() < 1e-12);
        assert_eq!(ols(&[4.0, 4.0, 4.0]), Some((0.0, 0.0)));
        assert_eq!(ols(&[1.0]), None);
        assert!((ols_predict(&[1.0, 3.0, 5.0], 5.0).unwrap() - 11.0).abs() < 1e-12);
    }

    #[test]
    fn pearson_needs_three_points_and_variance() {
        assert_eq!(pearson(&[1.0, 2.0], &[1.0, 2.0]), None);
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cohens_d_of_paired_scores() {
        // deltas 10, 20: mean 15, sd_pop 5 -> 3
        assert_eq!(paired_cohens_d(&[(50.0, 60.0), (50.0, 70.0)]), Some(3.0));
        assert_eq!(paired_cohens_d(&[(50.0, 60.0), (40.0, 50.0)]), Some(0.0));
        assert_eq!(paired_cohens_d(&[(50.0, 60.0)]), None);
    }

    #[test]
    fn growth_labels_follow_the_ten_percent_band() {
        assert_eq!(growth_label(111.0, 100.0), Growth::Growing);
        assert_eq!(growth_label(110.0, 100.0), Growth::Stable);
        assert_eq!(growth_label(89.0, 100.0), Growth::Declining);
        assert_eq!(growth_label(1.0, 0.0), Growth::Growing);
        assert_eq!(growth_label(0.0, 0.0), Growth::Stable);
    }

    #[test]
    fn windows_and_calendar_days() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 1, 30, 0).unwrap();
        let clock = Clock::in_zone(now, Some("America/New_York"));
        // 01:30 UTC is still the 9th in New York.
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(Clock::in_zone(now, Some("Mars/Base")).tz, Tz::UTC);
        assert!(clock.within_last_days(now - Duration::days(7), 7));
        assert!(!clock.within_last_days(now, 7), "the window is open at now");
        assert!(clock.between_days_ago(now - Duration::days(10), 7, 14));
        assert_eq!(Window::parse("30d"), Some(Window::Days30));
        assert_eq!(Window::parse("31d"), None);
    }
}
