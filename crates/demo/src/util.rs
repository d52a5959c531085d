//! Small helpers: seed derivation, distributions and calendar arithmetic.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use la_domain::ids::IdKind;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

pub(crate) type Ts = DateTime<Utc>;

/// Independent random streams. Each part of the data draws from its own stream so that
/// adding draws in one place never shifts the values of another.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Organisation = 1,
    Catalogue = 2,
    Staff = 3,
    Learner = 4,
}

/// The SplitMix64 finaliser: a cheap bijective mixer with good avalanche, used to turn
/// structured inputs (seed, stream, indices) into unrelated seeds.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator that depends only on `seed`, the stream and `parts` (e.g. org and learner
/// index). Per-learner generators are what make chunked generation equal to one-shot
/// generation: no learner's data depends on how many draws came before it.
pub(crate) fn rng_for(seed: u64, stream: Stream, parts: &[u64]) -> ChaCha8Rng {
    let mut h = mix64(seed ^ mix64(stream as u64));
    for part in parts {
        h = mix64(h ^ part.wrapping_mul(0xA24B_AED4_963E_E407));
    }
    ChaCha8Rng::seed_from_u64(h)
}

/// Mints the id of a high-volume row (sessions, attempts, ...) from a readable key such as
/// `demo-ss-0-000042-7`: the same UUID as `<Kind>Id::from_external(key)`, without its
/// validation (our keys are always valid and never UUIDs themselves).
pub(crate) fn mint_id(kind: IdKind, key: &str) -> Uuid {
    Uuid::new_v5(&kind.namespace(), key.as_bytes())
}

/// A uniform value in [0, 1) from a 64-bit hash.
pub(crate) fn unit_from_hash(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The `n`-th point of an additive (Weyl) low-discrepancy sequence with step `alpha` and a
/// seed-dependent offset. Quotas assigned through it (archetypes, team sizes) come out
/// within one of their exact share for any prefix, unlike independent draws.
pub(crate) fn weyl(n: usize, alpha: f64, offset: f64) -> f64 {
    (offset + n as f64 * alpha).fract()
}

/// Draws built on 32-bit outputs. Their resolution is ample for a simulation, and they use
/// half the generator output of rand's 64-bit `random_bool`/float sampling: ChaCha block
/// generation is the largest cost of generating in a debug build.
pub(crate) trait Draw {
    /// A uniform value in [0, 1).
    fn unit(&mut self) -> f64;

    /// `true` with probability `p` (always draws, so the stream does not depend on `p`).
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform value in [lo, hi).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

impl Draw for ChaCha8Rng {
    fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) * (1.0 / 4_294_967_296.0)
    }
}

/// A normal draw (Box-Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    // 1 - unit is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An index drawn with probability proportional to `weights` (which must not all be 0).
pub(crate) fn weighted_index(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// `value` rounded to one decimal place (percentages on the wire).
pub(crate) fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Whole minutes, as a duration.
pub(crate) fn minutes(m: f64) -> Duration {
    Duration::seconds((m * 60.0).round() as i64)
}

/// Midnight UTC at the start of `date`.
pub(crate) fn day_start(date: NaiveDate) -> Ts {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

/// The first day of the calendar quarter holding `date`.
pub(crate) fn quarter_start(date: NaiveDate) -> NaiveDate {
    let month = (date.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(date.year(), month, 1).expect("valid quarter start")
}

/// The last day of the calendar quarter holding `date`.
pub(crate) fn quarter_end(date: NaiveDate) -> NaiveDate {
    let start = quarter_start(date);
    let (year, month) = if start.month() == 10 {
        (start.year() + 1, 1)
    } else {
        (start.year(), start.month() + 3)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("valid quarter") - Duration::days(1)
}

/// A period label such as `2026-Q1`.
pub(crate) fn quarter_label(date: NaiveDate) -> String {
    format!("{}-Q{}", date.year(), date.month0() / 3 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_cover_the_calendar() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            quarter_start(d),
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
        );
        assert_eq!(
            quarter_end(d),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(quarter_label(d), "2026-Q4");
        let d = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        assert_eq!(
            quarter_end(d),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
    }

    #[test]
    fn minted_ids_equal_domain_external_ids() {
        use la_domain::ids::{AttemptId, SessionId};
        let key = "demo-ss-0-000042-7";
        assert_eq!(
            SessionId(mint_id(IdKind::Session, key)),
            SessionId::from_external(key).unwrap()
        );
        assert_eq!(
            AttemptId(mint_id(IdKind::AssessmentAttempt, key)),
            AttemptId::from_external(key).unwrap()
        );
    }

    #[test]
    fn weyl_quotas_are_close_to_exact() {
        let n = 300;
        let below = (0..n)
            .filter(|i| weyl(*i, 0.618_033_988_749_895, 0.3) < 0.2)
            .count();
        assert!((58..=62).contains(&below), "{below}");
    }

    #[test]
    fn derived_generators_differ_per_part_and_repeat_per_input() {
        use rand::Rng;
        let a: u64 = rng_for(1, Stream::Learner, &[0, 5]).random();
        let b: u64 = rng_for(1, Stream::Learner, &[0, 6]).random();
        let c: u64 = rng_for(1, Stream::Learner, &[0, 5]).random();
        assert_ne!(a, b);
        assert_eq!(a, c);
    }
}
