//! The analytics envelope (`api.md` 1.9 with decision 10's additions) and its caching headers
//! (`api.md` 1.10). The stored `data` is JSON text already; it is spliced in as it is, never
//! parsed again on the hot path.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use la_app::analytics::read::{STALE_AFTER, Served};
use serde::Serialize;

/// Envelope facts other than `data`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvelopeMeta {
    pub cached: bool,
    pub last_updated: String,
    pub expires_at: String,
    pub is_stale: bool,
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_job_id: Option<uuid::Uuid>,
    pub status: &'static str,
    pub low_confidence: bool,
    pub coverage: f64,
    pub warnings: Vec<String>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An envelope ready to send.
pub struct Envelope {
    meta: EnvelopeMeta,
    /// JSON text of `data` (`null` when insufficient).
    data: String,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Envelope {
    /// One stored analytic.
    pub fn single(served: &Served, window: Option<&'static str>, now: DateTime<Utc>) -> Self {
        let result = &served.result;
        let stale = served.is_stale(now);
        Envelope {
            meta: EnvelopeMeta {
                cached: served.cached,
                last_updated: ts(result.calculated_at),
                expires_at: ts(served.expires_at()),
                is_stale: stale,
                source: source(served.cached, stale),
                window,
                refresh_job_id: served.refresh_job,
                status: result.status.as_str(),
                low_confidence: result.low_confidence,
                coverage: result.coverage,
                warnings: result.warnings.clone(),
            },
            data: result
                .data
                .as_ref()
                .map_or_else(|| "null".to_owned(), |d| d.as_str().to_owned()),
            expires_at: served.expires_at(),
            now,
        }
    }

    /// An overview (L7, T5, O5): components keyed by name; the oldest component dates the
    /// whole, it is stale if any is, cached only if all were (`api.md` 2.3).
    pub fn overview(
        parts: &[(&str, Served)],
        extra: &[(&str, String)],
        window: Option<&'static str>,
        now: DateTime<Utc>,
    ) -> Self {
        let oldest = parts
            .iter()
            .map(|(_, s)| s.result.calculated_at)
            .min()
            .unwrap_or(now);
        let stale = parts.iter().any(|(_, s)| s.is_stale(now));
        let cached = parts.iter().all(|(_, s)| s.cached);
        let complete = parts
            .iter()
            .all(|(_, s)| s.result.status == la_app::results::ResultStatus::Complete);
        let coverage = parts
            .iter()
            .map(|(_, s)| s.result.coverage)
            .fold(1.0_f64, f64::min);
        let mut data = String::from("{");
        for (i, (name, text)) in extra
            .iter()
            .map(|(n, t)| (*n, t.clone()))
            .chain(parts.iter().map(|(name, served)| {
                (
                    *name,
                    served
                        .result
                        .data
                        .as_ref()
                        .map_or_else(|| "null".to_owned(), |d| d.as_str().to_owned()),
                )
            }))
            .enumerate()
        {
            if i > 0 {
                data.push(',');
            }
            data.push_str(&serde_json::to_string(name).expect("a name serialises"));
            data.push(':');
            data.push_str(&text);
        }
        data.push('}');
        Envelope {
            meta: EnvelopeMeta {
                cached,
                last_updated: ts(oldest),
                expires_at: ts(oldest + STALE_AFTER),
                is_stale: stale,
                source: source(cached, stale),
                window,
                refresh_job_id: parts.iter().find_map(|(_, s)| s.refresh_job),
                status: if complete { "complete" } else { "partial" },
                low_confidence: parts.iter().any(|(_, s)| s.result.low_confidence),
                coverage,
                warnings: parts
                    .iter()
                    .flat_map(|(_, s)| s.result.warnings.iter().cloned())
                    .collect(),
            },
            data,
            expires_at: oldest + STALE_AFTER,
            now,
        }
    }
}

fn source(cached: bool, stale: bool) -> &'static str {
    match (cached, stale) {
        (false, _) => "calculated",
        (true, false) => "cache",
        (true, true) => "stale_cache",
    }
}

impl IntoResponse for Envelope {
    fn into_response(self) -> Response {
        let meta = serde_json::to_string(&self.meta).expect("envelope metadata serialises");
        // `{"data":<data>,` + the metadata object without its opening brace.
        let mut body = String::with_capacity(self.data.len() + meta.len() + 10);
        body.push_str("{\"data\":");
        body.push_str(&self.data);
        body.push(',');
        body.push_str(&meta[1..]);
        let cache_control = if self.meta.is_stale {
            HeaderValue::from_static("private, no-cache")
        } else {
            let seconds = (self.expires_at - self.now).num_seconds().max(0);
            HeaderValue::from_str(&format!("private, max-age={seconds}"))
                .expect("a number is a valid header value")
        };
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, cache_control),
                (
                    header::VARY,
                    HeaderValue::from_static("Authorization, X-Active-Role"),
                ),
            ],
            body,
        )
            .into_response()
    }
}
