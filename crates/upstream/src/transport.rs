//! One upstream's resilient HTTP transport: breaker (6.3) around retries (6.2) around
//! single attempts limited by a timeout (6.1) and a bulkhead (6.4), with the response
//! classification of `integration.md` 2.2.
//!
//! The breaker wraps the *logical* call: one failed call after its retries adds one failure.
//! Failures always reach the breaker; fallbacks happen outside, in the collector.

use crate::auth::ServiceToken;

impl TransportConfig {
    /// The `Authorization` header: the static token, else a minted JWT, else none.
    fn authorization(&self) -> Option<String> {
        match (&self.token, &self.minter) {
            (Some(token), _) => Some(token.header_value()),
            (None, Some(minter)) => minter.header_value(Utc::now().timestamp()),
            (None, None) => None,
        }
    }
}
use crate::breaker::{Admission, BreakerConfig, CircuitBreaker};
use crate::clock::Clock;
use crate::metrics::{EndpointMetrics, FallbackKind, Outcome};
use crate::retry::{RetryPolicy, jitter_unit};
use crate::service::Service;
use crate::stats::CallStats;
use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Responses above this size are aborted as failures (`integration.md` 2.1).
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
/// Items requested per page (`limit=`), and the most pages followed (2.1).
pub const PAGE_LIMIT: usize = 500;
pub const MAX_PAGES: usize = 20;
/// An extension endpoint that answered 404/501 is not called again for this long (2.2).
pub const EXTENSION_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// In-flight requests per upstream (6.4).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;

/// Why a logical call produced no data. Messages carry no token and no payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The breaker is open (or a probe is in flight): no request was made.
    #[error("circuit open: call short-circuited")]
    ShortCircuited,
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("upstream answered HTTP {0}")]
    Status(u16),
    /// 401/403: the service token was refused.
    #[error("upstream rejected the service credentials (HTTP {0})")]
    AuthRejected(u16),
    /// A 2xx body that is not JSON or lacks required fields.
    #[error("malformed response: {0}")]
    Malformed(String),
    #[error("response larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// A 4xx other than 401/403/404/408/429, or pagination beyond its limit.
    #[error("contract error: {0}")]
    Contract(String),
    /// The bulkhead stayed full until the call's deadline.
    #[error("too many requests in flight to this upstream")]
    Saturated,
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// The settings of one upstream's transport.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub service: Service,
    /// Scheme, host, port and an optional path prefix, without a trailing slash.
    pub base_url: Url,
    pub token: Option<ServiceToken>,
    /// Mints service JWTs when there is no static token (8.1).
    pub minter: Option<Arc<crate::auth::Minter>>,
    pub retry: RetryPolicy,
    pub breaker: BreakerConfig,
    pub max_in_flight: usize,
}

/// A GET of the contract.
#[derive(Debug, Clone)]
pub struct Get {
    /// The endpoint template, for logs and the extension memory.
    pub template: &'static str,
    /// The path below `/api/v1`, ids substituted (already percent-safe: ids are
    /// `[A-Za-z0-9._:-]` or UUIDs).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    /// An extension endpoint (404/501 mean "not offered", 2.2).
    pub extension: bool,
    /// A JSON body makes the call a `POST` (only MS12's login).
    pub body: Option<Value>,
    /// Extra headers (MS12's `X-API-Key`).
    pub headers: Vec<(&'static str, String)>,
    /// The call checks end-user credentials (MS12 login): 401/403 then mean "wrong
    /// password", a normal answer, and must not open the breaker.
    pub checks_credentials: bool,
}

impl Get {
    pub fn new(template: &'static str, path: String) -> Self {
        Get {
            template,
            path,
            query: Vec::new(),
            extension: false,
            body: None,
            headers: Vec::new(),
            checks_credentials: false,
        }
    }

    pub fn extension(mut self) -> Self {
        self.extension = true;
        self
    }

    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }
}

/// Frees the half-open probe slot if a probe's future is dropped before it ends.
struct ProbeGuard<'a> {
    breaker: &'a CircuitBreaker,
    armed: bool,
}

impl Drop for ProbeGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.breaker.on_abandoned();
        }
    }
}

