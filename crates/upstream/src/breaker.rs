//! The circuit breaker of `integration.md` 6.3: one per upstream per instance, in memory.
//!
//! CLOSED counts consecutive failed logical calls; the `failure_threshold`-th (5) opens it for
//! `open_for` (30 s). The first call at or after that moves it to HALF_OPEN and is the single
//! probe (one attempt, no retries); other calls meanwhile are short-circuited. A successful
//! probe closes it; a failed one counts a half-open failure, and at `half_open_max_failures`
//! (3, spec 6.3; 1 means "a failed probe re-opens at once") it opens again for `open_for`.
//! Below that the next call is the next probe.

use crate::clock::Clock;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The breaker's numbers (`integration.md` 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub failure_threshold: u32,
    pub open_for: Duration,
    pub half_open_max_failures: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_for: Duration::from_secs(30),
            half_open_max_failures: 3,
        }
    }
}

/// The state as reported (`upstream_circuit_state`: 0 closed, 1 half-open, 2 open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BreakerState {
    Closed,
    HalfOpen,
    Open,
}

impl BreakerState {
    pub fn gauge(self) -> u8 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool, failures: u32 },
}

/// How a call may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A normal call (retries allowed).
    Normal,
    /// The half-open probe: a single attempt, no retries.
    Probe,
}

/// Counters of state changes, for the status snapshot and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transitions {
    /// Entries into OPEN (`circuitBreakerTrips`).
    pub trips: u64,
    pub to_half_open: u64,
    pub to_closed: u64,
    /// Calls refused without reaching the upstream.
    pub short_circuited: u64,
}

/// A point-in-time view of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakerSnapshot {
    pub state: BreakerState,
    /// Consecutive failed calls while closed.
    pub failure_count: u32,
    pub half_open_failures: u32,
    /// Time left until a probe is allowed, while open.
    #[serde(skip)]
    pub retry_in: Option<Duration>,
    pub transitions: Transitions,
}

#[derive(Debug)]
struct Shared {
    inner: Inner,
    transitions: Transitions,
}

