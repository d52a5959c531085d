//! Retries of one logical call (`integration.md` 6.1-6.2): 3 attempts, backoff
//! `base x 2^(n-1)` (1 s, 2 s) times a uniform jitter in [0.8, 1.2], each attempt limited to
//! 5 s. A `Retry-After` of at most the attempt timeout replaces the backoff; a longer one
//! ends the retries.

use std::time::Duration;

/// Attempts, backoff and timeouts of one upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub attempt_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            backoff_base: Duration::from_millis(1_000),
            attempt_timeout: Duration::from_millis(5_000),
            connect_timeout: Duration::from_millis(2_000),
        }
    }
}

/// Lowest and highest jitter factor (decided in `integration.md` 6.2).
pub const JITTER: (f64, f64) = (0.8, 1.2);

impl RetryPolicy {
    /// The pause before attempt `next` (2 = the first retry); `unit` is a uniform draw in
    /// [0, 1) that becomes the jitter factor.
    pub fn backoff(&self, next: u32, unit: f64) -> Duration {
        let exponent = next.saturating_sub(2).min(16);
        let base = self.backoff_base.saturating_mul(1u32 << exponent);
        let factor = JITTER.0 + (JITTER.1 - JITTER.0) * unit.clamp(0.0, 1.0);
        base.mul_f64(factor)
    }

    /// The pause before attempt `next`, honouring `Retry-After`; `None` ends the retries.
    pub fn pause(&self, next: u32, retry_after: Option<Duration>, unit: f64) -> Option<Duration> {
        if next > self.max_attempts {
            return None;
        }
        match retry_after {
            Some(after) if after > self.attempt_timeout => None,
            Some(after) => Some(after),
            None => Some(self.backoff(next, unit)),
        }
    }
}

/// A uniform draw in [0, 1) for the jitter.
pub fn jitter_unit() -> f64 {
    rand::random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_the_jitter_band() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2, 0.5), Duration::from_millis(1_000));
        assert_eq!(p.backoff(3, 0.5), Duration::from_millis(2_000));
        assert_eq!(p.backoff(2, 0.0), Duration::from_millis(800));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(2_400));
        for _ in 0..100 {
            let d = p.backoff(2, jitter_unit());
            assert!(d >= Duration::from_millis(800) && d <= Duration::from_millis(1_200));
        }
    }

    #[test]
    fn three_attempts_at_most_and_retry_after_rules() {
        let p = RetryPolicy::default();
        assert!(p.pause(3, None, 0.5).is_some());
        assert_eq!(p.pause(4, None, 0.5), None);
        assert_eq!(
            p.pause(2, Some(Duration::from_secs(3)), 0.5),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.pause(2, Some(Duration::from_secs(6)), 0.5), None);
    }
}