/// What one attempt came to.
enum Attempt {
    Body(Vec<u8>),
    /// 404 (or 501 on an extension): an empty result, not a failure.
    NotFound,
    Retry(CallError, Option<Duration>),
    /// Not retried; `true` when it counts as a breaker failure.
    Fail(CallError, bool),
}

/// The transport of one upstream; cheap to share behind `Arc`.
#[derive(Debug)]
pub struct Transport {
    config: TransportConfig,
    client: reqwest::Client,
    breaker: CircuitBreaker,
    bulkhead: Arc<Semaphore>,
    stats: CallStats,
    clock: Arc<dyn Clock>,
    /// Extension templates that answered 404/501, and when.
    missing_extensions: Mutex<HashMap<&'static str, Instant>>,
    last_probe: Mutex<Option<ProbeResult>>,
    /// Per-endpoint counters for `/metrics` (`integration.md` 10.2).
    endpoints: EndpointMetrics,
    /// The fallback a failed call falls back to, set by the collector for its pulls
    /// (0: none counted, else a [`FallbackKind`] code).
    fallback: AtomicU8,
}

/// The last health probe (`integration.md` 10.1): any HTTP answer proves reachability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    pub at: chrono::DateTime<Utc>,
    pub reachable: bool,
    /// Latency of a reachable probe.
    pub response_time_ms: Option<u64>,
    pub error: Option<String>,
}