/// A circuit breaker; cloning shares the state.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    shared: Arc<Mutex<Shared>>,
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        CircuitBreaker {
            config,
            clock,
            shared: Arc::new(Mutex::new(Shared {
                inner: Inner::Closed { failures: 0 },
                transitions: Transitions::default(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        // A poisoned lock only means another thread panicked mid-update of plain counters.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks to make a call; `None` means short-circuited (do not touch the upstream).
    pub fn admit(&self) -> Option<Admission> {
        let now = self.clock.now();
        let mut s = self.lock();
        match s.inner {
            Inner::Closed { .. } => Some(Admission::Normal),
            Inner::Open { until } if now >= until => {
                s.inner = Inner::HalfOpen {
                    probing: true,
                    failures: 0,
                };
                s.transitions.to_half_open += 1;
                Some(Admission::Probe)
            }
            Inner::HalfOpen {
                probing: false,
                failures,
            } => {
                s.inner = Inner::HalfOpen {
                    probing: true,
                    failures,
                };
                Some(Admission::Probe)
            }
            Inner::Open { .. } | Inner::HalfOpen { probing: true, .. } => {
                s.transitions.short_circuited += 1;
                None
            }
        }
    }

    /// The call (or probe) succeeded: closed, counters reset.
    pub fn on_success(&self) {
        let mut s = self.lock();
        if !matches!(s.inner, Inner::Closed { .. }) {
            s.transitions.to_closed += 1;
        }
        s.inner = Inner::Closed { failures: 0 };
    }

    /// The call (after its retries) or the probe failed.
    pub fn on_failure(&self) {
        let now = self.clock.now();
        let mut s = self.lock();
        let open = Inner::Open {
            until: now + self.config.open_for,
        };
        match s.inner {
            Inner::Closed { failures } => {
                let failures = failures + 1;
                if failures >= self.config.failure_threshold {
                    s.inner = open;
                    s.transitions.trips += 1;
                } else {
                    s.inner = Inner::Closed { failures };
                }
            }
            Inner::HalfOpen { failures, .. } => {
                let failures = failures + 1;
                if failures >= self.config.half_open_max_failures {
                    s.inner = open;
                    s.transitions.trips += 1;
                } else {
                    s.inner = Inner::HalfOpen {
                        probing: false,
                        failures,
                    };
                }
            }
            // A call admitted before another one opened the breaker: already open.
            Inner::Open { .. } => {}
        }
    }

    /// A call that ended without a verdict on the upstream's health (e.g. cancelled by its
    /// deadline before an answer): frees the probe slot without counting.
    pub fn on_abandoned(&self) {
        let mut s = self.lock();
        if let Inner::HalfOpen { failures, .. } = s.inner {
            s.inner = Inner::HalfOpen {
                probing: false,
                failures,
            };
        }
    }

    /// Back to CLOSED with every counter of the state at zero (`api.md` I5); transition
    /// counters are kept (they are metrics).
    pub fn reset(&self) {
        let mut s = self.lock();
        if !matches!(s.inner, Inner::Closed { .. }) {
            s.transitions.to_closed += 1;
        }
        s.inner = Inner::Closed { failures: 0 };
    }

    pub fn snapshot(&self) -> BreakerSnapshot {
        let now = self.clock.now();
        let s = self.lock();
        let (state, failure_count, half_open_failures, retry_in) = match s.inner {
            Inner::Closed { failures } => (BreakerState::Closed, failures, 0, None),
            Inner::Open { until } => (
                BreakerState::Open,
                0,
                0,
                Some(until.saturating_duration_since(now)),
            ),
            Inner::HalfOpen { failures, .. } => (BreakerState::HalfOpen, 0, failures, None),
        };
        BreakerSnapshot {
            state,
            failure_count,
            half_open_failures,
            retry_in,
            transitions: s.transitions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn breaker(half_open_max_failures: u32) -> (CircuitBreaker, ManualClock) {
        let clock = ManualClock::default();
        let config = BreakerConfig {
            half_open_max_failures,
            ..BreakerConfig::default()
        };
        (CircuitBreaker::new(config, Arc::new(clock.clone())), clock)
    }

    fn fail(b: &CircuitBreaker, n: usize) {
        for _ in 0..n {
            assert_eq!(b.admit(), Some(Admission::Normal));
            b.on_failure();
        }
    }

    #[test]
    fn opens_on_the_fifth_consecutive_failure_only() {
        let (b, _) = breaker(3);
        fail(&b, 4);
        assert_eq!(b.snapshot().state, BreakerState::Closed);
        assert_eq!(b.snapshot().failure_count, 4);
        // A success in between resets the count.
        b.on_success();
        fail(&b, 4);
        assert_eq!(b.snapshot().state, BreakerState::Closed);
        fail(&b, 1);
        let snap = b.snapshot();
        assert_eq!(snap.state, BreakerState::Open);
        assert_eq!(snap.transitions.trips, 1);
        assert_eq!(snap.retry_in, Some(Duration::from_secs(30)));
    }

    #[test]
    fn open_short_circuits_until_the_open_period_ends_then_one_probe_closes_it() {
        let (b, clock) = breaker(3);
        fail(&b, 5);
        assert_eq!(b.admit(), None);
        clock.advance(Duration::from_millis(29_999));
        assert_eq!(b.admit(), None);
        clock.advance(Duration::from_millis(1));
        assert_eq!(b.admit(), Some(Admission::Probe));
        assert_eq!(b.snapshot().state, BreakerState::HalfOpen);
        // Only one probe in flight.
        assert_eq!(b.admit(), None);
        b.on_success();
        let snap = b.snapshot();
        assert_eq!(snap.state, BreakerState::Closed);
        assert_eq!(snap.failure_count, 0);
        assert_eq!(snap.transitions.to_half_open, 1);
        assert_eq!(snap.transitions.to_closed, 1);
        assert_eq!(snap.transitions.short_circuited, 3);
        assert_eq!(b.admit(), Some(Admission::Normal));
    }

    #[test]
    fn failed_probes_reopen_after_the_half_open_limit() {
        let (b, clock) = breaker(3);
        fail(&b, 5);
        clock.advance(Duration::from_secs(30));
        for n in 1..=2 {
            assert_eq!(b.admit(), Some(Admission::Probe));
            b.on_failure();
            let snap = b.snapshot();
            assert_eq!(snap.state, BreakerState::HalfOpen);
            assert_eq!(snap.half_open_failures, n);
        }
        assert_eq!(b.admit(), Some(Admission::Probe));
        b.on_failure();
        let snap = b.snapshot();
        assert_eq!(snap.state, BreakerState::Open);
        assert_eq!(snap.transitions.trips, 2);
        assert_eq!(b.admit(), None);
    }

    #[test]
    fn with_a_limit_of_one_a_failed_probe_reopens_at_once() {
        let (b, clock) = breaker(1);
        fail(&b, 5);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.admit(), Some(Admission::Probe));
        b.on_failure();
        assert_eq!(b.snapshot().state, BreakerState::Open);
        assert_eq!(b.admit(), None);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.admit(), Some(Admission::Probe));
    }

    #[test]
    fn reset_closes_and_clears_the_state() {
        let (b, _) = breaker(3);
        fail(&b, 5);
        b.reset();
        let snap = b.snapshot();
        assert_eq!(snap.state, BreakerState::Closed);
        assert_eq!(snap.failure_count, 0);
        assert_eq!(b.admit(), Some(Admission::Normal));
    }

    #[test]
    fn an_abandoned_probe_frees_the_slot() {
        let (b, clock) = breaker(3);
        fail(&b, 5);
        clock.advance(Duration::from_secs(30));
        assert_eq!(b.admit(), Some(Admission::Probe));
        b.on_abandoned();
        assert_eq!(b.admit(), Some(Admission::Probe));
    }
}
