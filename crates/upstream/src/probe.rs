//! The background health probe of `integration.md` 10.1: every `interval` (60 s by default,
//! `LA_UPSTREAM_PROBE_SECONDS`), each http upstream gets one `GET <base>/health` with a 2 s
//! timeout; any HTTP answer (even 404) proves reachability. Mock upstreams are skipped.
//! Results go to each transport's last probe, which the health rule, I1/I2, `/api/health`
//! and `upstream_health_status` read. Probes never touch the breakers: an unreachable
//! upstream shows as `unhealthy` without opening its circuit.

use crate::collector::Upstreams;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Default probe interval and timeout (`integration.md` 10.1, 11 `HEALTH_PROBE_INTERVAL_S`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The running probe task; stop it with [`Prober::shutdown`].
#[derive(Debug)]
pub struct Prober {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    upstreams: Arc<Upstreams>,
}

impl Prober {
    /// Starts probing at once and then every `interval`; `None` when there is nothing to
    /// probe (no http upstream) or `interval` is zero (probing disabled).
    pub fn start(upstreams: Arc<Upstreams>, interval: Duration, timeout: Duration) -> Option<Self> {
        if interval.is_zero() || !upstreams.has_http() {
            return None;
        }
        upstreams.set_probe_interval(Some(interval));
        let (stop, mut stopped) = watch::channel(false);
        let probed = upstreams.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            // A slow round (timeouts) delays the next one instead of bunching them.
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = ticks.tick() => {}
                }
                let results = tokio::select! {
                    _ = stopped.changed() => break,
                    results = probed.probe_all(timeout) => results,
                };
                for (service, probe) in results {
                    if !probe.reachable {
                        tracing::warn!(
                            service = service.slug(),
                            error = probe.error.as_deref().unwrap_or(""),
                            "upstream health probe failed"
                        );
                    }
                }
            }
        });
        Some(Prober {
            stop,
            task,
            upstreams,
        })
    }

    /// Stops the task (a round in flight is abandoned: probes change nothing but the last
    /// probe) and waits for it.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.upstreams.set_probe_interval(None);
    }
}