/// Installs the ring TLS provider once. reqwest is built with `rustls-no-provider` (ring
/// only, as sqlx; see /work/shared/dependencies.md), so every `reqwest::Client` in the
/// process (tests' clients too, through feature unification) needs it first; it is
/// idempotent.
pub fn install_tls_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Transport {
    pub fn new(config: TransportConfig, clock: Arc<dyn Clock>) -> Result<Self, CallError> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(config.retry.connect_timeout)
            .user_agent(concat!("learning-analytics/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CallError::InvalidRequest(format!("HTTP client: {e}")))?;
        let breaker = CircuitBreaker::new(config.breaker, clock.clone());
        Ok(Transport {
            bulkhead: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            config,
            client,
            breaker,
            stats: CallStats::default(),
            clock,
            missing_extensions: Mutex::new(HashMap::new()),
            last_probe: Mutex::new(None),
            endpoints: EndpointMetrics::default(),
            fallback: AtomicU8::new(0),
        })
    }

    pub fn service(&self) -> Service {
        self.config.service
    }

    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    /// The per-endpoint counters of `/metrics`.
    pub fn endpoint_metrics(&self) -> &EndpointMetrics {
        &self.endpoints
    }

    /// What failed calls fall back to from now on (`microservice_fallback_total`); the
    /// collector sets it before a pull from whether the source has stored data. `None`
    /// (the start) counts no fallback: MS12's login and the I3 tests fall back to nothing.
    pub fn set_fallback(&self, kind: Option<FallbackKind>) {
        let code = match kind {
            None => 0,
            Some(FallbackKind::LastKnown) => 1,
            Some(FallbackKind::Mock) => 2,
            Some(FallbackKind::Missing) => 3,
        };
        self.fallback.store(code, Ordering::Relaxed);
    }

    fn count_fallback(&self, endpoint: &'static str) {
        let kind = match self.fallback.load(Ordering::Relaxed) {
            1 => FallbackKind::LastKnown,
            2 => FallbackKind::Mock,
            3 => FallbackKind::Missing,
            _ => return,
        };
        self.endpoints.fallback(endpoint, kind);
    }

    fn url(&self, get: &Get) -> Result<Url, CallError> {
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}/api/v1{}", get.path))
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        if !get.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &get.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    fn extension_missing(&self, template: &'static str) -> bool {
        let now = self.clock.now();
        let mut missing = self
            .missing_extensions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match missing.get(template) {
            Some(since) if now.saturating_duration_since(*since) < EXTENSION_RETRY_AFTER => true,
            Some(_) => {
                missing.remove(template);
                false
            }
            None => false,
        }
    }

    fn mark_extension_missing(&self, template: &'static str) {
        self.missing_extensions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(template, self.clock.now());
    }

    /// One logical GET: `Ok(None)` for 404 (or an extension not offered), else the JSON
    /// body (a top-level `{"data": …}` unwrapped once) as `T`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        get: &Get,
        request_id: &str,
    ) -> Result<Option<T>, CallError> {
        if get.extension && self.extension_missing(get.template) {
            return Ok(None);
        }
        let url = self.url(get)?;
        let Some(admission) = self.breaker.admit() else {
            self.endpoints
                .request(get.template, Outcome::ShortCircuited, None);
            self.count_fallback(get.template);
            return Err(CallError::ShortCircuited);
        };
        let started = Instant::now();
        // A probe whose future is dropped (a deadline, a stopped pull) must free the probe
        // slot, or the breaker would stay half-open with no probe forever.
        let mut guard = ProbeGuard {
            breaker: &self.breaker,
            armed: admission == Admission::Probe,
        };
        let outcome = self.attempts(&url, get, admission, request_id).await;
        guard.armed = false;
        let service = self.config.service.slug();
        let result = match outcome {
            Ok(Some(body)) => match parse::<T>(&body) {
                Ok(value) => Ok(Some(value)),
                Err(e) => Err((e, true)),
            },
            Ok(None) => {
                if get.extension {
                    self.mark_extension_missing(get.template);
                }
                Ok(None)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(value) => {
                self.breaker.on_success();
                self.stats.success(Utc::now(), started.elapsed());
                self.endpoints
                    .request(get.template, Outcome::Success, Some(started.elapsed()));
                Ok(value)
            }
            Err((error, counts)) => {
                if counts {
                    self.breaker.on_failure();
                } else if error != CallError::Saturated {
                    // The upstream answered; the request was at fault.
                    self.breaker.on_success();
                }
                self.stats.failure(Utc::now(), error.to_string());
                self.endpoints
                    .request(get.template, Outcome::Failure, Some(started.elapsed()));
                self.count_fallback(get.template);
                if let (CallError::AuthRejected(status), false) = (&error, get.checks_credentials) {
                    tracing::error!(
                        event = "upstream_auth_rejected",
                        service,
                        endpoint = get.template,
                        status,
                        "upstream rejected the service credentials"
                    );
                } else {
                    tracing::warn!(service, endpoint = get.template, %error, "upstream call failed");
                }
                Err(error)
            }
        }
    }

    /// The attempts of one logical call: `Ok(Some(body))`, `Ok(None)` for not found, or
    /// the last error with whether it counts against the breaker.
    async fn attempts(
        &self,
        url: &Url,
        get: &Get,
        admission: Admission,
        request_id: &str,
    ) -> Result<Option<Vec<u8>>, (CallError, bool)> {
        let policy = self.config.retry;
        let max_attempts = match admission {
            Admission::Probe => 1,
            Admission::Normal => policy.max_attempts.max(1),
        };
        // Waiting for a bulkhead slot is bounded by the call's whole ceiling (6.4).
        let ceiling = policy
            .attempt_timeout
            .saturating_mul(max_attempts)
            .saturating_add(policy.backoff_base.saturating_mul(3));
        let _permit = match tokio::time::timeout(ceiling, self.bulkhead.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                self.breaker.on_abandoned();
                return Err((CallError::Saturated, false));
            }
        };
        let mut attempt = 1;
        loop {
            self.stats.attempt();
            let outcome = self.attempt(url, get, request_id).await;
            self.endpoints
                .attempt(get.template, attempt_result(&outcome));
            tracing::debug!(
                service = self.config.service.slug(),
                endpoint = get.template,
                attempt,
                "upstream attempt"
            );
            match outcome {
                Attempt::Body(body) => return Ok(Some(body)),
                Attempt::NotFound => return Ok(None),
                Attempt::Fail(error, counts) => return Err((error, counts)),
                Attempt::Retry(error, retry_after) => {
                    attempt += 1;
                    if attempt > max_attempts {
                        return Err((error, true));
                    }
                    match policy.pause(attempt, retry_after, jitter_unit()) {
                        Some(pause) => tokio::time::sleep(pause).await,
                        None => return Err((error, true)),
                    }
                }
            }
        }
    }

    async fn attempt(&self, url: &Url, get: &Get, request_id: &str) -> Attempt {
        let timeout = self.config.retry.attempt_timeout;
        match tokio::time::timeout(timeout, self.send(url, get, request_id)).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::Retry(CallError::Timeout(timeout), None),
        }
    }

    async fn send(&self, url: &Url, get: &Get, request_id: &str) -> Attempt {
        let mut request = match &get.body {
            Some(body) => self.client.post(url.clone()).json(body),
            None => self.client.get(url.clone()),
        }
        .header(ACCEPT, "application/json")
        .header("X-Request-Id", request_id);
        for (name, value) in &get.headers {
            request = request.header(*name, value);
        }
        if let Some(value) = self.config.authorization() {
            request = request.header(AUTHORIZATION, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Attempt::Retry(CallError::Timeout(self.config.retry.attempt_timeout), None);
            }
            // Without the URL: it may carry ids.
            Err(e) => return Attempt::Retry(CallError::Connect(e.without_url().to_string()), None),
        };
        let status = response.status();
        if status.is_success() {
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() + chunk.len() > MAX_BODY_BYTES {
                            return Attempt::Fail(CallError::TooLarge, true);
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => return Attempt::Body(body),
                    Err(e) if e.is_timeout() => {
                        return Attempt::Retry(
                            CallError::Timeout(self.config.retry.attempt_timeout),
                            None,
                        );
                    }
                    Err(e) => {
                        return Attempt::Retry(
                            CallError::Connect(e.without_url().to_string()),
                            None,
                        );
                    }
                }
            }
        }
        match classify(status, get.extension, retry_after(&response)) {
            Attempt::Fail(CallError::AuthRejected(code), _) if get.checks_credentials => {
                Attempt::Fail(CallError::AuthRejected(code), false)
            }
            other => other,
        }
    }
}

/// The `result` label of `upstream_attempts_total`.
fn attempt_result(attempt: &Attempt) -> &'static str {
    match attempt {
        Attempt::Body(_) => "success",
        Attempt::NotFound => "not_found",
        Attempt::Retry(e, _) | Attempt::Fail(e, _) => match e {
            CallError::Timeout(_) | CallError::Status(408) => "timeout",
            CallError::Connect(_) => "connection_error",
            CallError::Status(429) => "rate_limited",
            CallError::Status(500..=599) => "server_error",
            CallError::AuthRejected(_) => "auth_rejected",
            CallError::TooLarge => "too_large",
            CallError::Malformed(_) => "malformed",
            CallError::Status(_) | CallError::Contract(_) => "client_error",
            CallError::ShortCircuited | CallError::Saturated | CallError::InvalidRequest(_) => {
                "error"
            }
        },
    }
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The non-2xx rows of `integration.md` 2.2.
fn classify(status: StatusCode, extension: bool, retry_after: Option<Duration>) -> Attempt {
    let code = status.as_u16();
    match code {
        404 => Attempt::NotFound,
        501 if extension => Attempt::NotFound,
        408 | 429 => Attempt::Retry(CallError::Status(code), retry_after),
        500..=599 => Attempt::Retry(CallError::Status(code), retry_after),
        401 | 403 => Attempt::Fail(CallError::AuthRejected(code), true),
        400..=499 => Attempt::Fail(CallError::Contract(format!("HTTP {code}")), false),
        // 1xx/3xx (redirects are not followed): the contract knows neither.
        _ => Attempt::Fail(CallError::Contract(format!("HTTP {code}")), false),
    }
}

/// Parses a 2xx body: JSON, `{"data": …}` unwrapped once, then the contract type.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, CallError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| CallError::Malformed(format!("not JSON: {e}")))?;
    let value = match value {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("data") => {
            map.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(value).map_err(|e| CallError::Malformed(e.to_string()))
}

/// A list answer: a bare array (complete), or one page with the next cursor.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ListPage<T> {
    Bare(Vec<T>),
    Page {
        items: Vec<T>,
        #[serde(rename = "nextCursor", default)]
        next_cursor: Option<String>,
    },
}

impl Transport {
    /// A list endpoint (`limit=500`, following `nextCursor` for at most 20 pages; 2.1).
    /// A 404 is an empty list.
    pub async fn get_list<T: DeserializeOwned>(
        &self,
        get: &Get,
        request_id: &str,
    ) -> Result<Vec<T>, CallError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page = get.clone().query("limit", PAGE_LIMIT.to_string());
            if let Some(c) = &cursor {
                page = page.query("cursor", c.clone());
            }
            match self.get_json::<ListPage<T>>(&page, request_id).await? {
                None => return Ok(all),
                Some(ListPage::Bare(items)) => {
                    all.extend(items);
                    return Ok(all);
                }
                Some(ListPage::Page { items, next_cursor }) => {
                    all.extend(items);
                    match next_cursor.filter(|c| !c.is_empty()) {
                        Some(next) => cursor = Some(next),
                        None => return Ok(all),
                    }
                }
            }
        }
        Err(CallError::Contract(format!(
            "`{}` has more than {MAX_PAGES} pages",
            get.template
        )))
    }

    /// A single test call for the I3 management endpoint (`integration.md` 10.3): one
    /// attempt with `timeout`, bypassing the breaker without updating it; nothing stored.
    /// Returns the HTTP status and the latency.
    pub async fn test_call(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Result<(u16, Duration), CallError> {
        if !self.config.service.matches_endpoint(path) {
            return Err(CallError::InvalidRequest(format!(
                "`{path}` matches no contract endpoint of {}",
                self.config.service
            )));
        }
        let url = self.url(&Get::new("test", path.to_owned()))?;
        self.probe(url, timeout).await
    }

    /// The I3 connectivity test: one `GET <base>/health` with `timeout`; any HTTP answer
    /// proves reachability. Neither the breaker nor the last probe is touched.
    pub async fn connectivity(&self, timeout: Duration) -> Result<(u16, Duration), CallError> {
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let url = Url::parse(&format!("{base}/health"))
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.probe(url, timeout).await
    }

    /// The health probe (`integration.md` 10.1): `GET <base>/health`; any HTTP answer
    /// proves reachability. Does not feed the breaker.
    pub async fn health_probe(&self, timeout: Duration) -> ProbeResult {
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let outcome = match Url::parse(&format!("{base}/health")) {
            Ok(url) => self.probe(url, timeout).await,
            Err(e) => Err(CallError::InvalidRequest(e.to_string())),
        };
        let result = match outcome {
            Ok((_, latency)) => ProbeResult {
                at: Utc::now(),
                reachable: true,
                response_time_ms: Some(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)),
                error: None,
            },
            Err(e) => ProbeResult {
                at: Utc::now(),
                reachable: false,
                response_time_ms: None,
                error: Some(e.to_string()),
            },
        };
        *self.last_probe.lock().unwrap_or_else(|e| e.into_inner()) = Some(result.clone());
        result
    }

    pub fn last_probe(&self) -> Option<ProbeResult> {
        self.last_probe
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn probe(&self, url: Url, timeout: Duration) -> Result<(u16, Duration), CallError> {
        let started = Instant::now();
        let mut request = self.client.get(url).header(ACCEPT, "application/json");
        if let Some(value) = self.config.authorization() {
            request = request.header(AUTHORIZATION, value);
        }
        match tokio::time::timeout(timeout, request.send()).await {
            Ok(Ok(response)) => Ok((response.status().as_u16(), started.elapsed())),
            Ok(Err(e)) => Err(CallError::Connect(e.without_url().to_string())),
            Err(_) => Err(CallError::Timeout(timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_the_spec_table() {
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, false, None),
            Attempt::NotFound
        ));
        assert!(matches!(
            classify(StatusCode::NOT_IMPLEMENTED, true, None),
            Attempt::NotFound
        ));
        assert!(matches!(
            classify(StatusCode::NOT_IMPLEMENTED, false, None),
            Attempt::Retry(CallError::Status(501), None)
        ));
        assert!(matches!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                false,
                Some(Duration::from_secs(1))
            ),
            Attempt::Retry(CallError::Status(429), Some(_))
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, false, None),
            Attempt::Fail(CallError::AuthRejected(403), true)
        ));
        assert!(matches!(
            classify(StatusCode::UNPROCESSABLE_ENTITY, false, None),
            Attempt::Fail(CallError::Contract(_), false)
        ));
    }

    #[test]
    fn data_wrappers_are_unwrapped_once() {
        let v: Vec<u32> = parse(br#"{"data": [1, 2]}"#).expect("unwrapped");
        assert_eq!(v, vec![1, 2]);
        assert!(matches!(
            parse::<Vec<u32>>(b"{oops"),
            Err(CallError::Malformed(_))
        ));
        assert!(matches!(
            parse::<Vec<u32>>(br#"{"x": 1}"#),
            Err(CallError::Malformed(_))
        ));
    }
}
